"""Plain-text helpers shared by every intake and every rendering: shortening and email shape.

One place for "cut this at a word with an ellipsis", so the Slack post, the terminal table and
a widget subject shorten text the same way.
"""

from __future__ import annotations

import re

MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a forward path
SHORT_SUBJECT_CHARS = 80

_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\.]+")


def plausible_email(value: str) -> bool:
    """True when `value` looks like an e-mail address (local@domain.tld, no spaces)."""
    return len(value) <= MAX_EMAIL_CHARS and _EMAIL.fullmatch(value) is not None


def one_line(value: str) -> str:
    """`value` with every run of whitespace (newlines too) collapsed to one space."""
    return " ".join(value.split())


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a word boundary not too far back; else cut mid-word
        cut = cut[:space]
    return cut.rstrip() + "…"


def first_line_subject(text: str, limit: int = SHORT_SUBJECT_CHARS) -> str:
    """The first non-blank line of `text`, whitespace collapsed, cut at a word near `limit`."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    return shorten(one_line(line), limit)

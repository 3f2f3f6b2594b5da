"""Plain-text helpers shared by every intake and every rendering: shortening, email shape,
and whether a text shows anything at all.

One place for "cut this at a word with an ellipsis", so the Slack post, the terminal table and
a widget subject shorten text the same way.
"""

from __future__ import annotations

import re
import unicodedata

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


# Characters that show nothing: controls, format characters (zero-width space, joiners,
# word joiner, BOM, soft hyphen), separators and lone combining marks. Unassigned code points
# stay visible: an emoji newer than Python's Unicode tables is one.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that render as blank: Hangul fillers, the blank Braille pattern.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(text: str) -> bool:
    """True when `text` has at least one character a reader would see."""
    return any(
        ch not in _BLANK_GLYPHS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
        for ch in text
    )

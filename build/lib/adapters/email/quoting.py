"""What the rules read of a plain-text body: quoted replies, quoted history and the signature
trimmed, so a customer's new words are matched and not the whole thread below them.

Heuristics for Dutch, English, German and French clients (Gmail, Outlook, Apple Mail,
Thunderbird); `trim_reply` returns the body itself when it finds nothing to trim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_REPLY_HEADERS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"op\s.{1,200}\sschreef\s?.{0,200}:",  # Gmail/Thunderbird, Dutch
        r"op\s.{1,200}\sheeft\s.{1,200}\shet volgende geschreven\s?:",  # Apple Mail, Dutch
        r"on\s.{1,200}\swrote\s?:",
        r"am\s.{1,200}\sschrieb\s?.{0,200}:",
        r"le\s.{1,200}\sa\s[ée]crit\s?:",
    )
]
_SEPARATOR = re.compile(
    r"-{2,}\s*(original message|oorspronkelijk bericht|origineel bericht|"
    r"oorspronkelijke bericht)\s*-{2,}",
    re.IGNORECASE,
)
# Outlook quotes without '>': a block of 'Van:/Verzonden:/Aan:/Onderwerp:' (or English) lines.
_OUTLOOK_FROM = re.compile(r"\*?(van|from)\s?:\*?\s.*", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"\*?(verzonden|sent|datum|date)\s?:\*?\s.*", re.IGNORECASE)
_OUTLOOK_ONE_LINE = re.compile(r"\*?(van|from)\s?:.*\s\*?(verzonden|sent)\s?:.*", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"(met\s)?(vriendelijke|hartelijke|beste|vriendelijk)\sgroet(en|jes)?|groet(en|jes)?|"
    r"met\sgroet|mvg|m\.v\.g\.?|gr\.?|hoogachtend|(alvast\s)?bedankt|hartelijk\sdank|"
    r"dank\s(je|u)\s?wel|(with\s)?(kind|best|warm|warmest)\sregards|regards|best|cheers|"
    r"(many\s)?thanks(\sin\sadvance)?|thank\syou|(yours\s)?sincerely|best\swishes|kr",
    re.IGNORECASE,
)
_RULE_LINE = re.compile(r"[-_=*\s]*")
_SIGNATURE_MAX_LINES = 6
_SIGNATURE_MAX_LINE_CHARS = 72
_LONG_LINE = 400  # reply headers are short; do not run the patterns over huge lines


def trim_reply(body: str, *, forwarded: bool = False) -> str:
    """The part of `body` the sender wrote: quoted replies and the signature trimmed.

    Cuts at a reply header ('Op ... schreef ...:', 'On ... wrote:', '-----Original
    Message-----', an Outlook 'Van:/Verzonden:' block), drops lines starting with '>', and cuts
    a signature ('-- ' or a sign-off like 'Met vriendelijke groet,' followed by a few short
    lines). When `forwarded` (a 'Fwd:' subject), the forwarded message below the header is
    what matters, so reply headers are not cut. Returns `body` itself when nothing changed.
    """
    lines = body.split("\n")
    kept = lines if forwarded else _cut_at_reply_header(lines)
    kept = [line for line in kept if not line.lstrip().startswith(">")]
    kept = _cut_signature(kept)
    if kept == lines:
        return body
    # Outlook puts a line of underscores above its 'Van:' block; drop such leftovers.
    while kept and _RULE_LINE.fullmatch(kept[-1]):
        kept.pop()
    return tidy_lines(kept)


def tidy_lines(lines: Iterable[str]) -> str:
    """Lines joined as one text: trailing spaces and runs of blank lines gone, no blank edges."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def _cut_at_reply_header(lines: list[str]) -> list[str]:
    for index in range(len(lines)):
        size = _reply_header_size(lines, index)
        if size == 0:
            continue
        after = lines[index + size :]
        if _interleaved(after):
            # 'On ... wrote:' followed by answers between the quotes: keep the answers, the
            # '>' lines go later.
            return lines[:index] + after
        return lines[:index]
    return lines


def _reply_header_size(lines: list[str], index: int) -> int:
    """How many lines the reply header starting at `index` spans (0: no header there)."""
    first = lines[index].strip()
    if not first or len(first) > _LONG_LINE or first.startswith(">"):
        return 0
    if _SEPARATOR.fullmatch(first) or _OUTLOOK_ONE_LINE.fullmatch(first):
        return 1
    if _OUTLOOK_FROM.fullmatch(first) and any(
        _OUTLOOK_SENT.fullmatch(line.strip()) for line in lines[index + 1 : index + 4]
    ):
        return 1
    # Clients wrap long 'Op ... schreef ...:' lines, so try up to three joined lines.
    for size in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[index : index + size])
        if len(joined) > _LONG_LINE:
            break
        if any(pattern.fullmatch(joined) for pattern in _REPLY_HEADERS):
            return size
    return 0


def _interleaved(after: list[str]) -> bool:
    """True when text written by the sender follows quoted lines after a reply header."""
    seen_quote = False
    for line in after:
        stripped = line.strip()
        if stripped.startswith(">"):
            seen_quote = True
        elif stripped and seen_quote:
            return True
    return False


def _cut_signature(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    lines = lines[:end]
    # '-- ' is the standard delimiter: everything below it is signature.
    for index in reversed(range(end)):
        if lines[index] == "-- ":
            return lines[:index]
    # Many clients strip the space, and a bare '--' is also used as a divider, so that one
    # (like a sign-off) only counts near the end, with a few short lines below it.
    for index in range(max(0, end - _SIGNATURE_MAX_LINES - 1), end):
        if lines[index].rstrip() == "--" and _signature_like(lines[index + 1 :]):
            return lines[:index]
    for index in range(max(0, end - _SIGNATURE_MAX_LINES - 1), end):
        if _SIGN_OFF.fullmatch(lines[index].strip().rstrip(",.!")) and _signature_like(
            lines[index + 1 :]
        ):
            return lines[:index]
    return lines


def _signature_like(lines: Iterable[str]) -> bool:
    content = [line.strip() for line in lines if line.strip()]
    return len(content) <= _SIGNATURE_MAX_LINES and all(
        len(line) <= _SIGNATURE_MAX_LINE_CHARS for line in content
    )

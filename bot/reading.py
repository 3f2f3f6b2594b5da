"""Which words of a report are the customer's report: the text split into its parts.

A support mail carries much more than the report: a greeting, quoted earlier mail ("> ...",
"Op di 10 nov. 2026 om 09:12 schreef ...:", an Outlook "Van:/Verzonden:" block), forwarded
headers, a signature with job titles and a legal disclaimer. The rules read only what the
customer wrote now (and a forwarded report, which *is* the report); everything else is kept
apart so that "storing" in a disclaimer or "workaround" in a quoted reply decides nothing.

    subject     the subject line
    body        the newest text, plus forwarded content (the report being passed on)
    quoted      earlier mail quoted below (or between) the newest text
    forwarded   the forwarded content alone (also part of `body`)
    signature   the sign-off and what follows it (names, job titles, phone numbers)
    disclaimer  legal boilerplate ("Dit bericht kan vertrouwelijke informatie bevatten ...")

Pure string work, for every channel (a widget message can quote too). Dutch and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_LONG_LINE = 400  # headers are short: never run the patterns over huge lines
_BLANK_LINES = re.compile(r"\n{3,}")

_REPLY_HEADER = re.compile(
    r"(op\s.{1,200}\s(schreef|heeft\s.{1,200}\shet volgende geschreven)\s?.{0,200}:"
    r"|on\s.{1,200}\swrote\s?:"
    r"|am\s.{1,200}\sschrieb\s?.{0,200}:)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"-{2,}\s*(original message|oorspronkelijk bericht|origineel bericht|"
    r"oorspronkelijke bericht|oorspronkelijk e-mailbericht)\s*-{2,}",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"(-{2,}\s*(forwarded message|doorgestuurd bericht|doorgestuurde e-mail|"
    r"begin doorgestuurd bericht)\s*-{2,}|begin forwarded message\s?:|"
    r"begin doorgestuurd bericht\s?:|doorgestuurd bericht\s?:)",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"\s*(fwd?|fw|doorst|wg|tr)\s*:", re.IGNORECASE)
_FROM = re.compile(r"\*?(van|from|afzender)\s?:\*?\s.*", re.IGNORECASE)
# Outlook on the web puts the whole quoted header on one line.
_OUTLOOK_ONE_LINE = re.compile(
    r"\*?(van|from)\s?:.*\s\*?(verzonden|sent|datum|date)\s?:.*", re.IGNORECASE
)
_HEADER_LINE = re.compile(
    r"\*?(van|from|verzonden|sent|datum|date|aan|to|cc|bcc|onderwerp|subject|afzender)"
    r"\s?:\*?(\s.*)?",
    re.IGNORECASE,
)
_SENT = re.compile(r"\*?(verzonden|sent|datum|date)\s?:\*?\s.*", re.IGNORECASE)
_ONE_SIGN_OFF = (
    r"((met\s)?(vriendelijke|hartelijke|beste|vriendelijk|zonnige)\s?groet(en|jes)?|"
    r"groet(en|jes)?|met\sgroet|mvg|m\.v\.g\.?|gr\.?|hoogachtend|"
    r"(with\s)?(kind|best|warm|warmest)\s(regards|wishes)|regards|cheers|"
    r"(yours\s)?sincerely|kr|thanks|many thanks|dank|bedankt|alvast bedankt|"
    r"bij voorbaat dank|dank je wel|dank u wel)"
)
# "Met vriendelijke groet / Kind regards," counts as one sign-off.
_SIGN_OFF = re.compile(rf"{_ONE_SIGN_OFF}(\s*[/|-]\s*{_ONE_SIGN_OFF})?[,.!]*", re.IGNORECASE)
_MOBILE = re.compile(
    r"((verzonden|verstuurd|sent)\s(vanaf|from|met|with)\s(mijn|my)\s.{1,40}|"
    r"(outlook voor (ios|android) downloaden|get outlook for (ios|android)).{0,20})",
    re.IGNORECASE,
)
# The letters a _MOBILE line can start with, lower case (U+017F, a long s, is an s to it).
_MOBILE_FIRST = frozenset("vsog\u017f")
# Every _MOBILE line contains one of these (in ASCII lower case, see _lowered).
_MOBILE_WORDS = ("verzonden", "verstuurd", "sent", "outlook")
# Legal boilerplate about the message itself: one of these starts a disclaimer paragraph.
# ("vertrouwelijke informatie" alone is not enough: a customer may report exactly that.)
_DISCLAIMER = re.compile(
    r"(dit (e-?mail)?bericht (en (eventuele|de) bijlagen? )?(kan vertrouwelijke|bevat "
    r"vertrouwelijke|is vertrouwelijk|is uitsluitend bestemd|is alleen bestemd)|"
    r"de informatie (verzonden )?(in|met) dit (e-?mail)?bericht|"
    r"aan dit (e-?mail)?bericht kunnen geen rechten|^\W*disclaimer\b|"
    r"this (e-?mail|message)( and any (files|attachments)( transmitted with it)?)? "
    r"(is|may be|may contain|contains|are) (strictly )?(confidential|intended|privileged)|"
    r"if you (are not the intended|have received this (e-?mail|message) in error)|"
    r"bent u niet de (beoogde )?(ontvanger|geadresseerde)|"
    r"indien u dit (e-?mail)?bericht (onbevoegd|ten onrechte|abusievelijk|per abuis))",
    re.IGNORECASE,
)
# Every form of _DISCLAIMER contains one of these (in ASCII lower case).
_DISCLAIMER_WORDS = (
    "bericht",
    "disclaimer",
    "confidential",
    "intended",
    "privileged",
    "in error",
    "bent u niet de ",
)
# A line of a report rather than of a signature: a sentence (two words or more ending in
# . ? !) or a long run of words.
_SENTENCE_LINE = re.compile(r"\S+(\s+\S+)*\s+[a-z][a-z'-]{2,}[.?!]+|\S+(\s+\S+){6,}")
_RULE_LINE = re.compile(r"[-_=*\s]*")
# How the lines that can start a forward or a reply header begin (a cheap first test).
_FORWARD_STARTS = ("-", "begin", "doorg")
_REPLY_STARTS = ("op ", "on ", "am ", "van", "from", "afzen", "-", "*")
_SIGNATURE_MAX_LINES = 8
_SIGNATURE_MAX_LINE_CHARS = 80
# A greeting at the start of the report's first line: "Goedemorgen, de export ...".
_GREETING_LEAD = re.compile(
    r"(goede(morgen|middag|avond)|beste|hallo|hoi|hi|hey|dag|geachte|hello|dear|"
    r"good (morning|afternoon))\b[^,!:.?\n]{0,30}[,!:]\s*",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"(goede(morgen|middag|avond)|beste|hallo|hoi|hi|hey|dag|geachte|hello|dear|"
    r"good (morning|afternoon))\b[^.!?\n]{0,40}[,!:]?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReadText:
    """A report's text split into the parts the rules treat differently."""

    subject: str
    body: str
    quoted: str = ""
    forwarded: str = ""
    signature: str = ""
    disclaimer: str = ""

    @property
    def text(self) -> str:
        """Subject and newest body together, as the `text` condition sees them."""
        return f"{self.subject}\n{self.body}" if self.subject else self.body

    def heart(self, limit: int = 300) -> str:
        """The first real sentences of the newest text (no greeting), for a Slack quote."""
        lines = [line.strip() for line in self.body.splitlines() if line.strip()]
        while lines and _GREETING.fullmatch(lines[0]):
            lines.pop(0)
        if lines:
            first = _GREETING_LEAD.match(lines[0])
            if first and first.end() < len(lines[0]):
                lines[0] = lines[0][first.end() :].strip()
        text = " ".join(" ".join(lines).split())
        if len(text) <= limit:
            return text
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def read_report(subject: str, body: str) -> ReadText:
    """Split one report's subject and body into the parts of `ReadText`."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    forwards, replies = _header_starts(lines)
    forward_at = _find(lines, _forward_size, forwards)
    reply_at = _find(lines, _reply_size, replies)
    if forward_at is None and reply_at is not None and _FORWARD_SUBJECT.match(subject):
        # "FW: ..." over an Outlook "Oorspronkelijk bericht" block: what follows is the
        # report being passed on, not history.
        forward_at, reply_at = reply_at, None
    forwarded: list[str] = []
    quoted: list[str] = []
    if forward_at is not None and (reply_at is None or forward_at[0] <= reply_at[0]):
        start, size = forward_at
        top, rest = lines[:start], lines[start + size :]
        rest = _skip_headers(rest)
        # A forward of a forward: the report is at the bottom of the chain.
        while rest and _forward_size(rest, 0):
            rest = _skip_headers(rest[1:])
        # The forwarded mail can itself quote older mail: that stays history.
        inner_reply = _find(rest, _reply_size)
        if inner_reply is not None:
            quoted = rest[inner_reply[0] :]
            rest = rest[: inner_reply[0]]
        forwarded_text, fwd_signature, fwd_disclaimer = _split_tail(rest)
        forwarded = forwarded_text
        newest, signature, disclaimer = _split_tail(top)
        signature = signature + fwd_signature
        disclaimer = disclaimer + fwd_disclaimer
    else:
        if reply_at is not None:
            start, size = reply_at
            after = lines[start:]
            newest_lines = lines[:start]
            # Answers written between the quotes ("inline") are the sender's words too; only
            # below a "... schreef:" / "... wrote:" header (an Outlook block is history).
            wrote = _REPLY_HEADER.fullmatch(
                " ".join(x.strip() for x in lines[start : start + size])
            )
            inline = _inline_answers(lines[start + size :]) if wrote else []
            quoted = [line for line in after if line not in inline]
            newest_lines = newest_lines + inline
        else:
            newest_lines = lines
        if ">" in body:
            kept = [line for line in newest_lines if not line.lstrip().startswith(">")]
            quoted = [line for line in newest_lines if line.lstrip().startswith(">")] + quoted
        else:
            kept = newest_lines  # no line can start with ">"
        newest, signature, disclaimer = _split_tail(kept)
    body_lines = newest + (["", *forwarded] if forwarded else [])
    return ReadText(
        subject=" ".join(subject.split()),
        body=_join(body_lines),
        quoted=_join(quoted),
        forwarded=_join(forwarded),
        signature=_join(signature),
        disclaimer=_join(disclaimer),
    )


def _join(lines: list[str]) -> str:
    if not lines:
        return ""
    joined = "\n".join([line.rstrip() for line in lines])
    if "\n\n\n" in joined:
        joined = _BLANK_LINES.sub("\n\n", joined)
    return joined.strip()


def _find(
    lines: list[str], size_at: object, indexes: Iterable[int] | None = None
) -> tuple[int, int] | None:
    """The first header `size_at` finds (its line and size), trying `indexes` (default: every
    line)."""
    assert callable(size_at)
    for index in range(len(lines)) if indexes is None else indexes:
        size = size_at(lines, index)
        if size:
            return index, size
    return None


def _header_starts(lines: list[str]) -> tuple[list[int], list[int]]:
    """The lines that can start a forward and a reply header, by the cheap first test that
    _forward_size and _reply_size make (one pass for both)."""
    forwards: list[int] = []
    replies: list[int] = []
    for index, line in enumerate(lines):
        first = line.strip()
        if first and len(first) <= _LONG_LINE:
            head = first[:5].lower()
            if head.startswith(_FORWARD_STARTS):
                forwards.append(index)
            if head.startswith(_REPLY_STARTS):
                replies.append(index)
    return forwards, replies


def _forward_size(lines: list[str], index: int) -> int:
    first = lines[index].strip()
    if not first or len(first) > _LONG_LINE or not first[:5].lower().startswith(_FORWARD_STARTS):
        return 0
    return 1 if _FORWARD.fullmatch(first) else 0


def _reply_size(lines: list[str], index: int) -> int:
    """How many lines the reply header starting at `index` spans (0: none there)."""
    first = lines[index].strip()
    if not first or len(first) > _LONG_LINE or not first[:5].lower().startswith(_REPLY_STARTS):
        return 0
    if _SEPARATOR.fullmatch(first) or _OUTLOOK_ONE_LINE.fullmatch(first):
        return 1
    if _FROM.fullmatch(first) and any(
        _SENT.fullmatch(line.strip()) for line in lines[index + 1 : index + 4]
    ):
        return 1
    window = lines[index : index + 3]
    if not any(":" in line for line in window):
        return 0  # every reply header ends in a colon: most lines are ruled out here
    # Clients wrap long 'Op ... schreef ...:' lines: try up to three joined lines.
    for size in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[index : index + size])
        if len(joined) > _LONG_LINE:
            break
        if _REPLY_HEADER.fullmatch(joined):
            return size
    return 0


def _skip_headers(lines: list[str]) -> list[str]:
    """Drop the From/Date/Subject/To lines at the top of a forwarded message."""
    index = 0
    while index < len(lines) and (
        not lines[index].strip() or _HEADER_LINE.fullmatch(lines[index].strip())
    ):
        index += 1
    return lines[index:]


def _inline_answers(after: list[str]) -> list[str]:
    """Lines the sender wrote between (and after) quoted lines below a reply header."""
    seen_quote = False
    answers: list[str] = []
    for line in after:
        stripped = line.strip()
        if stripped.startswith(">"):
            seen_quote = True
        elif stripped and seen_quote:
            answers.append(line)
    return answers


def _split_tail(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(text, signature, disclaimer) of one message's own lines."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    lines = lines[:end]
    # A disclaimer is a paragraph of boilerplate near the end: cut from its first line.
    disclaimer: list[str] = []
    text = "\n".join(lines)
    lowered = _lowered(text)
    boilerplate = _has_disclaimer(text, lowered)  # one scan, not one a line
    for index, line in enumerate(lines if boilerplate else ()):
        if index > 0 and len(line) < 2000 and _DISCLAIMER.search(line):
            paragraph = index
            while paragraph > 0 and lines[paragraph - 1].strip():
                paragraph -= 1
            if paragraph > 0 or index > 0:
                disclaimer = lines[paragraph:]
                lines = lines[:paragraph]
            break
    while lines and _RULE_LINE.fullmatch(lines[-1]):
        lines.pop()
    end = len(lines)
    for index in reversed(range(end) if "-- " in lines else ()):
        if lines[index] == "-- ":
            return lines[:index], lines[index:], disclaimer
    footer: list[str] = []
    # (Only a text with one of _MOBILE's words can hold a _MOBILE line.)
    mobile = any(word in lowered for word in _MOBILE_WORDS)
    for index in range(end) if mobile else ():
        stripped = lines[index].strip()
        # (_MOBILE can only match a line starting with one of its first letters.)
        if stripped[:1].lower() in _MOBILE_FIRST and _MOBILE.fullmatch(stripped):
            # "Verzonden vanaf mijn iPhone" ends the text; a sign-off may stand above it.
            lines, footer = lines[:index], lines[index:]
            while lines and not lines[-1].strip():
                lines.pop()
            end = len(lines)
            break
    for index in range(max(1, end - _SIGNATURE_MAX_LINES - 1), end):
        stripped = lines[index].strip()
        if (stripped.rstrip() == "--" or _SIGN_OFF.fullmatch(stripped)) and _signature_like(
            lines[index + 1 :]
        ):
            return lines[:index], lines[index:] + footer, disclaimer
    return lines, footer, disclaimer


def _has_disclaimer(text: str, lowered: str | None = None) -> bool:
    """Does `text` hold legal boilerplate (_DISCLAIMER)? The pattern is slow to run over a
    whole mail; a text without any of the words each of its forms contains cannot hold it.
    `lowered`: _lowered(text), when the caller has it."""
    if lowered is None:
        lowered = _lowered(text)
    if not any(word in lowered for word in _DISCLAIMER_WORDS):
        return False
    return _DISCLAIMER.search(text) is not None


def _lowered(text: str) -> str:
    """`text` in lower case, with the letters outside ASCII that the case-insensitive
    patterns match to ASCII letters made those letters: U+0130 and U+0131 (i), U+017F (s);
    U+212A (the Kelvin sign) lowers to k by itself."""
    folded = text
    if not text.isascii():
        folded = text.replace("\u0130", "i").replace("\u0131", "i").replace("\u017f", "s")
    return folded.lower()


def _signature_like(lines: list[str]) -> bool:
    """Names, titles, phone numbers: a few short lines, none of them a sentence."""
    content = [line.strip() for line in lines if line.strip()]
    return len(content) <= _SIGNATURE_MAX_LINES and all(
        len(line) <= _SIGNATURE_MAX_LINE_CHARS and not _SENTENCE_LINE.fullmatch(line)
        for line in content
    )

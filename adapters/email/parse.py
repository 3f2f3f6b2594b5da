"""The pure parsing step of the email adapter: raw bytes -> ParsedEmail -> Report.

No I/O happens here. `parse_email` reads one RFC 5322 message with the standard library's
`email` package (`policy.default`) and extracts what triage needs: sender, subject, a plain-text
body (HTML converted), the text the rules should read (quoted replies and signature trimmed),
attachments by name/type/size, threading ids, a `[#123]` ticket tag and whether the message
was sent by a machine (auto-reply, bounce). `to_report` turns the result into a `Report`.

Real-world mail is broken in every possible way, so everything here is lenient: unknown
charsets, broken MIME structure and malformed headers become notes, not exceptions. Only
input that cannot become a report at all raises `EmailParseError`.
"""

from __future__ import annotations

import codecs
import itertools
import mimetypes
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from html.parser import HTMLParser

from bot.errors import AdapterError
from bot.models import MAX_TEXT_CHARS, Attachment, Channel, Report

DEFAULT_MAX_BODY_CHARS = 200_000

# A subject is one line; anything longer is abuse or a broken header, not something to match.
MAX_SUBJECT_CHARS = 1_000
MAX_NAME_CHARS = 200

# Nesting deeper than this is an attack or a loop of forwards; nobody writes such mail.
MAX_MIME_DEPTH = 25
# A message with more parts is an attack or a broken generator; an attachment list that long
# helps nobody, and policy.default needs about a millisecond per part.
MAX_MIME_PARTS = 1_000
# HTML is cut at this many times max_body_chars before conversion: markup-heavy newsletters
# are about ten times their text, and rendering megabytes of HTML takes seconds.
HTML_CHARS_PER_BODY_CHAR = 10

EMPTY_BODY = "(lege e-mail)"

# Any real email has at least one of these; text that has none is not an email.
_KNOWN_HEADERS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "received",
        "return-path",
        "delivered-to",
    }
)


class EmailParseError(AdapterError):
    """The bytes cannot become a report; `reason` says why (it is shown with the quarantine)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ParsedEmail:
    """Everything triage needs from one email, already decoded and cleaned.

    `body` is the full plain text (at most max_body_chars); `rules_text` is what the sender
    wrote, without quoted replies and signature (equal to `body` when nothing was trimmed).
    `date_header` is informative only: the time that counts is when Dialog received it.
    `notes` are for people: what was odd about the message and what the parser did about it.
    """

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    date_header: datetime | None
    body: str
    rules_text: str
    attachments: tuple[Attachment, ...]
    auto_reply: bool
    auto_reply_reason: str | None
    ticket_tag: int | None
    truncated: bool
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def parse_email(raw: bytes, *, max_body_chars: int = DEFAULT_MAX_BODY_CHARS) -> ParsedEmail:
    """Parse one raw RFC 5322 message.

    Raises EmailParseError only when the input cannot become a report: it is empty, it is not
    an email at all, or it has no sender, no subject and no body text. Everything else that is
    wrong with a message (bad charsets, MIME defects, broken HTML) is recorded in `notes`.
    The body is cut at `max_body_chars` (at most bot.models.MAX_TEXT_CHARS).
    """
    if not 0 < max_body_chars <= MAX_TEXT_CHARS:
        raise ValueError(f"max_body_chars must be 1..{MAX_TEXT_CHARS:,}, not {max_body_chars}")
    msg = _parse_bytes(raw)
    notes: list[str] = []

    subject = _subject(msg, notes)
    from_name, from_address = _sender(msg, notes)
    budget = _Budget(MAX_MIME_PARTS, HTML_CHARS_PER_BODY_CHAR * max_body_chars)
    content = _Content(notes=notes, budget=budget)
    _collect(msg, content, depth=0)
    body = _normalise_body("\n\n".join(content.texts))
    body, truncated = _truncate(body, max_body_chars, notes)
    truncated = truncated or budget.html_cut
    _note_defects(msg, notes)

    if not (from_address or subject or body):
        raise EmailParseError(_empty_reason(content.attachments))

    rules_text = trim_reply(body, forwarded=_is_forward(subject))
    if body and not rules_text.strip():
        # Better that the rules read a quote than nothing at all.
        notes.append("trimming quotes and signature left no text; the rules read the whole body")
        rules_text = body
    auto_reason = _auto_reply_reason(msg, subject, from_address)
    return ParsedEmail(
        message_id=_one_message_id(_header_text(msg, "Message-ID")),
        in_reply_to=_message_ids(_header_text(msg, "In-Reply-To")),
        references=_message_ids(_header_text(msg, "References")),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        date_header=_date(msg),
        body=body,
        rules_text=rules_text,
        attachments=tuple(content.attachments),
        auto_reply=auto_reason is not None,
        auto_reply_reason=auto_reason,
        ticket_tag=_ticket_tag(subject),
        truncated=truncated,
        notes=tuple(dict.fromkeys(notes)),
    )


def to_report(parsed: ParsedEmail, received_at: datetime, source_key: str) -> Report:
    """Turn a parsed email into a Report on the email channel.

    `received_at` must be timezone-aware (the Report refuses naive times). The Report's
    `rules_text` is only set when trimming changed the body; `references` holds In-Reply-To
    and References, deduplicated, in order.
    """
    notes = list(parsed.notes)
    body, _ = _truncate(parsed.body, MAX_TEXT_CHARS, notes)
    rules_text: str | None = parsed.rules_text if parsed.rules_text != parsed.body else None
    if not body.strip() and not parsed.subject.strip():
        # A Report needs some text; an email with only a sender is still worth a ticket.
        notes.append(f"the email has no subject and no body text; body set to {EMPTY_BODY!r}")
        body, rules_text = EMPTY_BODY, None
    return Report(
        channel=Channel.EMAIL,
        received_at=received_at,
        sender=parsed.from_address,
        sender_name=parsed.from_name,
        subject=parsed.subject,
        body=body,
        source_key=source_key,
        rules_text=rules_text,
        attachments=parsed.attachments,
        message_id=parsed.message_id,
        references=tuple(dict.fromkeys((*parsed.in_reply_to, *parsed.references))),
        notes=tuple(dict.fromkeys(notes)),
    )


# --------------------------------------------------------------------------------------------
# Reading bytes and headers
# --------------------------------------------------------------------------------------------


def _parse_bytes(raw: bytes) -> Message:
    if not raw:
        raise EmailParseError("empty input (0 bytes)")
    if not raw.strip():
        raise EmailParseError(f"input is only whitespace ({len(raw):,} bytes)")
    try:
        msg: Message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is meant to be lenient; if it is not, quarantine
        raise EmailParseError(f"the email package cannot parse it: {exc!r}") from exc
    names = {name.lower() for name in msg}
    if not names:
        raise EmailParseError("not an email: it does not start with header fields")
    if not names & _KNOWN_HEADERS:
        raise EmailParseError(
            "not an email: none of the usual header fields (From, To, Subject, Date, "
            "Message-ID, Content-Type, ...) is present"
        )
    return msg


def _header_text(msg: Message, name: str) -> str:
    """The decoded value of the first `name` header, '' if there is none; never raises."""
    header = _header(msg, name)
    return "" if header is None else _clean(str(header))


def _header(msg: Message, name: str) -> object | None:
    """The first `name` header as a policy.default header object (or a plain str)."""
    raw = _raw_header(msg, name)
    if raw is not None and _SURROGATE.search(raw):
        # Raw 8-bit bytes in a header (old clients): policy.default would read them as utf-8
        # with replacement characters; decode them like an undeclared body instead.
        raw = _decode_text(raw.encode("utf-8", "surrogateescape"), None, [])
        return _parse_header(name, _LINE_BREAK.sub("", raw))
    try:
        return msg.get(name)
    except Exception:
        # policy.default parses headers lazily here, and its parser has crashed on hostile
        # headers in several Python releases; the raw value is better than no message.
        return raw


def _raw_header(msg: Message, name: str) -> str | None:
    """The undecoded value of the first `name` header (undecodable bytes as surrogates)."""
    return next((value for key, value in msg.raw_items() if key.lower() == name.lower()), None)


def _parse_header(name: str, value: str) -> object:
    try:
        return policy.default.header_factory(name, value)
    except Exception:  # see _header
        return value


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _clean(text: str) -> str:
    """Text without lone surrogates (left by undecodable header bytes), which break storage."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def _subject(msg: Message, notes: list[str]) -> str:
    subject = _one_line(_header_text(msg, "Subject"))
    if len(subject) > MAX_SUBJECT_CHARS:
        notes.append(f"subject truncated at {MAX_SUBJECT_CHARS:,} characters")
        subject = subject[:MAX_SUBJECT_CHARS]
    return subject


def _sender(msg: Message, notes: list[str]) -> tuple[str, str]:
    """(display name, lower-cased addr-spec) of the first From address, '' when missing."""
    header = _header(msg, "From")
    if header is None:
        return "", ""
    for address in getattr(header, "addresses", ()):
        addr_spec = _clean(str(address.addr_spec)).strip().lower()
        if addr_spec in ("", "<>"):
            continue
        name = _one_line(str(address.display_name)) or _comment_name(_raw_header(msg, "From"))
        return name[:MAX_NAME_CHARS], addr_spec
    notes.append(f"the From header has no usable address: {_one_line(str(header))[:100]!r}")
    return "", ""


def _comment_name(value: str | None) -> str:
    """The old-style name in 'jan@example.nl (Jan Jansen)', which policy.default drops."""
    match = re.search(r"\(([^()]*)\)", value or "")
    return _one_line(match.group(1)) if match else ""


def _date(msg: Message) -> datetime | None:
    header = _header(msg, "Date")
    value = getattr(header, "datetime", None)
    return value if isinstance(value, datetime) else None


_MSG_ID = re.compile(r"<[^<>\s]+>")


def _one_message_id(value: str) -> str | None:
    """The Message-ID, without whitespace or control characters (it goes into our headers)."""
    cleaned = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
    return cleaned or None


def _message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs in an In-Reply-To or References value, in order, without duplicates."""
    ids = _MSG_ID.findall(value)
    if not ids:
        # Some clients drop the angle brackets; a bare token with an @ is still an id.
        ids = [token for token in re.split(r"[\s,]+", value) if "@" in token]
    return tuple(dict.fromkeys(ids))


_TICKET_TAG = re.compile(r"\[#\s*(\d{1,12})\s*\]")


def _ticket_tag(subject: str) -> int | None:
    match = _TICKET_TAG.search(subject)
    return int(match.group(1)) if match else None


def _empty_reason(attachments: list[Attachment]) -> str:
    reason = "no sender, no subject and no body text"
    if attachments:
        reason += f" (only {len(attachments)} attachment(s))"
    return reason


def _note_defects(msg: Message, notes: list[str]) -> None:
    """Record what the email package found wrong, so people know why a message looks odd."""
    parts = itertools.islice(_walk(msg), MAX_MIME_PARTS)
    names = [type(defect).__name__ for part in parts for defect in part.defects]
    if names:
        counted = ", ".join(
            name if names.count(name) == 1 else f"{name} x{names.count(name)}"
            for name in dict.fromkeys(names)
        )
        notes.append(f"MIME defects: {counted}")


def _walk(part: Message, depth: int = 0) -> Iterator[Message]:
    """Like Message.walk(), but bounded in depth (walk() recurses without a limit)."""
    yield part
    if depth < MAX_MIME_DEPTH and part.is_multipart():
        for child in _children(part):
            yield from _walk(child, depth + 1)


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


# --------------------------------------------------------------------------------------------
# Auto-replies, bounces, forwards
# --------------------------------------------------------------------------------------------

_AUTO_SUBJECTS = (
    "automatisch antwoord",
    "auto:",
    "automatic reply",
    "out of office",
    "afwezig",
    "undeliverable",
    "onbestelbaar",
    "mail delivery failed",
    "delivery status notification",
)
# Whole words only: 'Afwezigheid niet zichtbaar' is a question, 'Afwezig: ...' is not.
_AUTO_SUBJECT = re.compile(
    "|".join(
        re.escape(prefix) + ("" if prefix.endswith(":") else r"(?!\w)") for prefix in _AUTO_SUBJECTS
    ),
    re.IGNORECASE,
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})


def _auto_reply_reason(msg: Message, subject: str, from_address: str) -> str | None:
    """Why the message was sent by a machine, or None when a person wrote it.

    X-Auto-Response-Suppress is deliberately ignored: senders set it to ask for no
    auto-replies, it says nothing about the message itself.
    """
    auto_submitted = _header_text(msg, "Auto-Submitted").strip()
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Failed-Recipients"):
        header = _header(msg, name)
        value = "" if header is None else _one_line(str(header))
        if header is not None and value.lower() not in ("no", "false", "0"):
            return f"{name}: {value}"
    precedence = _header_text(msg, "Precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    local_part = from_address.partition("@")[0]
    if local_part in _DAEMONS:
        return f"sent by {from_address}"
    content_type = msg.get_content_type()
    if content_type in ("multipart/report", "message/delivery-status"):
        return f"Content-Type {content_type} (a bounce or delivery report)"
    match = _AUTO_SUBJECT.match(subject)
    if match:
        return f"subject starts with {match.group(0)!r}"
    return None


_FORWARD = re.compile(r"^\s*(fwd?|fw|doorst|wg|tr)\s*:", re.IGNORECASE)


def _is_forward(subject: str) -> bool:
    return _FORWARD.match(subject) is not None


# --------------------------------------------------------------------------------------------
# MIME structure: body text and attachments
# --------------------------------------------------------------------------------------------


@dataclass
class _Budget:
    """Limits shared by one MIME walk, so a hostile message cannot keep us busy for minutes."""

    parts_left: int
    html_chars: int  # HTML longer than this is cut before conversion (rendering is slow)
    html_cut: bool = False


@dataclass
class _Content:
    """What the MIME walk found: body texts (with their kind) and attachments."""

    notes: list[str]
    budget: _Budget
    texts: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    def add_text(self, text: str, kind: str) -> None:
        if text.strip():
            self.texts.append(text)
            self.kinds.append(kind)


_BODY_TYPES = ("text/plain", "text/html")


def _collect(part: Message, content: _Content, depth: int) -> None:
    """Add the body text and attachments of `part` (and its children) to `content`."""
    if depth > MAX_MIME_DEPTH:
        content.notes.append(f"MIME parts nested deeper than {MAX_MIME_DEPTH} were skipped")
        return
    if content.budget.parts_left <= 0:
        content.notes.append(f"only the first {MAX_MIME_PARTS:,} MIME parts were read")
        return
    content.budget.parts_left -= 1
    # policy.default parses a header again on every access, so read each one only once.
    content_type = part.get_content_type()
    disposition = part.get_content_disposition()
    filename = _filename(part)
    if content_type in _BODY_TYPES and (depth == 0 or disposition == "inline"):
        # Text shown inline is body, even when the client gave it a filename (mutt and Apple
        # Mail do); so is a message that is only text.
        _collect_text(part, content_type, content)
    elif disposition == "attachment" or filename is not None or content_type.startswith("message/"):
        # A forwarded message/rfc822 is a document the sender attached, not their text.
        content.attachments.append(_attachment(part, content_type, filename))
    elif part.is_multipart():
        _collect_multipart(part, content_type, content, depth)
    elif content_type in _BODY_TYPES or content_type.startswith("multipart/"):
        _collect_text(part, content_type, content)
    else:
        content.attachments.append(_attachment(part, content_type, None))


def _collect_multipart(part: Message, content_type: str, content: _Content, depth: int) -> None:
    children = _children(part)
    if content_type == "multipart/alternative":
        _collect_alternative(children, content, depth)
        return
    if content_type == "multipart/encrypted":
        content.notes.append("the message is encrypted; its body cannot be read")
    for child in children:
        _collect(child, content, depth + 1)


def _collect_alternative(children: list[Message], content: _Content, depth: int) -> None:
    """Take the text of one alternative: plain text if there is one, else the last (richest).

    Attachments of every alternative are kept: Apple Mail puts pasted screenshots in the
    HTML alternative only, and they matter even when we read the plain-text one.
    """
    versions: list[_Content] = []
    for child in children:
        version = _Content(notes=[], budget=content.budget)
        _collect(child, version, depth + 1)
        versions.append(version)
        content.attachments.extend(version.attachments)
    with_text = [version for version in versions if version.texts]
    plain = [version for version in with_text if "html" not in version.kinds]
    chosen = plain[0] if plain else (with_text[-1] if with_text else None)
    if chosen is not None:
        content.texts.extend(chosen.texts)
        content.kinds.extend(chosen.kinds)
        content.notes.extend(chosen.notes)


def _collect_text(part: Message, content_type: str, content: _Content) -> None:
    text = _decode_text(_payload_bytes(part), part.get_content_charset(), content.notes)
    if content_type.startswith("multipart/"):
        # Declared multipart but without parts (no boundary found): the email package leaves
        # the raw text, which is the best we have.
        content.notes.append(f"{content_type} without parts was read as plain text")
    if content_type == "text/html":
        _collect_html(text, content)
        return
    if str(part.get_param("format", "")).lower() == "flowed":
        text = _unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    content.add_text(text, "plain")


def _collect_html(html: str, content: _Content) -> None:
    limit = content.budget.html_chars
    if len(html) > limit:
        content.notes.append(f"HTML cut at {limit:,} characters before conversion")
        content.budget.html_cut = True
        html = html[:limit]
    text = html_to_text(html, content.notes)
    if text:
        content.add_text(text, "html")
        content.notes.append("HTML converted to text")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # RFC 2231 parameters with hostile values; treat as unnamed
        return None
    return (_one_line(name) or None) if isinstance(name, str) else None


def _attachment(part: Message, content_type: str, filename: str | None) -> Attachment:
    name = filename
    if name is None and content_type in ("message/rfc822", "message/global"):
        children = _children(part)
        subject = _one_line(_header_text(children[0], "Subject")) if children else ""
        name = f"{subject[:MAX_NAME_CHARS] or 'forwarded message'}.eml"
    if name is None:
        name = "unnamed" + (mimetypes.guess_extension(content_type) or "")
    return Attachment(name=name, content_type=content_type, size=_decoded_size(part))


def _decoded_size(part: Message) -> int:
    """Size in bytes of the decoded content (for a message/rfc822 part: the whole message)."""
    if not part.is_multipart():
        return len(_payload_bytes(part))
    try:
        return sum(len(child.as_bytes()) for child in _children(part))
    except Exception:  # the generator can choke on broken nested messages; size is informative
        return 0


def _payload_bytes(part: Message) -> bytes:
    """The decoded (base64, quoted-printable) content of a leaf part; b'' if there is none."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken transfer encodings; the email package is lenient, not perfect
        return b""
    return payload if isinstance(payload, bytes) else b""


# --------------------------------------------------------------------------------------------
# Charsets
# --------------------------------------------------------------------------------------------

# WHATWG Encoding Standard: mail clients and browsers read these labels as windows-1252, which
# only differs from latin-1 in 0x80-0x9F (where latin-1 has invisible control characters).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252"}


def _decode_text(data: bytes, charset: str | None, notes: list[str]) -> str:
    """Decode text in its declared charset; never raises.

    Fallbacks, in order: utf-8 (the usual truth behind a wrong label); utf-8 with
    replacement characters when most of the non-ASCII bytes are valid utf-8; then the declared
    charset with replacement characters if Python knows it (and it is not ascii or utf-8, which
    old mailers declare for latin-1 text), else windows-1252 or, when a byte is undefined there,
    latin-1 (which decodes anything; both are right for old European mail).
    """
    known = _codec(charset)
    if known is not None:
        try:
            return data.decode(known)
        except (UnicodeError, LookupError, ValueError):
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if charset is not None:
            notes.append(_charset_note(charset, known, "utf-8"))
        return text
    if _mostly_utf8(data):
        notes.append(_charset_note(charset, known, "utf-8 (invalid bytes replaced)"))
        return data.decode("utf-8", "replace")
    if known is not None and known not in ("ascii", "utf-8"):
        # Mostly right in a multi-byte charset (a few broken sequences) beats latin-1 garbage.
        notes.append(f"text is not valid {charset}; invalid bytes were replaced")
        return data.decode(known, "replace")
    try:
        text, used = data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        text, used = data.decode("latin-1"), "latin-1"
    notes.append(_charset_note(charset, known, used))
    return text


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or not a text codec."""
    if not charset:
        return None
    name = _CHARSET_ALIASES.get(charset.strip().lower(), charset.strip().lower())
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # Codecs such as 'base64' or 'rot13' are not text encodings: a hostile label could name one.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _charset_note(charset: str | None, known: str | None, used: str) -> str:
    if charset is None:
        return f"8-bit text without a charset, decoded as {used}"
    if known is None:
        return f"charset {charset!r} unknown, decoded as {used}"
    return f"text is not valid {charset}, decoded as {used}"


def _mostly_utf8(data: bytes) -> bool:
    """True when at least 3 in 4 non-ASCII bytes form valid utf-8 (a few broken sequences)."""
    high = sum(1 for byte in data if byte >= 0x80)
    invalid = len(_SURROGATE.findall(data.decode("utf-8", "surrogateescape")))
    return high > 0 and invalid * 4 <= high


# --------------------------------------------------------------------------------------------
# Text cleanup: flowed text, HTML, truncation
# --------------------------------------------------------------------------------------------


def _normalise_body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _truncate(text: str, limit: int, notes: list[str]) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    notes.append(f"body truncated at {limit:,} characters (it had {len(text):,})")
    return text[:limit], True


def _unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676), keeping quote depth."""
    lines: list[tuple[int, str, bool]] = []  # (quote depth, text, continues on next line)
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        soft = stripped.endswith(" ") and stripped != "-- "
        if soft and delsp:
            stripped = stripped[:-1]
        if lines and lines[-1][2] and lines[-1][0] == depth:
            lines[-1] = (depth, lines[-1][1] + stripped, soft)
        else:
            lines.append((depth, stripped, soft))
    return "\n".join((">" * depth + " " if depth else "") + text for depth, text, _ in lines)


_WHITESPACE = re.compile(r"\s+")
# Zero-width characters: newsletters stuff them into preheaders; they only hinder matching.
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200d\u2060\ufeff]")
_SKIP_TAGS = frozenset({"script", "style", "title", "template"})
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "blockquote", "pre", "hr"}
)
_LINE_TAGS = frozenset(
    {
        "br",
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "form",
        "fieldset",
        "center",
        "caption",
        "main",
        "nav",
        "aside",
        "figure",
        "figcaption",
        "details",
        "summary",
    }
)


class _HtmlToText(HTMLParser):
    """Renders HTML as plain text: block elements become line breaks, blockquotes '> '."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._skip = 0  # inside <script>, <style>, ...
        self._pre = 0
        self._quote = 0
        self._pending = 0  # line breaks to write before the next text
        self._line_open = False  # the current line has text
        self._bullet = False
        self._cell = False

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self._out).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        self._block(tag)
        if tag == "li":
            self._bullet = True
        elif tag in ("td", "th"):
            self._cell = True
        elif tag == "blockquote":
            self._quote += 1
        elif tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        self._block(tag)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        data = _INVISIBLE.sub("", data)
        if not self._pre:
            self._write(_WHITESPACE.sub(" ", data))
            return
        for index, line in enumerate(data.replace("\r\n", "\n").split("\n")):
            if index:
                self._pending += 1
            self._write(line, keep_blank=True)

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self._pending = max(self._pending, 2)
        elif tag in _LINE_TAGS:
            self._pending = max(self._pending, 1)

    def _write(self, text: str, *, keep_blank: bool = False) -> None:
        if self._pending or not self._line_open:
            text = text if keep_blank else text.lstrip()
            if not text and not keep_blank:
                return
        if self._pending and self._out:
            prefix = ">" * self._quote
            self._out.append(("\n" + prefix) * (self._pending - 1) + "\n")
            self._line_open = False
        self._pending = 0
        if not self._line_open:
            if self._quote:
                self._out.append(">" * self._quote + " ")
            if self._bullet:
                self._out.append("- ")
            self._cell = False
        elif self._cell:
            self._out.append(" ")
            self._cell = False
        self._bullet = False
        self._out.append(text)
        self._line_open = bool(text) or self._line_open


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_UNCLOSED_BRACKET = re.compile(r"<(?![^<>]*>)")


def _defuse_html(html: str) -> str:
    """HTML without the constructs that make HTMLParser quadratic (CVE-2025-6069 and kin).

    Python 3.11's HTMLParser rescans the rest of the document for every unclosed '<', '<!--'
    or '</': a 100 KB email of '<a ' took minutes. Comments are dropped (they are never shown)
    and a '<' that is not closed by a '>' before the next '<' becomes text, as in a browser.
    Both regexes scan each character a bounded number of times.
    """
    html = _COMMENT.sub("", html)
    return _UNCLOSED_BRACKET.sub("&lt;", html)


def html_to_text(html: str, notes: list[str] | None = None) -> str:
    """Plain text of an HTML document: no script/style contents, entities decoded,
    paragraphs and line breaks kept, blockquotes prefixed with '> ' like a plain-text reply.
    """
    parser = _HtmlToText()
    try:
        parser.feed(_defuse_html(html))
        parser.close()
    except Exception:
        # HTMLParser is not documented to accept every hostile document; fall back to
        # stripping tags so the message still gets a body.
        if notes is not None:
            notes.append("the HTML could not be parsed; tags were stripped instead")
        stripped = re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", html))
        return _WHITESPACE.sub(" ", stripped).strip()
    return parser.text()


# --------------------------------------------------------------------------------------------
# What the rules read: quoted replies and signatures trimmed
# --------------------------------------------------------------------------------------------

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
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept)).strip()


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

"""Header fields of one email: decoding, sender and subject, threading ids, the `[#123]` ticket
tag and forward prefix in the subject, and whether a machine sent it (auto-reply, bounce).

Every function here is lenient: policy.default parses headers lazily and has crashed on hostile
values, so a header that cannot be parsed falls back to its raw text instead of raising.
"""

from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.message import Message

from adapters.email.charsets import SURROGATE, clean, decode_text
from bot.text import one_line as _collapse

# A subject is one line; anything longer is abuse or a broken header, not something to match.
MAX_SUBJECT_CHARS = 1_000
MAX_NAME_CHARS = 200

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def header_text(msg: Message, name: str) -> str:
    """The decoded value of the first `name` header, '' if there is none; never raises."""
    header = _header(msg, name)
    return "" if header is None else clean(str(header))


def one_line(text: str) -> str:
    """`text` without lone surrogates, every run of whitespace collapsed to one space."""
    return _collapse(clean(text))


def _header(msg: Message, name: str) -> object | None:
    """The first `name` header as a policy.default header object (or a plain str)."""
    raw = _raw_header(msg, name)
    if raw is not None and SURROGATE.search(raw):
        # Raw 8-bit bytes in a header (old clients): policy.default would read them as utf-8
        # with replacement characters; decode them like an undeclared body instead.
        raw = decode_text(raw.encode("utf-8", "surrogateescape"), None, [])
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


# --------------------------------------------------------------------------------------------
# Sender, subject, date
# --------------------------------------------------------------------------------------------


def subject_of(msg: Message, notes: list[str]) -> str:
    """The Subject on one line, cut at MAX_SUBJECT_CHARS (with a note); '' when missing."""
    subject = one_line(header_text(msg, "Subject"))
    if len(subject) > MAX_SUBJECT_CHARS:
        notes.append(f"subject truncated at {MAX_SUBJECT_CHARS:,} characters")
        subject = subject[:MAX_SUBJECT_CHARS]
    return subject


def sender_of(msg: Message, notes: list[str]) -> tuple[str, str]:
    """(display name, lower-cased addr-spec) of the first From address, '' when missing."""
    header = _header(msg, "From")
    if header is None:
        return "", ""
    for address in getattr(header, "addresses", ()):
        addr_spec = clean(str(address.addr_spec)).strip().lower()
        if addr_spec in ("", "<>"):
            continue
        name = one_line(str(address.display_name)) or _comment_name(_raw_header(msg, "From"))
        return name[:MAX_NAME_CHARS], addr_spec
    notes.append(f"the From header has no usable address: {one_line(str(header))[:100]!r}")
    return "", ""


def _comment_name(value: str | None) -> str:
    """The old-style name in 'jan@example.nl (Jan Jansen)', which policy.default drops."""
    match = re.search(r"\(([^()]*)\)", value or "")
    return one_line(match.group(1)) if match else ""


def date_of(msg: Message) -> datetime | None:
    """The Date header as a datetime, None when it is missing or cannot be read."""
    header = _header(msg, "Date")
    value = getattr(header, "datetime", None)
    return value if isinstance(value, datetime) else None


# --------------------------------------------------------------------------------------------
# Threading: Message-ID, In-Reply-To, References
# --------------------------------------------------------------------------------------------

_MSG_ID = re.compile(r"<[^<>\s]+>")


def one_message_id(value: str) -> str | None:
    """The Message-ID, without whitespace or control characters (it goes into our headers)."""
    cleaned = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
    return cleaned or None


def message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs in an In-Reply-To or References value, in order, without duplicates."""
    ids = _MSG_ID.findall(value)
    if not ids:
        # Some clients drop the angle brackets; a bare token with an @ is still an id.
        ids = [token for token in re.split(r"[\s,]+", value) if "@" in token]
    return tuple(dict.fromkeys(ids))


# --------------------------------------------------------------------------------------------
# What the subject says: ticket tag, forward
# --------------------------------------------------------------------------------------------

_TICKET_TAG = re.compile(r"\[#\s*(\d{1,12})\s*\]")
_FORWARD = re.compile(r"^\s*(fwd?|fw|doorst|wg|tr)\s*:", re.IGNORECASE)


def ticket_tag(subject: str) -> int | None:
    """The ticket number in the first `[#123]` tag of the subject, None when there is none."""
    match = _TICKET_TAG.search(subject)
    return int(match.group(1)) if match else None


def is_forward(subject: str) -> bool:
    """True when the subject starts with a forward prefix ('Fwd:', 'Doorst:', ...)."""
    return _FORWARD.match(subject) is not None


# --------------------------------------------------------------------------------------------
# Auto-replies, bounces, out-of-office
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


def auto_reply_reason(msg: Message, subject: str, from_address: str) -> str | None:
    """Why the message was sent by a machine, or None when a person wrote it.

    X-Auto-Response-Suppress is deliberately ignored: senders set it to ask for no
    auto-replies, it says nothing about the message itself.
    """
    auto_submitted = header_text(msg, "Auto-Submitted").strip()
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Failed-Recipients"):
        header = _header(msg, name)
        value = "" if header is None else one_line(str(header))
        if header is not None and value.lower() not in ("no", "false", "0"):
            return f"{name}: {value}"
    precedence = header_text(msg, "Precedence").strip().lower()
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

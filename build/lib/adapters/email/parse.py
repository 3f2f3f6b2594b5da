"""The pure parsing step of the email adapter: raw bytes -> ParsedEmail -> Report.

No I/O happens here. `parse_email` reads one RFC 5322 message with the standard library's
`email` package (`policy.default`) and extracts what triage needs: sender, subject, a plain-text
body (HTML converted), the text the rules should read (quoted replies and signature trimmed),
attachments by name/type/size, threading ids, a `[#123]` ticket tag and whether the message
was sent by a machine (auto-reply, bounce). `to_report` turns the result into a `Report`.

This module assembles the steps, each in its own module: `headers` (sender, subject, threading
ids, ticket tag, auto-replies), `mime` (body parts and attachments, using `charsets` and
`html_text`) and `quoting` (quoted replies and signatures).

Real-world mail is broken in every possible way, so everything here is lenient: unknown
charsets, broken MIME structure and malformed headers become notes, not exceptions. Only
input that cannot become a report at all raises `EmailParseError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser

from adapters.email.headers import (
    auto_reply_reason,
    date_of,
    header_text,
    is_forward,
    message_ids,
    one_message_id,
    sender_of,
    subject_of,
    ticket_tag,
)
from adapters.email.mime import note_defects, read_content
from adapters.email.quoting import trim_reply
from bot.errors import AdapterError
from bot.models import MAX_TEXT_CHARS, Attachment, Channel, Report

DEFAULT_MAX_BODY_CHARS = 200_000

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

    subject = subject_of(msg, notes)
    from_name, from_address = sender_of(msg, notes)
    content = read_content(msg, notes, max_body_chars=max_body_chars)
    body = _normalise_body("\n\n".join(content.texts))
    body, truncated = _truncate(body, max_body_chars, notes)
    truncated = truncated or content.budget.html_cut
    note_defects(msg, notes)

    if not (from_address or subject or body):
        raise EmailParseError(_empty_reason(content.attachments))

    rules_text = trim_reply(body, forwarded=is_forward(subject))
    if body and not rules_text.strip():
        # Better that the rules read a quote than nothing at all.
        notes.append("trimming quotes and signature left no text; the rules read the whole body")
        rules_text = body
    auto_reason = auto_reply_reason(msg, subject, from_address)
    return ParsedEmail(
        message_id=one_message_id(header_text(msg, "Message-ID")),
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        date_header=date_of(msg),
        body=body,
        rules_text=rules_text,
        attachments=tuple(content.attachments),
        auto_reply=auto_reason is not None,
        auto_reply_reason=auto_reason,
        ticket_tag=ticket_tag(subject),
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
# Reading bytes
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


def _empty_reason(attachments: list[Attachment]) -> str:
    reason = "no sender, no subject and no body text"
    if attachments:
        reason += f" (only {len(attachments)} attachment(s))"
    return reason


# --------------------------------------------------------------------------------------------
# Body text
# --------------------------------------------------------------------------------------------


def _normalise_body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _truncate(text: str, limit: int, notes: list[str]) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    notes.append(f"body truncated at {limit:,} characters (it had {len(text):,})")
    return text[:limit], True

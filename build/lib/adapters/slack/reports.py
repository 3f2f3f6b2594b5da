"""Messages in the customer support channels (and the widget bot's posts there) -> Reports.

Pure functions over Slack's event dicts: `classify_event` decides what a message event is,
`report_from_message` and `report_from_widget_message` build the Report, `slack_text`
turns mrkdwn into the plain text the rules read. No Web API calls happen here; the caller
looks up channel names and users and passes them in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from bot.errors import ReportError
from bot.models import MAX_TEXT_CHARS, Attachment, Channel, Report
from bot.text import first_line_subject, plausible_email, shorten

WIDGET_EVENT_TYPE = "widget_submission"
# Body of a message that has files but no text: a Report needs some text to triage.
NO_TEXT_BODY = "(bericht zonder tekst)"

# Subtypes that carry a message someone wrote. Everything else (message_changed,
# message_deleted, channel_join, channel_leave, channel_topic, pinned_item, ...) is Slack
# telling us about the channel, not a report; an allow-list keeps new subtypes out too.
_REPORT_SUBTYPES = frozenset(
    {None, "", "bot_message", "file_share", "thread_broadcast", "me_message"}
)


class SlackMessageError(ReportError):
    """A Slack message event cannot become a Report (no ts, unreadable widget post, ...)."""


class MessageKind(Enum):
    """What a message event in a support channel is, for the intake."""

    NEW = "new"  # a top-level message: a new report
    THREAD_REPLY = "thread_reply"  # a reply in a thread: belongs to the thread's ticket
    WIDGET = "widget"  # a top-level post by the support widget's bot
    IGNORE = "ignore"  # edits, deletes, joins, our own messages, other bots, empty messages


def classify_event(
    event: Mapping[str, Any],
    *,
    bot_user_id: str | None,
    bot_id: str | None,
    widget_bot_ids: Collection[str],
) -> MessageKind:
    """Decide what a Slack `message` event is: NEW, THREAD_REPLY, WIDGET or IGNORE.

    IGNORE: other event types, subtypes that are not someone writing (edits, deletes, joins,
    topic changes, ...), hidden events, messages without a ts, our own bot's messages, other
    bots' messages (integrations and auto-responders; ignoring them also prevents bot loops),
    and messages with neither text nor files. A widget bot's post is WIDGET at the top level
    and THREAD_REPLY inside a thread.
    """
    if event.get("type", "message") != "message" or event.get("hidden"):
        return MessageKind.IGNORE
    subtype = event.get("subtype")
    if subtype not in _REPORT_SUBTYPES or not event.get("ts"):
        return MessageKind.IGNORE
    if bot_user_id is not None and event.get("user") == bot_user_id:
        return MessageKind.IGNORE
    sender_bot = event.get("bot_id")
    if bot_id is not None and sender_bot == bot_id:
        return MessageKind.IGNORE
    thread_ts = event.get("thread_ts")
    in_thread = bool(thread_ts) and thread_ts != event.get("ts")
    if sender_bot and sender_bot in widget_bot_ids:
        return MessageKind.THREAD_REPLY if in_thread else MessageKind.WIDGET
    if subtype == "bot_message" or sender_bot:
        return MessageKind.IGNORE
    if not str(event.get("text") or "").strip() and not event.get("files"):
        return MessageKind.IGNORE
    return MessageKind.THREAD_REPLY if in_thread else MessageKind.NEW


# --------------------------------------------------------------------------------------------
# mrkdwn -> plain text
# --------------------------------------------------------------------------------------------

_ANGLE = re.compile(r"<([^<>\n]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def slack_text(text: str, users: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as plain text: mentions, channels, links and escapes resolved.

    <@U123> -> @name (from `users`, else the label, else @U123); <#C123|general> -> #general;
    <!here> -> @here; <https://x|label> -> 'label (https://x)'; <mailto:a@b|a@b> -> a@b;
    &amp; &lt; &gt; unescaped. Bold and italic markers are left alone: they are rare in
    reports and stripping '_' or '*' would damage identifiers.
    """
    users = users or {}
    parts: list[str] = []
    position = 0
    for match in _ANGLE.finditer(text):
        parts.append(_unescape(text[position : match.start()]))
        parts.append(_angle(match.group(1), users))
        position = match.end()
    parts.append(_unescape(text[position:]))
    return "".join(parts)


def _unescape(text: str) -> str:
    # Slack escapes only these three; '&amp;' last so '&amp;lt;' stays the text '&lt;'.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _angle(inner: str, users: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    target, label = _unescape(target), _unescape(label)
    if target.startswith("@"):
        user = target[1:]
        return "@" + (users.get(user) or label.lstrip("@") or user)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        command = target[1:].split("^", 1)[0]
        if command in _SPECIAL:
            return _SPECIAL[command]
        # <!subteam^S123|@support>, <!date^1700000000^{date}|fallback>: show the fallback.
        if label:
            return label
        return "@" + target[1:].split("^")[-1] if command == "subteam" else "@" + command
    if target.startswith("mailto:"):
        address = target[len("mailto:") :]
        return address if not label or label == address else f"{label} ({address})"
    if not label or label == target:
        return target
    return f"{label} ({target})"


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

_TS = re.compile(r"([0-9]{1,11})(?:\.([0-9]{1,6}))?")


def ts_to_datetime(ts: str) -> datetime:
    """A Slack ts ('1700000000.000100', seconds.microseconds) as an aware UTC datetime."""
    match = _TS.fullmatch(ts.strip()) if isinstance(ts, str) else None
    if match is None:
        raise SlackMessageError(f"not a Slack ts (seconds.microseconds): {str(ts)[:40]!r}")
    seconds, micros = match.group(1), (match.group(2) or "").ljust(6, "0")
    # Integers, not float('1700000000.000100'): a float loses the last microsecond digits.
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=int(micros))


def message_key(channel: str, ts: str) -> str:
    """The key of one Slack message, 'slack:<channel>:<ts>': its source_key and message_id."""
    return f"slack:{channel}:{ts}"


def report_from_message(
    event: Mapping[str, Any],
    *,
    channel_name: str | None,
    sender: str,
    received_at: datetime,
    users: Mapping[str, str] | None = None,
    permalink: str | None = None,
) -> Report:
    """A Report on the Slack channel from a NEW or THREAD_REPLY message event.

    `sender` is the Slack user id (the directory identifies Slack users by id); its name is
    taken from `users` when known. The source_key and message_id are both
    'slack:<channel>:<ts>', stable across Slack's retries; a thread reply references
    'slack:<channel>:<thread_ts>' so it finds the thread's ticket. Files become attachments
    by name, type and size.
    """
    channel, ts = _channel_ts(event)
    notes: list[str] = []
    body = _body(slack_text(str(event.get("text") or ""), users), notes)
    attachments = _attachments(event.get("files"), notes)
    if not body.strip():
        if not attachments:
            raise SlackMessageError(f"the Slack message {ts} in {channel} has no text and no files")
        notes.append(f"the message has no text; body set to {NO_TEXT_BODY!r}")
        body = NO_TEXT_BODY
    notes[:0] = _channel_notes(channel, channel_name, permalink)
    key = message_key(channel, ts)
    return Report(
        channel=Channel.SLACK,
        received_at=received_at,
        sender=sender,
        sender_name=(users or {}).get(sender, ""),
        subject=first_line_subject(body),
        body=body,
        source_key=key,
        message_id=key,
        references=_thread_refs(event, channel, ts),
        attachments=attachments,
        notes=tuple(dict.fromkeys(notes)),
    )


def report_from_widget_message(event: Mapping[str, Any], *, received_at: datetime) -> Report:
    """A Report on the widget channel from a submission the widget's bot posted in Slack.

    Reads the message metadata (event_type 'widget_submission') when present, else the text
    ('Naam: …', 'E-mail: …', 'Organisatie: …', 'Onderwerp: …', a blank line, the message).
    The source_key is 'widget:<id>' when the submission has an id, so the same submission
    received over HTTP and through the channel is one report; the message_id is the Slack
    message's key, so replies in its thread find the ticket. Raises SlackMessageError when
    neither gives an e-mail address and a message.
    """
    channel, ts = _channel_ts(event)
    fields = _metadata_fields(event)
    if not _complete(fields):
        from_text = _text_fields(slack_text(str(event.get("text") or "")))
        fields = {**from_text, **{key: value for key, value in fields.items() if value}}
    email = fields.get("email", "").strip().lower()
    message = fields.get("message", "").strip()
    problems = []
    if not email:
        problems.append("no e-mail address")
    elif not plausible_email(email):
        problems.append(f"the e-mail address {shorten(email, 60)!r} is not valid")
    if not message:
        problems.append("no message")
    if problems:
        raise SlackMessageError(
            f"cannot read the widget post {ts} in {channel}: {' and '.join(problems)} "
            "(expected metadata 'widget_submission' or lines 'E-mail: …', a blank line, "
            "the message)"
        )
    notes: list[str] = []
    body = _body(message, notes)
    for key in ("name", "organisation", "page", "priority_hint"):
        if fields.get(key, "").strip():
            notes.append(f"{key}: {_one_line(fields[key])}")
    notes.append(f"posted in Slack channel {channel} at ts {ts}")
    submission_id = fields.get("id", "").strip()
    key = message_key(channel, ts)
    subject = shorten(_one_line(fields.get("subject", "")), 300) or first_line_subject(body)
    return Report(
        channel=Channel.WIDGET,
        received_at=received_at,
        sender=email,
        sender_name=_one_line(fields.get("name", "")),
        subject=subject,
        body=body,
        source_key=f"widget:{submission_id}" if submission_id else key,
        message_id=key,
        notes=tuple(dict.fromkeys(notes)),
    )


def _channel_ts(event: Mapping[str, Any]) -> tuple[str, str]:
    channel, ts = event.get("channel"), event.get("ts")
    if not isinstance(channel, str) or not channel:
        raise SlackMessageError("the Slack message event has no channel")
    if not isinstance(ts, str) or not ts:
        raise SlackMessageError(f"the Slack message event in {channel} has no ts")
    ts_to_datetime(ts)  # raises on a malformed ts
    return channel, ts


def _thread_refs(event: Mapping[str, Any], channel: str, ts: str) -> tuple[str, ...]:
    thread_ts = event.get("thread_ts")
    if isinstance(thread_ts, str) and thread_ts and thread_ts != ts:
        return (message_key(channel, thread_ts),)
    return ()


def _channel_notes(channel: str, name: str | None, permalink: str | None) -> list[str]:
    notes = [
        f"slack channel: #{name.lstrip('#')} ({channel})" if name else f"slack channel: {channel}"
    ]
    if permalink:
        notes.append(f"permalink: {permalink}")
    return notes


def _body(text: str, notes: list[str]) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_TEXT_CHARS:
        notes.append(f"body truncated at {MAX_TEXT_CHARS:,} characters (it had {len(text):,})")
        text = text[:MAX_TEXT_CHARS]
    # A lone surrogate cannot be stored; Slack should never send one, but do not crash on it.
    return text.encode("utf-8", "replace").decode("utf-8") if _SURROGATE.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _attachments(files: object, notes: list[str]) -> tuple[Attachment, ...]:
    if not isinstance(files, list):
        return ()
    result = []
    for index, item in enumerate(files):
        if not isinstance(item, Mapping):
            continue
        if item.get("mode") == "tombstone":
            notes.append("a file in the message was deleted before it was read")
            continue
        name = item.get("name") or item.get("title") or item.get("id") or f"file {index + 1}"
        size = item.get("size")
        result.append(
            Attachment(
                name=_one_line(str(name)),
                content_type=str(item.get("mimetype") or "application/octet-stream"),
                size=size if isinstance(size, int) and size >= 0 else 0,
            )
        )
    return tuple(result)


def _one_line(value: str) -> str:
    return " ".join(value.split())


# --------------------------------------------------------------------------------------------
# Widget posts
# --------------------------------------------------------------------------------------------

_PAYLOAD_KEYS = ("id", "email", "name", "subject", "message", "organisation", "page")
# Labels in the widget bot's text (Dutch, as posted; English too, should its language change).
_LABELS = {
    "naam": "name",
    "name": "name",
    "e-mail": "email",
    "email": "email",
    "e-mailadres": "email",
    "organisatie": "organisation",
    "organisation": "organisation",
    "organization": "organisation",
    "onderwerp": "subject",
    "subject": "subject",
    "pagina": "page",
    "page": "page",
    "id": "id",
    "prioriteit": "priority_hint",
    "priority": "priority_hint",
    "bericht": "message",
    "message": "message",
}
# 'Naam: Jan', '*Naam:* Jan', '*Naam*: Jan', '• E-mail: jan@klant.nl'
_LABEL_LINE = re.compile(r"\s*(?:[•\-]\s*)?[*_]?([A-Za-z][A-Za-z-]*)[*_]?\s*:[*_]?\s*(.*)")


def _metadata_fields(event: Mapping[str, Any]) -> dict[str, str]:
    metadata = event.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != WIDGET_EVENT_TYPE:
        return {}
    payload = metadata.get("event_payload")
    if not isinstance(payload, Mapping):
        return {}
    fields = {
        key: str(payload[key])
        for key in (*_PAYLOAD_KEYS, "priority_hint")
        if isinstance(payload.get(key), str | int) and not isinstance(payload.get(key), bool)
    }
    return fields


def _complete(fields: Mapping[str, str]) -> bool:
    return bool(fields.get("email", "").strip() and fields.get("message", "").strip())


def _text_fields(text: str) -> dict[str, str]:
    """The labelled lines at the top of a widget post, and the message below them."""
    fields: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        match = _LABEL_LINE.fullmatch(lines[index])
        key = _LABELS.get(match.group(1).lower()) if match else None
        if match is None or key is None:
            break
        index += 1
        if key == "message":
            # 'Bericht:' opens the message: its value and every line below it.
            fields["message"] = "\n".join([match.group(2), *lines[index:]]).strip()
            return fields
        fields[key] = match.group(2).strip()
    if fields:
        fields["message"] = "\n".join(lines[index:]).strip()
    return fields

"""One call as the phone system recorded it (`CallRecord`), and that call as a Report.

`call_to_report` turns a call into a Report on the phone channel: its subject from the first
line of the notes, a generated body when there are none, and notes on what the log said.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from bot.models import MAX_TEXT_CHARS, Channel, Report

SUBJECT_CHARS = 70
DISPLAY_TIMEZONE = "Europe/Amsterdam"

_TICKET_REF = re.compile(
    r"(?:(?<![\w&])#\s?|\b(?:ticket|melding)(?:\s*(?:nummer|number|nr\.?|no\.?))?\s*#?\s*)"
    r"(\d{1,9})\b",
    re.IGNORECASE,
)


class CallRecord(BaseModel):
    """One call from a call log, as the phone system recorded it, with the time in UTC."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call_id: str = Field(min_length=1, description="From the log, or 'sha256:...' when none.")
    caller: str = Field(min_length=1, description="The caller's number as the log wrote it.")
    caller_e164: str | None = Field(description="The number in E.164, None if it is not one.")
    caller_name: str = ""
    called: str = ""
    started_at: AwareDatetime
    duration_s: int = Field(ge=0, description="Seconds of conversation (0 when not answered).")
    answered: bool
    agent: str = ""
    notes: str = ""
    ambiguous_time: bool = Field(
        default=False,
        description="The local time happened twice (clocks went back); the first was taken.",
    )
    source: str = Field(description="file:line where the row starts.")
    raw: dict[str, str] = Field(default_factory=dict, description="The row, column -> text.")

    @field_validator("started_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def ticket_refs(self) -> tuple[int, ...]:
        """Ticket numbers the notes mention ('#123', 'ticket 123', 'melding 123'), in order."""
        return tuple(dict.fromkeys(int(m.group(1)) for m in _TICKET_REF.finditer(self.notes)))


def call_to_report(call: CallRecord, *, timezone: str = DISPLAY_TIMEZONE) -> Report:
    """A Report on the phone channel; received at the call's start (SPEC: phone receipt).

    Unanswered calls convert too: the intake decides what a missed call is worth. `timezone`
    is only used for the local time in a generated body.
    """
    local = call.started_at.astimezone(ZoneInfo(timezone))
    when = f"{local:%d-%m-%Y} om {local:%H:%M}"
    caller = f"{call.caller_name} ({call.caller})" if call.caller_name else call.caller
    first_line = next((line.strip() for line in call.notes.splitlines() if line.strip()), "")
    if first_line:
        subject = "Telefoon: " + _shorten(first_line, SUBJECT_CHARS)
    elif not call.answered:
        subject = "Telefoon: gemiste oproep"
    else:
        subject = "Telefoon (geen notities)"

    notes: list[str] = []
    body = call.notes
    if not body:
        if call.answered:
            body = (
                f"Telefoongesprek met {caller} op {when} ({_clock(call.duration_s)}), "
                f"aangenomen door {call.agent or 'onbekend'}; er zijn geen notities gemaakt."
            )
        else:
            body = f"Gemiste oproep van {caller} op {when}; er zijn geen notities."
    elif len(body) > MAX_TEXT_CHARS:
        body = body[:MAX_TEXT_CHARS]
        notes.append(f"notes truncated at {MAX_TEXT_CHARS:,} characters")

    if call.answered:
        notes.append(f"agent: {call.agent or 'unknown'}")
    else:
        notes.append("not answered" + (f" (rang: {call.agent})" if call.agent else ""))
    notes.append(f"duration: {_clock(call.duration_s)} ({call.duration_s} s)")
    if call.called:
        notes.append(f"called: {call.called}")
    if call.caller_e164 is None:
        notes.append(f"caller {call.caller!r} is not a phone number we can match to a contact")
    if call.ambiguous_time:
        offset = local.strftime("%z")
        notes.append(
            f"ambiguous local time {local:%Y-%m-%d %H:%M}: it happened twice (clocks went "
            f"back); read as the first occurrence (UTC{offset[:3]}:{offset[3:]})"
        )
    if call.ticket_refs:
        notes.append("mentions ticket " + ", ".join(f"#{n}" for n in call.ticket_refs))
    notes.append(f"source: {call.source}")
    return Report(
        channel=Channel.PHONE,
        received_at=call.started_at,
        sender=call.caller_e164 or call.caller,
        sender_name=call.caller_name,
        subject=subject,
        body=body,
        source_key=f"phone:{call.call_id}",
        notes=tuple(notes),
    )


def _shorten(text: str, limit: int) -> str:
    # Not bot.text.shorten: this one also drops punctuation left before the '…' ("Noord…",
    # not "Noord,…"), and phone subjects already read that way; keep them as they are.
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"

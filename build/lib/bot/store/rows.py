"""What the store takes in and hands out besides the core's models: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TicketRow:
    """A ticket with its current decision, as listed by `triage tickets`."""

    id: int
    status: str
    channel: str
    organisation: str | None
    sender: str
    subject: str
    received_at: datetime
    priority: str
    category: str
    provisional: bool
    exempt: bool
    exempt_reason: str | None
    reaction_due: datetime | None
    resolution_due: datetime | None
    rules: tuple[str, ...]


@dataclass(frozen=True)
class QuarantineRow:
    """Something that could not be turned into a report, and why."""

    id: int
    source: str
    source_key: str
    reason: str
    size: int
    stored_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """A message to deliver later: `kind` picks the transport (email, slack)."""

    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    not_before: datetime | None = None
    message_id: str | None = None  # an email's Message-ID, mapped to the ticket for replies


@dataclass(frozen=True)
class OutboxRow:
    """A pending outbox message as the sender sees it."""

    id: int
    kind: str
    ticket_id: int | None
    dedupe_key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Recorded:
    """Result of recording a report: its ticket, and whether this call created it.

    `ticket_id` is None when the report was stored before without a ticket (an auto-reply).
    """

    ticket_id: int | None
    created: bool

"""A ticket as the team sees it: the current decision plus who holds it and where it stands.

Pure data, read from the store by the edge and handed to the message builders and the
reminder planner, which never touch the store themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.models import Category, Channel, Factor, Priority

OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class TicketView:
    """One ticket with its current decision and its handling state."""

    id: int
    status: str  # OPEN or RESOLVED
    channel: Channel
    subject: str
    sender: str
    excerpt: str  # the start of the report's text, one paragraph
    received_at: datetime  # UTC; the SLA clock starts here (or at the phone call, issue 5)
    priority: Priority
    category: Category
    provisional: bool  # True until Dialog confirms or sets the priority (SLA 4.G)
    exempt: bool
    exempt_reason: str | None
    reaction_due: datetime | None
    resolution_due: datetime | None
    rules: tuple[str, ...]
    decision_id: int
    decided_by: str  # "triage", or the Slack user id of who confirmed/changed it
    decision_reason: str | None = None
    organisation: str | None = None  # organisation id from config/organisations.yaml
    organisation_name: str | None = None
    reporter_name: str | None = None  # the agreed contact's name, when known
    assignee: str | None = None  # Slack user id of who picked it up ("Ik pak dit op")
    reacted_at: datetime | None = None  # first reaction by Dialog (stops the reaction clock)
    resolved_at: datetime | None = None
    resolved_by: str | None = None  # who marked it resolved (a Slack user id, or an operator)
    # Set when an agreed contact phoned in a report that was exempt (SLA 4.D): from then on
    # it is guaranteed, and its deadlines count from this moment instead of received_at.
    sla_start: datetime | None = None
    decided_at: datetime | None = None  # when the current decision was made
    # Nothing recognised the report: the team must decide (issue 11); which decision-table
    # row decided otherwise, and the factors read from the report.
    needs_triage: bool = False
    decision_row: str | None = None
    factors: tuple[Factor, ...] = ()

    @property
    def clock_start(self) -> datetime:
        """Where the SLA clock of the current deadlines starts."""
        return self.sla_start or self.received_at

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a ticket's history: who did what, when, and why."""

    at: datetime
    kind: str  # created, confirmed, priority, assigned, resolved, reply, ...
    actor: str | None
    data: dict[str, Any] = field(default_factory=dict)

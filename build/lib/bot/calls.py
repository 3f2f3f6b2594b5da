"""A phone call as the agent who took it logs it: shared by the Slack modal and the phone intake.

The Slack adapter reads it from the `/triage telefoon` modal, the phone adapter turns it into a
call record; keeping it in the core lets both use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PhoneEntry:
    """What the agent entered: who called, when, what they said, and optionally the ticket."""

    caller: str
    called_at: datetime
    notes: str
    ticket: int | None

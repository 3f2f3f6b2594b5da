"""Raw email -> exactly one outcome: a new ticket (with its acknowledgement in the outbox),
a reply or auto-reply on an existing ticket, a recorded auto-reply, or quarantine.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from adapters.email.ack import AckSender, AckTemplates, acknowledgement, should_acknowledge
from adapters.email.parse import EmailParseError, parse_email, to_report
from bot.desk import Desk
from bot.errors import TriageError
from bot.models import Decision, Report
from bot.pipeline import Triage
from bot.reminders import ReminderPolicy
from bot.store import OutboxItem, Store

log = logging.getLogger("triage.email")


class Outcome(StrEnum):
    """What became of one message."""

    TICKET = "ticket"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class IntakeResult:
    """The outcome of one message, for the log line and the tests."""

    outcome: Outcome
    ticket_id: int | None = None
    decision: Decision | None = None
    report: Report | None = None
    reason: str | None = None


def raw_key(raw: bytes) -> str:
    """Idempotency key of a message without a Message-ID."""
    return "email-sha256:" + hashlib.sha256(raw).hexdigest()


class EmailIntake:
    """Turns fetched messages into store records, once each."""

    def __init__(
        self,
        triage: Triage,
        store: Store,
        templates: AckTemplates,
        sender: AckSender,
        max_body_chars: int = 200_000,
        desk: Desk | None = None,
        ack_max_age: timedelta | None = None,
    ) -> None:
        self.triage = triage
        # Every change goes through the desk; without Slack (email-only installs and tests) it
        # queues no posts or reminders, only what this intake adds (the acknowledgement).
        self.desk = desk or Desk(triage, store, ReminderPolicy, slack=False)
        self.store = store
        self.templates = templates
        self.sender = sender
        self.max_body_chars = max_body_chars
        self.ack_max_age = ack_max_age
        self.tz: ZoneInfo = triage.calendar.tz

    def process(
        self, raw: bytes, received_at: datetime, now: datetime, notes: tuple[str, ...] = ()
    ) -> IntakeResult:
        """Handle one message; returns after its outcome is committed to the store."""
        try:
            parsed = parse_email(raw, max_body_chars=self.max_body_chars)
        except EmailParseError as exc:
            return self._quarantine(raw, f"cannot parse the email: {exc}", now)
        key = f"email:{parsed.message_id}" if parsed.message_id else raw_key(raw)
        if self.store.is_stored(key):
            return IntakeResult(Outcome.DUPLICATE)
        try:
            report = to_report(parsed, received_at, key)
            if notes:
                report = report.model_copy(update={"notes": (*report.notes, *notes)})
        except (TriageError, ValueError) as exc:
            return self._quarantine(raw, f"cannot turn the email into a report: {exc}", now)

        ticket = self.store.ticket_for_message_ids(report.references)
        tag = parsed.ticket_tag
        if ticket is None and tag is not None and self.store.ticket_exists(tag):
            ticket = tag
        if parsed.auto_reply:
            # Recorded, never acknowledged: answering an auto-reply is how mail loops start.
            if ticket is not None:
                self.desk.add_reply(ticket, report, now, kind="auto_reply")
            else:
                self.store.record_unlinked(report, "auto_reply", now)
            return IntakeResult(
                Outcome.AUTO_REPLY, ticket, report=report, reason=parsed.auto_reply_reason
            )
        if ticket is not None:
            added = self.desk.add_reply(ticket, report, now)
            return IntakeResult(
                Outcome.REPLY if added else Outcome.DUPLICATE, ticket, report=report
            )

        def acknowledge(ticket_id: int, decision: Decision) -> list[OutboxItem]:
            if not should_acknowledge(report, self.sender):
                return []
            if self.ack_max_age is not None and now - received_at > self.ack_max_age:
                log.info(
                    "ticket #%d not acknowledged: the mail is from %s, older than %s",
                    ticket_id,
                    received_at.isoformat(timespec="minutes"),
                    self.ack_max_age,
                )
                return []
            return [
                acknowledgement(ticket_id, report, decision, self.templates, self.sender, self.tz)
            ]

        opened = self.desk.open_ticket(report, now, acknowledge)
        if not opened.created:
            return IntakeResult(Outcome.DUPLICATE, opened.ticket_id)
        return IntakeResult(Outcome.TICKET, opened.ticket_id, opened.decision, report)

    def quarantine_error(self, raw: bytes, exc: BaseException, now: datetime) -> IntakeResult:
        """Quarantine a message whose processing failed unexpectedly (a bug, a store error)."""
        return self._quarantine(raw, f"internal error: {type(exc).__name__}: {exc}", now)

    def _quarantine(self, raw: bytes, reason: str, now: datetime) -> IntakeResult:
        self.store.quarantine("email", reason, raw, now, key=raw_key(raw))
        log.warning("email quarantined: %s", reason)
        return IntakeResult(Outcome.QUARANTINED, reason=reason)

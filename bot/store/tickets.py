"""Reports and tickets: recording them, replies onto them, later decisions and handling,
and the look-ups intakes need (is this report stored, which ticket does this reply belong to).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.errors import StoreError
from bot.models import Decision, Report
from bot.store.db import iso
from bot.store.rows import OutboxItem, Recorded
from bot.store.transaction import Transactions
from bot.store.writes import (
    add_decision,
    after_change,
    insert_report,
    map_message_id,
    require_ticket,
)


class StaleTicket(StoreError):
    """The ticket changed between reading it and writing a decision based on that read."""


class Tickets(Transactions):
    """Writes and look-ups of reports and tickets (a mixin of Store)."""

    def record(self, report: Report, decision: Decision, now: datetime) -> Recorded:
        """Store a new report, its ticket and its first decision, once per source key. What
        goes out with a new ticket is queued by the desk in the same unit of work
        (`Desk.open_ticket`, through `store.transaction()`)."""
        with self.transaction() as tx:
            return tx.record(report, decision, now)

    def attach(
        self,
        report: Report,
        ticket_id: int,
        kind: str,
        now: datetime,
        outgoing: Sequence[OutboxItem] = (),
        note: dict[str, Any] | None = None,
    ) -> bool:
        """Add a reply (or auto-reply) to an existing ticket; False if already stored.

        `outgoing` (the reply's copy in the Slack thread) is queued in the same transaction.
        """
        with self.transaction() as tx:
            return tx.attach(report, ticket_id, kind, now, outgoing, note)

    def record_unlinked(self, report: Report, kind: str, now: datetime) -> bool:
        """Keep a report that becomes no ticket (an auto-reply about nothing we know)."""
        with self._transaction() as db:
            return insert_report(db, report, kind, None, now) is not None

    def add_decision(
        self,
        ticket_id: int,
        decision: Decision,
        kind: str,
        by: str,
        now: datetime,
        reason: str | None = None,
        event: tuple[str, dict[str, Any]] | None = None,
        cancel: Sequence[str] = (),
        outgoing: Sequence[OutboxItem] = (),
        sla_start: datetime | None = None,
        expected_decision: int | None = None,
        attach: tuple[Report, str] | None = None,
        decided_by: str | None = None,
    ) -> int | None:
        """Record a later decision (a confirmed or changed priority, 4.G) and make it current.

        In the same transaction: the history `event` (kind, data), the cancellation of pending
        outbox rows whose dedupe key matches one of the `cancel` LIKE patterns (reminders for
        the old deadlines), and the `outgoing` messages (the updated Slack post).
        `expected_decision`: the decision the caller based this one on; if another change came
        first (two people clicking at once), nothing is written and StaleTicket is raised.
        `attach` (report, kind): a report to store with it (the phone call of the phone
        rule); when that report is already stored, nothing is written and None is returned.
        `decided_by`: who the priority stays credited to when `by` (the history's actor) did
        not decide it (a call changes the guarantee, not who confirmed the priority).
        """
        with self._transaction() as db:
            row = db.execute(
                "SELECT decision_id, status FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"ticket #{ticket_id} bestaat niet")
            if expected_decision is not None and (
                row["decision_id"] != expected_decision or row["status"] != "open"
            ):
                raise StaleTicket(f"ticket #{ticket_id} changed in the meantime")
            if attach is not None:
                report, report_kind = attach
                if insert_report(db, report, report_kind, ticket_id, now) is None:
                    return None
                if report.message_id:
                    map_message_id(db, report.message_id, ticket_id)
            decision_id = add_decision(db, ticket_id, decision, kind, decided_by or by, now, reason)
            if sla_start is not None:
                db.execute(
                    "UPDATE tickets SET sla_start = ? WHERE id = ?", (iso(sla_start), ticket_id)
                )
            after_change(db, ticket_id, now, by, event, cancel, outgoing)
            return decision_id

    def set_handling(
        self,
        ticket_id: int,
        now: datetime,
        actor: str,
        *,
        assignee: str | None = None,
        resolved: bool = False,
        event: tuple[str, dict[str, Any]] | None = None,
        cancel: Sequence[str] = (),
        outgoing: Sequence[OutboxItem] = (),
    ) -> bool:
        """Assign a ticket (its first reaction, when it had none) or resolve it.

        False when nothing changed (already assigned to that person, or already resolved):
        a double click or a retried request records nothing twice.
        """
        stamp = iso(now)
        with self._transaction() as db:
            require_ticket(db, ticket_id)
            row = db.execute(
                "SELECT assignee, status FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
            if resolved:
                if row["status"] == "resolved":
                    return False
                db.execute(
                    "UPDATE tickets SET status = 'resolved', resolved_at = ?, "
                    "reacted_at = COALESCE(reacted_at, ?), updated_at = ? WHERE id = ?",
                    (stamp, stamp, stamp, ticket_id),
                )
            else:
                if assignee is None or row["assignee"] == assignee:
                    return False
                db.execute(
                    "UPDATE tickets SET assignee = ?, reacted_at = COALESCE(reacted_at, ?), "
                    "updated_at = ? WHERE id = ?",
                    (assignee, stamp, stamp, ticket_id),
                )
            after_change(db, ticket_id, now, actor, event, cancel, outgoing)
        return True

    def add_event(
        self,
        ticket_id: int,
        kind: str,
        actor: str | None,
        data: dict[str, Any],
        now: datetime,
        outgoing: Sequence[OutboxItem] = (),
    ) -> None:
        """Write one history event (and its outgoing messages) for a ticket."""
        with self._transaction() as db:
            require_ticket(db, ticket_id)
            after_change(db, ticket_id, now, actor, (kind, data), (), outgoing)

    # -- look-ups ---------------------------------------------------------------------------
    def is_stored(self, key: str) -> bool:
        """True when a report with this source key is already in the store."""
        return self._row("SELECT 1 FROM reports WHERE source_key = ?", (key,)) is not None

    def ticket_of_source(self, key: str) -> int | None:
        """The ticket a stored report (by source key) made or belongs to."""
        row = self._row("SELECT ticket_id FROM reports WHERE source_key = ?", (key,))
        return int(row["ticket_id"]) if row and row["ticket_id"] is not None else None

    def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        """The ticket one of these Message-IDs belongs to (the last one listed wins)."""
        for message_id in reversed(message_ids):
            row = self._row("SELECT ticket_id FROM message_ids WHERE message_id = ?", (message_id,))
            if row is not None:
                return int(row["ticket_id"])
        return None

    def ticket_exists(self, ticket_id: int) -> bool:
        return self._row("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)) is not None

    def report_of(self, ticket_id: int) -> Report:
        """The report a ticket was made from, exactly as it was stored."""
        row = self._row(
            "SELECT r.payload FROM tickets t JOIN reports r ON r.id = t.report_id WHERE t.id = ?",
            (ticket_id,),
        )
        if row is None:
            raise StoreError(f"ticket #{ticket_id} bestaat niet")
        return Report.model_validate_json(row["payload"])

    def linking_call(self, ticket_id: int) -> Report | None:
        """The phone call that made a ticket guaranteed (its sla_start), as stored."""
        row = self._row(
            "SELECT r.payload FROM reports r JOIN tickets t ON t.id = r.ticket_id "
            "WHERE r.ticket_id = ? AND r.kind = 'phone_call' AND r.received_at = t.sla_start "
            "ORDER BY r.id LIMIT 1",
            (ticket_id,),
        )
        return Report.model_validate_json(row["payload"]) if row else None

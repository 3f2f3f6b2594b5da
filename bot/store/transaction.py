"""The unit of work: `with store.transaction() as tx:` and what a caller can write through it.

Everything written through `tx` (a report with its decision, a reply attached to a ticket,
outbox rows) commits together when the block ends, and none of it when the block raises.
So a ticket never exists without its acknowledgement, nor an acknowledgement twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bot.errors import StoreError
from bot.models import Decision, Report
from bot.store.backend import Conn
from bot.store.db import Database, iso
from bot.store.rows import OutboxItem, Recorded
from bot.store.writes import (
    add_decision,
    add_event,
    enqueue,
    insert_report,
    map_message_id,
    require_ticket,
    source_key,
)


class Transaction:
    """One open store transaction; valid only inside its `with` block.

    Reads through the store inside the block see what was written so far; writes through
    the store's own methods (which open a transaction of their own) are not allowed there.
    """

    def __init__(self, db: Conn) -> None:
        self._db: Conn | None = db

    def _conn(self) -> Conn:
        if self._db is None:
            raise StoreError("the transaction is over: write inside its `with` block")
        return self._db

    def _end(self) -> None:
        self._db = None

    def record(self, report: Report, decision: Decision, now: datetime) -> Recorded:
        """Store a new report, its ticket and its first decision, once per source key.

        When the source key is already stored, nothing is written: the result names the
        ticket that report made (None for an auto-reply kept without one), created False.
        """
        db = self._conn()
        report_id = insert_report(db, report, "report", None, now)
        if report_id is None:
            row = db.execute(
                "SELECT ticket_id FROM reports WHERE source_key = ?", (source_key(report),)
            ).fetchone()
            return Recorded(row["ticket_id"], created=False)
        stamp = iso(now)
        ticket_id = db.execute(
            "INSERT INTO tickets (report_id, channel, organisation, sender, subject, "
            "received_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                report_id,
                report.channel.value,
                decision.organisation,
                report.sender,
                report.subject,
                iso(report.received_at),
                stamp,
                stamp,
            ),
        ).fetchone()[0]
        db.execute("UPDATE reports SET ticket_id = ? WHERE id = ?", (ticket_id, report_id))
        kind = "provisional" if decision.provisional else "confirmed"
        add_decision(db, ticket_id, decision, kind, "triage", now, None)
        add_event(
            db,
            ticket_id,
            "created",
            now,
            "triage",
            {
                "priority": decision.priority.value,
                "category": decision.category.value,
                "channel": report.channel.value,
                "rules": list(decision.rules),
            },
        )
        if report.message_id:
            map_message_id(db, report.message_id, ticket_id)
        return Recorded(ticket_id, created=True)

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

        `outgoing` (the reply's copy in the Slack thread) is queued only when the report is
        new; `note` adds fields to the history event. StoreError when there is no such ticket.
        """
        db = self._conn()
        require_ticket(db, ticket_id)
        if insert_report(db, report, kind, ticket_id, now) is None:
            return False
        if report.message_id:
            map_message_id(db, report.message_id, ticket_id)
        add_event(
            db,
            ticket_id,
            kind,
            now,
            report.sender,
            {
                "subject": report.subject,
                "body": report.body,
                "received_at": iso(report.received_at),
                "message_id": report.message_id,
                "attachments": [a.model_dump() for a in report.attachments],
                **(note or {}),
            },
        )
        for item in outgoing:
            enqueue(db, item, ticket_id, now)
        return True

    def enqueue(self, item: OutboxItem, now: datetime, ticket_id: int | None = None) -> None:
        """Queue one outgoing message (once per dedupe key)."""
        enqueue(self._conn(), item, ticket_id, now)


class Transactions(Database):
    """The store's unit of work (a mixin of Store)."""

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction to write through: committed when the block ends, rolled back
        (nothing written) when it raises."""
        with self._transaction() as db:
            tx = Transaction(db)
            try:
                yield tx
            finally:
                tx._end()

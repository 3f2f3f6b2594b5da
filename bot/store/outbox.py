"""Outbox rows: queueing messages, finding the ones that are due, and marking them sent,
retried, failed or cancelled. Delivery itself lives in bot/outbox.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.db import Database, iso, marks, moment
from bot.store.rows import OutboxItem, OutboxRow
from bot.store.writes import cancel, enqueue


@dataclass(frozen=True)
class OutboxGauges:
    """The outbox at one moment: pending rows, the oldest due unsent one, reminders sent."""

    depth: int
    oldest_due: datetime | None
    reminders_sent: dict[str, int]


class OutboxRows(Database):
    """The outbox table (a mixin of Store)."""

    def enqueue(self, item: OutboxItem, now: datetime, ticket_id: int | None = None) -> None:
        """Queue one outgoing message (once per dedupe key)."""
        with self._transaction() as db:
            enqueue(db, item, ticket_id, now)

    def cancel_outbox(self, ticket_id: int, patterns: Sequence[str]) -> int:
        """Cancel a ticket's pending outbox rows whose dedupe key matches a LIKE pattern."""
        with self._transaction() as db:
            return cancel(db, ticket_id, patterns)

    def due_outbox(self, now: datetime, kinds: Sequence[str], limit: int = 100) -> list[OutboxRow]:
        """Pending messages of these kinds whose time has come, oldest first."""
        in_kinds = marks(kinds)
        rows = self._rows(
            f"SELECT id, kind, ticket_id, dedupe_key, payload, attempts FROM outbox "
            f"WHERE status = 'pending' AND next_attempt_at <= ? AND kind IN ({in_kinds}) "
            # By the time each was first due, not its retry time: a row that waited out a 429
            # goes before the rows due after it, so posts keep the order tickets came in.
            "ORDER BY COALESCE(due_at, next_attempt_at), id LIMIT ?",
            (iso(now), *kinds, limit),
        )
        return [
            OutboxRow(
                id=r["id"],
                kind=r["kind"],
                ticket_id=r["ticket_id"],
                dedupe_key=r["dedupe_key"],
                payload=json.loads(r["payload"]),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    def newer_due(self, ticket_id: int, prefix: str, after: datetime, now: datetime) -> bool:
        """True when a pending reminder of this ticket, whose dedupe key starts with `prefix`,
        is due by `now` and was meant for a later moment than `after` (it supersedes an older
        one). Compared on the moment each was meant for (payload "at"), not on when it is
        retried, so a reminder that waited out a 429 is not mistaken for a newer one."""
        row = self._row(
            "SELECT 1 FROM outbox WHERE ticket_id = ? AND status = 'pending' "
            f"AND dedupe_key LIKE ? AND {self._json_text('payload', 'at')} > ? "
            "AND next_attempt_at <= ? LIMIT 1",
            (ticket_id, prefix.replace("%", "") + "%", iso(after), iso(now)),
        )
        return row is not None

    def reminder_sent(self, ticket_id: int, key: str, at: datetime) -> bool:
        """True when a reminder with this key (e.g. 'reaction:breach') for this moment was
        already sent for the ticket, under any of its decisions."""
        row = self._row(
            "SELECT 1 FROM outbox WHERE ticket_id = ? AND status = 'sent' "
            f"AND dedupe_key LIKE ? AND {self._json_text('payload', 'at')} = ? LIMIT 1",
            (ticket_id, f"remind:{ticket_id}:%:{key}", iso(at)),
        )
        return row is not None

    def outbox_status(self, dedupe_key: str) -> str | None:
        """The status (pending, sent, failed, cancelled) of one outbox message, or None."""
        row = self._row("SELECT status FROM outbox WHERE dedupe_key = ?", (dedupe_key,))
        return str(row["status"]) if row else None

    def next_outbox_time(self, kinds: Sequence[str]) -> datetime | None:
        """When the earliest pending message of these kinds is due."""
        in_kinds = marks(kinds)
        row = self._row(
            f"SELECT MIN(next_attempt_at) AS next_at FROM outbox WHERE status = 'pending' "
            f"AND kind IN ({in_kinds})",
            tuple(kinds),
        )
        assert row is not None  # an aggregate always answers one row
        return moment(row["next_at"])

    def claim_outbox(
        self, outbox_id: int, now: datetime, until: datetime, holder: str = ""
    ) -> bool:
        """Take a pending, due row for sending: it is not due again before `until` (a crash
        after the send keeps it back that long). False when it is no longer pending or due
        (another round or process claimed it first).

        Two processes can never both claim a row: on PostgreSQL the row is locked with
        `FOR UPDATE SKIP LOCKED` (a claimer that finds it locked skips it instead of waiting,
        and once the first commits the row is no longer due); SQLite's write transaction
        keeps every other writer out."""
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.dialect == "postgresql" else ""
        with self._transaction(claims=True) as db:
            cursor = db.execute(
                "UPDATE outbox SET next_attempt_at = ?, claimed_by = ?, due_at = "
                "COALESCE(due_at, next_attempt_at) WHERE id = (SELECT id FROM outbox "
                "WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?"
                f"{skip_locked})",
                (iso(until), holder, outbox_id, iso(now)),
            )
            return cursor.rowcount == 1

    def foreign_claims(self, holder: str, now: datetime) -> dict[str, int]:
        """Pending rows other holders claimed whose claim has not ended, per claimer: they may
        have sent them. Such a row comes due again when its claim ends, and not before, so a
        holder that only lost its lease (the database was away) can still record what it
        sent; `release_claims` frees a claimer's rows at once (its process is known gone)."""
        rows = self._rows(
            "SELECT claimed_by, COUNT(*) AS n FROM outbox WHERE status = 'pending' AND "
            "claimed_by IS NOT NULL AND claimed_by != ? AND next_attempt_at > ? "
            "GROUP BY claimed_by",
            (holder, iso(now)),
        )
        return {str(r["claimed_by"]): int(r["n"]) for r in rows}

    def release_claims(self, claimer: str, now: datetime) -> int:
        """The rows `claimer` claimed are due again now (it is gone: it may have sent them or
        not, and a second copy with the same Message-ID beats none)."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE outbox SET next_attempt_at = ?, claimed_by = NULL WHERE status = "
                "'pending' AND claimed_by = ? AND next_attempt_at > ?",
                (iso(now), claimer, iso(now)),
            )
            return cursor.rowcount

    def unclaim_outbox(self, outbox_id: int, next_attempt: datetime) -> None:
        """Give a claimed row back without counting an attempt (its transport is paused)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending'",
                (iso(next_attempt), outbox_id),
            )

    def retry_outbox(self, ids: Sequence[int] | None, now: datetime) -> list[int]:
        """Queue failed rows again (all failed ones when `ids` is None): the ids requeued."""
        with self._transaction() as db:
            if ids is None:
                rows = db.execute("SELECT id FROM outbox WHERE status = 'failed'").fetchall()
            else:
                in_ids = marks(ids)
                rows = db.execute(
                    f"SELECT id FROM outbox WHERE status = 'failed' AND id IN ({in_ids})",
                    tuple(ids),
                ).fetchall()
            found = [int(r["id"]) for r in rows]
            for outbox_id in found:
                db.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ?, attempts = 0 "
                    "WHERE id = ?",
                    (iso(now), outbox_id),
                )
            return found

    def mark_sent(self, outbox_id: int, now: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ? AND status = 'pending'",
                (iso(now), outbox_id),
            )

    def mark_retry(self, outbox_id: int, error: str, next_attempt: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE id = ?",
                (error, iso(next_attempt), outbox_id),
            )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE id = ?",
                (error, outbox_id),
            )

    def outbox(self, status: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows (all, or of one status), oldest first."""
        sql = "SELECT * FROM outbox"
        args: tuple[str, ...] = ()
        if status is not None:
            sql, args = sql + " WHERE status = ?", (status,)
        return [dict(row) for row in self._rows(sql + " ORDER BY id", args)]

    def outbox_gauges(self, now: datetime, kinds: Sequence[str]) -> OutboxGauges:
        """What /metrics and /readyz read: the pending rows of these kinds, the oldest due
        one's first due moment, and the reminders sent so far per kind."""
        in_kinds = marks(kinds)
        row = self._row(
            "SELECT COUNT(*) AS depth, MIN(CASE WHEN COALESCE(due_at, next_attempt_at) <= ? "
            "THEN COALESCE(due_at, next_attempt_at) END) AS oldest FROM outbox "
            f"WHERE status = 'pending' AND kind IN ({in_kinds})",
            (iso(now), *kinds),
        )
        assert row is not None  # an aggregate always answers one row
        sent = self._rows(
            f"SELECT {self._json_text('payload', 'kind')} AS kind, COUNT(*) AS n FROM outbox "
            "WHERE status = 'sent' AND dedupe_key LIKE 'remind:%' GROUP BY 1",
            (),
        )
        return OutboxGauges(
            depth=int(row["depth"]),
            oldest_due=moment(row["oldest"]),
            reminders_sent={str(r["kind"]): int(r["n"]) for r in sent},
        )

"""The only module that speaks SQL: reports, tickets, decisions and quarantine in SQLite (WAL).

Every write that belongs together happens in one transaction. A report is stored once per
source key (Message-ID, Slack event id, call id, or a hash of its content), so delivering
the same report twice is harmless. Times are stored as UTC ISO 8601 text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import StoreError
from bot.models import Category, Channel, Decision, Priority, Report
from bot.reports.availability import Outage
from bot.reports.sla import TicketFacts
from bot.tickets import HistoryEntry, TicketView


class StaleTicket(StoreError):
    """The ticket changed between reading it and writing a decision based on that read."""


# Each entry moves the schema one version up; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE reports (
        id          INTEGER PRIMARY KEY,
        source_key  TEXT NOT NULL UNIQUE,
        channel     TEXT NOT NULL,
        received_at TEXT NOT NULL,
        sender      TEXT NOT NULL,
        subject     TEXT NOT NULL,
        body        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        stored_at   TEXT NOT NULL
    );
    CREATE TABLE tickets (
        id             INTEGER PRIMARY KEY,
        report_id      INTEGER NOT NULL UNIQUE REFERENCES reports(id),
        status         TEXT NOT NULL DEFAULT 'open',
        channel        TEXT NOT NULL,
        organisation   TEXT,
        sender         TEXT NOT NULL,
        subject        TEXT NOT NULL,
        received_at    TEXT NOT NULL,
        decision_id    INTEGER,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );
    CREATE INDEX tickets_status ON tickets(status);
    CREATE TABLE decisions (
        id               INTEGER PRIMARY KEY,
        ticket_id        INTEGER NOT NULL REFERENCES tickets(id),
        kind             TEXT NOT NULL,
        priority         TEXT NOT NULL,
        category         TEXT NOT NULL,
        provisional      INTEGER NOT NULL,
        exempt           INTEGER NOT NULL,
        exempt_reason    TEXT,
        unagreed_caller  INTEGER NOT NULL,
        reaction_due     TEXT,
        resolution_due   TEXT,
        rules            TEXT NOT NULL,
        rules_version    TEXT NOT NULL,
        calendar_version TEXT NOT NULL,
        decided_by       TEXT NOT NULL,
        decided_at       TEXT NOT NULL,
        reason           TEXT
    );
    CREATE INDEX decisions_ticket ON decisions(ticket_id);
    CREATE TABLE quarantine (
        id          INTEGER PRIMARY KEY,
        source      TEXT NOT NULL,
        source_key  TEXT NOT NULL UNIQUE,
        reason      TEXT NOT NULL,
        raw         BLOB NOT NULL,
        stored_at   TEXT NOT NULL
    );
    """,
    # 2: email intake and delivery. Replies and auto-replies are reports linked to a ticket
    # (or to none); outgoing messages wait in the outbox; IMAP progress per mailbox; every
    # Message-ID we saw or sent, so replies thread onto their ticket; ticket history events.
    """
    ALTER TABLE reports ADD COLUMN kind TEXT NOT NULL DEFAULT 'report';
    ALTER TABLE reports ADD COLUMN ticket_id INTEGER REFERENCES tickets(id);
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL,
        ticket_id       INTEGER REFERENCES tickets(id),
        dedupe_key      TEXT NOT NULL UNIQUE,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        sent_at         TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
    CREATE TABLE mailbox_state (
        mailbox     TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid    INTEGER NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE message_ids (
        message_id TEXT PRIMARY KEY,
        ticket_id  INTEGER NOT NULL REFERENCES tickets(id)
    );
    CREATE TABLE ticket_events (
        id        INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        kind      TEXT NOT NULL,
        at        TEXT NOT NULL,
        actor     TEXT,
        data      TEXT NOT NULL
    );
    CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id);
    """,
    # 3: handling in Slack. Who picked a ticket up (the first reaction) and when it was
    # resolved; where its triage post lives, so updates, replies and reminders thread under it.
    """
    ALTER TABLE tickets ADD COLUMN assignee TEXT;
    ALTER TABLE tickets ADD COLUMN reacted_at TEXT;
    ALTER TABLE tickets ADD COLUMN resolved_at TEXT;
    CREATE TABLE slack_posts (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
        channel   TEXT NOT NULL,
        ts        TEXT NOT NULL,
        posted_at TEXT NOT NULL
    );
    CREATE INDEX outbox_ticket ON outbox(ticket_id, status);
    """,
    # 4: the phone rule (SLA 4.D). When an agreed contact phones in a report that was exempt,
    # the guarantee and its deadlines run from the call: the ticket keeps when that was.
    """
    ALTER TABLE tickets ADD COLUMN sla_start TEXT;
    """,
    # 5: availability (SLA article 1). Outage windows recorded from Slack or the CLI; an open
    # window has no end yet. Planned maintenance and force majeure are kept, marked, so the
    # report can list what it excluded and why.
    """
    CREATE TABLE outages (
        id          INTEGER PRIMARY KEY,
        start       TEXT NOT NULL,
        end         TEXT,
        scope       TEXT NOT NULL DEFAULT 'platform',
        kind        TEXT NOT NULL,
        reason      TEXT NOT NULL,
        ticket_id   INTEGER REFERENCES tickets(id),
        created_by  TEXT,
        created_at  TEXT NOT NULL,
        ended_by    TEXT
    );
    CREATE INDEX outages_start ON outages(start);
    ALTER TABLE outbox ADD COLUMN due_at TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def source_key(report: Report) -> str:
    """The report's own key, or a stable hash of what it says and when it arrived."""
    if report.source_key:
        return report.source_key
    content = json.dumps(
        [
            report.channel.value,
            report.received_at.astimezone(UTC).isoformat(),
            report.sender,
            report.subject,
            report.body,
        ],
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def _excerpt(body: str, limit: int = 300) -> str:
    """The first paragraph of a report, shortened for a Slack post."""
    text = body.strip().split("\n\n", 1)[0].strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


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
class _Rows:
    """Rows of a finished read (the cursor is not shared outside the lock)."""

    description: Any
    rows: list[Any]

    def fetchall(self) -> list[Any]:
        return self.rows

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None


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


class Store:
    """A SQLite database file (or ':memory:'), migrated to SCHEMA_VERSION on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        # One connection shared by the service's threads: every statement and transaction
        # holds this lock, so one thread's BEGIN never swallows another thread's writes.
        self._lock = threading.RLock()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            # WAL with synchronous=NORMAL: a commit survives a process crash (what we guard
            # against); only a power loss can drop the last commits.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[object] = ()) -> _Rows:
        """A read outside a transaction, under the lock, fully fetched."""
        with self._lock:
            cursor = self._db.execute(sql, tuple(args))
            return _Rows(cursor.description, cursor.fetchall())

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this triage "
                f"({SCHEMA_VERSION}); upgrade triage"
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction() as db:
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version").fetchone()[0])

    # -- reports and tickets ----------------------------------------------------------------
    def record(
        self,
        report: Report,
        decision: Decision,
        now: datetime,
        outgoing: Callable[[int], Sequence[OutboxItem]] | None = None,
    ) -> Recorded:
        """Store a new report, its ticket and its first decision, once per source key.

        `outgoing(ticket_id)` gives the messages to send about the new ticket (an
        acknowledgement); they are written to the outbox in the same transaction, so a ticket
        never exists without its acknowledgement, nor an acknowledgement twice.
        """
        key = source_key(report)
        stamp = _ts(now)
        with self._transaction() as db:
            report_id = self._insert_report(db, report, "report", None, now)
            if report_id is None:
                row = db.execute(
                    "SELECT ticket_id FROM reports WHERE source_key = ?", (key,)
                ).fetchone()
                return Recorded(row[0], created=False)
            ticket_id = db.execute(
                "INSERT INTO tickets (report_id, channel, organisation, sender, subject, "
                "received_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report_id,
                    report.channel.value,
                    decision.organisation,
                    report.sender,
                    report.subject,
                    _ts(report.received_at),
                    stamp,
                    stamp,
                ),
            ).lastrowid
            assert ticket_id is not None
            db.execute("UPDATE reports SET ticket_id = ? WHERE id = ?", (ticket_id, report_id))
            kind = "provisional" if decision.provisional else "confirmed"
            self._add_decision(db, ticket_id, decision, kind, "triage", now, None)
            self._event(
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
                self._map_message_id(db, report.message_id, ticket_id)
            for item in outgoing(ticket_id) if outgoing else ():
                self._enqueue(db, item, ticket_id, now)
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

        `outgoing` (the reply's copy in the Slack thread) is queued in the same transaction.
        """
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
                raise StoreError(f"there is no ticket #{ticket_id}")
            if self._insert_report(db, report, kind, ticket_id, now) is None:
                return False
            if report.message_id:
                self._map_message_id(db, report.message_id, ticket_id)
            self._event(
                db,
                ticket_id,
                kind,
                now,
                report.sender,
                {
                    "subject": report.subject,
                    "body": report.body,
                    "received_at": _ts(report.received_at),
                    "message_id": report.message_id,
                    "attachments": [a.model_dump() for a in report.attachments],
                    **(note or {}),
                },
            )
            for item in outgoing:
                self._enqueue(db, item, ticket_id, now)
        return True

    def record_unlinked(self, report: Report, kind: str, now: datetime) -> bool:
        """Keep a report that becomes no ticket (an auto-reply about nothing we know)."""
        with self._transaction() as db:
            return self._insert_report(db, report, kind, None, now) is not None

    def _insert_report(
        self,
        db: sqlite3.Connection,
        report: Report,
        kind: str,
        ticket_id: int | None,
        now: datetime,
    ) -> int | None:
        """Insert a report row; its id, or None when its source key is already stored."""
        cursor = db.execute(
            "INSERT OR IGNORE INTO reports (source_key, channel, received_at, sender, subject, "
            "body, payload, stored_at, kind, ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source_key(report),
                report.channel.value,
                _ts(report.received_at),
                report.sender,
                report.subject,
                report.body,
                report.model_dump_json(),
                _ts(now),
                kind,
                ticket_id,
            ),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def ticket_of_source(self, key: str) -> int | None:
        """The ticket a stored report (by source key) made or belongs to."""
        row = self._read("SELECT ticket_id FROM reports WHERE source_key = ?", (key,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def linking_call(self, ticket_id: int) -> Report | None:
        """The phone call that made a ticket guaranteed (its sla_start), as stored."""
        row = self._read(
            "SELECT r.payload FROM reports r JOIN tickets t ON t.id = r.ticket_id "
            "WHERE r.ticket_id = ? AND r.kind = 'phone_call' AND r.received_at = t.sla_start "
            "ORDER BY r.id LIMIT 1",
            (ticket_id,),
        ).fetchone()
        return Report.model_validate_json(row[0]) if row else None

    def is_stored(self, key: str) -> bool:
        """True when a report with this source key is already in the store."""
        row = self._read("SELECT 1 FROM reports WHERE source_key = ?", (key,)).fetchone()
        return row is not None

    @staticmethod
    def _map_message_id(db: sqlite3.Connection, message_id: str, ticket_id: int) -> None:
        db.execute(
            "INSERT OR IGNORE INTO message_ids (message_id, ticket_id) VALUES (?, ?)",
            (message_id, ticket_id),
        )

    @staticmethod
    def _event(
        db: sqlite3.Connection,
        ticket_id: int,
        kind: str,
        now: datetime,
        actor: str | None,
        data: dict[str, Any],
    ) -> None:
        db.execute(
            "INSERT INTO ticket_events (ticket_id, kind, at, actor, data) VALUES (?, ?, ?, ?, ?)",
            (ticket_id, kind, _ts(now), actor, json.dumps(data, ensure_ascii=False)),
        )

    def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        """The ticket one of these Message-IDs belongs to (the last one listed wins)."""
        for message_id in reversed(message_ids):
            row = self._read(
                "SELECT ticket_id FROM message_ids WHERE message_id = ?", (message_id,)
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def ticket_exists(self, ticket_id: int) -> bool:
        row = self._read("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return row is not None

    def events(self, ticket_id: int) -> list[dict[str, Any]]:
        """A ticket's history events (replies, ...), oldest first."""
        rows = self._read(
            "SELECT kind, at, actor, data FROM ticket_events WHERE ticket_id = ? ORDER BY id",
            (ticket_id,),
        ).fetchall()
        return [{"kind": r[0], "at": r[1], "actor": r[2], **json.loads(r[3])} for r in rows]

    # -- outbox -----------------------------------------------------------------------------
    @staticmethod
    def _enqueue(
        db: sqlite3.Connection, item: OutboxItem, ticket_id: int | None, now: datetime
    ) -> None:
        db.execute(
            "INSERT OR IGNORE INTO outbox (kind, ticket_id, dedupe_key, payload, "
            "next_attempt_at, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                item.kind,
                ticket_id,
                item.dedupe_key,
                json.dumps(item.payload, ensure_ascii=False),
                _ts(item.not_before or now),
                _ts(now),
                _ts(item.not_before or now),
            ),
        )
        if item.message_id and ticket_id is not None:
            Store._map_message_id(db, item.message_id, ticket_id)

    def enqueue(self, item: OutboxItem, now: datetime, ticket_id: int | None = None) -> None:
        """Queue one outgoing message (once per dedupe key)."""
        with self._transaction() as db:
            self._enqueue(db, item, ticket_id, now)

    def due_outbox(self, now: datetime, kinds: Sequence[str], limit: int = 100) -> list[OutboxRow]:
        """Pending messages of these kinds whose time has come, oldest first."""
        marks = ",".join("?" * len(kinds))
        rows = self._read(
            f"SELECT id, kind, ticket_id, dedupe_key, payload, attempts FROM outbox "
            f"WHERE status = 'pending' AND next_attempt_at <= ? AND kind IN ({marks}) "
            # By the time each was first due, not its retry time: a row that waited out a 429
            # goes before the rows due after it, so posts keep the order tickets came in.
            "ORDER BY COALESCE(due_at, next_attempt_at), id LIMIT ?",
            (_ts(now), *kinds, limit),
        ).fetchall()
        return [OutboxRow(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def newer_due(self, ticket_id: int, prefix: str, after: datetime, now: datetime) -> bool:
        """True when a pending reminder of this ticket, whose dedupe key starts with `prefix`,
        is due by `now` and was meant for a later moment than `after` (it supersedes an older
        one). Compared on the moment each was meant for (payload "at"), not on when it is
        retried, so a reminder that waited out a 429 is not mistaken for a newer one."""
        row = self._read(
            "SELECT 1 FROM outbox WHERE ticket_id = ? AND status = 'pending' "
            "AND dedupe_key LIKE ? AND json_extract(payload, '$.at') > ? "
            "AND next_attempt_at <= ? LIMIT 1",
            (ticket_id, prefix.replace("%", "") + "%", _ts(after), _ts(now)),
        ).fetchone()
        return row is not None

    def reminder_sent(self, ticket_id: int, key: str, at: datetime) -> bool:
        """True when a reminder with this key (e.g. 'reaction:breach') for this moment was
        already sent for the ticket, under any of its decisions."""
        row = self._read(
            "SELECT 1 FROM outbox WHERE ticket_id = ? AND status = 'sent' "
            "AND dedupe_key LIKE ? AND json_extract(payload, '$.at') = ? LIMIT 1",
            (ticket_id, f"remind:{ticket_id}:%:{key}", _ts(at)),
        ).fetchone()
        return row is not None

    def outbox_status(self, dedupe_key: str) -> str | None:
        """The status (pending, sent, failed, cancelled) of one outbox message, or None."""
        row = self._read("SELECT status FROM outbox WHERE dedupe_key = ?", (dedupe_key,)).fetchone()
        return str(row[0]) if row else None

    def next_outbox_time(self, kinds: Sequence[str]) -> datetime | None:
        """When the earliest pending message of these kinds is due."""
        marks = ",".join("?" * len(kinds))
        row = self._read(
            f"SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending' "
            f"AND kind IN ({marks})",
            tuple(kinds),
        ).fetchone()
        return _dt(row[0])

    def mark_sent(self, outbox_id: int, now: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ? AND status = 'pending'",
                (_ts(now), outbox_id),
            )

    def mark_retry(self, outbox_id: int, error: str, next_attempt: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE id = ?",
                (error, _ts(next_attempt), outbox_id),
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
        cursor = self._read(sql + " ORDER BY id", args)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- mailbox progress -------------------------------------------------------------------
    def mailbox_state(self, mailbox: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID processed) of a mailbox, or None if never seen."""
        row = self._read(
            "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?", (mailbox,)
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def set_mailbox_state(
        self, mailbox: str, uidvalidity: int, last_uid: int, now: datetime
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(mailbox) DO UPDATE SET "
                "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, "
                "updated_at = excluded.updated_at",
                (mailbox, uidvalidity, last_uid, _ts(now)),
            )

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
    ) -> int | None:
        """Record a later decision (a confirmed or changed priority, 4.G) and make it current.

        In the same transaction: the history `event` (kind, data), the cancellation of pending
        outbox rows whose dedupe key matches one of the `cancel` LIKE patterns (reminders for
        the old deadlines), and the `outgoing` messages (the updated Slack post).
        `expected_decision`: the decision the caller based this one on; if another change came
        first (two people clicking at once), nothing is written and StaleTicket is raised.
        `attach` (report, kind): a report to store with it (the phone call of the phone
        rule); when that report is already stored, nothing is written and None is returned.
        """
        with self._transaction() as db:
            row = db.execute(
                "SELECT decision_id, status FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"there is no ticket #{ticket_id}")
            if expected_decision is not None and (row[0] != expected_decision or row[1] != "open"):
                raise StaleTicket(f"ticket #{ticket_id} changed in the meantime")
            if attach is not None:
                report, report_kind = attach
                if self._insert_report(db, report, report_kind, ticket_id, now) is None:
                    return None
                if report.message_id:
                    self._map_message_id(db, report.message_id, ticket_id)
            decision_id = self._add_decision(db, ticket_id, decision, kind, by, now, reason)
            if sla_start is not None:
                db.execute(
                    "UPDATE tickets SET sla_start = ? WHERE id = ?", (_ts(sla_start), ticket_id)
                )
            self._after_change(db, ticket_id, now, by, event, cancel, outgoing)
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
        stamp = _ts(now)
        with self._transaction() as db:
            self._require_ticket(db, ticket_id)
            row = db.execute(
                "SELECT assignee, status FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
            if resolved:
                if row[1] == "resolved":
                    return False
                db.execute(
                    "UPDATE tickets SET status = 'resolved', resolved_at = ?, "
                    "reacted_at = COALESCE(reacted_at, ?), updated_at = ? WHERE id = ?",
                    (stamp, stamp, stamp, ticket_id),
                )
            else:
                if assignee is None or row[0] == assignee:
                    return False
                db.execute(
                    "UPDATE tickets SET assignee = ?, reacted_at = COALESCE(reacted_at, ?), "
                    "updated_at = ? WHERE id = ?",
                    (assignee, stamp, stamp, ticket_id),
                )
            self._after_change(db, ticket_id, now, actor, event, cancel, outgoing)
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
            self._require_ticket(db, ticket_id)
            self._after_change(db, ticket_id, now, actor, (kind, data), (), outgoing)

    def _after_change(
        self,
        db: sqlite3.Connection,
        ticket_id: int,
        now: datetime,
        actor: str | None,
        event: tuple[str, dict[str, Any]] | None,
        cancel: Sequence[str],
        outgoing: Sequence[OutboxItem],
    ) -> None:
        """What every ticket change writes with it: its history event, the pending messages
        it makes obsolete (cancelled) and the messages it causes (queued)."""
        if event is not None:
            self._event(db, ticket_id, event[0], now, actor, event[1])
        self._cancel(db, ticket_id, cancel)
        for item in outgoing:
            self._enqueue(db, item, ticket_id, now)

    @staticmethod
    def _require_ticket(db: sqlite3.Connection, ticket_id: int) -> None:
        if db.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
            raise StoreError(f"there is no ticket #{ticket_id}")

    @staticmethod
    def _cancel(db: sqlite3.Connection, ticket_id: int, patterns: Sequence[str]) -> int:
        cancelled = 0
        for pattern in patterns:
            cancelled += db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE ticket_id = ? "
                "AND status = 'pending' AND dedupe_key LIKE ?",
                (ticket_id, pattern),
            ).rowcount
        return cancelled

    def cancel_outbox(self, ticket_id: int, patterns: Sequence[str]) -> int:
        """Cancel a ticket's pending outbox rows whose dedupe key matches a LIKE pattern."""
        with self._transaction() as db:
            return self._cancel(db, ticket_id, patterns)

    @staticmethod
    def _add_decision(
        db: sqlite3.Connection,
        ticket_id: int,
        decision: Decision,
        kind: str,
        by: str,
        now: datetime,
        reason: str | None,
    ) -> int:
        decision_id = db.execute(
            "INSERT INTO decisions (ticket_id, kind, priority, category, provisional, exempt, "
            "exempt_reason, unagreed_caller, reaction_due, resolution_due, rules, rules_version, "
            "calendar_version, decided_by, decided_at, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ticket_id,
                kind,
                decision.priority.value,
                decision.category.value,
                int(decision.provisional),
                int(decision.exempt),
                decision.exempt_reason,
                int(decision.unagreed_caller),
                _ts(decision.reaction_due),
                _ts(decision.resolution_due),
                json.dumps(list(decision.rules)),
                decision.rules_version,
                decision.calendar_version,
                by,
                _ts(now),
                reason,
            ),
        ).lastrowid
        assert decision_id is not None
        db.execute(
            "UPDATE tickets SET decision_id = ?, updated_at = ? WHERE id = ?",
            (decision_id, _ts(now), ticket_id),
        )
        return decision_id

    def report_of(self, ticket_id: int) -> Report:
        """The report a ticket was made from, exactly as it was stored."""
        row = self._read(
            "SELECT r.payload FROM tickets t JOIN reports r ON r.id = t.report_id WHERE t.id = ?",
            (ticket_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"there is no ticket #{ticket_id}")
        return Report.model_validate_json(row[0])

    def decisions(self, ticket_id: int) -> list[dict[str, object]]:
        """A ticket's decision history, oldest first."""
        cursor = self._read("SELECT * FROM decisions WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def tickets(self, open_only: bool = False) -> list[TicketRow]:
        """Tickets with their current decision, by receipt time."""
        sql = (
            "SELECT t.id, t.status, t.channel, t.organisation, t.sender, t.subject, "
            "t.received_at, d.priority, d.category, d.provisional, d.exempt, d.exempt_reason, "
            "d.reaction_due, d.resolution_due, d.rules "
            "FROM tickets t JOIN decisions d ON d.id = t.decision_id"
        )
        if open_only:
            sql += " WHERE t.status = 'open'"
        rows = self._read(sql + " ORDER BY t.received_at, t.id").fetchall()
        return [
            TicketRow(
                id=r[0],
                status=r[1],
                channel=r[2],
                organisation=r[3],
                sender=r[4],
                subject=r[5],
                received_at=datetime.fromisoformat(r[6]),
                priority=r[7],
                category=r[8],
                provisional=bool(r[9]),
                exempt=bool(r[10]),
                exempt_reason=r[11],
                reaction_due=_dt(r[12]),
                resolution_due=_dt(r[13]),
                rules=tuple(json.loads(r[14])),
            )
            for r in rows
        ]

    _VIEW_SQL = (
        "SELECT t.id, t.status, t.channel, t.subject, t.sender, r.body, t.received_at, "
        "d.priority, d.category, d.provisional, d.exempt, d.exempt_reason, d.reaction_due, "
        "d.resolution_due, d.rules, d.id, d.decided_by, d.reason, t.organisation, t.assignee, "
        "t.reacted_at, t.resolved_at, t.sla_start, d.decided_at "
        "FROM tickets t JOIN decisions d ON d.id = t.decision_id "
        "JOIN reports r ON r.id = t.report_id"
    )

    @staticmethod
    def _view(r: Sequence[Any]) -> TicketView:
        received = datetime.fromisoformat(r[6])
        return TicketView(
            id=r[0],
            status=r[1],
            channel=Channel(r[2]),
            subject=r[3],
            sender=r[4],
            excerpt=_excerpt(r[5]),
            received_at=received,
            priority=Priority(r[7]),
            category=Category(r[8]),
            provisional=bool(r[9]),
            exempt=bool(r[10]),
            exempt_reason=r[11],
            reaction_due=_dt(r[12]),
            resolution_due=_dt(r[13]),
            rules=tuple(json.loads(r[14])),
            decision_id=r[15],
            decided_by=r[16],
            decision_reason=r[17],
            organisation=r[18],
            assignee=r[19],
            reacted_at=_dt(r[20]),
            resolved_at=_dt(r[21]),
            sla_start=_dt(r[22]),
            decided_at=_dt(r[23]),
        )

    def ticket_view(self, ticket_id: int) -> TicketView:
        """One ticket as the team sees it; StoreError when there is no such ticket."""
        row = self._read(self._VIEW_SQL + " WHERE t.id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no ticket #{ticket_id}")
        return self._view(row)

    def ticket_views(self, open_only: bool = True) -> list[TicketView]:
        """Tickets as the team sees them, by receipt time."""
        sql = self._VIEW_SQL + (" WHERE t.status = 'open'" if open_only else "")
        rows = self._read(sql + " ORDER BY t.received_at, t.id").fetchall()
        return [self._view(r) for r in rows]

    def history(self, ticket_id: int) -> list[HistoryEntry]:
        """A ticket's history (created, priority changes, replies, ...), oldest first."""
        rows = self._read(
            "SELECT at, kind, actor, data FROM ticket_events WHERE ticket_id = ? ORDER BY id",
            (ticket_id,),
        ).fetchall()
        return [
            HistoryEntry(datetime.fromisoformat(r[0]), r[1], r[2], json.loads(r[3])) for r in rows
        ]

    # -- Slack posts ------------------------------------------------------------------------
    def slack_post(self, ticket_id: int) -> tuple[str, str] | None:
        """(channel, ts) of a ticket's triage post, once it was posted."""
        row = self._read(
            "SELECT channel, ts FROM slack_posts WHERE ticket_id = ?", (ticket_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def set_slack_post(self, ticket_id: int, channel: str, ts: str, now: datetime) -> None:
        """Remember where a ticket's post lives; its ts also threads Slack replies onto it."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO slack_posts (ticket_id, channel, ts, posted_at) "
                "VALUES (?, ?, ?, ?)",
                (ticket_id, channel, ts, _ts(now)),
            )
            self._map_message_id(db, f"slack:{channel}:{ts}", ticket_id)

    # -- reports: facts as of a moment, outages ---------------------------------------------
    def facts(self, start: datetime, end: datetime, as_of: datetime) -> list[TicketFacts]:
        """Tickets received in [start, end), as the store knew them at `as_of`.

        The decision in force at `as_of` (a later change of priority does not rewrite a past
        month), and reactions, resolutions and phone links only if they happened before it.
        """
        rows = self._read(
            "SELECT t.id, t.organisation, t.channel, t.received_at, t.sla_start, t.reacted_at, "
            "t.resolved_at, d.priority, d.category, d.exempt, d.exempt_reason, d.reaction_due, "
            "d.resolution_due, "
            "(SELECT MIN(p.decided_at) FROM decisions p WHERE p.ticket_id = t.id "
            " AND p.kind = 'phone_link' AND p.decided_at < ?) "
            # The decision in force at as_of; a ticket stored after it (an email processed
            # after midnight, a call log imported the next day) keeps its first decision.
            "FROM tickets t JOIN decisions d ON d.id = COALESCE("
            "  (SELECT MAX(x.id) FROM decisions x WHERE x.ticket_id = t.id AND x.decided_at < ?),"
            "  (SELECT MIN(y.id) FROM decisions y WHERE y.ticket_id = t.id)) "
            "WHERE t.received_at >= ? AND t.received_at < ? ORDER BY t.received_at, t.id",
            (_ts(as_of), _ts(as_of), _ts(start), _ts(end)),
        ).fetchall()

        def before(value: str | None) -> datetime | None:
            moment = _dt(value)
            return moment if moment is not None and moment < as_of else None

        facts = []
        for r in rows:
            received = datetime.fromisoformat(r[3])
            linked = r[13] is not None and r[4] is not None
            facts.append(
                TicketFacts(
                    id=r[0],
                    organisation=r[1],
                    organisation_name=None,
                    channel=Channel(r[2]),
                    received_at=received,
                    clock_start=datetime.fromisoformat(r[4]) if linked else received,
                    priority=Priority(r[7]),
                    category=Category(r[8]),
                    exempt=bool(r[9]),
                    exempt_reason=r[10],
                    reaction_due=_dt(r[11]),
                    resolution_due=_dt(r[12]),
                    reacted_at=before(r[5]),
                    resolved_at=before(r[6]),
                )
            )
        return facts

    def add_outage(
        self,
        start: datetime,
        end: datetime | None,
        kind: str,
        reason: str,
        now: datetime,
        scope: str = "platform",
        by: str | None = None,
        ticket_id: int | None = None,
    ) -> int:
        """Record an outage window (end None: still going on); its id."""
        with self._transaction() as db:
            outage_id = db.execute(
                "INSERT INTO outages (start, end, scope, kind, reason, ticket_id, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_ts(start), _ts(end), scope, kind, reason, ticket_id, by, _ts(now)),
            ).lastrowid
            assert outage_id is not None
            if ticket_id is not None:
                self._event(
                    db, ticket_id, "outage", now, by, {"outage": outage_id, "start": _ts(start)}
                )
            return outage_id

    def end_outage(self, outage_id: int, end: datetime, by: str | None = None) -> Outage:
        """Close an open outage window; StoreError when it is unknown or already closed."""
        with self._transaction() as db:
            row = db.execute("SELECT start, end FROM outages WHERE id = ?", (outage_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no outage #{outage_id}")
            if row[1] is not None:
                raise StoreError(f"outage #{outage_id} already ended at {row[1]}")
            if end < datetime.fromisoformat(row[0]):
                raise StoreError(f"outage #{outage_id} cannot end before it started ({row[0]})")
            db.execute(
                "UPDATE outages SET end = ?, ended_by = ? WHERE id = ?",
                (_ts(end), by, outage_id),
            )
        return self.outages_between(None, None, only=outage_id)[0]

    def open_outages(self) -> list[Outage]:
        """Outage windows that have not ended."""
        return [o for o in self.outages_between(None, None) if o.end is None]

    def outages_between(
        self, start: datetime | None, end: datetime | None, only: int | None = None
    ) -> list[Outage]:
        """Outage windows overlapping [start, end) (all when None), by start time."""
        sql = "SELECT id, start, end, scope, kind, reason FROM outages WHERE 1 = 1"
        args: list[object] = []
        if end is not None:
            sql += " AND start < ?"
            args.append(_ts(end))
        if start is not None:
            sql += " AND (end IS NULL OR end > ?)"
            args.append(_ts(start))
        if only is not None:
            sql += " AND id = ?"
            args.append(only)
        rows = self._read(sql + " ORDER BY start, id", args).fetchall()
        return [
            Outage(
                id=r[0],
                start=datetime.fromisoformat(r[1]),
                end=_dt(r[2]),
                scope=r[3],
                kind=r[4],
                reason=r[5],
            )
            for r in rows
        ]

    def count(self, table: str) -> int:
        """Number of rows in one of the store's tables."""
        if table not in {"reports", "tickets", "decisions", "quarantine"}:
            raise StoreError(f"no table {table!r}")
        return int(self._read(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    # -- quarantine -------------------------------------------------------------------------
    def quarantine(
        self, source: str, reason: str, raw: bytes, now: datetime, key: str | None = None
    ) -> bool:
        """Keep what could not be turned into a report, with the reason; once per key."""
        key = key or "sha256:" + hashlib.sha256(source.encode() + b"\0" + raw).hexdigest()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO quarantine (source, source_key, reason, raw, stored_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (source, key, reason, raw, _ts(now)),
            )
            return cursor.rowcount == 1

    def quarantined(self) -> list[QuarantineRow]:
        """Everything in quarantine, oldest first."""
        rows = self._read(
            "SELECT id, source, source_key, reason, length(raw), stored_at FROM quarantine "
            "ORDER BY id"
        ).fetchall()
        return [
            QuarantineRow(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5])) for r in rows
        ]

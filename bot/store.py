"""The only module that speaks SQL: reports, tickets, decisions and quarantine in SQLite (WAL).

Every write that belongs together happens in one transaction. A report is stored once per
source key (Message-ID, Slack event id, call id, or a hash of its content), so delivering
the same report twice is harmless. Times are stored as UTC ISO 8601 text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import StoreError
from bot.models import Decision, Report

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
class Recorded:
    """Result of recording a report: its ticket, and whether this call created it."""

    ticket_id: int
    created: bool


class Store:
    """A SQLite database file (or ':memory:'), migrated to SCHEMA_VERSION on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
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
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

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
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- reports and tickets ----------------------------------------------------------------
    def record(self, report: Report, decision: Decision, now: datetime) -> Recorded:
        """Store a new report, its ticket and its first decision, once per source key."""
        key = source_key(report)
        stamp = _ts(now)
        with self._transaction() as db:
            row = db.execute(
                "SELECT t.id FROM reports r JOIN tickets t ON t.report_id = r.id "
                "WHERE r.source_key = ?",
                (key,),
            ).fetchone()
            if row is not None:
                return Recorded(int(row[0]), created=False)
            report_id = db.execute(
                "INSERT INTO reports (source_key, channel, received_at, sender, subject, body, "
                "payload, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    report.channel.value,
                    _ts(report.received_at),
                    report.sender,
                    report.subject,
                    report.body,
                    report.model_dump_json(),
                    stamp,
                ),
            ).lastrowid
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
            kind = "provisional" if decision.provisional else "confirmed"
            self._add_decision(db, ticket_id, decision, kind, "triage", now, None)
        return Recorded(ticket_id, created=True)

    def add_decision(
        self,
        ticket_id: int,
        decision: Decision,
        kind: str,
        by: str,
        now: datetime,
        reason: str | None = None,
    ) -> int:
        """Record a later decision (a confirmed or changed priority, 4.G) and make it current."""
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
                raise StoreError(f"there is no ticket #{ticket_id}")
            return self._add_decision(db, ticket_id, decision, kind, by, now, reason)

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
        row = self._db.execute(
            "SELECT r.payload FROM tickets t JOIN reports r ON r.id = t.report_id WHERE t.id = ?",
            (ticket_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"there is no ticket #{ticket_id}")
        return Report.model_validate_json(row[0])

    def decisions(self, ticket_id: int) -> list[dict[str, object]]:
        """A ticket's decision history, oldest first."""
        cursor = self._db.execute(
            "SELECT * FROM decisions WHERE ticket_id = ? ORDER BY id", (ticket_id,)
        )
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
        rows = self._db.execute(sql + " ORDER BY t.received_at, t.id").fetchall()
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

    def count(self, table: str) -> int:
        """Number of rows in one of the store's tables."""
        if table not in {"reports", "tickets", "decisions", "quarantine"}:
            raise StoreError(f"no table {table!r}")
        return int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

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
        rows = self._db.execute(
            "SELECT id, source, source_key, reason, length(raw), stored_at FROM quarantine "
            "ORDER BY id"
        ).fetchall()
        return [
            QuarantineRow(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5])) for r in rows
        ]

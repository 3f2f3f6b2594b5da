"""What keeps the service running rather than describing tickets: outage windows,
quarantine, IMAP progress per mailbox, where each ticket's Slack post lives, table counts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.errors import StoreError
from bot.reports.availability import Outage
from bot.store.db import Database, iso, moment
from bot.store.rows import QuarantineRow
from bot.store.writes import add_event, map_message_id

# The tables `count` answers for (the name is put into the SQL, so only these).
_COUNTED = frozenset({"reports", "tickets", "decisions", "quarantine"})


class Operations(Database):
    """Outages, quarantine, mailbox state, Slack post ids and counts (a mixin of Store)."""

    # -- outages ----------------------------------------------------------------------------
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
                'INSERT INTO outages (start, "end", scope, kind, reason, ticket_id, created_by, '
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (iso(start), iso(end), scope, kind, reason, ticket_id, by, iso(now)),
            ).fetchone()[0]
            if ticket_id is not None:
                add_event(
                    db, ticket_id, "outage", now, by, {"outage": outage_id, "start": iso(start)}
                )
            return int(outage_id)

    def end_outage(self, outage_id: int, end: datetime, by: str | None = None) -> Outage:
        """Close an open outage window; StoreError when it is unknown or already closed."""
        with self._transaction() as db:
            row = db.execute(
                'SELECT start, "end" FROM outages WHERE id = ?', (outage_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"storingsvenster #{outage_id} bestaat niet")
            if row["end"] is not None:
                raise StoreError(f"storingsvenster #{outage_id} is al beëindigd ({row['end']})")
            if end < datetime.fromisoformat(row["start"]):
                raise StoreError(
                    f"storingsvenster #{outage_id} kan niet eindigen voor het begon "
                    f"({row['start']})"
                )
            db.execute(
                'UPDATE outages SET "end" = ?, ended_by = ? WHERE id = ?',
                (iso(end), by, outage_id),
            )
        return self.outages_between(None, None, only=outage_id)[0]

    def open_outages(self) -> list[Outage]:
        """Outage windows that have not ended."""
        return [o for o in self.outages_between(None, None) if o.end is None]

    def outages_between(
        self, start: datetime | None, end: datetime | None, only: int | None = None
    ) -> list[Outage]:
        """Outage windows overlapping [start, end) (all when None), by start time."""
        sql = (
            'SELECT o.id, o.start, o."end", o.scope, o.kind, o.reason, o.ticket_id, '
            "t.organisation FROM outages o LEFT JOIN tickets t ON t.id = o.ticket_id WHERE 1 = 1"
        )
        args: list[object] = []
        if end is not None:
            sql += " AND o.start < ?"
            args.append(iso(end))
        if start is not None:
            sql += ' AND (o."end" IS NULL OR o."end" > ?)'
            args.append(iso(start))
        if only is not None:
            sql += " AND o.id = ?"
            args.append(only)
        return [
            Outage(
                id=r["id"],
                start=datetime.fromisoformat(r["start"]),
                end=moment(r["end"]),
                scope=r["scope"],
                kind=r["kind"],
                reason=r["reason"],
                ticket_id=r["ticket_id"],
                ticket_organisation=r["organisation"],
            )
            for r in self._rows(sql + " ORDER BY o.start, o.id", args)
        ]

    # -- quarantine -------------------------------------------------------------------------
    def quarantine(
        self, source: str, reason: str, raw: bytes, now: datetime, key: str | None = None
    ) -> bool:
        """Keep what could not be turned into a report, with the reason; once per key."""
        key = key or "sha256:" + hashlib.sha256(source.encode() + b"\0" + raw).hexdigest()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO quarantine (source, source_key, reason, raw, stored_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_key) DO NOTHING",
                (source, key, reason, raw, iso(now)),
            )
            return cursor.rowcount == 1

    def quarantined(self) -> list[QuarantineRow]:
        """Everything in quarantine, oldest first."""
        rows = self._rows(
            "SELECT id, source, source_key, reason, length(raw) AS size, stored_at "
            "FROM quarantine ORDER BY id"
        )
        return [
            QuarantineRow(
                id=r["id"],
                source=r["source"],
                source_key=r["source_key"],
                reason=r["reason"],
                size=r["size"],
                stored_at=datetime.fromisoformat(r["stored_at"]),
            )
            for r in rows
        ]

    # -- mailbox progress -------------------------------------------------------------------
    def mailbox_state(self, mailbox: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID processed) of a mailbox, or None if never seen."""
        row = self._row(
            "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?", (mailbox,)
        )
        return (int(row["uidvalidity"]), int(row["last_uid"])) if row else None

    def set_mailbox_state(
        self, mailbox: str, uidvalidity: int, last_uid: int, now: datetime
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(mailbox) DO UPDATE SET "
                "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, "
                "updated_at = excluded.updated_at",
                (mailbox, uidvalidity, last_uid, iso(now)),
            )

    # -- Slack posts ------------------------------------------------------------------------
    def slack_post(self, ticket_id: int) -> tuple[str, str] | None:
        """(channel, ts) of a ticket's triage post, once it was posted."""
        row = self._row("SELECT channel, ts FROM slack_posts WHERE ticket_id = ?", (ticket_id,))
        return (row["channel"], row["ts"]) if row else None

    def set_slack_post(self, ticket_id: int, channel: str, ts: str, now: datetime) -> None:
        """Remember where a ticket's post lives; its ts also threads Slack replies onto it."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO slack_posts (ticket_id, channel, ts, posted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (ticket_id) DO UPDATE SET channel = excluded.channel, "
                "ts = excluded.ts, posted_at = excluded.posted_at",
                (ticket_id, channel, ts, iso(now)),
            )
            map_message_id(db, f"slack:{channel}:{ts}", ticket_id)

    # -- counts -----------------------------------------------------------------------------
    def count(self, table: str) -> int:
        """Number of rows in one of the store's tables."""
        if table not in _COUNTED:
            raise StoreError(f"no table {table!r}")
        row = self._row(f"SELECT COUNT(*) AS n FROM {table}")
        assert row is not None  # an aggregate always answers one row
        return int(row["n"])

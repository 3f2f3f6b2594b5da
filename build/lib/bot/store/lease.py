"""The store's lease: which one `triage run` may work this store (its mailbox, outbox, planner).

One row per lease name. The holder renews it every few seconds; it expires `ttl` after the
last renewal, so a holder that crashed or hangs gives it up without anyone cleaning up, and
a standby takes it over then. Taking and renewing happen inside BEGIN IMMEDIATE, so two
processes can never both believe they hold it: SQLite serialises the two transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.db import Database, iso, moment


@dataclass(frozen=True)
class LeaseInfo:
    """Who holds a lease: a unique holder id, the host and process, since and until when."""

    holder: str
    host: str
    pid: int
    since: datetime
    expires_at: datetime


class Leases(Database):
    """The leases table (a mixin of Store)."""

    def take_lease(
        self,
        name: str,
        holder: str,
        host: str,
        pid: int,
        now: datetime,
        ttl: timedelta,
        dead: str | None = None,
    ) -> LeaseInfo | None:
        """Take (or renew) the lease when it is free, expired or ours: None. Otherwise the
        current holder, untouched. `dead` names a holder known to have died (its process
        is gone): its lease is taken at once instead of at its expiry."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT holder, host, pid, since, expires_at FROM leases WHERE name = ?",
                (name,),
            ).fetchone()
            if row is not None and row["holder"] not in (holder, dead):
                expires = moment(row["expires_at"])
                assert expires is not None
                if expires > now:
                    since = moment(row["since"])
                    assert since is not None
                    return LeaseInfo(row["holder"], row["host"], int(row["pid"]), since, expires)
            since = now if row is None or row["holder"] != holder else moment(row["since"])
            db.execute(
                "INSERT INTO leases (name, holder, host, pid, since, renewed_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "holder = excluded.holder, host = excluded.host, pid = excluded.pid, "
                "since = excluded.since, renewed_at = excluded.renewed_at, "
                "expires_at = excluded.expires_at",
                (name, holder, host, pid, iso(since), iso(now), iso(now + ttl)),
            )
        return None

    def renew_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Extend our lease; False when it is no longer ours (it expired and was taken)."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE leases SET renewed_at = ?, expires_at = ? WHERE name = ? AND holder = ?",
                (iso(now), iso(now + ttl), name, holder),
            )
            return cursor.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up (a clean stop): a standby may take it at once."""
        with self._transaction() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

    def lease(self, name: str) -> LeaseInfo | None:
        """The current holder of a lease, expired or not; None when nobody holds it."""
        row = self._row(
            "SELECT holder, host, pid, since, expires_at FROM leases WHERE name = ?", (name,)
        )
        if row is None:
            return None
        since, expires = moment(row["since"]), moment(row["expires_at"])
        assert since is not None and expires is not None
        return LeaseInfo(row["holder"], row["host"], int(row["pid"]), since, expires)

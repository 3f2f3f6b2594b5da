"""The connection under the store: opening and pragmas, the lock, transactions, migrations.

One SQLite connection (WAL) is shared by the service's threads; every statement and every
transaction holds one lock, so one thread's BEGIN never swallows another thread's writes.
Rows come back as `sqlite3.Row`, read by column name. Times are stored as UTC ISO 8601 text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import StoreError, StoreUnavailable
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION

# SQLite's primary result codes for a store that cannot work just now (not a bug):
# BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_UNAVAILABLE = frozenset({5, 6, 7, 8, 10, 13, 14, 15})


def iso(value: datetime | None) -> str | None:
    """A moment as the store keeps it: UTC ISO 8601 text (None stays None)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def moment(value: str | None) -> datetime | None:
    """A stored moment back as a datetime (None or empty: None)."""
    return datetime.fromisoformat(value) if value else None


class Database:
    """A SQLite database file (or ':memory:'), migrated to SCHEMA_VERSION on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._batching = False  # inside batch(): transactions are savepoints (see batch)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            # WAL with synchronous=NORMAL: a commit survives a process crash (what we guard
            # against); only a power loss can drop the last commits.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"kan de database {self.path} niet openen: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE under the lock; COMMIT on exit, ROLLBACK when the block raises.

        A write the database cannot take (disk full, I/O error, locked past the busy
        timeout) raises StoreUnavailable, and the connection is left outside any
        transaction, so the next attempt starts clean once the disk has room again.
        Inside `batch()` the block is a savepoint instead: undone alone when it raises,
        committed with the batch."""
        with self._lock:
            if self._batching:
                with self._savepoint() as db:
                    yield db
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._unavailable("een schrijfactie beginnen", exc) from exc
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise self._unavailable("schrijven", exc) from exc
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    self._rollback()
                    raise self._unavailable("vastleggen", exc) from exc

    def _rollback(self) -> None:
        """End a failed transaction; after a failed COMMIT SQLite may already have."""
        if self._db.in_transaction:
            # Nothing more to undo if it fails; the next BEGIN tells whether the file works.
            with suppress(sqlite3.OperationalError):
                self._db.execute("ROLLBACK")

    def _unavailable(self, what: str, exc: sqlite3.OperationalError) -> Exception:
        """StoreUnavailable for a store that cannot work now; a bug (bad SQL) stays itself."""
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF not in _UNAVAILABLE:
            return exc
        return StoreUnavailable(f"de database {self.path}: {what} lukt niet: {exc}")

    @contextmanager
    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("SAVEPOINT unit")
        try:
            yield self._db
        except BaseException:
            # Some errors (a full disk) end the whole transaction: then there is no savepoint
            # left to go back to, and the batch fails as a whole.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK TO unit")
                self._db.execute("RELEASE unit")
            raise
        else:
            self._db.execute("RELEASE unit")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many units of work in one commit, for bulk imports (a call log of 100k rows).

        Each write inside keeps its own all-or-nothing (a savepoint), but the batch commits
        once when the block ends, and nothing of it when the block raises; the caller must
        be able to do the whole batch again (an import skips what is already stored). Other
        threads wait for the store until the batch ends, so keep batches small."""
        with self._lock:
            if self._batching:  # already in one: this block is part of it
                yield
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._unavailable("een schrijfactie beginnen", exc) from exc
            self._batching = True
            try:
                yield
                self._batching = False
                self._db.execute("COMMIT")
            except BaseException as exc:
                self._batching = False
                self._rollback()  # also when COMMIT itself failed
                if isinstance(exc, sqlite3.OperationalError):
                    raise self._unavailable("schrijven", exc) from exc
                raise

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        """A read outside a transaction, under the lock, fully fetched (the cursor is not
        shared outside the lock)."""
        with self._lock:
            try:
                return self._db.execute(sql, tuple(args)).fetchall()
            except sqlite3.OperationalError as exc:
                raise self._unavailable("lezen", exc) from exc

    def _row(self, sql: str, args: Sequence[object] = ()) -> sqlite3.Row | None:
        """The first row of a read outside a transaction, or None."""
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    def _migrate(self) -> None:
        version = self._user_version()
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

    def _user_version(self) -> int:
        row = self._row("PRAGMA user_version")
        assert row is not None  # the pragma always answers
        return int(row["user_version"])

    @property
    def schema_version(self) -> int:
        return self._user_version()

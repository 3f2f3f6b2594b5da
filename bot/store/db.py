"""The connection under the store: opening, the lock, transactions, the schema check.

One connection (SQLite in WAL, or PostgreSQL; see backend.py) is shared by the service's
threads; every statement and every transaction holds one lock, so one thread's BEGIN never
swallows another thread's writes. Rows are read by column name. Times are stored as UTC
ISO 8601 text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import StoreError, StoreUnavailable
from bot.store.backend import Backend, Conn, StoreTarget, store_target
from bot.store.migrate import check, revision, upgrade
from bot.store.sqlite import SqliteBackend


def iso(value: datetime | None) -> str | None:
    """A moment as the store keeps it: UTC ISO 8601 text (None stays None)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def marks(values: Sequence[object]) -> str:
    """Placeholders for `IN (...)`: one `?` per value, or NULL for none (matches nothing;
    PostgreSQL refuses an empty `IN ()`, which SQLite takes)."""
    return ", ".join("?" * len(values)) or "NULL"


def moment(value: str | None) -> datetime | None:
    """A stored moment back as a datetime (None or empty: None)."""
    return datetime.fromisoformat(value) if value else None


class Database:
    """A store's database: a SQLite file (or ':memory:') or a PostgreSQL URL.

    Opening brings the schema up to this triage's (`migrate=False`: only checks it) and
    refuses a store written by a newer triage. `password` is PostgreSQL's (never in the URL).
    """

    def __init__(
        self, where: Path | str | StoreTarget, password: str | None = None, migrate: bool = True
    ) -> None:
        self.target = store_target(where, password)
        self.path = self.target.label  # how messages name the store
        self._lock = threading.RLock()
        self._batching = False  # inside batch(): transactions are savepoints (see batch)
        self._backend: Backend
        try:
            if self.target.postgres:
                from bot.store.postgres import PostgresBackend  # psycopg only when needed

                self._backend = PostgresBackend(self.target)
            else:
                self._backend = SqliteBackend(self.target.sqlite_path)
        except sqlite3.Error as exc:
            raise StoreError(f"kan de database {self.path} niet openen: {exc}") from exc
        try:
            if migrate:
                upgrade(self._backend)
            else:
                check(self._backend)
        except BaseException as exc:
            self._backend.close()  # refused (newer schema) or broken: close what was opened
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"kan de database {self.path} niet openen: {exc}") from exc
            raise

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self._backend.dialect

    def close(self) -> None:
        self._backend.close()

    @contextmanager
    def _transaction(self, claims: bool = False) -> Iterator[Conn]:
        """A write transaction under the lock; COMMIT on exit, ROLLBACK when the block raises.

        It waits for other processes' writers (SQLite's BEGIN IMMEDIATE, PostgreSQL's
        advisory lock) and keeps them out until it ends. A write the database cannot take
        (disk full, I/O error, locked past the timeout, connection lost) raises
        StoreUnavailable, and the connection is left outside any transaction, so the next
        attempt starts clean once the database works again. Inside `batch()` the block is a
        savepoint instead: undone alone when it raises, committed with the batch.
        `claims`: the transaction only claims outbox rows (row locks keep claimers apart)."""
        with self._lock:
            if self._batching:
                with self._savepoint() as db:
                    yield db
                return
            backend = self._backend
            errors = backend.errors()
            try:
                backend.begin(claims)
            except errors as exc:
                backend.rollback()
                raise self._unavailable("een schrijfactie beginnen", exc) from exc
            try:
                yield backend.conn()
            except errors as exc:
                backend.rollback()
                raise self._unavailable("schrijven", exc) from exc
            except BaseException:
                backend.rollback()
                raise
            else:
                try:
                    backend.commit()
                except errors as exc:
                    backend.rollback()
                    raise self._unavailable("vastleggen", exc) from exc

    def _unavailable(self, what: str, exc: Exception) -> Exception:
        """StoreUnavailable for a store that cannot work now; a bug (bad SQL) stays itself."""
        if not self._backend.unavailable(exc):
            return exc
        return StoreUnavailable(f"de database {self.path}: {what} lukt niet: {exc}")

    @contextmanager
    def _savepoint(self) -> Iterator[Conn]:
        db = self._backend.conn()
        db.execute("SAVEPOINT unit")
        try:
            yield db
        except BaseException:
            # Some errors (a full disk, a lost connection) end the whole transaction: then
            # there is no savepoint left to go back to, and the batch fails as a whole.
            if self._backend.in_transaction():
                db.execute("ROLLBACK TO unit")
                db.execute("RELEASE unit")
            raise
        else:
            db.execute("RELEASE unit")

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
            backend = self._backend
            errors = backend.errors()
            try:
                backend.begin()
            except errors as exc:
                backend.rollback()
                raise self._unavailable("een schrijfactie beginnen", exc) from exc
            self._batching = True
            try:
                yield
                self._batching = False
                backend.commit()
            except BaseException as exc:
                self._batching = False
                backend.rollback()  # also when COMMIT itself failed
                if isinstance(exc, errors):
                    raise self._unavailable("schrijven", exc) from exc
                raise

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[Any]:
        """A read outside a transaction, under the lock, fully fetched (the cursor is not
        shared outside the lock)."""
        with self._lock:
            errors = self._backend.errors()
            try:
                rows: list[Any] = self._backend.conn().execute(sql, tuple(args)).fetchall()
                return rows
            except errors as exc:
                raise self._unavailable("lezen", exc) from exc

    def _row(self, sql: str, args: Sequence[object] = ()) -> Any:
        """The first row of a read outside a transaction, or None."""
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    def _json_text(self, column: str, key: str) -> str:
        """SQL for one top-level field of a JSON text column, as text."""
        return self._backend.json_text(column, key)

    @property
    def schema_version(self) -> str | None:
        """The store's schema revision (Alembic's), None before the first upgrade."""
        with self._lock:
            return revision(self._backend)

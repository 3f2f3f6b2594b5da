"""SQLite under the store: the embedded default (`make demo`, small installations).

One connection in WAL mode, shared by the service's threads under the store's lock. A write
transaction is BEGIN IMMEDIATE: it waits up to the busy timeout for another process's writer
and then keeps every other writer out until COMMIT, so a read-then-write inside it is safe.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from pathlib import Path

from bot.store.backend import Conn

# SQLite's primary result codes for a store that cannot work just now (not a bug):
# BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_UNAVAILABLE = frozenset({5, 6, 7, 8, 10, 13, 14, 15})


class SqliteBackend:
    """A SQLite file (or ':memory:')."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self.label = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=5000")
        # WAL with synchronous=NORMAL: a commit survives a process crash (what we guard
        # against); only a power loss can drop the last commits.
        self._db.execute("PRAGMA synchronous=NORMAL")

    def conn(self) -> Conn:
        return self._db

    def begin(self, claims: bool = False) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        # After a failed COMMIT SQLite may already have ended the transaction; and there is
        # nothing more to undo if ROLLBACK fails: the next BEGIN tells whether the file works.
        if self._db.in_transaction:
            with suppress(sqlite3.OperationalError):
                self._db.execute("ROLLBACK")

    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.OperationalError,)

    def unavailable(self, exc: Exception) -> bool:
        code = getattr(exc, "sqlite_errorcode", None)
        return code is None or code & 0xFF in _UNAVAILABLE

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def close(self) -> None:
        self._db.close()

    # -- schema ---------------------------------------------------------------------------
    def user_version(self) -> int:
        """The legacy schema version (PRAGMA user_version) of a store made before Alembic."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def has_table(self, name: str) -> bool:
        return (
            self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
            is not None
        )

    def sqlalchemy_url(self) -> str:
        return f"sqlite:///{self.path}"

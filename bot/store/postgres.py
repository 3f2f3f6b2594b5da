"""PostgreSQL under the store (psycopg 3): for two replicas on two machines, one active.

The store's SQL is written once with `?` placeholders; here it is translated (`?` to `%s`,
a literal `%` doubled) once per distinct statement. Booleans are stored as 0/1 like SQLite
does, so values read back the same from both databases.

A write transaction starts with BEGIN and a transaction-level advisory lock that every
writer takes: writers queue up exactly as SQLite's BEGIN IMMEDIATE makes them, so a
read-then-write (taking the lease, a team member's change) never races another process.
The wait is bounded by `lock_timeout`, and a timeout is StoreUnavailable, like SQLite's
busy timeout. Claiming outbox rows is the exception: it takes no advisory lock, and row
locks (`FOR UPDATE SKIP LOCKED`) keep two claimers from ever taking the same row.

A connection that was lost (the server restarted, the network was cut) is opened again on
the next use; until that works every call raises StoreUnavailable. TCP keepalives and a TCP
user timeout make a silently cut network show up within seconds instead of hanging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from bot.errors import StoreUnavailable
from bot.store.backend import Conn, StoreTarget

# pg_advisory_xact_lock key every writing transaction takes ("triage" in ASCII), and the
# session lock `triage db upgrade` holds while it changes the schema.
WRITE_LOCK = 0x747269616765
MIGRATE_LOCK = WRITE_LOCK + 1


class PgRow(tuple[Any, ...]):
    """A row read by column name or position, like sqlite3.Row; `dict(row)` works too."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> PgRow:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], PgRow]:
    names = [c.name for c in cursor.description or ()]
    index = {name: i for i, name in enumerate(names)}
    return lambda values: PgRow(values, index)


_translated: dict[str, str] = {}


def translate(sql: str) -> str:
    """The store's SQL in psycopg's placeholder style (cached per statement)."""
    out = _translated.get(sql)
    if out is None:
        out = sql.replace("%", "%%").replace("?", "%s")
        if len(_translated) < 4096:  # statements built with IN (?, ?, ...) vary in length
            _translated[sql] = out
    return out


class PgConn:
    """psycopg's connection with the store's SQL dialect (what a transaction writes through)."""

    def __init__(self, conn: psycopg.Connection[PgRow]) -> None:
        self.raw = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[PgRow]:
        args = tuple(int(a) if isinstance(a, bool) else a for a in parameters)
        return self.raw.execute(translate(sql), args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(
                translate(sql),
                [tuple(int(a) if isinstance(a, bool) else a for a in r) for r in rows],
            )


class PostgresBackend:
    """A PostgreSQL database named by a `postgresql://user@host:port/db` URL."""

    dialect = "postgresql"

    def __init__(self, target: StoreTarget) -> None:
        self.target = target
        self.label = target.label
        self._conn: PgConn | None = None
        self.conn()  # fail now, clearly, when the server cannot be reached

    def _connect(self) -> PgConn:
        password = self.target.password.get_secret_value() if self.target.password else None
        extra: dict[str, Any] = {"password": password} if password else {}
        try:
            raw = psycopg.connect(
                self.target.url,
                autocommit=True,  # transactions are explicit BEGIN/COMMIT, as with SQLite
                row_factory=_row_factory,
                connect_timeout=5,
                application_name="triage",
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=3,
                tcp_user_timeout=10_000,
                **extra,
            )
            raw.execute("SET lock_timeout = '5s'")
            raw.execute("SET TIME ZONE 'UTC'")
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(
                f"de database {self.label} is niet bereikbaar: {_first_line(exc)}"
            ) from exc
        return PgConn(raw)

    def conn(self) -> Conn:
        if self._conn is None or self._conn.raw.closed or self._conn.raw.broken:
            if self._conn is not None:
                with suppress(psycopg.Error):
                    self._conn.raw.close()
            self._conn = None
            self._conn = self._connect()
        return self._conn

    def begin(self, claims: bool = False) -> None:
        conn = self.conn()
        conn.execute("BEGIN")
        if not claims:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))

    def commit(self) -> None:
        self.conn().execute("COMMIT")

    def rollback(self) -> None:
        if self._conn is None or self._conn.raw.broken or self._conn.raw.closed:
            return  # a lost connection took its transaction with it
        if self.in_transaction():
            with suppress(psycopg.Error):
                self._conn.raw.execute("ROLLBACK")

    def in_transaction(self) -> bool:
        if self._conn is None or self._conn.raw.closed:
            return False
        status = self._conn.raw.info.transaction_status
        return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def errors(self) -> tuple[type[Exception], ...]:
        return (psycopg.OperationalError,)

    def unavailable(self, exc: Exception) -> bool:
        # Class 08 (connection), 53 (disk full, out of memory), 55P03 (lock timeout),
        # 57 (server shutting down, statement cancelled), 40 (serialisation): all are
        # OperationalError in psycopg and all pass; bad SQL is a ProgrammingError.
        return isinstance(exc, psycopg.OperationalError)

    def json_text(self, column: str, key: str) -> str:
        return f"({column}::json ->> '{key}')"

    def close(self) -> None:
        if self._conn is not None:
            with suppress(psycopg.Error):
                self._conn.raw.close()
            self._conn = None

    # -- schema ---------------------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        row = self.conn().execute("SELECT to_regclass(?) AS t", (name,)).fetchone()
        return row is not None and row["t"] is not None

    def sqlalchemy_url(self) -> str:
        return "postgresql+psycopg://" + self.target.url.split("://", 1)[1]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

"""Which database a store lives in, and the little the rest of the store needs to know of it.

The store writes one SQL for both databases (SQLite for the embedded default, PostgreSQL for
two replicas on two machines): `?` placeholders, `INSERT ... ON CONFLICT`, `RETURNING id`,
times as UTC ISO text. What differs lives behind `Backend` (sqlite.py, postgres.py): how a
write transaction starts and waits for other writers, which errors mean "the database cannot
work now" (StoreUnavailable) rather than a bug, reading a JSON field, and the schema steps.

`StoreTarget` names the database: a file path or `sqlite:///path` keeps SQLite, a
`postgresql://user@host:port/db` URL selects PostgreSQL. The password never travels in the
URL we show or log: it comes separately (from the environment, read by app/).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from bot.errors import StoreError


class Row(Protocol):
    """A result row, read by column name (or position); `dict(row)` gives all columns."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    """What a statement gives back: its rows and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Conn(Protocol):
    """The connection a transaction writes through (sqlite3's own, or PostgreSQL's wrapper)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


class StoreTarget(BaseModel):
    """Where the store is: `url` is a SQLite path or a PostgreSQL URL without a password."""

    model_config = ConfigDict(frozen=True)

    url: str
    password: SecretStr | None = None

    @property
    def postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> str:
        """The SQLite file (or ':memory:') this target names."""
        if self.postgres:
            raise StoreError(f"{self.label} is geen SQLite-bestand")
        return (
            self.url.removeprefix("sqlite:///") if self.url.startswith("sqlite:///") else self.url
        )

    @property
    def label(self) -> str:
        """The target as it may be shown and logged: a password in the URL is masked."""
        if not self.postgres:
            return self.sqlite_path
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def store_target(where: Path | str | StoreTarget, password: str | None = None) -> StoreTarget:
    """A StoreTarget from a path, a URL or a target (the password kept apart)."""
    if isinstance(where, StoreTarget):
        return where
    url = str(where)
    if url.startswith(("postgresql://", "postgres://")):
        return StoreTarget(url=url, password=SecretStr(password) if password else None)
    if "://" in url and not url.startswith("sqlite:///"):
        raise StoreError(
            f"onbekend soort database: {url.split('://')[0]}:// (gebruik een bestandspad, "
            "sqlite:///pad of postgresql://gebruiker@host/database)"
        )
    return StoreTarget(url=url)


class Backend(Protocol):
    """One database connection and how to work with it (SQLite or PostgreSQL)."""

    dialect: str
    label: str

    def conn(self) -> Conn:
        """The connection (opened again first when the last one was lost)."""
        ...

    def begin(self, claims: bool = False) -> None:
        """Start a write transaction that waits for (and then keeps out) other writers.
        `claims`: the transaction only claims outbox rows, which row locks keep apart."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None:
        """End a failed transaction; a lost connection has nothing left to undo."""
        ...

    def in_transaction(self) -> bool: ...

    def errors(self) -> tuple[type[Exception], ...]:
        """The driver's errors a statement may raise that are not the caller's bug."""
        ...

    def unavailable(self, exc: Exception) -> bool:
        """True when `exc` means the database cannot work just now (not bad SQL)."""
        ...

    def json_text(self, column: str, key: str) -> str:
        """SQL for one top-level field of a JSON text column, as text."""
        ...

    def close(self) -> None: ...

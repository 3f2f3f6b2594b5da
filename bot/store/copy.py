"""Moving an installation: every row of one store into another, empty one (`triage db copy`).

The target (PostgreSQL, usually) must be at the same schema revision and hold no rows yet.
Everything is written in one transaction, in an order that respects the references, with
the rows' own ids; then the counts per table are compared inside that transaction, so a
copy that lost a row commits nothing. On PostgreSQL the id sequences are moved past the
copied ids, so the next ticket gets the next number, and the tables are analysed, so the
first report does not run on a planner that knows nothing of them.

The lease is not copied: it names the process that ran the old store, and the new store's
first `triage run` takes a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.errors import StoreError
from bot.store.db import Database

# Referenced tables first. reports.ticket_id points forward at tickets: SQLite checks
# foreign keys only when asked to, and PostgreSQL's is checked at COMMIT (deferred).
TABLES = (
    "reports",
    "tickets",
    "decisions",
    "quarantine",
    "outbox",
    "mailbox_state",
    "message_ids",
    "ticket_events",
    "slack_posts",
    "outages",
)
# Tables keyed by an integer id are read in pages by id; the others are small.
_BY_ID = frozenset(
    {"reports", "tickets", "decisions", "quarantine", "outbox", "ticket_events", "outages"}
)
PAGE = 2000


@dataclass(frozen=True)
class TableCount:
    """One table's rows in the source and, after the copy, in the target."""

    table: str
    source: int
    target: int


class Copies(Database):
    """Copying a whole store into this one (a mixin of Store)."""

    def copy_from(
        self, source: Copies, progress: Callable[[str, int], None] | None = None
    ) -> list[TableCount]:
        """Copy every table of `source` into this empty store; the counts per table.

        StoreError when this store already holds rows, when the two schemas differ, or
        when a count does not match after the copy (then nothing was written)."""
        if source.schema_version != self.schema_version:
            raise StoreError(
                f"de schema's verschillen ({source.path}: {source.schema_version}, "
                f"{self.path}: {self.schema_version}): voer eerst `triage db upgrade` uit op beide"
            )
        taken = [t for t in TABLES if self._count(t) > 0]
        if taken:
            raise StoreError(
                f"{self.path} is niet leeg (rijen in {', '.join(taken)}): kopieer alleen naar "
                "een nieuwe, lege database"
            )
        counts: list[TableCount] = []
        with self._transaction() as db:
            if self.dialect == "sqlite":  # reports.ticket_id points forward: check at COMMIT
                db.execute("PRAGMA defer_foreign_keys = ON")
            for table in TABLES:
                copied = 0
                for rows in _pages(source, table):
                    columns = list(rows[0].keys())
                    names = ", ".join(f'"{c}"' for c in columns)
                    marks = ", ".join("?" * len(columns))
                    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
                    db.executemany(sql, [tuple(row[c] for c in columns) for row in rows])
                    copied += len(rows)
                    if progress is not None:
                        progress(table, len(rows))
                target = int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                counts.append(TableCount(table, source._count(table), target))
                if table in _BY_ID and self.dialect == "postgresql":
                    db.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
                    )
            wrong = [c for c in counts if c.source != c.target]
            if wrong:
                raise StoreError(
                    "de kopie klopt niet, er is niets geschreven: "
                    + ", ".join(f"{c.table} {c.source} → {c.target}" for c in wrong)
                )
        if self.dialect == "postgresql":
            # Fresh tables have no planner statistics until autovacuum comes by; without them
            # the first SLA report over 50,000 copied tickets took minutes (bench/store_backends).
            with self._lock:
                self._backend.conn().execute("ANALYZE")
        return counts

    def _count(self, table: str) -> int:
        row = self._row(f"SELECT COUNT(*) AS n FROM {table}")
        return int(row["n"])


def _pages(source: Database, table: str) -> Iterator[list[Any]]:
    """The source table's rows, a page at a time (by id where it has one)."""
    if table not in _BY_ID:
        rows = source._rows(f"SELECT * FROM {table}")
        if rows:
            yield rows
        return
    last = -1
    while True:
        rows = source._rows(f"SELECT * FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (last, PAGE))
        if not rows:
            return
        yield rows
        last = int(rows[-1]["id"])

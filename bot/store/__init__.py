"""The only package that speaks SQL: reports, tickets, decisions, outbox and operations data
in SQLite (WAL; the embedded default) or PostgreSQL (two replicas, one active).

Every write that belongs together happens in one transaction (`with store.transaction() as
tx:` for a caller's own unit of work). A report is stored once per source key, so delivering
the same report twice is harmless. Modules: `db` (connection, lock, transactions),
`backend`, `sqlite`, `postgres` (the two databases), `migrate` and `migrations` (the schema's
Alembic revisions), `schema` (the hand-written steps from before Alembic), `writes`
(statements shared inside a transaction), `transaction` (the unit of work), `tickets`,
`views`, `outbox`, `operations`, `lease`, `replays`, `corrections`, `copy` (one mixin each),
`rows` (records handed out), `store` (the `Store` they make up).
"""

from bot.store.backend import StoreTarget
from bot.store.copy import TableCount
from bot.store.lease import LeaseInfo
from bot.store.migrations import HEAD
from bot.store.outbox import OutboxGauges
from bot.store.replays import ReplayRow
from bot.store.rows import OutboxItem, OutboxRow, QuarantineRow, Recorded, TicketRow
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION
from bot.store.store import Store
from bot.store.tickets import StaleTicket
from bot.store.transaction import Transaction
from bot.store.writes import source_key

__all__ = [
    "HEAD",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "LeaseInfo",
    "OutboxGauges",
    "OutboxItem",
    "OutboxRow",
    "QuarantineRow",
    "Recorded",
    "ReplayRow",
    "StaleTicket",
    "Store",
    "StoreTarget",
    "TableCount",
    "TicketRow",
    "Transaction",
    "source_key",
]

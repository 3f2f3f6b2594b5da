"""`Store`: the one object callers hold, composed of one mixin per concern over one connection."""

from __future__ import annotations

from bot.store.copy import Copies
from bot.store.corrections import Corrections
from bot.store.lease import Leases
from bot.store.operations import Operations
from bot.store.outbox import OutboxRows
from bot.store.replays import Replays
from bot.store.tickets import Tickets
from bot.store.views import TicketViews


class Store(Tickets, TicketViews, OutboxRows, Operations, Leases, Corrections, Replays, Copies):
    """The store: a SQLite file (or ':memory:') or a PostgreSQL database, its schema
    brought up to date on open (see bot/store/migrate.py).

    Every write that belongs together happens in one transaction: the methods below each
    open their own, and `transaction()` gives a caller one to write several things through.
    """

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Delivery of outgoing messages from the outbox: retried with backoff, marked sent once.

A message is marked sent right after the transport accepted it. If the process dies between
the two, the message goes out again after the restart: the transports send it with the same
Message-ID (email) so the recipient's client shows it once. That window is the only one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.errors import ConnectionLost, Deferred, RateLimited, TriageError
from bot.store import OutboxRow, Store

log = logging.getLogger("triage.outbox")

RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)


class Transport(Protocol):
    """Sends one payload; raises ConnectionLost to retry later, another TriageError to give up."""

    def send(self, payload: dict[str, Any], now: datetime) -> None: ...

    def close(self) -> None:
        """End a connection kept open during a round (called after each round)."""


@dataclass(frozen=True)
class Delivery:
    """What one round of delivery did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


class OutboxWorker:
    """Delivers due outbox messages through the transport registered for their kind."""

    def __init__(self, store: Store, transports: dict[str, Transport]) -> None:
        self.store = store
        self.transports = transports
        # Per transport: no attempts before this moment (after a failure or a 429), so the
        # rows queued behind a failed one wait with it instead of each trying on its own.
        self._resume_at: dict[str, datetime] = {}

    def deliver_due(self, now: datetime, limit: int = 100) -> Delivery:
        """Send every message that is due now (at most `limit`)."""
        sent = retried = failed = 0
        # A transport that could not deliver (a server down, a rate limit) gets no more rows
        # this round, and none before its retry time: hammering it makes a 429 storm worse.
        # Due rows go out in the order they were queued (see Store.due_outbox).
        kinds = tuple(k for k in self.transports if self._resume_at.get(k, now) <= now)
        paused: set[str] = set()
        try:
            for row in self.store.due_outbox(now, kinds, limit) if kinds else ():
                if row.kind in paused:
                    continue
                outcome = self._deliver(row, now)
                if outcome == "retried":
                    paused.add(row.kind)
                if outcome == "deferred":
                    outcome = "retried"
                sent += outcome == "sent"
                retried += outcome == "retried"
                failed += outcome == "failed"
        finally:
            for transport in self.transports.values():
                transport.close()
        return Delivery(sent, retried, failed)

    def _deliver(self, row: OutboxRow, now: datetime) -> str:
        """Send one row and record the outcome: 'sent', 'retried' or 'failed'."""
        transport = self.transports[row.kind]
        try:
            transport.send(row.payload, now)
        except Deferred as exc:
            delay = RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS) - 1)]
            self.store.mark_retry(row.id, str(exc), now + delay)
            log.info("outbox #%d (%s) waits: %s", row.id, row.dedupe_key, exc)
            return "deferred"
        except ConnectionLost as exc:
            delay = RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS) - 1)]
            if isinstance(exc, RateLimited):
                # The server said when: come back then, not on our own schedule.
                delay = timedelta(seconds=max(exc.retry_after, 1))
            self.store.mark_retry(row.id, str(exc), now + delay)
            self._resume_at[row.kind] = now + delay
            log.warning(
                "outbox #%d (%s) not delivered, retry in %s: %s", row.id, row.dedupe_key, delay, exc
            )
            return "retried"
        except TriageError as exc:
            self.store.mark_failed(row.id, str(exc))
            log.error("outbox #%d (%s) refused for good: %s", row.id, row.dedupe_key, exc)
            return "failed"
        except Exception as exc:  # a bad row must never block the rows behind it
            self.store.mark_failed(row.id, f"cannot be sent: {type(exc).__name__}: {exc}")
            log.exception("outbox #%d (%s) cannot be sent; marked failed", row.id, row.dedupe_key)
            return "failed"
        self.store.mark_sent(row.id, now)
        return "sent"

    def next_due(self) -> datetime | None:
        """When the next pending message is due, for the service's sleep."""
        times = [
            max(t, self._resume_at.get(kind, t))
            for kind in self.transports
            if (t := self.store.next_outbox_time((kind,))) is not None
        ]
        return min(times, default=None)

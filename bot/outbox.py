"""Delivery of outgoing messages from the outbox: retried with backoff, marked sent once.

Per row: claim it in the store (its next attempt moves a minute ahead), send it, mark it
sent. A store that cannot be written stops the round before anything is sent, so a full
disk never turns into a storm of copies. If marking a sent row fails, the worker remembers
it and records it on a later round without sending it again. If the process dies between
sending and marking, the claim keeps the row back for a minute and it goes out once more
after the restart, with the same Message-ID (email) so the recipient's client shows it
once: that is the only window for a second copy.

A transport whose configuration is refused (a wrong SMTP password) is paused as a whole:
no row fails for it, `paused` says why, and it is tried again every few minutes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.errors import ConnectionLost, Deferred, Paused, RateLimited, StoreError, TriageError
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
# How long a claimed row is kept back: the time a send may take before it is marked.
CLAIM = timedelta(minutes=1)
# How often a paused transport (refused configuration) is tried again.
PAUSE_RETRY = timedelta(minutes=5)
# A payload value the log line may show: an op, a kind, a language (never customer text).
_WORD = re.compile(r"[a-z_]{1,20}")


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
    # (outbox id, dedupe key, why) of each row that failed for good this round.
    failures: tuple[tuple[int, str, str], ...] = ()


def describe(row: OutboxRow) -> str:
    """One line about a row for the operator's log, without customer text.

    'outbox #7 email op=email ticket=3 language=en exempt=true',
    'outbox #9 slack op=remind kind=before deadline=reaction ticket=3'. Only the fields named
    here, and only when they are short words or numbers: never an address, subject or body.
    """
    payload = row.payload
    ticket = payload.get("ticket", row.ticket_id)
    fields = {
        # Acknowledgements were stored without an op (see bot.intents.from_payload).
        "op": payload.get("op", row.kind),
        "kind": payload.get("kind"),
        "deadline": payload.get("deadline"),
        "ticket": ticket if isinstance(ticket, int) else None,
        "language": payload.get("language"),
        "exempt": payload.get("exempt"),
    }
    parts = [f"outbox #{row.id}", row.kind]
    for key, value in fields.items():
        if isinstance(value, bool):
            parts.append(f"{key}={str(value).lower()}")
        elif isinstance(value, int) or (isinstance(value, str) and _WORD.fullmatch(value)):
            parts.append(f"{key}={value}")
    return " ".join(parts)


class OutboxWorker:
    """Delivers due outbox messages through the transport registered for their kind.

    `active` (when given) is asked before every row: a bot that lost its lease on the store
    (another instance took over) must not send another message."""

    def __init__(
        self,
        store: Store,
        transports: dict[str, Transport],
        active: Callable[[], bool] | None = None,
        holder: str = "",
    ) -> None:
        self.store = store
        self.holder = holder  # who claims rows (the lease holder); see Store.claim_outbox
        self.transports = transports
        self.active = active or (lambda: True)
        # Per transport: no attempts before this moment (after a failure or a 429), so the
        # rows queued behind a failed one wait with it instead of each trying on its own.
        self._resume_at: dict[str, datetime] = {}
        # Transports paused for a refused configuration: kind -> the server's answer.
        self.paused: dict[str, str] = {}
        # Rows sent whose "sent" the store could not record yet: id -> when it was sent.
        self._unrecorded: dict[int, datetime] = {}
        self.last_error = ""  # why the last row failed for good

    def deliver_due(self, now: datetime, limit: int = 100) -> Delivery:
        """Send every message that is due now (at most `limit`).

        StoreError (the store cannot be written) ends the round before the next send."""
        sent = retried = failed = 0
        failures: list[tuple[int, str, str]] = []
        self._record_unrecorded()
        # A transport that could not deliver (a server down, a rate limit) gets no more rows
        # this round, and none before its retry time: hammering it makes a 429 storm worse.
        # Due rows go out in the order they were queued (see Store.due_outbox).
        kinds = tuple(k for k in self.transports if self._resume_at.get(k, now) <= now)
        paused: set[str] = set()
        try:
            for row in self.store.due_outbox(now, kinds, limit) if kinds else ():
                if row.kind in paused or row.id in self._unrecorded:
                    continue
                if not self.active():
                    break
                outcome = self._deliver(row, now)
                if outcome == "retried" or outcome == "paused":
                    paused.add(row.kind)
                if outcome == "deferred":
                    outcome = "retried"
                sent += outcome == "sent"
                retried += outcome == "retried"
                failed += outcome == "failed"
                if outcome == "failed":
                    failures.append((row.id, row.dedupe_key, self.last_error))
        finally:
            for transport in self.transports.values():
                transport.close()
        return Delivery(sent, retried, failed, tuple(failures))

    def _record_unrecorded(self) -> None:
        """Mark the rows sent whose marking failed before (StoreError: not yet)."""
        for outbox_id, sent_at in list(self._unrecorded.items()):
            self.store.mark_sent(outbox_id, sent_at)
            del self._unrecorded[outbox_id]

    def record_unrecorded(self) -> int:
        """Try once more to record the rows sent but not yet recorded; how many are left.

        Also after this instance lost its lease: a sent row is a fact, whoever holds the
        lease, and recording it keeps the next holder from sending it again."""
        with suppress(StoreError):  # not yet: the caller tries again
            self._record_unrecorded()
        return len(self._unrecorded)

    def _deliver(self, row: OutboxRow, now: datetime) -> str:
        """Send one row and record the outcome: 'sent', 'retried', 'deferred', 'paused',
        'failed' or 'skipped'."""
        transport = self.transports[row.kind]
        # Claim before sending: a store that cannot take this write stops the round here,
        # before anything leaves (StoreError propagates), and a crash after the send keeps
        # the row back for CLAIM instead of sending it again at once.
        if not self.store.claim_outbox(row.id, now, now + CLAIM, self.holder):
            return "skipped"  # no longer pending: another round or process has it
        try:
            transport.send(row.payload, now)
        except Deferred as exc:
            delay = RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS) - 1)]
            self.store.mark_retry(row.id, str(exc), now + delay)
            log.info("outbox #%d (%s) waits: %s", row.id, row.dedupe_key, exc)
            return "deferred"
        except Paused as exc:
            # Not this row's fault: it keeps its attempts and waits with the whole transport.
            self.store.unclaim_outbox(row.id, now + PAUSE_RETRY)
            self._resume_at[row.kind] = now + PAUSE_RETRY
            if self.paused.get(row.kind) != str(exc):
                log.error("outbox %s paused, nothing is sent until it works: %s", row.kind, exc)
            self.paused[row.kind] = str(exc)
            return "paused"
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
            self.last_error = str(exc)
            self.store.mark_failed(row.id, str(exc))
            log.error("outbox #%d (%s) refused for good: %s", row.id, row.dedupe_key, exc)
            return "failed"
        except Exception as exc:  # a bad row must never block the rows behind it
            self.last_error = f"cannot be sent: {type(exc).__name__}: {exc}"
            self.store.mark_failed(row.id, self.last_error)
            log.exception("outbox #%d (%s) cannot be sent; marked failed", row.id, row.dedupe_key)
            return "failed"
        if self.paused.pop(row.kind, None) is not None:
            log.info("outbox %s works again", row.kind)
        try:
            self.store.mark_sent(row.id, now)
        except StoreError:
            # Sent, but not recorded: remember it, so it is not sent again, and stop the
            # round (the next claim would fail the same way).
            self._unrecorded[row.id] = now
            raise
        log.info("sent %s", describe(row))
        return "sent"

    def next_due(self) -> datetime | None:
        """When the next pending message is due, for the service's sleep."""
        times = [
            max(t, self._resume_at.get(kind, t))
            for kind in self.transports
            if (t := self.store.next_outbox_time((kind,))) is not None
        ]
        return min(times, default=None)

"""One active `triage run` per store: taking the store's lease, standing by, keeping it.

Two bots on one store and mailbox would both acknowledge every mail. So `triage run` takes
the store's lease before it touches the mailbox, Slack, the outbox or the planner:
- when another instance holds it, a long-running `run` waits as a standby (and says who
  holds it: host, pid, since when) and takes over once it is released or has expired;
  `run --once` refuses with that message instead;
- the holder renews the lease every third of its lifetime; a holder that crashed stops
  renewing and its lease expires, so nobody has to clean up;
- a holder that could not renew in time (the store was unwritable, the process was
  paused) must assume a standby took over: `valid()` turns False at the moment its lease
  would have expired by its own clock, and the service stops sending and taking in mail.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.errors import LeaseHeld, StoreError
from bot.store import LeaseInfo, Store

log = logging.getLogger("triage.lease")

LEASE = "run"  # the one lease a store has: the right to run the bot on it
# A holder counts its lease as lost a little before it expires in the store: clocks of two
# hosts may differ a little, and the last renewal may have taken a moment to commit.
SAFETY = 0.1


def describe(info: LeaseInfo) -> str:
    """Who holds the lease, in the words the operator reads."""
    since = info.since.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"host {info.host}, pid {info.pid}, sinds {since}"


class InstanceLease:
    """This process's claim on the store; `acquire` first, then `keep` until `release`."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        ttl: timedelta = timedelta(seconds=30),
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.store, self.clock, self.ttl = store, clock, ttl
        self.host = host or socket.gethostname()
        self.pid = pid if pid is not None else os.getpid()
        self.holder = f"{self.host}:{self.pid}:{secrets.token_hex(4)}"
        self._valid_until: datetime | None = None
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def renew_every(self) -> float:
        return self.ttl.total_seconds() / 3

    @property
    def standby_every(self) -> float:
        """How often a standby looks at the lease: often, as a look is one cheap read-write
        and a holder on another machine can only be seen to be gone when its lease expires."""
        return min(2.0, self.renew_every)

    def try_acquire(self) -> LeaseInfo | None:
        """Take the lease if free or expired: None. Else the current holder.

        A holder on this host whose process is gone (killed, crashed) is not waited for."""
        now = self.clock()
        take = self.store.take_lease
        holder = take(LEASE, self.holder, self.host, self.pid, now, self.ttl)
        if holder is not None and holder.host == self.host and not _alive(holder.pid):
            log.warning(
                "the lease's holder (%s) has no process any more: taking over", describe(holder)
            )
            holder = take(LEASE, self.holder, self.host, self.pid, now, self.ttl, holder.holder)
        if holder is None:
            self._valid_until = now + self.ttl * (1 - SAFETY)
            self._lost.clear()
        return holder

    def acquire(self, wait: bool, stop: threading.Event | None = None) -> bool:
        """Take the lease. Not `wait`: LeaseHeld when another instance has it. `wait`: stand
        by until it is ours (True) or `stop` is set (False)."""
        stop = stop or threading.Event()
        announced: str | None = None
        while True:
            try:
                holder = self.try_acquire()
            except StoreError as exc:  # the store cannot be written now: keep trying
                if not wait:
                    raise
                log.warning("standby: cannot reach the store's lease (%s); trying again", exc)
                holder = None
                if stop.wait(self.standby_every):
                    return False
                continue
            if holder is None:
                if announced is not None:
                    log.info("standby over: this instance (%s) is now active", self.holder)
                return True
            who = describe(holder)
            if not wait:
                raise LeaseHeld(
                    f"een andere triage werkt al met deze database ({who}); er mag er maar "
                    "een tegelijk draaien. Wacht tot die stopt, of start `triage run` zonder "
                    "--once: die wacht dan als reserve en neemt het over als de ander stopt "
                    f"of {self.ttl.total_seconds():.0f} s niets van zich laat horen.",
                    holder.holder,
                    holder.host,
                    holder.pid,
                    holder.since.isoformat(),
                )
            if announced != holder.holder:
                log.warning(
                    "standby: another triage is active on this store (%s, lease until %s); "
                    "waiting to take over",
                    who,
                    holder.expires_at.isoformat(timespec="seconds"),
                )
                announced = holder.holder
            if stop.wait(self.standby_every):
                return False

    def valid(self) -> bool:
        """Is the lease still surely ours? False from the moment it may have expired."""
        until = self._valid_until
        return until is not None and not self._lost.is_set() and self.clock() < until

    def keep(self, on_lost: Callable[[], None]) -> None:
        """Renew the lease on a thread; call `on_lost` once when it is no longer ours."""

        def loop() -> None:
            while not self._stop.wait(self.renew_every):
                now = self.clock()
                try:
                    ours = self.store.renew_lease(LEASE, self.holder, now, self.ttl)
                except StoreError as exc:
                    # Not renewed: still ours until it would expire; `valid()` says when.
                    log.warning("lease: could not renew (%s)", exc)
                    ours = self.valid()
                else:
                    if ours:
                        self._valid_until = now + self.ttl * (1 - SAFETY)
                if not ours:
                    self._lost.set()
                    log.error(
                        "lease lost: another instance may have taken over this store; "
                        "stopping intake and delivery"
                    )
                    on_lost()
                    return

        self._thread = threading.Thread(target=loop, name="lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop renewing and give the lease up, so a standby takes over at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._valid_until is None or self._lost.is_set():
            return
        self._valid_until = None
        try:
            self.store.release_lease(LEASE, self.holder)
        except StoreError as exc:  # it expires on its own
            log.warning("lease: could not release (%s); it expires by itself", exc)


def holder_gone(holder: str, host: str) -> bool:
    """Is the holder id ("host:pid:token") a process on `host` that no longer exists? A
    holder on another host cannot be checked from here: False."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return False
    return not _alive(int(parts[1]))


def _alive(pid: int) -> bool:
    """Does a process with this id exist on this host (signal 0 checks, sends nothing)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True

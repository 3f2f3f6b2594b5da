"""The store's lease (bot/store/lease.py) and this process's hold on it (app/instance.py):
taken when free, refused while another holder renews it, taken over once it expired."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.instance import LEASE, InstanceLease, holder_gone
from bot.errors import LeaseHeld
from bot.store import Store

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_lease_is_exclusive_until_it_expires(store_url: str) -> None:
    with Store(store_url) as store:
        assert store.take_lease(LEASE, "a", "host-a", 1, T0, TTL) is None
        held = store.take_lease(LEASE, "b", "host-b", 2, T0 + timedelta(seconds=10), TTL)
        assert held is not None and (held.holder, held.host, held.pid) == ("a", "host-a", 1)
        # The holder renews: still not free 29 s after that renewal.
        assert store.renew_lease(LEASE, "a", T0 + timedelta(seconds=20), TTL)
        assert store.take_lease(LEASE, "b", "host-b", 2, T0 + timedelta(seconds=49), TTL)
        # Not renewed for longer than its lifetime: the standby takes it, the old holder
        # learns at its next renewal that it is no longer its.
        assert store.take_lease(LEASE, "b", "host-b", 2, T0 + timedelta(seconds=51), TTL) is None
        assert not store.renew_lease(LEASE, "a", T0 + timedelta(seconds=52), TTL)
        info = store.lease(LEASE)
        assert info is not None and info.holder == "b" and info.since == T0 + timedelta(seconds=51)


def test_a_second_instance_refuses_or_stands_by_and_names_the_holder(store_url: str) -> None:
    clock = Clock()
    with Store(store_url) as store:
        # The active one runs on another host: its process cannot be checked from here.
        first = InstanceLease(store, clock, TTL, host="web-1", pid=4120)
        assert first.acquire(wait=False)
        second = InstanceLease(store, clock, TTL, host="web-2", pid=77)
        with pytest.raises(LeaseHeld) as refused:
            second.acquire(wait=False)
        assert "host web-1, pid 4120" in str(refused.value)
        # Standing by: it gives up when told to stop.
        stop = threading.Event()
        stop.set()
        assert not second.acquire(wait=True, stop=stop)
        # The first one stops renewing (it hangs or crashed): after the lease's lifetime
        # it no longer counts itself active, and the standby takes over.
        clock.now = T0 + TTL
        assert not first.valid()
        assert second.acquire(wait=False)
        assert second.valid()


def test_a_clean_stop_frees_the_lease_at_once(store_url: str) -> None:
    clock = Clock()
    with Store(store_url) as store:
        first = InstanceLease(store, clock, TTL, host="web-1", pid=4120)
        assert first.acquire(wait=False)
        first.release()
        assert store.lease(LEASE) is None
        assert InstanceLease(store, clock, TTL, host="web-2", pid=77).acquire(wait=False)


def test_a_dead_holder_on_this_host_is_not_waited_for(store_url: str) -> None:
    clock = Clock()
    with Store(store_url) as store:
        gone = InstanceLease(store, clock, TTL, pid=2**22 + 12345)  # no such process
        assert gone.acquire(wait=False)
        assert InstanceLease(store, clock, TTL).acquire(wait=False)


def test_a_claimer_is_known_gone_only_on_this_host() -> None:
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert holder_gone(f"vm:{dead.pid}:ab12", "vm")
    assert not holder_gone(f"vm:{os.getpid()}:ab12", "vm")  # alive
    assert not holder_gone(f"other:{dead.pid}:ab12", "vm")  # another machine: cannot tell
    assert not holder_gone("nonsense", "vm")

"""Waiting on a condition, bounded, instead of sleeping for a guessed time.

A test that checks that something did *not* happen first waits for a positive event that must
come after it (the bot finished its round, the SMTP clients hung up, a later event was handled)
and only then asserts the absence; a fixed sleep is either too short on a slow machine (flaky)
or too long everywhere (slow).
"""

from __future__ import annotations

import time
from collections.abc import Callable

# How often a condition is checked: short next to the bounds (seconds), cheap for what we poll.
INTERVAL = 0.01


def poll(predicate: Callable[[], object], timeout: float, interval: float = INTERVAL) -> bool:
    """Call ``predicate`` until it returns something true (then True) or ``timeout`` s passed
    (then False); an exception from ``predicate`` propagates at once."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = INTERVAL,
) -> None:
    """Return once ``predicate()`` is true; AssertionError naming ``what`` after ``timeout`` s."""
    if not poll(predicate, timeout, interval):
        raise AssertionError(f"{what} not reached within {timeout} s")

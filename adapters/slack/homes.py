"""Whose App Home tab to refresh after a ticket changes, at most once per HOME_REFRESH each.

Everyone who has opened the tab sees "Mijn tickets" and "Eerst aflopend"; after a change their
tab is published again. A busy channel would hit Slack's rate limit, so each person gets at
most one refresh per HOME_REFRESH; a refresh held back is not dropped but kept waiting, and
sent by the next `due` after the window has passed (the service's outbox round asks every few
seconds). Thread-safe: Bolt's listener threads and the outbox loop both ask.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

HOME_REFRESH = timedelta(seconds=10)


class HomeRefreshes:
    """Who has opened the App Home, when their tab was last refreshed, whose refresh waits."""

    def __init__(self) -> None:
        self._users: set[str] = set()
        self._refreshed: dict[str, datetime] = {}
        self._waiting: set[str] = set()
        self._lock = threading.Lock()

    def opened(self, user: str) -> None:
        """`user` opened the tab (and is shown its newest state now): refresh it from now on."""
        with self._lock:
            self._users.add(user)
            self._waiting.discard(user)

    def changed(self, now: datetime) -> list[str]:
        """A ticket changed: whose tab to refresh now; the others wait for their window."""
        with self._lock:
            due = []
            for user in sorted(self._users):
                last = self._refreshed.get(user)
                if last is not None and now - last < HOME_REFRESH:
                    self._waiting.add(user)
                    continue
                self._refreshed[user] = now
                self._waiting.discard(user)
                due.append(user)
            return due

    def due(self, now: datetime) -> list[str]:
        """Whose waiting refresh may be sent now, their window having passed."""
        with self._lock:
            due = sorted(
                user
                for user in self._waiting
                if now - self._refreshed.get(user, now - HOME_REFRESH) >= HOME_REFRESH
            )
            for user in due:
                self._refreshed[user] = now
                self._waiting.discard(user)
            return due

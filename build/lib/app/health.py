"""What is wrong with the running bot right now, for /healthz, the log and the team.

The service reports problems by name ("store", "outbox:email", "lease") when they start and
clears them when they are over; each change is logged once (not once per attempt), and the
caller is told whether the state changed, so it can tell the team in Slack once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from bot.clock import Clock
from bot.errors import StoreError
from bot.intents import SLACK, Message, to_payload
from bot.store import OutboxItem, Store

log = logging.getLogger("triage.health")


class Health:
    """The current problems of the bot, each with since when and why."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._problems: dict[str, tuple[datetime, str]] = {}

    def problem(self, name: str, reason: str, now: datetime) -> bool:
        """Record a problem; True when it is new (it was not a problem before)."""
        with self._lock:
            new = name not in self._problems
            since = now if new else self._problems[name][0]
            self._problems[name] = (since, reason)
        if new:
            log.error("unhealthy: %s: %s", name, reason)
        return new

    def clear(self, name: str) -> bool:
        """The problem is over; True when there was one."""
        with self._lock:
            was = self._problems.pop(name, None)
        if was is not None:
            log.info("healthy again: %s (a problem since %s)", name, was[0].isoformat())
        return was is not None

    def has(self, name: str) -> bool:
        with self._lock:
            return name in self._problems

    @property
    def ok(self) -> bool:
        with self._lock:
            return not self._problems

    def report(self) -> dict[str, object]:
        """The /healthz answer: ok, and each problem with since when and why."""
        with self._lock:
            problems = {
                name: {"since": since.isoformat(timespec="seconds"), "reason": reason}
                for name, (since, reason) in sorted(self._problems.items())
            }
        return {"ok": not problems, "problems": problems}


class Alerts:
    """Tells the team channel about the bot's own trouble, once per change.

    Through the outbox when the store works; straight to Slack (`post_now`) when the store
    is what fails. Without Slack (`post_now` None) the log line is all there is.
    """

    def __init__(
        self,
        health: Health,
        store: Store,
        clock: Clock,
        wake: Callable[[], None],
        post_now: Callable[[str], None] | None,
    ) -> None:
        self.health, self.store, self.clock = health, store, clock
        self.wake, self.post_now = wake, post_now

    def store_failed(self, exc: Exception) -> None:
        if self.health.problem("store", str(exc), self.clock()):
            self.alert(
                "",
                f":rotating_light: De database kan niet schrijven ({exc}). Nieuwe meldingen "
                "blijven in de mailbox en er worden geen berichten verstuurd tot dat weer "
                "lukt; dan gaat alles vanzelf verder.",
            )

    def store_ok(self) -> None:
        if self.health.has("store") and self.health.clear("store"):
            now = self.clock()
            self.alert(
                f"alert:store-ok:{now.isoformat(timespec='seconds')}",
                ":white_check_mark: De database schrijft weer; intake en versturen lopen door.",
            )

    def watch_paused(self, paused: Mapping[str, str], kinds: Iterable[str]) -> None:
        """Once when a transport pauses (its configuration refused), once when it works."""
        now = self.clock()
        for kind in kinds:
            reason = paused.get(kind)
            stamp = now.isoformat(timespec="minutes")
            if reason is not None and self.health.problem(f"outbox:{kind}", reason, now):
                self.alert(
                    f"alert:outbox-paused:{kind}:{stamp}",
                    f":rotating_light: Versturen via {kind} staat stil: {reason}. Er gaat "
                    "niets verloren: de berichten wachten en gaan weg zodra het weer werkt "
                    "(elke 5 minuten geprobeerd).",
                )
            elif reason is None and self.health.clear(f"outbox:{kind}"):
                self.alert(
                    f"alert:outbox-resumed:{kind}:{stamp}",
                    f":white_check_mark: Versturen via {kind} werkt weer; wat wachtte gaat nu weg.",
                )

    def alert(self, key: str, text: str) -> None:
        """Queue `text` for the team channel under dedupe `key` (empty: post it now)."""
        if self.post_now is None:
            return
        if key:
            try:
                payload = to_payload(Message(text=text))
                self.store.enqueue(OutboxItem(SLACK, key, payload), self.clock())
                self.wake()
                return
            except StoreError:
                pass  # the store cannot queue it: say it directly
        try:
            self.post_now(text)
        except Exception as exc:  # Slack down too: the log has it
            log.warning("could not tell the team channel: %s", exc)

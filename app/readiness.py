"""/readyz: can this `triage run` do its work right now, and is it the active instance?

/healthz says whether something is broken (a load balancer keeps sending to a live process);
/readyz says whether the bot does its work: the mailbox logged in, Slack connected, the
outbox moving, the store writable and the store's lease held by this instance. A standby
(another instance holds the lease) is alive but not ready. Each check is listed with why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from app.health import Health
from app.http import HttpEndpoint
from app.instance import InstanceLease
from bot.clock import Clock
from bot.errors import StoreError
from bot.store import Store

# A due message still unsent after this long means delivery is stuck, not just busy.
STUCK_AFTER = timedelta(minutes=10)


@dataclass
class Readiness:
    """The parts /readyz looks at; `imap` and `slack` are None when not configured."""

    store: Store
    clock: Clock
    health: Health
    kinds: Callable[[], Sequence[str]]  # the transports the outbox sends through
    lease: InstanceLease | None = None
    imap: Callable[[], bool] | None = None  # logged in?
    slack: Callable[[], str | None] | None = None  # None when connected, else why not

    def report(self) -> dict[str, object]:
        """The /readyz answer: ready, role (active or standby), and each check."""
        checks: dict[str, dict[str, object]] = {}

        def check(name: str, ok: bool, detail: str) -> None:
            checks[name] = {"ok": ok, "detail": detail}

        active = self.lease is None or self.lease.valid()
        holder = self.lease.holder if self.lease else "-"
        check(
            "lease",
            active,
            f"deze instance ({holder}) heeft de lease" if active else "reserve: geen lease",
        )
        if self.imap is not None:
            logged_in = self.imap()
            check("imap", logged_in, "ingelogd" if logged_in else "niet ingelogd")
        if self.slack is not None:
            problem = self.slack()
            check("slack", problem is None, problem or "verbonden")
        writable = not self.health.has("store")
        check("store", writable, "schrijft" if writable else "kan niet schrijven")
        check("outbox", *self._outbox())
        ready = all(bool(c["ok"]) for c in checks.values())
        return {"ready": ready, "role": "active" if active else "standby", "checks": checks}

    def _outbox(self) -> tuple[bool, str]:
        now = self.clock()
        stuck: list[str] = []
        try:
            for kind in self.kinds():
                oldest = self.store.outbox_gauges(now, [kind]).oldest_due
                if oldest is not None and now - oldest > STUCK_AFTER:
                    minutes = int((now - oldest).total_seconds() // 60)
                    stuck.append(f"{kind}: een bericht wacht al {minutes} min")
        except StoreError as exc:
            return False, f"de database is niet te lezen: {exc}"
        if stuck:
            return False, "; ".join(stuck)
        return True, "geen bericht wacht langer dan 10 min"


def slack_problem(socket: object | None, http: HttpEndpoint | None) -> str | None:
    """Why Slack cannot reach the bot now (None: it can): the Socket Mode connection is
    down, or in HTTP mode the endpoint is not serving."""
    if socket is not None:
        client = getattr(socket, "client", None)
        connected = getattr(client, "is_connected", None)
        if connected is not None and not connected():
            return "Socket Mode is niet verbonden"
        return None
    if http is not None and http.serving:
        return None
    return "niet verbonden (Socket Mode) en geen HTTP-endpoint dat antwoordt"

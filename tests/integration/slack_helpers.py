"""A `triage run` service wired to the fake Slack Web API, served over real HTTP on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Paths, load_setup
from app.service import Service
from bot.store import Store
from tests.conftest import REPO
from tests.integration.email_helpers import Clock
from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_requests import SlackHttpClient
from tests.servers.store_fixtures import rig_store
from tests.servers.wait import wait_until

SIGNING_SECRET = "test-signing-secret"
WIDGET_SECRET = "test-widget-secret"
TEAM = "C0TEAM"
CUSTOMERS = "C0KLANT"
AGENT = "U0ANNA"  # in the support user group
OUTSIDER = "U0PIET"  # not in it
JOOST = "U02JOOST"  # an agreed contact of Bakker Logistiek (config/organisations.yaml)
# Tuesday 24 November 2026, 10:00 in Amsterdam: business hours.
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def slack_env(
    monkeypatch: pytest.MonkeyPatch, api: FakeSlackApi, mode: str = "http", widget: bool = True
) -> None:
    """Configure Slack (and the widget) through TRIAGE_* variables, as a deployment would."""
    env = {
        "TRIAGE_SLACK__MODE": mode,
        "TRIAGE_SLACK__BOT_TOKEN": "xoxb-test",
        "TRIAGE_SLACK__APP_TOKEN": "xapp-test",
        "TRIAGE_SLACK__SIGNING_SECRET": SIGNING_SECRET,
        "TRIAGE_SLACK__API_BASE_URL": api.url,
        "TRIAGE_SLACK__HTTP_PORT": "0",
        "TRIAGE_SLACK__TEAM_CHANNEL": TEAM,
        "TRIAGE_SLACK__SUPPORT_CHANNELS": json.dumps([CUSTOMERS]),
        "TRIAGE_SLACK__SUPPORT_USERGROUP": "S0SUPPORT",
    }
    if widget:
        env["TRIAGE_WIDGET__SECRET"] = WIDGET_SECRET
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    api.usergroups = {"S0SUPPORT": [AGENT]}


class SlackRig:
    """The service, its store, the clock and a signed-request client to its HTTP endpoint."""

    def __init__(self, service: Service, store: Store, clock: Clock, port: int | None) -> None:
        self.service, self.store, self.clock = service, store, clock
        self.base = f"http://127.0.0.1:{port}"
        self.slack = SlackHttpClient(f"{self.base}/slack/events", SIGNING_SECRET)

    def deliver(self) -> int:
        """Send what is due now (posts, updates, reminders) through the real transport."""
        return self.service.deliver()

    def new_ticket(self, text: str, ts: str, event_id: str) -> int:
        """A customer's message in the support channel, made a ticket by the real intake."""
        assert self.slack.event(self.message(text, ts), event_id).status == 200
        key = f"slack:{CUSTOMERS}:{ts}"
        wait_until(lambda: self.store.is_stored(key))
        ticket = self.store.ticket_for_message_ids([key])
        assert ticket is not None
        return ticket

    def message(self, text: str, ts: str, user: str = JOOST, **extra: Any) -> dict[str, Any]:
        return {
            "type": "message",
            "channel": CUSTOMERS,
            "user": user,
            "text": text,
            "ts": ts,
            "channel_type": "channel",
            **extra,
        }


@contextmanager
def running_slack(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    api: FakeSlackApi,
    clock: Clock | None = None,
    rules_dir: Path | None = None,
    mode: str = "http",
    config_dir: Path | None = None,
) -> Iterator[SlackRig]:
    """A started Slack side of `triage run` (no IMAP), stopped and closed afterwards."""
    slack_env(monkeypatch, api, mode=mode)
    paths = Paths(
        config_dir or REPO / "config", rules_dir or REPO / "rules", tmp_path / "triage.db"
    )
    store = Store(rig_store(paths.db))
    clock = clock or Clock(TUESDAY_10)
    service = Service(load_setup(paths), paths, store, clock)
    port = service.start_slack()
    try:
        yield SlackRig(service, store, clock, port)
    finally:
        service.stop_slack()
        store.close()

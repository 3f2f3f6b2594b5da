"""Issue 12 item 8: a report for one customer carries no other customer's words.

An outage window started from a ticket (the button on the Slack post) takes "#<id> <subject>"
as its reason. That reason appeared in `triage report sla --organisation B --html` when the
ticket was customer A's. Here two customers report in Slack, the team starts a window from
each ticket through the real Bolt app, and the reports are made with the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.integration.slack_helpers import AGENT, CUSTOMERS, JOOST, TEAM, SlackRig, running_slack
from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_requests import block_action_payload
from tests.servers.wait import wait_until

ANJA = "U01ANJA"  # an agreed contact of Zorggroep Noord (config/organisations.yaml)
A_TEXT = "Bakker Logistiek meldt: het hele platform is onbereikbaar, niemand kan werken"
B_TEXT = "Zorggroep Noord hier: het hele platform ligt plat, niemand kan inloggen"
NEUTRAL = "Storing (gemeld via ticket)"


def new_ticket(rig: SlackRig, text: str, ts: str, user: str) -> int:
    assert rig.slack.event(rig.message(text, ts, user=user), f"Ev{ts}").status == 200
    key = f"slack:{CUSTOMERS}:{ts}"
    wait_until(lambda: rig.store.ticket_for_message_ids([key]) is not None)
    ticket = rig.store.ticket_for_message_ids([key])
    assert ticket is not None
    return ticket


def outage_from_ticket(rig: SlackRig, ticket: int, minutes: int) -> None:
    before = len(rig.store.outages_between(None, None))
    rig.slack.action(block_action_payload("outage_start", str(ticket), AGENT))
    wait_until(lambda: len(rig.store.outages_between(None, None)) > before)
    rig.clock.advance(minutes=minutes)
    [window] = rig.store.open_outages()
    rig.store.end_outage(window.id, rig.clock.now)


def cli(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    capsys.readouterr()
    assert main(["--db", str(db), *args]) == 0
    return capsys.readouterr().out


@pytest.mark.sqlite_file
def test_a_customers_report_shows_no_other_customers_ticket(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_api: FakeSlackApi,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "triage.db"
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        a_ticket = new_ticket(rig, A_TEXT, "1795510800.000100", JOOST)
        b_ticket = new_ticket(rig, B_TEXT, "1795510800.000200", ANJA)
        assert rig.store.ticket_view(a_ticket).organisation == "bakker-logistiek"
        assert rig.store.ticket_view(b_ticket).organisation == "zorggroep-noord"
        outage_from_ticket(rig, a_ticket, minutes=30)
        outage_from_ticket(rig, b_ticket, minutes=20)
        a_subject = rig.store.ticket_view(a_ticket).subject
        b_subject = rig.store.ticket_view(b_ticket).subject
        assert "Bakker" in a_subject and "Zorggroep" in b_subject

        # The SLA 2.C text the team copies to every customer names no ticket either.
        rig.deliver()
        templates = [
            c.params["text"] + json.dumps(c.params.get("blocks"))
            for c in slack_api.calls("chat.postMessage")
            if c.params["channel"] == TEAM and "Calamiteitenonderhoud" in c.params["text"]
        ]
        assert len(templates) == 2
        for template in templates:
            assert "Bakker" not in template and "Zorggroep" not in template

    html = tmp_path / "b.html"
    month = ["--month", "2026-11"]
    b_reports = {
        "text": cli(capsys, db, "report", "sla", *month, "--organisation", "zorggroep-noord"),
        "json": cli(
            capsys, db, "report", "sla", *month, "--organisation", "zorggroep-noord", "--json"
        ),
    }
    cli(
        capsys,
        db,
        "report",
        "sla",
        *month,
        "--organisation",
        "zorggroep-noord",
        "--html",
        str(html),
    )
    b_reports["html"] = html.read_text(encoding="utf-8")
    for kind, text in b_reports.items():
        assert "Bakker" not in text, kind
        assert f"#{a_ticket} " not in text, kind
    # Its own ticket's window keeps the detail; the other one is neutral but still counted.
    assert f"#{b_ticket} {b_subject}" in b_reports["html"]
    assert NEUTRAL in b_reports["html"]
    assert "50,0 minuten" in b_reports["html"]  # both windows: 30 + 20 minutes unavailable

    # The team's own (unfiltered) reports keep every detail.
    internal = cli(capsys, db, "report", "availability", *month)
    assert f"#{a_ticket} {a_subject}" in internal and f"#{b_ticket} {b_subject}" in internal
    cli(capsys, db, "report", "sla", *month, "--html", str(html))
    assert f"#{a_ticket} {a_subject}" in html.read_text(encoding="utf-8")

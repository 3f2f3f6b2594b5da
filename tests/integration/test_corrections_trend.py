"""Learning from corrections, as a trend: how often the team changed the rules' provisional
priority per month and which rows were involved, from the decisions table, in the monthly
Slack post (the real transport against the fake Slack Web API), in the HTML report (not in a
customer's), and in `triage rules eval --from-store`. Tickets go in through the real desk."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from bot.corrections import correction_trend, month_keys
from bot.models import Category, Priority
from tests.conftest import REPO
from tests.integration.test_slack_reminders import (
    AMS,
    EXEMPT,
    Env,
    local,
    make_env,
    new_ticket,
    tick,
    top_level,
)
from tests.servers.slack_api import FakeSlackApi

EXPORT = "Het exporteren van de evaluaties naar Excel geeft sinds vanochtend een foutmelding."
LOGIN = "Sinds vanochtend kan niemand van onze organisatie meer inloggen."
QUESTION = "Hoe kan ik een evaluatie weer openzetten voor een medewerker?"


def other(priority: Priority) -> Priority:
    return Priority.HOOG if priority is not Priority.HOOG else Priority.LAAG


@pytest.fixture
def env(tmp_path: Path, slack_api: FakeSlackApi) -> Iterator[Env]:
    made = make_env(tmp_path / "t.db", slack_api)
    yield made
    made.store.close()


@pytest.fixture
def history(env: Env) -> dict[str, int]:
    """October: one ticket changed, one confirmed. November: one changed, one moved to
    another category, one left alone until after the month (then confirmed)."""
    desk = env.desk
    ids = {
        "oct_changed": new_ticket(env, local(2026, 10, 6, 10), EXEMPT, "Export", EXPORT),
        "oct_confirmed": new_ticket(env, local(2026, 10, 7, 10), EXEMPT, "Vraag", QUESTION),
        "nov_changed": new_ticket(env, local(2026, 11, 3, 10), EXEMPT, "Inloggen", LOGIN),
        "nov_category": new_ticket(env, local(2026, 11, 4, 10), EXEMPT, "Export 2", EXPORT),
        "nov_late": new_ticket(env, local(2026, 11, 5, 10), EXEMPT, "Vraag 2", QUESTION),
    }
    for key, at in (
        ("oct_changed", local(2026, 10, 6, 11)),
        ("nov_changed", local(2026, 11, 3, 11)),
    ):
        current = desk.view(ids[key]).priority
        desk.set_priority(ids[key], other(current), "U0LEAD", at, reason="anders ingeschat")
    desk.set_priority(ids["oct_confirmed"], None, "U0LEAD", local(2026, 10, 7, 11))
    assert desk.view(ids["nov_category"]).category is Category.STORING
    desk.set_category(
        ids["nov_category"], Category.INSTELLING, "U0LEAD", local(2026, 11, 4, 11), reason="x"
    )
    # After November: not part of November's figures as the store knew them at its end.
    desk.set_priority(ids["nov_late"], None, "U0LEAD", local(2026, 12, 1, 8))
    return ids


def test_the_store_hands_out_first_and_last_decisions(env: Env, history: dict[str, int]) -> None:
    every = {c.ticket_id: c for c in env.store.corrections()}
    assert set(every) == set(history.values())
    changed = every[history["oct_changed"]]
    assert changed.priority_changed and not changed.category_changed
    assert changed.team_priority is other(changed.priority)
    assert changed.decided_by == "U0LEAD"
    assert every[history["oct_confirmed"]].decided and not every[history["oct_confirmed"]].changed
    moved = every[history["nov_category"]]
    assert moved.category_changed and not moved.priority_changed
    assert every[history["nov_late"]].decided
    # As the store knew it at the end of November, the late one was still undecided.
    at_end = {c.ticket_id: c for c in env.store.corrections(as_of=local(2026, 12, 1))}
    assert not at_end[history["nov_late"]].decided
    assert at_end[history["nov_changed"]].priority_changed
    assert changed.body == EXPORT
    # The trend reads no text: it is left out.
    assert {(c.subject, c.body) for c in env.store.corrections(texts=False)} == {("", "")}


def test_the_trend_per_month(env: Env, history: dict[str, int]) -> None:
    every = env.store.corrections(as_of=local(2026, 12, 1))
    trend = correction_trend(every, AMS, month_keys("2026-11", 3), ["2026-11"])
    sep, octo, nov = trend.months
    assert (sep.provisional, sep.priority_text()) == (0, "-")
    assert (octo.provisional, octo.decided, octo.priority_changed) == (2, 2, 1)
    assert octo.priority_text() == "1 van 2 (50 %)"
    assert (nov.provisional, nov.decided, nov.priority_changed, nov.category_changed) == (
        3,
        2,
        1,
        1,
    )
    # November's changes, by what decided them first (changed of decided).
    first = {c.ticket_id: c.decided_first_by for c in every}
    names = {first[history["nov_changed"]], first[history["nov_category"]]}
    assert {i.name for i in trend.involved} == names
    assert sum(i.changed for i in trend.involved) == 2
    changed = next(c for c in every if c.ticket_id == history["nov_changed"])
    assert trend.directions == ((f"{changed.priority.value} → {other(changed.priority).value}", 1),)


def test_the_monthly_slack_post_shows_the_trend(env: Env, history: dict[str, int]) -> None:
    tick(env, local(2026, 12, 1, 9, 30))  # the first working day of December, 09:30
    [report] = [c for c in top_level(env.api) if c.params["text"].startswith("SLA-rapport")]
    texts = [b["text"]["text"] for b in report.params["blocks"] if b["type"] == "section"]
    [corrections] = [t for t in texts if t.startswith("*Correcties door het team*")]
    assert (
        "(voorlopige prioriteit veranderd, per maand van ontvangst): jun 26: - · jul 26: - · "
        "aug 26: - · sep 26: - · okt 26: 1 van 2 (50 %) · nov 26: 1 van 2 (50 %)"
    ) in corrections
    assert "In november 2026 nog zonder oordeel van het team: 1 van 3; categorie veranderd: 1." in (
        corrections
    )
    assert "*Meest betrokken bij de veranderingen:* " in corrections
    assert "`triage rules eval --from-store`" in corrections
    assert "`triage rules suggest`" in corrections


def test_no_trend_block_without_provisional_tickets(env: Env) -> None:
    tick(env, local(2026, 12, 1, 9, 30))
    [report] = [c for c in top_level(env.api) if c.params["text"].startswith("SLA-rapport")]
    assert "Correcties door het team" not in json.dumps(report.params["blocks"])


def cli(env: Env, *args: str) -> tuple[int, str]:
    argv = ["--config-dir", str(REPO / "config"), "--rules-dir", str(REPO / "rules")]
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        out = io.StringIO()
        saved = sys.stdout
        sys.stdout = out
        try:
            status = main([*argv, "--db", env.store.path, *args])
        finally:
            sys.stdout = saved
    finally:
        sys.stdin = old
    return status, out.getvalue()


def test_the_html_report_has_the_trend_and_a_customers_has_not(
    env: Env, history: dict[str, int], tmp_path: Path
) -> None:
    page = tmp_path / "team.html"
    status, _ = cli(env, "report", "sla", "--month", "2026-11", "--html", str(page))
    assert status == 0
    html = page.read_text(encoding="utf-8")
    assert "<h2>Correcties door het team</h2>" in html
    assert '<svg id="chart-corrections"' in html
    assert "<title>november 2026: 1 van 2 (50 %)</title>" in html  # a bar's tooltip
    assert '<td class="text">oktober 2026</td><td>2</td><td>2</td><td>1</td><td>0</td>' in html
    assert '<td class="text">november 2026</td><td>3</td><td>2</td><td>1</td><td>1</td>' in html
    assert "Meest betrokken bij de veranderingen in deze periode" in html

    customer = tmp_path / "klant.html"
    status, _ = cli(
        env,
        "report",
        "sla",
        "--month",
        "2026-11",
        "--organisation",
        "zorggroep-noord",
        "--html",
        str(customer),
    )
    assert status == 0
    text = customer.read_text(encoding="utf-8")
    assert "Correcties door het team" not in text and "chart-corrections" not in text


def test_rules_eval_from_store_shows_the_trend(env: Env, history: dict[str, int]) -> None:
    status, out = cli(env, "rules", "eval", "--from-store")
    assert status == 0
    lines = out.splitlines()
    start = lines.index(
        "Zo vaak veranderde het team de voorlopige prioriteit (van de regels van toen), per "
        "maand van ontvangst:"
    )
    assert "  okt 26: 1 van 2 (50 %)" in lines[start:]
    # Every decision so far counts here, the late confirmation too.
    assert "  nov 26: 1 van 3 (33 %), categorie veranderd: 1" in lines[start:]
    status, out = cli(env, "rules", "eval", "--from-store", "--json")
    data = json.loads(out)
    assert {"n", "priority_agree", "confusion", "misses"} <= set(data)  # the keys as they were
    months = {m["month"]: m for m in data["trend"]["months"]}
    assert months["2026-10"]["priority_changed_pct"] == 50.0
    assert months["2026-11"] == {
        "month": "2026-11",
        "provisional": 3,
        "decided": 3,
        "priority_changed": 1,
        "category_changed": 1,
        "changed": 2,
        "priority_changed_pct": 33.3,
    }
    assert len(data["trend"]["months"]) == 12
    assert data["trend"]["months"][-1]["month"] == "2026-11"
    assert sum(i["changed"] for i in data["trend"]["involved"]) == 3


def test_when_is_a_month(env: Env) -> None:
    # A ticket received in the last local hour of a month counts for that month.
    ticket = new_ticket(env, datetime(2026, 11, 30, 23, 30, tzinfo=AMS), EXEMPT, "Laat", EXPORT)
    env.desk.set_priority(ticket, None, "U0LEAD", local(2026, 12, 1, 9) - timedelta(hours=1))
    trend = correction_trend(env.store.corrections(), AMS, ["2026-11", "2026-12"])
    assert [m.provisional for m in trend.months] == [1, 0]

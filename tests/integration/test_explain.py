"""`triage explain N` on the demo's tickets: the bundled samples stored with
`triage classify --batch --store` (the demo itself uses a throw-away store), then explained
from that store through the real command line, as text and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.bootstrap import Paths, load_setup
from app.render.explain import explanation_text
from bot.explain import load_explanation
from bot.store import Store
from tests.conftest import REPO
from tests.integration.test_cli import triage

SAMPLES = REPO / "samples" / "reports.jsonl"


def sample_lines() -> list[dict[str, object]]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def samples_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    """A store holding the demo's samples (ticket N is line N), and the options to reach it."""
    args = [
        "--config-dir",
        str(REPO / "config"),
        "--rules-dir",
        str(REPO / "rules"),
        "--db",
        str(tmp_path / "samples.db"),
    ]
    # `note` says what a sample shows; it is no part of the classify input.
    lines = [json.dumps({k: v for k, v in d.items() if k != "note"}) for d in sample_lines()]
    status, out, _ = triage(
        [*args, "classify", "--batch", "--store"], "\n".join(lines) + "\n", monkeypatch, capsys
    )
    assert status == 0 and len(out.splitlines()) == len(lines)
    return args


def christmas_eve() -> int:
    """The ticket number of the sample received on Christmas Eve (its line number)."""
    dates = [str(d["received_at"])[:10] for d in sample_lines()]
    return dates.index("2026-12-24") + 1


def test_explain_the_christmas_eve_ticket(
    samples_db: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = christmas_eve()
    status, out, err = triage([*samples_db, "explain", str(ticket)], "", monkeypatch, capsys)
    assert status == 0, err
    assert out.startswith(f"Waarom #{ticket}: Middel storing, voorlopig")
    # The text as the rules read it, the words that set a factor between « and ».
    assert "Pieter belt: de «koppeling» met AFAS «synchroniseert niet meer»" in out
    assert "«Handmatig»" in out and "«lukt wel»" in out
    # Each factor with its value and the words that set it.
    assert "  workaround: ja ← «Handmatig», «lukt wel»" in out
    assert "  functie: kern ← «koppeling» (regelwoorden: koppeling*)" in out
    # The decision-table row, the exemption and its clause.
    assert "Beslisregel: storing-met-beperkingen → storing, Middel" in out
    assert "  ✓ fout: ja (vereist: ja)" in out
    assert "SLA-garantie: ja — gegarandeerd: Middel-storing telefonisch gemeld door " in out
    assert "(SLA 3.C en 4.D)" in out
    # The reaction deadline step by step, naming the holidays and the weekend it skips.
    assert (
        "    ontvangen do 24 dec 14:00 · 1 werkdag = 8 werkuren · do 24 dec 3 werkuren "
        "(14:00-17:00) · vr 25 dec: Eerste kerstdag · za 26 dec: Tweede kerstdag · zo 27 dec: "
        "weekend · ma 28 dec 5 werkuren (09:00-14:00) → ma 28 dec 14:00\n"
    ) in out
    # The resolution: the next release, from the release calendar.
    assert "releases elke 21 dagen vanaf di 6 jan 2026 07:00" in out
    assert "eerstvolgende release na do 24 dec 14:00: di 29 dec 07:00 → di 29 dec 07:00" in out
    # The versions stored with the decision, and the history.
    assert "Versies bij de beslissing: regels rules-" in out and "(zelfde als nu)" in out
    assert "· triage · ticket aangemaakt (via telefoon): Middel storing" in out


def test_explain_every_demo_ticket(samples_db: list[str]) -> None:
    # One setup for all twelve (the command line loads the rules once per run).
    paths = Paths(Path(samples_db[1]), Path(samples_db[3]), Path(samples_db[5]))
    setup = load_setup(paths)
    tz = setup.triage.calendar.tz
    with Store(paths.db) as store:
        for ticket in range(1, len(sample_lines()) + 1):
            explanation = load_explanation(store, setup.triage, ticket)
            out = explanation_text(explanation, tz)
            assert f"Waarom #{ticket}:" in out and "Termijnen, in werktijd" in out
            assert "«" in out, f"#{ticket} shows no matched word"
            assert explanation.factors and explanation.history
            # Every derivation arrives at the deadline stored with the decision.
            assert all(d.matches for d in explanation.deadlines), ticket


def test_explain_json(
    samples_db: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = christmas_eve()
    status, out, _ = triage(
        [*samples_db, "explain", str(ticket), "--json"], "", monkeypatch, capsys
    )
    assert status == 0
    data = json.loads(out)
    assert (data["ticket"], data["priority"], data["category"]) == (ticket, "middel", "storing")
    body = data["body"]
    assert [m["text"] for m in body["marks"]][:2] == ["koppeling", "synchroniseert niet meer"]
    for m in body["marks"]:
        assert body["text"][m["start"] : m["end"]] == m["text"]
    factors = {f["name"]: f for f in data["factors"]}
    assert factors["workaround"]["found"] == ["Handmatig", "lukt wel"]
    assert data["decision"] == data["decision_row"]["name"] == "storing-met-beperkingen"
    assert data["decision_row"]["conditions"] == [
        {"name": "fout", "allowed": ["ja"], "actual": "ja", "holds": True}
    ]
    assert data["exemption"]["exempt"] is False
    reaction = data["deadlines"]["reaction"]
    assert reaction["due"] == reaction["stored"] == "2026-12-28T14:00:00+01:00"
    assert reaction["matches"] is True
    assert [s["skipped"] for s in reaction["steps"]] == [
        None,
        "Eerste kerstdag",
        "Tweede kerstdag",
        "weekend",
        None,
    ]
    assert [s["minutes"] for s in reaction["steps"]] == [180, 0, 0, 0, 300]
    assert data["deadlines"]["resolution"]["due"] == "2026-12-29T07:00:00+01:00"
    assert data["versions"]["rules"] == data["versions"]["rules_now"]
    assert [h["what"] for h in data["history"]] == [
        "ticket aangemaakt (via telefoon): Middel storing"
    ]


def test_explain_errors_are_dutch(
    samples_db: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = triage([*samples_db, "explain", "999"], "", monkeypatch, capsys)
    assert status == 1 and "Ticket #999 bestaat niet." in err
    status, _, err = triage([*samples_db, "explain", "²"], "", monkeypatch, capsys)
    assert status == 1 and "is geen ticketnummer" in err
    missing = [*samples_db[:-1], str(tmp_path / "nope.db")]
    status, _, err = triage([*missing, "explain", "1"], "", monkeypatch, capsys)
    assert status == 1 and "er is geen database" in err
    assert not (tmp_path / "nope.db").exists()


def test_the_demo_explains_a_ticket_across_a_holiday(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    status, out, _ = triage(["demo"], "", monkeypatch, capsys)
    assert status == 0
    ticket = christmas_eve()
    shown = out.split(f"=== Waarom? triage explain {ticket} ")[1]
    assert "vr 25 dec: Eerste kerstdag" in shown and "«koppeling»" in shown
    # The ticket whose priority the demo's team member changed: who, when and why.
    changed = out.split("=== Waarom? triage explain ")[2]
    assert "gezet door U0ANNA" in changed
    assert "(reden: Alleen de webversie, de app werkt: er is een workaround)" in changed
    assert "U0ANNA · prioriteit Hoog → Middel" in changed

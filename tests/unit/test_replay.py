"""Replaying tickets through other rules (bot/replay.py), rule-set differences by content
(bot/engine/changes.py), their Dutch wording (bot/nl.py) and the reload announcement
(adapters/slack/views/rules.py): the pure parts, on hand-made decisions and the real rules."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.slack.views.rules import MAX_WORDS, reloaded_message
from app.bootstrap import Paths, load_setup
from app.render.replay import DiffSource, diff_text
from bot.engine.changes import RuleChanges, WordMove, diff
from bot.engine.loader import load_rules
from bot.intents import ReplayCount, ReplaySummary, RulesReloaded, from_payload, to_payload
from bot.models import Category, Decision, Factor, Priority, Report
from bot.nl import replay_change, replay_verdict
from bot.replay import Tally, compare, factor_shifts, reload_replay
from bot.store import Store
from tests.conftest import REPO
from tests.rules_edit import move_word

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REPORT = Report(channel="email", received_at=AT, sender="a@b.nl", body="Niemand kan inloggen")


def decision(**changes: Any) -> Decision:
    base: dict[str, Any] = {
        "priority": Priority.MIDDEL,
        "category": Category.STORING,
        "provisional": True,
        "exempt": True,
        "exempt_reason": "e-mail",
        "reaction_due": AT + timedelta(hours=8),
        "resolution_due": AT + timedelta(days=5),
        "rules": ("storing-met-beperkingen",),
        "organisation": None,
        "rules_version": "rules-1",
        "calendar_version": "cal-1",
        "decision": "storing-met-beperkingen",
        "factors": (Factor(name="omvang", value="enkele", words=("meerdere collega*",)),),
    }
    return Decision(**{**base, **changes})


HOOG = decision(
    priority=Priority.HOOG,
    reaction_due=AT + timedelta(minutes=15),
    resolution_due=AT + timedelta(hours=8),
    rules=("grote-groep-kernfunctie", "sso"),
    decision="grote-groep-kernfunctie",
    factors=(Factor(name="omvang", value="groot-deel", words=("meerdere collega*",)),),
    rules_version="rules-2",
)


def test_the_same_outcome_is_no_change_whatever_rules_decided_it() -> None:
    other_row = decision(decision="iets-veranderd", rules=("iets-veranderd",), factors=())
    assert compare(1, REPORT, decision(), other_row) is None


def test_a_change_names_what_differs_and_why() -> None:
    change = compare(7, REPORT, decision(), HOOG, team=(Priority.HOOG, Category.STORING))
    assert change is not None
    assert change.aspects == ("priority", "deadlines")
    assert change.rows == ("storing-met-beperkingen", "grote-groep-kernfunctie")
    assert (change.rules_gone, change.rules_new) == ((), ("sso",))
    assert [(f.name, f.before, f.after) for f in change.factors] == [
        ("omvang", "enkele", "groot-deel")
    ]
    assert change.agrees_with_team and not change.calendar_changed
    assert change.subject == "Niemand kan inloggen"  # no subject: the first line


@pytest.mark.parametrize(
    ("after", "aspects"),
    [
        (decision(category=Category.VRAAG), ("category",)),
        (decision(exempt=False, exempt_reason=None), ("exempt",)),
        (decision(needs_triage=True), ("recognised",)),
        (decision(resolution_due=AT + timedelta(days=6)), ("deadlines",)),
    ],
)
def test_each_aspect(after: Decision, aspects: tuple[str, ...]) -> None:
    change = compare(1, REPORT, decision(), after)
    assert change is not None and change.aspects == aspects


def test_factor_shifts_count_a_factor_without_words_as_onbekend() -> None:
    before = (Factor(name="fout", value="ja", words=("kapot",)),)
    after = (Factor(name="omvang", value="iedereen", words=("niemand",)),)
    shifts = factor_shifts(before, after)
    assert [(s.name, s.before, s.after) for s in shifts] == [
        ("omvang", "onbekend", "iedereen"),
        ("fout", "ja", "onbekend"),
    ]


def test_tally_counts_by_aspect_and_deadlines_only_when_nothing_else_moved() -> None:
    tally = Tally(replayed=212, team_changed=5)
    for ticket in (1, 2):
        change = compare(ticket, REPORT, decision(), HOOG)
        assert change is not None
        tally.changes.append(change)
    for ticket, after in (
        (3, decision(category=Category.VRAAG, priority=Priority.LAAG)),
        (4, decision(resolution_due=AT + timedelta(days=6))),
    ):
        change = compare(ticket, REPORT, decision(), after)
        assert change is not None
        tally.changes.append(change)
    part = Tally(replayed=10, team_changed=1, other_calendar=2)
    tally.add(part)
    assert (tally.replayed, tally.team_changed, tally.other_calendar) == (222, 6, 2)
    assert [(c.aspect, c.before, c.after, c.count) for c in tally.counts()] == [
        ("priority", "middel", "hoog", 2),
        ("priority", "middel", "laag", 1),
        ("category", "storing", "vraag", 1),
        ("deadlines", "", "", 1),
    ]
    assert tally.count("deadlines") == 3  # the priority changes moved the deadlines too
    summary = tally.summary(date(2026, 10, 25), 30)
    assert (summary.replayed, summary.changed) == (222, 4)


def test_dutch_wording_of_a_replay() -> None:
    parts = [
        (2, replay_change("priority", "middel", "hoog")),
        (1, replay_change("category", "storing", "vraag")),
        (1, replay_change("exempt", "ja", "nee")),
        (1, replay_change("recognised", "ja", "nee")),
        (1, replay_change("deadlines", "", "")),
    ]
    assert replay_verdict(4, 212, parts) == (
        "zou 4 van 212 tickets anders beoordelen: 2× Middel → Hoog, 1× storing → vraag, "
        "1× niet meer vrijgesteld, 1× niet meer herkend, 1× alleen andere termijnen"
    )
    assert replay_verdict(0, 1500, []) == "zou geen van de 1.500 tickets anders beoordelen"
    assert replay_verdict(0, 0, [], verb="zouden").startswith("zouden geen tickets")


@pytest.fixture(scope="module")
def shipped() -> Any:
    return load_rules(REPO / "rules")


def test_a_new_file_changes_nothing_that_was_there(shipped: Any, tmp_path: Path) -> None:
    # Issue 13: one new file was announced as "gewijzigd" for nine untouched rules.
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "05-eerst.yaml").write_text(
        "decisions:\n"
        "  - name: eerste-rij\n"
        "    description: Een beveiligingsprobleem aan de telefoon.\n"
        "    when: {beveiliging: ja, channel: phone}\n"
        "    then: {category: storing, priority: hoog}\n"
        "factors:\n"
        "  taal:\n"
        "    values:\n"
        "      engels: {words: [please]}\n",
        encoding="utf-8",
    )
    changes = diff(shipped, load_rules(rules))
    assert changes.added == ("eerste-rij", "factor:taal")
    assert (changes.changed, changes.removed, changes.words, changes.reordered) == (
        (),
        (),
        (),
        False,
    )


def test_a_moved_word_is_its_factor_with_both_values(shipped: Any, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    move_word(rules / "20-omvang-en-functie.yaml", "meerdere collega*", "enkele", "groot-deel")
    changes = diff(shipped, load_rules(rules))
    assert (changes.added, changes.changed, changes.removed) == ((), ("factor:omvang",), ())
    assert changes.words == (
        WordMove(factor="omvang", word="meerdere collega*", before="enkele", after="groot-deel"),
    )


def test_rows_swapped_are_reordered_not_changed(shipped: Any, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    table = rules / "70-beslistabel.yaml"
    text = table.read_text(encoding="utf-8")
    first = text.index("  - name: grote-groep-kan-niet-werken")
    second = text.index("  - name: grote-groep-kernfunctie")
    third = text.index("  - name: onwerkbaar-traag")
    table.write_text(
        text[:first] + text[second:third] + text[first:second] + text[third:], encoding="utf-8"
    )
    changes = diff(shipped, load_rules(rules))
    assert changes.reordered and changes.changed == () and changes.added == ()


REPLAY = ReplaySummary(
    since=date(2026, 10, 25),
    days=30,
    replayed=212,
    changed=4,
    counts=(
        ReplayCount(aspect="priority", before="middel", after="hoog", count=2),
        ReplayCount(aspect="category", before="storing", after="vraag", count=1),
        ReplayCount(aspect="deadlines", count=1),
    ),
)


def test_announcement_with_words_and_replay_round_trips_through_the_outbox() -> None:
    changes = RuleChanges(
        changed=("factor:omvang", "vraag"),
        words=(
            WordMove(
                factor="omvang", word="meerdere collega*", before="enkele", after="groot-deel"
            ),
            WordMove(factor="omvang", word="heel team", after="groot-deel"),
            WordMove(factor="omvang", word="een paar", before="enkele"),
        ),
        reordered=True,
    )
    intent = RulesReloaded.of("rules-2", changes, ["20-omvang.yaml"], REPLAY)
    assert from_payload(to_payload(intent)) == intent
    # A row queued before this field existed still reads.
    old = {"op": "rules_reloaded", "version": "v1", "changed": ["vraag"]}
    assert from_payload(old) == RulesReloaded(version="v1", changed=("vraag",))

    message = reloaded_message(intent)
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert texts[0] == (
        "🔄 Regels bijgewerkt: gewijzigd factor `omvang`, `vraag`; "
        "volgorde van de beslistabel gewijzigd"
    )
    assert texts[1].splitlines() == [
        "• `meerdere collega*` (omvang): enkele → groot-deel",
        "• `heel team` (omvang): nieuw, zet groot-deel",
        "• `een paar` (omvang): weggehaald uit enkele",
    ]
    assert texts[2] == (
        "Tickets van de laatste 30 dagen (sinds zo 25 okt) opnieuw beoordeeld: deze wijziging "
        "zou 4 van 212 tickets anders beoordelen: 2× Middel → Hoog, 1× storing → vraag, "
        "1× alleen andere termijnen."
    )
    context = [b["elements"][0]["text"] for b in message.blocks if b["type"] == "context"]
    assert context[0] == "Per ticket: `triage rules diff --since 2026-10-25`"


def test_announcement_caps_the_words_and_leaves_out_what_was_not_replayed() -> None:
    moves = tuple(WordMove(factor="f", word=f"w{n}", before="a", after="b") for n in range(40))
    message = reloaded_message(
        RulesReloaded.of("v", RuleChanges(changed=("factor:f",), words=moves), [])
    )
    words = message.blocks[1]["text"]["text"].splitlines()
    assert len(words) == MAX_WORDS + 1 and words[-1] == f"…en nog {40 - MAX_WORDS} woorden"
    assert "opnieuw beoordeeld" not in str(message.blocks)
    nothing = reloaded_message(
        RulesReloaded.of(
            "v",
            RuleChanges(changed=("vraag",)),
            [],
            ReplaySummary(since=date(2026, 10, 25), days=30, replayed=9, changed=0),
        )
    )
    assert "zou geen van de 9 tickets anders beoordelen." in str(nothing.blocks)
    assert "rules diff" not in str(nothing.blocks)


def test_reload_replay_window_starts_at_local_midnight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_TEXT_MODEL__ENABLED", "false")  # the edit's own effect
    edited = tmp_path / "rules"
    shutil.copytree(REPO / "rules", edited)
    move_word(edited / "20-omvang-en-functie.yaml", "meerdere collega*", "enkele", "groot-deel")
    setup = load_setup(Paths(REPO / "config", edited, tmp_path / "t.db"))
    now = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
    with Store(tmp_path / "t.db") as store:
        for at in ("2026-10-24T23:59:00+02:00", "2026-10-25T00:00:00+02:00"):
            report = Report(
                channel="email",
                received_at=datetime.fromisoformat(at),
                sender="a.devries@zorggroepnoord.nl",
                body="Meerdere collega's kunnen niet inloggen.",
            )
            store.record(report, setup.triage.decide(report), now)
        summary = reload_replay(store, setup.triage, load_rules(REPO / "rules"), now)
    assert summary is not None
    assert (summary.since, summary.days, summary.replayed, summary.changed) == (
        date(2026, 10, 25),
        30,
        1,
        1,
    )
    assert [(c.aspect, c.before, c.after, c.count) for c in summary.counts] == [
        ("priority", "middel", "hoog", 1)
    ]


def test_a_replay_that_fails_leaves_the_announcement_without_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    setup = load_setup(Paths(REPO / "config", REPO / "rules", tmp_path / "t.db"))
    store = Store(tmp_path / "t.db")
    store.close()  # a store that cannot be read at all
    assert reload_replay(store, setup.triage, setup.rule_set, AT) is None
    assert "replaying the last 30 days for the rules announcement failed" in caplog.text


def test_text_of_a_diff_names_every_reason() -> None:
    tally = Tally(replayed=3, team_changed=0, other_calendar=1)
    moved = compare(
        8,
        REPORT.model_copy(update={"subject": "Inloggen \x1b[2J"}),
        decision(organisation="acme", calendar_version="cal-0"),
        decision(
            exempt=False,
            exempt_reason=None,
            needs_triage=True,
            decision=None,
            rules=("sso",),
            resolution_due=AT + timedelta(days=6),
            organisation="zorggroep-noord",
            factors=(),
        ),
    )
    assert moved is not None
    tally.changes.append(moved)
    source = DiffSource("var/triage.db", "rules", "rules-2", date(2026, 11, 1))
    text = diff_text(tally, source, AMSTERDAM)
    assert text.splitlines()[:2] == [
        "Opnieuw beoordeeld: 3 tickets uit var/triage.db, ontvangen sinds zo 1 nov 2026, met de "
        "regels in rules (rules-2).",
        "Vergeleken met hun eerste beoordeling door de regels: deze regels zouden 1 van 3 "
        "tickets anders beoordelen: 1× niet meer vrijgesteld, 1× niet meer herkend.",
    ]
    assert "Let op: 1 ticket kreeg zijn eerste beoordeling met een andere kalender" in text
    block = text.split("\n\n")[1].splitlines()
    assert block == [
        "#8  di 24 nov 10:00  «Inloggen \\u001b[2J»",  # the subject cannot drive the terminal
        "    niet meer vrijgesteld; niet meer herkend",
        "    oplossen: zo 29 nov 10:00 → ma 30 nov 10:00",
        "    organisatie acme → zorggroep-noord",
        "    beslisregel storing-met-beperkingen → geen (niet herkend of een woordregel)",
        "    regels nu ook: sso",
        "    omvang: enkele («meerdere collega*») → onbekend",
        "    (eerste beoordeling met een andere kalender)",
    ]

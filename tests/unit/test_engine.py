"""The durable-rules engine wrapper: matching, outcome order, sessions, threads, hot swap."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.engine.loader import RuleSet, check_sources
from bot.engine.reload import reload_rules
from bot.engine.runner import RuleEngine
from bot.models import Category, Channel, Priority
from tests.unit.triage_setup import REPO

SLA = (REPO / "rules" / "00-sla.yaml").read_bytes()

RULES = """
rules:
  - name: vraag-niets-kapot
    description: a question, explicitly not broken
    when: {text: {all: [vraag], any: [niets kapot, niet kapot]}}
    then: {category: vraag}
  - name: storing-kapot
    description: broken, unless it is said not to be
    when: {text: {any: [kapot, werkt niet, foutmelding], none: [niets kapot, niet kapot]}}
    then: {category: storing, priority: middel}
  - name: inloggen
    description: login
    when: {text: {any: [inlog*, login]}}
    then: {category: storing, priority: hoog}
  - name: export
    description: exports are used less
    when: {text: {any: [export*]}}
    then: {category: storing, priority: laag}
  - name: via-telefoon
    description: anything by phone
    when: {channel: phone}
    then: {priority: middel}
  - name: acme-of-widget
    description: organisation or channel lists
    when: {organisation: [acme, other], channel: [widget, slack]}
    then: {priority: laag}
  - name: een-gebruiker
    description: only one user, middel whatever else fired
    when: {category: storing, text: {any: [alleen bij mij]}}
    then: {priority: middel, override: true}
  - name: iedereen
    description: everyone
    when: {category: [storing], text: {any: [iedereen]}}
    then: {priority: hoog}
"""


def rule_set(rules: str = RULES) -> RuleSet:
    return check_sources({"00-sla.yaml": SLA, "10-rules.yaml": rules.encode()})


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(rule_set())


def run(
    engine: RuleEngine,
    text: str,
    channel: Channel = Channel.EMAIL,
    org: str | None = None,
    confirmed: Priority | None = None,
):  # type: ignore[no-untyped-def]
    return engine.evaluate(text, channel, org, confirmed)


def test_negative_condition_keeps_a_question_a_question(engine: RuleEngine) -> None:
    outcome = run(engine, "Er is niets kapot, maar een vraag")
    assert outcome.category is Category.VRAAG
    assert outcome.fired == ("vraag-niets-kapot",)


def test_none_holds_when_no_term_matched_at_all(engine: RuleEngine) -> None:
    # `none` compiles to $iall over the matched terms; the sentinel keeps it true here.
    outcome = run(engine, "de knop werkt niet")
    assert outcome.fired == ("storing-kapot",)
    assert (outcome.category, outcome.priority) == (Category.STORING, Priority.MIDDEL)


def test_most_severe_priority_wins_and_all_fired_rules_are_listed_in_order(
    engine: RuleEngine,
) -> None:
    outcome = run(engine, "export kapot en inloggen werkt niet")
    assert outcome.fired == ("storing-kapot", "inloggen", "export")
    assert outcome.category is Category.STORING
    assert outcome.priority is Priority.HOOG


def test_first_rule_decides_the_category(engine: RuleEngine) -> None:
    outcome = run(engine, "vraag: niet kapot, wel inloggen?")
    assert outcome.fired[0] == "vraag-niets-kapot"
    assert outcome.category is Category.VRAAG
    # Vraag is fixed at laag by the SLA file, whatever the rules say.
    assert outcome.priority is Priority.LAAG


def test_override_beats_severity(engine: RuleEngine) -> None:
    outcome = run(engine, "inloggen lukt alleen bij mij niet")
    assert outcome.fired == ("inloggen", "een-gebruiker")
    assert outcome.priority is Priority.MIDDEL


def test_phase_two_sees_the_category_decided_in_phase_one(engine: RuleEngine) -> None:
    assert run(engine, "export kapot bij iedereen").fired == (
        "storing-kapot",
        "export",
        "iedereen",
    )
    # Without a storing category, the category rules of phase two do not fire.
    assert run(engine, "iedereen alleen bij mij").fired == ()


def test_channel_and_organisation_conditions(engine: RuleEngine) -> None:
    assert run(engine, "hallo", Channel.PHONE).fired == ("via-telefoon",)
    assert run(engine, "hallo", Channel.WIDGET, "acme").fired == ("acme-of-widget",)
    assert run(engine, "hallo", Channel.WIDGET, "nobody").fired == ()
    assert run(engine, "hallo", Channel.EMAIL, "acme").fired == ()


def test_priority_only_rule_leaves_default_category(engine: RuleEngine) -> None:
    outcome = run(engine, "hallo", Channel.PHONE)
    # Category vraag (default) has a fixed priority laag, so the phone rule's middel is moot.
    assert (outcome.category, outcome.priority) == (Category.VRAAG, Priority.LAAG)


def test_confirmed_priority_wins(engine: RuleEngine) -> None:
    outcome = run(engine, "inloggen", confirmed=Priority.LAAG)
    assert (outcome.priority, outcome.provisional) == (Priority.LAAG, False)


def test_sessions_are_deleted(engine: RuleEngine) -> None:
    # durable-rules allows 1,024 live sessions per ruleset; the 1,025th raises MemoryError.
    for i in range(1_500):
        run(engine, f"kapot {i}")


def test_a_text_over_64_kib_is_matched_completely(engine: RuleEngine) -> None:
    outcome = run(engine, "bla " * 20_000 + "inloggen")
    assert outcome.fired == ("inloggen",)


def test_concurrent_calls_give_the_same_answers(engine: RuleEngine) -> None:
    texts = ["export kapot", "inloggen", "niets kapot vraag", "alleen bij mij kapot", "hallo"]
    expected = {t: run(engine, t) for t in texts}
    errors: list[str] = []

    def worker() -> None:
        for _ in range(200):
            for text in texts:
                if run(engine, text) != expected[text]:
                    errors.append(text)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_swap_is_atomic_and_frees_the_old_ruleset() -> None:
    engine = RuleEngine(rule_set())
    old_name = engine._active.name
    previous = engine.swap(rule_set(RULES.replace("priority: hoog}", "priority: laag}", 1)))
    assert previous.version != engine.rule_set.version
    assert old_name not in engine._host._ruleset_directory
    assert run(engine, "inloggen").priority is Priority.LAAG
    # Many swaps: each registers a new name, none leaks.
    for _ in range(20):
        engine.swap(rule_set())
    assert len(engine._host._ruleset_directory) == 1
    assert run(engine, "inloggen").priority is Priority.HOOG


def _write(directory: Path, rules: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / "00-sla.yaml").write_bytes(SLA)
    (directory / "10-rules.yaml").write_text(rules, encoding="utf-8")


def test_reload_valid_edit_reports_changes(tmp_path: Path) -> None:
    _write(tmp_path, RULES)
    engine = RuleEngine(rule_set())
    edited = RULES.replace("priority: hoog}", "priority: laag}", 1) + (
        "  - name: nieuw\n    description: new\n    when: {text: {any: [nieuw]}}\n"
        "    then: {category: wens}\n"
    )
    _write(tmp_path, edited)
    result = reload_rules(engine, tmp_path)
    assert result.loaded is True
    assert result.changes.changed == ("inloggen",)
    assert result.changes.added == ("nieuw",)
    assert result.changes.removed == ()
    assert run(engine, "inloggen").priority is Priority.LAAG


def test_reload_broken_edit_keeps_old_rules_and_says_why(tmp_path: Path) -> None:
    engine = RuleEngine(rule_set())
    before = engine.rule_set.version
    _write(tmp_path, RULES.replace("priority: hoog}", "priority: urgent}", 1))
    result = reload_rules(engine, tmp_path)
    assert result.loaded is False
    assert result.version == before == engine.rule_set.version
    assert len(result.problems) == 1
    assert "onbekende prioriteit 'urgent'" in str(result.problems[0])
    assert str(result.problems[0]).startswith(str(tmp_path / "10-rules.yaml") + ":")
    assert run(engine, "inloggen").priority is Priority.HOOG


def test_reload_without_change_is_a_no_op(tmp_path: Path) -> None:
    _write(tmp_path, RULES)
    engine = RuleEngine(rule_set())
    first = reload_rules(engine, tmp_path)
    second = reload_rules(engine, tmp_path)
    assert first.loaded and second.loaded
    assert second.version == first.version
    assert not second.changes.any


LISTS = """
lists:
  grote-groep: [iedereen, niemand, alle gebruikers]
  kernfunctie: [doel*, evaluatie*, inlog*]
rules:
  - name: groot-en-kern
    description: a large group and a core function
    when: {text: {all: ["@grote-groep", "@kernfunctie"]}}
    then: {category: storing, priority: hoog}
  - name: groep-inline
    description: inline groups in all
    when: {text: {all: [[export, rapportage], [leeg, fout]], none: ["@grote-groep"]}}
    then: {category: storing, priority: middel}
"""


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("niemand kan inloggen", ("groot-en-kern",)),
        ("alle gebruikers: evaluaties weg", ("groot-en-kern",)),
        ("iedereen is blij", ()),
        ("inloggen lukt niet", ()),
        ("de rapportage is leeg", ("groep-inline",)),
        ("de export geeft een fout", ("groep-inline",)),
        ("de export is leeg voor iedereen", ()),
        ("de export", ()),
    ],
)
def test_word_lists_and_groups(text: str, fired: tuple[str, ...]) -> None:
    engine = RuleEngine(rule_set(LISTS))
    assert run(engine, text).fired == fired


def test_lists_are_shared_across_files() -> None:
    uses = LISTS.split("rules:")[0].replace("lists:", "").strip()
    assert uses.startswith("grote-groep")
    rules = "rules:" + LISTS.split("rules:")[1]
    rule_set_ = check_sources(
        {
            "00-sla.yaml": SLA,
            "10-lists.yaml": LISTS.split("rules:")[0].encode(),
            "20-rules.yaml": rules.encode(),
        }
    )
    assert RuleEngine(rule_set_).evaluate("niemand kan inloggen", Channel.EMAIL, None).fired == (
        "groot-en-kern",
    )


def test_unknown_and_duplicate_lists_are_reported_with_lines() -> None:
    from bot.errors import RuleSetInvalid

    broken = LISTS.replace('"@kernfunctie"', '"@kern"')
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(
            {
                "00-sla.yaml": SLA,
                "10.yaml": broken.encode(),
                "20.yaml": b"lists:\n  grote-groep: [x]\n",
            }
        )
    messages = [str(p) for p in caught.value.problems]
    assert (
        "10.yaml:8: woordregel 'groot-en-kern': onbekende woordenlijst @kern (bekend: "
        "@grote-groep, @kernfunctie)" in messages
    )
    assert "20.yaml:2: woordenlijst 'grote-groep' staat er twee keer (ook in 10.yaml:3)" in (
        messages
    )


def test_typographic_apostrophe_matches() -> None:
    engine = RuleEngine(
        rule_set("""
rules:
  - name: cant
    description: english
    when: {text: {any: ["can't log in"]}}
    then: {category: storing}
""")
    )
    assert run(engine, "I can\u2019t log in").fired == ("cant",)

"""`rules check`: every problem in a rule file is named with file:line and a Dutch hint, all of
them in one run; nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.loader import check_sources, load_rules
from bot.errors import RuleSetInvalid
from tests.unit.triage_setup import REPO

SLA = (REPO / "rules" / "00-sla.yaml").read_bytes()

GOOD_RULE = """\
rules:
  - name: kapot
    description: iets is kapot
    when:
      text:
        any: [kapot]
    then:
      category: storing
      priority: middel
"""


def problems(text: str, orgs: list[str] | None = None) -> list[str]:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "rules/10-x.yaml": text.encode()}, orgs)
    return [str(p) for p in caught.value.problems]


def test_good_file_passes() -> None:
    rule_set = check_sources({"00-sla.yaml": SLA, "10-x.yaml": GOOD_RULE.encode()})
    assert [r.name for r in rule_set.rules] == ["kapot"]
    assert rule_set.version.startswith("rules-")


def test_yaml_syntax_error_names_the_line() -> None:
    text = GOOD_RULE.replace("any: [kapot]", "any: [kapot")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:")
    assert "de [ op deze regel wordt niet gesloten: zet ] aan het eind" in found[0]


def test_unknown_key_names_key_and_line() -> None:
    text = GOOD_RULE.replace("      priority: middel", "      prio: middel")
    assert problems(text) == [
        "rules/10-x.yaml:9: onbekende sleutel 'prio' in rules[0].then (bedoel je 'priority'?)"
    ]


def test_unknown_priority_names_value_and_line() -> None:
    text = GOOD_RULE.replace("priority: middel", "priority: urgent")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:9: onbekende prioriteit 'urgent'")
    assert "(kies uit 'hoog', 'middel' of 'laag')" in found[0]


def test_unknown_channel() -> None:
    text = GOOD_RULE.replace("    when:\n", "    when:\n      channel: [email, fax]\n")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:5: onbekende kanaal 'fax'")


def test_unknown_category() -> None:
    found = problems(GOOD_RULE.replace("category: storing", "category: bug"))
    assert found[0].startswith("rules/10-x.yaml:8: onbekende categorie 'bug'")


def test_duplicate_names_across_files_point_at_both() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(
            {"00-sla.yaml": SLA, "a.yaml": GOOD_RULE.encode(), "b.yaml": GOOD_RULE.encode()}
        )
    assert [str(p) for p in caught.value.problems] == [
        "b.yaml:2: woordregel 'kapot' staat er twee keer (ook in a.yaml:2)"
    ]


def test_duplicate_yaml_key() -> None:
    text = GOOD_RULE.replace(
        "      priority: middel", "      priority: middel\n      priority: hoog"
    )
    assert problems(text) == [
        "rules/10-x.yaml:10: sleutel 'priority' staat twee keer in hetzelfde blok "
        "(eerst op regel 9): haal er een weg"
    ]


@pytest.mark.parametrize(
    ("term", "fragment"),
    [
        ("'/([a-z/'", "patroon /([a-z/: een [ zonder ]"),
        ("'*'", "geen letters"),
        ("'ka*pot'", "mag alleen aan het begin of eind"),
    ],
)
def test_pattern_that_cannot_compile(term: str, fragment: str) -> None:
    found = problems(GOOD_RULE.replace("any: [kapot]", f"any: [kapot, {term}]"))
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:6: woordregel 'kapot':")
    assert fragment in found[0]


def test_rule_cannot_test_and_set_the_category() -> None:
    text = GOOD_RULE.replace("    when:\n", "    when:\n      category: vraag\n")
    found = problems(text)
    assert len(found) == 1 and "kan hem niet ook zetten" in found[0]


def test_missing_required_keys() -> None:
    found = problems("rules:\n  - name: x\n    then: {priority: hoog}\n")
    assert found == ["rules/10-x.yaml:2: verplichte sleutel 'description' ontbreekt in rules[0]"]


def test_then_needs_an_outcome() -> None:
    found = problems("rules:\n  - name: x\n    description: d\n    then: {}\n")
    assert found == [
        "rules/10-x.yaml:4: rules[0].then: then heeft een category, een priority of allebei nodig"
    ]


def test_bad_rule_name() -> None:
    found = problems(GOOD_RULE.replace("name: kapot", "name: Kapot Ding"))
    assert found == [
        "rules/10-x.yaml:2: naam 'Kapot Ding' bij rules[0].name: gebruik alleen kleine letters, "
        "cijfers en '-', zonder spaties, en begin met een letter"
    ]


def test_unknown_top_level_section() -> None:
    assert problems(GOOD_RULE + "regels: []\n") == [
        "rules/10-x.yaml:10: onbekende sleutel 'regels' in het bestand "
        "(de sleutels zijn Engels: bedoel je 'rules'?)"
    ]


def test_no_code_can_run() -> None:
    found = problems("rules: !!python/object/apply:os.system ['echo pwned']\n")
    assert found == [
        "rules/10-x.yaml:1: '!!python/object/apply:os.system' begint met !: zet het tussen "
        'aanhalingstekens, "!!python/object/apply:os.system" (YAML leest ! als een '
        "soort-aanduiding)"
    ]


def test_a_list_at_top_level_is_refused() -> None:
    assert problems("- a\n- b\n") == [
        "rules/10-x.yaml:1: een regelbestand bestaat uit blokken als factors:, decisions:, "
        "rules:, examples: en sla:, niet uit een losse lijst of tekst"
    ]


def test_unknown_organisation_when_organisations_are_known() -> None:
    text = GOOD_RULE.replace("    when:\n", "    when:\n      organisation: [acme, nope]\n")
    assert problems(text, orgs=["acme"]) == [
        "rules/10-x.yaml:5: woordregel 'kapot': onbekende organisatie 'nope' "
        "(niet in config/organisations.yaml)"
    ]


def test_example_with_unknown_rule_and_key() -> None:
    text = GOOD_RULE + (
        "examples:\n"
        "  - report: {body: kapot}\n"
        "    expect: {rules: [kapotje]}\n"
        "  - report: {body: kapot}\n"
        "    expect: {prioriteit: hoog}\n"
    )
    found = problems(text)
    assert found == [
        "rules/10-x.yaml:14: onbekende sleutel 'prioriteit' in examples[1].expect "
        "(de sleutels zijn Engels: bedoel je 'priority'?)",
        # The broken example is left out; the other one is still checked.
        "rules/10-x.yaml:11: voorbeeld noemt onbekende woordregel 'kapotje'",
    ]


def test_missing_sla_section() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"10-x.yaml": GOOD_RULE.encode()})
    assert "geen enkel bestand heeft een sla-blok" in str(caught.value)


def test_second_sla_section() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "01-sla.yaml": SLA})
    assert "01-sla.yaml:5: een tweede sla-blok (het eerste staat in 00-sla.yaml:5)" in str(
        caught.value
    )


def test_incomplete_sla_targets() -> None:
    broken = SLA.replace(
        b'    wens:\n      any: {reaction: none, resolution: none, clause: "3.A"}\n', b""
    )
    assert broken != SLA
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": broken})
    assert "er ontbreken termijnen voor wens/hoog, wens/middel, wens/laag" in str(caught.value)


def test_unreadable_target() -> None:
    broken = SLA.replace(b"reaction: 1 working day         # 3.G:", b"reaction: 1 dag #")
    assert broken != SLA
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": broken})
    assert "termijn '1 dag' is niet te lezen" in str(caught.value)


def test_not_utf8() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "x.yaml": b"\xff\xfe rules"})
    assert "x.yaml:1: geen UTF-8-tekst (byte 0): sla het bestand op als UTF-8" in str(caught.value)


def test_missing_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleSetInvalid, match="deze map met regels bestaat niet"):
        load_rules(tmp_path / "nope")
    with pytest.raises(RuleSetInvalid, match=r"geen regelbestanden"):
        load_rules(tmp_path)


def test_all_problems_reported_at_once() -> None:
    text = GOOD_RULE.replace("priority: middel", "priority: urgent") + (
        "  - name: kapot\n    description: d\n    then: {category: vraag}\n"
    )
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(
            {
                "00-sla.yaml": SLA,
                "a.yaml": text.encode(),
                "b.yaml": b"rules:\n  - name: x\n    then: {priority: hoog}\n",
            }
        )
    # The schema error leaves the first rule out, not the file: the second rule is still
    # checked (it is no duplicate now), and the other file's problem is reported too.
    assert [str(p) for p in caught.value.problems] == [
        "a.yaml:9: onbekende prioriteit 'urgent' bij rules[0].then.priority "
        "(kies uit 'hoog', 'middel' of 'laag')",
        "b.yaml:2: verplichte sleutel 'description' ontbreekt in rules[0]",
    ]


def test_shipped_rules_are_valid() -> None:
    rule_set = load_rules(REPO / "rules")
    assert rule_set.sla is not None

"""`rules check`: every problem in a rule file is named with file:line, nothing runs."""

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
    assert "YAML syntax error" in found[0]


def test_unknown_key_names_key_and_line() -> None:
    text = GOOD_RULE.replace("      priority: middel", "      prio: middel")
    assert problems(text) == ["rules/10-x.yaml:9: unknown key 'prio' in rules[0].then"]


def test_unknown_priority_names_value_and_line() -> None:
    text = GOOD_RULE.replace("priority: middel", "priority: urgent")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:9: unknown priority 'urgent'")
    assert "'hoog', 'middel' or 'laag'" in found[0]


def test_unknown_channel() -> None:
    text = GOOD_RULE.replace("    when:\n", "    when:\n      channel: [email, fax]\n")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:5: unknown channel 'fax'")


def test_unknown_category() -> None:
    found = problems(GOOD_RULE.replace("category: storing", "category: bug"))
    assert found[0].startswith("rules/10-x.yaml:8: unknown category 'bug'")


def test_duplicate_names_across_files_point_at_both() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(
            {"00-sla.yaml": SLA, "a.yaml": GOOD_RULE.encode(), "b.yaml": GOOD_RULE.encode()}
        )
    assert [str(p) for p in caught.value.problems] == [
        "b.yaml:2: duplicate rule name 'kapot' (also at a.yaml:2)"
    ]


def test_duplicate_yaml_key() -> None:
    text = GOOD_RULE.replace(
        "      priority: middel", "      priority: middel\n      priority: hoog"
    )
    assert problems(text) == ["rules/10-x.yaml:10: duplicate key 'priority' (first on line 9)"]


@pytest.mark.parametrize(
    ("term", "fragment"),
    [
        ("'/([a-z/'", "patroon /([a-z/: een [ zonder ]"),
        ("'*'", "no letters"),
        ("'ka*pot'", "only allowed"),
    ],
)
def test_pattern_that_cannot_compile(term: str, fragment: str) -> None:
    found = problems(GOOD_RULE.replace("any: [kapot]", f"any: [kapot, {term}]"))
    assert len(found) == 1
    assert found[0].startswith("rules/10-x.yaml:6: rule 'kapot':")
    assert fragment in found[0]


def test_rule_cannot_test_and_set_the_category() -> None:
    text = GOOD_RULE.replace("    when:\n", "    when:\n      category: vraag\n")
    found = problems(text)
    assert len(found) == 1 and "cannot also set it" in found[0]


def test_missing_required_keys() -> None:
    found = problems("rules:\n  - name: x\n    then: {priority: hoog}\n")
    assert found == ["rules/10-x.yaml:2: missing required key 'description' in rules[0]"]


def test_then_needs_an_outcome() -> None:
    found = problems("rules:\n  - name: x\n    description: d\n    then: {}\n")
    assert found == ["rules/10-x.yaml:4: rules[0].then: then needs a category, a priority or both"]


def test_bad_rule_name() -> None:
    found = problems(GOOD_RULE.replace("name: kapot", "name: Kapot Ding"))
    assert len(found) == 1 and found[0].startswith("rules/10-x.yaml:2: rules[0].name")


def test_unknown_top_level_section() -> None:
    assert problems(GOOD_RULE + "regels: []\n") == [
        "rules/10-x.yaml:10: unknown key 'regels' in the file"
    ]


def test_no_code_can_run() -> None:
    found = problems("rules: !!python/object/apply:os.system ['echo pwned']\n")
    assert len(found) == 1 and "YAML syntax error" in found[0]


def test_a_list_at_top_level_is_refused() -> None:
    assert problems("- a\n- b\n") == [
        "rules/10-x.yaml:1: a rule file is a mapping with rules:, examples:, sla:"
    ]


def test_unknown_organisation_when_organisations_are_known() -> None:
    text = GOOD_RULE.replace("    when:\n", "    when:\n      organisation: [acme, nope]\n")
    assert problems(text, orgs=["acme"]) == [
        "rules/10-x.yaml:5: rule 'kapot': unknown organisation 'nope' "
        "(not in config/organisations.yaml)"
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
    assert "rules/10-x.yaml:14: unknown key 'prioriteit' in examples[1].expect" in found


def test_missing_sla_section() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"10-x.yaml": GOOD_RULE.encode()})
    assert "no file has an 'sla' section" in str(caught.value)


def test_second_sla_section() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "01-sla.yaml": SLA})
    assert "01-sla.yaml:5: a second sla section (first in 00-sla.yaml:5)" in str(caught.value)


def test_incomplete_sla_targets() -> None:
    broken = SLA.replace(
        b'    wens:\n      any: {reaction: none, resolution: none, clause: "3.A"}\n', b""
    )
    assert broken != SLA
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": broken})
    assert "targets are missing for wens/hoog, wens/middel, wens/laag" in str(caught.value)


def test_unreadable_target() -> None:
    broken = SLA.replace(b"reaction: 1 working day         # 3.G:", b"reaction: 1 dag #")
    assert broken != SLA
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": broken})
    assert "cannot read target '1 dag'" in str(caught.value)


def test_not_utf8() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "x.yaml": b"\xff\xfe rules"})
    assert "x.yaml:1: not UTF-8 text" in str(caught.value)


def test_missing_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleSetInvalid, match="does not exist"):
        load_rules(tmp_path / "nope")
    with pytest.raises(RuleSetInvalid, match=r"no rule files"):
        load_rules(tmp_path)


def test_all_problems_reported_at_once() -> None:
    text = GOOD_RULE.replace("priority: middel", "priority: urgent") + (
        "  - name: kapot\n    description: d\n    then: {category: vraag}\n"
    )
    # The schema error stops this file; the other file's problem is still reported.
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(
            {
                "00-sla.yaml": SLA,
                "a.yaml": text.encode(),
                "b.yaml": b"rules:\n  - name: x\n    then: {priority: hoog}\n",
            }
        )
    files = {p.file for p in caught.value.problems}
    assert files == {"a.yaml", "b.yaml"}


def test_shipped_rules_are_valid() -> None:
    rule_set = load_rules(REPO / "rules")
    assert rule_set.sla is not None

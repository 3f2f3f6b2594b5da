"""Rule files a team lead can fix: YAML mistakes in plain Dutch with the line and a hint, and
every problem of every file in one run (a wrong item is left out, not the whole file)."""

from __future__ import annotations

import pytest

from bot.engine.loader import check_sources
from bot.errors import RuleSetInvalid
from tests.unit.triage_setup import REPO

SLA = (REPO / "rules" / "00-sla.yaml").read_bytes()

FACTOR = """\
factors:
  beveiliging:
    description: Een beveiligingsprobleem
    values:
      ja:
        words:
          - datalek
          - andere klant
decisions:
  - name: beveiliging
    description: Een beveiligingsprobleem is altijd Hoog.
    when:
      beveiliging: ja
    then: {category: storing, priority: hoog}
"""


def problems(*texts: str) -> list[str]:
    sources = {"00-sla.yaml": SLA}
    sources.update({f"{10 * (i + 1)}-x.yaml": t.encode() for i, t in enumerate(texts)})
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(sources)
    return [str(p) for p in caught.value.problems]


def test_the_base_file_is_valid() -> None:
    assert check_sources({"00-sla.yaml": SLA, "10-x.yaml": FACTOR.encode()}).decisions


@pytest.mark.parametrize(
    ("broken", "line", "hint"),
    [
        pytest.param(
            FACTOR.replace("    description: Een beveiligingsprobleem\n", "\tdescription: x\n"),
            3,
            "deze regel springt in met een tab: YAML springt alleen in met spaties",
            id="tab",
        ),
        pytest.param(
            FACTOR.replace("  beveiliging:\n    desc", "  beveiliging\n    desc"),
            2,
            "hier ontbreekt een dubbele punt: schrijf 'beveiliging:'",
            id="missing-colon-on-a-block-key",
        ),
        pytest.param(
            FACTOR.replace(
                "    description: Een beveiligingsprobleem is", "    description Een is"
            ),
            11,
            "hier ontbreekt een dubbele punt: schrijf 'description: ...'",
            id="missing-colon-before-a-value",
        ),
        pytest.param(
            FACTOR.replace("    description: Een beveiligingsprobleem is", "   description: Een"),
            11,
            "deze regel springt 3 spaties in, regel 10 springt 4 spaties in: wat bij elkaar "
            "hoort moet precies onder elkaar staan",
            id="indent-too-little",
        ),
        pytest.param(
            FACTOR.replace("          - andere klant", "         - andere klant"),
            8,
            "deze regel springt 9 spaties in, regel 7 springt 10 spaties in",
            id="list-item-out-of-line",
        ),
        pytest.param(
            FACTOR.replace("    when:\n", "      when:\n"),
            12,
            "deze regel springt verder in dan regel 11, die al een waarde heeft",
            id="indent-too-much",
        ),
        pytest.param(
            FACTOR.replace("          - datalek", "          - @lekken"),
            7,
            "'@lekken' begint met @: zet een woordenlijst tussen aanhalingstekens, \"@lekken\"",
            id="unquoted-list",
        ),
        pytest.param(
            FACTOR.replace("          - datalek", "          - *lek"),
            7,
            "'*lek' begint met *: zet het tussen aanhalingstekens, \"*lek\" (YAML leest * als "
            "een verwijzing",
            id="unquoted-star",
        ),
        pytest.param(
            FACTOR.replace("          - datalek", "          - `lek`"),
            7,
            "'`lek`' begint met `: zet het tussen aanhalingstekens",
            id="backtick",
        ),
        pytest.param(
            FACTOR.replace("description: Een beveiligingsprobleem\n", 'description: "Een b\n'),
            3,
            "de aanhalingstekens die hier openen worden nergens gesloten",
            id="unclosed-quote",
        ),
        pytest.param(
            FACTOR.replace("          - datalek", "          - 'can't log in'"),
            7,
            "een ' midden in een woord tussen enkele aanhalingstekens sluit het woord af: "
            "schrijf hem twee keer ('can''t')",
            id="apostrophe-in-single-quotes",
        ),
        pytest.param(
            FACTOR.replace("Een beveiligingsprobleem is altijd Hoog.", "Let op: altijd Hoog."),
            11,
            "deze waarde bevat een dubbele punt met een spatie erachter: zet de hele waarde "
            "tussen aanhalingstekens",
            id="colon-in-a-value",
        ),
        pytest.param(
            FACTOR.replace("then: {category: storing, priority: hoog}", "then: {category: x"),
            14,
            "de { op deze regel wordt niet gesloten: zet } aan het eind",
            id="unclosed-brace",
        ),
    ],
)
def test_yaml_mistakes_are_explained_in_dutch(broken: str, line: int, hint: str) -> None:
    found = problems(broken)
    assert len(found) == 1, found
    assert found[0].startswith(f"10-x.yaml:{line}: "), found[0]
    assert hint in found[0]
    for parser_speak in ("expected", "<block", "token", "scanning", "found"):
        assert parser_speak not in found[0]


def test_every_certain_yaml_mistake_of_a_file_in_one_run() -> None:
    # The parser stops at the first; the tab and the second unquoted list further down are
    # certain from their lines alone, so they are named in the same run.
    text = (
        FACTOR.replace("          - datalek", "          - @lekken")
        .replace("          - andere klant", "          - andere klant\n          - @klanten")
        .replace("      beveiliging: ja", "\t  beveiliging: ja")
    )
    found = problems(text)
    assert [p.split(":")[1] for p in found] == ["7", "9", "14"]
    assert "@lekken" in found[0] and "@klanten" in found[1] and "tab" in found[2]


def test_a_text_block_may_hold_anything() -> None:
    text = FACTOR.replace(
        "    description: Een beveiligingsprobleem is altijd Hoog.",
        "    description: |\n      - @niet-erg: een tekstblok\n      *ook* niet",
    ).replace("          - datalek", "          - @lekken")
    assert [p.split(":")[1] for p in problems(text)] == ["7"]


def test_an_empty_word_points_at_an_unquoted_hash() -> None:
    found = problems(FACTOR.replace("          - datalek", "          - #veel klanten"))
    assert found == [
        "10-x.yaml:7: lege waarde bij factors.beveiliging.values.ja.words[0]: staat er niets "
        "achter de dubbele punt of het streepje, of begint het woord met # of &? Zet zo'n "
        "woord tussen aanhalingstekens"
    ]


def test_a_colon_in_a_word_makes_a_key() -> None:
    found = problems(FACTOR.replace("          - datalek", "          - let op: datalek"))
    assert len(found) == 1
    assert found[0].startswith("10-x.yaml:7: bij factors.beveiliging.values.ja.words[0] hoort")
    assert "YAML las 'let op: ...' als sleutel met waarde" in found[0]


def test_yes_and_no_are_words_in_quotes() -> None:
    found = problems(FACTOR.replace("          - datalek", "          - no"))
    assert len(found) == 1 and "zet woorden als yes, no, on en off tussen" in found[0]


def test_every_schema_problem_of_a_file_in_one_run() -> None:
    # Three wrong items in one file, plus a problem the checks after the schema find (a row
    # naming a factor that does not exist): all four in one run, each with its own line.
    text = FACTOR.replace(
        "          - andere klant", "          - andere klant\n        negated: nee"
    ) + (
        "  - name: Tweede Rij\n"
        "    description: x\n"
        "    then: {category: storing}\n"
        "  - name: derde\n"
        "    description: x\n"
        "    when: {omvang: iedereen}\n"
        "    then: {category: storing, priority: hoog}\n"
        "  - name: vierde\n"
        "    description: x\n"
        "    then: {category: storing, prioriteit: hoog}\n"
    )
    found = problems(text)
    assert found == [
        "10-x.yaml:2: factors.beveiliging: waarde 'ja': negated: 'nee' is geen waarde van "
        "deze factor",
        "10-x.yaml:16: naam 'Tweede Rij' bij decisions[1].name: gebruik alleen kleine letters, "
        "cijfers en '-', zonder spaties, en begin met een letter",
        "10-x.yaml:25: onbekende sleutel 'prioriteit' in decisions[3].then "
        "(de sleutels zijn Engels: bedoel je 'priority'?)",
        # The broken factor 'beveiliging' is left out, but the row naming it is not reported
        # again; the row naming a factor nobody defined is.
        "10-x.yaml:21: beslisregel 'derde': onbekende factor 'omvang' (bekend: channel, "
        "organisation)",
    ]


def test_items_left_out_cause_no_follow_up_problems_in_other_files() -> None:
    broken_factor = FACTOR.split("decisions:")[0].replace("    values:", "    valeus:")
    rows = "decisions:" + FACTOR.split("decisions:")[1]
    examples = (
        "examples:\n"
        "  - report: {body: datalek}\n"
        "    expect: {decision: beveiliging, factors: {beveiliging: ja}}\n"
    )
    found = problems(broken_factor, rows + examples)
    assert found == [
        "10-x.yaml:2: verplichte sleutel 'values' ontbreekt in factors.beveiliging",
        "10-x.yaml:4: onbekende sleutel 'valeus' in factors.beveiliging (bedoel je 'values'?)",
    ]


def test_a_file_yaml_cannot_read_causes_no_follow_up_problems() -> None:
    # The factor file has a tab: YAML reads none of it. The rows in the other file that
    # name its factor are not reported as naming an unknown factor; a factor nobody defined
    # still is.
    factors = FACTOR.split("decisions:")[0].replace("          - datalek", "\t  - datalek")
    rows = "decisions:" + FACTOR.split("decisions:")[1]
    rows += (
        "  - name: onbekend\n"
        "    description: x\n"
        "    when: {omvang: iedereen}\n"
        "    then: {category: storing}\n"
    )
    found = problems(factors, rows)
    assert [p.split(": ", 1)[0] for p in found] == ["10-x.yaml:7", "20-x.yaml:9"]
    assert "tab" in found[0] and "onbekende factor 'omvang'" in found[1]

"""Factors and the decision table: bot/engine/factors.py, tables.py, schema.py, runner.py.

A small rules directory (the shipped SLA file and one factor file written here) is loaded the
way the bot loads it; the tests read factors from reports with FactorReader, decide with the
RuleEngine and the Triage pipeline, and break the files to see `rules check` name file:line.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from bot.calendar import BusinessCalendar, ReleaseCalendar, ReleaseConfig
from bot.directory import Directory, OrganisationsFile
from bot.engine.factors import FactorReader, FactorValue
from bot.engine.loader import RuleSet, check_sources, load_rules
from bot.engine.runner import RuleEngine
from bot.engine.schema import UNKNOWN
from bot.errors import RuleProblem, RuleSetInvalid
from bot.models import Category, Channel, Priority
from bot.pipeline import Triage
from bot.reading import read_report
from tests.unit.triage_setup import ORGANISATIONS, REPO, local, report

SLA = (REPO / "rules" / "00-sla.yaml").read_bytes()

FACTORS = """\
lists:
  grote-groep: [iedereen, alle medewerkers, hele organisatie]

factors:
  fout:
    description: Er gaat iets mis
    group: soort
    values:
      ja:
        negated: ontkend
        words: [werkt niet, foutmelding, storing, kapot, niemand kan, lukt niet]
      ontkend:
        words: [niets kapot]
  vraag:
    description: Een vraag
    group: soort
    values:
      ja:
        words: [hoe kan ik, how do i]
  spoed:
    description: De klant zegt dat het haast heeft
    values:
      ja:
        words: [spoed, urgent]
  omvang:
    description: Hoeveel gebruikers
    near: [fout]
    values:
      iedereen:
        negated: enkele
        words: ["@grote-groep"]
      enkele:
        words: [enkele collega's, een paar collega's]
      een-gebruiker:
        words: [alleen bij mij, een collega]
  functie:
    description: Welk deel
    near: [fout]
    pick: first
    negation: keep
    values:
      kern:
        words: [inloggen, evaluatie*]
      minder:
        words: [export*, rapportage*]
  workaround:
    description: Is er een alternatief
    values:
      ja:
        negated: nee
        words: [workaround, omweg]
      nee:
        words: [geen alternatief]
  toestand:
    description: Speelt het nog
    values:
      opgelost:
        words: [werkt weer]
      terug:
        words: [werkt weer niet]
  herhaling:
    description: Gebeurde het eerder
    values:
      ja:
        words: [weer]

decisions:
  - name: grote-groep-kern
    description: Een kernfunctie werkt voor een grote groep niet, zonder alternatief.
    when:
      fout: ja
      omvang: iedereen
      functie: kern
      workaround: [nee, onbekend]
    then: {category: storing, priority: hoog}
  - name: spoed-telefoon
    description: Met spoed gebeld.
    when: {spoed: ja, channel: phone}
    then: {category: storing, priority: hoog}
  - name: vraag-met-prioriteit
    description: Een vraag; de SLA zet vragen altijd op Laag, wat hier ook staat.
    when: {vraag: ja}
    then: {category: vraag, priority: hoog}
  - name: geen-storing
    description: De klant zegt zelf dat er niets kapot is.
    when: {fout: ontkend}
    then: {category: vraag}
  - name: storing
    description: Iets werkt niet.
    when: {fout: ja}
    then: {category: storing, priority: middel}
  - name: alleen-spoed
    description: Alleen haast, verder niets herkend.
    when: {spoed: ja}
    then: {category: storing}
"""


def rule_set(text: str = FACTORS) -> RuleSet:
    return check_sources({"00-sla.yaml": SLA, "10-factoren.yaml": text.encode()})


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return rule_set()


@pytest.fixture(scope="module")
def reader(rules: RuleSet) -> FactorReader:
    return rules.factors


@pytest.fixture(scope="module")
def engine(rules: RuleSet) -> Iterator[RuleEngine]:
    made = RuleEngine(rules)
    yield made
    made.close()


def read(reader: FactorReader, body: str, subject: str = "") -> dict[str, FactorValue]:
    return reader.read(read_report(subject, body))


def values(reader: FactorReader, body: str, subject: str = "") -> dict[str, str]:
    return {name: f.value for name, f in read(reader, body, subject).items()}


# -- reading factors -------------------------------------------------------------------------


def test_every_factor_gets_a_value_and_unset_ones_are_onbekend(reader: FactorReader) -> None:
    found = read(reader, "De export geeft een foutmelding.")
    assert set(found) == {
        "fout",
        "vraag",
        "spoed",
        "omvang",
        "functie",
        "workaround",
        "toestand",
        "herhaling",
    }
    assert found["fout"] == FactorValue("fout", "ja", ("foutmelding",), "body")
    assert found["functie"].value == "minder"
    for name in ("vraag", "spoed", "omvang", "workaround", "toestand", "herhaling"):
        assert found[name] == FactorValue(name, UNKNOWN, (), "")


def test_words_of_a_list_set_a_factor_and_every_word_of_the_value_is_named(
    reader: FactorReader,
) -> None:
    found = read(reader, "Alle medewerkers krijgen een foutmelding, echt iedereen.")
    assert found["omvang"].value == "iedereen"
    assert set(found["omvang"].words) == {"alle medewerkers", "iedereen"}


def test_typos_and_case_are_forgiven_in_factor_words(reader: FactorReader) -> None:
    found = values(reader, "NIEMAND KAN INLOGEN sinds vanochtend.")
    assert found["fout"] == "ja"
    assert found["functie"] == "kern"


def test_the_first_listed_value_wins(reader: FactorReader) -> None:
    # "een collega" comes first in the text, but `iedereen` is listed first in the file.
    found = values(reader, "Eerst bij een collega en nu bij iedereen een foutmelding.")
    assert found["omvang"] == "iedereen"
    found = values(reader, "Eerst bij iedereen en nu bij een collega een foutmelding.")
    assert found["omvang"] == "iedereen"


def test_pick_first_takes_the_value_named_first_in_the_text(reader: FactorReader) -> None:
    assert values(reader, "De export van evaluaties geeft een foutmelding.")["functie"] == (
        "minder"
    )
    assert values(reader, "De evaluaties en de export geven een foutmelding.")["functie"] == (
        "kern"
    )


def test_near_counts_a_word_in_the_sentence_after_the_fault(reader: FactorReader) -> None:
    found = values(reader, "Inloggen lukt niet. Dit geldt voor alle medewerkers.")
    assert found["omvang"] == "iedereen"
    found = values(reader, "Dit geldt voor alle medewerkers. Inloggen lukt niet.")
    assert found["omvang"] == "iedereen"


def test_near_ignores_a_word_far_from_any_fault(reader: FactorReader) -> None:
    body = (
        "Alle medewerkers moeten vrijdag klaar zijn. Dat is de planning. "
        "Bij een collega geeft opslaan een foutmelding."
    )
    assert values(reader, body)["omvang"] == "een-gebruiker"
    assert values(reader, "Alle medewerkers zijn tevreden.")["omvang"] == UNKNOWN


def test_near_needs_a_fault_that_is_not_negated(reader: FactorReader) -> None:
    found = values(reader, "Er is geen storing. Alle medewerkers kunnen werken.")
    assert found["fout"] == "ontkend"
    assert found["omvang"] == UNKNOWN


def test_a_negated_word_sets_its_negated_value(reader: FactorReader) -> None:
    found = read(reader, "Inloggen geeft een foutmelding, maar niet bij iedereen.")
    assert found["omvang"].value == "enkele"
    assert found["omvang"].negated is True
    assert found["omvang"].words == ("iedereen",)
    found = read(reader, "De export werkt niet en er is niet echt een workaround.")
    assert found["workaround"].value == "nee"
    assert found["workaround"].negated is True


def test_a_plain_word_is_not_marked_negated(reader: FactorReader) -> None:
    found = read(reader, "De export werkt niet. Er is een workaround via CSV.")
    assert found["workaround"].value == "ja"
    assert found["workaround"].negated is False


def test_a_negated_word_without_a_negated_value_sets_nothing(reader: FactorReader) -> None:
    found = values(reader, "Geen spoed, maar de export werkt niet.")
    assert found["spoed"] == UNKNOWN
    assert found["fout"] == "ja"
    assert values(reader, "Spoed: de export werkt niet.")["spoed"] == "ja"


def test_negation_keep_counts_a_negated_word_as_written(reader: FactorReader) -> None:
    found = read(reader, "Ik kan niet inloggen, ik krijg een foutmelding.")
    assert found["functie"].value == "kern"
    assert found["functie"].negated is False


def test_niemand_kan_is_an_outage_not_a_negation(reader: FactorReader) -> None:
    found = read(reader, "Niemand kan inloggen.")
    assert found["fout"].value == "ja"
    assert found["fout"].words == ("niemand kan",)
    assert found["fout"].negated is False


def test_a_word_inside_a_longer_word_of_the_same_factor_is_ignored(
    reader: FactorReader,
) -> None:
    # "werkt weer" (opgelost, listed first) lies inside "werkt weer niet" (terug).
    found = read(reader, "Het werkt weer niet.")
    assert found["toestand"].value == "terug"
    assert found["toestand"].words == ("werkt weer niet",)
    assert values(reader, "Het werkt weer.")["toestand"] == "opgelost"
    # A word of another factor inside it still counts.
    assert found["herhaling"].value == "ja"


# -- body first, subject second -----------------------------------------------------------------


def test_subject_counts_for_a_factor_the_body_says_nothing_about(reader: FactorReader) -> None:
    found = read(reader, "Sinds vanochtend.", subject="Storing bij inloggen")
    assert found["fout"].value == "ja"
    assert found["fout"].part == "subject"


def test_body_beats_subject_for_the_same_factor(reader: FactorReader) -> None:
    found = read(
        reader, "De export werkt niet en er is geen alternatief.", subject="Workaround gezocht"
    )
    assert found["workaround"].value == "nee"
    assert found["workaround"].part == "body"


def test_subject_is_silent_for_a_group_the_body_speaks_about(reader: FactorReader) -> None:
    # An alarming subject over a body that only asks a question: a question.
    found = read(reader, "Hoe kan ik een evaluatie heropenen?", subject="STORING!!! URGENT")
    assert found["vraag"].value == "ja"
    assert found["fout"].value == UNKNOWN
    # spoed has no group: the subject still counts for it.
    assert found["spoed"].value == "ja"
    assert found["spoed"].part == "subject"


def test_quoted_mail_signature_and_disclaimer_are_never_read(reader: FactorReader) -> None:
    body = (
        "Hoe kan ik een evaluatie heropenen?\n\n"
        "Met vriendelijke groet,\nJan\nCoordinator storing en spoed\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support <s@dialog.nl>:\n"
        "> Er is een workaround, het werkt niet bij iedereen."
    )
    found = values(reader, body)
    assert found["vraag"] == "ja"
    assert found["fout"] == UNKNOWN
    assert found["spoed"] == UNKNOWN
    assert found["workaround"] == UNKNOWN


def test_forwarded_report_is_read(reader: FactorReader) -> None:
    body = (
        "Ter info.\n\n---------- Forwarded message ---------\nFrom: Piet <p@acme.nl>\n\n"
        "Alle medewerkers krijgen een foutmelding bij inloggen."
    )
    found = values(reader, body)
    assert (found["fout"], found["omvang"], found["functie"]) == ("ja", "iedereen", "kern")


def test_words_lists_every_term_of_every_factor(reader: FactorReader) -> None:
    words = reader.words()
    assert "werkt weer niet" in words
    # @lists are expanded: the list's words, not its name.
    assert "alle medewerkers" in words
    assert not any(word.startswith("@") for word in words)


# -- the decision table -----------------------------------------------------------------------


def test_first_row_that_fits_decides(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        read_report("", "Iedereen krijgt een foutmelding bij inloggen."), Channel.EMAIL, None
    )
    # grote-groep-kern and storing both fit: the first one decides.
    assert outcome.decision == "grote-groep-kern"
    assert (outcome.category, outcome.priority) == (Category.STORING, Priority.HOOG)
    assert outcome.fired == ("grote-groep-kern",)
    assert outcome.needs_triage is False
    assert outcome.provisional is True


def test_a_later_row_decides_when_an_earlier_one_does_not_fit(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        read_report("", "Iedereen krijgt een foutmelding bij inloggen. Er is een workaround."),
        Channel.EMAIL,
        None,
    )
    assert outcome.decision == "storing"
    assert (outcome.category, outcome.priority) == (Category.STORING, Priority.MIDDEL)


def test_the_outcome_carries_the_factors_read(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        read_report("", "Iedereen krijgt een foutmelding bij inloggen."), Channel.EMAIL, None
    )
    factors = {f.factor: f for f in outcome.factors}
    assert factors["omvang"].value == "iedereen"
    assert factors["omvang"].words == ("iedereen",)
    assert factors["workaround"].value == UNKNOWN


def test_rows_can_test_the_channel(engine: RuleEngine) -> None:
    text = read_report("", "Spoed graag, de export.")
    by_phone = engine.evaluate(text, Channel.PHONE, None)
    assert by_phone.decision == "spoed-telefoon"
    assert by_phone.priority is Priority.HOOG
    by_mail = engine.evaluate(text, Channel.EMAIL, None)
    assert by_mail.decision == "alleen-spoed"


def test_a_row_without_priority_takes_the_default(engine: RuleEngine, rules: RuleSet) -> None:
    outcome = engine.evaluate(read_report("", "Spoed graag."), Channel.EMAIL, None)
    assert outcome.decision == "alleen-spoed"
    assert outcome.category is Category.STORING
    assert outcome.priority is rules.sla.defaults.priority


def test_fixed_priority_of_the_category_beats_the_row(engine: RuleEngine, rules: RuleSet) -> None:
    outcome = engine.evaluate(
        read_report("", "Hoe kan ik een evaluatie heropenen?"), Channel.EMAIL, None
    )
    assert outcome.decision == "vraag-met-prioriteit"
    assert outcome.category is Category.VRAAG
    assert rules.sla.fixed_priority[Category.VRAAG] is Priority.LAAG
    assert outcome.priority is Priority.LAAG


def test_a_denied_fault_reads_as_a_question(engine: RuleEngine) -> None:
    outcome = engine.evaluate(read_report("", "Er is niets kapot."), Channel.EMAIL, None)
    assert outcome.decision == "geen-storing"
    assert outcome.category is Category.VRAAG


def test_a_confirmed_priority_wins_over_the_row(engine: RuleEngine) -> None:
    outcome = engine.evaluate(
        read_report("", "Iedereen krijgt een foutmelding bij inloggen."),
        Channel.EMAIL,
        None,
        Priority.LAAG,
    )
    assert outcome.decision == "grote-groep-kern"
    assert outcome.priority is Priority.LAAG
    assert outcome.provisional is False


def test_nothing_recognised_needs_triage(engine: RuleEngine, rules: RuleSet) -> None:
    outcome = engine.evaluate(
        read_report("", "Ik heb een nieuwe telefoon gekocht."), Channel.EMAIL, None
    )
    assert outcome.needs_triage is True
    assert outcome.decision is None
    assert outcome.fired == ()
    assert outcome.category is rules.sla.defaults.category
    assert outcome.priority is rules.sla.defaults.priority
    assert all(f.value == UNKNOWN for f in outcome.factors)


def test_a_word_rule_that_sets_a_category_means_the_report_was_recognised() -> None:
    text = FACTORS + (
        "\nrules:\n"
        "  - name: telefoon\n"
        "    description: iets met een telefoon\n"
        "    when: {text: {any: [telefoon]}}\n"
        "    then: {category: wens}\n"
    )
    engine = RuleEngine(rule_set(text))
    try:
        outcome = engine.evaluate(
            read_report("", "Ik heb een nieuwe telefoon gekocht."), Channel.EMAIL, None
        )
        assert outcome.decision is None
        assert outcome.fired == ("telefoon",)
        assert outcome.category is Category.WENS
        assert outcome.needs_triage is False
        # A row that fits still decides the category over the word rule.
        outcome = engine.evaluate(
            read_report("", "Mijn telefoon geeft een foutmelding."), Channel.EMAIL, None
        )
        assert outcome.decision == "storing"
        assert outcome.category is Category.STORING
        assert outcome.fired[0] == "storing"
        assert "telefoon" in outcome.fired
    finally:
        engine.close()


# -- through the pipeline: deadlines of reports nobody recognised -------------------------------


@pytest.fixture
def triage(tmp_path: Path) -> Iterator[Triage]:
    directory = tmp_path / "rules"
    directory.mkdir()
    shutil.copy(REPO / "rules" / "00-sla.yaml", directory / "00-sla.yaml")
    (directory / "10-factoren.yaml").write_text(FACTORS, encoding="utf-8")
    calendar = BusinessCalendar()
    engine = RuleEngine(load_rules(directory))
    yield Triage(
        engine,
        Directory(OrganisationsFile.model_validate(ORGANISATIONS).organisations),
        calendar,
        ReleaseCalendar(ReleaseConfig(), calendar),
    )
    engine.close()


def test_unrecognised_report_gets_a_reaction_within_one_working_day(triage: Triage) -> None:
    sla = triage.engine.rule_set.sla
    assert sla.unrecognised is not None
    assert sla.unrecognised.reaction.kind == "business"
    decision = triage.decide(report("Ik heb een nieuwe telefoon gekocht.", at="2026-11-24T10:00"))
    assert decision.needs_triage is True
    assert decision.decision is None
    # Tuesday 10:00 + 1 working day. The default category itself (vraag) has no reaction time.
    assert decision.reaction_due == local("2026-11-25T10:00")
    assert sla.target(decision.category, decision.priority).reaction.kind == "none"
    assert decision.resolution_due is None


def test_unrecognised_on_friday_afternoon_is_due_on_monday(triage: Triage) -> None:
    decision = triage.decide(report("Ik heb een nieuwe telefoon gekocht.", at="2026-11-27T15:30"))
    assert decision.needs_triage is True
    assert decision.reaction_due == local("2026-11-30T15:30")


def test_a_recognised_question_keeps_its_own_targets(triage: Triage) -> None:
    decision = triage.decide(report("Hoe kan ik een evaluatie heropenen?"))
    assert decision.needs_triage is False
    assert decision.decision == "vraag-met-prioriteit"
    assert decision.category is Category.VRAAG
    assert decision.reaction_due is None


def test_a_person_decided_priority_is_not_needs_triage(triage: Triage) -> None:
    text = "Ik heb een nieuwe telefoon gekocht."
    decision = triage.decide(report(text, priority=Priority.MIDDEL))
    assert decision.needs_triage is False
    assert decision.priority is Priority.MIDDEL
    assert decision.provisional is False


def test_the_decision_names_its_row_and_the_factors_with_words(triage: Triage) -> None:
    decision = triage.decide(
        report("Iedereen krijgt een foutmelding bij inloggen.", at="2026-11-24T10:00")
    )
    assert decision.decision == "grote-groep-kern"
    assert decision.rules == ("grote-groep-kern",)
    assert (decision.category, decision.priority) == (Category.STORING, Priority.HOOG)
    # Only factors that a word set are carried, with their words and where they were found.
    shown = {f.name: (f.value, f.words, f.part) for f in decision.factors}
    assert shown == {
        "fout": ("ja", ("foutmelding",), "body"),
        "omvang": ("iedereen", ("iedereen",), "body"),
        "functie": ("kern", ("inloggen",), "body"),
    }
    # Hoog storing by email: SLA 4.D.
    assert decision.exempt is True
    assert decision.reaction_due == local("2026-11-24T10:15")


# -- broken factor and decision files: file:line -------------------------------------------------


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the one line of `text` that contains `needle`."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def problems_of(files: dict[str, str]) -> list[RuleProblem]:
    sources = {"00-sla.yaml": SLA, **{k: v.encode() for k, v in files.items()}}
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources(sources)
    return caught.value.problems


def one_problem(files: dict[str, str]) -> RuleProblem:
    problems = problems_of(files)
    assert len(problems) == 1, problems
    return problems[0]


GOOD_FACTOR = """\
factors:
  omvang:
    values:
      iedereen:
        words: [iedereen]
      enkele:
        words: [enkele]
"""


def test_decision_with_an_unknown_factor() -> None:
    text = GOOD_FACTOR + (
        "decisions:\n"
        "  - name: groot\n"
        "    description: d\n"
        "    when:\n"
        "      omvnag: iedereen\n"
        "    then: {category: storing, priority: hoog}\n"
    )
    problem = one_problem({"10-f.yaml": text})
    assert (problem.file, problem.line) == ("10-f.yaml", line_of(text, "omvnag"))
    assert "onbekende factor 'omvnag'" in problem.message
    assert "omvang" in problem.message  # names what is known


def test_decision_with_an_unknown_value() -> None:
    text = GOOD_FACTOR + (
        "decisions:\n"
        "  - name: groot\n"
        "    description: d\n"
        "    when:\n"
        "      omvang: [iedereen, allemaal]\n"
        "    then: {category: storing, priority: hoog}\n"
    )
    problem = one_problem({"10-f.yaml": text})
    assert (problem.file, problem.line) == ("10-f.yaml", line_of(text, "allemaal"))
    assert "'allemaal'" in problem.message
    assert "iedereen" in problem.message and UNKNOWN in problem.message


def test_onbekend_is_a_value_every_factor_has() -> None:
    text = GOOD_FACTOR + (
        "decisions:\n"
        "  - name: onbekend-is-goed\n"
        "    description: d\n"
        "    when: {omvang: onbekend}\n"
        "    then: {category: storing, priority: laag}\n"
    )
    assert rule_set(text).decisions[0].name == "onbekend-is-goed"


def test_decision_with_an_unknown_channel() -> None:
    text = GOOD_FACTOR + (
        "decisions:\n"
        "  - name: per-fax\n"
        "    description: d\n"
        "    when: {omvang: iedereen, channel: fax}\n"
        "    then: {category: storing}\n"
    )
    problem = one_problem({"10-f.yaml": text})
    assert problem.line == line_of(text, "channel: fax")
    assert "'fax'" in problem.message


def test_the_same_factor_in_two_files() -> None:
    second = "# tweede bestand\n" + GOOD_FACTOR
    problem = one_problem({"10-f.yaml": GOOD_FACTOR, "20-g.yaml": second})
    assert (problem.file, problem.line) == ("20-g.yaml", line_of(second, "omvang:"))
    assert "'omvang'" in problem.message
    assert f"10-f.yaml:{line_of(GOOD_FACTOR, 'omvang:')}" in problem.message


def test_the_same_decision_name_twice() -> None:
    text = GOOD_FACTOR + (
        "decisions:\n"
        "  - name: groot\n"
        "    description: eerste\n"
        "    when: {omvang: iedereen}\n"
        "    then: {category: storing}\n"
        "  - name: groot\n"
        "    description: tweede\n"
        "    when: {omvang: enkele}\n"
        "    then: {category: storing}\n"
    )
    problem = one_problem({"10-f.yaml": text})
    assert problem.line == line_of(text, "description: tweede") - 1
    assert "'groot'" in problem.message
    assert f"10-f.yaml:{line_of(text, 'description: eerste') - 1}" in problem.message


def test_an_unknown_word_list_in_a_factor() -> None:
    text = (
        "lists:\n  groot: [iedereen]\n"
        "factors:\n  omvang:\n    values:\n      iedereen:\n"
        '        words: [alle teams, "@grote-groep"]\n'
    )
    problem = one_problem({"10-f.yaml": text})
    assert problem.line == line_of(text, "@grote-groep")
    assert "@grote-groep" in problem.message
    assert "@groot" in problem.message  # the lists that do exist


@pytest.mark.parametrize("term", ["werkt ...", "... niet", "werkt ... ... niet"])
def test_a_bad_term_in_a_factor(term: str) -> None:
    text = (
        "factors:\n  fout:\n    values:\n      ja:\n        words:\n"
        "          - kapot\n"
        f"          - {term}\n"
    )
    problem = one_problem({"10-f.yaml": text})
    assert problem.line == line_of(text, f"- {term}")
    assert "'fout'" in problem.message and "'ja'" in problem.message


def test_negated_must_name_a_value_of_the_factor() -> None:
    text = (
        "factors:\n  omvang:\n    values:\n      iedereen:\n"
        "        negated: sommigen\n        words: [iedereen]\n"
    )
    problem = one_problem({"10-f.yaml": text})
    assert problem.file == "10-f.yaml"
    assert problem.line == line_of(text, "omvang:")
    assert "sommigen" in problem.message


def test_onbekend_may_not_be_listed_as_a_value() -> None:
    text = "factors:\n  omvang:\n    values:\n      onbekend:\n        words: [weet niet]\n"
    problem = one_problem({"10-f.yaml": text})
    assert UNKNOWN in problem.message


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = GOOD_FACTOR + (
        "decisions:\n"
        "  - name: a\n"
        "    description: d\n"
        "    when: {grootte: iedereen}\n"
        "    then: {category: storing}\n"
        "  - name: b\n"
        "    description: d\n"
        "    when: {omvang: niemand}\n"
        "    then: {category: storing}\n"
    )
    problems = problems_of({"10-f.yaml": text})
    assert [p.line for p in problems] == [
        line_of(text, "grootte"),
        line_of(text, "omvang: niemand"),
    ]


def test_rules_check_names_file_and_line_of_a_broken_decision_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "rules"
    directory.mkdir()
    shutil.copy(REPO / "rules" / "00-sla.yaml", directory / "00-sla.yaml")
    (directory / "10-factoren.yaml").write_text(FACTORS, encoding="utf-8")
    args = ["--config-dir", str(REPO / "config"), "--db", str(tmp_path / "t.db")]
    assert main([*args, "rules", "check", str(directory)]) == 0
    assert capsys.readouterr().out.startswith("OK: 2 bestanden")
    broken = directory / "75-kapot.yaml"
    text = (
        "decisions:\n"
        "  - name: extra\n"
        "    description: d\n"
        "    when:\n"
        "      omvang: allemaal\n"
        "      organisation: bestaat-niet\n"
        "    then: {category: storing, priority: hoog}\n"
        "  - name: storing\n"
        "    description: dezelfde naam als in 10-factoren.yaml\n"
        "    when: {fout: ja}\n"
        "    then: {category: storing}\n"
    )
    broken.write_text(text, encoding="utf-8")
    status = main([*args, "rules", "check", str(directory)])
    out = capsys.readouterr().out
    assert status == 1
    assert f"{broken}:{line_of(text, 'omvang: allemaal')}: " in out
    assert "'allemaal'" in out
    # Organisations are checked against config/organisations.yaml.
    assert f"{broken}:{line_of(text, 'organisation: bestaat-niet')}: " in out
    assert "'bestaat-niet'" in out
    first = directory / "10-factoren.yaml"
    duplicate = f"{broken}:{line_of(text, 'name: storing')}: "
    assert duplicate in out
    assert f"{first}:{line_of(FACTORS, 'name: storing')}" in out
    assert "3 problemen gevonden" in out

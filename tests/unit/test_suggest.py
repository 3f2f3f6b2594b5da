"""The statistics of `rules suggest` on made-up corrections: which phrases set a change apart,
and in which order (the low end of the log odds ratio's interval)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from app.render.suggest import suggestions_text
from bot.corrections import Correction
from bot.models import Category, Priority
from bot.suggest import ChangeGroup, Suggestions, log_odds, suggest

AT = datetime.fromisoformat("2026-11-02T10:00:00+01:00")


def tickets(bodies: list[str], changed: bool, first: int) -> list[Correction]:
    return [
        Correction(
            ticket_id=first + i,
            received_at=AT + timedelta(minutes=first + i),
            subject="",
            body=body,
            priority=Priority.LAAG,
            category=Category.STORING,
            decision_row="kleine-fout",
            rules=("kleine-fout",),
            needs_triage=False,
            team_priority=Priority.HOOG if changed else Priority.LAAG,
            team_category=Category.STORING,
            decided_by="U0LEAD",
            decided_at=AT + timedelta(days=1),
        )
        for i, body in enumerate(bodies)
    ]


# Said in different ways; what they share is "andere klant".
VARIANTS = [
    "Ik zie de gegevens van een andere klant.",
    "Namen van een andere klant staan erbij.",
    "Het rapport toont een andere klant!",
    "Daar verschijnt het dossier van een andere klant.",
]


def test_log_odds_and_its_standard_error() -> None:
    ratio, error = log_odds(5, 5, 0, 12)
    assert ratio == pytest.approx(math.log(5.5 / 0.5) - math.log(0.5 / 12.5))
    assert error == pytest.approx(math.sqrt(1 / 5.5 + 1 / 0.5 + 1 / 0.5 + 1 / 12.5))
    assert log_odds(3, 10, 30, 100)[0] == pytest.approx(0.0, abs=0.1)  # as common: nothing


def test_a_specific_phrase_beats_a_frequent_word() -> None:
    # "andere" is in 197 of 250 changed tickets but also in 175 of 4,500 others ("andere
    # browser"); "andere klant" in 195 changed and 5 others. Ranked by z, the frequent word
    # would come first; by the low end of the ratio's interval, the phrase does.
    changed = VARIANTS * 49 + ["Een andere fout."] * 1 + ["Een andere melding."] * 1
    changed += ["De knop doet niets."] * 52
    others = ["Het werkt in een andere browser."] * 170 + ["Een andere klant belde."] * 5
    others += ["De export is traag."] * 4325
    found = suggest(tickets(changed, True, 1) + tickets(others, False, 1000), top=50)
    [group] = found.groups
    first, *rest = group.phrases
    assert (first.words, first.changed, first.unchanged) == ("andere klant", 196, 5)
    common = next(p for p in rest if p.words == "andere")
    assert common.z > first.z  # what z alone would have put first
    assert common.low < first.low


def test_a_phrase_in_nearly_all_beats_a_phrase_in_a_few() -> None:
    changed = VARIANTS * 10 + ["Een zeldzaam woord hier."] * 3
    others = ["Een andere klant belde."] * 2 + ["De knop doet niets."] * 398
    [group] = suggest(tickets(changed, True, 1) + tickets(others, False, 100)).groups
    words = [p.words for p in group.phrases]
    assert words[0] == "andere klant"
    assert "zeldzaam woord" in words  # three of forty, never elsewhere: still a finding
    assert group.phrases[0].low > group.phrases[words.index("zeldzaam woord")].low


def test_a_word_every_ticket_has_is_no_finding() -> None:
    changed = ["Typfout, en gegevens van een andere klant."] * 4
    others = ["Typfout in de knop."] * 8 + ["De export is traag."] * 4
    [group] = suggest(tickets(changed, True, 1) + tickets(others, False, 100)).groups
    words = [p.words for p in group.phrases]
    assert "typfout" not in words and "andere klant" in words
    assert all(p.z >= 1.96 for p in group.phrases)


def test_top_limits_the_list() -> None:
    changed = [f"Gegevens van een andere klant, dossier {w}." for w in ("a1", "b2", "c3")] * 3
    others = ["De knop doet niets."] * 20
    [group] = suggest(tickets(changed, True, 1) + tickets(others, False, 100), top=1).groups
    assert len(group.phrases) == 1


def test_where_the_text_model_decided_the_suggestions_say_words_will_not_change_it() -> None:
    def group(decided_by: tuple[tuple[str, int], ...]) -> ChangeGroup:
        return ChangeGroup("priority", "middel", "hoog", (1, 2, 3), decided_by, ())

    found = Suggestions(
        (group((("taalmodel", 2), ("beslisregel x", 1))), group((("beslisregel x", 3),))),
        3,
        10,
        2,
    )
    lines = suggestions_text(found, "november", lambda words: None).splitlines()
    hints = [i for i, line in enumerate(lines) if line.startswith("Het taalmodel koos hier")]
    assert len(hints) == 1  # only under the change the model had decided
    assert lines[hints[0] - 1] == "Eerst beslist door: taalmodel (2 keer), beslisregel x (1 keer)"
    assert "2 keer" in lines[hints[0]] and "--export team.jsonl" in lines[hints[0]]

"""The Hoog model (bot/hoogmodel.py): its arithmetic, the pipeline step that may raise a report
to Hoog, and loading the shipped file (app/bootstrap.py)."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import HOOG_MODEL, SHIPPED_MODEL, load_hoog_model
from bot.errors import ConfigError
from bot.hoogmodel import FACTOR, STEP, HoogModel, char_ngrams, normalise, word_ngrams
from bot.models import Category, Priority
from bot.pipeline import Triage
from bot.reading import read_report
from tests.unit.triage_setup import build_triage, report


def tiny(threshold: float = 0.6, **word: list[float]) -> dict[str, Any]:
    """A model that knows only the given words (idf, weight) and no character n-grams."""
    return {"version": "test", "threshold": threshold, "intercept": -2.0, "word": word, "char": {}}


def with_model(tmp_path: Path, data: dict[str, Any]) -> Triage:
    triage = build_triage(tmp_path)
    triage.hoog_model = HoogModel.from_json(data)
    return triage


def test_text_is_normalised_and_cut_like_the_training_script() -> None:
    assert normalise("Évaluatie KAPOT") == "evaluatie kapot"
    assert word_ngrams("niemand kan x inloggen") == [
        "niemand",
        "kan",
        "inloggen",
        "niemand kan",
        "kan inloggen",
    ]
    # Padded words; a word no longer than n counts once, whole.
    assert char_ngrams("ab") == [" ab", "ab ", " ab "]
    assert char_ngrams("abc")[:3] == [" ab", "abc", "bc "]


def test_probability_is_the_logistic_of_the_l2_normalised_sublinear_tfidf() -> None:
    model = HoogModel.from_json(tiny(plat=[2.0, 3.0], alles=[1.0, 1.0]))
    # "plat" twice: (1 + ln 2) * 2; "alles" once: 1 * 1; then L2-normalised.
    a, b = (1 + math.log(2)) * 2.0, 1.0
    norm = math.hypot(a, b)
    z = -2.0 + a / norm * 3.0 + b / norm * 1.0
    assert model.probability_of("alles plat plat") == pytest.approx(1 / (1 + math.exp(-z)))
    # Unknown words add nothing: only the intercept.
    assert model.probability_of("iets anders") == pytest.approx(1 / (1 + math.exp(2.0)))


def test_the_opinion_names_the_telling_words_that_pushed_to_hoog() -> None:
    model = HoogModel.from_json(
        tiny(plat=[1.0, 5.0], van=[1.0, 4.0], vraag=[1.0, -3.0], **{"ligt plat": [1.0, 2.0]})
    )
    opinion = model.opinion(read_report("", "Het ligt plat van vraag"))
    assert opinion.raise_to_hoog
    # "van" is too short to tell a reader anything; "vraag" pushed away from Hoog.
    assert opinion.words == ("plat", "ligt plat")


def test_character_ngram_sizes_come_from_the_file_and_the_memo_can_be_emptied() -> None:
    assert char_ngrams("abcd", (4, 4)) == [" abc", "abcd", "bcd "]
    chars = {" abc": [1.0, 2.0], "abcd": [1.0, 1.0], "bcd ": [2.0, -1.0], " ab": [1.0, 9.0]}
    model = HoogModel.from_json({**tiny(), "char": chars, "char_sizes": [4, 4]})
    # Only the 4-grams count (" ab" is a 3-gram), each L2-normalised like the word part.
    a, b, c = 2.0, 1.0, -2.0
    z = -2.0 + (a + b + c) / math.sqrt(1 + 1 + 4)
    assert model.probability_of("abcd") == pytest.approx(1 / (1 + math.exp(-z)))
    model.forget()
    assert model.probability_of("abcd") == pytest.approx(1 / (1 + math.exp(-z)))
    # A file without sizes is read as the 3-5-grams it was trained with.
    assert HoogModel.from_json(tiny()).char_sizes == (3, 5)


@pytest.mark.parametrize(
    "data",
    [
        {"threshold": 0.6},
        tiny(threshold=0.3),
        tiny(threshold=1.0),
        {**tiny(), "word": {"plat": [1.0]}},
        {**tiny(), "char_sizes": [5, 3]},
    ],
)
def test_a_malformed_model_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        HoogModel.from_json(data)


def test_a_report_the_rules_leave_low_becomes_hoog_storing_with_the_step_and_factor(
    tmp_path: Path,
) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=[1.0, 10.0]))
    decision = triage.decide(report("Iedereen blijft hangen op het laadscherm, typfout"))
    assert decision.priority is Priority.HOOG
    assert decision.category is Category.STORING
    assert decision.rules == ("storing-laag", STEP)
    assert not decision.needs_triage
    factor = next(f for f in decision.factors if f.name == FACTOR)
    assert factor.value.startswith("hoog (")
    assert factor.words == ("laadscherm",)
    # Hoog deadlines: reaction within a quarter of an hour (Bijlage 1), not Laag's.
    assert decision.reaction_due is not None
    assert (decision.reaction_due - report("x").received_at).total_seconds() <= 15 * 60


def test_below_the_threshold_the_rules_decide_alone(tmp_path: Path) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=[1.0, 1.0]))
    decision = triage.decide(report("Het laadscherm heeft een typfout"))
    assert decision.priority is Priority.LAAG
    assert decision.rules == ("storing-laag",)
    assert all(f.name != FACTOR for f in decision.factors)


def test_an_unrecognised_report_raised_to_hoog_no_longer_needs_triage(tmp_path: Path) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=[1.0, 10.0]))
    assert triage.decide(report("Het laadscherm")).needs_triage is False
    assert triage.decide(report("Het beginscherm")).needs_triage is True


def test_the_model_never_overrides_a_person_or_lowers_a_priority(tmp_path: Path) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=[1.0, 10.0], niemand=[1.0, -10.0]))
    confirmed = triage.decide(report("Het laadscherm, typfout"), confirmed=Priority.LAAG)
    assert confirmed.priority is Priority.LAAG
    assert STEP not in confirmed.rules
    kept = triage.decide(report("Het laadscherm, typfout"), category=Category.VRAAG)
    assert kept.category is Category.VRAAG
    assert STEP not in kept.rules
    # The rules say Hoog and the model doubts it: still Hoog, no factor.
    outage = triage.decide(report("niemand kan werken"))
    assert outage.priority is Priority.HOOG
    assert all(f.name != FACTOR for f in outage.factors)


def test_the_shipped_model_loads_and_tells_an_outage_from_a_question() -> None:
    model = load_hoog_model(SHIPPED_MODEL)
    assert model is not None
    assert 0.5 <= model.threshold < 1
    outage = read_report(
        "Hele organisatie kan er niet in",
        "Hallo, vanochtend krijgt werkelijk iedereen bij ons een witte pagina na het "
        "inloggen. Zo kan niemand zijn doelen bijwerken. Graag snel actie.",
    )
    question = read_report("vraagje", "Hoi, waar vind ik de export van de evaluaties? Groet")
    assert model.opinion(outage).raise_to_hoog
    assert model.opinion(question).probability < 0.1


def test_no_model_file_means_no_model_and_a_broken_one_is_a_config_error(tmp_path: Path) -> None:
    assert load_hoog_model(tmp_path / HOOG_MODEL) is None
    broken = tmp_path / HOOG_MODEL
    broken.write_bytes(b"not gzip")
    with pytest.raises(ConfigError, match="taalmodel"):
        load_hoog_model(broken)
    broken.write_bytes(gzip.compress(json.dumps({"threshold": 0.6}).encode()))
    with pytest.raises(ConfigError, match="taalmodel"):
        load_hoog_model(broken)

"""The text model (bot/textmodel.py): its arithmetic, who decides in the pipeline (a person, a
binding row, the model, the rules), and loading the shipped file (app/bootstrap.py)."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import SHIPPED_MODEL, TEXT_MODEL, Paths, load_setup, load_text_model
from bot.errors import ConfigError
from bot.models import Category, Priority
from bot.pipeline import Triage
from bot.reading import read_report
from bot.textmodel import (
    FACTOR,
    RULES_FACTOR,
    STEP,
    TextModel,
    char_ngrams,
    decided_by_model,
    in_doubt,
    model_text,
    normalise,
    word_ngrams,
)
from tests.unit.triage_setup import REPO, build_triage, report

SIX = [
    "hoog storing",
    "laag instelling",
    "laag storing",
    "laag vraag",
    "laag wens",
    "middel storing",
]
H, LI, LS, LV, LW, M = range(6)


def weights(idf: float = 1.0, **towards: float) -> list[float]:
    """[idf, one weight per outcome of SIX]: e.g. weights(hoog=5) pushes towards Hoog storing."""
    index = {"hoog": H, "instelling": LI, "laagstoring": LS, "vraag": LV, "wens": LW, "middel": M}
    row = [0.0] * 6
    for name, w in towards.items():
        row[index[name]] = w
    return [idf, *row]


def tiny(
    hoog_threshold: float = 0.4, unsure_below: float = 0.5, **word: list[float]
) -> dict[str, Any]:
    """A model over the six outcomes that knows only the given words (no character n-grams)."""
    return {
        "version": "test",
        "outcomes": SIX,
        "intercepts": [0.0] * 6,
        "hoog_threshold": hoog_threshold,
        "unsure_below": unsure_below,
        "word": word,
        "char": {},
    }


def with_model(tmp_path: Path, data: dict[str, Any]) -> Triage:
    tmp_path.mkdir(exist_ok=True)
    triage = build_triage(tmp_path)
    triage.model = TextModel.from_json(data)
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
    assert char_ngrams("ab", (3, 5)) == [" ab", "ab ", " ab "]
    assert char_ngrams("abcd") == [" abc", "abcd", "bcd "]


def test_probabilities_are_the_softmax_of_the_l2_normalised_sublinear_tfidf() -> None:
    model = TextModel.from_json(
        {**tiny(plat=weights(2.0, hoog=3.0), alles=weights(1.0, middel=1.0))}
        | {"intercepts": [0.5, 0, 0, 0, 0, -0.5]}
    )
    # "plat" twice: (1 + ln 2) * 2; "alles" once: 1 * 1; then L2-normalised.
    a, b = (1 + math.log(2)) * 2.0, 1.0
    norm = math.hypot(a, b)
    z = [0.5 + a / norm * 3.0, 0, 0, 0, 0, -0.5 + b / norm * 1.0]
    total = sum(math.exp(v) for v in z)
    got = model.probabilities_of("alles plat plat")
    assert [got[o] for o in model.outcomes] == pytest.approx([math.exp(v) / total for v in z])
    # Unknown words add nothing: only the intercepts.
    empty = model.probabilities_of("iets anders")
    assert empty[model.outcomes[H]] == pytest.approx(
        math.exp(0.5) / (4 + math.exp(0.5) + math.exp(-0.5))
    )


def test_hoog_wins_from_its_threshold_even_when_another_outcome_is_likelier() -> None:
    data = tiny(storing=weights(hoog=3.0, middel=3.5))
    read = read_report("", "storing")
    model = TextModel.from_json(data)
    p = model.opinion(read).probabilities
    hoog, middel = p[model.outcomes[H]], p[model.outcomes[M]]
    assert middel > hoog > 0.3
    assert model.opinion(read).answer == (Priority.MIDDEL, Category.STORING)
    lower = TextModel.from_json({**data, "hoog_threshold": hoog - 0.01})
    opinion = lower.opinion(read)
    assert opinion.answer == (Priority.HOOG, Category.STORING)
    assert opinion.confidence == pytest.approx(hoog) and opinion.hoog == pytest.approx(hoog)


def test_the_telling_words_are_those_that_pushed_towards_the_answer() -> None:
    model = TextModel.from_json(
        tiny(
            plat=weights(hoog=5.0),
            van=weights(hoog=4.0),
            vraag=weights(vraag=3.0),
            **{"ligt plat": weights(hoog=2.0)},
        )
    )
    opinion = model.opinion(read_report("", "Het ligt plat van vraag"))
    assert opinion.answer == (Priority.HOOG, Category.STORING)
    # "van" is too short to tell a reader anything; "vraag" pushed towards another outcome.
    assert model.telling_words(opinion) == ("plat", "ligt plat")
    assert model.telling_words(opinion, (Priority.LAAG, Category.VRAAG)) == ("vraag",)


def test_character_ngram_sizes_come_from_the_file_and_the_memo_can_be_emptied() -> None:
    chars = {
        " abc": weights(1.0, hoog=2.0),
        "abcd": weights(1.0, hoog=1.0),
        "bcd ": weights(2.0, hoog=-1.0),
        " ab": weights(1.0, hoog=9.0),
    }
    model = TextModel.from_json({**tiny(), "char": chars, "char_sizes": [4, 4]})
    # Only the 4-grams count (" ab" is a 3-gram), each L2-normalised like the word part.
    z = (2.0 + 1.0 - 2.0) / math.sqrt(1 + 1 + 4)
    want = math.exp(z) / (math.exp(z) + 5)
    hoog = model.outcomes[H]
    assert model.probabilities_of("abcd")[hoog] == pytest.approx(want)
    # A word twice: its pieces count with sublinear tf, from the memo as from a fresh cut.
    twice = model.probabilities_of("abcd abcd")[hoog]
    model.forget()
    assert model.probabilities_of("abcd abcd")[hoog] == pytest.approx(twice)
    assert model.probabilities_of("abcd")[hoog] == pytest.approx(want)


@pytest.mark.parametrize(
    "data",
    [
        {"hoog_threshold": 0.4},
        tiny(hoog_threshold=0.0),
        tiny(unsure_below=1.5),
        {**tiny(), "word": {"plat": [1.0, 2.0]}},  # one weight for six outcomes
        {**tiny(), "intercepts": [0.0]},
        {**tiny(), "outcomes": ["middel vraag", *SIX[1:]]},  # a vraag is always Laag
        {**tiny(), "outcomes": ["hoog storing"] * 6},
        {**tiny(), "outcomes": ["dringend storing", *SIX[1:]]},
        {**tiny(), "char_sizes": [5, 3]},
        {**tiny(), "word": {"plat": [1.0, None, 0, 0, 0, 0, 0]}},  # a weight left out
        {**tiny(), "word": {"plat": [1.0, "veel", 0, 0, 0, 0, 0]}},
        {**tiny(), "word": {"plat": [float("nan"), 0, 0, 0, 0, 0, 0]}},
    ],
)
def test_a_malformed_model_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        TextModel.from_json(data)


def test_the_model_overrules_the_rules_and_says_so_with_both_answers(tmp_path: Path) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=weights(hoog=10.0)))
    decision = triage.decide(report("Iedereen blijft hangen op het laadscherm, typfout"))
    assert (decision.priority, decision.category) == (Priority.HOOG, Category.STORING)
    assert decision.rules == ("storing-laag", STEP) and decided_by_model(decision.rules)
    assert not decision.needs_triage
    said = {f.name: f for f in decision.factors}
    assert said[FACTOR].value.startswith("hoog storing (") and "onzeker" not in said[FACTOR].value
    assert said[FACTOR].words == ("laadscherm",)
    assert said[RULES_FACTOR].value == "laag storing"
    # Hoog deadlines: reaction within a quarter of an hour (Bijlage 1), not Laag's.
    assert decision.reaction_due is not None
    assert (decision.reaction_due - report("x").received_at).total_seconds() <= 15 * 60
    # It lowers too: the rules' Middel for a broken thing the model reads as a wish.
    wish = with_model(tmp_path / "w", tiny(graag=weights(wens=10.0)))
    lowered = wish.decide(report("Kapot handig zou het zijn, graag een donkere modus"))
    assert (lowered.priority, lowered.category) == (Priority.LAAG, Category.WENS)
    assert STEP in lowered.rules


def test_where_model_and_rules_agree_the_rules_explain_alone(tmp_path: Path) -> None:
    triage = with_model(tmp_path, tiny(typfout=weights(laagstoring=10.0)))
    decision = triage.decide(report("Het laadscherm heeft een typfout"))
    assert decision.priority is Priority.LAAG
    assert decision.rules == ("storing-laag",)
    assert {f.name for f in decision.factors}.isdisjoint({FACTOR, RULES_FACTOR})


def test_nothing_recognised_by_the_rules_is_for_a_person_with_the_models_guess(
    tmp_path: Path,
) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=weights(middel=10.0)))
    decision = triage.decide(report("Het laadscherm"))
    assert decision.needs_triage
    assert decision.priority is Priority.MIDDEL and STEP in decision.rules
    said = {f.name: f.value for f in decision.factors}
    assert said[RULES_FACTOR] == "niets herkend"
    assert not in_doubt(decision.factors)


def test_an_unsure_model_that_contradicts_the_rules_asks_a_person_and_keeps_their_hoog(
    tmp_path: Path,
) -> None:
    # Five outcomes equally likely, Middel a little more: unsure (below 0.5), and below the
    # Hoog threshold.
    triage = with_model(tmp_path, tiny(niemand=weights(middel=1.0)))
    decision = triage.decide(report("niemand kan werken"))
    assert decision.needs_triage and in_doubt(decision.factors)
    assert decision.priority is Priority.HOOG  # the rules' Hoog stands
    assert STEP not in decision.rules
    assert "onzeker" in {f.name: f.value for f in decision.factors}[FACTOR]
    # Unsure and contradicting a Middel: the model's guess, and a person looks.
    other = with_model(tmp_path / "o", tiny(kapot=weights(laagstoring=1.0)))
    broken = other.decide(report("het is kapot"))
    assert broken.needs_triage and broken.priority is Priority.LAAG and STEP in broken.rules


def test_the_model_never_overrides_a_person(tmp_path: Path) -> None:
    triage = with_model(tmp_path, tiny(laadscherm=weights(hoog=10.0)))
    confirmed = triage.decide(report("Het laadscherm, typfout"), confirmed=Priority.LAAG)
    assert confirmed.priority is Priority.LAAG
    assert STEP not in confirmed.rules and not confirmed.needs_triage
    kept = triage.decide(report("Het laadscherm, typfout"), category=Category.VRAAG)
    assert kept.category is Category.VRAAG
    assert STEP not in kept.rules


def test_a_row_marked_binding_is_not_overruled(tmp_path: Path) -> None:
    # The shipped table with `binding: true` added to its security row, as a team lead would.
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    table = rules / "70-beslistabel.yaml"
    text = table.read_text(encoding="utf-8")
    row = "  - name: beveiliging\n"
    assert text.count(row) == 1
    table.write_text(text.replace(row, row + "    binding: true\n"), encoding="utf-8")
    triage = load_setup(Paths(REPO / "config", rules, tmp_path / "t.db")).triage
    leak = report(
        "Ik zie in mijn teamoverzicht evaluaties van medewerkers van een andere organisatie."
    )
    # A model sure that every report is a Laag vraag.
    triage.model = TextModel.from_json({**tiny(), "intercepts": [0, 0, 0, 20, 0, 0]})
    decision = triage.decide(leak)
    assert (decision.priority, decision.decision) == (Priority.HOOG, "beveiliging")
    assert STEP not in decision.rules
    # The same model does overrule a row that is not binding.
    wish = triage.decide(report("Het zou fijn zijn als de export ook naar PDF kan."))
    assert (wish.priority, wish.category) == (Priority.LAAG, Category.VRAAG)
    assert wish.decision == "wens" and STEP in wish.rules
    # Without the mark, the shipped security row is overruled like any other.
    shipped = load_setup(Paths(REPO / "config", REPO / "rules", tmp_path / "s.db")).triage
    shipped.model = triage.model
    assert shipped.decide(leak).priority is Priority.LAAG


def test_the_shipped_model_tells_an_outage_from_a_question_and_a_wish() -> None:
    model = load_text_model(SHIPPED_MODEL)
    assert model is not None
    assert 0 < model.hoog_threshold <= 0.5 <= model.unsure_below
    outage = read_report(
        "Hele organisatie kan er niet in",
        "Hallo, vanochtend krijgt werkelijk iedereen bij ons een witte pagina na het "
        "inloggen. Zo kan niemand zijn doelen bijwerken. Graag snel actie.",
    )
    question = read_report("vraagje", "Hoi, waar vind ik de export van de evaluaties? Groet")
    wish = read_report("", "Het zou fijn zijn als we de doelen ook in het Engels konden tonen.")
    assert model.opinion(outage).answer == (Priority.HOOG, Category.STORING)
    assert model.opinion(question).answer == (Priority.LAAG, Category.VRAAG)
    assert model.opinion(wish).answer == (Priority.LAAG, Category.WENS)


def test_no_model_file_means_no_model_and_a_broken_one_is_a_config_error(tmp_path: Path) -> None:
    assert load_text_model(tmp_path / TEXT_MODEL) is None
    broken = tmp_path / TEXT_MODEL
    broken.write_bytes(b"not gzip")
    with pytest.raises(ConfigError, match="taalmodel"):
        load_text_model(broken)
    broken.write_bytes(gzip.compress(json.dumps({"hoog_threshold": 0.4}).encode()))
    with pytest.raises(ConfigError, match="taalmodel"):
        load_text_model(broken)


def test_the_model_reads_a_repeated_sentence_once() -> None:
    read = read_report("", "Goedemorgen, een lange mail. " * 50 + "Niemand kan inloggen.\nGroet")
    text = model_text(read)
    assert text.count("goedemorgen") == 1 and "niemand kan inloggen" in text
    # Nothing repeated: the text as it is.
    once = read_report("Storing", "Het werkt niet. Niemand kan erin!")
    assert model_text(once) == normalise(once.text)

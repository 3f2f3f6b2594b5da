"""The text model: priority and category read from the whole text, learnt from labelled reports.

The word rules are exact but brittle on a writer they were not tuned on: measured blind on each
labelled set when it was new, they agreed with the label on 78 % of the priorities and found
65 % of the Hoog reports. A statistical model of the same text (TF-IDF of word 1-2-grams and
character 4-grams, multinomial logistic regression over the six outcomes Bijlage 1 allows:
Hoog, Middel or Laag storing, and Laag vraag, wens or instelling), trained on the other sets,
agreed on 97 % and found 98 % of the Hoog reports (tools/train_text_model.py measures it,
leaving one labelled set out at a time). So the model decides, and the rules explain, unless a
decision-table row is `binding` or a person set the priority; see bot/pipeline.py.

Two numbers ship with the model: `hoog_threshold` (Hoog as soon as P(Hoog) reaches it, below
an even split, because a missed outage costs more than a second look at a false one) and
`unsure_below` (when the rules recognised nothing and the model's answer is less likely than
this, a person decides: "Niet herkend").

The model is plain data (vocabulary, idf, one weight per outcome), computed here without
scikit-learn; the caller reads the file. Features are exactly those of the training script,
which checks that this module reproduces scikit-learn's probabilities before it writes the file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.models import Category, Priority
from bot.reading import ReadText

STEP = "taalmodel"
FACTOR = "taalmodel"
RULES_FACTOR = "regels"
# What `triage explain` says about the factors (Dutch: a team lead reads it).
DESCRIPTION = (
    "een taalmodel, getraind op de gelabelde meldingen, las de hele tekst en koos deze "
    "prioriteit en categorie (met de kans die het eraan geeft)"
)
RULES_DESCRIPTION = "wat de beslistabel en de woordregels zonder het taalmodel hadden gekozen"
# scikit-learn's default token pattern: words of two or more letters or digits.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_MEMO_WORDS = 100_000
CHAR_SIZES = (4, 4)  # the character n-gram sizes of a model file that does not name them

Outcome = tuple[Priority, Category]
HOOG = (Priority.HOOG, Category.STORING)


class _Named(Protocol):
    """A factor as stored or as explained: a name and a value."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...


def in_doubt(factors: Iterable[_Named]) -> bool:
    """Whether a report a person must judge (needs_triage) is a doubt, the rules and an unsure
    model disagreeing, rather than nothing recognised: the `regels` factor says which."""
    said = next((f.value for f in factors if f.name == RULES_FACTOR), None)
    return said is not None and not said.startswith("niets herkend")


def rules_answer(priority: Priority, category: Category, factors: Iterable[_Named]) -> str:
    """What the rules alone said of a decision ('middel storing', 'niets herkend'): the
    `regels` factor where the model spoke up, else the decision itself."""
    said = next((f.value for f in factors if f.name == RULES_FACTOR), None)
    if said is not None:
        return said.split(",")[0]
    return outcome_name((priority, category))


def decided_by_model(rules: Iterable[str]) -> bool:
    """Whether the text model, not the rules, chose the priority (its step fired)."""
    return STEP in rules


# Combining marks (the accents NFKD splits off): the blocks Latin, Greek and Cyrillic text use.
# One regular expression instead of a test per character, the slowest part of reading.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """Lower case without accents, as the model was trained."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered  # nothing to decompose (nearly every report): skip the slow way
    return _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))


def word_ngrams(text: str) -> list[str]:
    """Words and pairs of words (scikit-learn's word analyzer, ngram_range (1, 2))."""
    tokens = _TOKEN.findall(text)
    return tokens + list(map(" ".join, pairwise(tokens)))


def char_ngrams(text: str, sizes: tuple[int, int] = CHAR_SIZES) -> list[str]:
    """Character n-grams, n in `sizes` (inclusive), inside space-padded words (scikit-learn's
    `char_wb`)."""
    grams: list[str] = []
    low, high = sizes
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if size <= n:
                grams.append(padded)  # a word this short counts once, whole
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


# A sentence (or line) and the punctuation and space after it.
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*\s*")


def model_text(read: ReadText) -> str:
    """What the model reads: the subject and the newest text (forwarded content included),
    each sentence once. A sentence repeated (a pasted log, a greeting copied a thousand times)
    says nothing new, but its words would outweigh the one sentence that names the fault."""
    text = normalise(read.text)
    sentences = _SENTENCE.findall(text)
    if len(sentences) == len(set(map(str.strip, sentences))):
        return text  # nothing repeated (nearly every report): the text as it is
    seen: set[str] = set()
    kept = []
    for sentence in sentences:
        key = sentence.strip()
        if key not in seen:
            seen.add(key)
            kept.append(sentence)
    return "".join(kept)


def outcome_name(outcome: Outcome) -> str:
    """'middel storing': how a file names an outcome and a reader sees it."""
    return f"{outcome[0].value} {outcome[1].value}"


def parse_outcome(name: str) -> Outcome:
    """The inverse of `outcome_name`; ValueError for anything else."""
    priority, _, category = name.partition(" ")
    outcome = (Priority(priority), Category(category))
    if outcome[1] is not Category.STORING and outcome[0] is not Priority.LAAG:
        raise ValueError(f"{name!r}: a {category} is always Laag")
    return outcome


class _Part:
    """One vectoriser: n-gram -> row; per row the idf and one weight per outcome.

    The arithmetic is numpy's: a report has some hundreds of known n-grams, and summing
    their weights for six outcomes in Python took most of `triage classify`'s time."""

    def __init__(self, terms: Mapping[str, tuple[float, tuple[float, ...]]], width: int) -> None:
        self.width = width
        self.grams = list(terms)
        self.index = {g: i for i, g in enumerate(self.grams)}
        self.idf = np.array([terms[g][0] for g in self.grams], dtype=np.float64)
        weights = [terms[g][1] for g in self.grams]
        self.weights = np.array(weights, dtype=np.float64).reshape(len(self.grams), width)

    def __contains__(self, gram: str) -> bool:
        return gram in self.index

    def __len__(self) -> int:
        return len(self.grams)

    def rows(self, grams: Iterable[str]) -> list[int]:
        """The rows of the n-grams of `grams` this part knows, in order, repeats kept."""
        return [i for i in map(self.index.get, grams) if i is not None]

    def _values(self, rows: Sequence[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The distinct rows and their L2-normalised sublinear tf-idf (scikit-learn's
        TfidfVectorizer(sublinear_tf=True): (1 + ln count) * idf, then unit length)."""
        unique, counts = np.unique(np.asarray(rows, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[unique]
        norm = math.sqrt(float(values @ values))
        return unique, values / norm if norm > 0 else values

    def telling(self, rows: Sequence[int], weight: int, top: int) -> tuple[str, ...]:
        """The `top` n-grams that pushed most towards outcome `weight` rather than the others
        (their share of its score minus their mean share over all outcomes), best first.

        Only n-grams that tell a reader something: pairs of words and words longer than three
        letters; "en" and "van" weigh in too, but explain nothing."""
        if not rows:
            return ()
        unique, values = self._values(rows)
        own = self.weights[unique]
        shares = values * (own[:, weight] - own.mean(axis=1))
        found: list[str] = []
        for i in np.argsort(-shares, kind="stable"):
            if shares[i] <= 0 or len(found) == top:
                break
            gram = self.grams[int(unique[i])]
            if " " in gram or len(gram) > 3:
                found.append(gram)
        return tuple(found)


@dataclass(frozen=True)
class Opinion:
    """The model's view of one report: its answer, how likely it finds that answer, the whole
    distribution, and the words that pushed most towards the answer."""

    answer: Outcome
    confidence: float
    probabilities: Mapping[Outcome, float]
    # The model's rows of the report's word n-grams, for `TextModel.telling_words`.
    word_rows: Sequence[int] = field(default=(), repr=False, compare=False)

    @property
    def hoog(self) -> float:
        """P(Hoog storing)."""
        return self.probabilities.get(HOOG, 0.0)


class TextModel:
    """The shipped text model; build it with `from_json` from the file's data."""

    def __init__(
        self,
        outcomes: tuple[Outcome, ...],
        intercepts: tuple[float, ...],
        words: _Part,
        chars: _Part,
        hoog_threshold: float,
        unsure_below: float,
        version: str,
        char_sizes: tuple[int, int] = CHAR_SIZES,
    ) -> None:
        self.outcomes = outcomes
        self.intercepts = np.array(intercepts, dtype=np.float64)
        self._words = words
        self._chars = chars
        # Both parts stacked (character rows after the word rows), so that a report needs one
        # count of its n-grams and one product with the weights; each part is still
        # normalised on its own, as scikit-learn's two vectorisers are.
        self._offset = len(words)
        self._idf = np.concatenate([words.idf, chars.idf])
        self._weights = np.concatenate([words.weights, chars.weights])
        self.char_sizes = char_sizes
        # Word -> its known character n-grams and their `sums`: most words recur from report
        # to report, and cutting every word into pieces would be most of the model's time.
        # Bounded by _MEMO_WORDS; `forget` empties it.
        self._pieces: dict[str, tuple[int, ...]] = {}
        self.hoog_threshold = hoog_threshold
        self.unsure_below = unsure_below
        self.version = version

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TextModel:
        """Build from the dict tools/train_text_model.py writes; ValueError when malformed."""
        try:
            outcomes = tuple(parse_outcome(str(name)) for name in data["outcomes"])
            width = len(outcomes)
            if width < 2 or len(set(outcomes)) != width:
                raise ValueError("a model needs two or more different outcomes")
            intercepts = tuple(float(b) for b in data["intercepts"])
            hoog_threshold = float(data["hoog_threshold"])
            unsure_below = float(data["unsure_below"])
            if not 0.0 < hoog_threshold <= 1.0 or not 0.0 <= unsure_below <= 1.0:
                raise ValueError("hoog_threshold and unsure_below are probabilities")
            low, high = (int(n) for n in data.get("char_sizes", CHAR_SIZES))
            if not 1 <= low <= high:
                raise ValueError(f"character n-gram sizes {low}-{high} make no sense")

            def part(terms: Mapping[str, Sequence[float]]) -> _Part:
                parsed = {}
                for gram, values in terms.items():
                    if len(values) != width + 1:
                        raise ValueError(f"{gram!r} has {len(values) - 1} weights, not {width}")
                    parsed[gram] = (float(values[0]), tuple(float(w) for w in values[1:]))
                return _Part(parsed, width)

            if len(intercepts) != width:
                raise ValueError(f"{len(intercepts)} intercepts for {width} outcomes")
            return cls(
                outcomes,
                intercepts,
                part(data["word"]),
                part(data["char"]),
                hoog_threshold,
                unsure_below,
                str(data["version"]),
                (low, high),
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"not a text model file: {exc!r}") from exc

    def forget(self) -> None:
        """Empty the per-word memo of character n-grams, as a fresh process starts (the bench
        calls it before every pass, so that its figure includes cutting words into pieces)."""
        self._pieces.clear()

    def probabilities_of(self, text: str) -> dict[Outcome, float]:
        """P(outcome) for an already normalised text."""
        return self._probabilities(text, self._words.rows(word_ngrams(text)))

    def opinion(self, read: ReadText) -> Opinion:
        """The model's answer for a report: Hoog as soon as P(Hoog) reaches `hoog_threshold`,
        else the most likely outcome."""
        text = model_text(read)
        word_rows = self._words.rows(word_ngrams(text))
        probabilities = self._probabilities(text, word_rows)
        if HOOG in probabilities and probabilities[HOOG] >= self.hoog_threshold:
            answer = HOOG
        else:
            answer = max(probabilities, key=probabilities.__getitem__)
        return Opinion(answer, probabilities[answer], probabilities, word_rows)

    def telling_words(
        self, opinion: Opinion, answer: Outcome | None = None, words: int = 5
    ) -> tuple[str, ...]:
        """The words of the report behind `opinion` that pushed most towards `answer` (its
        own answer by default); asked only when the answer is shown. Words only: character
        n-grams mean nothing to a reader."""
        outcome = self.outcomes.index(answer or opinion.answer)
        return self._words.telling(opinion.word_rows, outcome, words)

    def _probabilities(self, text: str, word_rows: list[int]) -> dict[Outcome, float]:
        rows = word_rows + self._char_rows(text) if len(self._chars) else word_rows
        z = self.intercepts
        if rows:
            unique, counts = np.unique(np.asarray(rows, dtype=np.int64), return_counts=True)
            values = (1.0 + np.log(counts)) * self._idf[unique]
            split = int(np.searchsorted(unique, self._offset))
            for part in (values[:split], values[split:]):  # views: scaled in place
                norm = math.sqrt(float(part @ part))
                if norm > 0:
                    part /= norm
            z = z + values @ self._weights[unique]
        exps = np.exp(z - z.max())
        probabilities = exps / exps.sum()
        return {o: float(p) for o, p in zip(self.outcomes, probabilities, strict=True)}

    def _char_rows(self, text: str) -> list[int]:
        """The rows (after the word rows) of the text's known character n-grams, each word's
        taken from the memo."""
        if len(self._pieces) > _MEMO_WORDS:
            self._pieces.clear()  # bounded: a stream of odd words cannot grow it for ever
        chars = self._chars
        memo = self._pieces
        rows: list[int] = []
        for word in text.split():
            own = memo.get(word)
            if own is None:
                offset = self._offset
                grams = char_ngrams(word, self.char_sizes)
                own = memo[word] = tuple(offset + i for i in chars.rows(grams))
            rows.extend(own)
        return rows

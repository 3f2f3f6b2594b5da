"""A second opinion on Hoog: a text model that may raise a report the rules left below Hoog.

The word rules are exact but brittle on a writer they were not tuned on: measured blind on each
labelled set when it was new, they found 65 % of the Hoog reports. A statistical model of the
same text (TF-IDF of word 1-2-grams and character 3-5-grams, logistic regression, Hoog against
the rest), trained on the other sets, found most of the missed ones with hardly any false Hoog
(tools/train_hoog_model.py measures it, leaving one set out at a time). So the model has one
narrow, visible job: when its probability of Hoog is at least the threshold shipped with it, a
report the rules made Laag or Middel becomes Hoog, storing. The decision then names the step
(`taalmodel-hoog`) and carries the factor `taalmodel: hoog` with the probability and the words
that weighed most, so a team lead sees why. It never lowers a priority.

The model is plain data (vocabulary, idf, weights), computed here without scikit-learn; the
caller reads the file. Features are exactly those of the training script, which checks that
this module reproduces scikit-learn's probabilities before it writes the file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from bot.reading import ReadText

STEP = "taalmodel-hoog"
FACTOR = "taalmodel"
# What `triage explain` says about the factor (Dutch: a team lead reads it).
DESCRIPTION = (
    "een taalmodel, getraind op de gelabelde meldingen, acht Hoog zeer waarschijnlijk en maakt "
    "de melding Hoog (het verhoogt alleen, het verlaagt nooit)"
)
# scikit-learn's default token pattern: words of two or more letters or digits.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_MEMO_WORDS = 100_000


def normalise(text: str) -> str:
    """Lower case without accents, as the model was trained."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_ngrams(text: str) -> list[str]:
    """Words and pairs of words (scikit-learn's word analyzer, ngram_range (1, 2))."""
    tokens = _TOKEN.findall(text)
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def char_ngrams(text: str) -> list[str]:
    """Character 3-5-grams inside space-padded words (scikit-learn's `char_wb`)."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(3, 6):
            if size <= n:
                grams.append(padded)  # a word this short counts once, whole
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def model_text(read: ReadText) -> str:
    """What the model reads: the subject and the newest text (forwarded content included)."""
    return normalise(read.text)


class _Part:
    """One vectoriser: n-gram -> (idf, weight)."""

    def __init__(self, terms: Mapping[str, tuple[float, float]]) -> None:
        self.terms = terms
        # idf * weight and idf squared: the score and the norm need nothing else.
        self._idf_weight = {g: idf * weight for g, (idf, weight) in terms.items()}
        self._idf_squared = {g: idf * idf for g, (idf, _) in terms.items()}

    def count(self, grams: list[str]) -> Counter[str]:
        """How often each n-gram this part knows occurs in `grams`."""
        return Counter(g for g in grams if g in self.terms)

    def score(self, counts: Mapping[str, int]) -> float:
        """The part's share of the score: the L2-normalised sublinear tf-idf times the weights."""
        once = [g for g, times in counts.items() if times == 1]
        # Most n-grams occur once (tf 1): summed by map, at C speed.
        dot = sum(map(self._idf_weight.__getitem__, once))
        square = sum(map(self._idf_squared.__getitem__, once))
        for gram, times in counts.items():
            if times > 1:
                tf = 1.0 + math.log(times)
                dot += tf * self._idf_weight[gram]
                square += tf * tf * self._idf_squared[gram]
        return dot / math.sqrt(square) if square else 0.0

    def contributions(self, counts: Mapping[str, int]) -> dict[str, float]:
        """Each n-gram's share of `score` (for the words a reader is shown)."""
        values = {g: (1.0 + math.log(c)) * self.terms[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {g: v / norm * self.terms[g][1] for g, v in values.items()} if norm else {}


@dataclass(frozen=True)
class Opinion:
    """The model's view of one report."""

    probability: float
    raise_to_hoog: bool
    words: tuple[str, ...]


class HoogModel:
    """The shipped Hoog model; build it with `from_json` from the file's data."""

    def __init__(
        self, words: _Part, chars: _Part, intercept: float, threshold: float, version: str
    ) -> None:
        self._words = words
        self._chars = chars
        # Word -> its known character n-grams: most words recur from report to report, and
        # cutting every word into pieces is most of the model's time.
        self._pieces: dict[str, tuple[str, ...]] = {}
        self.intercept = intercept
        self.threshold = threshold
        self.version = version

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HoogModel:
        """Build from the dict tools/train_hoog_model.py writes; ValueError when malformed."""
        try:
            threshold = float(data["threshold"])
            if not 0.5 <= threshold < 1.0:
                raise ValueError(f"threshold {threshold} is not in [0.5, 1)")
            return cls(
                _Part({k: (float(v[0]), float(v[1])) for k, v in data["word"].items()}),
                _Part({k: (float(v[0]), float(v[1])) for k, v in data["char"].items()}),
                float(data["intercept"]),
                threshold,
                str(data["version"]),
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"not a Hoog model file: {exc!r}") from exc

    def probability_of(self, text: str) -> float:
        """P(Hoog) for an already normalised text."""
        return self._probability(text, self._words.count(word_ngrams(text)))

    def opinion(self, read: ReadText, words: int = 5) -> Opinion:
        """P(Hoog), whether it reaches the threshold, and the words that pushed most to Hoog."""
        text = model_text(read)
        word_counts = self._words.count(word_ngrams(text))
        probability = self._probability(text, word_counts)
        if probability < self.threshold:
            return Opinion(probability, False, ())
        # Words only: character n-grams mean nothing to a reader, nor do short single words
        # ("en", "van") that weigh in.
        telling = {
            g: c
            for g, c in self._words.contributions(word_counts).items()
            if c > 0 and (" " in g or len(g) > 3)
        }
        top = sorted(((c, g) for g, c in telling.items()), reverse=True)[:words]
        return Opinion(probability, True, tuple(g for _, g in top))

    def _probability(self, text: str, word_counts: Counter[str]) -> float:
        z = self.intercept + self._words.score(word_counts)
        z += self._chars.score(self._char_counts(text))
        return 1.0 / (1.0 + math.exp(-z))

    def _char_counts(self, text: str) -> Counter[str]:
        """The counts of known character n-grams in `text`, as `char_ngrams` would give them."""
        if len(self._pieces) > _MEMO_WORDS:
            self._pieces.clear()  # bounded: a stream of odd words cannot grow it for ever
        known = self._chars.terms
        pieces: list[str] = []
        for word, times in Counter(text.split()).items():
            own = self._pieces.get(word)
            if own is None:
                own = tuple(g for g in char_ngrams(word) if g in known)
                self._pieces[word] = own
            pieces.extend(own * times if times > 1 else own)
        return Counter(pieces)

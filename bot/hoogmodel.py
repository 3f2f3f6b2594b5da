"""A second opinion on Hoog: a text model that may raise a report the rules left below Hoog.

The word rules are exact but brittle on a writer they were not tuned on: measured blind on each
labelled set when it was new, they found 65 % of the Hoog reports. A statistical model of the
same text (TF-IDF of word 1-2-grams and character 4-grams, logistic regression, Hoog against
the rest; a model file names its character n-gram sizes, 3-5 when it does not), trained on the
other sets, found most of the missed ones with hardly any false Hoog
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from operator import mul
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
CHAR_SIZES = (3, 5)  # the character n-gram sizes of a model file that does not name them


def normalise(text: str) -> str:
    """Lower case without accents, as the model was trained."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered  # nothing to decompose (nearly every report): skip the slow way
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_ngrams(text: str) -> list[str]:
    """Words and pairs of words (scikit-learn's word analyzer, ngram_range (1, 2))."""
    tokens = _TOKEN.findall(text)
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


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


def model_text(read: ReadText) -> str:
    """What the model reads: the subject and the newest text (forwarded content included)."""
    return normalise(read.text)


class _TfExtra(dict[int, float]):
    """count -> what sublinear tf adds to the count: (1 + ln count) ** power - count."""

    def __init__(self, power: int) -> None:
        super().__init__()
        self.power = power

    def __missing__(self, times: int) -> float:
        extra = self[times] = (1.0 + math.log(times)) ** self.power - times
        return extra


_TF_EXTRA = _TfExtra(1)
_TF2_EXTRA = _TfExtra(2)


class _Part:
    """One vectoriser: n-gram -> (idf, weight)."""

    def __init__(self, terms: Mapping[str, tuple[float, float]]) -> None:
        self.terms = terms
        # idf * weight and idf squared: the score and the norm need nothing else.
        self._idf_weight = {g: idf * weight for g, (idf, weight) in terms.items()}
        self._idf_squared = {g: idf * idf for g, (idf, _) in terms.items()}

    def known(self, grams: list[str]) -> list[str]:
        """The n-grams of `grams` this part knows, in order, repeats kept."""
        return list(filter(self.terms.__contains__, grams))

    def sums(self, known: Iterable[str]) -> tuple[float, float]:
        """idf * weight and idf squared summed over `known`, each occurrence as if it were the
        only one (tf 1); `score` corrects for the repeated ones."""
        known = tuple(known)
        return (
            sum(map(self._idf_weight.__getitem__, known)),
            sum(map(self._idf_squared.__getitem__, known)),
        )

    def score(self, counts: Counter[str], dot: float, square: float) -> float:
        """The part's share of the score: the L2-normalised sublinear tf-idf times the weights.

        `dot` and `square` are `sums` over every occurrence of the counted n-grams. Most
        n-grams occur once, where tf is 1 and that sum is right; for the others tf is
        1 + ln(count) rather than the count, corrected here. All summed by map, at C speed:
        this is most of the model's time.
        """
        repeated = [g for g, times in counts.items() if times > 1]
        if repeated:
            times = list(map(counts.__getitem__, repeated))
            dot += sum(
                map(
                    mul,
                    map(_TF_EXTRA.__getitem__, times),
                    map(self._idf_weight.__getitem__, repeated),
                )
            )
            square += sum(
                map(
                    mul,
                    map(_TF2_EXTRA.__getitem__, times),
                    map(self._idf_squared.__getitem__, repeated),
                )
            )
        return dot / math.sqrt(square) if square > 0 else 0.0

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
        self,
        words: _Part,
        chars: _Part,
        intercept: float,
        threshold: float,
        version: str,
        char_sizes: tuple[int, int] = CHAR_SIZES,
    ) -> None:
        self._words = words
        self._chars = chars
        self.char_sizes = char_sizes
        # Word -> its known character n-grams and their `sums`: most words recur from report
        # to report, and cutting every word into pieces would be most of the model's time.
        # Bounded by _MEMO_WORDS; `forget` empties it.
        self._pieces: dict[str, tuple[tuple[str, ...], float, float]] = {}
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
            low, high = (int(n) for n in data.get("char_sizes", CHAR_SIZES))
            if not 1 <= low <= high:
                raise ValueError(f"character n-gram sizes {low}-{high} make no sense")
            return cls(
                _Part({k: (float(v[0]), float(v[1])) for k, v in data["word"].items()}),
                _Part({k: (float(v[0]), float(v[1])) for k, v in data["char"].items()}),
                float(data["intercept"]),
                threshold,
                str(data["version"]),
                (low, high),
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"not a Hoog model file: {exc!r}") from exc

    def forget(self) -> None:
        """Empty the per-word memo of character n-grams, as a fresh process starts (the bench
        calls it before every pass, so that its figure includes cutting words into pieces)."""
        self._pieces.clear()

    def probability_of(self, text: str) -> float:
        """P(Hoog) for an already normalised text."""
        return self._probability(text, self._words.known(word_ngrams(text)))

    def opinion(self, read: ReadText, words: int = 5) -> Opinion:
        """P(Hoog), whether it reaches the threshold, and the words that pushed most to Hoog."""
        text = model_text(read)
        known_words = self._words.known(word_ngrams(text))
        probability = self._probability(text, known_words)
        if probability < self.threshold:
            return Opinion(probability, False, ())
        # Words only: character n-grams mean nothing to a reader, nor do short single words
        # ("en", "van") that weigh in.
        telling = {
            g: c
            for g, c in self._words.contributions(Counter(known_words)).items()
            if c > 0 and (" " in g or len(g) > 3)
        }
        top = sorted(((c, g) for g, c in telling.items()), reverse=True)[:words]
        return Opinion(probability, True, tuple(g for _, g in top))

    def _probability(self, text: str, known_words: list[str]) -> float:
        z = self.intercept + self._words.score(Counter(known_words), *self._words.sums(known_words))
        if self._chars.terms:
            z += self._char_score(text)
        return 1.0 / (1.0 + math.exp(-z))

    def _char_score(self, text: str) -> float:
        """The character part's score, the known n-grams of each word taken from the memo."""
        if len(self._pieces) > _MEMO_WORDS:
            self._pieces.clear()  # bounded: a stream of odd words cannot grow it for ever
        chars = self._chars
        memo = self._pieces
        pieces: list[str] = []
        dot = square = 0.0
        for word, times in Counter(text.split()).items():
            own = memo.get(word)
            if own is None:
                grams = tuple(filter(chars.terms.__contains__, char_ngrams(word, self.char_sizes)))
                own = memo[word] = (grams, *chars.sums(grams))
            grams, word_dot, word_square = own
            if times > 1:
                pieces.extend(grams * times)
                dot += times * word_dot
                square += times * word_square
            else:
                pieces.extend(grams)
                dot += word_dot
                square += word_square
        return chars.score(Counter(pieces), dot, square)

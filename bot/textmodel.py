"""The text model: priority and category read from the whole text, learnt from labelled reports.

The word rules are exact but brittle on a writer they were not tuned on: measured blind on each
labelled set when it was new, they agreed with the label on 78 % of the priorities and found
65 % of the Hoog reports. A statistical model of the same text (TF-IDF of word 1-2-grams and
character 4-grams, multinomial logistic regression over the six outcomes Bijlage 1 allows:
Hoog, Middel or Laag storing, and Laag vraag, wens or instelling), trained on the other sets,
agreed on 97 % and found 98 % of the Hoog reports (tools/train_text_model.py measures it,
leaving one labelled set out at a time). So the model decides, and the rules explain, unless a
decision-table row is `binding` (security: always Hoog) or a person set the priority; see
bot/pipeline.py for the order.

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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from operator import mul
from typing import Any, Protocol

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


def _column_sums(vectors: Iterable[Sequence[float]], width: int) -> list[float]:
    """Element-wise sum of equally long vectors (zeros when there are none), at C speed."""
    sums: list[float] = list(map(_fsum0, zip(*vectors, strict=True)))
    return sums or [0.0] * width


def _fsum0(column: Iterable[float]) -> float:
    return sum(column, 0.0)


class _Part:
    """One vectoriser: n-gram -> idf and one weight per outcome."""

    def __init__(self, terms: Mapping[str, tuple[float, tuple[float, ...]]], width: int) -> None:
        self.terms = terms
        self.width = width
        # idf * weights and idf squared: the scores and the norm need nothing else.
        self._idf_weights = {
            g: tuple(idf * w for w in weights) for g, (idf, weights) in terms.items()
        }
        self._idf_squared = {g: idf * idf for g, (idf, _) in terms.items()}

    def known(self, grams: list[str]) -> list[str]:
        """The n-grams of `grams` this part knows, in order, repeats kept."""
        return list(filter(self.terms.__contains__, grams))

    def sums(self, known: Iterable[str]) -> tuple[list[float], float]:
        """idf * weights and idf squared summed over `known`, each occurrence as if it were the
        only one (tf 1); `scores` corrects for the repeated ones."""
        known = tuple(known)
        return (
            _column_sums(map(self._idf_weights.__getitem__, known), self.width),
            sum(map(self._idf_squared.__getitem__, known)),
        )

    def scores(self, counts: Counter[str], dots: list[float], square: float) -> list[float]:
        """The part's share of each outcome's score: the L2-normalised sublinear tf-idf times
        that outcome's weights.

        `dots` and `square` are `sums` over every occurrence of the counted n-grams. Most
        n-grams occur once, where tf is 1 and that sum is right; for the others tf is
        1 + ln(count) rather than the count, corrected here. Summed by map, at C speed: this
        is most of the model's time.
        """
        repeated = [g for g, times in counts.items() if times > 1]
        if repeated:
            times = list(map(counts.__getitem__, repeated))
            extras = list(map(_TF_EXTRA.__getitem__, times))
            vectors = map(self._idf_weights.__getitem__, repeated)
            corrections = _column_sums(
                (
                    tuple(map(mul, repeat(e, self.width), v))
                    for e, v in zip(extras, vectors, strict=True)
                ),
                self.width,
            )
            dots = list(map(sum, zip(dots, corrections, strict=True)))
            square += sum(
                map(
                    mul,
                    map(_TF2_EXTRA.__getitem__, times),
                    map(self._idf_squared.__getitem__, repeated),
                )
            )
        if square <= 0:
            return [0.0] * self.width
        norm = math.sqrt(square)
        return [d / norm for d in dots]

    def contributions(self, counts: Mapping[str, int], weight: int) -> dict[str, float]:
        """Each n-gram's share of outcome `weight`'s score, minus its mean share over all
        outcomes (what pushed towards this outcome rather than the others)."""
        values = {g: (1.0 + math.log(c)) * self.terms[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        if not norm:
            return {}
        shares = {}
        for g, v in values.items():
            weights = self.terms[g][1]
            shares[g] = v / norm * (weights[weight] - sum(weights) / len(weights))
        return shares


@dataclass(frozen=True)
class Opinion:
    """The model's view of one report: its answer, how likely it finds that answer, the whole
    distribution, and the words that pushed most towards the answer."""

    answer: Outcome
    confidence: float
    probabilities: Mapping[Outcome, float]
    words: tuple[str, ...]

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
        self.intercepts = intercepts
        self._words = words
        self._chars = chars
        self.char_sizes = char_sizes
        # Word -> its known character n-grams and their `sums`: most words recur from report
        # to report, and cutting every word into pieces would be most of the model's time.
        # Bounded by _MEMO_WORDS; `forget` empties it.
        self._pieces: dict[str, tuple[tuple[str, ...], list[float], float]] = {}
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
        return self._probabilities(text, self._words.known(word_ngrams(text)))

    def opinion(self, read: ReadText) -> Opinion:
        """The model's answer for a report: Hoog as soon as P(Hoog) reaches `hoog_threshold`,
        else the most likely outcome."""
        text = model_text(read)
        known_words = self._words.known(word_ngrams(text))
        probabilities = self._probabilities(text, known_words)
        if HOOG in probabilities and probabilities[HOOG] >= self.hoog_threshold:
            answer = HOOG
        else:
            answer = max(probabilities, key=probabilities.__getitem__)
        return Opinion(answer, probabilities[answer], probabilities, ())

    def telling_words(self, read: ReadText, answer: Outcome, words: int = 5) -> tuple[str, ...]:
        """The words that pushed most towards `answer` (asked only when the answer is shown).

        Words only: character n-grams mean nothing to a reader, nor do short single words
        ("en", "van") that weigh in."""
        known_words = self._words.known(word_ngrams(model_text(read)))
        shares = self._words.contributions(Counter(known_words), self.outcomes.index(answer))
        telling = {g: c for g, c in shares.items() if c > 0 and (" " in g or len(g) > 3)}
        top = sorted(((c, g) for g, c in telling.items()), reverse=True)[:words]
        return tuple(g for _, g in top)

    def _probabilities(self, text: str, known_words: list[str]) -> dict[Outcome, float]:
        scores = self._words.scores(Counter(known_words), *self._words.sums(known_words))
        if self._chars.terms:
            scores = list(map(sum, zip(scores, self._char_scores(text), strict=True)))
        z = [b + s for b, s in zip(self.intercepts, scores, strict=True)]
        top = max(z)
        exps = [math.exp(v - top) for v in z]
        total = sum(exps)
        return {o: e / total for o, e in zip(self.outcomes, exps, strict=True)}

    def _char_scores(self, text: str) -> list[float]:
        """The character part's scores, the known n-grams of each word taken from the memo."""
        if len(self._pieces) > _MEMO_WORDS:
            self._pieces.clear()  # bounded: a stream of odd words cannot grow it for ever
        chars = self._chars
        memo = self._pieces
        pieces: list[str] = []
        vectors: list[list[float]] = []
        square = 0.0
        for word, times in Counter(text.split()).items():
            own = memo.get(word)
            if own is None:
                grams = tuple(filter(chars.terms.__contains__, char_ngrams(word, self.char_sizes)))
                own = memo[word] = (grams, *chars.sums(grams))
            grams, word_dots, word_square = own
            if times > 1:
                pieces.extend(grams * times)
                vectors.extend(repeat(word_dots, times))
                square += times * word_square
            else:
                pieces.extend(grams)
                vectors.append(word_dots)
                square += word_square
        return chars.scores(Counter(pieces), _column_sums(vectors, chars.width), square)

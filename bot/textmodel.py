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
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.models import Category, Priority
from bot.reading import ReadText

STEP = "taalmodel"
FACTOR = "taalmodel"
RULES_FACTOR = "regels"
NOTHING_RECOGNISED = "niets herkend"  # the `regels` factor's value when no rule recognised it
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


def _rules_said(factors: Iterable[_Named]) -> str | None:
    """The `regels` factor's value ('middel storing, beslisregel x', 'niets herkend'), if any."""
    return next((f.value for f in factors if f.name == RULES_FACTOR), None)


def in_doubt(factors: Iterable[_Named]) -> bool:
    """Whether a report a person must judge (needs_triage) is a doubt, the rules and an unsure
    model disagreeing, rather than nothing recognised: the `regels` factor says which."""
    said = _rules_said(factors)
    return said is not None and not said.startswith(NOTHING_RECOGNISED)


def rules_answer(priority: Priority, category: Category, factors: Iterable[_Named]) -> str:
    """What the rules alone said of a decision ('middel storing', 'niets herkend'): the
    `regels` factor where the model spoke up, else the decision itself."""
    said = _rules_said(factors)
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


# Rows as the memo keeps them: C ints (array "i", numpy's intc), joined as bytes.
_ROW = "i"
Rows = npt.NDArray[np.intc]
# A part's distinct rows of one report and their L2-normalised sublinear tf-idf.
Values = tuple[Rows, npt.NDArray[np.float64]]
_NO_VALUES: Values = (np.zeros(0, dtype=np.intc), np.zeros(0, dtype=np.float64))


class _Memo(dict[str, bytes]):
    """Word -> what `learn` makes of it, made on first ask (a miss costs no exception)."""

    def __init__(self, learn: Callable[[str], bytes]) -> None:
        super().__init__()
        self._learn = learn

    def __missing__(self, word: str) -> bytes:
        return self._learn(word)


class _Part:
    """One vectoriser: n-gram -> row; per row the idf and one weight per outcome.

    The arithmetic is numpy's: a report has some hundreds of known n-grams, and summing
    their weights for six outcomes in Python took most of `triage classify`'s time."""

    def __init__(self, terms: Mapping[str, Sequence[float]], width: int) -> None:
        """`terms`: n-gram -> [idf, one weight per outcome] (as the model file has them)."""
        self.width = width
        self.grams = list(terms)
        self.index = {g: i for i, g in enumerate(self.grams)}
        # One conversion of the whole table (a loop per number took a quarter of a second of
        # every command's start-up); ValueError for anything that is not a number.
        table = np.array(list(terms.values()), dtype=np.float64).reshape(len(self.grams), width + 1)
        if not np.isfinite(table).all():
            raise ValueError("a weight or idf that is not a finite number")
        self.idf = np.ascontiguousarray(table[:, 0])
        self.weights = np.ascontiguousarray(table[:, 1:])
        # For `telling`, made when first asked.
        self._lean: npt.NDArray[np.float64] | None = None
        self._tells: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.grams)

    def telling(self, values: Values, weight: int, top: int) -> tuple[str, ...]:
        """The `top` n-grams that pushed most towards outcome `weight` rather than the others
        (their share of its score minus their mean share over all outcomes), best first;
        `values` are this part's distinct rows of a report and their L2-normalised tf-idf.

        Only n-grams that tell a reader something: pairs of words and words longer than three
        letters; "en" and "van" weigh in too, but explain nothing."""
        unique, weights = values
        if not unique.size:
            return ()
        if self._lean is None:  # per outcome, each row's weight minus the row's mean
            lean = self.weights - self.weights.mean(axis=1)[:, np.newaxis]
            self._lean = np.ascontiguousarray(lean.T)
            self._tells = np.array([" " in g or len(g) > 3 for g in self.grams], dtype=bool)
        shares = weights * self._lean[weight].take(unique)
        # The telling rows that pushed towards `weight`, most first (ties in row order).
        kept = np.flatnonzero((shares > 0) & self._tells.take(unique))
        best = kept[np.argsort(-shares[kept], kind="stable")[:top]]
        return tuple(self.grams[row] for row in unique[best].tolist())


@dataclass(frozen=True)
class Opinion:
    """The model's view of one report: its answer, how likely it finds that answer, the whole
    distribution, and the words that pushed most towards the answer."""

    answer: Outcome
    confidence: float
    probabilities: Mapping[Outcome, float]
    # The report's word n-grams as the model weighed them (distinct rows, their normalised
    # tf-idf), for `TextModel.telling_words`.
    word_values: Values = field(default=_NO_VALUES, repr=False, compare=False)

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
        # Pairs of words by their two words: each word that is half of a pair in the
        # vocabulary has a code (from `_first_code`, after every row), every other word
        # `_unknown`; a pair is known when its key (first code * (_unknown + 1) + second code)
        # is in the sorted `_pair_keys` (its row in `_pair_rows`; a sentinel key closes both).
        self._first_code = len(self._idf)
        self._codes, self._pair_keys, self._pair_rows = _pair_index(words, self._first_code)
        self._unknown = self._first_code + len(self._codes)
        # The character n-grams' rows, after the word rows.
        self._char_index = {g: self._offset + i for g, i in chars.index.items()}
        # Per whitespace-separated word (most words recur from report to report, and cutting
        # every word into pieces would be most of the model's time), made on first ask: the
        # rows of its known words and character n-grams, and the codes of its words in order
        # (a pair can span two whitespace-separated words). Bounded by _MEMO_WORDS; `forget`
        # empties it.
        self._pieces = _Memo(self._learn)
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
                for gram, values in terms.items():
                    if len(values) != width + 1:
                        raise ValueError(f"{gram!r} has {len(values) - 1} weights, not {width}")
                return _Part(terms, width)

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
        return self._probabilities(text)[0]

    def opinion(self, read: ReadText) -> Opinion:
        """The model's answer for a report: Hoog as soon as P(Hoog) reaches `hoog_threshold`,
        else the most likely outcome."""
        probabilities, word_values = self._probabilities(model_text(read))
        if HOOG in probabilities and probabilities[HOOG] >= self.hoog_threshold:
            answer = HOOG
        else:
            answer = max(probabilities, key=probabilities.__getitem__)
        return Opinion(answer, probabilities[answer], probabilities, word_values)

    def telling_words(
        self, opinion: Opinion, answer: Outcome | None = None, words: int = 5
    ) -> tuple[str, ...]:
        """The words of the report behind `opinion` that pushed most towards `answer` (its
        own answer by default); asked only when the answer is shown. Words only: character
        n-grams mean nothing to a reader."""
        outcome = self.outcomes.index(answer or opinion.answer)
        return self._words.telling(opinion.word_values, outcome, words)

    def _probabilities(self, text: str) -> tuple[dict[Outcome, float], Values]:
        """P(outcome) for a normalised text, and the word part's values (for telling_words)."""
        rows = self._rows(text)
        z = self.intercepts
        word_values = _NO_VALUES
        if size := rows.size:
            # The distinct rows and their counts (np.unique's way, without its overhead).
            rows.sort()
            first = np.empty(size, dtype=bool)
            first[0] = True
            np.not_equal(rows[1:], rows[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            unique = rows[starts]
            counts = np.empty(len(starts), dtype=np.int64)
            np.subtract(starts[1:], starts[:-1], out=counts[:-1])
            counts[-1] = size - starts[-1]
            # Sublinear tf-idf (scikit-learn's TfidfVectorizer(sublinear_tf=True): (1 + ln
            # count) * idf), then each part to unit length.
            values = (1.0 + np.log(counts)) * self._idf.take(unique)
            split = int(np.searchsorted(unique, self._offset))
            for part in (values[:split], values[split:]):  # views: scaled in place
                norm = math.sqrt(float(part @ part))
                if norm > 0:
                    part /= norm
            z = z + values @ self._weights.take(unique, axis=0)
            word_values = (unique[:split], values[:split])
        exps = np.exp(z - z.max())
        probabilities = exps / exps.sum()
        return dict(zip(self.outcomes, probabilities.tolist(), strict=True)), word_values

    def _rows(self, text: str) -> Rows:
        """The rows of the text's known n-grams, repeats kept: words and character n-grams
        (each whitespace-separated word's from the memo), and pairs of words."""
        if len(self._pieces) > _MEMO_WORDS:
            self.forget()  # bounded: a stream of odd words cannot grow it for ever
        split = text.split()
        memo = np.frombuffer(b"".join(map(self._pieces.__getitem__, split)), dtype=np.intc)
        is_code = memo >= self._first_code
        rows = memo[~is_code]
        codes = memo[is_code]
        if codes.size > 1:
            keys = codes[:-1].astype(np.int64) * (self._unknown + 1) + codes[1:]
            at = np.searchsorted(self._pair_keys, keys)
            pairs = self._pair_rows[at[self._pair_keys[at] == keys]]
            if pairs.size:
                return np.concatenate((rows, pairs))
        return rows

    def _learn(self, word: str) -> bytes:
        """Memorise one whitespace-separated word (see __init__) and return its memo."""
        tokens = _TOKEN.findall(word)
        own = array(_ROW, map(self._codes.get, tokens, repeat(self._unknown)))
        own.extend([row for row in map(self._words.index.get, tokens) if row is not None])
        if self._char_index:
            low, high = self.char_sizes
            if low == high:  # char_ngrams, the short way
                padded = f" {word} "
                grams = (
                    [padded[i : i + low] for i in range(len(padded) - low + 1)]
                    if len(padded) > low
                    else [padded]
                )
            else:
                grams = char_ngrams(word, self.char_sizes)
            own.extend([row for row in map(self._char_index.get, grams) if row is not None])
        pieces = self._pieces[word] = own.tobytes()
        return pieces


def _pair_index(words: _Part, first: int) -> tuple[dict[str, int], npt.NDArray[np.int64], Rows]:
    """The word part's pairs of words as TextModel keeps them (see its __init__), the codes
    from `first`."""
    codes: dict[str, int] = {}
    pairs: list[tuple[int, int, int]] = []
    for row, gram in enumerate(words.grams):
        halves = gram.split(" ")
        if len(halves) == 2:  # anything else is a word, or no pair of `word_ngrams`
            a, b = (codes.setdefault(h, first + len(codes)) for h in halves)
            pairs.append((a, b, row))
    size = first + len(codes) + 1
    table = np.array(pairs, dtype=np.int64).reshape(len(pairs), 3)
    unsorted = table[:, 0] * size + table[:, 1]
    order = np.lexsort((table[:, 2], unsorted))  # by key, then row (as sorting the tuples)
    # A sentinel after the largest key: a search never runs off the end.
    keys = np.append(unsorted[order], np.iinfo(np.int64).max)
    rows = np.append(table[order, 2], -1).astype(np.intc)
    return codes, keys, rows

"""Bijlage 1's factors read from a report: which value each factor has, and which words set it.

The rule files name factors (scope, function, workaround, state, ...) and, per value, the
words that set it (schema.FactorSpec). Reading a report:
- the newest body decides; the subject only counts for a factor the body says nothing about,
  and for a factor in a `group` only when the body sets no factor of that group (an alarming
  subject over a body that asks a question is a question);
- quoted mail, signatures and disclaimers are never read (bot/reading.py);
- of the values found, the first in the file's order wins (list the strongest first), or
  with `pick: first` the value whose word comes first in the text;
- with `near: [other, ...]`, only words in a sentence that sets one of those factors, or in
  the sentence just before or after one, count ("Inloggen lukt niet. Dit geldt voor alle
  medewerkers.");
- a negated word ("niet iedereen", "geen storing") sets its value's `negated` value, or
  nothing; for a factor with `negation: keep` it counts as written.
A factor that no word set has the value `onbekend`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.engine.schema import UNKNOWN, FactorSpec
from bot.engine.words import Hit, WordMatcher
from bot.reading import ReadText


@dataclass(frozen=True)
class FactorValue:
    """One factor's value for a report and the words that set it (as written in the rules)."""

    factor: str
    value: str
    words: tuple[str, ...]
    part: str  # "body" or "subject"; "" when unknown
    negated: bool = False


class FactorReader:
    """The factors of a rule set, compiled into one word matcher."""

    def __init__(self, factors: Mapping[str, FactorSpec]) -> None:
        self.factors = dict(factors)
        # term -> [(factor, value, rank)]; a term may serve several factors.
        self._meaning: dict[str, list[tuple[str, str, int]]] = {}
        for name, spec in self.factors.items():
            for rank, (value, definition) in enumerate(spec.values.items()):
                for word in definition.words:
                    self._meaning.setdefault(word, []).append((name, value, rank))
        self.matcher = WordMatcher(self._meaning)
        self._ranks = {
            name: {v: i for i, v in enumerate(spec.values)} for name, spec in self.factors.items()
        }

    def meanings(self, text: str) -> list[tuple[str, str]]:
        """The (factor, value) pairs whose words occur in `text`, as written: no `near`, no
        negation, no precedence (which words would set something at all)."""
        found: list[tuple[str, str]] = []
        for hit in self.matcher.find(text):
            for factor, value, _ in self._meaning[hit.term]:
                if (factor, value) not in found:
                    found.append((factor, value))
        return found

    def read(self, text: ReadText) -> dict[str, FactorValue]:
        """Every factor's value (UNKNOWN when no word set it)."""
        found: dict[str, FactorValue] = {}
        body = self._values(self.matcher.find(text.body), "body") if text.body else {}
        subject = self._values(self.matcher.find(text.subject), "subject") if text.subject else {}
        silent = {
            spec.group
            for name, spec in self.factors.items()
            if spec.group is not None and name in body
        }
        for name, spec in self.factors.items():
            from_subject = (
                subject.get(name) if spec.group not in silent or spec.group is None else None
            )
            value = body.get(name) or from_subject
            found[name] = value or FactorValue(name, UNKNOWN, (), "")
        return found

    def _values(self, hits: list[Hit], part: str) -> dict[str, FactorValue]:
        # Each factor's hits, and the sentences it was set in by a word that was not negated.
        by_factor: dict[str, list[tuple[Hit, str, int]]] = {}
        sentences: dict[str, set[int]] = {}
        for hit in hits:
            for factor, value, rank in self._meaning[hit.term]:
                by_factor.setdefault(factor, []).append((hit, value, rank))
                if not hit.negated:
                    sentences.setdefault(factor, set()).add(hit.sentence)
        found: dict[str, FactorValue] = {}
        for factor, items in by_factor.items():
            spec = self.factors[factor]
            best: tuple[int, str, list[str], bool] | None = None
            for hit, value, rank in _longest(items) if len(items) > 1 else items:
                if (
                    spec.near
                    and not spec.values[value].anywhere
                    and not any(_close(hit.sentence, sentences.get(n)) for n in spec.near)
                ):
                    continue
                negated = hit.negated and spec.negation == "drop"
                if negated:
                    target = spec.values[value].negated
                    if target is None:
                        continue
                    value, rank = target, self._ranks[factor][target]
                if spec.pick == "first":
                    rank = hit.start
                if best is None or rank < best[0]:
                    best = (rank, value, [hit.term], negated)
                elif rank == best[0] and hit.term not in best[2]:
                    best[2].append(hit.term)
            if best is not None:
                found[factor] = FactorValue(factor, best[1], tuple(best[2]), part, best[3])
        return found

    def words(self) -> list[str]:
        """Every term of every factor (for `rules check` and benchmarks)."""
        return list(self._meaning)


def _longest(items: list[tuple[Hit, str, int]]) -> list[tuple[Hit, str, int]]:
    """One factor's hits without those inside a longer hit ("iedereen" inside "iedereen
    anders", "niet meer" inside "niet meer zichtbaar")."""
    spans = {(hit.start, hit.end) for hit, _value, _rank in items}
    return [
        item
        for item in items
        if not any(
            start <= item[0].start
            and item[0].end <= end
            and end - start > item[0].end - item[0].start
            for start, end in spans
        )
    ]


def _close(sentence: int, around: set[int] | None) -> bool:
    """Is `sentence` one of `around`, or next to one of them?"""
    if not around:
        return False
    return sentence in around or sentence - 1 in around or sentence + 1 in around

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
        # Sentences in which each factor was set by a word that was not negated.
        sentences: dict[str, set[int]] = {}
        for hit in hits:
            if not hit.negated:
                for factor, _value, _rank in self._meaning[hit.term]:
                    sentences.setdefault(factor, set()).add(hit.sentence)
        best: dict[str, tuple[int, str, list[str], bool]] = {}
        for hit, factor, value, rank in self._longest(hits):
            spec = self.factors[factor]
            if spec.near and not any(_close(hit.sentence, sentences.get(n)) for n in spec.near):
                continue
            negated = hit.negated and spec.negation == "drop"
            if negated:
                target = spec.values[value].negated
                if target is None:
                    continue
                value = target
                rank = list(spec.values).index(target)
            if spec.pick == "first":
                rank = hit.start
            current = best.get(factor)
            if current is None or rank < current[0]:
                best[factor] = (rank, value, [hit.term], negated)
            elif rank == current[0] and hit.term not in current[2]:
                current[2].append(hit.term)
        return {
            factor: FactorValue(factor, value, tuple(words), part, negated)
            for factor, (_rank, value, words, negated) in best.items()
        }

    def _longest(self, hits: list[Hit]) -> list[tuple[Hit, str, str, int]]:
        """(hit, factor, value, rank), without a factor's words that lie inside a longer word
        of the same factor ("iedereen" inside "iedereen anders", "niet meer" inside "niet
        meer zichtbaar")."""
        found = [(hit, *meaning) for hit in hits for meaning in self._meaning[hit.term]]
        spans: dict[str, list[tuple[int, int]]] = {}
        for hit, factor, _value, _rank in found:
            spans.setdefault(factor, []).append((hit.start, hit.end))
        return [
            item
            for item in found
            if not any(
                start <= item[0].start
                and item[0].end <= end
                and (start, end) != (item[0].start, item[0].end)
                for start, end in spans[item[1]]
            )
        ]

    def words(self) -> list[str]:
        """Every term of every factor (for `rules check` and benchmarks)."""
        return list(self._meaning)


def _close(sentence: int, around: set[int] | None) -> bool:
    """Is `sentence` one of `around`, or next to one of them?"""
    if not around:
        return False
    return sentence in around or sentence - 1 in around or sentence + 1 in around

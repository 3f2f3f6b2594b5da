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
from typing import NamedTuple

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


class _Meaning(NamedTuple):
    """What a term sets, with what reading it needs to know of its factor and value."""

    factor: str
    value: str
    rank: int  # the value's place in the factor (the first listed wins)
    near: tuple[str, ...]  # the factors a sentence close by must set ((): any sentence)
    drop: bool  # a negated word sets nothing but `target`
    target: str | None  # the value a negated word sets (with `drop`), if any
    target_rank: int
    first: bool  # the value whose word comes first wins


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
        # The same, with what `_values` needs to know of the factor and value (looked up once
        # here rather than for every word found).
        self._reading = {
            term: tuple(self._read_as(factor, value, rank) for factor, value, rank in meanings)
            for term, meanings in self._meaning.items()
        }
        # Each factor with its group, and its value when no word set it.
        self._order = [(name, spec.group) for name, spec in self.factors.items()]
        self._unknown = {name: FactorValue(name, UNKNOWN, (), "") for name in self.factors}

    def _read_as(self, factor: str, value: str, rank: int) -> _Meaning:
        spec = self.factors[factor]
        definition = spec.values[value]
        target = definition.negated if spec.negation == "drop" else None
        return _Meaning(
            factor,
            value,
            rank,
            spec.near if spec.near and not definition.anywhere else (),
            spec.negation == "drop",
            target,
            self._ranks[factor][target] if target is not None else 0,
            spec.pick == "first",
        )

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
        body = self._values(self.matcher.find(text.body), "body") if text.body else {}
        subject = self._values(self.matcher.find(text.subject), "subject") if text.subject else {}
        silent = {group for name, group in self._order if group is not None and name in body}
        found: dict[str, FactorValue] = {}
        for name, group in self._order:
            value = body.get(name)
            if value is None and (group is None or group not in silent):
                value = subject.get(name)
            found[name] = value or self._unknown[name]
        return found

    def _values(self, hits: list[Hit], part: str) -> dict[str, FactorValue]:
        # Each factor's hits.
        by_factor: dict[str, list[tuple[Hit, _Meaning]]] = {}
        reading = self._reading
        for hit in hits:
            for meaning in reading[hit.term]:
                items = by_factor.get(meaning.factor)
                if items is None:
                    by_factor[meaning.factor] = [(hit, meaning)]
                else:
                    items.append((hit, meaning))
        found: dict[str, FactorValue] = {}
        # The sentences a `near` word may stand in (per `near`, when first needed).
        nearby: dict[tuple[str, ...], set[int]] = {}
        for factor, items in by_factor.items():
            best_rank = -1
            best_value = ""
            best_terms: list[str] = []
            best_negated = False
            for hit, meaning in _longest(items) if len(items) > 1 else items:
                near = meaning.near
                if near:
                    allowed = nearby.get(near)
                    if allowed is None:
                        allowed = nearby[near] = _around(by_factor, near)
                    if hit.sentence not in allowed:
                        continue
                value, rank = meaning.value, meaning.rank
                negated = hit.negated and meaning.drop
                if negated:
                    if meaning.target is None:
                        continue
                    value, rank = meaning.target, meaning.target_rank
                if meaning.first:
                    rank = hit.start
                if best_rank < 0 or rank < best_rank:
                    best_rank, best_value, best_negated = rank, value, negated
                    best_terms = [hit.term]
                elif rank == best_rank and hit.term not in best_terms:
                    best_terms.append(hit.term)
            if best_rank >= 0:
                terms = tuple(best_terms)
                found[factor] = FactorValue(factor, best_value, terms, part, best_negated)
        return found

    def words(self) -> list[str]:
        """Every term of every factor (for `rules check` and benchmarks)."""
        return list(self._meaning)


def _longest(items: list[tuple[Hit, _Meaning]]) -> list[tuple[Hit, _Meaning]]:
    """One factor's hits without those inside a longer hit ("iedereen" inside "iedereen
    anders", "niet meer" inside "niet meer zichtbaar")."""
    spans = {(hit.start, hit.end) for hit, _meaning in items}
    if len(spans) == 1:
        return items
    # Only a hit of two words or more can hold another.
    longer = [(start, end) for start, end in spans if end - start > 1]
    if not longer:
        return items
    kept = []
    for item in items:
        start, end = item[0].start, item[0].end
        for other_start, other_end in longer:
            if other_start <= start and end <= other_end and other_end - other_start > end - start:
                break
        else:
            kept.append(item)
    return kept


def _around(by_factor: dict[str, list[tuple[Hit, _Meaning]]], factors: tuple[str, ...]) -> set[int]:
    """The sentences these factors were set in by a word that was not negated, and the
    sentences just before and after each."""
    around: set[int] = set()
    for factor in factors:
        for hit, _meaning in by_factor.get(factor, ()):
            if not hit.negated:
                sentence = hit.sentence
                around.update((sentence - 1, sentence, sentence + 1))
    return around

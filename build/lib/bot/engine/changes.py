"""What differs between two rule sets, by name and content (never by position).

A rule, decision row or factor that only moved because another file was added is unchanged;
a word moved from one factor value to another is named with both values. Used by the reload
announcement (bot/engine/reload.py, the RulesReloaded intent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from bot.engine.schema import FactorSpec

if TYPE_CHECKING:
    from bot.engine.loader import RuleSet

FACTOR = "factor:"  # the prefix of a factor's name among the changed rules


class WordMove(BaseModel):
    """A factor's word that sets another value after an edit than before it.

    `before` None: a new word; `after` None: a word taken out. Values are comma-separated
    when a word is listed under more than one value of the factor.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    factor: str
    word: str
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class RuleChanges:
    """Rules, decision rows and factors (`factor:NAME`) added, removed and changed between two
    rule sets, by content: a rule that only moved because another file was added is unchanged.
    `reordered`: the decision table's rows kept their content but not their order (the first
    row that fits decides, so that matters). `words`: the words of the changed factors that
    set another value (or none) now."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    sla_changed: bool = False
    reminders_changed: bool = False
    reordered: bool = False
    words: tuple[WordMove, ...] = ()

    @property
    def any(self) -> bool:
        return bool(
            self.added
            or self.removed
            or self.changed
            or self.sla_changed
            or self.reminders_changed
            or self.reordered
        )


def _contents(rule_set: RuleSet) -> dict[str, object]:
    """Everything with a name in a rule set, by name, as comparable content."""
    named: dict[str, object] = {rule.name: rule.spec for rule in rule_set.rules}
    named.update({row.name: row.row for row in rule_set.decisions})
    named.update({f"{FACTOR}{k}": v for k, v in rule_set.factors.factors.items()})
    return named


def diff(old: RuleSet, new: RuleSet) -> RuleChanges:
    """What differs between `old` and `new`, by name and content (not by position)."""
    before, after = _contents(old), _contents(new)
    common = [row.name for row in new.decisions if row.name in before]
    old_order = [row.name for row in old.decisions if row.name in after]
    changed = tuple(n for n in after if n in before and before[n] != after[n])
    old_factors, new_factors = old.factors.factors, new.factors.factors
    factors = [n.removeprefix(FACTOR) for n in changed if n.startswith(FACTOR)]
    return RuleChanges(
        added=tuple(n for n in after if n not in before),
        removed=tuple(n for n in before if n not in after),
        changed=changed,
        sla_changed=old.sla != new.sla,
        reminders_changed=old.reminders != new.reminders,
        reordered=common != old_order,
        words=tuple(
            move for f in factors for move in word_moves(f, old_factors[f], new_factors[f])
        ),
    )


def word_moves(factor: str, old: FactorSpec, new: FactorSpec) -> list[WordMove]:
    """The words of `factor` that set another value (or none) in `new` than in `old`, in the
    order of the new definition (words taken out last)."""
    before, after = _values_of_words(old), _values_of_words(new)
    moves = []
    for word in [*after, *(w for w in before if w not in after)]:
        was, now = before.get(word), after.get(word)
        if was != now:
            moves.append(WordMove(factor=factor, word=word, before=was, after=now))
    return moves


def _values_of_words(spec: FactorSpec) -> dict[str, str]:
    """Each word of a factor -> the value(s) it is listed under, comma-separated."""
    found: dict[str, list[str]] = {}
    for value, definition in spec.values.items():
        for word in definition.words:
            found.setdefault(word, []).append(value)
    return {word: ", ".join(values) for word, values in found.items()}

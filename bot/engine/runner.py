"""The one owner of the durable-rules engine: serialised calls, a fresh session per report.

Rules from shared/DURABLE_RULES_NOTES.md that this module follows:
- one lock around every engine call (the engine is not thread-safe in practice);
- `assert_fact` (not `post`, which fires only one rule) with a fresh session id per report,
  and `delete_state` in `finally`, so memory stays flat;
- a catch-all rule, so no fact raises MessageNotHandledException;
- action exceptions land in `state["exception"]` instead of raising: we check it;
- a Host subclass without dispatcher threads (we use no engine timers);
- hot swap: a new rule set is registered under a new versioned name, then switched to under
  the lock, then the old ruleset is freed (private API of durable-rules 2.0.28, pinned).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from bot.engine.compiler import (
    Outcome,
    decide_fact,
    decide_priority,
    definition,
    groups_field,
    rule_category,
)
from bot.engine.loader import LoadedRule, RuleSet
from bot.engine.tables import LoadedDecision
from bot.errors import EngineError
from bot.models import Category, Channel, Priority
from bot.reading import ReadText


class _QuietHost(durable_engine.Host):  # type: ignore[misc]  # durable ships no types
    """A Host without the background dispatcher threads (they crash on session deletes)."""

    def _run(self) -> None:
        """Start no timer or dispatch threads."""


@dataclass
class _Active:
    name: str
    rule_set: RuleSet
    fired: list[LoadedRule] = field(default_factory=list)
    decided: list[LoadedDecision] = field(default_factory=list)
    phase2_categories: frozenset[Category] = frozenset()
    # Which parts of the text the word rules read (text, subject, body).
    parts: frozenset[str] = frozenset()


class RuleEngine:
    """Evaluates reports against the active rule set; safe to call from several threads."""

    _names = itertools.count(1)

    def __init__(self, rule_set: RuleSet) -> None:
        self._lock = threading.Lock()
        self._host = _QuietHost()
        self._sessions = itertools.count(1)
        self._active = self._register(rule_set)

    @property
    def rule_set(self) -> RuleSet:
        """The rule set in use now."""
        return self._active.rule_set

    def _register(self, rule_set: RuleSet) -> _Active:
        active = _Active(
            name=f"triage_v{next(self._names)}",
            rule_set=rule_set,
            phase2_categories=frozenset(c for r in rule_set.rules for c in r.spec.when.category),
            parts=frozenset(
                r.spec.when.text.in_ for r in rule_set.rules if r.spec.when.text is not None
            ),
        )

        def action_for(rule: LoadedRule) -> Any:
            def record(_c: Any) -> None:
                active.fired.append(rule)

            return record

        def decided_by(row: LoadedDecision) -> Any:
            def record(_c: Any) -> None:
                active.decided.append(row)

            return record

        try:
            self._host.set_rulesets({active.name: definition(rule_set, action_for, decided_by)})
        except Exception as exc:  # the C extension raises plain Exceptions
            raise EngineError(f"the rules engine refused the rule set: {exc}") from exc
        return active

    def swap(self, rule_set: RuleSet) -> RuleSet:
        """Make `rule_set` active atomically; returns the previous one.

        If the engine refuses the new set, EngineError is raised and the old set stays active.
        """
        with self._lock:  # registering is an engine call too: serialise it
            new = self._register(rule_set)
            old, self._active = self._active, new
            self._free(old.name)
        return old.rule_set

    def close(self) -> None:
        """Free the active ruleset (for a throw-away engine, such as a reload's trial run)."""
        with self._lock:
            self._free(self._active.name)

    def _free(self, name: str) -> None:
        ruleset = self._host._ruleset_directory.pop(name, None)
        if ruleset is not None:
            self._host._ruleset_list.remove(ruleset)
            durable_rules_engine.delete_ruleset(ruleset._handle)

    def evaluate(
        self,
        text: ReadText | str,
        channel: Channel,
        organisation: str | None,
        confirmed: Priority | None = None,
    ) -> Outcome:
        """Run the rules over one report's text and context; see compiler.py for the order.

        `text` is the report as bot/reading.py split it (a plain string counts as the body).
        """
        read = text if isinstance(text, ReadText) else ReadText(subject="", body=text)
        # Text matching is pure Python over immutable matchers: do it outside the lock, and
        # redo it in the rare case that a swap happened meanwhile.
        active = self._active
        words = self._words(active, read)
        with self._lock:
            if self._active is not active:
                active = self._active
                words = self._words(active, read)
            groups, factors = words
            rule_set = active.rule_set
            sid = str(next(self._sessions))
            phase1: list[LoadedRule] = []
            phase2: list[LoadedRule] = []
            row: LoadedDecision | None = None
            try:
                if rule_set.decisions:
                    fact = decide_fact(sid, channel.value, organisation or "", factors)
                    self._assert(active, fact)
                    row = min(active.decided, key=lambda d: d.index, default=None)
                if rule_set.rules:
                    fact = {
                        "sid": sid,
                        "kind": "report",
                        "phase": 1,
                        "channel": channel.value,
                        "organisation": organisation or "",
                        **groups,
                    }
                    phase1 = self._assert(active, fact)
                    category = _category(rule_set, row, phase1)
                    # A phase-2 rule always tests the category: when none tests this one, the
                    # second assert could only reach the catch-all, so it is skipped.
                    if category in active.phase2_categories:
                        phase2 = self._assert(active, {**fact, "phase": 2, "category": category})
            finally:
                active.fired.clear()
                active.decided.clear()
                self._host.delete_state(active.name, sid)
        fired = phase1 + phase2
        category = _category(rule_set, row, phase1)
        priority, provisional = decide_priority(rule_set, fired, category, confirmed, row)
        return Outcome(
            category=category,
            priority=priority,
            provisional=provisional,
            fired=((row.name,) if row else ()) + tuple(rule.name for rule in fired),
            rules_version=rule_set.version,
            sla=rule_set.sla,
            needs_triage=row is None and rule_category(phase1) is None,
            decision=row.name if row else None,
            factors=tuple(factors.values()),
            binding=row is not None and row.row.binding,
        )

    @staticmethod
    def _words(active: _Active, read: ReadText) -> tuple[dict[str, list[int]], dict[str, Any]]:
        """The word groups per part for the word rules, and the factors for the table."""
        rule_set = active.rule_set
        groups: dict[str, list[int]] = {}
        if rule_set.rules:
            for part in active.parts or ("text",):
                source = read.text if part == "text" else getattr(read, part)
                groups[groups_field(part)] = rule_set.matcher.features(source)
            for part in ("text", "subject", "body"):
                # Every condition's property must exist in the fact, even when unused.
                groups.setdefault(groups_field(part), [0])
        factors = rule_set.factors.read(read) if rule_set.decisions else {}
        return groups, factors

    def _assert(self, active: _Active, fact: dict[str, Any]) -> list[LoadedRule]:
        active.fired.clear()
        try:
            state = self._host.assert_fact(active.name, fact)
        except durable_engine.MessageNotHandledException as exc:  # pragma: no cover - catch-all
            raise EngineError(f"no rule handled the report: {exc.message}") from exc
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed: {state['exception']}")
        # `$or` can fire a rule once per true branch: keep each rule once, in rule order.
        unique = {rule.index: rule for rule in active.fired}
        return [unique[i] for i in sorted(unique)]


def _category(rule_set: RuleSet, row: LoadedDecision | None, phase1: list[LoadedRule]) -> Category:
    """The decision row's category; else the first word rule's; else the SLA default."""
    if row is not None:
        return row.row.then.category
    return rule_category(phase1) or rule_set.sla.defaults.category

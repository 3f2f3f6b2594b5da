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
    decide_category,
    decide_priority,
    definition,
)
from bot.engine.loader import LoadedRule, RuleSet
from bot.errors import EngineError
from bot.models import Category, Channel, Priority


class _QuietHost(durable_engine.Host):  # type: ignore[misc]  # durable ships no types
    """A Host without the background dispatcher threads (they crash on session deletes)."""

    def _run(self) -> None:
        """Start no timer or dispatch threads."""


@dataclass
class _Active:
    name: str
    rule_set: RuleSet
    fired: list[LoadedRule] = field(default_factory=list)
    phase2_categories: frozenset[Category] = frozenset()


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
        )

        def action_for(rule: LoadedRule) -> Any:
            def record(_c: Any) -> None:
                active.fired.append(rule)

            return record

        try:
            self._host.set_rulesets({active.name: definition(rule_set, action_for)})
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
        text: str,
        channel: Channel,
        organisation: str | None,
        confirmed: Priority | None = None,
    ) -> Outcome:
        """Run the rules over one report's text and context; see compiler.py for the order."""
        # Text matching is pure Python over an immutable matcher: do it outside the lock,
        # and redo it in the rare case that a swap happened meanwhile.
        active = self._active
        groups = active.rule_set.matcher.features(text)
        with self._lock:
            if self._active is not active:
                active = self._active
                groups = active.rule_set.matcher.features(text)
            rule_set = active.rule_set
            sid = str(next(self._sessions))
            fact: dict[str, Any] = {
                "sid": sid,
                "kind": "report",
                "phase": 1,
                "channel": channel.value,
                "organisation": organisation or "",
                "groups": groups,
            }
            try:
                phase1 = self._assert(active, fact)
                category: Category = decide_category(rule_set, phase1)
                # A phase-2 rule always tests the category: when none tests this one, the
                # second assert could only reach the catch-all, so it is skipped.
                phase2 = (
                    self._assert(active, {**fact, "phase": 2, "category": category.value})
                    if category in active.phase2_categories
                    else []
                )
            finally:
                active.fired.clear()
                self._host.delete_state(active.name, sid)
        fired = phase1 + phase2
        priority, provisional = decide_priority(rule_set, fired, category, confirmed)
        return Outcome(
            category=category,
            priority=priority,
            provisional=provisional,
            fired=tuple(rule.name for rule in fired),
            rules_version=rule_set.version,
            sla=rule_set.sla,
        )

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

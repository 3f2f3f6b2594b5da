"""A checked RuleSet -> a durable-rules ruleset definition, and how outcomes combine.

Each rule becomes one durable-rules rule over a single fact:
    {"kind": "report", "phase": 1|2, "channel": ..., "organisation": ..., "category": ...,
     "groups": [0, numbers of the word groups that occur in the text...]}
(see text.py for groups). `when.channel` / `organisation` / `category` compile to equality
tests (`$or` for lists); `text.any` and each item of `text.all` to `$iany` over `groups`;
`text.none` to `$iall` of `$neq` (0 is always in `groups`, so `$iall` never sees an empty list).

Evaluation runs in two phases on one engine session:
    phase 1: rules that do not test the category;  they decide the category
    phase 2: rules that test the category (as decided in phase 1); they refine the priority
How outcomes combine (documented for team leads in rules/README.md):
    category  the first fired rule (in file and rule order) that sets one; else sla.defaults
    priority  a confirmed priority (4.G) wins; else the first fired rule with `override: true`;
              else the most severe priority of the fired rules (ties: the first);
              else sla.defaults; then sla.fixed_priority for the category (vraag, wens: laag)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.engine.loader import LoadedRule, RuleSet
from bot.engine.schema import SlaSpec
from bot.engine.text import TermMatcher
from bot.models import Category, Priority

CATCH_ALL = "catch_all"
Action = Callable[[Any], None]


def durable_name(rule: LoadedRule) -> str:
    """The rule's key inside the durable-rules ruleset (names there must be plain ids)."""
    return f"r{rule.index:04d}"


def _one_of(field: str, values: Iterable[str]) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [{field: v} for v in values]
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _has_group(group_id: int) -> dict[str, Any]:
    return {"$iany": {"groups": {"$i": group_id}}}


def condition(rule: LoadedRule, matcher: TermMatcher) -> dict[str, Any]:
    """The durable-rules condition for one rule."""
    when = rule.spec.when
    tests: list[dict[str, Any]] = [{"kind": "report"}, {"phase": rule.phase}]
    if when.channel:
        tests.append(_one_of("channel", (c.value for c in when.channel)))
    if when.organisation:
        tests.append(_one_of("organisation", when.organisation))
    if when.category:
        tests.append(_one_of("category", (c.value for c in when.category)))
    if when.text is not None:
        if when.text.any:
            tests.append(_has_group(matcher.group(tuple(when.text.any))))
        for item in when.text.all:
            tests.append(_has_group(matcher.group((item,) if isinstance(item, str) else item)))
        if when.text.none:
            absent = {"$neq": {"$i": matcher.group(tuple(when.text.none))}}
            tests.append({"$iall": {"groups": absent}})
    return {"m": {"$and": tests}}


def definition(rule_set: RuleSet, action_for: Callable[[LoadedRule], Action]) -> dict[str, Any]:
    """The ruleset dict for `Host.set_rulesets` (durable-rules strips `run`: pass a fresh one)."""
    rules: dict[str, Any] = {}
    for rule in rule_set.rules:
        rules[durable_name(rule)] = {
            "all": [condition(rule, rule_set.matcher)],
            "pri": rule.index,
            "run": action_for(rule),
        }
    # A fact that matches no rule raises MessageNotHandledException inside the engine.
    rules[CATCH_ALL] = {
        "all": [{"m": {"kind": "report"}}],
        "pri": len(rule_set.rules) + 1,
        "run": _ignore,
    }
    return rules


def _ignore(_c: Any) -> None:
    """Action of the catch-all rule: nothing to record."""


@dataclass(frozen=True)
class Outcome:
    """What the rules decided, before deadlines."""

    category: Category
    priority: Priority
    provisional: bool
    fired: tuple[str, ...]
    rules_version: str
    sla: SlaSpec


def decide_category(rule_set: RuleSet, fired: list[LoadedRule]) -> Category:
    """Phase 1 result: the first fired rule that sets a category, else the default."""
    for rule in fired:
        if rule.spec.then.category is not None:
            return rule.spec.then.category
    return rule_set.sla.defaults.category


def decide_priority(
    rule_set: RuleSet, fired: list[LoadedRule], category: Category, confirmed: Priority | None
) -> tuple[Priority, bool]:
    """(priority, provisional) after both phases; see the module docstring for the order."""
    if confirmed is not None:
        return confirmed, False
    with_priority = [r for r in fired if r.spec.then.priority is not None]
    overrides = [r for r in with_priority if r.spec.then.override]
    priority: Priority | None
    if overrides:
        priority = overrides[0].spec.then.priority
    elif with_priority:
        best = max(with_priority, key=lambda r: (_severity(r), -r.index))
        priority = best.spec.then.priority
    else:
        priority = None
    fixed = rule_set.sla.fixed_priority.get(category)
    if fixed is not None:
        return fixed, True
    return priority or rule_set.sla.defaults.priority, True


def _severity(rule: LoadedRule) -> int:
    priority = rule.spec.then.priority
    return priority.severity if priority is not None else 0

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
The decision table (factors.py reads the factors) is one more fact, `{"kind": "decide",
"f_<factor>": value, ...}`, asserted in the same session; each row is a rule over it, and the
first row in file and row order that fits decides.

How outcomes combine (documented for team leads in rules/README.md):
    category  the first decision row that fits; else the first fired rule (in file and rule
              order) that sets one; else sla.defaults, and the report needs a person
    priority  a confirmed priority (4.G) wins; else the first fired rule with `override: true`;
              else the decision row's priority; else the most severe priority of the fired
              rules (ties: the first); else sla.defaults; then sla.fixed_priority for the
              category (vraag, wens: laag)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.engine.factors import FactorValue
from bot.engine.loader import LoadedRule, RuleSet
from bot.engine.schema import SlaSpec
from bot.engine.tables import LoadedDecision
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


def _has_group(group_id: int, field: str = "groups") -> dict[str, Any]:
    return {"$iany": {field: {"$i": group_id}}}


def groups_field(part: str) -> str:
    """The fact property holding the word groups found in one part of the report."""
    return "groups" if part == "text" else f"groups_{part}"


@cache  # a handful of factors, named for every report
def factor_field(factor: str) -> str:
    """The fact property holding one factor's value."""
    return "f_" + factor.replace("-", "_")


def decision_name(row: LoadedDecision) -> str:
    """The row's key inside the durable-rules ruleset."""
    return f"d{row.index:04d}"


def decision_condition(row: LoadedDecision) -> dict[str, Any]:
    """The durable-rules condition of one decision-table row over the `decide` fact."""
    tests: list[dict[str, Any]] = [{"kind": "decide"}]
    for key, values in row.row.when.items():
        field = key if key in ("channel", "organisation") else factor_field(key)
        tests.append(_one_of(field, values))
    return {"m": {"$and": tests}}


def decide_fact(
    sid: str, channel: str, organisation: str, factors: dict[str, FactorValue]
) -> dict[str, Any]:
    """The fact a decision-table row is tested against."""
    fact: dict[str, Any] = {
        "sid": sid,
        "kind": "decide",
        "channel": channel,
        "organisation": organisation,
    }
    for name, value in factors.items():
        fact[factor_field(name)] = value.value
    return fact


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
        field = groups_field(when.text.in_)
        if when.text.any:
            tests.append(_has_group(matcher.group(tuple(when.text.any)), field))
        for item in when.text.all:
            group = matcher.group((item,) if isinstance(item, str) else item)
            tests.append(_has_group(group, field))
        if when.text.none:
            absent = {"$neq": {"$i": matcher.group(tuple(when.text.none))}}
            tests.append({"$iall": {field: absent}})
    return {"m": {"$and": tests}}


def definition(
    rule_set: RuleSet,
    action_for: Callable[[LoadedRule], Action],
    decided_by: Callable[[LoadedDecision], Action] | None = None,
) -> dict[str, Any]:
    """The ruleset dict for `Host.set_rulesets` (durable-rules strips `run`: pass a fresh one)."""
    rules: dict[str, Any] = {}
    for rule in rule_set.rules:
        rules[durable_name(rule)] = {
            "all": [condition(rule, rule_set.matcher)],
            "pri": rule.index,
            "run": action_for(rule),
        }
    for row in rule_set.decisions:
        assert decided_by is not None, "a rule set with a decision table needs its action"
        rules[decision_name(row)] = {
            "all": [decision_condition(row)],
            "pri": row.index,
            "run": decided_by(row),
        }
    # A fact that matches no rule raises MessageNotHandledException inside the engine.
    rules[CATCH_ALL] = {
        "all": [{"m": {"$or": [{"kind": "report"}, {"kind": "decide"}]}}],
        "pri": len(rule_set.rules) + len(rule_set.decisions) + 1,
        "run": _ignore,
    }
    return rules


def _ignore(_c: Any) -> None:
    """Action of the catch-all rule: nothing to record."""


@dataclass(frozen=True)
class Outcome:
    """What the rules decided, before deadlines.

    `needs_triage`: nothing recognised the report (no decision row fitted and no rule set a
    category); the category and priority are then only the defaults, for a person to decide.
    `binding`: the deciding row is marked `binding`, so the text model may not overrule it.
    """

    category: Category
    priority: Priority
    provisional: bool
    fired: tuple[str, ...]
    rules_version: str
    sla: SlaSpec
    needs_triage: bool = False
    decision: str | None = None
    factors: tuple[FactorValue, ...] = ()
    binding: bool = False


def decide_category(rule_set: RuleSet, fired: list[LoadedRule]) -> Category:
    """Phase 1 result: the first fired rule that sets a category, else the default."""
    return rule_category(fired) or rule_set.sla.defaults.category


def rule_category(fired: list[LoadedRule]) -> Category | None:
    """The category of the first fired rule that sets one, or None."""
    for rule in fired:
        if rule.spec.then.category is not None:
            return rule.spec.then.category
    return None


def decide_priority(
    rule_set: RuleSet,
    fired: list[LoadedRule],
    category: Category,
    confirmed: Priority | None,
    row: LoadedDecision | None = None,
) -> tuple[Priority, bool]:
    """(priority, provisional) after both phases; see the module docstring for the order.

    A decision-table row's priority beats the word rules' priorities, except an `override`.
    """
    if confirmed is not None:
        return confirmed, False
    with_priority = [r for r in fired if r.spec.then.priority is not None]
    overrides = [r for r in with_priority if r.spec.then.override]
    priority: Priority | None
    if overrides:
        priority = overrides[0].spec.then.priority
    elif row is not None and row.row.then.priority is not None:
        priority = row.row.then.priority
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

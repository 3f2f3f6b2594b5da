"""Hot reload of a rules directory: a valid edit replaces the active rules, a broken one
leaves them in place and says why. The result names the rules that changed, for announcements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.loader import RuleSet, load_rules
from bot.engine.runner import RuleEngine
from bot.errors import EngineError, RuleProblem, RuleSetInvalid


@dataclass(frozen=True)
class RuleChanges:
    """Rules, decision rows and factors (`factor:NAME`) added, removed and changed between two
    rule sets, by content: a rule that only moved because another file was added is unchanged.
    `reordered`: the decision table's rows kept their content but not their order (the first
    row that fits decides, so that matters)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    sla_changed: bool = False
    reminders_changed: bool = False
    reordered: bool = False

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


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: the active version afterwards, and the problems if it was refused."""

    loaded: bool
    version: str
    changes: RuleChanges = RuleChanges()
    problems: tuple[RuleProblem, ...] = field(default=())


def _contents(rule_set: RuleSet) -> dict[str, object]:
    """Everything with a name in a rule set, by name, as comparable content."""
    named: dict[str, object] = {rule.name: rule.spec for rule in rule_set.rules}
    named.update({row.name: row.row for row in rule_set.decisions})
    named.update({f"factor:{k}": v for k, v in rule_set.factors.factors.items()})
    return named


def diff(old: RuleSet, new: RuleSet) -> RuleChanges:
    """What differs between `old` and `new`, by name and content (not by position)."""
    before, after = _contents(old), _contents(new)
    common = [row.name for row in new.decisions if row.name in before]
    old_order = [row.name for row in old.decisions if row.name in after]
    return RuleChanges(
        added=tuple(n for n in after if n not in before),
        removed=tuple(n for n in before if n not in after),
        changed=tuple(n for n in after if n in before and before[n] != after[n]),
        sla_changed=old.sla != new.sla,
        reminders_changed=old.reminders != new.reminders,
        reordered=common != old_order,
    )


def reload_rules(
    engine: RuleEngine,
    directory: Path,
    organisations: Iterable[str] | None = None,
    check: Callable[[RuleSet], list[RuleProblem]] | None = None,
) -> ReloadResult:
    """Load `directory` and swap it in; on any problem keep the active rules.

    `check` runs on the candidate before the swap (the service runs the rule files'
    examples, as `triage rules test` does); problems it returns refuse the edit.
    """
    current = engine.rule_set
    try:
        candidate = load_rules(directory, organisations)
    except RuleSetInvalid as exc:
        return ReloadResult(False, current.version, problems=tuple(exc.problems))
    if candidate.version == current.version:
        return ReloadResult(True, current.version)
    if check is not None:
        try:
            failed = check(candidate)
        except EngineError as exc:
            failed = [RuleProblem(str(directory), 0, str(exc))]
        if failed:
            return ReloadResult(False, current.version, problems=tuple(failed))
    try:
        engine.swap(candidate)
    except EngineError as exc:
        return ReloadResult(
            False, current.version, problems=(RuleProblem(str(directory), 0, str(exc)),)
        )
    return ReloadResult(True, candidate.version, diff(current, candidate))

"""Hot reload of a rules directory: a valid edit replaces the active rules, a broken one
leaves them in place and says why. The result names the rules that changed, by content
(bot/engine/changes.py), for announcements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.changes import RuleChanges, diff
from bot.engine.loader import RuleSet, load_rules
from bot.engine.runner import RuleEngine
from bot.errors import EngineError, RuleProblem, RuleSetInvalid

__all__ = ["ReloadResult", "RuleChanges", "diff", "reload_rules"]


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: the active version afterwards, and the problems if it was refused."""

    loaded: bool
    version: str
    changes: RuleChanges = field(default_factory=RuleChanges)
    problems: tuple[RuleProblem, ...] = field(default=())


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

"""The rules watcher of `triage run`: a changed rules folder is checked and swapped in live.

A valid edit (it passes `rules check` and its examples pass, as `rules test`) is swapped in
without a restart; an invalid one is refused with file:line and the rules in use stay
active. Both are logged and announced in the team channel, a valid one with what it changes
in the last 30 days' tickets (bot/replay.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.bootstrap import Paths, Setup
from bot.clock import Clock
from bot.engine.examples import run_examples
from bot.engine.loader import RuleSet, rule_files
from bot.engine.reload import ReloadResult, reload_rules
from bot.engine.runner import RuleEngine
from bot.errors import RuleProblem
from bot.intents import SLACK, Intent, RulesRefused, RulesReloaded, to_payload
from bot.pipeline import Triage
from bot.replay import reload_replay
from bot.store import OutboxItem, Store

log = logging.getLogger("triage.run")


def fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the rule files: cheap change detection."""
    if not directory.is_dir():
        return ()
    found = []
    for path in rule_files(directory):
        stat = path.stat()
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class RulesWatcher:
    """Reloads the rules when a file in the rules folder changed (`check`)."""

    def __init__(
        self,
        setup: Setup,
        paths: Paths,
        store: Store,
        clock: Clock,
        *,
        announce: bool,
        wake: Callable[[], None],
    ) -> None:
        self.setup, self.paths, self.store, self.clock = setup, paths, store, clock
        self.announce, self.wake = announce, wake
        self.fingerprint = fingerprint(paths.rules_dir)

    def check(self) -> ReloadResult | None:
        """Reload the rules when a file changed; None when nothing did."""
        current = fingerprint(self.paths.rules_dir)
        if current == self.fingerprint:
            return None
        self.fingerprint = current
        previous = self.setup.triage.engine.rule_set
        result = reload_rules(
            self.setup.triage.engine,
            self.paths.rules_dir,
            self.setup.directory.organisations.keys(),
            check=self._examples_pass,
        )
        now = self.clock()
        if not result.loaded:
            log.error(
                "rules edit refused, still using %s:\n%s",
                result.version,
                "\n".join(str(p) for p in result.problems),
            )
            if self.announce:
                refused = RulesRefused.of(result.problems, result.version)
                key = "rules-refused:" + "-".join(f"{n}:{s}:{m}" for n, s, m in current)
                self._announce(key, refused, now)
        elif result.changes.any:
            changes = result.changes
            log.info(
                "rules reloaded: %s (added %s, changed %s, removed %s%s)",
                result.version,
                list(changes.added),
                list(changes.changed),
                list(changes.removed),
                ", SLA changed" if changes.sla_changed else "",
            )
            if self.announce:
                files = [Path(f).name for f in self.setup.triage.engine.rule_set.files]
                replay = reload_replay(self.store, self.setup.triage, previous, now)
                reloaded = RulesReloaded.of(result.version, result.changes, files, replay)
                self._announce(f"rules:{result.version}", reloaded, now)
        return result

    def _examples_pass(self, candidate: RuleSet) -> list[RuleProblem]:
        """Run the candidate's examples on a throw-away engine, as `triage rules test` does."""
        live = self.setup.triage
        engine = RuleEngine(candidate)
        try:
            trial = Triage(engine, live.directory, live.calendar, live.releases, live.model)
            failures = run_examples(trial, candidate.examples)
        finally:
            engine.close()
        return [
            RuleProblem(f.file, f.line, f"example {f.report}: " + "; ".join(f.differences))
            for f in failures
        ]

    def _announce(self, key: str, intent: Intent, now: datetime) -> None:
        announce(self.store, key, intent, now, self.wake)


def announce(
    store: Store, key: str, intent: Intent, now: datetime, wake: Callable[[], None]
) -> None:
    """Queue a team-channel announcement (once per key) and wake the outbox."""
    store.enqueue(OutboxItem(SLACK, key, to_payload(intent)), now)
    wake()

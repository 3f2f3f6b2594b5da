"""The text-model watcher of `triage run`: a new `taalmodel.json.gz` in the config folder is
checked and swapped in live, as the rules watcher does for the rules folder.

A team lead retrains the model on the team's labels (`triage rules eval --from-store --export`,
`tools/train_text_model.py --add`) and puts the file in the config folder. The watcher then
reads it; a file that cannot be read, or with which an example of the rule files no longer
passes (as `triage rules test`), is refused and the model in use stays. A good one is swapped
in without a restart. Removing the file brings the shipped model back. Both are logged and,
with Slack, announced in the team channel, a new model with what it changes in the last 30
days' tickets (bot/replay.py). With `text_model.enabled: false` nothing is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.bootstrap import SHIPPED_MODEL, TEXT_MODEL, Paths, Setup, load_text_model
from app.rules_watch import announce
from bot.clock import Clock
from bot.engine.examples import run_examples
from bot.errors import ConfigError, RuleProblem
from bot.intents import Intent, ModelRefused, ModelReloaded
from bot.pipeline import Triage
from bot.replay import model_replay
from bot.store import Store
from bot.textmodel import TextModel

log = logging.getLogger("triage.run")

Fingerprint = tuple[int, int] | None  # (size, mtime_ns) of the config folder's file; None: none
_NONE = object()  # no change seen yet (a fingerprint can itself be None: no file)


def model_fingerprint(path: Path) -> Fingerprint:
    """Size and modification time of the model file: cheap change detection."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns


@dataclass(frozen=True)
class ModelCheck:
    """What a check of a changed model file did: swapped a model in, or refused the file."""

    loaded: bool
    version: str | None  # the model in use after the check (None: the rules alone)
    problems: tuple[str, ...] = ()


class ModelWatcher:
    """Swaps in the config folder's text model when that file changes (`check`)."""

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
        self.setup, self.store, self.clock = setup, store, clock
        self.announce, self.wake = announce, wake
        self.own = paths.config_dir / TEXT_MODEL
        self.enabled = setup.settings.text_model.enabled
        self.fingerprint = model_fingerprint(self.own)
        self.settling: Fingerprint | object = _NONE  # a change seen once, not yet read

    def check(self) -> ModelCheck | None:
        """Read the model file when it changed (appeared, was replaced or removed) and has
        stayed the same since the previous check; None when there is nothing to read (yet),
        or the text model is switched off."""
        if not self.enabled:
            return None
        current = model_fingerprint(self.own)
        if current == self.fingerprint:
            self.settling = _NONE
            return None
        if current != self.settling:
            # Changed since the last look: a copy of a megabyte may still be under way, so
            # read it once it has stayed the same for one poll (else its first half would be
            # refused in the team channel, and the whole taken a poll later).
            self.settling = current
            return None
        self.settling = _NONE
        self.fingerprint = current
        triage = self.setup.triage
        previous = triage.model
        path = self.own if current is not None else SHIPPED_MODEL
        try:
            model = load_text_model(path)
        except ConfigError as exc:
            return self._refuse(path, (str(exc),), previous, current)
        if model is None:  # the shipped file is missing from the installation
            return self._refuse(path, (f"{path}: geen taalmodel gevonden",), previous, current)
        failures = self._examples_fail(model)
        if failures:
            return self._refuse(path, failures, previous, current)
        if model is previous:  # the same file again (touched, or copied over itself)
            return ModelCheck(True, model.version)
        triage.model = model
        log.info(
            "text model swapped in: %s (%s), was %s",
            model.version,
            path,
            previous.version if previous else "none",
        )
        if self.announce:
            now = self.clock()
            replay = model_replay(self.store, triage, previous, now)
            reloaded = ModelReloaded(
                version=model.version,
                own=current is not None,
                previous=previous.version if previous else None,
                replay=replay,
            )
            self._announce(f"model:{model.version}:{current}", reloaded, now)
        return ModelCheck(True, model.version)

    def _examples_fail(self, model: TextModel) -> tuple[str, ...]:
        """The examples of the rule files that fail with `model` deciding, as `rules test`."""
        live = self.setup.triage
        trial = Triage(live.engine, live.directory, live.calendar, live.releases, model)
        failures = run_examples(trial, live.engine.rule_set.examples)
        return tuple(
            str(RuleProblem(f.file, f.line, f"voorbeeld {f.report}: " + "; ".join(f.differences)))
            for f in failures
        )

    def _refuse(
        self,
        path: Path,
        problems: tuple[str, ...],
        previous: TextModel | None,
        current: Fingerprint,
    ) -> ModelCheck:
        version = previous.version if previous else None
        log.error("text model %s refused, still using %s:\n%s", path, version, "\n".join(problems))
        if self.announce:
            refused = ModelRefused(file=path.name, problems=problems, version=version)
            self._announce(f"model-refused:{current}", refused, self.clock())
        return ModelCheck(False, version, problems)

    def _announce(self, key: str, intent: Intent, now: datetime) -> None:
        announce(self.store, key, intent, now, self.wake)

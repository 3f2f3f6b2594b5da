"""`triage rules check` (validate every rule file) and `triage rules test` (run the examples)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from app.bootstrap import Paths, Setup, load_setup
from app.commands import EXIT_ERROR, EXIT_OK
from bot.engine.examples import run_examples
from bot.engine.loader import load_rules
from bot.errors import ConfigError, RuleProblem, RuleSetInvalid
from bot.settings import load_directory


def check(paths: Paths, directory: Path, stdout: TextIO) -> int:
    """Every problem in the rule files (and the organisations they name), file:line each."""
    problems: list[RuleProblem] = []
    organisations: Iterable[str] | None
    try:
        organisations = load_directory(paths.config_dir).organisations.keys()
    except ConfigError as exc:
        problems.append(RuleProblem(str(paths.config_dir), 0, f"cannot check organisations: {exc}"))
        organisations = None
    try:
        rule_set = load_rules(directory, organisations)
    except RuleSetInvalid as exc:
        problems.extend(exc.problems)
        rule_set = None
    if problems:
        for problem in problems:
            print(problem, file=stdout)
        print(f"{len(problems)} problem(s) found", file=stdout)
        return EXIT_ERROR
    assert rule_set is not None
    print(
        f"OK: {len(rule_set.files)} files, {len(rule_set.rules)} rules, "
        f"{len(rule_set.examples)} examples ({rule_set.version})",
        file=stdout,
    )
    return EXIT_OK


def test(paths: Paths, stdout: TextIO) -> int:
    """Run the examples of the rule files; exit 1 when one fails or there are none."""
    setup: Setup = load_setup(paths)
    examples = setup.rule_set.examples
    failures = run_examples(setup.triage, examples)
    for failure in failures:
        print(failure, file=stdout)
    passed = len(examples) - len(failures)
    print(
        f"{passed} passed, {len(failures)} failed ({len(examples)} examples in "
        f"{len(setup.rule_set.files)} files)",
        file=stdout,
    )
    return EXIT_ERROR if failures or not examples else EXIT_OK

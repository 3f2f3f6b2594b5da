"""`triage rules check` (validate every rule file), `triage rules test` (run the examples),
`triage rules eval` (agreement with labelled reports) and `triage rules suggest` (words from
the team's corrections)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from app.bootstrap import Paths, Setup, load_setup, open_store
from app.commands import EXIT_ERROR, EXIT_OK, require_db
from app.render.evaluation import evaluation_text, trend_text
from app.render.progress import progress
from app.render.suggest import suggestions_json, suggestions_text
from bot.corrections import (
    Correction,
    CorrectionTrend,
    correction_trend,
    month_key,
    month_keys,
)
from bot.engine.examples import run_examples
from bot.engine.loader import load_rules
from bot.errors import ConfigError, RuleProblem, RuleSetInvalid
from bot.evaluation import Case, evaluate, labelled_line, parse_cases
from bot.nl import count, nl_number
from bot.settings import load_directory
from bot.suggest import suggest

# Months of the corrections trend that `rules eval --from-store` shows.
TREND_MONTHS = 12


def check(paths: Paths, directory: Path, stdout: TextIO) -> int:
    """Every problem in the rule files (and the organisations they name), file:line each."""
    problems: list[RuleProblem] = []
    organisations: Iterable[str] | None
    try:
        organisations = load_directory(paths.config_dir).organisations.keys()
    except ConfigError as exc:
        problems.append(
            RuleProblem(str(paths.config_dir), 0, f"kan de organisaties niet nakijken: {exc}")
        )
        organisations = None
    try:
        rule_set = load_rules(directory, organisations)
    except RuleSetInvalid as exc:
        problems.extend(exc.problems)
        rule_set = None
    if problems:
        for problem in problems:
            print(problem, file=stdout)
        print(
            f"{count(len(problems), 'probleem', 'problemen')} gevonden, elk met bestand:regel",
            file=stdout,
        )
        return EXIT_ERROR
    assert rule_set is not None
    print(
        f"OK: {count(len(rule_set.files), 'bestand', 'bestanden')}, "
        f"{count(len(rule_set.decisions), 'beslisregel', 'beslisregels')}, "
        f"{count(len(rule_set.rules), 'woordregel', 'woordregels')}, "
        f"{count(len(rule_set.examples), 'voorbeeld', 'voorbeelden')} ({rule_set.version})",
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
        f"{passed} geslaagd, {len(failures)} mislukt "
        f"({count(len(examples), 'voorbeeld', 'voorbeelden')} in "
        f"{count(len(setup.rule_set.files), 'bestand', 'bestanden')})",
        file=stdout,
    )
    return EXIT_ERROR if failures or not examples else EXIT_OK


def evaluate_file(
    paths: Paths,
    source: Path | None,
    from_store: bool,
    as_json: bool,
    minimum: float | None,
    stdout: TextIO,
    quiet: bool = False,
    export: Path | None = None,
) -> int:
    """`triage rules eval`: agreement of the rules with labelled reports (a file, or the
    team's final priorities in the store); exit 1 below `--min` percent priority agreement.

    `export` (with the store) also writes the team's labels as a labelled set, for training the
    text model (tools/train_text_model.py --add); it never overwrites a file."""
    setup = load_setup(paths)
    trend: CorrectionTrend | None = None
    exported: int | None = None
    if from_store:
        require_db(paths)
        with open_store(paths) as store:
            cases = [
                Case(f"#{ticket}", report, priority, category)
                for ticket, report, priority, category in store.team_labels()
            ]
            corrections = store.corrections(texts=False)
        where = f"de beslissingen van het team in {paths.db_label}"
        if export is not None:
            exported = write_labelled(export, cases)
        tz = setup.triage.calendar.tz
        if corrections:
            last = month_key(corrections[-1].received_at, tz)
            trend = correction_trend(corrections, tz, month_keys(last, TREND_MONTHS))
    else:
        assert source is not None
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"kan {source} niet lezen: {exc.strerror or exc}") from exc
        cases = parse_cases(text.splitlines())
        where = str(source)
    result = evaluate(setup.triage, progress(cases, len(cases), "Meldingen beoordelen", quiet))
    if as_json:
        data = result.as_json()
        if from_store:
            data["trend"] = trend.as_json() if trend is not None else None
        if exported is not None:
            data["exported"] = exported
        print(json.dumps(data, ensure_ascii=False, indent=2), file=stdout)
    else:
        print(evaluation_text(result, where), file=stdout)
        if trend is not None:
            print("\n" + trend_text(trend), file=stdout)
        if exported is not None:
            print(
                f"\n{exported} gelabelde meldingen geschreven naar {export} (voor "
                "tools/train_text_model.py --add; bevat klantteksten, deel het niet)",
                file=stdout,
            )
    if minimum is not None and result.priority_pct < minimum:
        if not as_json:
            print(
                f"Onder de grens: prioriteit {nl_number(result.priority_pct)} % < "
                f"{nl_number(minimum)} %",
                file=stdout,
            )
        return EXIT_ERROR
    return EXIT_OK


def write_labelled(path: Path, cases: list[Case]) -> int:
    """Write the team's labels as a labelled set (JSON Lines); the number of lines written.

    Refuses an existing file: an export is customer text and must not silently replace
    another."""
    lines = [line for case in cases if (line := labelled_line(case)) is not None]
    try:
        with path.open("x", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    except FileExistsError:
        raise ConfigError(f"{path} bestaat al; kies een nieuw bestand") from None
    except OSError as exc:
        raise ConfigError(f"kan {path} niet schrijven: {exc.strerror or exc}") from exc
    return len(lines)


def suggest_words(
    paths: Paths,
    as_json: bool,
    min_count: int,
    top: int,
    stdout: TextIO,
    quiet: bool = False,
) -> int:
    """`triage rules suggest`: from the tickets whose priority or category the team changed,
    the phrases that set them apart, as rule lines for a person to review (never applied)."""
    if min_count < 1 or top < 1:
        raise ConfigError("--min-count en --top zijn minstens 1")
    setup = load_setup(paths)
    require_db(paths)
    with open_store(paths) as store:
        corrections = store.corrections()

    def shown(items: list[Correction]) -> Iterable[Correction]:
        return progress(items, len(items), "Tickets lezen", quiet)

    found = suggest(corrections, min_count=min_count, top=top, each=shown)
    factors = setup.rule_set.factors

    def already(words: str) -> str | None:
        pairs = factors.meanings(words)
        return ", ".join(f"{factor}={value}" for factor, value in pairs) or None

    if as_json:
        print(
            json.dumps(suggestions_json(found, already), ensure_ascii=False, indent=2), file=stdout
        )
    else:
        print(suggestions_text(found, paths.db_label, already), file=stdout)
    return EXIT_OK

"""Throughput of `triage classify` with the shipped rules, and where the time goes.

What it measures, in one run, on N generated reports (default 10,000, `--reports N`; realistic
Dutch/English support messages of ~600 characters on average, built by bench/reportgen.py with a
fixed seed from the factor words and the word-rule terms of the rule files as they are at run
time, with greetings, signatures, disclaimers, quoted and forwarded mail, typos and negations):

1. end-to-end: the real CLI `triage classify --batch` as a subprocess fed the N JSON lines,
   once in a single process (`--jobs 1`) and once with two forked workers (`--jobs 2`, see
   app/batch.py); checks that exactly N output lines come back without error objects and that
   the `--jobs 2` lines are identical to the `--jobs 1` lines; wall time with the process
   start-up, and without it (start-up measured separately on a one-line batch, with the same
   `--jobs`, so the pool's forks count as start-up).
2. in-process: `setup.triage.decide(report)` over the same reports, parsing excluded and
   included (and with the JSON output, i.e. the single-process CLI loop without the process),
   plus a breakdown measured inside real `decide` calls by wrapping what it calls: JSON in
   (parse_line), directory lookup, reading (bot.reading.read_report as bot.pipeline calls it:
   the split into subject, newest text, quotes, signature, disclaimer), factor matching
   (rule_set.factors.read: the WordMatcher and the factor values; with a decision table),
   word-rule matching (rule_set.matcher.features; only when the rule set has word rules),
   RuleEngine.evaluate without that text work (the durable-rules asserts, actions,
   delete_state and the Python glue), deadlines (bot.deadlines.sla_outcome), the rest of
   decide (building the Decision), the text model (model.opinion and model.telling_words,
   bot/textmodel.py; asked for every report no person and no binding row decided) and JSON out
   (decision_json + json.dumps). Two memos on the way remember each distinct word: the factor
   matcher's and the text model's character n-grams per word. WordMatcher.forget and
   TextModel.forget empty both before every
   pass, so each pass pays for the words it has not seen, as a fresh `classify --batch`
   process does (repeating the same reports would otherwise hide that cost).
3. durable-rules alone, text work done beforehand:
   - the compiled ruleset the real engine registered, driven directly with the facts exactly
     as RuleEngine.evaluate builds them: the `decide` fact (compiler.decide_fact: `kind`,
     `channel`, `organisation` and one `f_<factor>` per factor) for the decision-table rows,
     and, when the rule set has word rules, the phase-1 `report` fact with the word groups per
     part and the phase-2 assert with the decided `category` when a phase-2 rule tests it
     (`_Active.phase2_categories`); delete_state per report. Checked once to pick the same
     decision row and fire the same word rules as `decide`, for every report;
   - raw durable-rules, a comparison that is not the shipped rules: a generic ruleset with as
     many rules as the shipped word rules plus decision rows (`--raw-rules` to override) plus a
     catch-all, each rule testing `kind` and, for equality, properties of the real `decide`
     facts (factors, channel): rule i has the shape of decision row i (as many properties, as
     many values each, several values as an `$or`; 2-4 properties when there are no rows), with
     properties and values drawn with a fixed seed so that about as many rules fire per report
     as in the real engine; one `assert_fact` of the report's `decide` fact + `delete_state` per
     report, fresh session id.
   Both on a Host without dispatcher threads.

In-process figures are the best of 3 runs (`--repeat`) after a warm-up, timed with
time.perf_counter. The targets (issue 11): at least 2,000 reports/s for classify with the
shipped rules, the verdict given for the single-process CLI, the `--jobs 2` CLI and the
in-process loop; and the in-process CLI loop at least 35 % of the raw durable-rules rate
measured in the same run.
The run is kept under about 90 s (`--budget`; a default run takes about 60 s on 2 cores at
~2,000 reports/s): when the warm-up shows that N reports would take longer (the code is far
from the target, or the machine is busy), every figure is measured on the first reports that
fit, and the output says so; `--budget 0` always uses all N. Before and after the run it
samples /proc/stat for 0.5 s and warns when other processes keep CPUs busy: the figures, most
of all `--jobs 2`, are then lower than on an idle machine.

Run from the repository root:
    .venv/bin/python bench/classify_throughput.py
    .venv/bin/python bench/classify_throughput.py --reports 2000 --rules-dir /tmp/other-rules
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable import engine as durable_engine
from reportgen import load_bench_setup, make_reports

import bot.pipeline
from app.bootstrap import Setup
from bot.classify_io import decision_json, parse_line
from bot.engine.compiler import decide_fact
from bot.models import Decision, Report
from bot.reading import read_report
from bot.textmodel import STEP as MODEL_STEP

REPO = Path(__file__).resolve().parents[1]
TARGET = 2_000  # reports/s for `triage classify` with the shipped rules
SHARE_TARGET = 0.35  # in-process classify / raw durable-rules, same run (issue 11)
SEED = 20261124
WARMUP = 300
BUDGET = 90.0  # seconds the default run may take
MIN_REPORTS = 500  # never measure fewer, whatever the budget
JOBS = 2  # the parallel CLI run: `classify --batch --jobs 2`
STARTUP_RUNS = 3  # one-line batches per CLI variant, the fastest is the start-up
# Run-time model for --budget, in passes over the N reports at the warm-up's speed (measured
# on 2 cores at ~2,000 reports/s, with some margin): the CLI runs, the in-process passes per
# repeat (headline, breakdown, raw and compiled durable-rules), and the passes done once
# (reading and factors for the durable-rules facts, the compiled-ruleset check, the raw rules,
# output decoding).
CLI_PASSES = 1.0 + 0.8  # --jobs 1, --jobs 2
PASSES_PER_REPEAT = 2.3
PASSES_ONCE = 1.0
STARTUP_SECONDS = 0.8  # one CLI start-up (a one-line batch), estimate
CANDIDATES = 200  # random raw rules tried per raw rule, the best fitting kept
BUSY = 0.3  # CPUs used by other processes before or after the run: warn, figures are low


@dataclass
class Row:
    name: str
    seconds: float
    count: int
    note: str = ""
    share: bool = True  # show the share of the in-process CLI loop

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    @property
    def micros(self) -> float:
        return self.seconds / self.count * 1e6 if self.count else 0.0


# -- end-to-end ----------------------------------------------------------------------------------
def cli_command(config_dir: Path, rules_dir: Path, db: Path) -> list[str]:
    """The installed `triage` script next to this interpreter, else `python -m app.cli`."""
    script = Path(sys.executable).parent / "triage"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
    return [
        *head,
        "--config-dir", str(config_dir),
        "--rules-dir", str(rules_dir),
        "--db", str(db),
        "classify", "--batch",
    ]  # fmt: skip


def run_cli(command: list[str], input_path: Path) -> tuple[float, list[str]]:
    """Wall time of one `classify --batch` run and its output lines; raises on failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    with input_path.open("rb") as stdin:
        start = time.perf_counter()
        done = subprocess.run(
            command, stdin=stdin, capture_output=True, cwd=REPO, env=env, check=False
        )
        wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"triage classify --batch exited with {done.returncode}:\n"
            + done.stderr.decode(errors="replace")[-2000:]
        )
    return wall, done.stdout.decode("utf-8").splitlines()


def check_cli_output(out: list[str], expected: int) -> list[dict[str, Any]]:
    """Exactly `expected` JSON objects and no error objects."""
    if len(out) != expected:
        raise SystemExit(f"CLI returned {len(out)} lines for {expected} reports")
    decoded = [json.loads(line) for line in out]
    errors = [d for d in decoded if "error" in d]
    if errors:
        raise SystemExit(f"CLI returned {len(errors)} error objects, first: {errors[0]}")
    return decoded


# -- in-process ----------------------------------------------------------------------------------
def best(runs: Iterable[float]) -> float:
    return min(runs)


def forget_words(setup: Setup) -> None:
    """Empty the per-word memos, as in a fresh process: the factor matcher's
    (WordMatcher.forget) and the text model's (TextModel.forget)."""
    setup.triage.engine.rule_set.factors.matcher.forget()
    if setup.triage.model is not None:
        setup.triage.model.forget()


def remembered_words(setup: Setup) -> int:
    """Distinct words the factor matcher has resolved since its memo was last emptied."""
    return len(setup.triage.engine.rule_set.factors.matcher._cache)


def headline_pass(
    setup: Setup, lines: list[str], decisions: list[Decision] | None = None
) -> tuple[float, float, float]:
    """One pass over the lines: seconds spent in parse_line, in decide, in JSON output.

    The factor matcher starts with an empty memo. The decisions are appended to `decisions`
    when it is given.
    """
    keep = decisions.append if decisions is not None else None
    decide = setup.triage.decide
    tz = setup.triage.calendar.tz
    clock = time.perf_counter
    parse_s = decide_s = out_s = 0.0
    forget_words(setup)
    for line in lines:
        t0 = clock()
        report = parse_line(line)
        t1 = clock()
        decision = decide(report)
        t2 = clock()
        json.dumps(decision_json(decision, tz), ensure_ascii=False)
        t3 = clock()
        parse_s += t1 - t0
        decide_s += t2 - t1
        out_s += t3 - t2
        if keep is not None:
            keep(decision)
    return parse_s, decide_s, out_s


class _Timed:
    """Wraps a callable and adds the time spent in it to `seconds`."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def breakdown_pass(setup: Setup, reports: list[Report]) -> dict[str, float]:
    """Seconds per step, measured inside real `decide` calls by wrapping the steps it calls.

    decide calls directory.identify, bot.pipeline.read_report (a global there) and
    engine.evaluate, then bot.pipeline.sla_outcome; evaluate calls rule_set.factors.read and,
    for word rules, rule_set.matcher.features (both in RuleEngine._words).
    """
    triage = setup.triage
    rule_set = triage.engine.rule_set
    identify = _Timed(triage.directory.identify)
    reading = _Timed(bot.pipeline.read_report)
    factors = _Timed(rule_set.factors.read)
    features = _Timed(rule_set.matcher.features)  # calls matcher.match, so it includes it
    evaluate = _Timed(triage.engine.evaluate)
    deadlines = _Timed(bot.pipeline.sla_outcome)
    model = triage.model
    opinion = _Timed(model.opinion if model is not None else lambda *_: None)
    telling = _Timed(model.telling_words if model is not None else lambda *_: None)
    # Instance attributes shadow the methods; pipeline.decide looks read_report and
    # sla_outcome up globally.
    triage.directory.identify = identify  # type: ignore[method-assign]
    rule_set.factors.read = factors  # type: ignore[method-assign]
    rule_set.matcher.features = features  # type: ignore[method-assign]
    triage.engine.evaluate = evaluate  # type: ignore[method-assign]
    bot.pipeline.read_report = reading  # type: ignore[assignment]
    bot.pipeline.sla_outcome = deadlines  # type: ignore[assignment]
    if model is not None:
        model.opinion = opinion  # type: ignore[method-assign]
        model.telling_words = telling  # type: ignore[method-assign]
    forget_words(setup)
    try:
        start = time.perf_counter()
        for report in reports:
            triage.decide(report)
        total = time.perf_counter() - start
    finally:
        del triage.directory.identify, rule_set.factors.read, rule_set.matcher.features
        del triage.engine.evaluate
        if model is not None:
            del model.opinion, model.telling_words
        bot.pipeline.read_report = reading.func
        bot.pipeline.sla_outcome = deadlines.func
    return {
        "directory.identify": identify.seconds,
        "reading": reading.seconds,
        "factors": factors.seconds,
        "word rules": features.seconds,
        "evaluate w/o text": evaluate.seconds - factors.seconds - features.seconds,
        "deadlines": deadlines.seconds,
        "text model": opinion.seconds + telling.seconds,
        "rest of decide": total
        - identify.seconds
        - reading.seconds
        - evaluate.seconds
        - deadlines.seconds
        - opinion.seconds
        - telling.seconds,
        "_evaluate": evaluate.seconds,
        "_total": total,
    }


def json_out_pass(decisions: list[Decision], tz: Any) -> float:
    start = time.perf_counter()
    for decision in decisions:
        json.dumps(decision_json(decision, tz), ensure_ascii=False)
    return time.perf_counter() - start


# -- durable-rules alone -------------------------------------------------------------------------
class QuietHost(durable_engine.Host):  # type: ignore[misc]
    """No background dispatcher threads (shared/DURABLE_RULES_NOTES.md)."""

    def _run(self) -> None:
        pass


@dataclass(frozen=True)
class EngineFacts:
    """What RuleEngine.evaluate asserts for one report, without the session id."""

    decide: dict[str, Any]  # the decision table's fact (asserted when there are rows)
    report: dict[str, Any] | None  # the word rules' phase-1 fact (None: no word rules)
    category: str | None  # the category for the phase-2 assert (None: skipped)


def engine_facts(
    setup: Setup, reports: list[Report], orgs: list[str | None], decisions: list[Decision]
) -> list[EngineFacts]:
    """The facts RuleEngine.evaluate builds for each report, the text work done here.

    The text is read as decide reads it (read_report) and its words as evaluate reads them
    (RuleEngine._words: the factors, and the word groups per part for the word rules). The
    decide fact is compiler.decide_fact's. The report fact: kind, phase 1, channel,
    organisation ("" when unknown) and the word groups; the phase-2 assert repeats it with
    phase 2 and the decided category (the decision's) when a phase-2 rule tests that category.
    """
    engine = setup.triage.engine
    active = engine._active
    with_rules = bool(active.rule_set.rules)
    out = []
    for r, org, d in zip(reports, orgs, decisions, strict=True):
        groups, factors = engine._words(active, read_report(r.subject, r.body))
        decide = decide_fact("", r.channel.value, org or "", factors)
        del decide["sid"]
        report = None
        if with_rules:
            report = {
                "kind": "report",
                "phase": 1,
                "channel": r.channel.value,
                "organisation": org or "",
                **groups,
            }
        category = (
            d.category.value if with_rules and d.category in active.phase2_categories else None
        )
        out.append(EngineFacts(decide, report, category))
    return out


def _asserts(facts: EngineFacts, sid: str, table: bool) -> list[dict[str, Any]]:
    """The asserts of one evaluate, in its order: decide fact, phase 1, phase 2."""
    out = [{"sid": sid, **facts.decide}] if table else []
    if facts.report is not None:
        first = {"sid": sid, **facts.report}
        out.append(first)
        if facts.category is not None:
            out.append({**first, "phase": 2, "category": facts.category})
    return out


def compiled_pass(setup: Setup, facts: list[EngineFacts], run: int) -> float:
    """The real engine's registered ruleset, its asserts as in evaluate, no text work."""
    engine = setup.triage.engine
    host, active = engine._host, engine._active
    name, fired, decided = active.name, active.fired, active.decided
    assert_fact, delete_state = host.assert_fact, host.delete_state
    table = bool(active.rule_set.decisions)
    start = time.perf_counter()
    for k, one in enumerate(facts):
        sid = f"bench-{run}-{k}"
        try:
            for fact in _asserts(one, sid, table):
                fired.clear()
                assert_fact(name, fact)
        finally:
            fired.clear()
            decided.clear()
            delete_state(name, sid)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Fired:
    """What the compiled ruleset did for one report."""

    decision: str | None  # the decision row evaluate picks: the first that fits
    rules: tuple[str, ...]  # as Decision.rules: that row, then the word rules fired
    actions: int  # rule actions run (rows that fit, word rules; `$or` can repeat one)


def compiled_fired(setup: Setup, facts: list[EngineFacts]) -> list[Fired]:
    """The compiled ruleset's outcome per report, combined as evaluate does (the first row
    that fits; each word rule once, in rule order), to check the facts against `decide`."""
    engine = setup.triage.engine
    host, active = engine._host, engine._active
    table = bool(active.rule_set.decisions)
    out: list[Fired] = []
    for k, one in enumerate(facts):
        sid = f"check-{k}"
        names: list[str] = []
        row = None
        actions = 0
        try:
            for fact in _asserts(one, sid, table):
                active.fired.clear()
                active.decided.clear()
                host.assert_fact(active.name, fact)
                actions += len(active.fired) + len(active.decided)
                if fact["kind"] == "decide":
                    row = min(active.decided, key=lambda d: d.index, default=None)
                unique = {rule.index: rule.name for rule in active.fired}
                names += [unique[i] for i in sorted(unique)]
        finally:
            active.fired.clear()
            active.decided.clear()
            host.delete_state(active.name, sid)
        row_name = row.name if row is not None else None
        out.append(Fired(row_name, ((row_name,) if row_name else ()) + tuple(names), actions))
    return out


# A raw rule: (property, values) tests over the decide fact, all of which must hold.
RawRule = list[tuple[str, tuple[str, ...]]]


def row_shapes(setup: Setup) -> list[tuple[int, ...]]:
    """How many values each test of each decision row allows, e.g. (1, 3, 2, 1)."""
    rows = setup.triage.engine.rule_set.decisions
    return [tuple(len(values) for values in row.row.when.values()) for row in rows]


def raw_rules(
    facts: list[dict[str, Any]],
    rule_count: int,
    fires: float,
    seed: int,
    shapes: list[tuple[int, ...]],
) -> list[RawRule]:
    """`rule_count` generic rules over the facts' properties, shaped like decision-table rows.

    Rule i has the shape of row i (cycling; 2-4 properties with one or two values when there
    are no rows): as many tests, each with as many values (an `$or`), but on properties (the
    factors and the channel) and values drawn with a fixed seed from those the facts have, never
    every value a property has. Of many candidates per rule, the one whose share of matching
    facts is closest to fires / rule_count is kept, so that about `fires` rules match per fact,
    as many as fire in the real engine.
    """
    if rule_count < 1:
        return []
    values: dict[str, dict[str, int]] = {}  # property -> value -> bit mask of the facts
    for bit, fact in enumerate(facts):
        for key, value in fact.items():
            if key.startswith("f_") or key == "channel":
                masks = values.setdefault(key, {})
                masks[value] = masks.get(value, 0) | (1 << bit)
    usable = sorted(key for key, masks in values.items() if len(masks) > 1)
    rng = random.Random(seed)
    share = fires / rule_count
    everyone = (1 << len(facts)) - 1
    rules: list[RawRule] = []
    for i in range(rule_count):
        if shapes:
            shape = shapes[i % len(shapes)][: len(usable)]
        else:
            shape = tuple(rng.randint(1, 2) for _ in range(min(rng.randint(2, 4), len(usable))))
        best_fit: tuple[float, RawRule] | None = None
        for _ in range(CANDIDATES):
            rule: RawRule = []
            matched = everyone
            for key, count in zip(rng.sample(usable, len(shape)), shape, strict=True):
                seen = sorted(values[key])
                chosen = tuple(sorted(rng.sample(seen, min(count, len(seen) - 1))))
                rule.append((key, chosen))
                matched &= sum(values[key][v] for v in chosen)  # the masks are disjoint
            fit = abs(matched.bit_count() / len(facts) - share)
            if best_fit is None or fit < best_fit[0]:
                best_fit = (fit, rule)
        assert best_fit is not None
        rules.append(best_fit[1])
    return rules


def raw_ruleset(rules: list[RawRule], fired: list[int]) -> dict[str, Any]:
    """One durable-rules rule per raw rule (`kind` and its tests, `$or` for several values),
    plus a catch-all: a generic ruleset of the shipped size, not the shipped rules.

    Each action (not the catch-all's) adds one to `fired[0]`.
    """

    def record(_c: Any) -> None:
        fired[0] += 1

    def ignore(_c: Any) -> None:
        pass

    ruleset: dict[str, Any] = {}
    for i, rule in enumerate(rules):
        tests: list[dict[str, Any]] = [{"kind": "decide"}]
        for key, chosen in rule:
            branches = [{key: v} for v in chosen]
            tests.append(branches[0] if len(branches) == 1 else {"$or": branches})
        ruleset[f"r{i:04d}"] = {"all": [{"m": {"$and": tests}}], "pri": i, "run": record}
    ruleset["catch_all"] = {
        "all": [{"m": {"kind": "decide"}}],
        "pri": len(rules) + 1,
        "run": ignore,
    }
    return ruleset


def raw_pass(host: Any, name: str, facts: list[dict[str, Any]], run: int) -> float:
    start = time.perf_counter()
    for k, fact in enumerate(facts):
        sid = f"{run}-{k}"
        host.assert_fact(name, {**fact, "sid": sid})
        host.delete_state(name, sid)
    return time.perf_counter() - start


# -- report --------------------------------------------------------------------------------------
def print_table(rows: list[Row], reference: float) -> None:
    width = max(len(r.name) for r in rows) + 2
    print(f"{'name':<{width}}{'reports/s':>12}{'µs/report':>12}{'share':>8}  note")
    print("-" * (width + 32 + 20))
    for row in rows:
        share = f"{row.micros / reference:6.0%}" if reference and row.share else ""
        print(f"{row.name:<{width}}{row.rate:>12,.0f}{row.micros:>12,.1f}{share:>8}  {row.note}")


def verdict(rate: float) -> str:
    return "meets the target" if rate >= TARGET else "MISSES the target"


def share_verdict(share: float) -> str:
    return "meets the target" if share >= SHARE_TARGET else "MISSES the target"


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, None where there is none."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def other_load(seconds: float = 0.5) -> float | None:
    """CPUs kept busy by other processes while this one sleeps `seconds` (None: unknown)."""
    before = _cpu_times()
    time.sleep(seconds)
    after = _cpu_times()
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1]) * (os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000, help="number of reports (10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs, best taken (3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--config-dir", type=Path, default=REPO / "config")
    parser.add_argument("--rules-dir", type=Path, default=REPO / "rules")
    parser.add_argument(
        "--raw-rules", type=int, help="rules in the raw durable-rules ruleset (default: shipped)"
    )
    parser.add_argument("--skip-cli", action="store_true", help="in-process figures only")
    parser.add_argument(
        "--budget",
        type=float,
        default=BUDGET,
        help=f"seconds the run may take (default {BUDGET:.0f}); when the warm-up shows that "
        "N reports would take longer, the first reports that fit are used, with a note; "
        "0: always all N",
    )
    args = parser.parse_args(argv)
    n = args.reports
    if n < 1 or args.repeat < 1:
        parser.error("--reports and --repeat must be at least 1")
    for key in [k for k in os.environ if k.startswith("TRIAGE_")]:
        del os.environ[key]  # settings come from the files, as in the tests
    load_before = other_load()
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        setup = load_bench_setup(args.config_dir, args.rules_dir)
        if setup is None:
            return 1
        rule_set = setup.rule_set
        matcher = rule_set.matcher
        tz = setup.triage.calendar.tz
        reports_in = make_reports(n, args.seed, rule_set, setup.directory)
        lines = [json.dumps(r, ensure_ascii=False) for r in reports_in]
        chars = sum(len(r["subject"]) + len(r["body"]) for r in reports_in) / n
        print(
            f"rules: {len(rule_set.decisions)} decision rows over "
            f"{len(rule_set.factors.factors)} factors ({len(rule_set.factors.words()):,} factor "
            f"words), {len(rule_set.rules)} word rules ({len(matcher)} terms in "
            f"{len(matcher.group_ids)} word groups), {len(rule_set.files)} files "
            f"({rule_set.version}) from {args.rules_dir}"
        )
        print(f"reports: {n:,} generated (seed {args.seed}), {chars:.0f} characters on average")

        # warm-up, and an estimate of the run time (see the CLI_PASSES ... constants)
        warm = min(WARMUP, n)
        setup.triage.decide(parse_line(lines[0]))
        per_report = sum(headline_pass(setup, lines[:warm])) / warm
        passes = (0 if args.skip_cli else CLI_PASSES) + PASSES_PER_REPEAT * args.repeat
        passes += PASSES_ONCE
        # fixed costs: the CLI start-ups, the breakdown warm-up, and what ran so far
        fixed = (0 if args.skip_cli else 2 * STARTUP_RUNS * STARTUP_SECONDS) + warm * per_report
        fixed += time.perf_counter() - started
        estimate = fixed + n * per_report * passes
        requested = n
        if args.budget > 0 and estimate > args.budget:
            n = min(n, max(MIN_REPORTS, int((args.budget - fixed) / (per_report * passes))))
            reports_in, lines = reports_in[:n], lines[:n]
            print(
                f"BUDGET: at {1 / per_report:,.0f} reports/s (warm-up) all {requested:,} reports "
                f"would take ~{estimate:,.0f} s; measuring the first {n:,} to stay under "
                f"{args.budget:.0f} s (--budget 0 runs them all)"
            )
        else:
            print(
                f"warm-up: {1 / per_report:,.0f} reports/s; all {n:,} reports, expected run "
                f"time ~{estimate:,.0f} s"
                + (f" (--budget {args.budget:.0f} s)" if args.budget > 0 else "")
            )

        # 1. end-to-end ---------------------------------------------------------------------
        cli_rows: dict[int, tuple[Row, Row]] = {}  # jobs -> (with start-up, minus start-up)
        mismatches = jobs_differ = None
        if not args.skip_cli:
            input_path = Path(tmp) / "reports.jsonl"
            input_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            one_path = Path(tmp) / "one.jsonl"
            one_path.write_text(lines[0] + "\n", encoding="utf-8")
            command = cli_command(args.config_dir, args.rules_dir, Path(tmp) / "cli.db")
            print(
                f"CLI: {' '.join(command[:1])} ... classify --batch --jobs 1|{JOBS} "
                f"< {n:,} lines ({os.cpu_count()} CPUs)"
            )
            outputs: dict[int, list[str]] = {}
            for jobs in (1, JOBS):
                with_jobs = [*command, "--jobs", str(jobs)]
                startup = min(run_cli(with_jobs, one_path)[0] for _ in range(STARTUP_RUNS))
                wall, out = run_cli(with_jobs, input_path)
                decoded = check_cli_output(out, n)
                if jobs == 1:
                    cli_decoded = decoded
                outputs[jobs] = out
                print(
                    f"CLI --jobs {jobs}: {n:,} lines in, {len(out):,} lines out, no errors; "
                    f"start-up {startup:.2f} s"
                )
                name = f"CLI classify --batch --jobs {jobs}"
                cli_rows[jobs] = (
                    Row(f"{name} (wall, with start-up)", wall, n),
                    Row(f"{name} (wall minus start-up)", max(wall - startup, 1e-9), n),
                )
            jobs_differ = sum(a != b for a, b in zip(outputs[1], outputs[JOBS], strict=True))

        # 2. in-process ---------------------------------------------------------------------
        parsed = [parse_line(line) for line in lines]
        decisions: list[Decision] = []
        runs = [
            headline_pass(setup, lines, decisions if i == 0 else None) for i in range(args.repeat)
        ]
        parse_s = best(r[0] for r in runs)
        decide_s = best(r[1] for r in runs)
        parse_decide_s = best(r[0] + r[1] for r in runs)
        loop_s = best(sum(r) for r in runs)
        words_seen = remembered_words(setup)  # after one pass from an empty memo
        if cli_rows:
            own = [decision_json(d, tz) for d in decisions]
            mismatches = sum(a != b for a, b in zip(own, cli_decoded, strict=True))

        breakdown_pass(setup, parsed[:warm])  # warm-up
        parts = [breakdown_pass(setup, parsed) for _ in range(args.repeat)]
        out_s = best(json_out_pass(decisions, tz) for _ in range(args.repeat))
        step = {key: best(p[key] for p in parts) for key in parts[0]}

        in_rows = [
            Row("in-process decide (reports parsed beforehand)", decide_s, n),
            Row("in-process parse_line + decide", parse_decide_s, n),
            Row("in-process parse + decide + JSON out (CLI loop)", loop_s, n),
        ]
        with_rules = bool(rule_set.rules)
        steps = [
            Row("  JSON in (parse_line)", parse_s, n),
            Row("  directory.identify", step["directory.identify"], n),
            Row(
                "  reading (read_report)",
                step["reading"],
                n,
                "subject, newest text, quoted, forwarded, signature, disclaimer",
            ),
            *(
                [
                    Row(
                        "  factor matching (factors.read)",
                        step["factors"],
                        n,
                        "WordMatcher.find on body and subject + factor values",
                    )
                ]
                if rule_set.decisions
                else []
            ),
            *(
                [
                    Row(
                        "  word-rule matching (matcher.features)",
                        step["word rules"],
                        n,
                        "match terms + map them to word groups",
                    )
                ]
                if with_rules
                else []
            ),
            Row(
                "  RuleEngine.evaluate w/o text work",
                step["evaluate w/o text"],
                n,
                "durable asserts, actions, delete_state, glue",
            ),
            *(
                [
                    Row(
                        "  text model (opinion, telling_words)",
                        step["text model"],
                        n,
                        "words only where it overrules the rules",
                    )
                ]
                if setup.triage.model is not None
                else []
            ),
            Row("  deadlines (sla_outcome)", step["deadlines"], n),
            Row("  rest of decide (Decision model)", step["rest of decide"], n),
            Row("  JSON out (decision_json + dumps)", out_s, n),
            Row("  (RuleEngine.evaluate incl. text work)", step["_evaluate"], n, share=False),
        ]

        # 3. durable-rules alone ------------------------------------------------------------
        orgs = [
            (m.organisation.id if m.organisation else None)
            for m in (setup.directory.identify(r.channel.value, r.sender) for r in parsed)
        ]
        real_facts = engine_facts(setup, parsed, orgs, decisions)
        phase2_share = sum(f.category is not None for f in real_facts) / n
        # also the warm-up of the compiled ruleset
        outcomes = compiled_fired(setup, real_facts)
        # The text model's step is not a rule of the ruleset: compare without it.
        fired_differ = sum(
            (o.decision, o.rules) != (d.decision, tuple(r for r in d.rules if r != MODEL_STEP))
            for o, d in zip(outcomes, decisions, strict=True)
        )
        real_actions = sum(o.actions for o in outcomes) / n
        compiled_s = best(compiled_pass(setup, real_facts, run) for run in range(args.repeat))

        real_count = len(rule_set.rules) + len(rule_set.decisions)
        raw_count = real_count if args.raw_rules is None else args.raw_rules
        raw_facts = [f.decide for f in real_facts]
        host = QuietHost()
        raw_fired = [0]
        raw_conditions = raw_rules(raw_facts, raw_count, real_actions, args.seed, row_shapes(setup))
        host.set_rulesets({"bench_raw": raw_ruleset(raw_conditions, raw_fired)})
        raw_pass(host, "bench_raw", raw_facts[:warm], -1)
        raw_fired[0] = 0
        raw_s = best(raw_pass(host, "bench_raw", raw_facts, run) for run in range(args.repeat))
        raw_per_report = raw_fired[0] / (n * args.repeat)
        asserts = ("1 decide assert" if rule_set.decisions else "") + (
            f"{' + ' if rule_set.decisions else ''}report assert + phase 2 for {phase2_share:.0%}"
            if with_rules
            else ""
        )
        durable_rows = [
            Row(
                f"real compiled ruleset ({len(rule_set.decisions)} rows + "
                f"{len(rule_set.rules)} word rules + catch-all)",
                compiled_s,
                n,
                f"facts as evaluate builds them: {asserts}, delete_state; "
                f"{real_actions:.1f} rules fire",
            ),
            Row(
                f"raw durable-rules, {raw_count} rules + catch-all",
                raw_s,
                n,
                f"generic, shaped like the rows: kind + properties ($or); 1 assert + delete_state; "
                f"{raw_per_report:.1f} rules fire",
            ),
        ]

    # 4. table ------------------------------------------------------------------------------
    fired = sum(len(d.rules) for d in decisions) / n
    by_row = sum(d.decision is not None for d in decisions) / n
    factors_set = sum(len(d.factors) for d in decisions) / n
    print(
        f"in-process: best of {args.repeat} runs after a {warm}-report warm-up; "
        f"{factors_set:.1f} factors set per report; a decision row decides {by_row:.0%} of "
        f"the reports; {fired:.1f} rules in a decision on average, {real_actions:.1f} rules "
        f"fire in durable-rules"
        + (f"; phase-2 assert for {phase2_share:.0%} of the reports" if with_rules else "")
    )
    print(
        f"factor matcher and text model memos emptied before every pass: {words_seen:,} "
        f"distinct words resolved by the factor matcher in a pass over {n:,} reports"
    )
    if mismatches == 0:
        print("CLI --jobs 1 output lines equal the in-process decisions")
    if mismatches:
        print(
            f"WARNING: {mismatches} CLI outputs differ from in-process decisions "
            "(did the rule files change during the run?)"
        )
    if jobs_differ == 0:
        print(f"CLI --jobs {JOBS} output lines are identical to the --jobs 1 output lines")
    if jobs_differ:
        print(f"WARNING: {jobs_differ} CLI --jobs {JOBS} output lines differ from --jobs 1")
    if fired_differ == 0:
        print(
            "the compiled ruleset driven directly picks the same decision row and fires the "
            "same rules as decide, every report"
        )
    else:
        print(
            f"WARNING: for {fired_differ} reports the compiled ruleset driven directly picks "
            "another decision row or fires other rules than decide: the bench's facts no "
            "longer match RuleEngine.evaluate"
        )
    print()
    rows = [row for pair in cli_rows.values() for row in pair]
    print_table(rows + in_rows + steps + durable_rows, Row("", loop_s, n).micros)
    print("(share: of the in-process CLI loop)")
    print()
    print(f"target: at least {TARGET:,} reports/s for classify with the shipped rules")
    for jobs, (with_startup, minus_startup) in cli_rows.items():
        label = "single process (--jobs 1)" if jobs == 1 else f"--jobs {jobs} ({jobs} workers)"
        warning = " (but its output DIFFERS from --jobs 1)" if jobs != 1 and jobs_differ else ""
        print(
            f"  CLI {label}, end-to-end with start-up: {with_startup.rate:,.0f} reports/s: "
            f"{verdict(with_startup.rate)}; minus start-up {minus_startup.rate:,.0f}/s: "
            f"{verdict(minus_startup.rate)}{warning}"
        )
    loop_rate = Row("", loop_s, n).rate
    print(
        f"  in-process CLI loop (single process): {loop_rate:,.0f} reports/s: {verdict(loop_rate)}"
    )
    raw_rate = Row("", raw_s, n).rate
    decide_rate = Row("", decide_s, n).rate
    print(
        f"target: in-process classify at least {SHARE_TARGET:.0%} of the raw durable-rules "
        f"rate measured in the same run ({raw_rate:,.0f} reports/s, {raw_count} rules)"
    )
    print(
        f"  in-process CLI loop (single process): {loop_rate / raw_rate:.0%}: "
        f"{share_verdict(loop_rate / raw_rate)} (decide alone: {decide_rate / raw_rate:.0%})"
    )
    # How far the text work alone can take the share: the loop as measured, less the time
    # of every step that reads text for the rules or the model.
    text_s = sum(step.get(name, 0.0) for name in ("factors", "word rules", "text model"))
    free = Row("", max(loop_s - text_s, 1e-9), n)
    print(
        f"  the same loop with all text work free (factor matching, word rules and the text "
        f"model at 0 µs: {free.micros:.0f} µs per report): {free.rate / raw_rate:.0%}"
    )
    if n < requested:
        print(f"  (measured on the first {n:,} of {requested:,} reports to fit --budget)")
    ran = time.perf_counter() - started
    loads = [x for x in (load_before, other_load()) if x is not None]
    if loads:
        print(
            f"other processes kept {loads[0]:.1f} CPUs busy before the run and "
            f"{loads[-1]:.1f} after it ({os.cpu_count()} CPUs)"
        )
        if max(loads) >= BUSY:
            print(
                "WARNING: the machine was not idle: every figure, and most of all --jobs "
                f"{JOBS}, is lower than on an idle machine; run again when it is"
            )
    print(f"(bench ran {ran:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

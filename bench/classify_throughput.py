"""Throughput of `triage classify` with the shipped rules, and where the time goes.

What it measures, in one run, on N generated reports (default 10,000, `--reports N`; realistic
Dutch/English support emails of ~300-800 characters built from bench/reportgen.py with a fixed
seed, using the terms of the rule files as they are at run time):

1. end-to-end: the real CLI `triage classify --batch` as a subprocess fed the N JSON lines;
   checks that exactly N output lines come back without error objects; wall time with the
   process start-up, and without it (start-up measured separately on a one-line batch).
2. in-process: `setup.triage.decide(report)` over the same reports, parsing excluded and
   included (and with the JSON output, i.e. the CLI loop without the process), plus a
   breakdown measured inside real `decide` calls: JSON in (parse_line), directory lookup,
   text matching (rule_set.matcher.match), RuleEngine.evaluate without the text matching
   (durable-rules and its Python glue), deadlines (bot.deadlines.sla_outcome), the rest of
   decide (building the Decision) and JSON out (decision_json + json.dumps).
3. raw durable-rules: a ruleset with as many rules as the shipped rule set (`--raw-rules` to
   override) plus a catch-all, plain `kind` / `channel` equality and `$iany` over a `terms`
   list, on a Host without dispatcher threads; `assert_fact` + `delete_state` per report with a
   fresh session id. And the compiled ruleset the real engine registered, driven directly
   (its two asserts + delete_state per report, text matching done beforehand).

In-process figures are the best of 3 runs (`--repeat`) after a warm-up, timed with
time.perf_counter. The target: at least 2,000 reports/s for classify with the shipped rules.
The run is kept near 60 s (`--budget`): when the warm-up shows that N reports would take much
longer (the code is far from the target), every figure is measured on the first reports that
fit, and the output says so; `--budget 0` always uses all N.

Run from the repository root:
    .venv/bin/python bench/classify_throughput.py
    .venv/bin/python bench/classify_throughput.py --reports 2000 --rules-dir /tmp/other-rules
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable import engine as durable_engine
from reportgen import make_reports

import bot.pipeline
from bot.classify_io import decision_json, parse_line
from bot.errors import RuleSetInvalid
from bot.models import Channel, Decision, Report
from bot.wiring import Paths, Setup, load_setup

REPO = Path(__file__).resolve().parents[1]
TARGET = 2_000  # reports/s for `triage classify` with the shipped rules
SEED = 20261124
WARMUP = 300
BUDGET = 60.0  # seconds for the default run
MIN_REPORTS = 500  # never measure fewer, whatever the budget


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
    """The installed `triage` script next to this interpreter, else `python -m bot.cli`."""
    script = Path(sys.executable).parent / "triage"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
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


def headline_pass(
    setup: Setup, lines: list[str], decisions: list[Decision] | None = None
) -> tuple[float, float, float]:
    """One pass over the lines: seconds spent in parse_line, in decide, in JSON output.

    The decisions are appended to `decisions` when it is given.
    """
    keep = decisions.append if decisions is not None else None
    decide = setup.triage.decide
    tz = setup.triage.calendar.tz
    clock = time.perf_counter
    parse_s = decide_s = out_s = 0.0
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
    """Seconds per step, measured inside real `decide` calls by wrapping the steps it calls."""
    triage = setup.triage
    matcher = triage.engine.rule_set.matcher
    identify = _Timed(triage.directory.identify)
    match = _Timed(matcher.match)
    evaluate = _Timed(triage.engine.evaluate)
    deadlines = _Timed(bot.pipeline.sla_outcome)
    # Instance attributes shadow the methods; pipeline.decide looks sla_outcome up globally.
    triage.directory.identify = identify  # type: ignore[method-assign]
    matcher.match = match  # type: ignore[method-assign]
    triage.engine.evaluate = evaluate  # type: ignore[method-assign]
    bot.pipeline.sla_outcome = deadlines  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        for report in reports:
            triage.decide(report)
        total = time.perf_counter() - start
    finally:
        del triage.directory.identify, matcher.match, triage.engine.evaluate
        bot.pipeline.sla_outcome = deadlines.func
    return {
        "directory.identify": identify.seconds,
        "text matching (matcher.match)": match.seconds,
        "evaluate w/o matching": evaluate.seconds - match.seconds,
        "deadlines (sla_outcome)": deadlines.seconds,
        "rest of decide (Decision)": total
        - identify.seconds
        - evaluate.seconds
        - deadlines.seconds,
        "_evaluate": evaluate.seconds,
        "_total": total,
    }


def json_out_pass(decisions: list[Decision], tz: Any) -> float:
    start = time.perf_counter()
    for decision in decisions:
        json.dumps(decision_json(decision, tz), ensure_ascii=False)
    return time.perf_counter() - start


# -- raw durable-rules ---------------------------------------------------------------------------
class QuietHost(durable_engine.Host):  # type: ignore[misc]
    """No background dispatcher threads (shared/DURABLE_RULES_NOTES.md)."""

    def _run(self) -> None:
        pass


def raw_terms(terms: list[list[int]], decisions: list[Decision], rule_count: int) -> list[int]:
    """Term ids for the raw rules, so that about as many rules fire as in the real engine.

    Each raw rule tests one term; picking terms found in a share p of the reports, with
    p = (real rules fired per report) / rule_count, makes the raw ruleset fire about as often.
    """
    seen: Counter[int] = Counter(t for found in terms for t in found[1:])
    if not seen or not rule_count:
        return sorted(seen)
    share = sum(len(d.rules) for d in decisions) / len(decisions) / rule_count
    by_fit = sorted(seen, key=lambda t: (abs(seen[t] / len(terms) - share), t))
    return by_fit[:rule_count]


def raw_ruleset(rule_count: int, term_ids: list[int], fired: list[int]) -> dict[str, Any]:
    """`rule_count` rules on kind, channel and one term each, plus a catch-all.

    Each action (not the catch-all's) adds one to `fired[0]`.
    """

    def action(_index: int) -> Callable[[Any], None]:
        def record(_c: Any) -> None:
            fired[0] += 1

        return record

    def ignore(_c: Any) -> None:
        pass

    channels = [c.value for c in Channel]
    rules: dict[str, Any] = {}
    for i in range(rule_count):
        term = term_ids[i % len(term_ids)] if term_ids else 1_000 + i
        tests: list[dict[str, Any]] = [{"kind": "report"}, {"$iany": {"terms": {"$i": term}}}]
        if i % 4 == 3:
            tests.append({"channel": channels[i % len(channels)]})
        rules[f"r{i:04d}"] = {"all": [{"m": {"$and": tests}}], "pri": i, "run": action(i)}
    rules["catch_all"] = {"all": [{"m": {"kind": "report"}}], "pri": rule_count + 1, "run": ignore}
    return rules


def raw_pass(host: Any, name: str, facts: list[dict[str, Any]], run: int) -> float:
    start = time.perf_counter()
    for k, fact in enumerate(facts):
        sid = f"{run}-{k}"
        host.assert_fact(name, {**fact, "sid": sid})
        host.delete_state(name, sid)
    return time.perf_counter() - start


def compiled_pass(setup: Setup, facts: list[tuple[dict[str, Any], str]], run: int) -> float:
    """The real engine's registered ruleset, its two asserts per report, no text matching."""
    engine = setup.triage.engine
    host, active = engine._host, engine._active
    start = time.perf_counter()
    for k, (fact, category) in enumerate(facts):
        sid = f"bench-{run}-{k}"
        first = {**fact, "sid": sid}
        try:
            host.assert_fact(active.name, first)
            host.assert_fact(active.name, {**first, "phase": 2, "category": category})
        finally:
            active.fired.clear()
            host.delete_state(active.name, sid)
    return time.perf_counter() - start


# -- report --------------------------------------------------------------------------------------
def print_table(rows: list[Row], reference: float) -> None:
    width = max(len(r.name) for r in rows) + 2
    print(f"{'name':<{width}}{'reports/s':>12}{'µs/report':>12}{'share':>8}  note")
    print("-" * (width + 32 + 20))
    for row in rows:
        share = f"{row.micros / reference:6.0%}" if reference and row.share else ""
        print(f"{row.name:<{width}}{row.rate:>12,.0f}{row.micros:>12,.1f}{share:>8}  {row.note}")


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
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        try:
            setup = load_setup(Paths(args.config_dir, args.rules_dir, Path(tmp) / "x.db"))
        except RuleSetInvalid as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"the rules in {args.rules_dir} are invalid: fix them first", file=sys.stderr)
            return 1
        rule_set = setup.rule_set
        tz = setup.triage.calendar.tz
        reports_in = make_reports(n, args.seed, rule_set, setup.directory)
        lines = [json.dumps(r, ensure_ascii=False) for r in reports_in]
        chars = sum(len(r["subject"]) + len(r["body"]) for r in reports_in) / n
        print(
            f"rules: {len(rule_set.rules)} rules, {len(rule_set.matcher)} terms in "
            f"{len(rule_set.files)} files ({rule_set.version}) from {args.rules_dir}"
        )
        print(f"reports: {n:,} generated (seed {args.seed}), {chars:.0f} characters on average")

        # warm-up, and an estimate of the run time: the CLI once, 2 in-process passes per
        # repeat, and the durable-rules passes (a fraction of one).
        warm = min(WARMUP, n)
        setup.triage.decide(parse_line(lines[0]))
        per_report = sum(headline_pass(setup, lines[:warm])) / warm
        passes = (0 if args.skip_cli else 1.1) + 2.7 * args.repeat
        estimate = n * per_report * passes
        # fixed costs: what ran so far, CLI start-ups, the breakdown warm-up
        available = args.budget - (time.perf_counter() - started) - 3.0 - warm * per_report
        requested = n
        if args.budget > 0 and estimate > available:
            n = min(n, max(MIN_REPORTS, int(available / (per_report * passes))))
            reports_in, lines = reports_in[:n], lines[:n]
            print(
                f"BUDGET: at {1 / per_report:,.0f} reports/s (warm-up) all {requested:,} reports "
                f"would take ~{estimate:,.0f} s; measuring the first {n:,} to stay near "
                f"{args.budget:.0f} s (--budget 0 runs them all)"
            )

        # 1. end-to-end ---------------------------------------------------------------------
        cli_rows: list[Row] = []
        mismatches = None
        if not args.skip_cli:
            input_path = Path(tmp) / "reports.jsonl"
            input_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            one_path = Path(tmp) / "one.jsonl"
            one_path.write_text(lines[0] + "\n", encoding="utf-8")
            command = cli_command(args.config_dir, args.rules_dir, Path(tmp) / "cli.db")
            print(f"CLI: {' '.join(command[:1])} ... classify --batch < {n:,} lines")
            startup = min(run_cli(command, one_path)[0] for _ in range(3))
            wall, out = run_cli(command, input_path)
            cli_decoded = check_cli_output(out, n)
            print(
                f"CLI: {n:,} lines in, {len(out):,} lines out, no errors; start-up {startup:.2f} s"
            )
            cli_rows = [
                Row("CLI classify --batch (wall, with start-up)", wall, n),
                Row("CLI classify --batch (wall minus start-up)", max(wall - startup, 1e-9), n),
            ]

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
        steps = [
            Row("  JSON in (parse_line)", parse_s, n),
            Row("  directory.identify", step["directory.identify"], n),
            Row("  text matching (matcher.match)", step["text matching (matcher.match)"], n),
            Row(
                "  RuleEngine.evaluate w/o matching",
                step["evaluate w/o matching"],
                n,
                "durable asserts, actions, delete_state",
            ),
            Row("  deadlines (sla_outcome)", step["deadlines (sla_outcome)"], n),
            Row("  rest of decide (Decision model)", step["rest of decide (Decision)"], n),
            Row("  JSON out (decision_json + dumps)", out_s, n),
            Row("  (RuleEngine.evaluate incl. matching)", step["_evaluate"], n, share=False),
        ]

        # 3. raw durable-rules --------------------------------------------------------------
        matcher = rule_set.matcher
        terms = [matcher.match(r.text) for r in parsed]
        orgs = [
            (m.organisation.id if m.organisation else "")
            for m in (setup.directory.identify(r.channel.value, r.sender) for r in parsed)
        ]
        raw_count = len(rule_set.rules) if args.raw_rules is None else args.raw_rules
        host = QuietHost()
        raw_fired = [0]
        host.set_rulesets(
            {"bench_raw": raw_ruleset(raw_count, raw_terms(terms, decisions, raw_count), raw_fired)}
        )
        raw_facts = [
            {"kind": "report", "channel": r.channel.value, "terms": t}
            for r, t in zip(parsed, terms, strict=True)
        ]
        raw_pass(host, "bench_raw", raw_facts[:warm], -1)
        raw_fired[0] = 0
        raw_s = best(raw_pass(host, "bench_raw", raw_facts, run) for run in range(args.repeat))
        raw_per_report = raw_fired[0] / (n * args.repeat)
        real_facts = [
            (
                {
                    "kind": "report",
                    "phase": 1,
                    "channel": r.channel.value,
                    "organisation": org,
                    "terms": t,
                },
                d.category.value,
            )
            for r, org, t, d in zip(parsed, orgs, terms, decisions, strict=True)
        ]
        compiled_pass(setup, real_facts[:warm], -1)
        compiled_s = best(compiled_pass(setup, real_facts, run) for run in range(args.repeat))
        durable_rows = [
            Row(
                f"raw durable-rules, {raw_count} rules + catch-all",
                raw_s,
                n,
                f"1 assert_fact + delete_state, fresh sid; {raw_per_report:.1f} rules fire",
            ),
            Row(
                f"real compiled ruleset ({len(rule_set.rules)} rules + catch-all)",
                compiled_s,
                n,
                "2 assert_fact (phases) + delete_state",
            ),
        ]

    # 4. table ------------------------------------------------------------------------------
    fired = sum(len(d.rules) for d in decisions) / n
    print(
        f"in-process: best of {args.repeat} runs after a {warm}-report warm-up; "
        f"{fired:.1f} rules fired per report on average; "
        f"{sum(len(t) - 1 for t in terms) / n:.1f} terms matched per report"
    )
    if mismatches == 0:
        print("CLI output lines equal the in-process decisions")
    if mismatches:
        print(
            f"WARNING: {mismatches} CLI outputs differ from in-process decisions "
            "(did the rule files change during the run?)"
        )
    print()
    print_table(cli_rows + in_rows + steps + durable_rows, Row("", loop_s, n).micros)
    print("(share: of the in-process CLI loop)")
    print()
    print(f"target: at least {TARGET:,} reports/s for classify with the shipped rules")
    figures = [("in-process CLI loop", Row("", loop_s, n).rate)]
    if cli_rows:
        figures.insert(0, ("CLI end-to-end (with start-up)", cli_rows[0].rate))
    for label, rate in figures:
        verdict = "meets" if rate >= TARGET else "MISSES"
        print(f"  {label}: {rate:,.0f} reports/s: {verdict} the target")
    if n < requested:
        print(f"  (measured on the first {n:,} of {requested:,} reports to fit --budget)")
    print(f"(bench ran {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

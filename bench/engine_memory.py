"""Memory of the rules engine over many reports: does RSS stay flat?

Runs N reports (default 1,000,000, `--reports N`) through RuleEngine.evaluate with the shipped
rules (the rule files as they are at run time), cycling through a few hundred distinct report
texts from bench/reportgen.py (`--texts`), and prints the resident set size (VmRSS from
/proc/self/status) every 100,000 reports (`--every`) as it goes, then the growth from the
100,000 mark to the end, with a "... N" progress line every 30 s in between for a slow
engine. Each evaluate opens a fresh durable-rules session and deletes it, so the growth should
stay near zero; a steady climb means sessions or facts leak.

Run from the repository root (1,000,000 reports take about 8 minutes at 2,000 reports/s):
    .venv/bin/python bench/engine_memory.py
    .venv/bin/python bench/engine_memory.py --reports 200000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from reportgen import load_bench_setup, make_reports

from bot.classify_io import parse_report

REPO = Path(__file__).resolve().parents[1]
SEED = 20261124
PROGRESS_SECONDS = 30.0  # between the RSS marks, a "... N" line at most this often


def rss_kib() -> int:
    """Resident set size of this process in KiB (VmRSS of /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status (not Linux?)")


def mib(kib: int) -> str:
    return f"{kib / 1024:,.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports (1,000,000)")
    parser.add_argument("--every", type=int, default=100_000, help="print RSS every N (100,000)")
    parser.add_argument("--texts", type=int, default=300, help="distinct report texts (300)")
    parser.add_argument("--config-dir", type=Path, default=REPO / "config")
    parser.add_argument("--rules-dir", type=Path, default=REPO / "rules")
    args = parser.parse_args(argv)
    if args.reports < 1 or args.every < 1 or args.texts < 1:
        parser.error("--reports, --every and --texts must be at least 1")
    for key in [k for k in os.environ if k.startswith("TRIAGE_")]:
        del os.environ[key]  # settings come from the files, as in the tests

    setup = load_bench_setup(args.config_dir, args.rules_dir)
    if setup is None:
        return 1
    rule_set = setup.rule_set
    engine = setup.triage.engine
    reports = [
        parse_report(data) for data in make_reports(args.texts, SEED, rule_set, setup.directory)
    ]
    inputs = []
    for report in reports:
        who = setup.directory.identify(report.channel.value, report.sender)
        organisation = who.organisation.id if who.organisation else None
        inputs.append((report.text, report.channel, organisation, report.priority))

    print(
        f"rules: {len(rule_set.rules)} rules, {len(rule_set.matcher)} terms "
        f"({rule_set.version}); {len(inputs)} distinct texts; {args.reports:,} reports",
        flush=True,
    )
    print(f"{'reports':>12}  {'RSS':>12}  {'since start':>12}  {'reports/s':>10}", flush=True)
    start_rss = rss_kib()
    print(f"{0:>12,}  {mib(start_rss):>12}  {'':>12}  {'':>10}", flush=True)

    evaluate = engine.evaluate
    count = len(inputs)
    marks: dict[int, int] = {}
    started = last_time = last_note = time.perf_counter()
    last_done = 0
    done = 0
    while done < args.reports:
        text, channel, organisation, confirmed = inputs[done % count]
        evaluate(text, channel, organisation, confirmed)
        done += 1
        if done % args.every == 0 or done == args.reports:
            now = time.perf_counter()
            rss = rss_kib()
            marks[done] = rss
            rate = (done - last_done) / (now - last_time)
            print(
                f"{done:>12,}  {mib(rss):>12}  {mib(rss - start_rss):>12}  {rate:>10,.0f}",
                flush=True,
            )
            last_done, last_time = done, now
            last_note = now
        elif done % 1_000 == 0 and time.perf_counter() - last_note >= PROGRESS_SECONDS:
            last_note = time.perf_counter()  # a slow engine: show that it is still going
            print(f"{'...':>4}{done:>8,}  {mib(rss_kib()):>12}", flush=True)

    elapsed = time.perf_counter() - started
    end_rss = marks[args.reports]
    print(f"{args.reports:,} reports in {elapsed:.1f} s ({args.reports / elapsed:,.0f} reports/s)")
    if args.every in marks and args.reports > args.every:
        growth = end_rss - marks[args.every]
        per_report = growth * 1024 / (args.reports - args.every)
        print(
            f"RSS growth from the {args.every:,} mark to the end: {growth:+,} KiB "
            f"({per_report:+.2f} bytes/report over {args.reports - args.every:,} reports)"
        )
    else:
        print(
            f"RSS growth from the start: {end_rss - start_rss:+,} KiB (run past --every "
            "to see the growth after the warm-up)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: `triage rules diff` over a year of stored reports (issue 13: 50,000 in 30 s or
less on this 2-core machine). Prints figures; asserts nothing.

1. Fills a store with N realistic reports (bench/reportgen.py), their receipt times spread
   over 2026, each stored as a ticket with the rules' decision as `triage run` stores it; one
   in twenty gets a priority changed by the team afterwards (SLA 4.G).
2. Times the real command in its own process, as a team lead runs it: `triage rules diff
   COPY --quiet --json` on a copy of the rules in which one factor word moved to another value
   (`meerdere collega*`: omvang enkele -> groot-deel), with two worker processes (the default
   here) and with one; and on the unchanged rules. With the wall time it prints the processor
   time of the command and its workers, and the load average: on a machine that others share,
   the wall time depends on them; on an idle one it is about the processor time divided by
   the workers.
3. Times the replay a running bot does when it announces a rules edit: the last 30 days
   through the rules before and after the edit (bot/replay.py `reload_replay`).

    .venv/bin/python bench/rules_diff.py [--reports 50000] [--db PATH]

With --db an existing bench store is reused (it is filled when it does not exist yet).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.batch import classify_lines  # noqa: E402
from bench.reportgen import CET, load_bench_setup, make_reports  # noqa: E402
from bot.engine.loader import load_rules  # noqa: E402
from bot.models import Priority  # noqa: E402
from bot.replay import reload_replay  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.rules_edit import move_word  # noqa: E402

YEAR_START = datetime(2026, 1, 1, tzinfo=CET)
TEAM_SHARE = 0.05  # tickets whose priority the team changed afterwards


def spread_over_year(reports: list[dict[str, Any]], seed: int) -> None:
    """Receipt times over all of 2026 (reportgen draws November and December only)."""
    rng = random.Random(seed)
    for report in reports:
        at = datetime.fromisoformat(report["received_at"])
        day = YEAR_START + timedelta(days=rng.randrange(365))
        report["received_at"] = day.replace(hour=at.hour, minute=at.minute).isoformat()


def fill(db: Path, count: int) -> float:
    """Store `count` generated reports as tickets; the seconds it took."""
    setup = load_bench_setup(REPO / "config", REPO / "rules")
    assert setup is not None
    reports = make_reports(count, 13, setup.rule_set, setup.directory)
    spread_over_year(reports, 13)
    rng = random.Random(5)
    started = time.perf_counter()
    lines = (json.dumps(r, ensure_ascii=False) for r in reports)
    with Store(db) as store:
        for result in classify_lines(setup.triage, lines, jobs=2, keep=True):
            if result.report is None or result.decision is None:
                continue
            report, decision = result.report, result.decision
            recorded = store.record(report, decision, report.received_at)
            if recorded.ticket_id is None or rng.random() >= TEAM_SHARE:
                continue
            other = rng.choice([p for p in Priority if p is not decision.priority])
            changed = decision.model_copy(update={"priority": other, "provisional": False})
            store.add_decision(
                recorded.ticket_id,
                changed,
                "changed",
                "U0ANNA",
                report.received_at + timedelta(hours=1),
                "bench",
            )
    return time.perf_counter() - started


def rules_diff(db: Path, rules: Path, *extra: str) -> tuple[float, float, dict[str, Any]]:
    """Run `triage rules diff` as its own process: its wall time, the processor time of it and
    its workers (what an idle machine divides over its cores), and its JSON output."""
    command = [
        str(Path(sys.executable).parent / "triage"),
        "--config-dir",
        str(REPO / "config"),
        "--db",
        str(db),
        "rules",
        "diff",
        str(rules),
        "--quiet",
        "--json",
        *extra,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50_000, help="reports to store")
    parser.add_argument("--db", type=Path, help="reuse (or create) this bench store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = args.db or work / "year.db"
        if not db.exists():
            seconds = fill(db, args.reports)
            print(f"filled a store with {args.reports} reports over 2026 in {seconds:.0f} s")
        with Store(db) as store:
            tickets = store.replay_count()
        edited = work / "rules"
        shutil.copytree(REPO / "rules", edited)
        move_word(edited / "20-omvang-en-functie.yaml", "meerdere collega*", "enkele", "groot-deel")

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"`triage rules diff` over {tickets} stored tickets (own process, --quiet --json; "
            f"load average before: {load} on {os.cpu_count()} processors):"
        )
        for label, rules, extra in (
            ("word moved, 2 workers", edited, ("--jobs", "2")),
            ("word moved, 1 process", edited, ("--jobs", "1")),
            ("unchanged rules, 2 workers", REPO / "rules", ("--jobs", "2")),
        ):
            seconds, cpu, out = rules_diff(db, rules, *extra)
            print(
                f"  {label:27s} {seconds:6.1f} s  (processor time {cpu:5.1f} s; "
                f"{out['changed']} tickets change, {out['replayed'] / seconds:,.0f} tickets/s; "
                f"team changed {out['team_changed']})"
            )

        setup = load_bench_setup(REPO / "config", edited)
        assert setup is not None
        previous = load_rules(REPO / "rules", setup.directory.organisations.keys())
        now = datetime(2026, 12, 31, 12, 0, tzinfo=CET)
        with Store(db) as store:
            started = time.perf_counter()
            summary = reload_replay(store, setup.triage, previous, now)
            seconds = time.perf_counter() - started
        assert summary is not None
        print(
            f"reload announcement: the last 30 days ({summary.replayed} tickets) through the "
            f"rules before and after the edit in {seconds:.1f} s ({summary.changed} change)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the team side at scale. Prints figures; asserts nothing.

1. Reminder planning: `triage run` re-plans every open ticket every minute (Desk.plan). How
   long does one round take with N open tickets, the first time (writing the reminders) and
   after (nothing new: the idempotent case the service runs all day)?
2. Reports: `triage report sla` and `report availability` for a month with M tickets (all
   reacted and half resolved) and a few hundred outage windows.

    .venv/bin/python bench/desk_and_reports.py [--open 5000] [--month-tickets 50000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reportgen import load_bench_setup, make_reports
from bot.classify_io import parse_report
from bot.desk import Desk
from bot.reports.build import build_availability, build_sla
from bot.reports.sla import month_period
from bot.store import Store

AMS = ZoneInfo("Europe/Amsterdam")


def fill(store: Store, desk: Desk, count: int, seed: int, handle: bool) -> int:
    """Store `count` generated reports as tickets (the real pipeline); returns how many."""
    setup_triage = desk.triage
    rng = random.Random(seed)
    made = 0
    for data in make_reports(count, seed, setup_triage.engine.rule_set, setup_triage.directory):
        report = parse_report(data)
        decision = setup_triage.decide(report)
        recorded = store.record(report, decision, report.received_at)
        if not recorded.created or recorded.ticket_id is None:
            continue
        made += 1
        if handle:
            reacted = report.received_at + timedelta(minutes=rng.randint(5, 600))
            desk.assign(recorded.ticket_id, "U0ANNA", reacted)
            if rng.random() < 0.5:
                desk.resolve(recorded.ticket_id, "U0ANNA", reacted + timedelta(hours=4))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=5000, help="open tickets to plan")
    parser.add_argument("--month-tickets", type=int, default=50_000, help="tickets in the report")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    setup = load_bench_setup(root / "config", root / "rules")
    if setup is None:
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "plan.db")
        desk = Desk(setup.triage, store, lambda: setup.triage.engine.rule_set.reminders)
        made = fill(store, desk, args.open, seed=7, handle=False)
        now = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)
        started = time.perf_counter()
        planned = desk.plan(now)
        first = time.perf_counter() - started
        started = time.perf_counter()
        desk.plan(now)
        again = time.perf_counter() - started
        print(f"reminder planning, {made} open tickets:")
        print(f"  first round   {first:6.2f} s  ({planned} reminders considered)")
        print(f"  next rounds   {again:6.2f} s  (nothing new; the service does this every minute)")
        store.close()

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "month.db")
        desk = Desk(
            setup.triage, store, lambda: setup.triage.engine.rule_set.reminders, slack=False
        )
        started = time.perf_counter()
        made = fill(store, desk, args.month_tickets, seed=11, handle=True)
        filled = time.perf_counter() - started
        rng = random.Random(3)
        base = datetime(2026, 11, 1, tzinfo=AMS)
        for _ in range(300):
            start = base + timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            kind = rng.choice(["storing", "storing", "planned", "force_majeure"])
            store.add_outage(start, start + timedelta(minutes=rng.randint(1, 90)), kind, "x", start)
        period = month_period(2026, 11, AMS)
        now = datetime(2027, 1, 5, tzinfo=AMS)
        started = time.perf_counter()
        sla = build_sla(setup.triage, store, period, now)
        sla_s = time.perf_counter() - started
        started = time.perf_counter()
        build_availability(store, period, now)
        avail_s = time.perf_counter() - started
        print(f"reports, {made} tickets over Nov-Dec 2026 ({filled:.0f} s to generate):")
        print(f"  report sla, november ({sla.totals.received} tickets)  {sla_s:6.2f} s")
        print(f"  report availability, 300 windows          {avail_s:6.3f} s")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

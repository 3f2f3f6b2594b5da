"""Benchmark: learning from corrections over a big store. Prints figures; asserts nothing.

N generated reports are stored as tickets with the rules' provisional decision (the real
pipeline); the team confirms 30 % and changes 10 % (half of those from Laag to Hoog with a
planted phrase such as "namen van een andere klant", the rest to another level). Then, timed:
- `Store.corrections()`: each ticket's first decision next to the team's last;
- `correction_trend` over twelve months (the monthly post, the HTML report, `rules eval
  --from-store`);
- `suggest` (`triage rules suggest`): the phrases of every ticket, compared; and whether the
  planted phrase comes out on top for Laag -> Hoog.

    .venv/bin/python bench/corrections.py [--tickets 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reportgen import load_bench_setup, make_reports
from bot.classify_io import parse_report
from bot.corrections import correction_trend, month_key, month_keys
from bot.models import Priority
from bot.store import Store
from bot.suggest import suggest

# Said in different ways; what they share is "andere klant".
PLANTED = (
    " Erger: ik zie de gegevens van een andere klant in ons overzicht.",
    " In de export staan namen van een andere klant.",
    " Het rapport toont evaluaties van een andere klant!",
    " Daaronder verschijnt het dossier van een andere klant.",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets in the store")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    setup = load_bench_setup(root / "config", root / "rules")
    if setup is None:
        return 1
    triage = setup.triage
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "corrections.db")
        started = time.perf_counter()
        changed = confirmed = 0
        for data in make_reports(args.tickets, 13, triage.engine.rule_set, triage.directory):
            data["priority"] = None  # every first decision is the rules' (provisional)
            roll = rng.random()
            if roll < 0.05:
                data["body"] += rng.choice(PLANTED)
            report = parse_report(data)
            decision = triage.decide(report)
            if roll < 0.05:
                decision = decision.model_copy(update={"priority": Priority.LAAG})
            recorded = store.record(report, decision, report.received_at)
            if not recorded.created or recorded.ticket_id is None:
                continue
            later = report.received_at + timedelta(hours=1)
            if roll < 0.10:
                target = Priority.HOOG if roll < 0.05 else _other(decision.priority)
                team = decision.model_copy(update={"priority": target, "provisional": False})
                store.add_decision(recorded.ticket_id, team, "changed", "U0LEAD", later, "x")
                changed += 1
            elif roll < 0.40:
                team = decision.model_copy(update={"provisional": False})
                store.add_decision(recorded.ticket_id, team, "confirmed", "U0LEAD", later)
                confirmed += 1
        filled = time.perf_counter() - started
        print(
            f"store: {args.tickets} tickets, {changed} changed and {confirmed} confirmed by the "
            f"team ({filled:.0f} s to generate)"
        )

        started = time.perf_counter()
        corrections = store.corrections()
        read_s = time.perf_counter() - started
        tz = triage.calendar.tz
        started = time.perf_counter()
        last = month_key(corrections[-1].received_at, tz)
        trend = correction_trend(corrections, tz, month_keys(last, 12))
        trend_s = time.perf_counter() - started
        started = time.perf_counter()
        found = suggest(corrections)
        suggest_s = time.perf_counter() - started
        leak = next(
            (
                g
                for g in found.groups
                if (g.kind, g.before, g.after) == ("priority", "laag", "hoog")
            ),
            None,
        )
        top = [f"{p.words} ({p.changed}/{p.unchanged})" for p in leak.phrases[:3]] if leak else []
        print(f"  Store.corrections()         {read_s:6.2f} s  ({len(corrections)} tickets)")
        print(f"  correction_trend, 12 months {trend_s:6.3f} s  ({len(trend.months)} months)")
        print(
            f"  suggest                     {suggest_s:6.2f} s  ({len(found.groups)} changes; "
            f"laag -> hoog top phrases: {', '.join(top) or '-'})"
        )
        store.close()
    return 0


def _other(priority: Priority) -> Priority:
    return Priority.MIDDEL if priority is not Priority.MIDDEL else Priority.LAAG


if __name__ == "__main__":
    sys.exit(main())

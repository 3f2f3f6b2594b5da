"""`triage rules diff [DIR]`: which stored tickets the rules in DIR would judge differently.

Every stored ticket's report (or those received since `--since`) goes through the rules in
DIR (default: the rules folder as it is now) and is compared with the ticket's first
decision, the rules' own output then (bot/replay.py). A year of reports is 50,000 tickets:
like `classify --batch --jobs` (app/batch.py) the work is shared by forked worker processes,
each with its own copy of the loaded rules, fed a bounded number of pages at a time so memory
stays flat; the parent reads the store and draws the progress bar.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, time
from itertools import islice
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, TextIO

from app.bootstrap import Paths, load_setup, open_store
from app.commands import EXIT_OK, require_db, since_date
from app.render.progress import Progress
from app.render.replay import DiffSource, diff_json, diff_text
from bot.pipeline import Triage
from bot.replay import Tally, replay
from bot.store import ReplayRow

CHUNK = 250  # tickets per unit of work for a worker: small enough for a lively progress bar
IN_FLIGHT = 4  # units of work per worker handed out ahead (bounds the parent's memory)


def add_parser(actions: Any, common: argparse.ArgumentParser) -> None:
    """Register `rules diff` under `triage rules` (`actions`: its subparsers)."""
    sub = actions.add_parser(
        "diff",
        parents=[common],
        help="which stored tickets the rules in DIR would judge differently",
    )
    sub.add_argument("dir", nargs="?", type=Path, help="rules directory (default --rules-dir)")
    sub.add_argument("--since", metavar="DATE", help="only tickets received on or after DATE")
    sub.add_argument("--json", action="store_true", help="one JSON object")
    sub.add_argument("--quiet", action="store_true", help="no progress bar (for scripts)")
    sub.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        metavar="N",
        help="replay in N worker processes (default: the processors available, at most 2)",
    )


def default_jobs() -> int:
    """The processors this process may use, at most two (the machine it was sized for)."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(2, available))


def rules_diff(
    args: argparse.Namespace, paths: Paths, directory: Path, stdout: TextIO, stderr: TextIO
) -> int:
    """Print the summary and every changed ticket (or one JSON object)."""
    require_db(paths)
    setup = load_setup(Paths(paths.config_dir, directory, paths.db, paths.db_password))
    tz = setup.triage.calendar.tz
    since = since_date(args.since)
    start = datetime.combine(since, time(0), tzinfo=tz) if since else None
    with open_store(paths) as store:
        total = store.replay_count(start)
        bar: Progress[None] = Progress([], total, "Tickets opnieuw beoordelen", args.quiet, stderr)
        with bar:
            tally = replay_all(setup.triage, store.replay_rows(start), args.jobs, bar.advance)
    source = DiffSource(paths.db_label, str(directory), setup.rule_set.version, since)
    if args.json:
        print(json.dumps(diff_json(tally, source, tz), ensure_ascii=False, indent=2), file=stdout)
    else:
        print(diff_text(tally, source, tz), file=stdout)
    return EXIT_OK


# Set in the parent before forking; the workers inherit it (never pickled).
_WORKER: Triage | None = None


def _work(rows: list[ReplayRow]) -> Tally:
    assert _WORKER is not None
    return replay(_WORKER, rows)


def replay_all(
    triage: Triage,
    rows: Iterable[ReplayRow],
    jobs: int,
    advance: Callable[[int], None] = lambda n: None,
) -> Tally:
    """Every row through `replay`, in `jobs` forked workers where the platform has fork."""
    total = Tally()
    chunks = _chunks(rows, CHUNK)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            total.add(replay(triage, chunk))
            advance(len(chunk))
        return total
    global _WORKER
    _WORKER = triage
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pending: deque[AsyncResult[Tally]] = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_work, (chunk,)))
                while len(pending) >= jobs * IN_FLIGHT:
                    part = pending.popleft().get()
                    total.add(part)
                    advance(part.replayed)
            while pending:
                part = pending.popleft().get()
                total.add(part)
                advance(part.replayed)
    finally:
        _WORKER = None
    return total


def _chunks(rows: Iterable[ReplayRow], size: int) -> Iterator[list[ReplayRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk

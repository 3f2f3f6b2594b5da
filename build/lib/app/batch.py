"""`triage classify --batch`: JSON Lines in, one JSON line out per input line, in order.

With `--jobs N` the lines are classified by N forked worker processes (each with its own copy
of the loaded rules and engine, so nothing is shared between them); the parent keeps the input
order, writes the output and does any storing, so SQLite keeps a single writer.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.classify_io import decision_json, parse_line
from bot.errors import TriageError
from bot.models import Decision, Report
from bot.pipeline import Triage


@dataclass(frozen=True)
class LineResult:
    """The output line for one input line, and what to store when asked to."""

    text: str
    error: bool
    report: Report | None = None
    decision: Decision | None = None


def classify_line(
    triage: Triage, tz: ZoneInfo, number: int, line: str, keep: bool = False
) -> LineResult:
    """One input line -> its output line (a decision, or {"line": N, "error": ...})."""
    try:
        report = parse_line(line)
        decision = triage.decide(report)
    except TriageError as exc:
        return LineResult(
            json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False), error=True
        )
    text = json.dumps(decision_json(decision, tz), ensure_ascii=False)
    return LineResult(text, False, report if keep else None, decision if keep else None)


# Set in the parent before forking; the workers inherit it (never pickled).
_WORKER: tuple[Triage, ZoneInfo, bool] | None = None


def _work(item: tuple[int, str]) -> LineResult:
    assert _WORKER is not None
    triage, tz, keep = _WORKER
    return classify_line(triage, tz, item[0], item[1], keep)


def classify_lines(
    triage: Triage, lines: Iterable[str], jobs: int = 1, keep: bool = False
) -> Iterator[LineResult]:
    """Results in input order; `jobs` > 1 uses forked workers where the platform has fork."""
    tz = triage.calendar.tz
    numbered = enumerate(lines, start=1)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for number, line in numbered:
            yield classify_line(triage, tz, number, line, keep)
        return
    global _WORKER
    _WORKER = (triage, tz, keep)
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        yield from pool.imap(_work, numbered, chunksize=128)

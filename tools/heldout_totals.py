"""Agreement on the held-back parts, by totals only: never a miss, so looking cannot tune.

The held-back parts (tests/data/triage_heldout<N>.jsonl) were written and judged by Bijlage 1
by someone who never saw the rules or the model, and nothing is tuned on them. Looking at their
misses would make them tuning data (see rules/README.md, "Measuring"), so this prints per part
only the number of reports, the priority and category agreement and the Hoog found, through
the same `triage rules eval --json` a team lead runs, and the pooled figures.

    .venv/bin/python tools/heldout_totals.py      (or: make quality)
"""

from __future__ import annotations

import io
import json
import re
import sys
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.cli import main as triage  # noqa: E402
from bot.evaluation import HELD_BACK_NAME  # noqa: E402

DATA = REPO / "tests" / "data"


def totals(path: Path, db: Path) -> dict[str, int]:
    """n, priority, category, Hoog expected and found for one labelled file."""
    out = io.StringIO()
    with redirect_stdout(out):
        args = ["--config-dir", str(REPO / "config"), "--rules-dir", str(REPO / "rules")]
        status = triage([*args, "--db", str(db), "rules", "eval", str(path), "--json", "--quiet"])
    if status != 0:
        raise SystemExit(f"{path}: rules eval ended with {status}")
    data = json.loads(out.getvalue())
    keys = ("n", "priority_agree", "category_agree", "hoog_expected", "hoog_found")
    return {k: int(data[k]) for k in keys}


def main() -> int:
    parts = sorted(
        (p for p in DATA.glob("triage_*.jsonl") if HELD_BACK_NAME.search(p.name)),
        key=lambda p: int(re.findall(r"\d+", p.stem)[-1]),
    )
    pooled = dict.fromkeys(("n", "priority_agree", "category_agree", "hoog_expected"), 0)
    pooled["hoog_found"] = 0
    print(f"{'part':24} {'n':>4} {'priority':>14} {'category':>14} {'Hoog found':>11}")
    db = Path("/nonexistent/heldout-totals.db")  # rules eval of a file never opens the store
    for path in parts:
        t = totals(path, db)
        for key, value in t.items():
            pooled[key] += value
        print(row(path.stem, t))
    print(row("all", pooled))
    return 0


def row(name: str, t: dict[str, int]) -> str:
    n = t["n"] or 1
    return (
        f"{name:24} {t['n']:4} {t['priority_agree']:5} ({100 * t['priority_agree'] / n:5.1f} %)"
        f" {t['category_agree']:5} ({100 * t['category_agree'] / n:5.1f} %)"
        f" {t['hoog_found']:5}/{t['hoog_expected']:<5}"
    )


if __name__ == "__main__":
    raise SystemExit(main())

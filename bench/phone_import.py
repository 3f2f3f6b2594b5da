"""Time and peak memory of `triage ingest phone` on a large generated call log (100k rows).

What it does: writes a call log of N rows (`--rows`, default 100,000) in one of the three
layouts (`--layout asterisk|nl-csv|jsonl`, default asterisk: Master.csv without a header, as
the phone system writes it), then runs the real CLI, `triage ingest phone FILE --db DB`, as a
subprocess in a temporary directory, twice: the first import (every call new) and the same file
again (every call already stored). For each run it prints the wall time, the peak RSS of the
process (`ru_maxrss` of the child), the exit code and the first line of the CLI's summary, and
then how many reports, tickets and quarantined rows the store holds.

The log, drawn from a seeded `random.Random` so the same seed gives the same file: calls in
November and December 2026 during office hours; callers are the agreed contacts of
config/organisations.yaml (about a third) or other Dutch numbers; about a fifth is not answered
(no notes), about one in twenty-five mentions an earlier ticket number ("ticket #12"), the rest
carry a short Dutch note built from bench/reportgen.py's phrases, now and then over two lines
in quotes (the csv layouts), now and then with a ';' or ',' inside quotes. `--bad` adds that
many bad rows spread over the file (no caller, a time that does not exist, an unbalanced quote)
to show they cost nothing but their own row. `--encoding cp1252` writes the file in cp1252.
The format is left to the CLI to recognise unless `--format` is given.

Run from the repository root:
    .venv/bin/python bench/phone_import.py
    .venv/bin/python bench/phone_import.py --rows 20000 --layout nl-csv --bad 50
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from reportgen import FILLER_NL, SIGNAL_NL

REPO = Path(__file__).resolve().parents[1]

AGREED = (  # numbers of agreed contacts in config/organisations.yaml
    "+31 50 123 4567",
    "06-12345678",
    "+31 40 765 4321",
    "+31 10 222 3344",
)
AGENTS = ("201", "202", "203", "anna", "mark", "sanne")
NL_HEADER = "Beller;Gebeld nummer;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID"


def make_rows(count: int, seed: int) -> list[dict[str, object]]:
    """`count` calls as plain values (one dict per call), in time order."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 9, 0)
    rows: list[dict[str, object]] = []
    for n in range(count):
        day = start + timedelta(days=rng.randrange(0, 60))
        when = day.replace(hour=rng.randrange(9, 17), minute=rng.randrange(60))
        when += timedelta(seconds=rng.randrange(60))
        if rng.random() < 0.35:
            caller = rng.choice(AGREED)
        else:
            caller = f"0{rng.choice((20, 30, 40, 50, 70, 10))}-{rng.randrange(1000000, 9999999)}"
        answered = rng.random() >= 0.2
        notes = ""
        if answered:
            parts = [rng.choice(SIGNAL_NL).capitalize(), rng.choice(FILLER_NL)]
            if rng.random() < 0.04:
                parts.insert(0, f"Belt over ticket #{rng.randrange(1, 50)}:")
            if rng.random() < 0.05:
                parts.append("Klant zegt; 'graag vandaag', en belt terug")
            notes = " ".join(parts)
            if rng.random() < 0.03:
                notes += "\nTerugbellen na 14:00."
        rows.append(
            {
                "id": f"{1700000000 + n}.{n}",
                "caller": caller,
                "start": when,
                "duration": rng.randrange(20, 900) if answered else 0,
                "answered": answered,
                "agent": rng.choice(AGENTS),
                "notes": notes,
            }
        )
    return rows


def bad_rows(count: int, seed: int) -> list[str]:
    """What is wrong with each of `count` bad rows: no caller, an open quote, a DST-gap time."""
    rng = random.Random(seed + 1)
    return [rng.choice(("no-caller", "quote", "dst-gap")) for _ in range(count)]


def write_log(
    path: Path, layout: str, rows: list[dict[str, object]], bad: int, seed: int, encoding: str
) -> None:
    """Write the rows in `layout`, with `bad` bad rows spread evenly through the file."""
    kinds = bad_rows(bad, seed)
    every = max(1, len(rows) // (bad + 1)) if bad else 0
    with path.open("w", encoding=encoding, newline="") as handle:
        if layout == "nl-csv":
            handle.write(NL_HEADER + "\r\n")
        for n, row in enumerate(rows):
            if kinds and n and n % every == 0:
                handle.write(_bad(layout, kinds.pop(), n))
            handle.write(_line(layout, row))


def _line(layout: str, row: dict[str, object]) -> str:
    start = row["start"]
    assert isinstance(start, datetime)
    duration = int(str(row["duration"]))
    if layout == "jsonl":
        value = {
            "call_id": row["id"],
            "caller": row["caller"],
            "called": "030-7600290",
            "start": start.isoformat(),
            "duration_s": duration,
            "answered": row["answered"],
            "agent": row["agent"],
            "notes": row["notes"],
        }
        return json.dumps(value, ensure_ascii=False) + "\n"
    out = io.StringIO()
    if layout == "nl-csv":
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(
            [
                row["caller"],
                "030-7600290",
                f"{start:%d-%m-%Y %H:%M}",
                f"{duration // 60}:{duration % 60:02}",
                "ja" if row["answered"] else "nee",
                row["agent"],
                row["notes"],
                row["id"],
            ]
        )
        return out.getvalue()
    # Asterisk cdr_csv quotes every text field and writes times as local 'YYYY-MM-DD HH:MM:SS'.
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    answered = bool(row["answered"])
    stamp = f"{start:%Y-%m-%d %H:%M:%S}"
    end = f"{start + timedelta(seconds=duration + 10):%Y-%m-%d %H:%M:%S}"
    writer.writerow(
        [
            "",
            row["caller"],
            "0307600290",
            "from-pstn",
            f'"" <{row["caller"]}>',
            "SIP/trunk-00000001",
            f"SIP/{row['agent']}-0000{int(str(row['id']).split('.')[1]) % 65536:04x}",
            "Dial",
            "SIP/201,30",
            stamp,
            stamp if answered else "",
            end,
            duration + 10,
            duration,
            "ANSWERED" if answered else "NO ANSWER",
            "DOCUMENTATION",
            row["id"],
            row["notes"],
        ]
    )
    return out.getvalue()


def _bad(layout: str, kind: str, n: int) -> str:
    if layout == "jsonl":
        return json.dumps({"call_id": f"bad-{n}", "caller": "", "start": "2026-11-03T10:00"}) + "\n"
    if layout == "nl-csv":
        return {
            "no-caller": f";030-7600290;03-11-2026 10:00;1:00;ja;Mark;Geen nummer;BAD-{n}\r\n",
            "quote": (
                f'050-1234567;030-7600290;03-11-2026 10:00;1:00;ja;Mark;"Open quote;BAD-{n}\r\n'
            ),
            "dst-gap": f"050-1234567;030-7600290;28-03-2027 02:30;1:00;ja;Mark;Gat;BAD-{n}\r\n",
        }[kind]
    return {
        "no-caller": f'"","","0307600290","from-pstn","","","","Dial","","2026-11-03 10:00:00",'
        f'"","2026-11-03 10:01:00",60,50,"ANSWERED","DOCUMENTATION","bad-{n}",""\n',
        "quote": f'"","0501234567","0307600290","from-pstn","","","","Dial","",'
        f'"2026-11-03 10:00:00","","2026-11-03 10:01:00",60,50,"ANSWERED","DOCUMENTATION",'
        f'"bad-{n}","Open quote\n',
        "dst-gap": f'"","0501234567","0307600290","from-pstn","","","","Dial","",'
        f'"2027-03-28 02:30:00","","2027-03-28 02:31:00",60,50,"ANSWERED","DOCUMENTATION",'
        f'"bad-{n}",""\n',
    }[kind]


def run_import(log: Path, db: Path, fmt: str | None) -> tuple[float, float, int, str]:
    """One `triage ingest phone` subprocess: seconds, peak RSS in MB, exit code, first line.

    Call it in a process with no other children (see `measured`): RUSAGE_CHILDREN reports the
    largest peak of all children a process has waited for.
    """
    command = [
        sys.executable,
        "-c",
        "import sys; from app.cli import main; sys.exit(main())",
        "ingest",
        "phone",
        str(log),
        "--db",
        str(db),
        "--config-dir",
        str(REPO / "config"),
        "--rules-dir",
        str(REPO / "rules"),
    ]
    if fmt:
        command += ["--format", fmt]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 2):
        sys.exit(f"triage ingest phone failed ({done.returncode}):\n{done.stderr[-3000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return seconds, peak_kb / 1024, done.returncode, "\n".join(lines[:3])


def measured(log: Path, db: Path, fmt: str | None) -> tuple[float, float, int, str]:
    """run_import in a forked child, so its RUSAGE_CHILDREN is this import's alone."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the import, send the figures back, leave
        os.close(read)
        try:
            os.write(write, json.dumps(run_import(log, db, fmt)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    if not data:
        sys.exit("the measuring process failed")
    seconds, mb, code, first = json.loads(data)
    return float(seconds), float(mb), int(code), str(first)


def store_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("reports", "tickets", "quarantine")
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--layout", choices=("asterisk", "nl-csv", "jsonl"), default="asterisk")
    parser.add_argument("--format", help="pass --format to the CLI (default: let it recognise)")
    parser.add_argument("--bad", type=int, default=0, help="bad rows to spread over the file")
    parser.add_argument("--encoding", default="utf-8", choices=("utf-8", "cp1252"))
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="phone-bench-") as tmp:
        suffix = ".jsonl" if args.layout == "jsonl" else ".csv"
        log, db = Path(tmp) / f"calls{suffix}", Path(tmp) / "triage.db"
        rows = make_rows(args.rows, args.seed)
        write_log(log, args.layout, rows, args.bad, args.seed, args.encoding)
        del rows
        size = log.stat().st_size / 1e6
        print(
            f"call log: {args.rows:,} rows + {args.bad} bad, {args.layout}, {args.encoding}, "
            f"{size:.1f} MB; python {sys.version.split()[0]}"
        )
        for label in ("first import", "same file again"):
            seconds, mb, code, first = measured(log, db, args.format)
            print(
                f"{label:16} {seconds:7.1f} s  {args.rows / seconds:8,.0f} rows/s  "
                f"peak RSS {mb:6.0f} MB  exit {code}"
            )
            for line in first.splitlines():
                print(f"  {line[:150]}")
        counts = store_counts(db)
        accounted = counts["reports"] + counts["quarantine"]
        print(
            f"store: {counts['reports']:,} reports, {counts['tickets']:,} tickets, "
            f"{counts['quarantine']:,} quarantined: {accounted:,} of {args.rows + args.bad:,} "
            "rows accounted for"
        )


if __name__ == "__main__":
    main()

"""The store on PostgreSQL next to SQLite, in one run: the same work through the real CLI on both.

One private PostgreSQL server (tests/servers/postgres.py: initdb in a temp folder, as the
`postgres` user when run as root, on a free port of 127.0.0.1; the bot connects as a user that
gives its password through $TRIAGE_DB_PASSWORD, as in production) and SQLite files in a temp
folder. Each figure gets a new, empty database on each backend; `triage db upgrade` makes its
schema first (timed: the first figure), so no other figure pays for the migrations. Then:

1. `triage classify --batch --store --db X` as a subprocess fed N generated reports (default
   2,000, `--reports`; bench/reportgen.py, seed 1, the same reports for both): wall time with
   the process start-up, and reports/s; checked: N output lines, N tickets in the store.
2. intake backlog: a private dovecot (tests/servers/dovecot.py) holding M unread mails (default
   300, `--mails`; the same generated reports as mails from customers) and an SMTP sink
   (tests/servers/smtp.py); one real `triage run --once --db X` (configured by TRIAGE_* variables
   as in tests/integration/test_email_restart.py) takes them all in and sends every
   acknowledgement: wall time and mails/s; checked: M tickets, M acknowledgements.
3. reports over T tickets (default 50,000, `--tickets`): T generated reports go through the
   real pipeline (`triage.decide`) and the Store API into one SQLite file, in batches of 500
   (`store.batch()`), each ticket picked up 5-600 minutes after it came in and half of them
   resolved 4 hours later (as bench/desk_and_reports.py does); their receipt times are moved
   to the two months before the current one, so both are over. `triage db copy SQLITE
   postgresql://...` moves it all to PostgreSQL (timed: a bonus figure; filling SQLite is
   shown once, it is not a comparison; the counts per table are checked by the copy itself).
   It says whether the copy left the planner statistics of tickets and decisions, then runs
   `ANALYZE` (timed; `--no-analyze` skips it): without statistics PostgreSQL plans the
   correlated `SELECT MAX(x.id) FROM decisions x WHERE x.ticket_id = t.id AND ...` of
   Store.facts as a backward scan of decisions' primary key filtered by ticket, i.e. every
   decision read for every ticket (807 s instead of ~4 s for one month of 25,000 tickets, on
   the first run of this file), until autovacuum analyses the tables in its own time. Then,
   on each: `triage report sla --json` for the first of the two months (about half the
   tickets) and for both months (`--from/--to`, nearly all of them); checked: both backends
   give the same JSON report.

Every CLI call is a subprocess of `python -m app.cli` in the repository root, timed with
time.perf_counter around it (so each includes Python's start-up and loading the rules, about
1-2 s; a one-line `classify` without --store is printed as that baseline). The table gives
each figure for SQLite and PostgreSQL and their ratio PostgreSQL / SQLite (above 1: PostgreSQL
takes longer, or for a rate, does more per second).

Durability: SQLite runs as the store opens it (WAL, synchronous=NORMAL: a commit is not synced
to disk, a checkpoint is). The PostgreSQL server runs as the tests run it, fsync=off (a commit
is not synced either; it survives a crash of the server, not of the machine), which is the fair
comparison; `--pg-fsync` turns fsync and full_page_writes on, as a production server runs.

Run from the repository root (needs PostgreSQL and dovecot; about 3 minutes on 2 cores):
    .venv/bin/python bench/store_backends.py
    .venv/bin/python bench/store_backends.py --reports 500 --mails 100 --tickets 5000 --pg-fsync
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.bootstrap import Setup  # noqa: E402
from bench import reportgen  # noqa: E402
from bench.reportgen import load_bench_setup, make_reports  # noqa: E402
from bot.classify_io import parse_report  # noqa: E402
from bot.desk import Desk  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.servers.dovecot import Dovecot  # noqa: E402
from tests.servers.postgres import Postgres, PostgresDatabase  # noqa: E402
from tests.servers.smtp import SmtpSink  # noqa: E402

FILL_BATCH = 500  # reports per store.batch() while filling SQLite
SEED = 1


class BenchPostgres(Postgres):
    """The test server, optionally with a production server's durability (fsync on)."""

    def __init__(self, fsync: bool) -> None:
        super().__init__()
        self.fsync = fsync

    def _options(self) -> str:
        # The later -c wins, so this undoes the test server's fsync=off.
        extra = " -c fsync=on -c full_page_writes=on" if self.fsync else ""
        return super()._options() + extra


@dataclass
class Target:
    """One database on one backend: how the CLI reaches it and how the bench counts in it."""

    backend: str  # "SQLite" or "PostgreSQL"
    url: str
    pg: PostgresDatabase | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        if self.pg is not None:
            env["TRIAGE_DB_PASSWORD"] = self.pg.password
        return env

    def count(self, table: str) -> int:
        sql = f"SELECT COUNT(*) FROM {table}"
        if self.pg is not None:
            with self.pg.connect() as pg:
                row = pg.execute(sql).fetchone()
        else:
            lite = sqlite3.connect(f"file:{self.url}?mode=ro", uri=True, timeout=10)
            try:
                row = lite.execute(sql).fetchone()
            finally:
                lite.close()
        return int(row[0]) if row else 0


@dataclass
class Backends:
    """Makes a new, empty database on each backend for each figure."""

    work: Path
    server: Postgres

    def new(self, name: str) -> list[Target]:
        pg = self.server.create_database(name)
        return [
            Target("SQLite", str(self.work / f"{name}.db")),
            Target("PostgreSQL", pg.password_url, pg),
        ]


@dataclass
class Row:
    """One line of the table: a figure on both backends (None: not measured there)."""

    figure: str
    unit: str  # "s" or a rate such as "reports/s"
    values: dict[str, float | None] = field(default_factory=dict)

    def cells(self) -> list[str]:
        sqlite, postgres = self.values.get("SQLite"), self.values.get("PostgreSQL")
        shown = [_number(v, self.unit) for v in (sqlite, postgres)]
        ratio = f"{postgres / sqlite:.2f}" if sqlite and postgres is not None else ""
        return [self.figure, *shown, ratio]


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.0f} {unit}"


def cli(
    target: Target, *args: str, stdin: bytes | None = None, db: bool = True
) -> tuple[float, str]:
    """Run `triage ARGS --db TARGET` (without --db: `db=False`) as a subprocess, with the
    target's password in the environment; (wall seconds, stdout). Fails loudly."""
    command = [sys.executable, "-m", "app.cli", *args, *(["--db", target.url] if db else [])]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO, env=target.env(), input=stdin, capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace")[-3000:]
        raise SystemExit(
            f"{' '.join(args[:2])} on {target.backend} exited {done.returncode}:\n{err}"
        )
    return seconds, done.stdout.decode()


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"check failed: {what}")


# -- 1. classify --batch --store ------------------------------------------------------------


def classify(backends: Backends, setup: Setup, n: int, rows: list[Row]) -> None:
    reports = make_reports(n, SEED, setup.triage.engine.rule_set, setup.triage.directory)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reports).encode()
    upgrade = Row("db upgrade, new empty store", "s")
    startup = Row("start-up: classify of 1 report, no --store", "s")
    wall = Row(f"classify --batch --store, {n:,} reports", "s")
    rate = Row("  classify --store throughput", "reports/s")
    for target in backends.new("classify"):
        upgrade.values[target.backend], _ = cli(target, "db", "upgrade")
        startup.values[target.backend], _ = cli(
            target, "classify", "--batch", stdin=lines.split(b"\n", 1)[0] + b"\n"
        )
        seconds, out = cli(target, "classify", "--batch", "--store", stdin=lines)
        answers = out.splitlines()
        check(len(answers) == n, f"{target.backend}: {len(answers)} of {n} classify answers")
        errors = sum(1 for a in answers if "error" in json.loads(a))
        check(errors == 0, f"{target.backend}: classify answered {errors} errors")
        tickets = target.count("tickets")
        check(tickets == n, f"{target.backend}: {tickets} tickets after classify of {n}")
        wall.values[target.backend] = seconds
        rate.values[target.backend] = n / seconds
        print(f"  classify on {target.backend}: {seconds:.1f} s", flush=True)
    rows += [upgrade, startup, wall, rate]


# -- 2. intake backlog ----------------------------------------------------------------------


def mails(setup: Setup, m: int) -> list[bytes]:
    """M customer mails with generated text (no Date header: received now, so acknowledged)."""
    reports = make_reports(m, SEED + 1, setup.triage.engine.rule_set, setup.triage.directory)
    out = []
    for i, report in enumerate(reports):
        sender = report["sender"] if "@" in report["sender"] else f"klant{i}@zorggroepnoord.nl"
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "support@dialog.nl"
        message["Subject"] = report["subject"] or f"Melding {i}"
        message["Message-ID"] = f"<backlog-{i}@bench.example>"
        message.set_content(report["body"])
        out.append(bytes(message))
    return out


def intake(backends: Backends, setup: Setup, m: int, rows: list[Row]) -> None:
    backlog = mails(setup, m)
    wall = Row(f"intake backlog, run --once, {m:,} mails", "s")
    rate = Row("  intake throughput (stored + acknowledged)", "mails/s")
    for target in backends.new("intake"):
        cli(target, "db", "upgrade")
        with tempfile.TemporaryDirectory() as folder:
            dovecot, sink = Dovecot(Path(folder) / "dovecot"), SmtpSink()
            dovecot.start()
            sink.start()
            try:
                dovecot.append_many(backlog)
                env = _bot_env(dovecot, sink)
                seconds, out = _run_once(target, env)
                acks = len(sink.wait_idle(timeout=60))
            finally:
                sink.stop()
                dovecot.close()
        tickets = target.count("tickets")
        check(tickets == m, f"{target.backend}: {tickets} tickets of {m} mails ({out.strip()})")
        check(acks == m, f"{target.backend}: {acks} acknowledgements of {m} mails")
        wall.values[target.backend] = seconds
        rate.values[target.backend] = m / seconds
        print(f"  intake on {target.backend}: {seconds:.1f} s ({out.strip()})", flush=True)
    rows += [wall, rate]


def _bot_env(dovecot: Dovecot, sink: SmtpSink) -> dict[str, str]:
    return {
        "TRIAGE_IMAP__HOST": dovecot.host,
        "TRIAGE_IMAP__PORT": str(dovecot.port),
        "TRIAGE_IMAP__USERNAME": dovecot.user,
        "TRIAGE_IMAP__PASSWORD": dovecot.password,
        "TRIAGE_IMAP__TLS": "false",
        "TRIAGE_SMTP__HOST": sink.host,
        "TRIAGE_SMTP__PORT": str(sink.port),
        "TRIAGE_SMTP__TLS": "none",
    }


def _run_once(target: Target, extra: dict[str, str]) -> tuple[float, str]:
    command = [sys.executable, "-m", "app.cli", "run", "--once", "--db", target.url]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO, env=target.env() | extra, capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace")[-3000:]
        raise SystemExit(f"run --once on {target.backend} exited {done.returncode}:\n{err}")
    return seconds, done.stdout.decode()


# -- 3. reports over many tickets -----------------------------------------------------------


def months_before(today: date) -> tuple[date, date]:
    """The first days of the two months before `today`'s month."""
    second = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first = (second - timedelta(days=1)).replace(day=1)
    return first, second


def fill(setup: Setup, path: Path, n: int, first: date) -> None:
    """`n` tickets through the pipeline and the Store API, received from `first` on."""
    shift = datetime(first.year, first.month, 1, tzinfo=reportgen.START.tzinfo) - reportgen.START
    rule_set, directory = setup.triage.engine.rule_set, setup.triage.directory
    rng = random.Random(SEED)
    with Store(path) as store:
        desk = Desk(setup.triage, store, lambda: rule_set.reminders, slack=False)
        for start in range(0, n, FILL_BATCH):
            chunk = make_reports(min(FILL_BATCH, n - start), SEED + 2 + start, rule_set, directory)
            with store.batch():
                for data in chunk:
                    moved = datetime.fromisoformat(data["received_at"]) + shift
                    report = parse_report(data | {"received_at": moved.isoformat()})
                    recorded = store.record(report, setup.triage.decide(report), moved)
                    if not recorded.created or recorded.ticket_id is None:
                        continue
                    reacted = moved + timedelta(minutes=rng.randint(5, 600))
                    desk.assign(recorded.ticket_id, "U0ANNA", reacted)
                    if rng.random() < 0.5:
                        desk.resolve(recorded.ticket_id, "U0ANNA", reacted + timedelta(hours=4))


def reports(backends: Backends, setup: Setup, n: int, analyze: bool, rows: list[Row]) -> None:
    first, second = months_before(date.today())
    sqlite, postgres = backends.new("reports")
    started = time.perf_counter()
    fill(setup, Path(sqlite.url), n, first)
    filled = time.perf_counter() - started
    tickets = sqlite.count("tickets")
    print(f"  filled SQLite with {tickets:,} tickets in {filled:.0f} s (Store API)", flush=True)
    copy = Row(f"db copy SQLite -> PostgreSQL, {tickets:,} tickets", "s")
    copy.values["PostgreSQL"], out = cli(postgres, "db", "copy", sqlite.url, postgres.url, db=False)
    check("alle aantallen kloppen" in out, f"db copy did not confirm the counts:\n{out}")
    check(postgres.count("tickets") == tickets, "db copy: ticket counts differ")
    print(f"  db copy: {copy.values['PostgreSQL']:.1f} s", flush=True)
    rows.append(copy)
    assert postgres.pg is not None
    with postgres.pg.connect() as conn:
        stats = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname IN ('tickets', 'decisions') "
            "AND COALESCE(last_analyze, last_autoanalyze) IS NOT NULL"
        ).fetchone()
        said = "tickets and decisions analysed" if stats and stats[0] == 2 else "not all analysed"
        print(f"  planner statistics right after db copy: {said}", flush=True)
        if analyze:
            # Without statistics the planner reads every decision for every ticket in
            # Store.facts (see the module docstring); autovacuum gets there in its own time.
            started = time.perf_counter()
            conn.execute("ANALYZE")
            rows.append(
                Row("  ANALYZE after db copy", "s", {"PostgreSQL": time.perf_counter() - started})
            )
    last = (second.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    periods = {
        f"report sla --month {first:%Y-%m}": ["--month", f"{first:%Y-%m}"],
        f"report sla {first:%Y-%m}..{second:%Y-%m}": ["--from", str(first), "--to", str(last)],
    }
    for label, period in periods.items():
        row = Row(label, "s")
        answers = {}
        for target in (sqlite, postgres):
            seconds, out = cli(target, "report", "sla", "--json", "--quiet", *period)
            row.values[target.backend] = seconds
            answers[target.backend] = json.loads(out)
        received = answers["SQLite"]["totals"]["received"]
        row.figure += f" ({received:,} tickets)"
        check(answers["SQLite"] == answers["PostgreSQL"], f"{label}: the two reports differ")
        times = ", ".join(f"{k} {v:.1f} s" for k, v in row.values.items() if v is not None)
        print(f"  {row.figure}: {times}", flush=True)
        rows.append(row)


# -- the run --------------------------------------------------------------------------------


@contextmanager
def postgres_server(fsync: bool) -> Iterator[Postgres]:
    server = BenchPostgres(fsync)
    server.start()
    try:
        yield server
    finally:
        server.close()


def table(rows: list[Row]) -> str:
    lines = [["figure", "SQLite", "PostgreSQL", "PG / SQLite"], *(r.cells() for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for k, line in enumerate(lines):
        cells = [c.rjust(w) for c, w in zip(line, widths, strict=True)]
        out.append("  ".join([line[0].ljust(widths[0]), *cells[1:]]))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000, help="reports for classify --store")
    parser.add_argument("--mails", type=int, default=300, help="mails in the intake backlog")
    parser.add_argument("--tickets", type=int, default=50_000, help="tickets for the reports")
    parser.add_argument(
        "--pg-fsync", action="store_true", help="PostgreSQL with fsync on, as in production"
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="no ANALYZE after db copy: the reports as a fresh copy gives them (can take minutes)",
    )
    args = parser.parse_args()
    setup = load_bench_setup(REPO / "config", REPO / "rules")
    if setup is None:
        return 1
    rows: list[Row] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, postgres_server(args.pg_fsync) as server:
        with server.connect() as conn:
            version = conn.execute("SHOW server_version").fetchone()
        fsync = "on" if args.pg_fsync else "off"
        print(
            f"PostgreSQL {version[0] if version else '?'} (fsync {fsync}), "
            f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL); load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (others' work slows both columns)",
            flush=True,
        )
        backends = Backends(Path(folder), server)
        classify(backends, setup, args.reports, rows)
        intake(backends, setup, args.mails, rows)
        reports(backends, setup, args.tickets, not args.no_analyze, rows)
    print()
    print(table(rows))
    print(f"\n(whole run {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

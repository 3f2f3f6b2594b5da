"""Email latency and backlog drain of `triage run`: real dovecot in, real SMTP sink out.

What it measures (realistic Dutch customer emails of 300-800 characters, plain text, unique
Message-IDs, senders at the domains of config/organisations.yaml, built with EmailMessage):

0. dovecot's own IDLE delay: a bare IMAP client in IDLE (raw socket, no bot code) and the time
   from just before an APPEND to the `* n EXISTS` it receives. dovecot notices the new mail at
   once but waits ~0.5 s before it notifies IDLE clients, so that is the floor of (1).
1. latency, live: `Service.run()` in a thread (IMAP IDLE on, outbox thread woken per ticket),
   N messages (`--messages`, default 100) APPENDed one at a time over one open IMAP
   connection; each is awaited (ticket stored and acknowledgement received) before the next.
   Per message, from just before its APPEND to
   (a) the ticket stored: when the service's `_handle_email` returns (a subclass timestamps it;
       the ticket and its acknowledgement are committed by then), and
   (b) the acknowledgement arriving at the SMTP sink (a subclass timestamps each DATA, matched
       to the customer's message by In-Reply-To).
   Median, p95 and max of both, and of (b) - (a), the outbox's share.
2. backlog drain: a fresh dovecot and database, M messages waiting (`--backlog`, default
   5,000, appended with Dovecot.append_many), then what `Service.run_once()` does, in its two
   parts timed separately: `service.imap.run_once()` (connect, fetch, triage, store, mark; all
   tickets stored when it returns) and `service.deliver()` until the outbox is empty (the
   acknowledgements over SMTP to the sink). Messages/s for each; the target is >= 100
   messages/s for the intake. The intake time is split into the email handler (parse +
   triage + store) with its `triage.decide` and `store.record` parts, and the rest (IMAP
   round trips, mark, progress).

Everything runs in a temporary directory (dovecot as root keeps its mail in a folder of its
own, removed by Dovecot.close()); nothing in the repository is written.

Run from the repository root (dovecot must be installed: `make test` installs it):
    .venv/bin/python bench/email_latency.py
    .venv/bin/python bench/email_latency.py --messages 20 --backlog 1000
"""

from __future__ import annotations

import argparse
import functools
import imaplib
import os
import random
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from reportgen import FILLER_NL, NAMES, SIGNAL_NL, SUBJECTS_NL

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.servers (the test servers are not installed)

from aiosmtpd.smtp import Envelope  # noqa: E402

from adapters.email.intake import IntakeResult  # noqa: E402
from app.bootstrap import Paths, load_setup  # noqa: E402
from app.service import Service  # noqa: E402
from bot.directory import Directory  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.servers.dovecot import Dovecot, find_dovecot, quote_mailbox  # noqa: E402
from tests.servers.smtp import SmtpSink  # noqa: E402

TARGET = 100  # messages/s for the backlog intake
SEED = 20261124
IDLE_PROBES = 5
WAIT_TIMEOUT = 30.0  # seconds for one live message before the bench gives up

SURNAMES = ("de Vries", "Bakker", "Jansen", "el Amrani", "Visser", "Smit", "Mulder", "de Boer")
OPENERS = ("Goedemorgen,", "Beste supportafdeling,", "Hallo team,", "Goedemiddag,")
CLOSERS = ("Met vriendelijke groet,", "Groeten,", "Alvast bedankt,")
DETAILS = (
    "Het gaat om de omgeving van onze vestiging in {city}.",
    "Dit is gemeld door {n} collega's van de afdeling {dept}.",
    "Het speelt sinds {when}.",
    "Ons klantnummer is {num}.",
)
CITIES = ("Groningen", "Assen", "Zwolle", "Utrecht", "Eindhoven", "Rotterdam", "Leeuwarden")
DEPTS = ("personeelszaken", "financiën", "zorg", "planning", "inkoop", "ICT")
WHENS = ("vanochtend", "gisteren", "afgelopen vrijdag", "de laatste update", "maandag")


# -- messages ---------------------------------------------------------------------------------


def email_senders(directory: Directory) -> list[tuple[str, str]]:
    """(name, address) pairs: the agreed contacts plus colleagues at every known domain."""
    rng = random.Random(SEED)
    out: list[tuple[str, str]] = []
    for org in directory.organisations.values():
        for contact in org.contacts:
            if contact.email:
                out.append((contact.name, contact.email))
        for domain in org.domains:
            for _ in range(3):
                first, last = rng.choice(NAMES), rng.choice(SURNAMES)
                local = f"{first[0]}.{last.replace(' ', '')}".lower()
                out.append((f"{first} {last}", f"{local}@{domain}"))
    if not out:
        raise SystemExit("config/organisations.yaml has no email domains")
    return out


def _body(rng: random.Random, name: str) -> str:
    """A Dutch support email of 300-800 characters."""
    while True:
        target = rng.randint(300, 700)
        parts = [rng.choice(OPENERS)]
        while sum(len(p) + 1 for p in parts) < target:
            roll = rng.random()
            if roll < 0.4:
                parts.append(rng.choice(SIGNAL_NL).capitalize() + ".")
            elif roll < 0.6:
                parts.append(
                    rng.choice(DETAILS).format(
                        city=rng.choice(CITIES),
                        n=rng.randint(2, 40),
                        dept=rng.choice(DEPTS),
                        when=rng.choice(WHENS),
                        num=rng.randint(10_000, 99_999),
                    )
                )
            else:
                parts.append(rng.choice(FILLER_NL[3:-2]))
        text = " ".join(parts) + "\n\n" + rng.choice(CLOSERS) + "\n" + name + "\n"
        if 300 <= len(text) <= 800:
            return text


def make_messages(n: int, tag: str, directory: Directory, seed: int) -> list[tuple[str, bytes]]:
    """`n` (Message-ID, raw bytes) pairs, the same for the same seed."""
    rng = random.Random(seed)
    people = email_senders(directory)
    run = secrets.token_hex(4)
    out = []
    for i in range(n):
        name, address = rng.choice(people)
        message = EmailMessage()
        message["From"] = f"{name} <{address}>"
        message["To"] = "Dialog Support <support@dialog.nl>"
        subject = rng.choice(SUBJECTS_NL)
        if rng.random() < 0.6:
            subject += ": " + rng.choice(SIGNAL_NL)
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message_id = f"<bench.{tag}.{run}.{i}@{address.partition('@')[2]}>"
        message["Message-ID"] = message_id
        message.set_content(_body(rng, name))
        out.append((message_id, bytes(message)))
    return out


# -- instrumented service and sink --------------------------------------------------------------


class TimedSink(SmtpSink):
    """The test sink, noting when each acknowledgement arrived (keyed by its In-Reply-To)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()

    def _receive(self, envelope: Envelope) -> str:
        now = time.perf_counter()
        answer = super()._receive(envelope)
        if answer.startswith("250"):
            reply_to = str(self.messages[-1].message.get("In-Reply-To", "")).strip()
            with self.changed:
                self.arrived[reply_to] = now
                self.changed.notify_all()
        return answer


class TimedService(Service):
    """The service, noting when each message's outcome was committed (`_handle_email` returns)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored: dict[str, float] = {}
        self.handler_seconds = 0.0
        self.changed = threading.Condition()

    def _handle_email(self, raw: bytes, received_at: datetime, notes: tuple[str, ...]) -> object:
        start = time.perf_counter()
        result = super()._handle_email(raw, received_at, notes)
        now = time.perf_counter()
        self.handler_seconds += now - start
        assert isinstance(result, IntakeResult)
        if result.report is not None and result.report.message_id:
            with self.changed:
                self.stored[result.report.message_id] = now
                self.changed.notify_all()
        return result


class Timed:
    """Wraps a callable, adding up the seconds spent in it."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.seconds, self.calls = fn, 0.0, 0
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


def make_service(dovecot: Dovecot, sink: SmtpSink, db: Path) -> tuple[TimedService, Store]:
    """A service configured through TRIAGE_* variables, as a deployment would be."""
    os.environ.update(
        {
            "TRIAGE_IMAP__HOST": dovecot.host,
            "TRIAGE_IMAP__PORT": str(dovecot.port),
            "TRIAGE_IMAP__USERNAME": dovecot.user,
            "TRIAGE_IMAP__PASSWORD": dovecot.password,
            "TRIAGE_IMAP__TLS": "false",
            "TRIAGE_IMAP__TIMEOUT": "10",
            "TRIAGE_SMTP__HOST": sink.host,
            "TRIAGE_SMTP__PORT": str(sink.port),
            "TRIAGE_SMTP__TLS": "none",
        }
    )
    paths = Paths(REPO / "config", REPO / "rules", db)
    store = Store(paths.db)
    return TimedService(load_setup(paths), paths, store), store


# -- figures ------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {label:<38} {statistics.median(ms):>8.0f} {pct(ms, 95):>8.0f} "
        f"{min(ms):>8.0f} {max(ms):>8.0f}"
    )


def header() -> str:
    return f"  {'ms, from just before APPEND':<38} {'median':>8} {'p95':>8} {'min':>8} {'max':>8}"


# -- 0: dovecot's IDLE delay --------------------------------------------------------------------


def _read_until(sock: socket.socket, buffer: bytearray, marker: bytes) -> None:
    while marker not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("dovecot closed the connection")
        buffer += chunk


def idle_probe(dovecot: Dovecot, raws: list[bytes]) -> list[float]:
    """Seconds from just before APPEND to `* n EXISTS` at a bare IDLE client."""
    delays = []
    with (
        socket.create_connection((dovecot.host, dovecot.port), timeout=10) as sock,
        dovecot.connect() as appender,
    ):
        buffer = bytearray()
        _read_until(sock, buffer, b"\r\n")
        sock.sendall(f'a LOGIN "{dovecot.user}" "{dovecot.password}"\r\n'.encode())
        _read_until(sock, buffer, b"a OK")
        sock.sendall(b"b SELECT INBOX\r\n")
        _read_until(sock, buffer, b"b OK")
        for i, raw in enumerate(raws):
            buffer.clear()
            sock.sendall(f"i{i} IDLE\r\n".encode())
            _read_until(sock, buffer, b"+ ")
            buffer.clear()
            time.sleep(0.1)
            start = time.perf_counter()
            typ, data = appender.append(quote_mailbox("INBOX"), None, None, raw)
            if typ != "OK":
                raise imaplib.IMAP4.error(f"APPEND failed: {data!r}")
            _read_until(sock, buffer, b" EXISTS\r\n")
            delays.append(time.perf_counter() - start)
            sock.sendall(b"DONE\r\n")
            _read_until(sock, buffer, f"i{i} OK".encode())
        sock.sendall(b"z LOGOUT\r\n")
    return delays


# -- 1: latency, live ---------------------------------------------------------------------------


def wait_for(cond: threading.Condition, seen: dict[str, float], key: str) -> float:
    with cond:
        if not cond.wait_for(lambda: key in seen, timeout=WAIT_TIMEOUT):
            raise SystemExit(f"{key}: not handled within {WAIT_TIMEOUT:.0f} s")
        return seen[key]


def latency(base: Path, n: int, sink: TimedSink) -> None:
    with Dovecot(base / "dovecot-live") as dovecot:
        service, store = make_service(dovecot, sink, base / "live.db")
        messages = make_messages(n + IDLE_PROBES, "live", service.setup.directory, SEED)
        probe = idle_probe(dovecot, [raw for _, raw in messages[:IDLE_PROBES]])
        # The probe's messages are waiting: the service takes them as a backlog first.
        runner = threading.Thread(target=service.run, name="service")
        runner.start()
        try:
            for message_id, _ in messages[:IDLE_PROBES]:
                wait_for(sink.changed, sink.arrived, message_id)
            assert service.imap is not None
            deadline = time.monotonic() + 10
            while not service.imap.mailbox.has_idle:
                if time.monotonic() > deadline:
                    raise SystemExit("the service did not connect with IDLE within 10 s")
                time.sleep(0.01)
            time.sleep(0.2)  # let it enter IDLE
            appends, stored, acked = [], [], []
            with dovecot.connect() as conn:
                for message_id, raw in messages[IDLE_PROBES:]:
                    start = time.perf_counter()
                    typ, data = conn.append(quote_mailbox("INBOX"), None, None, raw)
                    appended = time.perf_counter()
                    if typ != "OK":
                        raise SystemExit(f"APPEND failed: {data!r}")
                    done = wait_for(service.changed, service.stored, message_id)
                    ack = wait_for(sink.changed, sink.arrived, message_id)
                    appends.append(appended - start)
                    stored.append(done - start)
                    acked.append(ack - start)
                    time.sleep(0.05)  # the runner finishes the round and enters IDLE again
        finally:
            service.stop()
            runner.join(timeout=30)
            store.close()
        tickets = store_count(base / "live.db")

    outbox = [a - s for a, s in zip(acked, stored, strict=True)]
    print(f"\n1. Latency, live (Service.run, IMAP IDLE), {n} messages one at a time")
    print(header())
    print(row("dovecot alone: APPEND -> IDLE EXISTS", probe))
    print(row("APPEND round trip", appends))
    print(row("(a) ticket stored (_handle_email done)", stored))
    print(row("(b) acknowledgement at the SMTP sink", acked))
    print(row("(b) - (a): outbox + SMTP", outbox))
    print(
        f"  dovecot holds IDLE notifications ~0.5 s (measured above: median "
        f"{statistics.median(probe) * 1000:.0f} ms of {IDLE_PROBES} probes), so (a) cannot go "
        f"below that; tickets in the store: {tickets} (expected {n + IDLE_PROBES})."
    )


def store_count(db: Path) -> int:
    with Store(db) as store:
        return store.count("tickets")


# -- 2: backlog drain ---------------------------------------------------------------------------


def backlog(base: Path, n: int, sink: TimedSink) -> bool:
    sink.clear()
    with Dovecot(base / "dovecot-backlog") as dovecot:
        service, store = make_service(dovecot, sink, base / "backlog.db")
        try:
            raws = [raw for _, raw in make_messages(n, "backlog", service.setup.directory, SEED)]
            start = time.perf_counter()
            dovecot.append_many(raws)
            append_s = time.perf_counter() - start

            decide = Timed(service.intake.triage.decide)
            service.intake.triage.decide = decide  # type: ignore[method-assign]
            record = Timed(store.record)
            store.record = record  # type: ignore[method-assign]
            assert service.imap is not None
            start = time.perf_counter()
            handled = service.imap.run_once()
            intake_s = time.perf_counter() - start
            tickets = store.count("tickets")

            start = time.perf_counter()
            sent = rounds = 0
            while True:
                rounds += 1
                got = service.deliver()
                sent += got
                if got == 0:
                    break
            deliver_s = time.perf_counter() - start
            pending = len(store.outbox("pending"))
            received = len(sink.messages)
        finally:
            store.close()

    handler_s = service.handler_seconds
    rest_s = intake_s - handler_s
    ok = tickets == n and received == n and pending == 0
    print(f"\n2. Backlog drain, {n:,} waiting messages (run_once = IMAP part + outbox part)")
    print(f"  {'':<44} {'seconds':>8} {'msg/s':>8} {'ms/msg':>8}")

    def line(label: str, seconds: float, count: int = n) -> None:
        rate = count / seconds if seconds > 0 else float("inf")
        print(f"  {label:<44} {seconds:>8.2f} {rate:>8.0f} {seconds / count * 1000:>8.2f}")

    line("APPEND of the backlog (one connection)", append_s)
    line("intake: service.imap.run_once()", intake_s)
    line("  email handler (parse, triage, store)", handler_s)
    line("    of which triage.decide", decide.seconds)
    line("    of which store.record (+ ack build)", record.seconds)
    line("  rest: IMAP search/fetch/mark, progress", rest_s)
    line(f"outbox: service.deliver() x{rounds} (SMTP)", deliver_s)
    line("run_once total (intake + outbox)", intake_s + deliver_s)
    rate = n / intake_s
    verdict = "meets" if rate >= TARGET else "MISSES"
    print(
        f"  intake {rate:,.0f} messages/s {verdict} the target of {TARGET}/s; handled {handled:,}, "
        f"tickets {tickets:,}, acknowledgements received {received:,}, outbox pending {pending}"
    )
    print(
        "  the SMTP sink (aiosmtpd, parsing every message) runs in this process and shares the "
        "GIL, so the outbox figure includes part of the receiving side's work"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100, help="live messages (default 100)")
    parser.add_argument("--backlog", type=int, default=5000, help="waiting messages (5000)")
    args = parser.parse_args()
    if find_dovecot() is None:
        print("dovecot is not installed (make test installs it as root)", file=sys.stderr)
        return 2
    os.chdir(REPO)  # load_setup reads ./.env if present, as `triage run` would
    begin = time.perf_counter()
    sink = TimedSink()
    sink.start()
    try:
        with tempfile.TemporaryDirectory(prefix="triage-email-bench-") as tmp:
            base = Path(tmp)
            if args.messages > 0:
                latency(base, args.messages, sink)
            ok = True
            if args.backlog > 0:
                ok = backlog(base, args.backlog, sink)
    finally:
        sink.stop()
    print(f"\ntotal wall time {time.perf_counter() - begin:.0f} s")
    if not ok:
        print("ERROR: not every backlog message became a ticket with an acknowledgement")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

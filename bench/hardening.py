"""The figures of issue 12 (hardening), each from real `triage run` processes against a
private dovecot and SMTP sink (tests/servers), printed as one line per scenario:

1. two bots at once on one store and mailbox, 300 mails waiting: acknowledgements sent,
   duplicates (the issue saw 269-300 of 300 customers answered twice);
2. a store that cannot write (the bot may not grow any file, as on a full disk: RLIMIT_FSIZE
   set from outside with prlimit, lifted after a few seconds) while 120 mails come in:
   tickets, lost mails, the most copies one customer got (the issue saw 46);
3. a mail APPENDed while a 400-mail backlog is being worked through, with the default IDLE
   round of 300 s: seconds from its APPEND until it is in the store (the issue saw +301 s);
4. a fresh database on a mailbox of 200 read mails: acknowledgements sent (the issue: all).
The catastrophic regex figures are bench/hardening_regex.py.

Run from the repository root (needs dovecot; about two minutes):
    .venv/bin/python bench/hardening.py
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers.dovecot import Dovecot  # noqa: E402
from tests.servers.smtp import SmtpSink  # noqa: E402


def mail(i: int, prefix: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"klant{i}@zorggroepnoord.nl"
    message["To"] = "support@dialog.nl"
    message["Subject"] = f"Melding {i}"
    message["Message-ID"] = f"<{prefix}-{i}@zorggroepnoord.nl>"
    message.set_content(f"De export werkt niet meer (melding {i}).")
    return bytes(message)


def env_for(work: Path, dovecot: Dovecot, sink: SmtpSink) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        {
            "TRIAGE_DB": str(work / "triage.db"),
            "TRIAGE_IMAP__HOST": dovecot.host,
            "TRIAGE_IMAP__PORT": str(dovecot.port),
            "TRIAGE_IMAP__USERNAME": dovecot.user,
            "TRIAGE_IMAP__PASSWORD": dovecot.password,
            "TRIAGE_IMAP__TLS": "false",
            "TRIAGE_SMTP__HOST": sink.host,
            "TRIAGE_SMTP__PORT": str(sink.port),
            "TRIAGE_SMTP__TLS": "none",
        }
    )
    return env


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "run", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def count(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def wait(predicate: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def copies(sink: SmtpSink) -> Counter[str]:
    return Counter(str(m.message["In-Reply-To"]) for m in sink.messages)


def scenario(name: str, body: Callable[[Path, Dovecot, SmtpSink], str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        dovecot = Dovecot(work / "dovecot")
        sink = SmtpSink()
        dovecot.start()
        sink.start()
        try:
            print(f"{name}: {body(work, dovecot, sink)}", flush=True)
        finally:
            sink.stop()
            dovecot.close()


def two_bots(work: Path, dovecot: Dovecot, sink: SmtpSink) -> str:
    dovecot.append_many([mail(i, "two") for i in range(300)])
    env = env_for(work, dovecot, sink)
    bots = [start(env), start(env)]
    try:
        wait(lambda: len(copies(sink)) >= 300, 300)
        time.sleep(2)  # room for a late duplicate to arrive
    finally:
        for bot in bots:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=60)
    sent = copies(sink)
    twice = sum(1 for n in sent.values() if n > 1)
    return (
        f"300 mails, {len(sent)} customers acknowledged, {sum(sent.values())} "
        f"acknowledgements, {twice} customers answered more than once"
    )


def full_disk(work: Path, dovecot: Dovecot, sink: SmtpSink) -> str:
    dovecot.append_many([mail(i, "full") for i in range(120)])
    env = env_for(work, dovecot, sink)
    db = work / "triage.db"
    bot = start(env)
    try:
        wait(lambda: len(sink.messages) >= 10, 60)
        _soft, hard = resource.prlimit(bot.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, (4096, hard))
        time.sleep(8)
        during = len(sink.messages)
        resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, hard))
        lifted = time.monotonic()
        wait(lambda: len(copies(sink)) >= 120, 300)
        recovered = time.monotonic() - lifted
        time.sleep(2)
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=60)
    sent = copies(sink)
    tickets = count(db, "SELECT COUNT(*) FROM tickets")
    return (
        f"120 mails, 8 s without writes after {during} acknowledgements: {tickets} tickets, "
        f"{120 - len(sent)} customers never acknowledged, most copies to one customer "
        f"{max(sent.values())}, all acknowledged {recovered:.1f} s after the disk had room"
    )


def backlog(work: Path, dovecot: Dovecot, sink: SmtpSink) -> str:
    dovecot.append_many([mail(i, "backlog") for i in range(400)])
    env = env_for(work, dovecot, sink)
    db = work / "triage.db"
    bot = start(env)
    try:
        wait(lambda: count(db, "SELECT COUNT(*) FROM tickets") >= 20, 120)
        dovecot.append(mail(0, "late"))
        appended = time.monotonic()
        key = "SELECT COUNT(*) FROM reports WHERE source_key = 'email:<late-0@zorggroepnoord.nl>'"
        wait(lambda: count(db, key), 600)
        stored = time.monotonic() - appended
        backlog_left = 401 - count(db, "SELECT COUNT(*) FROM tickets")
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=60)
    return (
        f"a mail APPENDed during a 400-mail backlog was stored {stored:.1f} s later "
        f"({backlog_left} of the backlog still waiting then; IDLE round 300 s)"
    )


def fresh_database(work: Path, dovecot: Dovecot, sink: SmtpSink) -> str:
    with dovecot.connect() as conn:
        for i in range(200):
            conn.append("INBOX", r"(\Seen)", None, mail(i, "read"))
    env = env_for(work, dovecot, sink)
    once = subprocess.run(
        [sys.executable, "-m", "app.cli", "run", "--once"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    time.sleep(1)
    tickets = count(work / "triage.db", "SELECT COUNT(*) FROM tickets")
    said = [line for line in once.stdout.splitlines() if "skipped" in line]
    return (
        f"200 read mails, fresh database: {len(sink.messages)} acknowledgements, "
        f"{tickets} tickets; it said: {said[0] if said else '(nothing)'}"
    )


def main() -> None:
    scenario("1. two bots", two_bots)
    scenario("2. store cannot write", full_disk)
    scenario("3. mail during a backlog", backlog)
    scenario("4. fresh database", fresh_database)


if __name__ == "__main__":
    main()

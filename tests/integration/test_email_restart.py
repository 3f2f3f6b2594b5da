"""Crash safety and real-world mail: kill the running bot mid-batch; the email corpus."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.email_helpers import mail, make_service
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpSink
from tests.servers.wait import wait_until

CORPUS = REPO.parent / "shared" / "corpora" / "email"


def bot_env(tmp_path: Path, dovecot: Dovecot, sink: SmtpSink) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        {
            "TRIAGE_DB": str(tmp_path / "triage.db"),
            "TRIAGE_IMAP__HOST": dovecot.host,
            "TRIAGE_IMAP__PORT": str(dovecot.port),
            "TRIAGE_IMAP__USERNAME": dovecot.user,
            "TRIAGE_IMAP__PASSWORD": dovecot.password,
            "TRIAGE_IMAP__TLS": "false",
            "TRIAGE_IMAP__FETCH_BATCH": "10",
            "TRIAGE_SMTP__HOST": sink.host,
            "TRIAGE_SMTP__PORT": str(sink.port),
            "TRIAGE_SMTP__TLS": "none",
        }
    )
    return env


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def _interrupt_and_resume(
    tmp_path: Path, dovecot: Dovecot, sink: SmtpSink, signum: int
) -> Counter[str]:
    """Start `triage run`, send `signum` while it is busy, run `--once`; ack ids sent."""
    messages = [
        mail(
            f"Melding {i}",
            f"De export werkt niet meer (melding {i}).",
            message_id=f"<batch-{i}@zorggroepnoord.nl>",
        )
        for i in range(200)
    ]
    dovecot.append_many(messages)
    env = bot_env(tmp_path, dovecot, sink)
    db = tmp_path / "triage.db"
    bot = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def busy() -> bool:
        assert bot.poll() is None, "the bot stopped on its own"
        return count(db, "SELECT COUNT(*) FROM tickets") >= 30

    try:
        wait_until(busy, timeout=60, what="30 tickets from the running bot")
    finally:
        bot.send_signal(signum)
        assert bot.wait(timeout=30) is not None
    assert count(db, "SELECT COUNT(*) FROM tickets") < 200, "stopped too late to test anything"

    again = subprocess.run(
        [sys.executable, "-m", "app.cli", "run", "--once"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert count(db, "SELECT COUNT(*) FROM tickets") == 200
    assert count(db, "SELECT COUNT(*) FROM reports") == 200
    assert count(db, "SELECT COUNT(*) FROM outbox") == 200
    assert count(db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == 200
    sink.wait_for(200, timeout=30)
    # Both bots have exited; once their SMTP sessions are closed here too, a late duplicate
    # (the killed bot's last message) has arrived or never will.
    return Counter(str(m.message["Message-ID"]) for m in sink.wait_idle())


def test_stopped_in_the_middle_of_200_messages(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """SIGTERM: the report in hand is finished; nothing is lost or sent twice."""
    acks = _interrupt_and_resume(tmp_path, dovecot, smtp_sink, signal.SIGTERM)
    assert len(acks) == 200
    assert max(acks.values()) == 1


def test_killed_in_the_middle_of_200_messages(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """SIGKILL: every message is exactly one ticket with one acknowledgement queued.

    SMTP has no way to make "accepted by the server" and "recorded as sent" one step: a kill
    between the server's 250 and our commit sends that one acknowledgement again after the
    restart, with the same Message-ID, so mail clients show it once. At most one can be in
    that window, because the outbox sends one message at a time.
    """
    acks = _interrupt_and_resume(tmp_path, dovecot, smtp_sink, signal.SIGKILL)
    assert len(acks) == 200
    assert sum(acks.values()) - 200 <= 1


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpora/email is not next to the repo")
def test_corpus_each_message_ends_up_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    files = sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and p.name not in {"LICENSE", "README.md"}
    )
    assert len(files) >= 90
    dovecot.append_many([p.read_bytes() for p in files])
    service, store = make_service(tmp_path, monkeypatch, dovecot, None)
    summary = service.run_once()
    handled = sum(summary.outcomes.values())
    assert handled == dovecot.count()
    # Every message is a ticket, a reply/auto-reply record or a quarantined item, once.
    quarantined = store.quarantined()
    assert summary.outcomes.get("quarantined", 0) == len(quarantined)
    assert all(item.reason for item in quarantined)
    assert (
        store.count("reports") + len(quarantined) + summary.outcomes.get("duplicate", 0) == handled
    )
    assert store.count("tickets") == summary.outcomes.get("ticket", 0)
    assert summary.outcomes.get("auto_reply", 0) >= 5  # the corpus has bounces
    # And a second run finds nothing new.
    assert service.run_once().outcomes == summary.outcomes

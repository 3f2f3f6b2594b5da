"""Issue 12 against real servers: two bots on one store, a store that cannot write, mail
during a backlog, a refused SMTP login or recipient, a first start on a full mailbox, a
connection cut during the IMAP login.

The bots run as real `triage run` processes on a private dovecot and SMTP sink; the store
that cannot write is a real SQLite file whose process may not grow any file (RLIMIT_FSIZE,
set from outside with prlimit and lifted again: SQLite then gets EFBIG, as on a full disk).
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import REPO
from tests.integration.email_helpers import Clock, mail, make_service
from tests.integration.test_email_restart import bot_env, count
from tests.servers.base import free_port
from tests.servers.dovecot import Dovecot
from tests.servers.proxy import DroppingProxy
from tests.servers.slack_api import FakeSlackApi
from tests.servers.smtp import SmtpSink
from tests.servers.wait import wait_until

TRIAGE = [sys.executable, "-m", "app.cli"]


class Bot:
    """A `triage run` process whose log lines are collected as they come."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [*TRIAGE, "run", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def messages(n: int, prefix: str) -> list[bytes]:
    return [
        mail(
            f"Melding {i}",
            f"De export werkt niet meer (melding {i}).",
            sender=f"klant{i}@zorggroepnoord.nl",
            message_id=f"<{prefix}-{i}@zorggroepnoord.nl>",
        )
        for i in range(n)
    ]


def acks(sink: SmtpSink) -> Counter[str]:
    return Counter(str(m.message["In-Reply-To"]) for m in sink.messages)


# -- 1: one bot at a time --------------------------------------------------------------------
def test_two_bots_on_one_store_acknowledge_each_mail_once(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """The second bot stands by (saying who is active); a cron `run --once` beside them
    refuses; when the active one is killed the standby takes over; every customer gets
    one acknowledgement."""
    dovecot.append_many(messages(60, "two"))
    env = bot_env(tmp_path, dovecot, smtp_sink)
    db = tmp_path / "triage.db"
    first = Bot(env)
    wait_until(lambda: count(db, "SELECT COUNT(*) FROM leases") == 1, 60, "the first bot's lease")
    second = Bot(env)
    try:
        wait_until(lambda: second.said("standby"), 60, "the second bot standing by")
        assert second.said(f"pid {first.proc.pid}")
        once = subprocess.run(
            [*TRIAGE, "run", "--once"], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert once.returncode == 1
        assert "een andere triage werkt al met deze database" in once.stderr
        assert f"pid {first.proc.pid}" in once.stderr
        wait_until(
            lambda: count(db, "SELECT COUNT(*) FROM tickets") >= 20, 60, "20 tickets from the first"
        )
        first.stop(signal.SIGKILL)
        dovecot.append_many(messages(20, "later"))
        wait_until(lambda: second.said("now active"), 60, "the standby taking over")
        wait_until(lambda: len(acks(smtp_sink)) == 80, 120, "80 acknowledgements")
    finally:
        second.stop()
        first.stop()
    assert count(db, "SELECT COUNT(*) FROM tickets") == 80
    copies = acks(smtp_sink)
    sent = sum(copies.values())
    # A kill between the server's 250 and the commit may send that one message again.
    assert sent - 80 <= 1, copies.most_common(3)


# -- 2: a store that cannot write ------------------------------------------------------------
def _limit_file_size(pid: int, limit: int) -> None:
    """RLIMIT_FSIZE of another process (its soft limit; the hard one stays unlimited)."""
    _soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit")
def test_store_that_cannot_write_stops_sending_and_resumes(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """No file of the bot may grow (as on a full disk) while it works through 120 mails:
    it sends nothing it cannot record, says it is unhealthy, keeps running, and once it can
    write again every mail is one ticket with one acknowledgement."""
    dovecot.append_many(messages(120, "full"))
    env = bot_env(tmp_path, dovecot, smtp_sink)
    db = tmp_path / "triage.db"
    bot = Bot(env)
    try:
        wait_until(lambda: len(smtp_sink.messages) >= 10, 60, "the first acknowledgements")
        _limit_file_size(bot.proc.pid, 4096)
        wait_until(lambda: bot.said("unhealthy: store"), 60, "the bot saying the store fails")
        stalled = len(smtp_sink.messages)
        # It keeps running and keeps trying, without sending: a later round finds the same.
        wait_until(lambda: bot.said("reconnecting in"), 60, "the intake backing off")
        assert bot.proc.poll() is None
        assert len(smtp_sink.messages) <= stalled + 1
        _limit_file_size(bot.proc.pid, resource.RLIM_INFINITY)
        wait_until(lambda: len(acks(smtp_sink)) == 120, 180, "all 120 acknowledgements")
        wait_until(lambda: bot.said("healthy again: store"), 30, "the bot saying it recovered")
    finally:
        bot.stop()
    assert count(db, "SELECT COUNT(*) FROM tickets") == 120
    assert count(db, "SELECT COUNT(*) FROM quarantine") == 0
    copies = acks(smtp_sink)
    assert max(copies.values()) <= 2, copies.most_common(3)  # at most one extra copy each
    assert count(db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == 120


# -- 3: mail during a backlog ----------------------------------------------------------------
def test_mail_arriving_during_a_backlog_is_taken_in_without_waiting_for_idle(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """With an IDLE round of an hour, a mail that arrives while 150 others are handled is
    only stored in time if the bot looks again before it IDLEs."""
    dovecot.append_many(messages(150, "backlog"))
    env = {**bot_env(tmp_path, dovecot, smtp_sink), "TRIAGE_IMAP__IDLE_TIMEOUT": "3600"}
    db = tmp_path / "triage.db"
    bot = Bot(env)
    try:
        wait_until(lambda: count(db, "SELECT COUNT(*) FROM tickets") >= 10, 60, "the backlog")
        dovecot.append(mail("Alles ligt plat", "Niemand kan inloggen.", message_id="<late@x.nl>"))
        late = "SELECT COUNT(*) FROM reports WHERE source_key = 'email:<late@x.nl>'"
        wait_until(
            lambda: count(db, late),
            120,
            "the late mail in the store",
        )
        assert count(db, "SELECT COUNT(*) FROM tickets") == 151
    finally:
        bot.stop()


# -- 5: a refused login pauses, a refused recipient can be retried ---------------------------
def test_refused_smtp_login_pauses_the_outbox_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    smtp_sink.require_login("triage", "juist")
    monkeypatch.setenv("TRIAGE_SMTP__USERNAME", "triage")
    monkeypatch.setenv("TRIAGE_SMTP__PASSWORD", "fout")
    clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, clock)
    dovecot.append_many(messages(3, "auth"))
    service.run_once()
    assert [row["status"] for row in store.outbox()] == ["pending"] * 3
    assert all(row["attempts"] == 0 for row in store.outbox())
    assert service.health.report()["problems"].keys() == {"outbox:email"}  # type: ignore[union-attr]
    assert "login refused" in str(service.health.report()["problems"])
    clock.advance(minutes=1)
    service.deliver()
    assert smtp_sink.messages == [] and store.outbox("failed") == []
    smtp_sink.require_login("triage", "fout")  # the administrator fixed the account
    clock.advance(minutes=5)
    service.deliver()
    assert len(smtp_sink.wait_for(3)) == 3
    assert service.health.report()["ok"]
    assert [row["status"] for row in store.outbox()] == ["sent"] * 3


@pytest.mark.sqlite_file
def test_refused_recipient_is_listed_and_can_be_sent_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    smtp_sink.refuse_recipient("klant1@zorggroepnoord.nl", 554)
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink)
    dovecot.append_many(messages(3, "rcpt"))
    service.run_once()
    smtp_sink.wait_for(2)
    [failed] = store.outbox("failed")
    assert "554" in failed["last_error"]
    store.close()
    db = ["--db", str(tmp_path / "triage.db")]
    capsys.readouterr()
    assert main(["outbox", "list", "--failed", *db]) == 0
    listed = capsys.readouterr().out
    assert "mislukt" in listed and "klant1@zorggroepnoord.nl" in listed and "554" in listed
    assert main(["outbox", "retry", "--all-failed", *db]) == 0
    assert f"opnieuw in de wachtrij: {failed['id']}" in capsys.readouterr().out
    assert main(["outbox", "retry", "99999", *db]) == 2
    smtp_sink.refuse_recipient("someone-else@example.org")  # the customer fixed their server
    smtp_sink._refused.clear()
    again, _store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink)
    again.run_once()
    assert len(smtp_sink.wait_for(3)) == 3
    assert main(["outbox", "list", "--failed", *db]) == 0
    assert "geen mislukte berichten" in capsys.readouterr().out


# -- 6: a first start on a full mailbox ------------------------------------------------------
def test_fresh_database_on_a_mailbox_of_read_mail_acknowledges_nothing_old(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    for raw in messages(30, "read"):
        dovecot.append(raw, flags=r"(\Seen)")
    week_ago = datetime.now(UTC) - timedelta(days=7)
    dovecot.append(mail("Oud", "Export stuk.", message_id="<old@x.nl>"), internal_date=week_ago)
    dovecot.append(mail("Nieuw", "Export stuk.", message_id="<new@x.nl>"))
    env = bot_env(tmp_path, dovecot, smtp_sink)
    db = tmp_path / "triage.db"
    run = subprocess.run(
        [*TRIAGE, "run", "--once"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "skipped 30 read message(s)" in run.stdout
    # The two unread ones are tickets; only the one of today is acknowledged.
    assert count(db, "SELECT COUNT(*) FROM tickets") == 2
    [ack] = smtp_sink.wait_for(1)
    assert ack.message["In-Reply-To"] == "<new@x.nl>"
    # A later mail is taken in as usual, and the read ones stay skipped.
    dovecot.append(mail("Later", "Export stuk.", message_id="<later@x.nl>"))
    again = subprocess.run(
        [*TRIAGE, "run", "--once"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert count(db, "SELECT COUNT(*) FROM tickets") == 3


def test_first_start_since_a_date_takes_in_read_mail_of_that_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    today = datetime.now(UTC)
    dovecot.append(
        mail("Oud", "Export stuk.", message_id="<a@x.nl>"),
        internal_date=today - timedelta(days=20),
        flags=r"(\Seen)",
    )
    dovecot.append(
        mail("Recent", "Export stuk.", message_id="<b@x.nl>"),
        internal_date=today - timedelta(days=2),
        flags=r"(\Seen)",
    )
    service, store = make_service(tmp_path, monkeypatch, dovecot, None)
    service.imap.since = (today - timedelta(days=5)).date()  # type: ignore[union-attr]
    service.run_once()
    assert [t.subject for t in store.tickets()] == ["Recent"]


# -- 11: a cut during the IMAP login is no wrong password ------------------------------------
# The end of the CAPABILITY answer: what comes next from the server is the answer to LOGIN.
PATTERN = b"have more.\r\n"


def test_connection_cut_during_login_is_not_reported_as_a_wrong_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    with DroppingProxy(dovecot.host, dovecot.port) as proxy:
        service, _store = make_service(tmp_path, monkeypatch, dovecot, None, port=proxy.port)
        assert service.imap is not None
        proxy.drop_when_server_sends(PATTERN)  # the server's answer to LOGIN never arrives
        with pytest.raises(Exception) as cut:
            service.imap.run_once()
    message = str(cut.value)
    assert "TRIAGE_IMAP__PASSWORD" not in message
    assert "connection" in message.lower()


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit")
def test_a_store_that_cannot_write_is_told_to_the_team_and_on_healthz(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink, slack_api: FakeSlackApi
) -> None:
    """With Slack: /healthz answers 503 with the reason while the store cannot write, the
    team channel hears it once (straight from the bot, the store cannot queue it) and hears
    when it is over; then /healthz is 200 again."""
    port = free_port()
    env = {
        **bot_env(tmp_path, dovecot, smtp_sink),
        "TRIAGE_SLACK__MODE": "http",
        "TRIAGE_SLACK__BOT_TOKEN": "xoxb-test",
        "TRIAGE_SLACK__SIGNING_SECRET": "test-signing-secret",
        "TRIAGE_SLACK__API_BASE_URL": slack_api.url,
        "TRIAGE_SLACK__HTTP_PORT": str(port),
        "TRIAGE_SLACK__TEAM_CHANNEL": "C0TEAM",
        "TRIAGE_SLACK__SUPPORT_USERGROUP": "S0SUPPORT",
    }

    def healthz() -> tuple[int, dict[str, object]]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    def team_heard(text: str) -> bool:
        return any(text in str(c.params.get("text")) for c in slack_api.calls("chat.postMessage"))

    bot = Bot(env)
    try:
        wait_until(lambda: bot.said("triage running"), 60, "the bot listening")
        assert healthz() == (200, {"ok": True, "problems": {}})
        _limit_file_size(bot.proc.pid, 4096)
        dovecot.append(mail("Export stuk", "De export werkt niet.", message_id="<hz@x.nl>"))
        wait_until(lambda: healthz()[0] == 503, 60, "/healthz answering 503")
        _status, body = healthz()
        assert "store" in body["problems"]  # type: ignore[operator]
        wait_until(lambda: team_heard("De database kan niet schrijven"), 30, "the team told")
        _limit_file_size(bot.proc.pid, resource.RLIM_INFINITY)
        wait_until(lambda: healthz()[0] == 200, 120, "/healthz answering 200 again")
        wait_until(lambda: team_heard("De database schrijft weer"), 60, "the team told again")
        wait_until(lambda: len(smtp_sink.messages) == 1, 60, "the acknowledgement")
    finally:
        bot.stop()
    alarms = [
        c for c in slack_api.calls("chat.postMessage") if "kan niet schrijven" in str(c.params)
    ]
    assert len(alarms) == 1

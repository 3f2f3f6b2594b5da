"""Two replicas on one PostgreSQL (issue 15): one active, the other taking over on its own.

Two real `triage run` processes, each calling itself another machine (`run.host`), so the
standby cannot see that the active one's process is gone and must wait for its lease to
expire, as on two machines. One private PostgreSQL, one dovecot, one SMTP sink.
- SIGKILL the active one halfway through a 200-mail backlog: the standby takes over within
  30 s, and every mail becomes one ticket and gets its acknowledgement (one may go out
  twice: the SMTP window the README explains), none is lost.
- Stop the database for 20 s while the active one drains: no ticket twice, intake resumes
  on its own when the database is back, nothing lost.
/readyz on each tells which one is active.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg

from tests.integration.test_email_restart import bot_env
from tests.integration.test_hardening import Bot, acks, messages
from tests.servers.base import free_port
from tests.servers.dovecot import Dovecot
from tests.servers.postgres import Postgres, PostgresDatabase
from tests.servers.smtp import SmtpSink
from tests.servers.wait import wait_until

MAILS = 200


def pg_count(url: str, sql: str) -> int:
    """One number from the database; 0 while it cannot be reached (it may be stopped)."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def readyz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())
    except OSError:
        return 0, {}


def replica(
    tmp_path: Path, dovecot: Dovecot, sink: SmtpSink, url: str, host: str
) -> tuple[dict[str, str], int]:
    env = bot_env(tmp_path, dovecot, sink)
    port = free_port()
    env.update({"TRIAGE_DB": url, "TRIAGE_RUN__HOST": host, "TRIAGE_RUN__HTTP_PORT": str(port)})
    return env, port


def role(port: int) -> object:
    return readyz(port)[1].get("role")


def test_the_standby_takes_over_a_killed_active_replica_within_30_s(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink, postgres_db: PostgresDatabase
) -> None:
    url = postgres_db.url
    dovecot.append_many(messages(MAILS, "failover"))
    env_a, port_a = replica(tmp_path, dovecot, smtp_sink, url, "machine-a")
    env_b, port_b = replica(tmp_path, dovecot, smtp_sink, url, "machine-b")
    first = Bot(env_a)
    wait_until(lambda: pg_count(url, "SELECT COUNT(*) FROM leases") == 1, 60, "a's lease")
    second = Bot(env_b)
    try:
        wait_until(lambda: second.said("standby"), 60, "b standing by")
        wait_until(lambda: role(port_b) == "standby", 30, "b's /readyz: standby")
        assert readyz(port_b)[0] == 503
        assert role(port_a) == "active"
        wait_until(
            lambda: pg_count(url, "SELECT COUNT(*) FROM tickets") >= 20, 120, "20 tickets by a"
        )
        first.stop(signal.SIGKILL)
        killed = time.monotonic()
        stored_at_kill = pg_count(url, "SELECT COUNT(*) FROM tickets")
        wait_until(lambda: second.said("now active"), 60, "b taking over")
        took = time.monotonic() - killed
        wait_until(lambda: role(port_b) == "active", 30, "b's /readyz: active")
        wait_until(lambda: len(acks(smtp_sink)) == MAILS, 240, f"{MAILS} acknowledgements")
    finally:
        second.stop()
        first.stop()
    print(f"\nfailover: killed after {stored_at_kill} tickets; b active {took:.1f} s later")
    assert stored_at_kill < MAILS, "the kill came after the drain: nothing was mid-drain"
    assert took <= 30
    assert pg_count(url, "SELECT COUNT(*) FROM tickets") == MAILS
    assert pg_count(url, "SELECT COUNT(DISTINCT source_key) FROM reports") == MAILS
    copies = acks(smtp_sink)
    assert len(copies) == MAILS  # every mail acknowledged: none lost
    # A kill between the SMTP server's 250 and the commit may send that one message again.
    assert sum(copies.values()) - MAILS <= 1, copies.most_common(3)


def test_a_database_stopped_for_20_s_loses_nothing_and_does_nothing_twice(
    tmp_path: Path,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    postgres_server: Postgres,
    postgres_db: PostgresDatabase,
) -> None:
    url = postgres_db.url
    dovecot.append_many(messages(MAILS, "pgstop"))
    env_a, port_a = replica(tmp_path, dovecot, smtp_sink, url, "machine-a")
    env_b, port_b = replica(tmp_path, dovecot, smtp_sink, url, "machine-b")
    first = Bot(env_a)
    wait_until(lambda: pg_count(url, "SELECT COUNT(*) FROM leases") == 1, 60, "a's lease")
    second = Bot(env_b)
    try:
        wait_until(lambda: second.said("standby"), 60, "b standing by")
        wait_until(
            lambda: pg_count(url, "SELECT COUNT(*) FROM tickets") >= 20, 120, "20 tickets by a"
        )
        postgres_server.stop()
        try:
            stopped = time.monotonic()
            time.sleep(20)
            assert time.monotonic() - stopped >= 20
        finally:
            postgres_server.start()
        wait_until(lambda: len(acks(smtp_sink)) == MAILS, 240, f"{MAILS} acknowledgements")
        roles = {role(port_a), role(port_b)}
    finally:
        second.stop()
        first.stop()
    active = [b for b in (first, second) if b.said("triage running")]
    copies: Counter[str] = acks(smtp_sink)
    print(
        f"\ndatabase stopped 20 s: {sum(copies.values())} acknowledgements for {len(copies)} mails"
    )
    print(
        f"roles afterwards {sorted(map(str, roles))}; "
        f"a lost its lease: {first.said('lease lost')}; b took over: {second.said('now active')}"
    )
    assert active, "no replica was running"
    assert pg_count(url, "SELECT COUNT(*) FROM tickets") == MAILS
    assert pg_count(url, "SELECT COUNT(*) FROM decisions WHERE kind = 'provisional'") == MAILS
    assert len(copies) == MAILS
    twice = {k: n for k, n in copies.items() if n > 1}
    assert len(twice) <= 1 and all(n == 2 for n in twice.values()), twice

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


def tickets_soon(url: str, n: int, timeout: float = 120) -> None:
    """Return the moment `n` tickets are stored (one connection, polled every 20 ms)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            try:
                row = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()
            except psycopg.errors.UndefinedTable:  # the first replica is making the schema
                row = None
            if row is not None and int(row[0]) >= n:
                return
            time.sleep(0.02)
    raise AssertionError(f"{n} tickets not stored within {timeout} s")


def role(port: int) -> object:
    return readyz(port)[1].get("role")


def lease_host(url: str) -> str | None:
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute("SELECT host FROM leases").fetchone()
            return str(row[0]) if row else None
    except psycopg.Error:
        return None


def start_pair(
    tmp_path: Path, dovecot: Dovecot, sink: SmtpSink, url: str
) -> dict[str, tuple[Bot, int]]:
    """Both replicas started at once (as two machines booting), so the standby is there while
    the active one drains; which one wins the lease is up to them."""
    bots = {}
    for host in ("machine-a", "machine-b"):
        env, port = replica(tmp_path, dovecot, sink, url, host)
        bots[host] = (Bot(env), port)
    return bots


def test_the_standby_takes_over_a_killed_active_replica_within_30_s(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink, postgres_db: PostgresDatabase
) -> None:
    url = postgres_db.url
    dovecot.append_many(messages(MAILS, "failover"))
    bots = start_pair(tmp_path, dovecot, smtp_sink, url)
    try:
        tickets_soon(url, 20)  # then kill at once: the backlog drains in a few seconds
        holder = lease_host(url)
        assert holder in bots
        (active, _), (standby, standby_port) = (
            bots[holder],
            next(b for h, b in bots.items() if h != holder),
        )
        active.stop(signal.SIGKILL)
        killed = time.monotonic()
        stored_at_kill = pg_count(url, "SELECT COUNT(*) FROM tickets")
        wait_until(lambda: standby.said("now active"), 60, "the standby taking over")
        took = time.monotonic() - killed
        wait_until(lambda: readyz(standby_port)[0] == 200, 30, "its /readyz: 200")
        assert role(standby_port) == "active"
        wait_until(lambda: len(acks(smtp_sink)) == MAILS, 240, f"{MAILS} acknowledgements")
    finally:
        for bot, _port in bots.values():
            bot.stop()
    print(
        f"\nfailover: killed after {stored_at_kill} tickets; the standby active {took:.1f} s later"
    )
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
    bots = start_pair(tmp_path, dovecot, smtp_sink, url)
    try:
        tickets_soon(url, 20)
        postgres_server.stop()
        try:
            stored_at_stop = pg_count(url, "SELECT COUNT(*) FROM tickets")  # 0: it is down
            stopped = time.monotonic()
            time.sleep(20)
            assert time.monotonic() - stopped >= 20
        finally:
            postgres_server.start()
        wait_until(lambda: len(acks(smtp_sink)) == MAILS, 240, f"{MAILS} acknowledgements")
        roles = sorted(str(role(port)) for _bot, port in bots.values())
        # Exactly one is active afterwards; the other stands by or stopped (lease lost).
        assert roles.count("active") == 1, roles
    finally:
        for bot, _port in bots.values():
            bot.stop()
    copies: Counter[str] = acks(smtp_sink)
    a, b = bots["machine-a"][0], bots["machine-b"][0]
    print(
        f"\ndatabase stopped 20 s: {sum(copies.values())} acknowledgements for {len(copies)} "
        f"mails; roles afterwards {roles}; lease lost: a {a.said('lease lost')}, "
        f"b {b.said('lease lost')}; took over: a {a.said('now active')}, b {b.said('now active')}"
    )
    del stored_at_stop
    assert pg_count(url, "SELECT COUNT(*) FROM tickets") == MAILS
    assert pg_count(url, "SELECT COUNT(*) FROM decisions WHERE kind = 'provisional'") == MAILS
    assert len(copies) == MAILS
    # Nothing twice: a message sent while the database was away is recorded by the one that
    # sent it once the database is back, also when it lost its lease meanwhile.
    assert sum(copies.values()) == MAILS, copies.most_common(3)

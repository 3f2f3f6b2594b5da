"""The test PostgreSQL server itself: it starts from the distribution's binaries (also as
root), gives each test an empty database, keeps its data and port across a stop and a crash,
cuts the clients of one database, and asks the password of every user but `test`."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import psycopg
import pytest

from tests.servers.fixtures import _unavailable
from tests.servers.postgres import (
    PASSWORD_USER,
    SERVER_TIMEZONE,
    SUPERUSER,
    Postgres,
    PostgresDatabase,
    database,
    find_bindir,
)

# The databases of the two runs of test_each_test_gets_a_new_empty_database, by run.
_SEEN: dict[int, str] = {}


def _public_tables(db: PostgresDatabase) -> list[str]:
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return [str(row[0]) for row in rows]


def _owner_uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])  # the real uid
    raise AssertionError(f"no Uid line for process {pid}")


def test_a_client_connects_with_the_url_alone(postgres_db: PostgresDatabase) -> None:
    url = postgres_db.url
    assert url.startswith(f"postgresql://{SUPERUSER}@127.0.0.1:")
    assert url.endswith(f"/{postgres_db.name}")
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT current_user, current_database(), inet_server_addr()::text, "
            "current_setting('server_encoding'), current_setting('TimeZone')"
        ).fetchone()
    assert row == (SUPERUSER, postgres_db.name, "127.0.0.1/32", "UTF8", SERVER_TIMEZONE)


def test_the_server_runs_as_postgres_when_the_tests_run_as_root(
    postgres_server: Postgres,
) -> None:
    pid = postgres_server.pid
    assert pid is not None
    expected = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert _owner_uid(pid) == expected
    # Its folder is its own and closed to others (the server refuses a data folder that
    # others can read).
    info = postgres_server.directory.stat()
    assert info.st_uid == expected
    assert stat.S_IMODE(info.st_mode) == 0o700


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_new_empty_database(postgres_db: PostgresDatabase, run: int) -> None:
    assert _public_tables(postgres_db) == []
    assert postgres_db.name not in _SEEN.values()
    with postgres_db.connect() as conn:
        conn.execute("CREATE TABLE left_behind (n integer)")
    _SEEN[run] = postgres_db.name
    if run == 2 and 1 in _SEEN:  # the first run's database was dropped after it
        assert _SEEN[1] not in postgres_db.server.databases()


def test_a_database_is_dropped_even_with_a_client_still_connected(
    postgres_server: Postgres,
) -> None:
    with database(postgres_server, "still connected") as db:
        client = psycopg.connect(db.url)
        assert db.name in postgres_server.databases()
    assert db.name not in postgres_server.databases()
    with pytest.raises(psycopg.OperationalError):
        client.execute("SELECT 1")
    client.close()


def test_stop_cuts_the_clients_and_start_brings_the_data_back_on_the_same_port(
    postgres_db: PostgresDatabase,
) -> None:
    server = postgres_db.server
    port = server.port
    client = psycopg.connect(postgres_db.url, autocommit=True)
    client.execute("CREATE TABLE kept (n integer)")
    client.execute("INSERT INTO kept VALUES (1), (2)")

    server.stop()
    assert not server.running
    with pytest.raises(psycopg.OperationalError):
        client.execute("SELECT 1")  # the open connection is gone
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_db.url, connect_timeout=2)  # and nobody gets in
    client.close()

    server.start()
    assert server.running
    assert server.port == port
    with psycopg.connect(postgres_db.url) as conn:
        assert conn.execute("SELECT sum(n) FROM kept").fetchone() == (3,)


def test_a_crash_keeps_what_was_committed(postgres_db: PostgresDatabase) -> None:
    server = postgres_db.server
    with postgres_db.connect() as conn:
        conn.execute("CREATE TABLE kept (n integer)")
        conn.execute("INSERT INTO kept VALUES (7)")
    server.kill()
    assert not server.running
    server.start()
    with postgres_db.connect() as conn:
        assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]


def test_kill_connections_cuts_the_clients_of_one_database_only(
    postgres_db: PostgresDatabase,
) -> None:
    server = postgres_db.server
    with database(server, "other") as other:
        first = psycopg.connect(postgres_db.url, autocommit=True)
        second = psycopg.connect(postgres_db.url, autocommit=True)
        bystander = psycopg.connect(other.url, autocommit=True)
        try:
            assert postgres_db.kill_connections() == 2
            for cut in (first, second):
                with pytest.raises(psycopg.OperationalError):
                    cut.execute("SELECT 1")
            assert bystander.execute("SELECT 1").fetchone() == (1,)
            # The database itself is fine: a client that connects again carries on.
            with psycopg.connect(postgres_db.url) as again:
                assert again.execute("SELECT 1").fetchone() == (1,)
            assert server.kill_connections(other.name) == 1
        finally:
            for conn in (first, second, bystander):
                conn.close()


def test_the_password_user_needs_its_password(
    postgres_db: PostgresDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_db.password_url
    assert url.startswith(f"postgresql://{PASSWORD_USER}@")
    assert postgres_db.password not in url
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)  # no ~/.pgpass of the developer's
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(url, password="wrong")
    with psycopg.connect(url, password=postgres_db.password) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (PASSWORD_USER,)
    # libpq's own variable works too: nothing else has to carry the password.
    monkeypatch.setenv("PGPASSWORD", postgres_db.password)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (PASSWORD_USER,)


def test_a_started_server_refuses_a_second_start(postgres_server: Postgres) -> None:
    with pytest.raises(RuntimeError, match="postgres is already running"):
        postgres_server.start()


# -- finding the binaries (no server needed) -------------------------------------------------


def _fake_bindir(root: Path, name: str, programs: tuple[str, ...] = ("initdb", "pg_ctl")) -> Path:
    bindir = root / name / "bin"
    bindir.mkdir(parents=True)
    for program in programs:
        path = bindir / program
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return bindir


def test_find_bindir_takes_debians_newest_complete_version(tmp_path: Path) -> None:
    root = tmp_path / "postgresql"
    _fake_bindir(root, "9.6")
    _fake_bindir(root, "15")
    newest = _fake_bindir(root, "16")
    _fake_bindir(root, "17", programs=("pg_ctl",))  # no initdb: half installed
    (root / "common").mkdir()  # not a version
    assert find_bindir(root, path="") == newest


def test_find_bindir_falls_back_to_the_path_and_to_none(tmp_path: Path) -> None:
    elsewhere = _fake_bindir(tmp_path, "opt")
    links = tmp_path / "links"
    links.mkdir()
    (links / "pg_ctl").symlink_to(elsewhere / "pg_ctl")  # as /usr/local/bin/pg_ctl may be
    missing = tmp_path / "no-debian"
    assert find_bindir(missing, path=str(links)) == elsewhere
    assert find_bindir(missing, path=str(tmp_path)) is None


def test_the_real_binaries_are_found() -> None:
    bindir = find_bindir()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (make test installs it with apt-get as root)")
    assert (bindir / "initdb").is_file()

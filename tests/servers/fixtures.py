"""pytest fixtures for the real servers, registered for the whole suite in tests/conftest.py.

A missing dovecot binary, aiosmtpd package or PostgreSQL (its binaries or psycopg) skips the
test, except under CI (``CI=true``), where a skipped service test would hide a broken set-up:
there it fails.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.servers.dovecot import Dovecot, find_dovecot

if TYPE_CHECKING:
    from tests.servers.postgres import Postgres, PostgresDatabase
    from tests.servers.smtp import SmtpSink


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    """A running dovecot with one user and an empty INBOX, stopped after the test."""
    if find_dovecot() is None:
        _unavailable("dovecot is not installed (make test installs it with apt-get as root)")
    server = Dovecot(tmp_path / "dovecot")
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink that stores what it receives, stopped after the test."""
    if importlib.util.find_spec("aiosmtpd") is None:
        _unavailable("aiosmtpd is not installed (make test installs the dev extras)")
    from tests.servers.smtp import SmtpSink

    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One PostgreSQL server for the whole run (initdb and start take about a second).

    Tests share it through ``postgres_db``; a test may ``stop()`` and ``start()`` it, and
    ``postgres_db`` starts it again if a test left it stopped."""
    if importlib.util.find_spec("psycopg") is None:
        _unavailable("psycopg is not installed (make test installs the package's dependencies)")
    from tests.servers.postgres import Postgres, find_bindir

    if find_bindir() is None:
        _unavailable("PostgreSQL is not installed (make test installs it with apt-get as root)")
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_db(
    postgres_server: Postgres, request: pytest.FixtureRequest
) -> Iterator[PostgresDatabase]:
    """A new, empty database on the shared server, dropped after the test.

    Its ``url`` (``postgresql://test@127.0.0.1:PORT/NAME``) needs no password."""
    from tests.servers.postgres import database

    with database(postgres_server, request.node.name) as db:
        yield db

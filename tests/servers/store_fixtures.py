"""The store's two databases for tests: `store_url` runs a test once on each.

`store_url` is a SQLite file in the test's folder, then an empty database of its own on the
session's private PostgreSQL server (tests/servers/postgres.py). A test that takes it is part
of the store suite both backends must pass.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

import pytest

from tests.servers.postgres import Postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's store lives: a SQLite file, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "t.db")
    database = request.getfixturevalue("postgres_db")
    return str(database.url)


# TEST_STORE=postgresql: the email and Slack rigs (tests/integration/*_helpers.py) keep their
# store on one PostgreSQL server started for the run, so the integration tests built on them
# run on PostgreSQL too:
#     TEST_STORE=postgresql .venv/bin/pytest tests/integration tests/e2e -m "not sqlite_file"
# Tests marked `sqlite_file` read or damage the rig's SQLite file itself and do not apply.
_SHARED: list[Postgres] = []


def rig_store(default: Path) -> str | Path:
    """Where an email or Slack rig keeps its store: `default` (a SQLite file), or a new
    database on the run's PostgreSQL server when TEST_STORE=postgresql."""
    if os.environ.get("TEST_STORE") != "postgresql":
        return default
    if not _SHARED:
        server = Postgres()
        server.start()
        atexit.register(server.close)
        _SHARED.append(server)
    return _SHARED[0].create_database("rig").url

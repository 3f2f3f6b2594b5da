"""The store's two databases for tests: `store_url` runs a test once on each.

`store_url` is a SQLite file in the test's folder, then an empty database of its own on the
session's private PostgreSQL server (tests/servers/postgres.py). A test that takes it is part
of the store suite both backends must pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's store lives: a SQLite file, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "t.db")
    database = request.getfixturevalue("postgres_db")
    return str(database.url)

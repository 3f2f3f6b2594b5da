"""The store's schema revisions (Alembic): a new store is at HEAD on both databases, an old
SQLite store is brought there keeping its rows, a store from a newer triage is refused, and
the baseline revision makes the same schema the hand-written steps made."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from app.cli import main
from bot.errors import StoreError
from bot.store import HEAD, MIGRATIONS, Store
from bot.store.migrate import _alembic_upgrade
from bot.store.migrations import REVISIONS, SCRIPTS
from bot.store.sqlite import SqliteBackend


def _set_revision(url: str, revision: str) -> None:
    """Write the store's revision behind its back, as a newer triage would have."""
    if url.startswith("postgresql://"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))
        return
    raw = sqlite3.connect(url)
    raw.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    raw.commit()
    raw.close()


def test_the_revision_list_is_alembics_own_walk() -> None:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    walked = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    assert tuple(reversed(walked)) == REVISIONS
    assert REVISIONS[-1] == HEAD


def test_a_new_store_is_at_head_and_a_newer_one_is_refused(store_url: str) -> None:
    with Store(store_url) as store:
        assert store.schema_version == HEAD
    _set_revision(store_url, "9999")
    with pytest.raises(StoreError, match="nieuwer dan deze triage"):
        Store(store_url)


def _legacy_store(path: Path, steps: int) -> None:
    """A SQLite store as a triage from before Alembic left it: `steps` hand-written steps."""
    raw = sqlite3.connect(path)
    for number in range(steps):
        raw.executescript(MIGRATIONS[number])
        raw.execute(f"PRAGMA user_version = {number + 1}")
    raw.execute(
        "INSERT INTO reports (source_key, channel, received_at, sender, subject, body, payload, "
        "stored_at) VALUES ('k1', 'email', '2026-11-01T09:00:00+00:00', 'a@x.nl', 's', 'b', "
        "'{}', '2026-11-01T09:00:01+00:00')"
    )
    raw.commit()
    raw.close()


def test_an_old_sqlite_store_is_brought_to_head_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _legacy_store(path, 3)
    assert main(["--db", str(path), "db", "status"]) == 0
    with Store(path, migrate=False) as store:
        assert store.schema_version is None
    assert main(["--db", str(path), "db", "upgrade"]) == 0
    with Store(path) as store:
        assert store.schema_version == HEAD
        assert store.count("reports") == 1
        assert store.is_stored("k1")
        store.add_outage(datetime(2026, 11, 2, tzinfo=UTC), None, "storing", "", datetime.now(UTC))


def test_a_sqlite_store_newer_than_the_hand_written_steps_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(StoreError, match="nieuwer dan deze triage"):
        Store(path)


def _schema(path: Path) -> dict[str, object]:
    """Tables with their columns (name, not null, default, primary key) and index columns."""
    raw = sqlite3.connect(path)
    tables = [
        r[0]
        for r in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
        )
    ]
    shape: dict[str, object] = {}
    for table in sorted(tables):
        columns = {
            # A primary key is never NULL in practice; SQLite only enforces it when declared.
            (
                name,
                bool(notnull or pk),
                str(default).strip("'") if default is not None else None,
                pk,
            )
            for _cid, name, _type, notnull, default, pk in raw.execute(
                f"PRAGMA table_info({table})"
            )
        }
        indexes = {
            tuple(c[2] for c in raw.execute(f"PRAGMA index_info('{index[1]}')"))
            for index in raw.execute(f"PRAGMA index_list({table})")
        }
        shape[table] = (columns, indexes)
    raw.close()
    return shape


def test_the_baseline_revision_makes_the_schema_the_hand_written_steps_made(
    tmp_path: Path,
) -> None:
    by_steps = tmp_path / "steps.db"
    Store(by_steps).close()  # a new SQLite store: the hand-written steps, stamped 0001
    by_alembic = tmp_path / "alembic.db"
    backend = SqliteBackend(str(by_alembic))
    assert _alembic_upgrade(backend, None) == list(REVISIONS)
    backend.close()
    assert _schema(by_alembic) == _schema(by_steps)

"""Bringing a store's schema up to this triage's (Alembic), and refusing one that is newer.

Where a store stands is read with one cheap query (the `alembic_version` row, or SQLite's
legacy `PRAGMA user_version`), so opening an up-to-date store never imports Alembic:

- a SQLite store made by the hand-written steps (bot/store/schema.py, before Alembic), or a
  new SQLite file: those steps bring it to their version 7, which is Alembic's baseline
  revision, and it is stamped so. They are a few milliseconds, where starting Alembic costs
  half a second, which every `triage` command on a fresh file would pay;
- a new PostgreSQL database: Alembic makes the schema from the baseline revision;
- any store behind HEAD: Alembic runs the revisions after its own;
- a store at a revision this triage does not know: refused (a newer triage wrote it).

On PostgreSQL the upgrade holds a session advisory lock, so two replicas that start at once
do not both change the schema: the second waits, then finds it up to date.
"""

from __future__ import annotations

from typing import Any

from bot.errors import StoreError
from bot.store.migrations import BASELINE, HEAD, REVISIONS, SCRIPTS
from bot.store.schema import MIGRATIONS


def revision(backend: Any) -> str | None:
    """The store's Alembic revision, or None when it has none yet."""
    if not backend.has_table("alembic_version"):
        return None
    row = backend.conn().execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row is not None else None


def check(backend: Any) -> str | None:
    """StoreError when the store is newer than this triage; else its revision (or None)."""
    current = revision(backend)
    if current is not None and current not in REVISIONS:
        raise StoreError(
            f"de database {backend.label} heeft schemaversie {current}, nieuwer dan deze "
            f"triage ({HEAD}): werk triage eerst bij"
        )
    if current is None and backend.dialect == "sqlite":
        legacy = backend.user_version()
        if legacy > len(MIGRATIONS):
            raise StoreError(
                f"de database {backend.label} heeft schemaversie {legacy}, nieuwer dan deze "
                f"triage: werk triage eerst bij"
            )
    return current


def upgrade(backend: Any) -> list[str]:
    """Bring the store to HEAD; the revisions (or legacy steps) applied, in order."""
    current = check(backend)
    if current == HEAD:
        return []
    applied: list[str] = []
    if current is None and backend.dialect == "sqlite":
        applied += _legacy_steps(backend)
        current = BASELINE
    if current == HEAD:
        return applied
    return applied + _alembic_upgrade(backend, current)


def _legacy_steps(backend: Any) -> list[str]:
    """The hand-written steps up to their last version, then the baseline stamp, each step
    in one transaction with its version number (a crash halfway redoes only that step)."""
    applied = []
    db = backend.conn()
    for number in range(backend.user_version(), len(MIGRATIONS)):
        backend.begin()
        try:
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")
        except BaseException:
            backend.rollback()
            raise
        backend.commit()
        applied.append(f"legacy-{number + 1}")
    backend.begin()
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
        db.execute("DELETE FROM alembic_version")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (BASELINE,))
    except BaseException:
        backend.rollback()
        raise
    backend.commit()
    return [*applied, f"stamp-{BASELINE}"]


def _alembic_upgrade(backend: Any, start: str | None) -> list[str]:
    """Alembic's `upgrade head` on a connection of its own (SQLAlchemy Core)."""
    # Imported here: half a second that only a store needing a change pays.
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from bot.store.postgres import MIGRATE_LOCK

    connect_args: dict[str, Any] = {}
    target = getattr(backend, "target", None)
    if target is not None and target.password is not None:
        connect_args["password"] = target.password.get_secret_value()
    engine = sa.create_engine(backend.sqlalchemy_url(), connect_args=connect_args)
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    try:
        with engine.connect() as connection:
            postgres = backend.dialect == "postgresql"
            if postgres:
                connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATE_LOCK})
                connection.commit()
            try:
                # Read again under the lock: another replica may have upgraded meanwhile.
                start = revision(backend)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                if postgres:
                    connection.execute(
                        sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATE_LOCK}
                    )
                    connection.commit()
    finally:
        engine.dispose()
    begin = REVISIONS.index(start) + 1 if start in REVISIONS else 0
    return list(REVISIONS[begin:])

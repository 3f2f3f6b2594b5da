"""The store's schema changes as Alembic revisions (SQLAlchemy Core), for SQLite and PostgreSQL.

`versions/` holds one file per revision, applied in order by `triage db upgrade` (and when a
store is opened). REVISIONS lists them oldest first, so opening a store can tell "up to date",
"older: upgrade" and "newer than this triage: refuse" from the `alembic_version` row without
importing Alembic (a test keeps the list equal to Alembic's own walk of `versions/`).

0001 is the baseline: the schema as the hand-written steps in bot/store/schema.py had made it
(their version 7). SQLite stores made by those steps are brought to 7 by them and stamped 0001;
a new PostgreSQL store is made by 0001 itself. Every later change is a new revision here.
"""

from pathlib import Path

REVISIONS: tuple[str, ...] = ("0001", "0002")
HEAD = REVISIONS[-1]
BASELINE = "0001"
SCRIPTS = Path(__file__).parent

"""`triage db`: the store's schema and moving an installation from SQLite to PostgreSQL.

`upgrade` brings the store named by --db (or $TRIAGE_DB) to this triage's schema and says
what it applied; `status` shows where it stands without changing anything; `copy SOURCE
TARGET` moves every row of one store (a SQLite file) into a new, empty one (PostgreSQL) and
prints the rows per table in both, refusing to write anything when a count differs.
"""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from app.bootstrap import Paths, db_location, open_store
from app.commands import EXIT_ERROR, EXIT_OK, require_db
from app.render.terminal import printable
from bot.store import HEAD, Store


def db(args: argparse.Namespace, paths: Paths, out: TextIO) -> int:
    """Run `triage db upgrade|status|copy`."""
    if args.db_command == "copy":
        return _copy(args.source, args.target, out)
    if args.db_command == "status":
        require_db(paths)
        with open_store(paths, migrate=False) as store:
            current = store.schema_version
            state = (
                "bijgewerkt" if current == HEAD else "moet bijgewerkt worden (triage db upgrade)"
            )
            print(f"database: {printable(store.path)} ({store.dialect})", file=out)
            print(f"schemaversie: {current or 'geen'}; deze triage: {HEAD}; {state}", file=out)
        return EXIT_OK
    with Store(paths.db, password=paths.db_password, migrate=False) as store:
        before = store.schema_version
    with open_store(paths) as store:
        after = store.schema_version
        if before == after:
            print(f"{printable(store.path)} is al bij schemaversie {after}", file=out)
        else:
            print(
                f"{printable(store.path)} bijgewerkt: schemaversie {before or 'geen'} → {after}",
                file=out,
            )
    return EXIT_OK


def _copy(source: str, target: str, out: TextIO) -> int:
    src_location, dst_location = db_location(source), db_location(target)
    if not isinstance(src_location, str) and not src_location.exists():
        print(f"triage: er is geen database op {printable(str(src_location))}", file=out)
        return EXIT_ERROR
    password = os.environ.get("TRIAGE_DB_PASSWORD")
    with (
        Store(src_location, password=password) as src,
        Store(dst_location, password=password) as dst,
    ):
        counts = dst.copy_from(src)
        width = max(len(c.table) for c in counts)
        print(f"gekopieerd van {printable(src.path)} naar {printable(dst.path)}:", file=out)
        for c in counts:
            print(f"  {c.table:<{width}}  {c.source:>8} → {c.target:>8}", file=out)
        print("alle aantallen kloppen", file=out)
    return EXIT_OK

"""`triage tickets`: the stored tickets as a table, or one JSON object per line."""

from __future__ import annotations

import json
import shutil
from typing import TextIO
from zoneinfo import ZoneInfo

from app.bootstrap import Paths, open_store
from app.commands import EXIT_OK, require_db
from app.render.json import ticket_json
from app.render.text import ticket_table
from bot.settings import load_settings


def tickets(paths: Paths, open_only: bool, as_json: bool, stdout: TextIO) -> int:
    """List the tickets (only the open ones with --open), in the settings' time zone; on a
    terminal the table fits its width."""
    tz_name = load_settings(paths.config_dir).calendar.timezone
    tz = ZoneInfo(tz_name)
    require_db(paths)
    with open_store(paths) as store:
        rows = store.tickets(open_only=open_only)
    if as_json:
        for row in rows:
            print(json.dumps(ticket_json(row, tz), ensure_ascii=False), file=stdout)
    else:
        width = shutil.get_terminal_size().columns if stdout.isatty() else None
        print(ticket_table(rows, tz_name, width), file=stdout)
    return EXIT_OK

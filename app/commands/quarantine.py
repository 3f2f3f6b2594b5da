"""`triage quarantine`: what could not become a report (bad call-log rows, unreadable mail)."""

from __future__ import annotations

import json
from typing import TextIO
from zoneinfo import ZoneInfo

from app.bootstrap import Paths, open_store
from app.commands import EXIT_OK, require_db
from app.render.json import quarantine_json
from app.render.text import quarantine_line
from bot.settings import load_settings


def quarantine(paths: Paths, as_json: bool, stdout: TextIO) -> int:
    """List the quarantined items, one line (or JSON object) each."""
    tz = ZoneInfo(load_settings(paths.config_dir).calendar.timezone)
    require_db(paths)
    with open_store(paths) as store:
        rows = store.quarantined()
    for row in rows:
        if as_json:
            print(json.dumps(quarantine_json(row)), file=stdout)
        else:
            print(quarantine_line(row, tz), file=stdout)
    if not rows and not as_json:
        print("quarantine is empty", file=stdout)
    return EXIT_OK

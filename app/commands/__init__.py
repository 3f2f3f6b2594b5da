"""The commands of `triage`, one module per command group; app/cli.py parses and dispatches.

classify (one report or JSON Lines), rules (check, test, eval, suggest, diff), tickets,
explain, quarantine, run (the bot), ingest (phone logs), outage (add, end, list), report (sla,
availability).
`triage demo` is app/demo.py. Each command returns its exit status; only app/cli.py turns
errors into messages. This package holds what they share: the exit codes, the clock and the
database check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from app.bootstrap import Paths
from bot.errors import ConfigError

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


def utc_now() -> datetime:
    """The real clock, for commands that are not given another."""
    return datetime.now(UTC)


def require_db(paths: Paths) -> None:
    """Commands that only read refuse a database that is not there (a typo in --db would
    otherwise create an empty one and report a spotless, empty month)."""
    if isinstance(paths.db, Path) and not paths.db.exists():
        raise ConfigError(
            f"er is geen database op {paths.db}: geef die van `triage run` met --db (of $TRIAGE_DB)"
        )


def since_date(text: str | None) -> date | None:
    """--since YYYY-MM-DD (of `run` and `rules diff`); ConfigError in Dutch when it is not one."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--since verwacht een datum als 2026-11-01, niet {text!r}") from exc

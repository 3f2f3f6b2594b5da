"""`triage explain N`: why ticket N got its priority, category, exemption and deadlines."""

from __future__ import annotations

import json
from typing import TextIO

from app.bootstrap import Paths, load_setup, open_store
from app.commands import EXIT_OK, require_db
from app.render.explain import explanation_json, explanation_text
from bot.errors import ConfigError
from bot.explain import load_explanation


def ticket_argument(text: str) -> int:
    """'12' or '#12' -> 12; anything else is a Dutch usage error."""
    digits = text.strip().removeprefix("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        raise ConfigError(
            f"{text!r} is geen ticketnummer: gebruik bijvoorbeeld `triage explain 12`"
        )
    return int(digits)


def explain(paths: Paths, ticket: str, as_json: bool, out: TextIO) -> int:
    """Print the explanation of one stored ticket (text, or one JSON object with --json)."""
    number = ticket_argument(ticket)
    setup = load_setup(paths)
    require_db(paths)
    tz = setup.triage.calendar.tz
    with open_store(paths) as store:
        explanation = load_explanation(store, setup.triage, number)
    if as_json:
        data = explanation_json(explanation, tz)
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
    else:
        print(explanation_text(explanation, tz), file=out)
    return EXIT_OK

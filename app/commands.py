"""CLI commands that need the adapters: `triage ingest phone`, `triage outage`, `triage report`.

Each command opens the store, does its work through the same code the running bot uses
(the phone intake, the desk), prints a Dutch or plain summary and returns the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from adapters.phone.calllog import ColumnMapping
from adapters.phone.intake import ImportSummary, PhoneIntake, load_mapping
from app.bootstrap import Paths, Setup, load_setup
from app.cli import require_db
from bot.desk import Desk
from bot.nl import count
from bot.store import Store

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_command(args: argparse.Namespace, paths: Paths, out: TextIO, clock: Clock = utc_now) -> int:
    """Dispatch `ingest`, `outage` and `report`."""
    setup = load_setup(paths)
    if args.command == "report" or (args.command == "outage" and args.outage_command == "list"):
        require_db(paths)
    with Store(paths.db) as store:
        if args.command == "ingest":
            return ingest_phone(setup, store, args.files, args.format, args.mapping, out, clock)
        from app.reports_cli import outage_command, report_command

        if args.command == "outage":
            return outage_command(args, setup, store, out, clock)
        return report_command(args, setup, store, out, clock)


def ingest_phone(
    setup: Setup,
    store: Store,
    files: list[Path],
    fmt: str | None,
    mapping_file: Path | None,
    out: TextIO,
    clock: Clock,
) -> int:
    """Import call logs; exit 2 when a row was bad (the good rows are imported anyway)."""
    settings = setup.settings
    desk = Desk(
        setup.triage,
        store,
        policy=lambda: setup.triage.engine.rule_set.reminders,
        slack=settings.slack is not None,
    )
    intake = PhoneIntake(desk, settings.slack.hoog_mention if settings.slack else "<!here>")
    bad = False
    for path in files:
        mapping = load_mapping(
            fmt or (settings.phone.format if not mapping_file else None),
            mapping_file or settings.phone.mapping_file,
            path,
        )
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}", file=out)
            bad = True
            continue
        summary = intake.ingest(data, str(path), mapping, clock())
        print(describe_import(summary), file=out)
        if summary.problems and not summary.outcomes:
            print(format_hint(data, mapping), file=out)
        bad = bad or bool(summary.problems)
    return EXIT_BAD_INPUT if bad else EXIT_OK


def format_hint(data: bytes, mapping: ColumnMapping) -> str:
    """A Dutch hint when no row could be read: usually the wrong --format."""
    first = data[:300].decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()[:1]
    head = first[0] if first else ""
    if mapping.format == "csv" and mapping.delimiter != ";" and ";" in head:
        return (
            "Tip: geen enkele regel was leesbaar en de kopregel bevat ';'. Is dit een "
            "Nederlandse export? Probeer --format nl-csv (of --mapping voor een ander formaat)."
        )
    if mapping.format == "csv" and head.startswith("{"):
        return "Tip: geen enkele regel was leesbaar; dit lijkt JSON Lines: probeer --format jsonl."
    return (
        "Tip: geen enkele regel was leesbaar: klopt --format (asterisk, nl-csv, jsonl) of "
        "de --mapping?"
    )


def describe_import(summary: ImportSummary) -> str:
    """A Dutch summary of one import, one line per thing a person should look at."""
    lines = [
        f"{summary.file}: {count(len(summary.outcomes), 'gesprek', 'gesprekken')}; "
        f"{count(summary.count('ticket'), 'nieuw ticket', 'nieuwe tickets')}, "
        f"{count(summary.count('guaranteed'), 'ticket', 'tickets')} nu gegarandeerd (SLA 4.D), "
        f"{summary.count('attached')} bij een bestaand ticket gevoegd, "
        f"{count(summary.count('missed'), 'gemiste oproep', 'gemiste oproepen')}, "
        f"{summary.count('duplicate')} al eerder ingelezen, "
        f"{count(len(summary.problems), 'onleesbare regel', 'onleesbare regels')}"
    ]
    labels = {
        "ticket": "nieuw ticket",
        "guaranteed": "nu gegarandeerd",
        "attached": "gesprek bijgevoegd",
    }
    for outcome in summary.outcomes:
        if outcome.outcome in labels:
            what = labels[outcome.outcome]
            lines.append(f"  #{outcome.ticket_id}: {what} (gesprek {outcome.call_id[:20]})")
    for outcome in summary.flagged("unknown_ticket_ref"):
        if outcome.outcome != "duplicate":
            lines.append(
                f"  gesprek {outcome.call_id[:20]}: noemt een ticketnummer dat toen nog niet "
                "bestond; als nieuwe melding behandeld"
            )
    for outcome in summary.flagged("unagreed_caller"):
        if outcome.outcome != "duplicate":
            lines.append(
                f"  gesprek {outcome.call_id[:20]}: geen afgesproken contactpersoon (SLA 3.C), "
                "telt niet als telefonische melding"
            )
    for outcome in summary.flagged("outside_hours"):
        if outcome.outcome != "duplicate":
            lines.append(f"  gesprek {outcome.call_id[:20]}: buiten de helpdesk-uren (SLA 3.C)")
    for outcome in summary.flagged("ambiguous_time"):
        lines.append(
            f"  gesprek {outcome.call_id[:20]}: lokale tijd bestond twee keer (wintertijd); "
            "de eerste is genomen"
        )
    lines.extend(f"  {problem}" for problem in summary.problems)
    return "\n".join(lines)

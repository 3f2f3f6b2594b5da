"""`triage ingest phone`: import call logs through the same phone intake the running bot uses."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from adapters.phone.intake import PhoneIntake
from adapters.phone.mapping import ColumnMapping, Layout, requested_layout
from app.bootstrap import Paths, Setup, load_setup, open_store
from app.commands import EXIT_BAD_INPUT, EXIT_OK
from app.render.progress import progress
from app.render.text import describe_import
from bot.clock import Clock
from bot.desk import Desk
from bot.store import Store

# The progress line of a streamed log counts calls as the intake reports them (advance).
_NOTHING: list[None] = []


def ingest(args: argparse.Namespace, paths: Paths, out: TextIO, clock: Clock) -> int:
    """`triage ingest phone FILE...` (phone is the only kind so far)."""
    setup = load_setup(paths)
    phone = setup.settings.phone
    # What is given on the command line wins over settings.yaml; with neither, each file's
    # format is recognised (and its encoding, unless --encoding says it).
    if args.format or args.mapping:
        layout = requested_layout(args.format, args.mapping, args.encoding)
    else:
        layout = requested_layout(
            phone.format, phone.mapping_file, args.encoding, from_settings=True
        )
    with open_store(paths) as store:
        return ingest_phone(setup, store, args.files, layout, out, clock, args.quiet)


def ingest_phone(
    setup: Setup,
    store: Store,
    files: list[Path],
    layout: Layout,
    out: TextIO,
    clock: Clock,
    quiet: bool = False,
) -> int:
    """Import call logs, each read as a stream; exit 2 when a row was bad (the good rows are
    imported anyway). A progress line per file on a terminal unless `quiet`."""
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
        try:
            # A stream has no known number of calls: the line counts them as they come.
            with (
                path.open("rb") as handle,
                progress(_NOTHING, None, f"Gesprekken uit {path.name}", quiet) as shown,
            ):
                summary = intake.ingest(handle, str(path), layout, clock(), on_call=shown.advance)
        except OSError as exc:
            print(f"{path}: kan het bestand niet lezen: {exc.strerror}", file=out)
            bad = True
            continue
        if summary.read_as:
            print(f"{path}: gelezen als {summary.read_as}", file=out)
        print(describe_import(summary), file=out)
        if summary.problems and not summary.outcomes and summary.mapping is not None:
            print(format_hint(summary.head, summary.mapping), file=out)
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

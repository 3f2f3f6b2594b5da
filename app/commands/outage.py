"""`triage outage add|end|list`: the outage windows the availability report counts (SLA 1).

An unplanned outage or force majeure is recorded when it happens, so its times may not lie
in the future; planned maintenance is announced ahead (SLA 2.B) and may.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from app.bootstrap import Paths, Setup, load_setup, open_store
from app.commands import EXIT_OK, require_db
from app.commands.times import parse_time, period_of
from app.render.terminal import printable
from bot import nl
from bot.clock import Clock
from bot.errors import ConfigError
from bot.nl import OUTAGE_KIND_NL
from bot.store import Store


def outage(args: argparse.Namespace, paths: Paths, out: TextIO, clock: Clock) -> int:
    """Dispatch `outage add`, `outage end` and `outage list` (list needs an existing db)."""
    setup = load_setup(paths)
    if args.outage_command == "list":
        require_db(paths)
    with open_store(paths) as store:
        return outage_command(args, setup, store, out, clock)


def outage_command(
    args: argparse.Namespace, setup: Setup, store: Store, out: TextIO, clock: Clock
) -> int:
    """One outage action against an open store."""
    tz = setup.triage.calendar.tz
    now = clock()
    if args.outage_command == "add":
        start = parse_time(args.start, tz, "--start")
        end = parse_time(args.end, tz, "--end") if args.end else None
        if end is not None and end < start:
            raise ConfigError("--end ligt voor --start")
        # Planned maintenance is announced ahead (SLA 2.B), so it may lie in the future; an
        # unplanned outage or force majeure is recorded when it happens.
        if not args.planned and end is not None and end > now:
            raise ConfigError(
                "--end ligt in de toekomst: laat het weg en beëindig het venster later"
            )
        if not args.planned and start > now:
            raise ConfigError("--start ligt in de toekomst: leg een storing vast als hij er is")
        if not args.reason.strip():
            raise ConfigError("--reason is leeg: zeg wat er gebeurde (het staat in het rapport)")
        kind = "planned" if args.planned else "force_majeure" if args.force_majeure else "storing"
        outage_id = store.add_outage(start, end, kind, args.reason.strip(), now, args.scope, "cli")
        until = nl.when(end, tz, with_year=True) if end else "nog bezig"
        print(
            f"Storingsvenster #{outage_id} vastgelegd: {nl.when(start, tz, with_year=True)} tot "
            f"{until} ({OUTAGE_KIND_NL[kind]}, {args.scope}).",
            file=out,
        )
        return EXIT_OK
    if args.outage_command == "end":
        end = parse_time(args.at, tz, "--at") if args.at else now
        if end > now:
            raise ConfigError("--at ligt in de toekomst: beëindig het venster als het voorbij is")
        known = {o.id: o for o in store.outages_between(None, None)}
        if args.id not in known:
            raise ConfigError(f"er is geen storingsvenster #{args.id} (zie `triage outage list`)")
        if known[args.id].end is not None:
            ended = nl.when(known[args.id].end, tz, with_year=True)
            raise ConfigError(f"storingsvenster #{args.id} is al beëindigd ({ended})")
        if end < known[args.id].start:
            started = nl.when(known[args.id].start, tz, with_year=True)
            raise ConfigError(
                f"storingsvenster #{args.id} begon {started}: het kan niet eerder eindigen"
            )
        ended_outage = store.end_outage(args.id, end, "cli")
        print(
            f"Storingsvenster #{ended_outage.id} beëindigd om {nl.when(end, tz, with_year=True)}.",
            file=out,
        )
        return EXIT_OK
    if args.month:
        period = period_of(argparse.Namespace(month=args.month, start=None, end=None), tz, now)
        outages = store.outages_between(period.start, period.end)
    else:
        outages = store.outages_between(None, None)
    if not outages:
        print("Geen storingsvensters vastgelegd.", file=out)
    for o in outages:
        until = nl.when(o.end, tz, with_year=True) if o.end else "nog bezig"
        print(
            f"#{o.id:<4} {nl.when(o.start, tz, with_year=True)} tot {until:<20} "
            f"{OUTAGE_KIND_NL.get(o.kind, o.kind):<18} {printable(o.scope):<10} "
            f"{printable(o.reason)}",
            file=out,
        )
    return EXIT_OK

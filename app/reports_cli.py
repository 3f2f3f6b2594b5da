"""`triage outage add|end|list` and `triage report sla|availability`.

Times on the command line are local (Europe/Amsterdam) unless they carry an offset. A report
covers a calendar month (`--month`, default the previous one) or `--from/--to` (inclusive
local dates), and is computed from what the store knew at the end of the period.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.slack.blocks import SlackMessage
from adapters.slack.monthly import monthly_summary
from app.bootstrap import Setup
from app.render.html import render_html
from bot import nl
from bot.errors import ConfigError
from bot.pipeline import Triage
from bot.reports import availability
from bot.reports import sla as sla_report
from bot.reports.availability import AvailabilityReport
from bot.reports.sla import Period, SlaReport, month_period, parse_month
from bot.store import Store

Clock = Callable[[], datetime]
EXIT_OK = 0
KIND_NL = {"storing": "storing", "planned": "gepland onderhoud", "force_majeure": "overmacht"}


def parse_time(text: str, tz: ZoneInfo, what: str) -> datetime:
    """ISO 8601; a time without offset is local time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"{what}: {text!r} is not an ISO 8601 time (2026-11-24T14:00)") from exc
    if value.tzinfo is not None:
        return value
    local = value.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise ConfigError(
            f"{what}: {text!r} does not exist in {tz.key} (the clocks skip that hour); "
            "give the time with its offset"
        )
    if local.utcoffset() != value.replace(tzinfo=tz, fold=1).utcoffset():
        raise ConfigError(
            f"{what}: {text!r} happened twice in {tz.key} (the clocks went back); give the "
            "time with its offset, +02:00 for the first, +01:00 for the second"
        )
    return local


def period_of(args: argparse.Namespace, tz: ZoneInfo, now: datetime) -> Period:
    """The report's period from --month or --from/--to (default: last month)."""
    if (args.start or args.end) and getattr(args, "month", None):
        raise ConfigError("give either --month or --from/--to, not both")
    if args.start or args.end:
        if not (args.start and args.end):
            raise ConfigError("--from and --to go together (YYYY-MM-DD, both inclusive)")
        try:
            first, last = date.fromisoformat(args.start), date.fromisoformat(args.end)
        except ValueError as exc:
            raise ConfigError(f"--from/--to: {exc}") from exc
        if last < first:
            raise ConfigError("--to is before --from")
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        return Period(start, end, f"{first:%d-%m-%Y} t/m {last:%d-%m-%Y}")
    if args.month:
        try:
            year, month = parse_month(args.month)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    else:
        local = now.astimezone(tz)
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return month_period(year, month, tz)


def build_sla(
    triage: Triage, store: Store, period: Period, now: datetime, organisation: str | None = None
) -> SlaReport:
    """The SLA report of `period` from the store (as of its end, or now while it runs)."""
    as_of = min(now, period.end)
    directory = triage.directory
    if organisation is not None and organisation not in directory.organisations:
        known = ", ".join(sorted(directory.organisations))
        raise ConfigError(f"unknown organisation {organisation!r} (known: {known})")
    names = {key: org.name for key, org in directory.organisations.items()}
    facts = [
        dataclasses.replace(f, organisation_name=names.get(f.organisation or ""))
        for f in store.facts(period.start, period.end, as_of)
        if organisation is None or f.organisation == organisation
    ]
    return sla_report.sla_report(facts, period, as_of, triage.calendar)


def build_availability(store: Store, period: Period, now: datetime) -> AvailabilityReport:
    outages = store.outages_between(period.start, period.end)
    return availability.availability_report(outages, period, now)


def report_command(
    args: argparse.Namespace, setup: Setup, store: Store, out: TextIO, clock: Clock
) -> int:
    tz = setup.triage.calendar.tz
    now = clock()
    period = period_of(args, tz, now)
    if period.start > now:
        raise ConfigError(f"{period.label} has not begun yet: there is nothing to report")
    if args.report_kind == "availability":
        report = build_availability(store, period, now)
        if args.json:
            print(json.dumps(availability.to_json(report), ensure_ascii=False, indent=2), file=out)
        else:
            print(availability.render_text(report, tz), file=out)
        return EXIT_OK
    sla = build_sla(setup.triage, store, period, now, args.organisation)
    if args.json:
        print(json.dumps(sla_report.to_json(sla), ensure_ascii=False, indent=2), file=out)
    else:
        print(sla_report.render_text(sla, tz), file=out)
    if args.html:
        title = f"SLA-rapportage {period.label}"
        if args.organisation:
            title += f" · {setup.triage.directory.organisations[args.organisation].name}"
        page = render_html(sla, build_availability(store, period, now), title, now, tz)
        try:
            args.html.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {args.html}: {exc.strerror}") from exc
        print(f"HTML-rapport geschreven naar {args.html}", file=out)
    return EXIT_OK


def outage_command(
    args: argparse.Namespace, setup: Setup, store: Store, out: TextIO, clock: Clock
) -> int:
    tz = setup.triage.calendar.tz
    now = clock()
    if args.outage_command == "add":
        start = parse_time(args.start, tz, "--start")
        end = parse_time(args.end, tz, "--end") if args.end else None
        if end is not None and end < start:
            raise ConfigError("--end is before --start")
        # Planned maintenance is announced ahead (SLA 2.B), so it may lie in the future; an
        # unplanned outage or force majeure is recorded when it happens.
        if not args.planned and end is not None and end > now:
            raise ConfigError("--end is in the future: leave it out and end the window later")
        if not args.planned and start > now:
            raise ConfigError("--start is in the future; record an outage when it happens")
        if not args.reason.strip():
            raise ConfigError("--reason is empty: say what happened (it is in the report)")
        kind = "planned" if args.planned else "force_majeure" if args.force_majeure else "storing"
        outage_id = store.add_outage(start, end, kind, args.reason.strip(), now, args.scope, "cli")
        until = nl.when(end, tz, with_year=True) if end else "nog bezig"
        print(
            f"Storingsvenster #{outage_id} vastgelegd: {nl.when(start, tz, with_year=True)} tot "
            f"{until} ({KIND_NL[kind]}, {args.scope}).",
            file=out,
        )
        return EXIT_OK
    if args.outage_command == "end":
        end = parse_time(args.at, tz, "--at") if args.at else now
        if end > now:
            raise ConfigError("--at is in the future: end the window when it is over")
        known = {o.id: o for o in store.outages_between(None, None)}
        if args.id not in known:
            raise ConfigError(f"there is no outage #{args.id} (see `triage outage list`)")
        if known[args.id].end is not None:
            ended = nl.when(known[args.id].end, tz, with_year=True)
            raise ConfigError(f"outage #{args.id} already ended ({ended})")
        if end < known[args.id].start:
            started = nl.when(known[args.id].start, tz, with_year=True)
            raise ConfigError(f"outage #{args.id} started {started}: it cannot end before that")
        outage = store.end_outage(args.id, end, "cli")
        print(
            f"Storingsvenster #{outage.id} beëindigd om {nl.when(end, tz, with_year=True)}.",
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
            f"{KIND_NL.get(o.kind, o.kind):<18} {o.scope:<10} {o.reason}",
            file=out,
        )
    return EXIT_OK


def monthly_message(triage: Triage, store: Store, month: str, now: datetime) -> SlackMessage:
    """Last month's SLA and availability figures for the team channel."""
    year, number = parse_month(month)
    tz = triage.calendar.tz
    period = month_period(year, number, tz)
    sla = build_sla(triage, store, period, now)
    avail = build_availability(store, period, now)
    return monthly_summary(sla, avail, month)

"""`triage report sla|availability`: a month (`--month`, default the previous one) or
`--from/--to` (inclusive local dates), as tables, JSON, and for sla also an HTML page.

A report is computed from what the store knew at the end of the period (bot/reports/build.py).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.slack.blocks import SlackMessage
from adapters.slack.views.monthly import monthly_summary
from app.bootstrap import Paths, Setup, load_setup, open_store
from app.commands import EXIT_OK, require_db
from app.commands.times import period_of
from app.render.html import render_html
from app.render.json import availability_json, sla_json
from app.render.progress import progress
from app.render.text import availability_text, sla_text
from bot.clock import Clock
from bot.corrections import CorrectionTrend, correction_trend, month_key, month_keys
from bot.errors import ConfigError
from bot.nl import LONG_MONTHS
from bot.pipeline import Triage
from bot.reports.build import build_availability, build_sla, months_of
from bot.reports.sla import Period, month_period, parse_month
from bot.store import Store

# Months of the corrections trend: in the monthly Slack post, and in the HTML report.
TREND_MONTHS_SLACK, TREND_MONTHS_HTML = 6, 12


def report(args: argparse.Namespace, paths: Paths, out: TextIO, clock: Clock) -> int:
    """`triage report ...` against an existing database."""
    setup = load_setup(paths)
    require_db(paths)
    with open_store(paths) as store:
        return report_command(args, setup, store, out, clock)


def report_command(
    args: argparse.Namespace, setup: Setup, store: Store, out: TextIO, clock: Clock
) -> int:
    """One report against an open store."""
    tz = setup.triage.calendar.tz
    now = clock()
    period = period_of(args, tz, now)
    if period.start > now:
        raise ConfigError(f"{period.label} is nog niet begonnen: er is niets te rapporteren")
    if args.report_kind == "availability":
        availability = build_availability(store, period, now)
        if args.json:
            print(
                json.dumps(availability_json(availability), ensure_ascii=False, indent=2), file=out
            )
        else:
            print(availability_text(availability, tz), file=out)
        return EXIT_OK

    def shown(months: list[Period]) -> Iterable[Period]:
        if len(months) < 2:  # one month is quick: no line for it
            return months
        return progress(months, len(months), f"SLA-rapport {period.label}", args.quiet)

    sla = build_sla(setup.triage, store, period, now, args.organisation, each=shown)
    if not args.json and sla.totals.received == 0:
        defaulted = not (args.month or args.start)
        print(_nothing_received(store, period, tz, now, defaulted), file=out)
    if args.json:
        print(json.dumps(sla_json(sla), ensure_ascii=False, indent=2), file=out)
    else:
        print(sla_text(sla, tz), file=out)
    if args.html:
        title = f"SLA-rapportage {period.label}"
        if args.organisation:
            title += f" · {setup.triage.directory.organisations[args.organisation].name}"
        # A customer's page: no other customer's words in the outage windows' reasons.
        availability = build_availability(store, period, now, args.organisation)
        # The team's corrections of the rules are the team's business, not a customer's.
        trend = None if args.organisation else corrections_trend(setup, store, period, now)
        page = render_html(sla, availability, title, now, tz, trend)
        try:
            args.html.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"kan {args.html} niet schrijven: {exc.strerror}") from exc
        print(f"HTML-rapport geschreven naar {args.html}", file=out)
    return EXIT_OK


def monthly_message(triage: Triage, store: Store, month: str, now: datetime) -> SlackMessage:
    """Last month's SLA and availability figures for the team channel, with the trend of
    the team's corrections over the last six months."""
    year, number = parse_month(month)
    tz = triage.calendar.tz
    period = month_period(year, number, tz)
    sla = build_sla(triage, store, period, now)
    availability = build_availability(store, period, now)
    trend = correction_trend(
        store.corrections(as_of=min(now, period.end), texts=False),
        tz,
        month_keys(month, TREND_MONTHS_SLACK),
        [month],
    )
    return monthly_summary(sla, availability, month, trend)


def corrections_trend(setup: Setup, store: Store, period: Period, now: datetime) -> CorrectionTrend:
    """The corrections of the twelve months up to the period's last, as the store knew them
    at its end; the rows involved most within the period."""
    tz = setup.triage.calendar.tz
    months = [month_key(piece.start, tz) for piece in months_of(period, tz)]
    return correction_trend(
        store.corrections(as_of=min(now, period.end), texts=False),
        tz,
        month_keys(months[-1], TREND_MONTHS_HTML),
        months,
    )


def _nothing_received(
    store: Store, period: Period, tz: ZoneInfo, now: datetime, defaulted: bool
) -> str:
    """Say plainly that the period had no tickets, and where the activity is."""
    lines = [f"In {period.label} is geen enkele melding ontvangen: alle aantallen hieronder 0."]
    last = store.last_received_before(period.start)
    if last is not None:
        local = last.astimezone(tz)
        lines.append(
            f"De laatste maand met meldingen daarvoor: {LONG_MONTHS[local.month - 1]} "
            f"{local.year} (`--month {local:%Y-%m}`)."
        )
    if defaulted:
        current = now.astimezone(tz)
        lines.append(
            f"Zonder --month is dit de vorige maand; de lopende maand tot nu: "
            f"`triage report sla --month {current:%Y-%m}`."
        )
    return "\n".join(lines) + "\n"

"""Times and periods as given on the command line (`--start`, `--at`, `--month`, `--from/--to`).

A time without an offset is local time (the calendar's zone); one that does not exist or
happened twice around a DST change is refused with the offsets to choose from.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import ConfigError
from bot.reports.sla import Period, month_period, parse_month


def parse_time(text: str, tz: ZoneInfo, what: str) -> datetime:
    """ISO 8601; a time without offset is local time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(
            f"{what}: {text!r} is geen tijd in ISO 8601 (zoals 2026-11-24T14:00)"
        ) from exc
    if value.tzinfo is not None:
        return value
    local = value.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise ConfigError(
            f"{what}: {text!r} bestaat niet in {tz.key} (de klok slaat dat uur over); "
            "geef de tijd met de UTC-afwijking"
        )
    if local.utcoffset() != value.replace(tzinfo=tz, fold=1).utcoffset():
        raise ConfigError(
            f"{what}: {text!r} kwam twee keer voor in {tz.key} (de klok ging terug); geef de "
            "tijd met de UTC-afwijking, +02:00 voor de eerste keer, +01:00 voor de tweede"
        )
    return local


def period_of(args: argparse.Namespace, tz: ZoneInfo, now: datetime) -> Period:
    """The report's period from --month or --from/--to (default: last month)."""
    if (args.start or args.end) and getattr(args, "month", None):
        raise ConfigError("geef --month of --from/--to, niet allebei")
    if args.start or args.end:
        if not (args.start and args.end):
            raise ConfigError("--from en --to horen bij elkaar (JJJJ-MM-DD, allebei inclusief)")
        try:
            first, last = date.fromisoformat(args.start), date.fromisoformat(args.end)
        except ValueError as exc:
            raise ConfigError(f"--from/--to: geen datum als 2026-11-30 ({exc})") from exc
        if last < first:
            raise ConfigError("--to ligt voor --from")
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        return Period(start, end, f"{first:%d-%m-%Y} t/m {last:%d-%m-%Y}")
    if args.month:
        try:
            year, month = parse_month(args.month)
        except ValueError as exc:
            raise ConfigError(f"--month {args.month!r}: geef een maand als 2026-11") from exc
    else:
        local = now.astimezone(tz)
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return month_period(year, month, tz)

"""Dutch formatting for what people read: dates, times, durations, priorities."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def when(value: datetime | None, tz: ZoneInfo, with_year: bool = False) -> str:
    """'di 24 nov 10:15' in local time (or 'geen' when there is no time)."""
    if value is None:
        return "geen"
    local = value.astimezone(tz)
    year = f" {local.year}" if with_year else ""
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}{year} {local:%H:%M}"


def business_duration(amount: timedelta) -> str:
    """'3 werkuren', '45 werkminuten', '1 werkuur en 30 werkminuten'."""
    minutes = round(amount.total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} {'werkuur' if hours == 1 else 'werkuren'}")
    if rest or not parts:
        parts.append(f"{rest} {'werkminuut' if rest == 1 else 'werkminuten'}")
    return " en ".join(parts)


LONG_DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
LONG_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def long_when(value: datetime, tz: ZoneInfo) -> str:
    """'dinsdag 24 november 2026 om 10:15' in local time, for customers."""
    local = value.astimezone(tz)
    return (
        f"{LONG_DAYS[local.weekday()]} {local.day} {LONG_MONTHS[local.month - 1]} "
        f"{local.year} om {local:%H:%M}"
    )


def count(amount: int, one: str, many: str) -> str:
    """'1 gesprek', '3 gesprekken': the number with the right form of the noun."""
    return f"{amount} {one if amount == 1 else many}"

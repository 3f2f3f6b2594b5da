"""Deadlines in words: countdowns in business time, which deadline matters now, breaches.

Shared by the ticket post, the reminders, the lists and the digest, so they all count the
same way ("over 3 werkuren", "2 werkuren te laat").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.calendar import BusinessCalendar
from bot.nl import DAYS, DEADLINE_NL, MONTHS, spoken_duration, when
from bot.tickets import TicketView


def short_day(value: datetime, calendar: BusinessCalendar) -> str:
    """'di 24 nov' in local time."""
    local = value.astimezone(calendar.tz)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"


def clock_time(value: datetime, calendar: BusinessCalendar) -> str:
    """'07:00' in local time."""
    return f"{value.astimezone(calendar.tz):%H:%M}"


# -- durations and countdowns ---------------------------------------------------------------
def business_span(amount: timedelta, calendar: BusinessCalendar) -> str:
    """A business duration for people (bot.nl.spoken_duration: '3 werkuren', '1 werkdag',
    '2 werkdagen en 3 werkuren')."""
    return spoken_duration(amount, calendar.working_day)


def _minutes(amount: timedelta) -> int:
    return round(amount.total_seconds() / 60)


def countdown(due: datetime | None, now: datetime, calendar: BusinessCalendar) -> str:
    """'over 3 werkuren', '2 werkuren te laat', 'nu', 'verstreken' or 'geen' (no deadline).

    Counted in business time, so Friday 16:00 to Monday 10:00 is 2 werkuren. A deadline
    passed outside business hours is 'verstreken' until the clock runs again.
    """
    if due is None:
        return "geen"
    span = calendar.business_time_between(now, due)
    if due >= now:
        return f"over {business_span(span, calendar)}" if _minutes(span) else "nu"
    return f"{business_span(span, calendar)} te laat" if _minutes(span) else "verstreken"


def deadline_state(
    due: datetime | None, done_at: datetime | None, now: datetime, calendar: BusinessCalendar
) -> str:
    """Countdown while running; 'gehaald' / 'niet gehaald (… te laat)' once done."""
    if due is None:
        return "geen"
    if done_at is None:
        return countdown(due, now, calendar)
    if done_at <= due:
        return "gehaald"
    late = calendar.business_time_between(due, done_at)
    return (
        f"niet gehaald ({business_span(late, calendar)} te laat)"
        if _minutes(late)
        else ("niet gehaald")
    )


def deadline_text(
    due: datetime | None, done_at: datetime | None, now: datetime, calendar: BusinessCalendar
) -> str:
    """'di 24 nov 14:00 (over 3 werkuren)', or 'geen' without a deadline."""
    if due is None:
        return "geen"
    return f"{when(due, calendar.tz)} ({deadline_state(due, done_at, now, calendar)})"


def overdue(deadline: str, due: datetime, now: datetime, calendar: BusinessCalendar) -> str:
    """'reactietermijn 4 werkuren overschreden' (or 'verstreken om …' outside hours)."""
    span = calendar.business_time_between(due, now)
    if _minutes(span):
        return f"{DEADLINE_NL[deadline]} {business_span(span, calendar)} overschreden"
    return f"{DEADLINE_NL[deadline]} verstreken om {when(due, calendar.tz)}"


def next_deadline(ticket: TicketView) -> tuple[str, datetime | None]:
    """The deadline that matters now: reaction until Dialog reacted, then resolution."""
    if ticket.reacted_at is None and ticket.reaction_due is not None:
        return "reaction", ticket.reaction_due
    return "resolution", ticket.resolution_due


def by_deadline(tickets: Iterable[TicketView]) -> list[TicketView]:
    """Open tickets, nearest deadline first; tickets without a deadline last."""

    def key(ticket: TicketView) -> tuple[bool, float, int]:
        due = next_deadline(ticket)[1]
        return (due is None, due.timestamp() if due else 0.0, ticket.id)

    return sorted((t for t in tickets if t.is_open), key=key)


def breaches(ticket: TicketView, now: datetime) -> list[tuple[str, datetime]]:
    """The deadlines of an open ticket that have passed without being met."""
    found: list[tuple[str, datetime]] = []
    if ticket.reacted_at is None and ticket.reaction_due is not None and ticket.reaction_due < now:
        found.append(("reaction", ticket.reaction_due))
    if ticket.is_open and ticket.resolution_due is not None and ticket.resolution_due < now:
        found.append(("resolution", ticket.resolution_due))
    return found

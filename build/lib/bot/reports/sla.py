"""SLA compliance for a period (a month), computed only from stored facts about tickets.

The store builds one `TicketFacts` per ticket "as of" the end of the period: the priority,
the exemption and the deadlines as they were decided, and the reaction and resolution only if
they happened before the period's end. Nothing here recomputes a deadline or re-applies a
rule, so a past month's report never changes when the rules or the calendar change. The
calendar is used only to measure business time (reaction times, how late a breach was).

Counting (SLA 4.C-4.E, Bijlage 1):
- a deadline is *met* when it happened at or before the due time, *breached* when it
  happened after it or has not happened and `as_of` is past it, *open* when it has not
  happened and is not yet due, and *geen termijn* when the ticket has no such deadline;
- guaranteed and exempt tickets (4.D, 3.C) are counted apart: a missed deadline of an exempt
  ticket is a missed internal target, not an SLA breach.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar
from bot.models import Category, Channel, Priority
from bot.nl import LONG_MONTHS

DeadlineState = Literal["met", "breached", "open", "no_deadline"]
DeadlineName = Literal["reactie", "oplossing"]

PRIORITIES = (Priority.HOOG, Priority.MIDDEL, Priority.LAAG)
UNKNOWN_ORGANISATION = "onbekende organisatie"
# Shortened exemption reasons, by the SLA clause the full reason cites. 3.C is checked first:
# an unagreed caller's reason cites both 3.C and 4.D, and 3.C is what made it exempt.
REASON_3C = "geen afgesproken contactpersoon (3.C)"
REASON_4D = "niet telefonisch gemeld (4.D)"
REASON_UNKNOWN = "reden onbekend"
P90 = 90  # percentile for the reaction-time figure (nearest rank)


def as_utc(value: datetime, name: str) -> datetime:
    """`value` in UTC; a ValueError naming `name` when it has no offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} has no UTC offset")
    return value.astimezone(UTC)


# -- input --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketFacts:
    """What the store knew about one ticket at the end of the period (all times UTC)."""

    id: int
    organisation: str | None
    organisation_name: str | None
    channel: Channel
    received_at: datetime
    clock_start: datetime  # received_at, or the phone call that made the ticket guaranteed
    priority: Priority
    category: Category
    exempt: bool
    exempt_reason: str | None
    reaction_due: datetime | None
    resolution_due: datetime | None
    reacted_at: datetime | None = None  # only if before the period's end
    resolved_at: datetime | None = None  # only if before the period's end

    def __post_init__(self) -> None:
        for name in (
            "received_at",
            "clock_start",
            "reaction_due",
            "resolution_due",
            "reacted_at",
            "resolved_at",
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value, name))


@dataclass(frozen=True)
class Period:
    """A reporting period [start, end) in UTC, with a label people read ("november 2026")."""

    start: datetime
    end: datetime
    label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start, "start"))
        object.__setattr__(self, "end", as_utc(self.end, "end"))
        if self.end <= self.start:
            raise ValueError(f"period {self.label!r} ends before it starts")

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.start <= instant < self.end


def month_period(year: int, month: int, tz: ZoneInfo) -> Period:
    """The calendar month from local midnight on the 1st to local midnight on the next 1st."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1-12")
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Period(start.astimezone(UTC), end.astimezone(UTC), f"{LONG_MONTHS[month - 1]} {year}")


def parse_month(text: str) -> tuple[int, int]:
    """'2026-11' -> (2026, 11); a clear ValueError for anything else."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(f"{text!r} is not a month; use YYYY-MM, e.g. 2026-11")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month {month} is not 1-12")
    return year, month


def short_reason(reason: str | None) -> str:
    """An exemption reason shortened to the SLA clause it rests on."""
    if not reason:
        return REASON_UNKNOWN
    if "3.C" in reason:
        return REASON_3C
    if "4.D" in reason:
        return REASON_4D
    return reason


def ranked_reasons(reasons: Mapping[str, int]) -> list[tuple[str, int]]:
    """Exemption reasons with their counts, the most frequent first (then by name)."""
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


# -- output -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeadlineTally:
    """How one kind of deadline ended for a group of tickets."""

    met: int = 0
    breached: int = 0
    open: int = 0
    no_deadline: int = 0

    @property
    def total(self) -> int:
        return self.met + self.breached + self.open + self.no_deadline


@dataclass(frozen=True)
class GroupTally:
    """Guaranteed (or exempt) tickets of a row and how their deadlines ended."""

    count: int
    reaction: DeadlineTally
    resolution: DeadlineTally


@dataclass(frozen=True)
class SlaRow:
    """One row of the report: a priority, an organisation, or the total."""

    key: str  # "hoog", an organisation id, "" for an unknown organisation, "totaal"
    label: str
    received: int
    guaranteed: GroupTally
    exempt: GroupTally
    exempt_reasons: Counter[str]


@dataclass(frozen=True)
class ReactionStats:
    """Time to first reaction in business time, over the reacted tickets of a priority."""

    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Breach:
    """One missed deadline; `late` in business time (as of `as_of` when still not done)."""

    ticket_id: int
    organisation: str | None
    organisation_name: str | None
    priority: Priority
    deadline: DeadlineName
    due: datetime
    done_at: datetime | None
    late: timedelta
    guaranteed: bool


@dataclass(frozen=True)
class WeekBucket:
    """Breaches whose deadline fell in one ISO week (local time)."""

    year: int
    week: int
    monday: date
    guaranteed: int
    exempt: int

    @property
    def label(self) -> str:
        return f"wk {self.week}"


@dataclass(frozen=True)
class SlaReport:
    """SLA compliance of one period."""

    period: Period
    as_of: datetime
    totals: SlaRow
    by_priority: Mapping[Priority, SlaRow]
    by_organisation: tuple[SlaRow, ...]
    reaction_times: Mapping[Priority, ReactionStats]
    breaches: tuple[Breach, ...]
    weeks: tuple[WeekBucket, ...]


# -- computation --------------------------------------------------------------------------
def deadline_state(
    due: datetime | None, done_at: datetime | None, as_of: datetime
) -> DeadlineState:
    """met / breached / open / no_deadline for one deadline (see the module docstring)."""
    if due is None:
        return "no_deadline"
    if done_at is not None:
        return "met" if done_at <= due else "breached"
    return "breached" if as_of > due else "open"


def _tally(states: Iterable[DeadlineState]) -> DeadlineTally:
    counts = Counter(states)
    return DeadlineTally(
        met=counts["met"],
        breached=counts["breached"],
        open=counts["open"],
        no_deadline=counts["no_deadline"],
    )


def _group(facts: Sequence[TicketFacts], as_of: datetime) -> GroupTally:
    return GroupTally(
        count=len(facts),
        reaction=_tally(deadline_state(f.reaction_due, f.reacted_at, as_of) for f in facts),
        resolution=_tally(deadline_state(f.resolution_due, f.resolved_at, as_of) for f in facts),
    )


def _row(key: str, label: str, facts: Sequence[TicketFacts], as_of: datetime) -> SlaRow:
    exempt = [f for f in facts if f.exempt]
    return SlaRow(
        key=key,
        label=label,
        received=len(facts),
        guaranteed=_group([f for f in facts if not f.exempt], as_of),
        exempt=_group(exempt, as_of),
        exempt_reasons=Counter(short_reason(f.exempt_reason) for f in exempt),
    )


def nearest_rank(sorted_values: Sequence[timedelta], percent: int) -> timedelta | None:
    """The nearest-rank percentile: the value at rank ceil(percent/100 * n) (1-based)."""
    if not sorted_values:
        return None
    rank = max(1, (percent * len(sorted_values) + 99) // 100)  # integer ceil, no float error
    return sorted_values[rank - 1]


def median(sorted_values: Sequence[timedelta]) -> timedelta | None:
    """The median; the mean of the two middle values when there is an even number."""
    n = len(sorted_values)
    if not n:
        return None
    middle = n // 2
    if n % 2:
        return sorted_values[middle]
    return (sorted_values[middle - 1] + sorted_values[middle]) / 2


def reaction_time(facts: TicketFacts, calendar: BusinessCalendar) -> timedelta | None:
    """Business time from the clock start to the first reaction (0 if it came before)."""
    if facts.reacted_at is None:
        return None
    # A reaction before the clock started (an email answered before the phone call that made
    # the ticket guaranteed) is an immediate reaction, not a negative one.
    return max(timedelta(0), calendar.business_time_between(facts.clock_start, facts.reacted_at))


def _breaches(
    facts: Sequence[TicketFacts], as_of: datetime, calendar: BusinessCalendar
) -> list[Breach]:
    found: list[Breach] = []
    for f in facts:
        checks: tuple[tuple[DeadlineName, datetime | None, datetime | None], ...] = (
            ("reactie", f.reaction_due, f.reacted_at),
            ("oplossing", f.resolution_due, f.resolved_at),
        )
        for name, due, done in checks:
            if due is None or deadline_state(due, done, as_of) != "breached":
                continue
            found.append(
                Breach(
                    ticket_id=f.id,
                    organisation=f.organisation,
                    organisation_name=f.organisation_name,
                    priority=f.priority,
                    deadline=name,
                    due=due,
                    done_at=done,
                    late=calendar.business_time_between(due, done or as_of),
                    guaranteed=not f.exempt,
                )
            )
    # Guaranteed (SLA) breaches first, then by deadline; reaction before resolution on a tie.
    found.sort(key=lambda b: (not b.guaranteed, b.due, b.ticket_id, b.deadline != "reactie"))
    return found


def _weeks(period: Period, breaches: Sequence[Breach], tz: ZoneInfo) -> list[WeekBucket]:
    """One bucket per ISO week that overlaps the period, zeros included (for the chart)."""
    first = period.start.astimezone(tz).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    keys: list[tuple[int, int]] = []
    mondays: dict[tuple[int, int], date] = {}
    day = first
    while day <= last:
        iso = day.isocalendar()
        key = (iso.year, iso.week)
        if key not in mondays:
            keys.append(key)
            mondays[key] = day - timedelta(days=day.weekday())
        day += timedelta(days=1)
    guaranteed: Counter[tuple[int, int]] = Counter()
    exempt: Counter[tuple[int, int]] = Counter()
    for breach in breaches:
        iso = breach.due.astimezone(tz).date().isocalendar()
        (guaranteed if breach.guaranteed else exempt)[(iso.year, iso.week)] += 1
    return [
        WeekBucket(
            year, week, mondays[(year, week)], guaranteed[(year, week)], exempt[(year, week)]
        )
        for year, week in keys
    ]


def _organisation_label(facts: Sequence[TicketFacts]) -> str:
    for f in facts:
        if f.organisation_name:
            return f.organisation_name
    return facts[0].organisation or UNKNOWN_ORGANISATION


def sla_report(
    facts: Iterable[TicketFacts],
    period: Period,
    as_of: datetime,
    calendar: BusinessCalendar,
) -> SlaReport:
    """SLA compliance of the tickets received in `period` (start <= received_at < end).

    `as_of` is when the report is made; it is capped at the period's end, because the facts
    only know what happened before then (so a past month's report is the same whenever it is
    made). Reaction times cover all reacted tickets, guaranteed or not: they measure how fast
    support answered, which the exemption does not change.
    """
    as_of = min(as_utc(as_of, "as_of"), period.end)
    chosen = sorted(
        (f for f in facts if period.start <= f.received_at < period.end),
        key=lambda f: (f.received_at, f.id),
    )
    by_priority = {
        p: _row(p.value, p.label, [f for f in chosen if f.priority is p], as_of) for p in PRIORITIES
    }
    groups: dict[str | None, list[TicketFacts]] = {}
    for f in chosen:
        groups.setdefault(f.organisation, []).append(f)
    organisations = sorted(
        (_row(org or "", _organisation_label(rows), rows, as_of) for org, rows in groups.items()),
        key=lambda r: (r.key == "", r.label.casefold(), r.key),
    )
    times: dict[Priority, ReactionStats] = {}
    for p in PRIORITIES:
        values = sorted(
            t
            for t in (reaction_time(f, calendar) for f in chosen if f.priority is p)
            if t is not None
        )
        times[p] = ReactionStats(len(values), median(values), nearest_rank(values, P90))
    breaches = _breaches(chosen, as_of, calendar)
    return SlaReport(
        period=period,
        as_of=as_of,
        totals=_row("totaal", "Totaal", chosen, as_of),
        by_priority=by_priority,
        by_organisation=tuple(organisations),
        reaction_times=times,
        breaches=tuple(breaches),
        weeks=tuple(_weeks(period, breaches, calendar.tz)),
    )

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar
from bot.models import Category, Channel, Priority
from bot.nl import LONG_MONTHS, business_duration, when

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


# -- formatting helpers (shared with availability and the HTML page) ----------------------
def nl_number(value: float, decimals: int = 0) -> str:
    """A number the Dutch way: 44.700 and 99,79."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def hours(amount: timedelta | None) -> str:
    """Business time as hours with two decimals ('2,25'), or '-' when there is none."""
    if amount is None:
        return "-"
    return nl_number(amount.total_seconds() / 3600, 2)


def hours_minutes(amount: timedelta | None) -> str:
    """Business time as 'u:mm' ('2:15' is two hours and a quarter), or '-' when none."""
    if amount is None:
        return "-"
    minutes = round(amount.total_seconds() / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def text_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    left: int = 1,
    align: str | None = None,
) -> list[str]:
    """Fixed-width columns: the first `left` columns left-aligned, the rest right-aligned;
    or `align`, one letter per column ("l" or "r")."""
    body = [list(r) for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *body, strict=True)]
    if align is None:
        align = "l" * left + "r" * (len(headers) - left)
    if len(align) != len(headers):
        raise ValueError(f"align {align!r} does not have one letter per column")

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


DEADLINE_HEADERS = ("gehaald", "overschreden", "open", "geen termijn")


def _tally_cells(tally: DeadlineTally) -> list[str]:
    return [str(tally.met), str(tally.breached), str(tally.open), str(tally.no_deadline)]


def _rows(report: SlaReport) -> list[SlaRow]:
    return [*report.by_priority.values(), report.totals]


def organisation_text(organisation: str | None, name: str | None) -> str:
    return name or organisation or UNKNOWN_ORGANISATION


ORGANISATION_HEADERS = (
    "organisatie",
    "ontvangen",
    "gegarandeerd",
    "uitgezonderd",
    "reactie overschreden",
    "oplossing overschreden",
    "intern overschreden",
)


def organisation_cells(row: SlaRow) -> list[str]:
    """One row of the per-organisation table (terminal and HTML alike)."""
    return [
        row.label,
        str(row.received),
        str(row.guaranteed.count),
        str(row.exempt.count),
        str(row.guaranteed.reaction.breached),
        str(row.guaranteed.resolution.breached),
        str(row.exempt.reaction.breached + row.exempt.resolution.breached),
    ]


def render_text(report: SlaReport, tz: ZoneInfo) -> str:
    """The report as Dutch plain-text tables for the terminal."""
    period = report.period
    out = [
        f"SLA-rapportage {period.label}",
        f"Periode: {when(period.start, tz, True)} tot {when(period.end, tz, True)} "
        f"({tz.key}); stand per {when(report.as_of, tz, True)}",
        "",
        "Meldingen",
        *text_table(
            ("prioriteit", "ontvangen", "gegarandeerd", "uitgezonderd"),
            (
                (r.label, str(r.received), str(r.guaranteed.count), str(r.exempt.count))
                for r in _rows(report)
            ),
        ),
    ]
    sections: tuple[tuple[str, Callable[[SlaRow], DeadlineTally]], ...] = (
        ("Reactietermijn, gegarandeerd (SLA)", lambda r: r.guaranteed.reaction),
        ("Oplostermijn, gegarandeerd (SLA)", lambda r: r.guaranteed.resolution),
        (
            "Reactietermijn, uitgezonderd (intern streefdoel, geen SLA)",
            lambda r: r.exempt.reaction,
        ),
        (
            "Oplostermijn, uitgezonderd (intern streefdoel, geen SLA)",
            lambda r: r.exempt.resolution,
        ),
    )
    for title, pick in sections:
        out += ["", title]
        out += text_table(
            ("prioriteit", *DEADLINE_HEADERS),
            ([r.label, *_tally_cells(pick(r))] for r in _rows(report)),
        )
    out += ["", "Reactietijd in werkuren (alle gereageerde meldingen)"]
    out += text_table(
        ("prioriteit", "gereageerd", "mediaan (u:mm)", "p90 (u:mm)"),
        (
            (p.label, str(s.count), hours_minutes(s.median), hours_minutes(s.p90))
            for p, s in report.reaction_times.items()
        ),
    )
    out += ["", "Per organisatie"]
    out += text_table(
        ORGANISATION_HEADERS,
        (organisation_cells(r) for r in [*report.by_organisation, report.totals]),
    )
    reasons = report.totals.exempt_reasons
    out += ["", "Redenen uitzondering"]
    if reasons:
        out += text_table(
            ("reden", "aantal"),
            ((reason, str(n)) for reason, n in sorted(reasons.items(), key=_by_count)),
        )
    else:
        out.append("geen uitgezonderde meldingen")
    out += ["", "Overschrijdingen"]
    if report.breaches:
        out += text_table(
            ("ticket", "organisatie", "prioriteit", "termijn", "deadline", "te laat", "soort"),
            (
                (
                    f"#{b.ticket_id}",
                    organisation_text(b.organisation, b.organisation_name),
                    b.priority.label,
                    b.deadline,
                    when(b.due, tz),
                    business_duration(b.late) + ("" if b.done_at else " (nog niet gedaan)"),
                    "SLA" if b.guaranteed else "intern",
                )
                for b in report.breaches
            ),
            left=7,
        )
    else:
        out.append("geen overschrijdingen")
    out += ["", "Overschrijdingen per week"]
    out += text_table(
        ("week", "vanaf", "SLA", "intern"),
        (
            (
                f"{w.year}-W{w.week:02d}",
                f"{w.monday.day} {LONG_MONTHS[w.monday.month - 1]}",
                str(w.guaranteed),
                str(w.exempt),
            )
            for w in report.weeks
        ),
        left=2,
    )
    return "\n".join(out) + "\n"


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


# -- JSON ---------------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _seconds(amount: timedelta | None) -> int | None:
    return None if amount is None else round(amount.total_seconds())


def _hours_json(amount: timedelta | None) -> float | None:
    return None if amount is None else round(amount.total_seconds() / 3600, 2)


def _tally_json(tally: DeadlineTally) -> dict[str, int]:
    return {
        "met": tally.met,
        "breached": tally.breached,
        "open": tally.open,
        "no_deadline": tally.no_deadline,
    }


def _group_json(group: GroupTally) -> dict[str, Any]:
    return {
        "count": group.count,
        "reaction": _tally_json(group.reaction),
        "resolution": _tally_json(group.resolution),
    }


def _row_json(row: SlaRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "received": row.received,
        "guaranteed": _group_json(row.guaranteed),
        "exempt": _group_json(row.exempt),
        "exempt_reasons": dict(sorted(row.exempt_reasons.items(), key=_by_count)),
    }


def to_json(report: SlaReport) -> dict[str, Any]:
    """The report as JSON-ready data: ISO 8601 UTC times, stable keys, durations in seconds
    (exact) and hours (two decimals)."""
    return {
        "period": {
            "label": report.period.label,
            "start": _iso(report.period.start),
            "end": _iso(report.period.end),
        },
        "as_of": _iso(report.as_of),
        "totals": _row_json(report.totals),
        "by_priority": {p.value: _row_json(r) for p, r in report.by_priority.items()},
        "by_organisation": [_row_json(r) for r in report.by_organisation],
        "reaction_times": {
            p.value: {
                "count": s.count,
                "median_seconds": _seconds(s.median),
                "median_hours": _hours_json(s.median),
                "p90_seconds": _seconds(s.p90),
                "p90_hours": _hours_json(s.p90),
            }
            for p, s in report.reaction_times.items()
        },
        "breaches": [
            {
                "ticket": b.ticket_id,
                "organisation": b.organisation,
                "organisation_name": b.organisation_name,
                "priority": b.priority.value,
                "deadline": b.deadline,
                "due": _iso(b.due),
                "done_at": _iso(b.done_at),
                "late_seconds": _seconds(b.late),
                "late_hours": _hours_json(b.late),
                "guaranteed": b.guaranteed,
            }
            for b in report.breaches
        ],
        "weeks": [
            {
                "year": w.year,
                "week": w.week,
                "monday": w.monday.isoformat(),
                "guaranteed": w.guaranteed,
                "exempt": w.exempt,
            }
            for w in report.weeks
        ],
    }

"""Availability of the Online Platform per calendar month (SLA article 1).

Beschikbaarheid % = (Maximale Beschikbaarheidstijden - Onbeschikbaarheid) / Maximale
Beschikbaarheidstijden x 100, where the first is every real minute of the month (24/7, so a
month with a DST change has an hour more or less) and Onbeschikbaarheid counts only minutes
the whole platform was down because of a Storing: not Gepland Onderhoud, not overmacht.

Decisions:
- Only `storing` windows with scope "platform" count. A `storing` in one module is listed as
  partial (gedeeltelijk), with its minutes per module, but not counted: the SLA measures the
  Online Platform as a whole, and whether a module outage counts is for Dialog to decide.
- Each window is classified by the team (its `kind`). Where a storing overlaps planned
  maintenance or force majeure of the whole platform, the overlapping minutes are not
  Onbeschikbaarheid: the SLA excludes downtime "als gevolg van" those, and the platform was
  down for them anyway. They are reported as `netted_minutes`.
- Windows are clipped to the period; an ongoing window runs until min(now, period end).
  Overlapping counted windows are merged, so no minute counts twice.
- A report for one customer (organisation) shows a window started from another customer's
  ticket with a neutral reason (`as_seen_by`): the ticket's subject is that customer's words.
  The window itself counts for everyone: the platform was down for all.
- The percentage is computed from exact (microsecond) durations and rounded half up to two
  decimals; whether the 99.5 % guarantee is met is decided on the exact figure, so it always
  agrees with the remaining downtime budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bot.nl import OUTAGE_FROM_TICKET_NL, OUTAGE_KIND_NL, nl_number
from bot.reports.sla import Period, as_utc

OutageKind = Literal["storing", "planned", "force_majeure"]
KINDS: tuple[OutageKind, ...] = ("storing", "planned", "force_majeure")
PLATFORM = "platform"
GUARANTEE_PERCENT = Decimal("99.5")  # SLA 1.A
_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class Outage:
    """A window in which the platform (or one module) was not available, as recorded."""

    id: int
    start: datetime
    end: datetime | None  # None: still ongoing
    scope: str  # "platform" or a module name
    kind: OutageKind
    reason: str
    # Started from a ticket ("#7 <its subject>" as the reason): that ticket and whose it is.
    ticket_id: int | None = None
    ticket_organisation: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start, "start"))
        if self.end is not None:
            object.__setattr__(self, "end", as_utc(self.end, "end"))
            if self.end < self.start:
                raise ValueError(f"outage {self.id} ends before it starts")
        if self.kind not in KINDS:
            raise ValueError(f"outage {self.id}: kind {self.kind!r} is not one of {KINDS}")
        if not self.scope.strip():
            raise ValueError(f"outage {self.id} has no scope (use 'platform' or a module name)")


def as_seen_by(outages: Iterable[Outage], organisation: str) -> list[Outage]:
    """The windows as `organisation` may see them: a reason taken from a ticket of another
    (or no known) organisation becomes neutral; its own tickets' reasons stay."""
    return [
        o
        if o.ticket_id is None or o.ticket_organisation == organisation
        else replace(
            o, reason=OUTAGE_FROM_TICKET_NL.format(kind=OUTAGE_KIND_NL[o.kind].capitalize())
        )
        for o in outages
    ]


@dataclass(frozen=True)
class Window:
    """The part of an outage that falls in the period (clipped), with its length."""

    outage: Outage
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> float:
        return self.duration.total_seconds() / 60

    @property
    def ongoing(self) -> bool:
        return self.outage.end is None


@dataclass(frozen=True)
class AvailabilityReport:
    """Availability of one period (normally a calendar month)."""

    period: Period
    now: datetime
    period_minutes: float
    unavailable_minutes: float  # merged counted windows
    availability_percent: float  # rounded half up to two decimals
    exact_percent: Decimal
    met: bool  # exact availability >= 99.5 %
    budget_minutes: float  # 0.5 % of the period's minutes
    budget_remaining_minutes: float  # negative when the budget is overspent
    overlap_minutes: float  # minutes that overlapping counted windows shared (counted once)
    counted: tuple[Window, ...]
    excluded: tuple[Window, ...]  # planned maintenance and force majeure, any scope
    partial: tuple[Window, ...]  # storing in one module
    partial_minutes: Mapping[str, float]  # module -> merged minutes
    netted_minutes: float = 0.0  # storing minutes inside planned maintenance / force majeure

    @property
    def guarantee_percent(self) -> float:
        return float(GUARANTEE_PERCENT)


def clip(outage: Outage, period: Period, now: datetime) -> Window | None:
    """The part of `outage` inside the period (an ongoing one up to `now`), or None."""
    end = outage.end if outage.end is not None else min(now, period.end)
    start, end = max(outage.start, period.start), min(end, period.end)
    return Window(outage, start, end) if end > start else None


def merged(windows: Iterable[Window]) -> list[tuple[datetime, datetime]]:
    """The union of the windows as sorted, non-overlapping (start, end) intervals."""
    spans: list[tuple[datetime, datetime]] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        if spans and w.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], w.end))
        else:
            spans.append((w.start, w.end))
    return spans


def merged_duration(windows: Iterable[Window]) -> timedelta:
    """Length of the union of the windows: overlapping time counts once."""
    return sum((end - start for start, end in merged(windows)), timedelta(0))


def overlap(
    a: Sequence[tuple[datetime, datetime]], b: Sequence[tuple[datetime, datetime]]
) -> timedelta:
    """Length of the intersection of two sets of merged intervals."""
    total = timedelta(0)
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if end > start:
                total += end - start
    return total


def _minutes(amount: timedelta) -> float:
    return amount.total_seconds() / 60


def availability_report(
    outages: Iterable[Outage], period: Period, now: datetime
) -> AvailabilityReport:
    """Availability in `period` as of `now` (see the module docstring for what counts).

    The period's full length is the denominator even while it is still running, as the SLA
    measures per calendar month; the figure for a running month is the availability so far.
    """
    now = as_utc(now, "now")
    counted: list[Window] = []
    excluded: list[Window] = []
    partial: list[Window] = []
    for outage in sorted(outages, key=lambda o: (o.start, o.id)):
        window = clip(outage, period, now)
        if window is None:
            continue
        if outage.kind != "storing":
            excluded.append(window)
        elif outage.scope == PLATFORM:
            counted.append(window)
        else:
            partial.append(window)

    period_length = period.end - period.start
    platform_excluded = [w for w in excluded if w.outage.scope == PLATFORM]
    netted = overlap(merged(counted), merged(platform_excluded))
    down = merged_duration(counted) - netted
    total_us, down_us = period_length // _US, down // _US
    exact = Decimal(total_us - down_us) * 100 / Decimal(total_us)
    rounded = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # (total - down) / total >= 99.5 / 100, in integers: no rounding can tip the edge.
    met = (total_us - down_us) * 1000 >= total_us * int(GUARANTEE_PERCENT * 10)
    budget = _minutes(period_length) * float(100 - GUARANTEE_PERCENT) / 100
    modules: dict[str, list[Window]] = {}
    for w in partial:
        modules.setdefault(w.outage.scope, []).append(w)
    return AvailabilityReport(
        period=period,
        now=now,
        period_minutes=_minutes(period_length),
        unavailable_minutes=_minutes(down),
        availability_percent=float(rounded),
        exact_percent=exact,
        met=met,
        budget_minutes=budget,
        budget_remaining_minutes=budget - _minutes(down),
        overlap_minutes=sum(w.minutes for w in counted) - _minutes(down) - _minutes(netted),
        counted=tuple(counted),
        excluded=tuple(excluded),
        partial=tuple(partial),
        partial_minutes={m: _minutes(merged_duration(ws)) for m, ws in sorted(modules.items())},
        netted_minutes=_minutes(netted),
    )


# -- wording shared by the terminal, HTML and the Slack monthly post ----------------------
def percent_text(report: AvailabilityReport) -> str:
    """'99,79 %'; when rounding shows 99,50 % but the exact figure is below, say so."""
    text = f"{nl_number(report.availability_percent, 2)} %"
    if not report.met and report.availability_percent >= report.guarantee_percent:
        text += " (afgerond; exact net onder 99,5 %)"
    return text

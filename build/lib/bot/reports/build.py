"""A period's SLA and availability reports, from what the store knew.

Shared by `triage report`, the monthly Slack post and the demo, so they all count the same
tickets and windows. The caller passes `now`; a report never reaches past its period's end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.errors import ConfigError
from bot.pipeline import Triage
from bot.reports.availability import AvailabilityReport, as_seen_by, availability_report
from bot.reports.sla import Period, SlaReport, month_period, sla_report
from bot.store import Store


def build_sla(
    triage: Triage,
    store: Store,
    period: Period,
    now: datetime,
    organisation: str | None = None,
    each: Callable[[list[Period]], Iterable[Period]] | None = None,
) -> SlaReport:
    """The SLA report of `period` from the store (as of its end, or now while it runs).

    The tickets are read month by month; `each` wraps the months as they are read (the
    command line shows progress over a long period with it)."""
    as_of = min(now, period.end)
    directory = triage.directory
    if organisation is not None and organisation not in directory.organisations:
        known = ", ".join(sorted(directory.organisations))
        raise ConfigError(f"onbekende organisatie {organisation!r} (bekend: {known})")
    names = {key: org.name for key, org in directory.organisations.items()}
    months = months_of(period, triage.calendar.tz)
    facts = [
        dataclasses.replace(f, organisation_name=names.get(f.organisation or ""))
        for month in (each(months) if each is not None else months)
        for f in store.facts(month.start, month.end, as_of)
        if organisation is None or f.organisation == organisation
    ]
    return sla_report(facts, period, as_of, triage.calendar)


def build_availability(
    store: Store, period: Period, now: datetime, organisation: str | None = None
) -> AvailabilityReport:
    """The availability report of `period` from the outage windows in the store; for one
    `organisation` (a customer's report) without other customers' words (as_seen_by)."""
    outages = store.outages_between(period.start, period.end)
    if organisation is not None:
        outages = as_seen_by(outages, organisation)
    return availability_report(outages, period, now)


def months_of(period: Period, tz: ZoneInfo) -> list[Period]:
    """`period` cut at the local month boundaries: one piece per (part of a) month, in order."""
    pieces: list[Period] = []
    local = period.start.astimezone(tz)
    year, month = local.year, local.month
    while True:
        whole = month_period(year, month, tz)
        start, end = max(whole.start, period.start), min(whole.end, period.end)
        if start >= period.end:
            return pieces
        pieces.append(Period(start, end, whole.label))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)

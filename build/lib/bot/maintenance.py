"""Maintenance announcements (SLA 2.B): when the draft for a release is due.

Pure: releases, calendars and `now` are passed in. The planner queues a
`MaintenanceAnnouncement` intent at the moment computed here; the Slack adapter words it
(adapters/slack/views/maintenance.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.calendar import BusinessCalendar, ReleaseCalendar

# No calendar has more than this many closed days in a row (see calendar._MAX_SEARCH_DAYS).
_MAX_SEARCH_DAYS = 3 * 366


def working_days_before(day: date, count: int, calendar: BusinessCalendar) -> date:
    """The `count`-th working day before `day` (1 = the working day just before it)."""
    found = 0
    for offset in range(1, _MAX_SEARCH_DAYS):
        candidate = day - timedelta(days=offset)
        if calendar.is_working_day(candidate):
            found += 1
            if found == count:
                return candidate
    raise ValueError(f"no {count} working days before {day} within {_MAX_SEARCH_DAYS} days")


def _working_days_after(day: date, count: int, calendar: BusinessCalendar) -> date:
    """The `count`-th working day after `day`."""
    found = 0
    for offset in range(1, _MAX_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            found += 1
            if found == count:
                return candidate
    raise ValueError(f"no {count} working days after {day} within {_MAX_SEARCH_DAYS} days")


def announcement_moment(
    release: datetime, calendar: BusinessCalendar, days_before: int
) -> datetime:
    """When the announcement of `release` is due: opening time (09:00) of the working day
    that is `days_before` working days before the release's local date, in UTC."""
    if days_before < 1:
        raise ValueError("days_before must be at least 1 (releases are before opening time)")
    release_day = release.astimezone(calendar.tz).date()
    return calendar.opening_of(working_days_before(release_day, days_before, calendar))


def announcements_due(
    releases: ReleaseCalendar, calendar: BusinessCalendar, now: datetime, days_before: int
) -> list[datetime]:
    """The releases (UTC, in order) whose announcement should be posted now.

    A release R is due when announcement_moment(R) <= now < R: from opening time on the
    working day `days_before` working days before R's local date until R itself, so a
    missed run (the bot was down) still announces it. The caller posts each release once
    (keyed by the release time); this function only says which ones are due.
    """
    if days_before < 1:
        raise ValueError("days_before must be at least 1 (releases are before opening time)")
    now = now.astimezone(UTC)
    # A release after the `days_before`-th working day after today is announced after today,
    # so releases up to the end of that day are all that can be due.
    today = now.astimezone(calendar.tz).date()
    horizon = _working_days_after(today, days_before, calendar) + timedelta(days=1)
    until = datetime.combine(horizon, time(0), tzinfo=calendar.tz).astimezone(UTC)
    return [
        r
        for r in releases.releases_between(now, until)
        if r > now and announcement_moment(r, calendar, days_before) <= now
    ]

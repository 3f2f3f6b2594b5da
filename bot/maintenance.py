"""Maintenance announcements (SLA 2.B, 2.C): drafts for the team and when they are due.

Pure: releases, calendars and `now` are passed in; the builders return `SlackMessage`s that a
team member reviews before the text goes to customers (via the Online Platform, the website
or email, SLA 2.B). Nothing here posts anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from adapters.slack.blocks import SlackMessage, clip, escape
from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.nl import long_when

# No calendar has more than this many closed days in a row (see calendar._MAX_SEARCH_DAYS).
_MAX_SEARCH_DAYS = 3 * 366

PLANNED_NATURE = "release van een nieuwe versie van het Online Platform (Gepland Onderhoud)"
PLACEHOLDER_CAUSE = "[aanleiding: wat is er aan de hand]"
PLACEHOLDER_WORK = "[uit te voeren werkzaamheden]"
PLACEHOLDER_DURATION = "[verwachte duur]"
CAUSE_MAX = 500  # keeps the customer text well within Slack's 3,000 characters per section


def minutes_text(minutes: int) -> str:
    """'1 minuut', '2 minuten'."""
    return f"{minutes} {'minuut' if minutes == 1 else 'minuten'}"


def _code(text: str) -> str:
    """`text` as a mrkdwn code block the team can copy (escaped, backticks defused)."""
    return "```\n" + escape(text).replace("```", "'''") + "\n```"


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _header(text: str) -> dict[str, object]:
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(text: str) -> dict[str, object]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}],
    }


def planned_announcement(
    release: datetime, calendar: BusinessCalendar, expected_minutes: int = 2
) -> SlackMessage:
    """A draft announcement of a release (SLA 2.A/2.B): nature, start, expected duration and
    expected unavailability, plus a customer-facing text to copy."""
    if expected_minutes < 1:
        raise ValueError("expected_minutes must be at least 1")
    start = long_when(release, calendar.tz)
    end = (release + timedelta(minutes=expected_minutes)).astimezone(calendar.tz)
    duration = f"ongeveer {minutes_text(expected_minutes)}"
    customer = (
        "Aankondiging gepland onderhoud\n\n"
        f"Op {start} zetten we een nieuwe versie van het Online Platform live. "
        f"De werkzaamheden duren {duration} (tot ongeveer {end:%H:%M}). "
        f"In die tijd is het Online Platform {duration} niet beschikbaar. "
        "We hebben hiervoor een rustig moment gekozen.\n\n"
        "Met vriendelijke groet,\nSupport Dialog"
    )
    fields = [
        f"*Aard van het onderhoud:* {PLANNED_NATURE}",
        f"*Aanvang:* {start}",
        f"*Verwachte duur:* {duration}",
        f"*Verwachte onbeschikbaarheid:* {duration}",
    ]
    blocks = [
        _header("Concept: aankondiging gepland onderhoud"),
        _section("\n".join(fields)),
        _section("*Tekst voor klanten* (kopieer en controleer):\n" + _code(customer)),
        _context(
            "Concept voor het team: controleer de tekst en kondig aan via het Online Platform, "
            "de website of e-mail (SLA 2.B)."
        ),
    ]
    return SlackMessage(f"Concept: aankondiging gepland onderhoud op {start}", blocks)


def emergency_template(
    now: datetime, calendar: BusinessCalendar, cause: str | None = None
) -> SlackMessage:
    """A template to inform customers at once about emergency maintenance (SLA 2.C), with
    placeholders for the cause, the work and the expected duration."""
    since = long_when(now, calendar.tz)
    reason = clip(cause.strip(), CAUSE_MAX) if cause and cause.strip() else PLACEHOLDER_CAUSE
    customer = (
        "Calamiteitenonderhoud aan het Online Platform\n\n"
        f"Sinds {since} is het Online Platform niet (volledig) beschikbaar.\n"
        f"Aanleiding: {reason}\n"
        f"Uit te voeren werkzaamheden: {PLACEHOLDER_WORK}\n"
        f"Verwachte duur: {PLACEHOLDER_DURATION}\n\n"
        "We houden je op de hoogte en melden het zodra alles weer werkt.\n\n"
        "Met vriendelijke groet,\nSupport Dialog"
    )
    blocks = [
        _header("Calamiteitenonderhoud: informeer klanten direct"),
        _section(
            "SLA 2.C: informeer de opdrachtgevers zo spoedig als redelijkerwijs mogelijk, met "
            "de aanleiding en de uit te voeren werkzaamheden. Vul de velden tussen [ ] in."
        ),
        _section("*Tekst voor klanten* (kopieer, vul aan en controleer):\n" + _code(customer)),
    ]
    return SlackMessage(f"Calamiteitenonderhoud sinds {since}: informeer klanten direct", blocks)


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

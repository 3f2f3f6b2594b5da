"""Tests for bot/maintenance.py: announcement drafts (SLA 2.B, 2.C) and when they are due.

Releases with the default calendar (every 21 days from Tue 6 Jan 2026 07:00 local): Tue 17
Nov, Tue 8 Dec, Tue 29 Dec 2026, Tue 19 Jan 2027, all at 07:00 Europe/Amsterdam (CET).
Fri 25 and Sat 26 Dec 2026 and Fri 1 Jan 2027 are public holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.slack.blocks import SlackMessage, render_text
from adapters.slack.views.maintenance import (
    PLACEHOLDER_CAUSE,
    PLACEHOLDER_DURATION,
    PLACEHOLDER_WORK,
    emergency_template,
    planned_announcement,
)
from bot.calendar import BusinessCalendar, ReleaseCalendar, ReleaseConfig
from bot.maintenance import announcement_moment, announcements_due, working_days_before

AMS = ZoneInfo("Europe/Amsterdam")
CAL = BusinessCalendar()
RELEASES = ReleaseCalendar(ReleaseConfig(), CAL)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


R_NOV17 = local(2026, 11, 17, 7)
R_DEC8 = local(2026, 12, 8, 7)
R_DEC29 = local(2026, 12, 29, 7)
R_JAN19 = local(2027, 1, 19, 7)


def all_text(message: SlackMessage) -> str:
    return message.text + "\n" + render_text(message)


def test_the_release_dates_used_below() -> None:
    assert RELEASES.releases_between(local(2026, 11, 1), local(2027, 2, 1)) == [
        R_NOV17,
        R_DEC8,
        R_DEC29,
        R_JAN19,
    ]


# -- planned maintenance ----------------------------------------------------------------------
def test_planned_announcement_fields() -> None:
    message = planned_announcement(R_NOV17, CAL)
    text = all_text(message)
    assert message.text == (
        "Concept: aankondiging gepland onderhoud op dinsdag 17 november 2026 om 07:00"
    )
    # SLA 2.B: nature, start, expected duration, expected unavailability
    assert "Aard van het onderhoud: release van een nieuwe versie van het Online Platform" in text
    assert "Aanvang: dinsdag 17 november 2026 om 07:00" in text
    assert "Verwachte duur: ongeveer 2 minuten" in text
    assert "Verwachte onbeschikbaarheid: ongeveer 2 minuten" in text
    # the customer text, in a code block the team can copy
    customer = message.blocks[2]["text"]["text"]
    assert "```" in customer
    assert "Op dinsdag 17 november 2026 om 07:00 zetten we een nieuwe versie" in customer
    assert "(tot ongeveer 07:02)" in customer
    assert "ongeveer 2 minuten niet beschikbaar" in customer
    assert "Concept voor het team" in text


def test_planned_announcement_other_duration_and_summer_time() -> None:
    # 30 June 2026 is CEST (UTC+2): 07:00 local is 05:00 UTC.
    message = planned_announcement(datetime(2026, 6, 30, 5, tzinfo=UTC), CAL, expected_minutes=1)
    text = all_text(message)
    assert "Aanvang: dinsdag 30 juni 2026 om 07:00" in text
    assert "Verwachte duur: ongeveer 1 minuut" in text
    with pytest.raises(ValueError, match="at least 1"):
        planned_announcement(R_NOV17, CAL, expected_minutes=0)


# -- emergency maintenance --------------------------------------------------------------------
def test_emergency_template_has_placeholders() -> None:
    message = emergency_template(local(2026, 11, 24, 10, 15), CAL)
    text = all_text(message)
    assert "Calamiteitenonderhoud" in message.text
    assert "Sinds dinsdag 24 november 2026 om 10:15" in text
    for placeholder in (PLACEHOLDER_CAUSE, PLACEHOLDER_WORK, PLACEHOLDER_DURATION):
        assert placeholder in text
    assert "Aanleiding:" in text
    assert "Uit te voeren werkzaamheden:" in text
    assert "Verwachte duur:" in text
    assert "SLA 2.C" in text


def test_emergency_template_fills_and_escapes_the_cause() -> None:
    message = emergency_template(
        local(2026, 11, 24, 10), CAL, cause="database <overbelast> & @channel ```"
    )
    customer = message.blocks[2]["text"]["text"]
    assert "Aanleiding: database &lt;overbelast&gt; &amp; @\u200bchannel '''" in customer
    assert PLACEHOLDER_CAUSE not in customer
    assert customer.count("```") == 2  # the code block is not broken open
    assert PLACEHOLDER_WORK in customer


# -- when announcements are due ---------------------------------------------------------------
def test_working_days_before() -> None:
    # before Tue 29 Dec: Mon 28 (1), [Fri 25 holiday, weekend], Thu 24 (2), Wed 23 (3)
    assert working_days_before(date(2026, 12, 29), 1, CAL) == date(2026, 12, 28)
    assert working_days_before(date(2026, 12, 29), 2, CAL) == date(2026, 12, 24)
    assert working_days_before(date(2026, 12, 29), 3, CAL) == date(2026, 12, 23)
    # before Tue 17 Nov: Mon 16 (1), [weekend], Fri 13 (2)
    assert working_days_before(date(2026, 11, 17), 2, CAL) == date(2026, 11, 13)


def test_announcement_moment_is_opening_time() -> None:
    assert announcement_moment(R_DEC29, CAL, 2) == local(2026, 12, 24, 9)
    assert announcement_moment(R_NOV17, CAL, 2) == local(2026, 11, 13, 9)
    assert announcement_moment(R_DEC8, CAL, 1) == local(2026, 12, 7, 9)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # Release Tue 17 Nov, 2 working days before = Fri 13 Nov (over the weekend).
        (local(2026, 11, 12, 17), []),
        (local(2026, 11, 13, 8, 59), []),
        (local(2026, 11, 13, 9), [R_NOV17]),
        (local(2026, 11, 14, 12), [R_NOV17]),  # Saturday: still due (missed run)
        (local(2026, 11, 17, 6, 59), [R_NOV17]),
        (local(2026, 11, 17, 7), []),  # the release itself: too late
        # Release Tue 29 Dec, 2 working days before = Thu 24 Dec (Christmas holiday skipped).
        (local(2026, 12, 23, 17), []),
        (local(2026, 12, 24, 8, 59), []),
        (local(2026, 12, 24, 9), [R_DEC29]),
        (local(2026, 12, 25, 12), [R_DEC29]),
        (local(2026, 12, 29, 6, 59), [R_DEC29]),
    ],
)
def test_announcements_due_two_working_days_before(now: datetime, due: list[datetime]) -> None:
    assert announcements_due(RELEASES, CAL, now, days_before=2) == due


def test_announcements_due_far_ahead() -> None:
    # 20 working days before Tue 29 Dec: Dec 28, 24, 23, 22, 21, 18, 17, 16, 15, 14, 11, 10,
    # 9, 8, 7, 4, 3, 2, 1 (19), Mon 30 Nov (20) -> Mon 30 Nov 09:00.
    assert announcement_moment(R_DEC29, CAL, 20) == local(2026, 11, 30, 9)
    # 20 working days before Tue 19 Jan 2027: Jan 18, 15-11 (6), 8-4 (11), [1 Jan holiday],
    # Dec 31, 30, 29, 28 (15), 24-21 (19), Fri 18 Dec (20).
    assert announcement_moment(R_JAN19, CAL, 20) == local(2026, 12, 18, 9)
    now = local(2026, 12, 7, 12)
    assert announcements_due(RELEASES, CAL, now, days_before=20) == [R_DEC8, R_DEC29]
    assert announcements_due(RELEASES, CAL, local(2026, 12, 18, 9), days_before=20) == [
        R_DEC29,
        R_JAN19,
    ]


def test_announcements_due_needs_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        announcements_due(RELEASES, CAL, local(2026, 11, 13, 9), days_before=0)

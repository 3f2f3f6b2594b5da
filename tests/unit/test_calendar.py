"""Tests for bot/calendar.py: working days, business time, DST, NL holidays and releases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from pydantic import ValidationError

from bot.calendar import BusinessCalendar, CalendarConfig, ReleaseCalendar, ReleaseConfig
from bot.errors import ConfigError

AMS = ZoneInfo("Europe/Amsterdam")
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
WORKING_DAY = timedelta(hours=8)

# NL public holidays exactly as holidays 0.109 ships them (SPEC "Werkdagen"). Hard-coded so
# that a new release of the package that changes the calendar makes these tests fail.
NL_HOLIDAYS: dict[int, list[date]] = {
    2025: [
        date(2025, 1, 1),
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 20),
        date(2025, 4, 21),
        date(2025, 4, 26),  # King's Day (27th is a Sunday)
        date(2025, 5, 5),  # Liberation Day: lustrum year
        date(2025, 5, 29),
        date(2025, 6, 8),
        date(2025, 6, 9),
        date(2025, 12, 25),
        date(2025, 12, 26),
    ],
    2026: [
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 5),
        date(2026, 4, 6),
        date(2026, 4, 27),
        date(2026, 5, 14),
        date(2026, 5, 24),
        date(2026, 5, 25),
        date(2026, 12, 25),
        date(2026, 12, 26),
    ],
    2027: [
        date(2027, 1, 1),
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 28),
        date(2027, 3, 29),
        date(2027, 4, 27),
        date(2027, 5, 6),
        date(2027, 5, 16),
        date(2027, 5, 17),
        date(2027, 12, 25),
        date(2027, 12, 26),
    ],
    2028: [
        date(2028, 1, 1),
        date(2028, 4, 14),  # Good Friday
        date(2028, 4, 16),
        date(2028, 4, 17),
        date(2028, 4, 27),
        date(2028, 5, 25),
        date(2028, 6, 4),
        date(2028, 6, 5),
        date(2028, 12, 25),
        date(2028, 12, 26),
    ],
    2029: [
        date(2029, 1, 1),
        date(2029, 3, 30),
        date(2029, 4, 1),
        date(2029, 4, 2),
        date(2029, 4, 27),
        date(2029, 5, 10),
        date(2029, 5, 20),
        date(2029, 5, 21),
        date(2029, 12, 25),
        date(2029, 12, 26),
    ],
}
_HOLIDAY_SET = frozenset(d for days in NL_HOLIDAYS.values() for d in days)
HOLIDAYS_2026_2028 = [d for year in (2026, 2027, 2028) for d in NL_HOLIDAYS[year]]
WEEKDAY_HOLIDAYS_2026_2028 = [d for d in HOLIDAYS_2026_2028 if d.weekday() < 5]


# -- independent reference implementation (does not use bot.calendar) ---------------------
def ref_is_working_day(day: date) -> bool:
    """Mon-Fri and not in the hard-coded NL holiday list (only for the years listed)."""
    assert day.year in NL_HOLIDAYS, f"reference calendar does not cover {day.year}"
    return day.weekday() < 5 and day not in _HOLIDAY_SET


def ref_next_working_day(day: date) -> date:
    while not ref_is_working_day(day):
        day += timedelta(days=1)
    return day


def ref_previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not ref_is_working_day(day):
        day -= timedelta(days=1)
    return day


def ref_releases(anchor: date, cadence: int, at: time, end: date) -> list[datetime]:
    """Nominal dates anchor + k * cadence before `end`, moved to the next working day."""
    moments: set[datetime] = set()
    nominal = anchor
    while nominal < end:
        moments.add(datetime.combine(ref_next_working_day(nominal), at, tzinfo=AMS))
        nominal += timedelta(days=cadence)
    return sorted(moments)


def ams(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0) -> datetime:
    """A wall-clock time in Europe/Amsterdam."""
    return datetime(y, mo, d, h, mi, s, tzinfo=AMS, fold=fold)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def assert_utc_instant(result: datetime, expected: datetime) -> None:
    """`result` is in UTC, is the same instant as `expected` and shows the same local time."""
    assert result.tzinfo is UTC
    assert result == expected  # different tzinfo objects: compares instants
    local, want = result.astimezone(AMS), expected.astimezone(AMS)
    assert (local.replace(tzinfo=None), local.utcoffset()) == (
        want.replace(tzinfo=None),
        want.utcoffset(),
    )


@pytest.fixture
def cal() -> BusinessCalendar:
    return BusinessCalendar()


@pytest.fixture
def releases(cal: BusinessCalendar) -> ReleaseCalendar:
    return ReleaseCalendar(ReleaseConfig(), cal)


# -- 1. SPEC "Business clock" examples ------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(ams(2026, 1, 13, 14), ams(2026, 1, 14, 14), id="tue-14-to-wed-14"),
        pytest.param(ams(2026, 1, 16, 16), ams(2026, 1, 19, 16), id="fri-16-to-mon-16"),
        pytest.param(ams(2026, 1, 17, 10), ams(2026, 1, 19, 17), id="sat-10-to-mon-17"),
        pytest.param(ams(2026, 1, 18, 23, 59), ams(2026, 1, 19, 17), id="sun-late-to-mon-17"),
        pytest.param(ams(2026, 1, 13, 8), ams(2026, 1, 13, 17), id="tue-08-to-tue-17"),
        pytest.param(ams(2026, 1, 13, 0), ams(2026, 1, 13, 17), id="tue-midnight-to-tue-17"),
        pytest.param(ams(2026, 1, 13, 9), ams(2026, 1, 13, 17), id="tue-opening-to-closing"),
        pytest.param(ams(2026, 1, 13, 17), ams(2026, 1, 14, 17), id="tue-17-to-wed-17"),
        pytest.param(ams(2026, 1, 13, 22), ams(2026, 1, 14, 17), id="tue-22-to-wed-17"),
        pytest.param(ams(2026, 1, 16, 17), ams(2026, 1, 19, 17), id="fri-17-to-mon-17"),
        # the working day before a holiday skips it
        pytest.param(ams(2026, 5, 13, 14), ams(2026, 5, 15, 14), id="before-ascension"),
        pytest.param(ams(2026, 4, 24, 14), ams(2026, 4, 28, 14), id="before-kings-day"),
        pytest.param(ams(2026, 4, 2, 14), ams(2026, 4, 7, 14), id="before-easter"),
        pytest.param(ams(2026, 12, 24, 14), ams(2026, 12, 28, 14), id="before-christmas"),
        pytest.param(ams(2026, 4, 3, 10), ams(2026, 4, 7, 17), id="on-good-friday"),
        pytest.param(ams(2025, 12, 31, 14), ams(2026, 1, 2, 14), id="before-new-year"),
    ],
)
def test_one_working_day_spec_examples(
    cal: BusinessCalendar, start: datetime, expected: datetime
) -> None:
    assert_utc_instant(cal.add_working_days(start, 1), expected)


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        pytest.param(ams(2026, 1, 13, 9), 8 * H, ams(2026, 1, 13, 17), id="full-day-ends-17"),
        pytest.param(ams(2026, 1, 13, 13), 4 * H, ams(2026, 1, 13, 17), id="lands-on-closing"),
        pytest.param(ams(2026, 1, 13, 16, 45), 15 * M, ams(2026, 1, 13, 17), id="15min-to-17"),
        pytest.param(ams(2026, 1, 13, 16, 50), 15 * M, ams(2026, 1, 14, 9, 5), id="15min-tue"),
        pytest.param(ams(2026, 1, 16, 16, 50), 15 * M, ams(2026, 1, 19, 9, 5), id="15min-fri"),
        pytest.param(ams(2026, 5, 13, 16, 50), 15 * M, ams(2026, 5, 15, 9, 5), id="15min-hol"),
        pytest.param(ams(2026, 1, 13, 8, 50), 15 * M, ams(2026, 1, 13, 9, 15), id="15min-early"),
        pytest.param(ams(2026, 1, 13, 16, 59, 59), S, ams(2026, 1, 13, 17), id="1s-to-closing"),
        pytest.param(
            ams(2026, 1, 13, 16, 59, 59), 2 * S, ams(2026, 1, 14, 9, 0, 1), id="2s-next-day"
        ),
        pytest.param(ams(2026, 1, 13, 17), timedelta(0), ams(2026, 1, 14, 9), id="zero-at-17"),
        pytest.param(ams(2026, 1, 13, 12), timedelta(0), ams(2026, 1, 13, 12), id="zero-inside"),
        pytest.param(ams(2026, 1, 12, 9), 40 * H, ams(2026, 1, 16, 17), id="one-week"),
        pytest.param(ams(2026, 1, 12, 9), 40 * H + S, ams(2026, 1, 19, 9, 0, 1), id="week+1s"),
    ],
)
def test_add_business_time(
    cal: BusinessCalendar, start: datetime, amount: timedelta, expected: datetime
) -> None:
    assert_utc_instant(cal.add_business_time(start, amount), expected)


def test_add_business_time_keeps_microseconds(cal: BusinessCalendar) -> None:
    start = ams(2026, 1, 13, 16, 59, 59) + timedelta(microseconds=999_999)
    result = cal.add_business_time(start, timedelta(microseconds=2))
    assert_utc_instant(result, ams(2026, 1, 14, 9) + timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, ams(2026, 1, 13, 14)),
        (0.5, ams(2026, 1, 14, 10)),
        (2, ams(2026, 1, 15, 14)),
        (5, ams(2026, 1, 20, 14)),
    ],
)
def test_add_working_days_counts(cal: BusinessCalendar, days: float, expected: datetime) -> None:
    assert_utc_instant(cal.add_working_days(ams(2026, 1, 13, 14), days), expected)


def test_negative_business_time_raises(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_business_time(ams(2026, 1, 13, 14), -S)
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(ams(2026, 1, 13, 14), -1)


def test_working_day_is_eight_hours(cal: BusinessCalendar) -> None:
    assert cal.working_day == WORKING_DAY


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (ams(2026, 1, 13, 9), True),
        (ams(2026, 1, 13, 16, 59, 59), True),
        (ams(2026, 1, 13, 17), False),
        (ams(2026, 1, 13, 8, 59, 59), False),
        (ams(2026, 1, 17, 12), False),  # Saturday
        (ams(2026, 5, 14, 12), False),  # Ascension Day
        (ams(2026, 3, 30, 9), True),  # first Monday of summer time
        (utc(2026, 3, 30, 6, 30), False),  # 08:30 local in summer, 07:30 in winter
        (utc(2026, 3, 27, 7, 30), False),  # Friday 08:30 winter time
        (utc(2026, 10, 26, 16, 30), False),  # Monday 17:30 winter time
        (utc(2026, 10, 23, 14, 30), True),  # Friday 16:30 summer time
    ],
)
def test_is_business_time(cal: BusinessCalendar, instant: datetime, expected: bool) -> None:
    assert cal.is_business_time(instant) is expected


def test_local_shows_amsterdam_time(cal: BusinessCalendar) -> None:
    summer = cal.local(utc(2026, 7, 1, 10))
    winter = cal.local(utc(2026, 1, 1, 10))
    assert (summer.hour, summer.utcoffset()) == (12, 2 * H)
    assert (winter.hour, winter.utcoffset()) == (11, H)


# -- 2. DST weeks --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "amount", "expected_utc", "expected_offset"),
    [
        # spring forward 2026-03-29: +01:00 -> +02:00
        pytest.param(ams(2026, 3, 27, 14), WORKING_DAY, utc(2026, 3, 30, 12), 2, id="26-fri-14"),
        pytest.param(ams(2026, 3, 27, 16), WORKING_DAY, utc(2026, 3, 30, 14), 2, id="26-fri-16"),
        pytest.param(ams(2026, 3, 27, 9), WORKING_DAY, utc(2026, 3, 27, 16), 1, id="26-fri-09"),
        pytest.param(ams(2026, 3, 28, 10), WORKING_DAY, utc(2026, 3, 30, 15), 2, id="26-sat"),
        pytest.param(ams(2026, 3, 29, 3, 30), WORKING_DAY, utc(2026, 3, 30, 15), 2, id="26-sun"),
        pytest.param(ams(2026, 3, 30, 8), WORKING_DAY, utc(2026, 3, 30, 15), 2, id="26-mon-08"),
        pytest.param(ams(2026, 3, 27, 16, 50), 15 * M, utc(2026, 3, 30, 7, 5), 2, id="26-15m"),
        pytest.param(ams(2026, 3, 26, 14), 2 * WORKING_DAY, utc(2026, 3, 30, 12), 2, id="26-2d"),
        # fall back 2026-10-25: +02:00 -> +01:00
        pytest.param(ams(2026, 10, 23, 14), WORKING_DAY, utc(2026, 10, 26, 13), 1, id="26-oct"),
        pytest.param(ams(2026, 10, 23, 16), WORKING_DAY, utc(2026, 10, 26, 15), 1, id="26-oct-16"),
        pytest.param(
            ams(2026, 10, 25, 2, 30, fold=0), WORKING_DAY, utc(2026, 10, 26, 16), 1, id="26-amb0"
        ),
        pytest.param(
            ams(2026, 10, 25, 2, 30, fold=1), WORKING_DAY, utc(2026, 10, 26, 16), 1, id="26-amb1"
        ),
        pytest.param(ams(2026, 10, 23, 16, 50), 15 * M, utc(2026, 10, 26, 8, 5), 1, id="26-o-15"),
        # 2027: spring forward on Easter Sunday 2027-03-28 (Good Friday, Easter Monday around it)
        pytest.param(ams(2027, 3, 25, 14), WORKING_DAY, utc(2027, 3, 30, 12), 2, id="27-mar"),
        pytest.param(ams(2027, 3, 26, 14), WORKING_DAY, utc(2027, 3, 30, 15), 2, id="27-gfri"),
        # 2027: fall back on 2027-10-31
        pytest.param(ams(2027, 10, 29, 14), WORKING_DAY, utc(2027, 11, 1, 13), 1, id="27-oct"),
        pytest.param(ams(2027, 10, 30, 12), WORKING_DAY, utc(2027, 11, 1, 16), 1, id="27-oct-sat"),
    ],
)
def test_dst_weeks_add_business_time(
    cal: BusinessCalendar,
    start: datetime,
    amount: timedelta,
    expected_utc: datetime,
    expected_offset: int,
) -> None:
    result = cal.add_business_time(start, amount)
    assert result.tzinfo is UTC
    assert result == expected_utc
    assert result.astimezone(AMS).utcoffset() == expected_offset * H
    # the local wall-clock time is what the SPEC example says (14:00 stays 14:00)
    want_local = expected_utc.astimezone(AMS)
    assert result.astimezone(AMS).time() == want_local.time()


@pytest.mark.parametrize(
    ("day", "opening_utc", "closing_utc"),
    [
        (date(2026, 3, 27), utc(2026, 3, 27, 8), utc(2026, 3, 27, 16)),
        (date(2026, 3, 30), utc(2026, 3, 30, 7), utc(2026, 3, 30, 15)),
        (date(2026, 10, 23), utc(2026, 10, 23, 7), utc(2026, 10, 23, 15)),
        (date(2026, 10, 26), utc(2026, 10, 26, 8), utc(2026, 10, 26, 16)),
        (date(2027, 3, 30), utc(2027, 3, 30, 7), utc(2027, 3, 30, 15)),
        (date(2027, 11, 1), utc(2027, 11, 1, 8), utc(2027, 11, 1, 16)),
    ],
)
def test_opening_and_closing_are_utc_across_dst(
    cal: BusinessCalendar, day: date, opening_utc: datetime, closing_utc: datetime
) -> None:
    opening, closing = cal.opening_of(day), cal.closing_of(day)
    assert (opening.tzinfo, closing.tzinfo) == (UTC, UTC)
    assert (opening, closing) == (opening_utc, closing_utc)
    assert closing - opening == WORKING_DAY


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(ams(2026, 3, 27, 9), ams(2026, 3, 30, 17), 16 * H, id="2026-spring-fri-mon"),
        pytest.param(ams(2026, 3, 23), ams(2026, 3, 30), 40 * H, id="2026-spring-week"),
        pytest.param(ams(2026, 3, 23, 9), ams(2026, 3, 31, 17), 56 * H, id="2026-spring-7d"),
        pytest.param(ams(2026, 3, 27, 14), ams(2026, 3, 30, 14), 8 * H, id="2026-spring-14-14"),
        pytest.param(ams(2026, 3, 28), ams(2026, 3, 30, 9), timedelta(0), id="2026-spring-wkend"),
        pytest.param(ams(2026, 10, 23, 9), ams(2026, 10, 26, 17), 16 * H, id="2026-fall-fri-mon"),
        pytest.param(ams(2026, 10, 19), ams(2026, 10, 26), 40 * H, id="2026-fall-week"),
        pytest.param(ams(2026, 10, 23, 14), ams(2026, 10, 26, 14), 8 * H, id="2026-fall-14-14"),
        pytest.param(ams(2027, 3, 25, 9), ams(2027, 3, 30, 17), 16 * H, id="2027-spring-easter"),
        pytest.param(ams(2027, 3, 22), ams(2027, 3, 29), 32 * H, id="2027-spring-week"),
        pytest.param(ams(2027, 10, 25), ams(2027, 11, 1), 40 * H, id="2027-fall-week"),
        pytest.param(ams(2027, 10, 29, 9), ams(2027, 11, 1, 17), 16 * H, id="2027-fall-fri-mon"),
    ],
)
def test_dst_weeks_business_time_between(
    cal: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert cal.business_time_between(start, end) == expected
    assert cal.business_time_between(end, start) == -expected


@pytest.mark.parametrize(
    "monday", [date(2026, 3, 23), date(2026, 10, 19), date(2027, 3, 22), date(2027, 10, 25)]
)
def test_dst_week_every_day_counts_eight_hours(cal: BusinessCalendar, monday: date) -> None:
    for offset in range(14):
        day = monday + timedelta(days=offset)
        midnight = datetime.combine(day, time(0), tzinfo=AMS)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMS)
        expected = WORKING_DAY if ref_is_working_day(day) else timedelta(0)
        assert cal.business_time_between(midnight, next_midnight) == expected, day


# -- 3. NL public holidays -----------------------------------------------------------------
@pytest.mark.parametrize("year", sorted(NL_HOLIDAYS))
def test_holidays_as_the_package_ships_them(cal: BusinessCalendar, year: int) -> None:
    assert sorted(holidays.country_holidays("NL", years=year)) == NL_HOLIDAYS[year]
    assert sorted(cal.holidays(year)) == NL_HOLIDAYS[year]


@pytest.mark.parametrize(
    ("year", "is_holiday"),
    [(2025, True), (2026, False), (2027, False), (2028, False), (2029, False), (2030, True)],
)
def test_liberation_day_only_in_lustrum_years(
    cal: BusinessCalendar, year: int, is_holiday: bool
) -> None:
    liberation = date(year, 5, 5)
    assert (liberation in holidays.country_holidays("NL", years=year)) is is_holiday
    assert (liberation in cal.holidays(year)) is is_holiday
    if liberation.weekday() < 5:
        assert cal.is_working_day(liberation) is not is_holiday


def test_good_friday_is_a_holiday(cal: BusinessCalendar) -> None:
    # only the date: the name follows the process locale ("Goede vrijdag" without LANG)
    assert date(2026, 4, 3) in cal.holidays(2026)
    assert date(2026, 4, 3) in holidays.country_holidays("NL", years=2026)
    assert not cal.is_working_day(date(2026, 4, 3))


@pytest.mark.parametrize("holiday", HOLIDAYS_2026_2028, ids=str)
def test_holiday_is_not_a_working_day(cal: BusinessCalendar, holiday: date) -> None:
    assert cal.is_working_day(holiday) is False
    assert cal.is_business_time(datetime.combine(holiday, time(12), tzinfo=AMS)) is False
    assert cal.next_working_day(holiday) == ref_next_working_day(holiday)
    assert cal.next_working_day(holiday) > holiday


@pytest.mark.parametrize("holiday", HOLIDAYS_2026_2028, ids=str)
def test_days_around_a_holiday(cal: BusinessCalendar, holiday: date) -> None:
    for neighbour in (holiday - timedelta(days=1), holiday + timedelta(days=1)):
        expected = neighbour.weekday() < 5 and neighbour not in _HOLIDAY_SET
        assert cal.is_working_day(neighbour) is expected, neighbour


@pytest.mark.parametrize("holiday", WEEKDAY_HOLIDAYS_2026_2028, ids=str)
def test_one_working_day_before_a_holiday_skips_it(cal: BusinessCalendar, holiday: date) -> None:
    before = ref_previous_working_day(holiday)
    after = ref_next_working_day(holiday + timedelta(days=1))
    assert before < holiday < after
    start = datetime.combine(before, time(14), tzinfo=AMS)
    expected = datetime.combine(after, time(14), tzinfo=AMS)
    assert_utc_instant(cal.add_working_days(start, 1), expected)
    assert cal.business_time_between(start, expected) == WORKING_DAY


def test_weekday_holiday_count() -> None:
    # guards the parametrisation above: 2026: 7, 2027: 6, 2028: 7 holidays fall on Mon-Fri
    by_year = [sum(d.year == y for d in WEEKDAY_HOLIDAYS_2026_2028) for y in (2026, 2027, 2028)]
    assert by_year == [7, 6, 7]


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_working_days_of_a_year(cal: BusinessCalendar, year: int) -> None:
    day, end = date(year, 1, 1), date(year + 1, 1, 1)
    while day < end:
        assert cal.is_working_day(day) is ref_is_working_day(day), day
        day += timedelta(days=1)


# -- 4. configuration ----------------------------------------------------------------------
def test_extra_closing_day_is_not_working() -> None:
    cal = BusinessCalendar(CalendarConfig(extra_closing_days=(date(2026, 1, 14),)))
    assert cal.is_working_day(date(2026, 1, 14)) is False
    assert cal.is_working_day(date(2026, 1, 15)) is True
    assert_utc_instant(cal.add_working_days(ams(2026, 1, 13, 14), 1), ams(2026, 1, 15, 14))
    assert cal.business_time_between(ams(2026, 1, 13), ams(2026, 1, 16)) == 16 * H


def test_dropped_holiday_is_working() -> None:
    kings_day = date(2026, 4, 27)
    cal = BusinessCalendar(CalendarConfig(dropped_holidays=(kings_day,)))
    assert kings_day not in cal.holidays(2026)
    assert date(2026, 4, 3) in cal.holidays(2026)
    assert cal.is_working_day(kings_day) is True
    assert_utc_instant(cal.add_working_days(ams(2026, 4, 24, 14), 1), ams(2026, 4, 27, 14))


def test_dropped_holiday_does_not_leak_into_other_calendars() -> None:
    default = BusinessCalendar()
    assert default.is_working_day(date(2026, 4, 27)) is False
    dropped = BusinessCalendar(CalendarConfig(dropped_holidays=(date(2026, 4, 27),)))
    assert dropped.is_working_day(date(2026, 4, 27)) is True
    assert default.is_working_day(date(2026, 4, 27)) is False


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (ams(2026, 1, 13, 8, 30), 1, ams(2026, 1, 13, 17)),
        (ams(2026, 1, 13, 8), 1, ams(2026, 1, 13, 17)),
        (ams(2026, 1, 13, 14), 1, ams(2026, 1, 14, 14)),
        (ams(2026, 1, 13, 17), 1, ams(2026, 1, 14, 17)),
        (ams(2026, 1, 16, 16), 1, ams(2026, 1, 19, 16)),
    ],
)
def test_other_opening_hours(start: datetime, days: int, expected: datetime) -> None:
    cal = BusinessCalendar(CalendarConfig(opening=time(8, 30), closing=time(17, 0)))
    assert cal.working_day == timedelta(hours=8, minutes=30)
    assert_utc_instant(cal.add_working_days(start, days), expected)


def test_other_opening_hours_from_strings() -> None:
    config = CalendarConfig.model_validate({"opening": "08:30", "closing": "17:00"})
    cal = BusinessCalendar(config)
    assert cal.business_time_between(ams(2026, 1, 13), ams(2026, 1, 14)) == timedelta(
        hours=8, minutes=30
    )
    assert cal.is_business_time(ams(2026, 1, 13, 8, 30)) is True
    assert cal.is_business_time(ams(2026, 1, 13, 8, 29, 59)) is False


def test_working_weekdays_include_saturday() -> None:
    cal = BusinessCalendar(CalendarConfig(working_weekdays=(0, 1, 2, 3, 4, 5)))
    assert cal.is_working_day(date(2026, 1, 17)) is True
    assert cal.is_working_day(date(2026, 1, 18)) is False
    assert_utc_instant(cal.add_working_days(ams(2026, 1, 16, 16), 1), ams(2026, 1, 17, 16))
    assert_utc_instant(cal.add_working_days(ams(2026, 1, 17, 16), 1), ams(2026, 1, 19, 16))


def test_working_weekdays_four_day_week() -> None:
    cal = BusinessCalendar(CalendarConfig(working_weekdays=(3, 0, 1, 2, 0)))
    assert cal.config.working_weekdays == (0, 1, 2, 3)
    assert cal.is_working_day(date(2026, 1, 16)) is False
    assert_utc_instant(cal.add_working_days(ams(2026, 1, 15, 14), 1), ams(2026, 1, 19, 14))


def test_other_time_zone() -> None:
    cal = BusinessCalendar(CalendarConfig(timezone="Europe/London"))
    assert cal.opening_of(date(2026, 1, 13)) == utc(2026, 1, 13, 9)
    assert cal.opening_of(date(2026, 7, 14)) == utc(2026, 7, 14, 8)
    assert_utc_instant(cal.add_working_days(utc(2026, 1, 13, 14), 1), utc(2026, 1, 14, 14))


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"opening": time(17), "closing": time(9)}, id="opening-after-closing"),
        pytest.param({"opening": time(9), "closing": time(9)}, id="opening-equals-closing"),
        pytest.param({"opening": "18:00"}, id="opening-after-default-closing"),
        pytest.param({"timezone": "Europe/Atlantis"}, id="unknown-zone"),
        pytest.param({"timezone": ""}, id="empty-zone"),
        pytest.param({"timezone": "../etc/passwd"}, id="path-zone"),
        pytest.param({"working_weekdays": ()}, id="no-weekdays"),
        pytest.param({"working_weekdays": (0, 7)}, id="weekday-7"),
        pytest.param({"working_weekdays": (-1,)}, id="weekday-negative"),
        pytest.param({"closing_time": "17:00"}, id="unknown-key"),
        pytest.param({"extra_closing_days": ["not a date"]}, id="bad-date"),
    ],
)
def test_invalid_calendar_config(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CalendarConfig.model_validate(settings)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"cadence_days": 0}, id="cadence-0"),
        pytest.param({"cadence_days": -21}, id="cadence-negative"),
        pytest.param({"every": 21}, id="unknown-key"),
        pytest.param({"skip": ["2026-02-30"]}, id="bad-date"),
    ],
)
def test_invalid_release_config(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ReleaseConfig.model_validate(settings)


def test_config_is_frozen() -> None:
    config = CalendarConfig()
    with pytest.raises(ValidationError):
        config.opening = time(8)


def test_unknown_country_is_refused_by_the_config() -> None:
    with pytest.raises(ValidationError, match="XX"):
        CalendarConfig(country="XX")


@pytest.mark.parametrize("country", ["nl", "Netherlands", "", "N L", "NETHERLANDS", "ÑL"])
def test_only_an_iso_code_names_a_country(country: str) -> None:
    with pytest.raises(ValidationError, match="no calendar for country"):
        CalendarConfig(country=country)


def test_every_country_the_holidays_package_lists_is_accepted() -> None:
    # The check asks for the one calendar rather than listing all; it accepts the same codes.
    for code in holidays.list_supported_countries():
        assert CalendarConfig(country=code).country == code


def _no_working_days() -> BusinessCalendar:
    """Only Mondays are working days, and every Monday of 2025-2030 is an extra closing day."""
    mondays = tuple(date(2024, 12, 30) + timedelta(weeks=w) for w in range(6 * 53))
    return BusinessCalendar(CalendarConfig(working_weekdays=(0,), extra_closing_days=mondays))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.next_working_day(date(2026, 1, 13)), id="next_working_day"),
        pytest.param(lambda c: c.add_business_time(ams(2026, 1, 13, 10), H), id="add_time"),
        pytest.param(lambda c: c.add_working_days(ams(2026, 1, 13, 10), 1), id="add_days"),
        pytest.param(
            lambda c: ReleaseCalendar(ReleaseConfig(), c).next_release_after(ams(2026, 1, 1)),
            id="next_release",
        ),
    ],
)
def test_calendar_without_working_days_raises(call: Callable[[BusinessCalendar], Any]) -> None:
    with pytest.raises(ConfigError, match="geen werkdagen"):
        call(_no_working_days())


# -- 5. naive datetimes --------------------------------------------------------------------
NAIVE = datetime(2026, 1, 13, 14)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c, r: c.add_business_time(NAIVE, H), id="add_business_time"),
        pytest.param(lambda c, r: c.add_working_days(NAIVE, 1), id="add_working_days"),
        pytest.param(lambda c, r: c.business_time_between(NAIVE, ams(2026, 1, 14)), id="btb-1"),
        pytest.param(lambda c, r: c.business_time_between(ams(2026, 1, 12), NAIVE), id="btb-2"),
        pytest.param(lambda c, r: c.is_business_time(NAIVE), id="is_business_time"),
        pytest.param(lambda c, r: c.local(NAIVE), id="local"),
        pytest.param(lambda c, r: r.releases_between(NAIVE, ams(2026, 3, 1)), id="rb-1"),
        pytest.param(lambda c, r: r.releases_between(ams(2026, 1, 1), NAIVE), id="rb-2"),
        pytest.param(lambda c, r: r.next_release_after(NAIVE), id="next_release_after"),
    ],
)
def test_naive_datetime_raises(
    cal: BusinessCalendar,
    releases: ReleaseCalendar,
    call: Callable[[BusinessCalendar, ReleaseCalendar], Any],
) -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        call(cal, releases)


# -- 6. business_time_between --------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(ams(2026, 1, 13, 10), ams(2026, 1, 13, 12, 30), 150 * M, id="same-day"),
        pytest.param(ams(2026, 1, 13, 7), ams(2026, 1, 13, 20), 8 * H, id="same-day-whole"),
        pytest.param(ams(2026, 1, 13, 7), ams(2026, 1, 13, 10), H, id="from-before-opening"),
        pytest.param(ams(2026, 1, 13, 16), ams(2026, 1, 13, 23), H, id="to-after-closing"),
        pytest.param(ams(2026, 1, 16, 15), ams(2026, 1, 19, 11), 4 * H, id="across-weekend"),
        pytest.param(ams(2026, 1, 12), ams(2026, 1, 19), 40 * H, id="whole-week"),
        pytest.param(ams(2026, 5, 13, 15), ams(2026, 5, 15, 10), 3 * H, id="across-ascension"),
        pytest.param(ams(2026, 4, 2, 9), ams(2026, 4, 7, 17), 16 * H, id="across-easter"),
        pytest.param(ams(2026, 12, 24, 9), ams(2026, 12, 29, 9), 16 * H, id="across-christmas"),
        pytest.param(ams(2026, 12, 31, 9), ams(2027, 1, 5, 9), 16 * H, id="across-new-year"),
        pytest.param(ams(2026, 1, 13, 16, 59, 59), ams(2026, 1, 14, 9, 0, 1), 2 * S, id="secs"),
        pytest.param(utc(2026, 1, 13, 9), utc(2026, 1, 13, 10), H, id="utc-inputs"),
        pytest.param(ams(2026, 1, 13, 17), ams(2026, 1, 14, 9), timedelta(0), id="zero-night"),
        pytest.param(ams(2026, 1, 17, 9), ams(2026, 1, 18, 18), timedelta(0), id="zero-weekend"),
        pytest.param(ams(2026, 5, 14, 9), ams(2026, 5, 14, 17), timedelta(0), id="zero-holiday"),
        pytest.param(ams(2026, 1, 13, 12), ams(2026, 1, 13, 12), timedelta(0), id="zero-same"),
        pytest.param(ams(2026, 1, 13, 18), ams(2026, 1, 13, 23), timedelta(0), id="zero-evening"),
    ],
)
def test_business_time_between(
    cal: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert cal.business_time_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (ams(2026, 1, 19, 11), ams(2026, 1, 16, 15), -4 * H),
        (ams(2026, 1, 13, 12, 30), ams(2026, 1, 13, 10), -150 * M),
        (ams(2026, 5, 15, 10), ams(2026, 5, 13, 15), -3 * H),
        (ams(2026, 1, 14, 9), ams(2026, 1, 13, 17), timedelta(0)),
    ],
)
def test_business_time_between_reversed_is_negative(
    cal: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert cal.business_time_between(start, end) == expected


# -- 7. release calendar -------------------------------------------------------------------
DEFAULT_RELEASES_2026_2028 = ref_releases(date(2026, 1, 6), 21, time(7), date(2029, 1, 1))


def test_default_releases_start_of_2026(releases: ReleaseCalendar) -> None:
    found = releases.releases_between(utc(2026, 1, 1), utc(2026, 5, 1))
    assert found == [
        utc(2026, 1, 6, 6),
        utc(2026, 1, 27, 6),
        utc(2026, 2, 17, 6),
        utc(2026, 3, 10, 6),
        utc(2026, 3, 31, 5),  # 07:00 summer time
        utc(2026, 4, 21, 5),
    ]
    assert all(t.tzinfo is UTC for t in found)


def test_default_releases_2026_2028_match_reference(releases: ReleaseCalendar) -> None:
    found = releases.releases_between(ams(2026, 1, 1), ams(2029, 1, 1))
    assert len(found) == 52
    assert found == DEFAULT_RELEASES_2026_2028
    assert all(t.tzinfo is UTC for t in found)
    assert all(t.astimezone(AMS).time() == time(7) for t in found)


def test_default_nominal_release_dates_on_non_working_days() -> None:
    # Computed without bot.calendar: every default release is a Tuesday (21 days = 3 weeks)
    # and no NL holiday of 2026-2028 falls on one of those Tuesdays, so none is moved.
    nominal = [date(2026, 1, 6) + timedelta(days=21 * k) for k in range(52)]
    assert nominal[-1] == date(2028, 12, 12)
    assert {d.weekday() for d in nominal} == {1}
    assert [d for d in nominal if not ref_is_working_day(d)] == []
    # the Tuesday holidays in that range are not release days
    tuesday_holidays = [d for d in HOLIDAYS_2026_2028 if d.weekday() == 1]
    assert tuesday_holidays == [date(2027, 4, 27), date(2028, 12, 26)]
    assert not set(tuesday_holidays) & set(nominal)


# (anchor, cadence, moves nominal -> actual date): worked out by hand from NL_HOLIDAYS
SHIFTED_SCHEDULES = [
    pytest.param(
        datetime(2026, 1, 5, 7),
        7,
        {
            date(2026, 4, 6): date(2026, 4, 7),
            date(2026, 4, 27): date(2026, 4, 28),
            date(2026, 5, 25): date(2026, 5, 26),
            date(2027, 3, 29): date(2027, 3, 30),
            date(2027, 5, 17): date(2027, 5, 18),
            date(2028, 4, 17): date(2028, 4, 18),
            date(2028, 6, 5): date(2028, 6, 6),
            date(2028, 12, 25): date(2028, 12, 27),
        },
        id="weekly-mondays",
    ),
    pytest.param(
        datetime(2026, 1, 2, 7),
        7,
        {
            date(2026, 4, 3): date(2026, 4, 7),
            date(2026, 12, 25): date(2026, 12, 28),
            date(2027, 1, 1): date(2027, 1, 4),
            date(2027, 3, 26): date(2027, 3, 30),
            date(2028, 4, 14): date(2028, 4, 18),
        },
        id="weekly-fridays",
    ),
    pytest.param(
        datetime(2026, 1, 1, 7),
        7,
        {
            date(2026, 1, 1): date(2026, 1, 2),
            date(2026, 5, 14): date(2026, 5, 15),
            date(2027, 5, 6): date(2027, 5, 7),
            date(2028, 4, 27): date(2028, 4, 28),
            date(2028, 5, 25): date(2028, 5, 26),
        },
        id="weekly-thursdays",
    ),
]


def _moves(anchor: date, cadence: int, end: date) -> dict[date, date]:
    moves = {}
    nominal = anchor
    while nominal < end:
        actual = ref_next_working_day(nominal)
        if actual != nominal:
            moves[nominal] = actual
        nominal += timedelta(days=cadence)
    return moves


@pytest.mark.parametrize(("anchor", "cadence", "expected_moves"), SHIFTED_SCHEDULES)
def test_release_on_non_working_day_moves_to_next_working_day(
    cal: BusinessCalendar, anchor: datetime, cadence: int, expected_moves: dict[date, date]
) -> None:
    assert _moves(anchor.date(), cadence, date(2029, 1, 1)) == expected_moves
    rel = ReleaseCalendar(ReleaseConfig(anchor=anchor, cadence_days=cadence), cal)
    found = rel.releases_between(ams(2026, 1, 1), ams(2029, 1, 1))
    assert found == ref_releases(anchor.date(), cadence, time(7), date(2029, 1, 1))
    found_days = {t.astimezone(AMS).date() for t in found}
    for nominal, actual in expected_moves.items():
        assert nominal not in found_days
        assert actual in found_days
        assert_utc_instant(
            rel.next_release_after(datetime.combine(nominal, time(6), tzinfo=AMS)),
            datetime.combine(actual, time(7), tzinfo=AMS),
        )


def test_release_moved_off_good_friday_keeps_local_time_across_dst(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(anchor=datetime(2026, 1, 2, 7), cadence_days=7), cal)
    # nominal Fri 2027-03-26 07:00 +01:00 (Good Friday) -> Tue 2027-03-30 07:00 +02:00
    assert rel.next_release_after(ams(2027, 3, 25, 12)) == utc(2027, 3, 30, 5)


def test_release_on_extra_closing_day_moves() -> None:
    cal = BusinessCalendar(CalendarConfig(extra_closing_days=(date(2026, 1, 27),)))
    rel = ReleaseCalendar(ReleaseConfig(), cal)
    assert rel.next_release_after(ams(2026, 1, 6, 7)) == ams(2026, 1, 28, 7)


def test_daily_cadence_has_no_duplicates(cal: BusinessCalendar) -> None:
    # Saturday, Sunday and Monday all land on Monday: one release, not three.
    rel = ReleaseCalendar(ReleaseConfig(anchor=datetime(2026, 1, 1, 7), cadence_days=1), cal)
    found = rel.releases_between(ams(2026, 1, 1), ams(2026, 2, 1))
    expected_days = [
        d
        for d in (date(2026, 1, 1) + timedelta(days=k) for k in range(31))
        if ref_is_working_day(d)
    ]
    assert [t.astimezone(AMS).date() for t in found] == expected_days
    assert len(found) == len(set(found)) == 21


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(ams(2026, 12, 29, 7), ams(2027, 1, 19, 7), id="at-last-2026-release"),
        pytest.param(ams(2026, 12, 29, 6, 59), ams(2026, 12, 29, 7), id="just-before"),
        pytest.param(ams(2026, 12, 31, 23, 59), ams(2027, 1, 19, 7), id="new-years-eve"),
        pytest.param(ams(2027, 12, 21, 7), ams(2028, 1, 11, 7), id="at-last-2027-release"),
        pytest.param(ams(2026, 1, 6, 7), ams(2026, 1, 27, 7), id="at-anchor"),
        pytest.param(ams(2026, 1, 6, 6, 59, 59), ams(2026, 1, 6, 7), id="just-before-anchor"),
        pytest.param(ams(2025, 6, 1), ams(2026, 1, 6, 7), id="before-anchor"),
        pytest.param(ams(2024, 1, 1), ams(2026, 1, 6, 7), id="long-before-anchor"),
        pytest.param(ams(2026, 3, 10, 7), ams(2026, 3, 31, 7), id="into-summer-time"),
        pytest.param(ams(2026, 10, 6, 7), ams(2026, 10, 27, 7), id="into-winter-time"),
    ],
)
def test_next_release_after(
    releases: ReleaseCalendar, instant: datetime, expected: datetime
) -> None:
    # nominal dates checked by hand: 2026-12-29 is 357 = 17 * 21 days after the anchor
    assert (date(2026, 12, 29) - date(2026, 1, 6)).days == 17 * 21
    assert (date(2027, 1, 19) - date(2026, 1, 6)).days == 18 * 21
    assert (date(2027, 12, 21) - date(2026, 1, 6)).days == 34 * 21
    assert (date(2028, 1, 11) - date(2026, 1, 6)).days == 35 * 21
    assert_utc_instant(releases.next_release_after(instant), expected)


def test_next_release_after_is_strictly_after_every_release(releases: ReleaseCalendar) -> None:
    for current, following in pairwise(DEFAULT_RELEASES_2026_2028):
        assert releases.next_release_after(current) == following
        assert releases.next_release_after(current - timedelta(microseconds=1)) == current
        assert releases.next_release_after(current + S) == following


def test_releases_between_is_half_open(releases: ReleaseCalendar) -> None:
    jan6, jan27 = ams(2026, 1, 6, 7), ams(2026, 1, 27, 7)
    assert releases.releases_between(jan6, jan27) == [jan6]
    assert releases.releases_between(jan6 + S, jan27 + S) == [jan27]
    assert releases.releases_between(jan27, jan6) == []


def test_report_before_anchor_gets_anchor(releases: ReleaseCalendar) -> None:
    assert releases.releases_between(ams(2025, 1, 1), ams(2026, 1, 10)) == [utc(2026, 1, 6, 6)]
    assert_utc_instant(releases.next_release_after(ams(2025, 12, 24, 12)), ams(2026, 1, 6, 7))


def test_anchor_given_in_utc_is_the_same_schedule(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(anchor=utc(2026, 1, 6, 6)), cal)
    assert rel.releases_between(ams(2026, 1, 1), ams(2029, 1, 1)) == DEFAULT_RELEASES_2026_2028


def test_skip_release(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(skip=(date(2026, 1, 27),)), cal)
    assert rel.releases_between(ams(2026, 1, 1), ams(2026, 3, 1)) == [
        ams(2026, 1, 6, 7),
        ams(2026, 2, 17, 7),
    ]
    assert_utc_instant(rel.next_release_after(ams(2026, 1, 6, 7)), ams(2026, 2, 17, 7))


def test_skip_the_anchor(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(skip=(date(2026, 1, 6),)), cal)
    assert_utc_instant(rel.next_release_after(ams(2025, 12, 1)), ams(2026, 1, 27, 7))


def test_skip_nominal_date_of_a_moved_release(cal: BusinessCalendar) -> None:
    config = ReleaseConfig(anchor=datetime(2026, 1, 5, 7), cadence_days=7, skip=(date(2026, 4, 6),))
    rel = ReleaseCalendar(config, cal)
    assert rel.releases_between(ams(2026, 3, 31), ams(2026, 4, 21)) == [
        ams(2026, 4, 13, 7),
        ams(2026, 4, 20, 7),
    ]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(datetime(2026, 1, 29, 7), id="naive-is-local"),
        pytest.param(utc(2026, 1, 29, 6), id="aware-utc"),
    ],
)
def test_move_release(cal: BusinessCalendar, target: datetime) -> None:
    rel = ReleaseCalendar(ReleaseConfig(move={date(2026, 1, 27): target}), cal)
    assert rel.releases_between(ams(2026, 1, 1), ams(2026, 3, 1)) == [
        ams(2026, 1, 6, 7),
        ams(2026, 1, 29, 7),
        ams(2026, 2, 17, 7),
    ]
    assert_utc_instant(rel.next_release_after(ams(2026, 1, 6, 7)), ams(2026, 1, 29, 7))
    assert_utc_instant(rel.next_release_after(ams(2026, 1, 29, 7)), ams(2026, 2, 17, 7))


def test_move_release_earlier(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(move={date(2026, 2, 17): datetime(2026, 2, 12, 22)}), cal)
    assert rel.releases_between(ams(2026, 1, 20), ams(2026, 3, 20)) == [
        ams(2026, 1, 27, 7),
        ams(2026, 2, 12, 22),
        ams(2026, 3, 10, 7),
    ]


def test_move_release_onto_another_release_is_not_duplicated(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(move={date(2026, 1, 27): datetime(2026, 2, 17, 7)}), cal)
    assert rel.releases_between(ams(2026, 1, 1), ams(2026, 3, 1)) == [
        ams(2026, 1, 6, 7),
        ams(2026, 2, 17, 7),
    ]


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(ams(2026, 9, 15, 8), ams(2026, 9, 16, 7), id="just-before-moved"),
        pytest.param(ams(2026, 9, 10), ams(2026, 9, 15, 7), id="scheduled-first"),
        pytest.param(ams(2026, 7, 13), ams(2026, 8, 4, 7), id="nominal-date-is-gone"),
    ],
)
def test_release_moved_far_away(
    cal: BusinessCalendar, instant: datetime, expected: datetime
) -> None:
    # A summer freeze: the release of 2026-07-14 is postponed by nine weeks to 2026-09-16.
    rel = ReleaseCalendar(ReleaseConfig(move={date(2026, 7, 14): datetime(2026, 9, 16, 7)}), cal)
    assert_utc_instant(rel.next_release_after(instant), expected)
    assert rel.releases_between(ams(2026, 9, 15, 8), ams(2026, 9, 20)) == [ams(2026, 9, 16, 7)]
    assert rel.releases_between(ams(2026, 7, 1), ams(2026, 7, 31)) == []


def test_move_of_a_date_that_is_no_release_is_a_config_error(cal: BusinessCalendar) -> None:
    # A typo in a move or skip date would otherwise be silently ignored.
    with pytest.raises(ConfigError, match="2026-01-28 is not a scheduled release date"):
        ReleaseCalendar(ReleaseConfig(move={date(2026, 1, 28): datetime(2026, 1, 29, 7)}), cal)


def test_add_release(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(
        ReleaseConfig(add=(datetime(2026, 2, 3, 12), datetime(2026, 1, 15, 12))), cal
    )
    found = rel.releases_between(ams(2026, 1, 1), ams(2026, 3, 1))
    assert found == [
        ams(2026, 1, 6, 7),
        ams(2026, 1, 15, 12),
        ams(2026, 1, 27, 7),
        ams(2026, 2, 3, 12),
        ams(2026, 2, 17, 7),
    ]
    assert_utc_instant(rel.next_release_after(ams(2026, 1, 6, 7)), ams(2026, 1, 15, 12))
    assert_utc_instant(rel.next_release_after(ams(2026, 1, 15, 12)), ams(2026, 1, 27, 7))


def test_add_release_before_anchor(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(add=(utc(2025, 12, 16, 6),)), cal)
    assert_utc_instant(rel.next_release_after(ams(2025, 12, 1)), ams(2025, 12, 16, 7))
    assert_utc_instant(rel.next_release_after(ams(2025, 12, 16, 7)), ams(2026, 1, 6, 7))


def test_add_release_equal_to_scheduled_is_not_duplicated(cal: BusinessCalendar) -> None:
    rel = ReleaseCalendar(ReleaseConfig(add=(utc(2026, 1, 27, 6), datetime(2026, 1, 27, 7))), cal)
    assert rel.releases_between(ams(2026, 1, 1), ams(2026, 2, 1)) == [
        ams(2026, 1, 6, 7),
        ams(2026, 1, 27, 7),
    ]


def test_skip_move_and_add_together_sorted_and_unique(cal: BusinessCalendar) -> None:
    config = ReleaseConfig.model_validate(
        {
            "skip": ["2026-02-17"],
            "move": {"2026-03-10": "2026-03-03T07:00:00", "2026-03-31": "2026-01-27T07:00:00"},
            "add": ["2026-03-03T07:00:00+01:00", "2026-01-08T15:00:00Z", "2026-02-20T09:00"],
        }
    )
    rel = ReleaseCalendar(config, cal)
    found = rel.releases_between(ams(2026, 1, 1), ams(2026, 5, 1))
    assert found == [
        ams(2026, 1, 6, 7),
        ams(2026, 1, 8, 16),
        ams(2026, 1, 27, 7),
        ams(2026, 2, 20, 9),
        ams(2026, 3, 3, 7),
        ams(2026, 4, 21, 7),
    ]
    assert found == sorted(set(found))


# -- 8. version ----------------------------------------------------------------------------
def test_version_is_stable() -> None:
    a, b = BusinessCalendar(), BusinessCalendar(CalendarConfig())
    assert a.version == a.version == b.version
    assert a.version.startswith("cal-")
    assert len(a.version) == len("cal-") + 10
    from_strings = BusinessCalendar(
        CalendarConfig.model_validate(
            {"opening": "09:00", "closing": "17:00", "working_weekdays": [4, 3, 2, 1, 0]}
        )
    )
    assert from_strings.version == a.version


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"timezone": "Europe/Brussels"}, id="timezone"),
        pytest.param({"opening": time(8, 30)}, id="opening"),
        pytest.param({"closing": time(17, 30)}, id="closing"),
        pytest.param({"country": "BE"}, id="country"),
        pytest.param({"working_weekdays": (0, 1, 2, 3)}, id="working_weekdays"),
        pytest.param({"extra_closing_days": (date(2026, 1, 14),)}, id="extra_closing_days"),
        pytest.param({"dropped_holidays": (date(2026, 4, 27),)}, id="dropped_holidays"),
    ],
)
def test_version_changes_with_config(settings: dict[str, Any]) -> None:
    default = BusinessCalendar().version
    changed = BusinessCalendar(CalendarConfig(**settings)).version
    assert changed != default
    assert BusinessCalendar(CalendarConfig(**settings)).version == changed


def test_versions_of_different_configs_are_distinct() -> None:
    configs = [
        CalendarConfig(),
        CalendarConfig(extra_closing_days=(date(2026, 1, 14),)),
        CalendarConfig(extra_closing_days=(date(2026, 1, 15),)),
        CalendarConfig(extra_closing_days=(date(2026, 1, 14), date(2026, 1, 15))),
        CalendarConfig(dropped_holidays=(date(2026, 1, 14),)),
    ]
    versions = {BusinessCalendar(c).version for c in configs}
    assert len(versions) == len(configs)

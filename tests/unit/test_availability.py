"""Tests for bot/reports/availability.py (SLA article 1) with hand-computed minutes and percentages.

Times are written in Europe/Amsterdam local time. November 2026 has 30 x 1440 = 43,200
minutes; October 2026 has 31 x 1440 + 60 = 44,700 (25 October has 25 hours). The downtime
budget is 0.5 % of the month: 216 minutes in November, 223.5 in October.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.render.json import availability_json
from app.render.text import availability_text
from bot.reports.availability import (
    AvailabilityReport,
    Outage,
    availability_report,
)
from bot.reports.sla import month_period

AMS = ZoneInfo("Europe/Amsterdam")
NOVEMBER = month_period(2026, 11, AMS)
OCTOBER = month_period(2026, 10, AMS)
DECEMBER = month_period(2026, 12, AMS)
LATER = datetime(2027, 1, 15, tzinfo=UTC)


def local(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=AMS).astimezone(UTC)


def nov(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return local(11, day, hour, minute, second)


def outage(
    id: int,
    start: datetime,
    end: datetime | None,
    kind: Any = "storing",
    scope: str = "platform",
    reason: str = "storing",
) -> Outage:
    return Outage(id=id, start=start, end=end, scope=scope, kind=kind, reason=reason)


def minutes_down(n: float) -> list[Outage]:
    """One platform Storing of `n` minutes on Mon 2 Nov from 10:00."""
    return [outage(1, nov(2, 10), nov(2, 10) + timedelta(minutes=n))]


MIXED = [
    outage(1, nov(3, 10), nov(3, 11)),  # 60 min
    outage(2, nov(3, 10, 30), nov(3, 11, 30)),  # 60 min, 30 of them shared with 1
    outage(3, nov(10, 14), nov(10, 14, 20)),  # 20 min
    outage(4, nov(17, 7), nov(17, 7, 2), "planned", reason="release 17 november"),  # 2 min
    outage(5, nov(20, 14), nov(20, 15), "force_majeure", reason="stroomstoring datacenter"),
    outage(6, nov(5, 9), nov(5, 10), scope="evaluaties"),  # 60 min, one module
    outage(7, nov(5, 9, 30), nov(5, 10, 30), scope="evaluaties"),  # overlaps 6 by 30
    outage(8, nov(6, 13), nov(6, 13, 30), scope="doelen"),  # 30 min
    outage(9, local(12, 2, 10), local(12, 2, 11)),  # December: not in this report
]


@pytest.fixture(scope="module")
def mixed() -> AvailabilityReport:
    return availability_report(MIXED, NOVEMBER, LATER)


def test_october_has_44700_minutes() -> None:
    report = availability_report([], OCTOBER, LATER)
    assert report.period_minutes == 44_700  # 31 x 1440 + 60 (DST ends 25 October)
    assert report.unavailable_minutes == 0
    assert report.availability_percent == 100.0
    assert report.met
    assert report.budget_minutes == 223.5  # 0.5 % of 44,700
    assert report.budget_remaining_minutes == 223.5
    assert availability_report([], NOVEMBER, LATER).period_minutes == 43_200


def test_only_platform_storingen_count_and_overlaps_merge(mixed: AvailabilityReport) -> None:
    # 1 and 2 together cover 10:00-11:30 = 90 min; with 3 (20 min): 110 min down.
    assert mixed.unavailable_minutes == 110
    assert mixed.overlap_minutes == 30  # 60 + 60 + 20 listed, 110 counted
    # (43,200 - 110) / 43,200 x 100 = 99.74537… -> 99.75
    assert mixed.availability_percent == 99.75
    assert mixed.met
    assert mixed.budget_minutes == 216
    assert mixed.budget_remaining_minutes == 106  # 216 - 110
    assert [(w.outage.id, w.minutes) for w in mixed.counted] == [(1, 60), (2, 60), (3, 20)]


def test_planned_and_force_majeure_are_listed_as_excluded(mixed: AvailabilityReport) -> None:
    assert [(w.outage.id, w.outage.kind, w.minutes, w.outage.reason) for w in mixed.excluded] == [
        (4, "planned", 2, "release 17 november"),
        (5, "force_majeure", 60, "stroomstoring datacenter"),
    ]


def test_module_storingen_are_partial(mixed: AvailabilityReport) -> None:
    assert [(w.outage.id, w.outage.scope, w.minutes) for w in mixed.partial] == [
        (6, "evaluaties", 60),
        (7, "evaluaties", 60),
        (8, "doelen", 30),
    ]
    # per module, overlaps merged: evaluaties 09:00-10:30 = 90 min
    assert dict(mixed.partial_minutes) == {"doelen": 30, "evaluaties": 90}


def test_a_window_across_the_month_boundary_is_split() -> None:
    # Sat 31 Oct 23:00 to Sun 1 Nov 01:00 local (CET): 60 minutes in each month.
    crossing = [outage(1, local(10, 31, 23), nov(1, 1))]
    october = availability_report(crossing, OCTOBER, LATER)
    november = availability_report(crossing, NOVEMBER, LATER)
    assert october.unavailable_minutes == 60
    assert november.unavailable_minutes == 60
    # (44,700 - 60) / 44,700 x 100 = 99.86577… -> 99.87
    assert october.availability_percent == 99.87
    # (43,200 - 60) / 43,200 x 100 = 99.86111… -> 99.86
    assert november.availability_percent == 99.86
    assert (october.counted[0].start, october.counted[0].end) == (local(10, 31, 23), OCTOBER.end)
    assert (november.counted[0].start, november.counted[0].end) == (NOVEMBER.start, nov(1, 1))
    assert availability_json(november)["counted"][0]["outage_start"] == "2026-10-31T22:00:00+00:00"


def test_an_ongoing_window_is_counted_up_to_now() -> None:
    ongoing = [outage(1, nov(30, 22), None)]
    # now Mon 30 Nov 23:30: 90 minutes so far
    report = availability_report(ongoing, NOVEMBER, nov(30, 23, 30))
    assert report.unavailable_minutes == 90
    assert report.counted[0].ongoing
    # now after the month: clipped at the end of the month (00:00): 120 minutes
    assert availability_report(ongoing, NOVEMBER, LATER).unavailable_minutes == 120
    # and December counts its own part: 1 Dec 00:00 to now 01:15 = 75 minutes
    assert availability_report(ongoing, DECEMBER, local(12, 1, 1, 15)).unavailable_minutes == 75
    # not started yet at `now`: nothing
    assert availability_report(ongoing, NOVEMBER, nov(30, 21)).counted == ()


@pytest.mark.parametrize(
    ("down", "percent", "met", "remaining"),
    [
        (216, 99.5, True, 0.0),  # exactly the budget: (43,200 - 216) / 43,200 = 99.5 %
        (216 + 1 / 60, 99.5, False, -1 / 60),  # one second more: below, though it shows 99.50
        (217, 99.5, False, -1.0),  # 99.49768 % rounds to 99.50 but is not 99.5
        (215, 99.5, True, 1.0),  # 99.50231 % -> 99.50
        (300, 99.31, False, -84.0),  # 99.30555… -> 99.31
    ],
)
def test_the_99_5_percent_edge(down: float, percent: float, met: bool, remaining: float) -> None:
    report = availability_report(minutes_down(down), NOVEMBER, LATER)
    assert report.availability_percent == percent
    assert report.met is met
    assert report.budget_remaining_minutes == pytest.approx(remaining)


def test_rounding_is_half_up_from_exact_seconds() -> None:
    # 32 min 24 s = 1,944 s of 2,592,000: 100 - 0.075 = 99.925 exactly. Half up gives 99.93;
    # float round() would give 99.92 (99.925 is 99.92499… in binary).
    report = availability_report(minutes_down(32.4), NOVEMBER, LATER)
    assert report.exact_percent == Decimal("99.925")
    assert report.availability_percent == 99.93
    assert round(99.925, 2) == 99.92


def test_outage_validation() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        outage(1, nov(2, 11), nov(2, 10))
    with pytest.raises(ValueError, match="kind"):
        outage(1, nov(2, 10), nov(2, 11), kind="gepland")
    with pytest.raises(ValueError, match="no UTC offset"):
        outage(1, datetime(2026, 11, 2, 10), None)
    with pytest.raises(ValueError, match="scope"):
        outage(1, nov(2, 10), None, scope=" ")


def test_json(mixed: AvailabilityReport) -> None:
    data = availability_json(mixed)
    json.dumps(data)
    assert list(data) == [
        "period",
        "now",
        "minutes_in_period",
        "unavailable_minutes",
        "availability_percent",
        "guarantee_percent",
        "guarantee_met",
        "budget_minutes",
        "budget_remaining_minutes",
        "overlap_minutes",
        "counted",
        "excluded",
        "partial",
        "partial_minutes",
        "netted_minutes",
    ]
    assert data["minutes_in_period"] == 43_200
    assert data["availability_percent"] == 99.75
    assert data["guarantee_percent"] == 99.5
    assert data["guarantee_met"] is True
    assert data["excluded"][1] == {
        "id": 5,
        "kind": "force_majeure",
        "scope": "platform",
        "reason": "stroomstoring datacenter",
        "start": "2026-11-20T13:00:00+00:00",
        "end": "2026-11-20T14:00:00+00:00",
        "outage_start": "2026-11-20T13:00:00+00:00",
        "outage_end": "2026-11-20T14:00:00+00:00",
        "ongoing": False,
        "minutes": 60.0,
    }
    assert data["partial_minutes"] == {"doelen": 30.0, "evaluaties": 90.0}


def test_text(mixed: AvailabilityReport) -> None:
    text = availability_text(mixed, AMS)
    lines = text.splitlines()
    assert lines[0] == "Beschikbaarheid november 2026"
    for line in (
        "Minuten in de periode  43.200",
        "Onbeschikbaarheid      110,0 minuten",
        "Beschikbaarheid        99,75 %",
        "Garantie 99,5 %        gehaald",
        "Budget (0,5 %)         216,0 minuten",
        "Resterend budget       106,0 minuten",
        "Overlappende storingen: 30,0 minuten één keer geteld",
        "Meegeteld: storingen van het hele platform",
        "Uitgesloten: gepland onderhoud en overmacht",
        "Gedeeltelijk: storingen in een module (niet meegeteld)",
    ):
        assert line in lines
    assert any(
        line.startswith("#5") and "overmacht" in line and "stroomstoring datacenter" in line
        for line in lines
    )
    assert any(line.split() == ["evaluaties", "90,0"] for line in lines)


def test_text_below_the_guarantee() -> None:
    text = availability_text(availability_report(minutes_down(217), NOVEMBER, LATER), AMS)
    assert "Beschikbaarheid        99,50 % (afgerond; exact net onder 99,5 %)" in text
    assert "Garantie 99,5 %        NIET gehaald" in text
    assert "Resterend budget       -1,0 minuten" in text
    ongoing = availability_text(
        availability_report([outage(1, nov(30, 22), None)], NOVEMBER, nov(30, 23)), AMS
    )
    assert "(loopt nog)" in ongoing


def test_a_storing_during_planned_maintenance_is_not_counted_twice_over() -> None:
    # Release 17 Nov 07:00-07:30 (planned); a storing is recorded 07:20-08:00. The ten
    # minutes inside the maintenance window are downtime "als gevolg van Gepland Onderhoud"
    # (SLA 1): only 07:30-08:00 counts, 30 minutes.
    tz = ZoneInfo("Europe/Amsterdam")
    period = month_period(2026, 11, tz)
    outages = [
        Outage(
            1,
            datetime(2026, 11, 17, 7, 0, tzinfo=tz),
            datetime(2026, 11, 17, 7, 30, tzinfo=tz),
            "platform",
            "planned",
            "Release",
        ),
        Outage(
            2,
            datetime(2026, 11, 17, 7, 20, tzinfo=tz),
            datetime(2026, 11, 17, 8, 0, tzinfo=tz),
            "platform",
            "storing",
            "Migratie liep uit",
        ),
    ]
    report = availability_report(outages, period, datetime(2026, 12, 1, tzinfo=tz))
    assert report.unavailable_minutes == 30 and report.netted_minutes == 10
    assert "10,0 minuten niet meegeteld" in availability_text(report, tz)


def test_a_customer_sees_other_customers_ticket_reasons_neutrally() -> None:
    from bot.reports.availability import as_seen_by

    outages = [
        Outage(1, nov(3, 10), nov(3, 11), "platform", "storing", "#7 Acme: alles plat", 7, "acme"),
        Outage(2, nov(4, 10), nov(4, 11), "platform", "storing", "#8 Beta: traag", 8, "beta"),
        Outage(3, nov(5, 10), nov(5, 11), "platform", "storing", "#9 onbekend", 9, None),
        Outage(4, nov(6, 10), nov(6, 11), "platform", "planned", "Release 4.2"),
    ]
    seen = as_seen_by(outages, "beta")
    assert [o.reason for o in seen] == [
        "Storing (gemeld via ticket)",
        "#8 Beta: traag",
        "Storing (gemeld via ticket)",
        "Release 4.2",
    ]
    # Only the words change: every window counts the same for every customer.
    everyone = availability_report(outages, NOVEMBER, LATER)
    for_beta = availability_report(seen, NOVEMBER, LATER)
    assert for_beta.unavailable_minutes == everyone.unavailable_minutes == 180

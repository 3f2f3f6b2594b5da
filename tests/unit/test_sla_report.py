"""Tests for bot/reports/sla.py: a hand-built month of ticket facts and every figure in it.

All times are written in Europe/Amsterdam local time (`nov(…)` etc. convert to UTC). In
November 2026 the Netherlands is on CET (UTC+1): business hours are 08:00-16:00 UTC. The
deadlines are stored facts: they are written out here as the deadline module would have
computed them (hoog: reaction 15 business minutes, resolution 1 working day; middel:
reaction 1 working day, resolution the next release; laag: none; instelling: 1 working day).
Releases around November 2026: Tue 17 Nov 07:00 and Tue 8 Dec 07:00.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.render.json import sla_json
from app.render.text import sla_text
from bot.calendar import BusinessCalendar
from bot.models import Category, Channel, Priority
from bot.reports.sla import (
    REASON_3C,
    REASON_4D,
    DeadlineTally,
    GroupTally,
    Period,
    SlaReport,
    TicketFacts,
    deadline_state,
    median,
    month_period,
    nearest_rank,
    parse_month,
    reaction_time,
    short_reason,
    sla_report,
)

AMS = ZoneInfo("Europe/Amsterdam")
CAL = BusinessCalendar()
M = timedelta(minutes=1)
H = timedelta(hours=1)
NAMES = {"acme": "Acme Zorg", "bakker": "Bakker & Zn"}

# Full reasons as bot/deadlines.py writes them; the report shortens them to the clause.
WHY_4D = (
    "Hoog-storing gemeld via e-mail, niet telefonisch (SLA 4.D): reactie- en oplostijd zijn "
    "een intern streefdoel, geen garantie"
)
WHY_3C = (
    "Middel-storing telefonisch gemeld door 0612345678, geen afgesproken contactpersoon "
    "(SLA 3.C); telt niet als telefonische melding (SLA 4.D): reactie- en oplostijd zijn een "
    "intern streefdoel, geen garantie"
)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


def nov(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return local(2026, 11, day, hour, minute)


def ticket(
    id: int,
    org: str | None,
    priority: Priority,
    received: datetime,
    reaction_due: datetime | None = None,
    resolution_due: datetime | None = None,
    reacted: datetime | None = None,
    resolved: datetime | None = None,
    *,
    exempt: bool = False,
    reason: str | None = None,
    channel: Channel = Channel.PHONE,
    category: Category = Category.STORING,
    clock_start: datetime | None = None,
) -> TicketFacts:
    return TicketFacts(
        id=id,
        organisation=org,
        organisation_name=NAMES.get(org or ""),
        channel=channel,
        received_at=received,
        clock_start=clock_start or received,
        priority=priority,
        category=category,
        exempt=exempt,
        exempt_reason=reason,
        reaction_due=reaction_due,
        resolution_due=resolution_due,
        reacted_at=reacted,
        resolved_at=resolved,
    )


HOOG, MIDDEL, LAAG = Priority.HOOG, Priority.MIDDEL, Priority.LAAG
RELEASE_NOV, RELEASE_DEC = nov(17, 7), local(2026, 12, 8, 7)

# November 2026: Sun 1, Mon 2, ... Fri 6, Sat 7, ... Mon 30. No public holidays.
NOVEMBER = [
    # 1: Sat 31 Oct 23:30 local (22:30 UTC) is before the month's local midnight: left out.
    ticket(1, "acme", HOOG, local(2026, 10, 31, 23, 30), local(2026, 11, 2, 9, 15)),
    # 2: Tue 1 Dec 00:00 local is the (exclusive) end of the month: left out.
    ticket(2, "acme", LAAG, local(2026, 12, 1), channel=Channel.EMAIL, category=Category.VRAAG),
    # 3: Mon 2 Nov 10:00; reacted after 5 min (met), resolved the same day (met).
    ticket(3, "acme", HOOG, nov(2, 10), nov(2, 10, 15), nov(3, 10), nov(2, 10, 5), nov(2, 15)),
    # 4: Fri 6 Nov 16:50; reaction due 10 min Fri + 5 min Mon = Mon 9 Nov 09:05; reacted
    #    09:30: 25 business minutes late. Reaction time 10 + 30 = 40 min. Resolution due
    #    10 min Fri + 7 h 50 Mon = Mon 16:50; resolved Mon 16:00 (met).
    ticket(
        4, "acme", HOOG, nov(6, 16, 50), nov(9, 9, 5), nov(9, 16, 50), nov(9, 9, 30), nov(9, 16)
    ),
    # 5: Sat 14 Nov 11:00, clock starts Mon 16 Nov 09:00: reaction due 09:15, resolution due
    #    17:00. Never reacted nor resolved, so both breached as of 1 Dec 00:00:
    #    reaction late = 7 h 45 (Mon 09:15-17:00) + 10 working days (17-20, 23-27, 30 Nov)
    #    x 8 h = 87 h 45; resolution late = 80 h.
    ticket(5, "bakker", HOOG, nov(14, 11), nov(16, 9, 15), nov(16, 17)),
    # 6: email Tue 10 Nov 09:00, then phoned in by an agreed contact at 11:00: guaranteed from
    #    then, so clock_start 11:00. Reaction due 11:15, reacted 11:10 (10 min from the clock
    #    start, not 2 h 10 from receipt). Resolution due 6 h Tue + 2 h Wed = Wed 11 Nov 11:00;
    #    resolved 12:00: 1 h late.
    ticket(
        6,
        "acme",
        HOOG,
        nov(10, 9),
        nov(10, 11, 15),
        nov(11, 11),
        nov(10, 11, 10),
        nov(11, 12),
        channel=Channel.EMAIL,
        clock_start=nov(10, 11),
    ),
    # 7: Wed 4 Nov 14:00; reaction due Thu 14:00, reacted Wed 15:30 (1 h 30); resolution due
    #    at the next release Tue 17 Nov 07:00, resolved exactly then (met: on time counts).
    ticket(7, "bakker", MIDDEL, nov(4, 14), nov(5, 14), RELEASE_NOV, nov(4, 15, 30), RELEASE_NOV),
    # 8: Thu 19 Nov 16:00; reaction due 1 h Thu + 7 h Fri = Fri 20 Nov 16:00, reacted 16:30:
    #    30 min late; reaction time 1 h + 7 h 30 = 8 h 30. Resolution due 8 Dec: open.
    ticket(8, "acme", MIDDEL, nov(19, 16), nov(20, 16), RELEASE_DEC, nov(20, 16, 30)),
    # 9: Mon 30 Nov 15:00; reaction due Tue 1 Dec 15:00, after the month: open (both).
    ticket(9, "bakker", MIDDEL, nov(30, 15), local(2026, 12, 1, 15), RELEASE_DEC),
    # 10: a settings request (3.G) at exactly Sun 1 Nov 00:00 local (first instant of the
    #     month, included); clock starts Mon 09:00, due Mon 17:00; reacted 09:45 (45 min).
    ticket(
        10,
        "bakker",
        LAAG,
        nov(1),
        nov(2, 17),
        None,
        nov(2, 9, 45),
        channel=Channel.EMAIL,
        category=Category.INSTELLING,
    ),
    # 11-13: laag questions and wishes, no deadlines ("geen termijn").
    # 11: Tue 24 Nov 13:00, reacted 14:00 (1 h).
    ticket(
        11,
        "acme",
        LAAG,
        nov(24, 13),
        None,
        None,
        nov(24, 14),
        nov(25, 10),
        channel=Channel.WIDGET,
        category=Category.VRAAG,
    ),
    # 12: Sat 28 Nov 20:00, no organisation, never reacted.
    ticket(12, None, LAAG, nov(28, 20), channel=Channel.EMAIL, category=Category.WENS),
    # 13: Wed 25 Nov 10:00, reacted Thu 10:00: 7 h + 1 h = 8 h.
    ticket(
        13,
        "acme",
        LAAG,
        nov(25, 10),
        None,
        None,
        nov(26, 10),
        channel=Channel.SLACK,
        category=Category.VRAAG,
    ),
    # 14: exempt (4.D, by email) Thu 12 Nov 10:00; internal reaction target 10:15, reacted
    #     11:00: 45 min late (internal, not an SLA breach); reaction time 1 h; resolved in time.
    ticket(
        14,
        "bakker",
        HOOG,
        nov(12, 10),
        nov(12, 10, 15),
        nov(13, 10),
        nov(12, 11),
        nov(12, 16),
        exempt=True,
        reason=WHY_4D,
        channel=Channel.EMAIL,
    ),
    # 15: exempt (4.D, widget) Mon 23 Nov 09:00; target Mon 17:00 (closing time stays that
    #     day), reacted 12:00 (3 h, met); resolution target 8 Dec: open.
    ticket(
        15,
        "acme",
        MIDDEL,
        nov(23, 9),
        nov(23, 17),
        RELEASE_DEC,
        nov(23, 12),
        exempt=True,
        reason=WHY_4D,
        channel=Channel.WIDGET,
    ),
    # 16: exempt (3.C: phoned by someone who is not an agreed contact), no organisation,
    #     Fri 27 Nov 15:00; target 2 h Fri + 6 h Mon = Mon 30 Nov 15:00, never reacted:
    #     internal breach, 2 h late as of 1 Dec 00:00 (Mon 15:00-17:00).
    ticket(16, None, MIDDEL, nov(27, 15), nov(30, 15), RELEASE_DEC, exempt=True, reason=WHY_3C),
    # 17: exempt (4.D) Tue 3 Nov 08:00, before opening: target 09:15, reacted 09:10 (10 min
    #     of business time), resolution target Tue 17:00, resolved 16:00.
    ticket(
        17,
        "acme",
        HOOG,
        nov(3, 8),
        nov(3, 9, 15),
        nov(3, 17),
        nov(3, 9, 10),
        nov(3, 16),
        exempt=True,
        reason=WHY_4D,
        channel=Channel.EMAIL,
    ),
    # 18: laag storing Wed 18 Nov 09:30, no deadlines, reacted 10:30 (1 h).
    ticket(18, "bakker", LAAG, nov(18, 9, 30), None, None, nov(18, 10, 30), channel=Channel.EMAIL),
    # 19: middel Tue 17 Nov 06:00, an hour before the release: reaction due 09:00 + 8 h =
    #     17:00, reacted 09:20 (20 min); resolution due at that morning's release 07:00, met.
    ticket(19, "acme", MIDDEL, nov(17, 6), nov(17, 17), RELEASE_NOV, nov(17, 9, 20), RELEASE_NOV),
    # 20: hoog Wed 25 Nov 16:30; reaction due 16:45, reacted 16:40 (10 min); resolution due
    #     30 min Wed + 7 h 30 Thu = Thu 26 Nov 16:30, resolved Fri 27 10:00: 30 min + 1 h =
    #     1 h 30 late.
    ticket(
        20,
        "bakker",
        HOOG,
        nov(25, 16, 30),
        nov(25, 16, 45),
        nov(26, 16, 30),
        nov(25, 16, 40),
        nov(27, 10),
    ),
]

PERIOD = month_period(2026, 11, AMS)


@pytest.fixture(scope="module")
def report() -> SlaReport:
    return sla_report(NOVEMBER, PERIOD, PERIOD.end, CAL)


def tally(met: int = 0, breached: int = 0, open: int = 0, none: int = 0) -> DeadlineTally:
    return DeadlineTally(met=met, breached=breached, open=open, no_deadline=none)


# -- periods --------------------------------------------------------------------------------
def test_month_period_is_local_midnight_to_local_midnight() -> None:
    expected = Period(
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        datetime(2026, 11, 30, 23, tzinfo=UTC),
        "november 2026",
    )
    assert expected == PERIOD
    october = month_period(2026, 10, AMS)  # CEST at the start, CET at the end (25 Oct)
    assert october.start == datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert october.end == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert october.end - october.start == timedelta(days=31, hours=1)
    december = month_period(2026, 12, AMS)
    assert december.end == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert december.label == "december 2026"
    with pytest.raises(ValueError, match="1-12"):
        month_period(2026, 13, AMS)


@pytest.mark.parametrize(("text", "expected"), [("2026-11", (2026, 11)), (" 2027-01 ", (2027, 1))])
def test_parse_month(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "2026/11", "november", "2026-1-1"])
def test_parse_month_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"YYYY-MM|1-12"):
        parse_month(text)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        ticket(99, None, LAAG, datetime(2026, 11, 2, 10))


# -- small pieces ---------------------------------------------------------------------------
DUE = nov(10, 12)


@pytest.mark.parametrize(
    ("due", "done", "as_of", "state"),
    [
        (None, None, nov(30), "no_deadline"),
        (DUE, DUE, nov(30), "met"),  # exactly on time is met
        (DUE, DUE + timedelta(seconds=1), nov(30), "breached"),
        (DUE, None, DUE, "open"),  # not yet past
        (DUE, None, DUE + timedelta(seconds=1), "breached"),
    ],
)
def test_deadline_state(
    due: datetime | None, done: datetime | None, as_of: datetime, state: str
) -> None:
    assert deadline_state(due, done, as_of) == state


def test_median_and_nearest_rank() -> None:
    values = [M * v for v in (5, 10, 10, 10, 40, 60)]
    assert median(values) == 10 * M
    # nearest rank: ceil(0.9 x 6) = 6th value
    assert nearest_rank(values, 90) == 60 * M
    assert median([M, 3 * M]) == 2 * M
    assert median([]) is None and nearest_rank([], 90) is None
    # ceil(0.9 x 10) = 9th value, not the 10th (integer arithmetic, no float error)
    assert nearest_rank([M * v for v in range(1, 11)], 90) == 9 * M


@pytest.mark.parametrize(
    ("reason", "short"),
    [(WHY_4D, REASON_4D), (WHY_3C, REASON_3C), (None, "reden onbekend"), ("anders", "anders")],
)
def test_short_reason(reason: str | None, short: str) -> None:
    assert short_reason(reason) == short


def test_reaction_time_counts_from_the_clock_start() -> None:
    assert reaction_time(NOVEMBER[5], CAL) == 10 * M  # ticket 6
    # reacted (by email) before the phone call started the clock: an immediate reaction
    early = ticket(98, "acme", HOOG, nov(10, 9), reacted=nov(10, 9, 30), clock_start=nov(10, 11))
    assert reaction_time(early, CAL) == timedelta(0)
    assert reaction_time(NOVEMBER[11], CAL) is None  # ticket 12, never reacted


# -- the November report --------------------------------------------------------------------
def test_only_tickets_received_in_the_month(report: SlaReport) -> None:
    # 1 (31 Oct 23:30) and 2 (1 Dec 00:00) are out; 10 (1 Nov 00:00) is in: 3..20 = 18.
    assert report.totals.received == 18
    assert report.as_of == PERIOD.end


def test_per_priority(report: SlaReport) -> None:
    hoog, middel, laag = (report.by_priority[p] for p in (HOOG, MIDDEL, LAAG))
    # hoog: 3, 4, 5, 6, 20 guaranteed; 14, 17 exempt (4.D)
    assert (hoog.received, hoog.guaranteed.count, hoog.exempt.count) == (7, 5, 2)
    assert hoog.guaranteed.reaction == tally(met=3, breached=2)  # met 3, 6, 20; late 4, 5
    assert hoog.guaranteed.resolution == tally(met=2, breached=3)  # met 3, 4; late 5, 6, 20
    assert hoog.exempt.reaction == tally(met=1, breached=1)  # 17 met, 14 late
    assert hoog.exempt.resolution == tally(met=2)
    assert hoog.exempt_reasons == Counter({REASON_4D: 2})
    # middel: 7, 8, 9, 19 guaranteed; 15 (4.D), 16 (3.C) exempt
    assert (middel.received, middel.guaranteed.count, middel.exempt.count) == (6, 4, 2)
    assert middel.guaranteed.reaction == tally(met=2, breached=1, open=1)  # 7, 19 / 8 / 9
    assert middel.guaranteed.resolution == tally(met=2, open=2)  # 7, 19 / 8, 9
    assert middel.exempt.reaction == tally(met=1, breached=1)  # 15 / 16
    assert middel.exempt.resolution == tally(open=2)
    assert middel.exempt_reasons == Counter({REASON_4D: 1, REASON_3C: 1})
    # laag: 10 (instelling, reaction due), 11, 12, 13, 18 (no deadlines), all guaranteed
    assert (laag.received, laag.guaranteed.count, laag.exempt.count) == (5, 5, 0)
    assert laag.guaranteed.reaction == tally(met=1, none=4)
    assert laag.guaranteed.resolution == tally(none=5)
    assert laag.exempt == GroupTally(0, tally(), tally())


def test_totals(report: SlaReport) -> None:
    total = report.totals
    assert (total.key, total.label) == ("totaal", "Totaal")
    assert (total.received, total.guaranteed.count, total.exempt.count) == (18, 14, 4)
    assert total.guaranteed.reaction == tally(met=6, breached=3, open=1, none=4)
    assert total.guaranteed.resolution == tally(met=4, breached=3, open=2, none=5)
    assert total.exempt.reaction == tally(met=2, breached=2)
    assert total.exempt.resolution == tally(met=2, open=2)
    assert total.exempt_reasons == Counter({REASON_4D: 3, REASON_3C: 1})


def test_per_organisation(report: SlaReport) -> None:
    rows = {r.key: r for r in report.by_organisation}
    # Sorted by name, the tickets without an organisation last.
    assert [r.label for r in report.by_organisation] == [
        "Acme Zorg",
        "Bakker & Zn",
        "onbekende organisatie",
    ]
    acme, bakker, unknown = rows["acme"], rows["bakker"], rows[""]
    # acme: 3, 4, 6, 8, 11, 13, 19 guaranteed; 15, 17 exempt
    assert (acme.received, acme.guaranteed.count, acme.exempt.count) == (9, 7, 2)
    assert acme.guaranteed.reaction == tally(met=3, breached=2, none=2)  # 3,6,19 / 4,8 / 11,13
    assert acme.guaranteed.resolution == tally(met=3, breached=1, open=1, none=2)
    assert acme.exempt.reaction == tally(met=2)
    assert acme.exempt.resolution == tally(met=1, open=1)
    # bakker: 5, 7, 9, 10, 18, 20 guaranteed; 14 exempt
    assert (bakker.received, bakker.guaranteed.count, bakker.exempt.count) == (7, 6, 1)
    assert bakker.guaranteed.reaction == tally(met=3, breached=1, open=1, none=1)
    assert bakker.guaranteed.resolution == tally(met=1, breached=2, open=1, none=2)
    assert bakker.exempt.reaction == tally(breached=1)
    assert bakker.exempt_reasons == Counter({REASON_4D: 1})
    # no organisation: 12 (guaranteed, no deadlines) and 16 (exempt, 3.C)
    assert (unknown.received, unknown.guaranteed.count, unknown.exempt.count) == (2, 1, 1)
    assert unknown.guaranteed.reaction == tally(none=1)
    assert unknown.exempt.reaction == tally(breached=1)
    assert unknown.exempt.resolution == tally(open=1)
    assert unknown.exempt_reasons == Counter({REASON_3C: 1})
    assert sum(r.received for r in report.by_organisation) == report.totals.received


def test_reaction_times(report: SlaReport) -> None:
    hoog, middel, laag = (report.reaction_times[p] for p in (HOOG, MIDDEL, LAAG))
    # hoog reacted: 3 5m, 4 40m, 6 10m, 14 1h, 17 10m, 20 10m -> 5, 10, 10, 10, 40, 60
    # median (10 + 10) / 2 = 10 min; p90 rank ceil(5.4) = 6 -> 60 min
    assert (hoog.count, hoog.median, hoog.p90) == (6, 10 * M, 60 * M)
    # middel reacted: 7 90m, 8 510m, 15 180m, 19 20m -> 20, 90, 180, 510
    # median (90 + 180) / 2 = 135 min = 2.25 h; p90 rank ceil(3.6) = 4 -> 510 min = 8.5 h
    assert (middel.count, middel.median, middel.p90) == (4, 135 * M, 510 * M)
    # laag reacted: 10 45m, 11 60m, 13 480m, 18 60m -> 45, 60, 60, 480: median 60, p90 480
    assert (laag.count, laag.median, laag.p90) == (4, 60 * M, 480 * M)


def test_breaches(report: SlaReport) -> None:
    got = [
        (b.ticket_id, b.deadline, b.due, b.late, b.guaranteed, b.done_at is None)
        for b in report.breaches
    ]
    assert got == [
        # guaranteed (SLA) breaches first, by deadline
        (4, "reactie", nov(9, 9, 5), 25 * M, True, False),
        (6, "oplossing", nov(11, 11), 1 * H, True, False),
        (5, "reactie", nov(16, 9, 15), 87 * H + 45 * M, True, True),  # late as of 1 Dec
        (5, "oplossing", nov(16, 17), 80 * H, True, True),
        (8, "reactie", nov(20, 16), 30 * M, True, False),
        (20, "oplossing", nov(26, 16, 30), 90 * M, True, False),
        # then the exempt ones: internal targets
        (14, "reactie", nov(12, 10, 15), 45 * M, False, False),
        (16, "reactie", nov(30, 15), 2 * H, False, True),
    ]
    first = report.breaches[0]
    assert (first.organisation, first.organisation_name, first.priority) == (
        "acme",
        "Acme Zorg",
        HOOG,
    )


def test_breaches_per_iso_week(report: SlaReport) -> None:
    # 1 Nov (Sun) is in week 44, 30 Nov (Mon) in week 49; bucketed by the deadline's date.
    weeks = [(w.week, w.monday, w.guaranteed, w.exempt) for w in report.weeks]
    assert weeks == [
        (44, date(2026, 10, 26), 0, 0),
        (45, date(2026, 11, 2), 0, 0),
        (46, date(2026, 11, 9), 2, 1),  # 4 (9 Nov), 6 (11 Nov); exempt 14 (12 Nov)
        (47, date(2026, 11, 16), 3, 0),  # 5 twice (16 Nov), 8 (20 Nov)
        (48, date(2026, 11, 23), 1, 0),  # 20 (26 Nov)
        (49, date(2026, 11, 30), 0, 1),  # exempt 16 (30 Nov)
    ]
    assert {w.year for w in report.weeks} == {2026}
    assert report.weeks[0].label == "wk 44"


def test_a_past_month_does_not_change_later(report: SlaReport) -> None:
    # as_of is capped at the period's end: the facts know nothing after it.
    later = sla_report(NOVEMBER, PERIOD, local(2027, 3, 1), CAL)
    assert later == report
    assert sla_json(later) == sla_json(report)


def test_during_the_month_deadlines_still_running_are_open() -> None:
    # Ticket 5 seen on Mon 16 Nov 12:00: the reaction (due 09:15) is 2 h 45 late, the
    # resolution (due 17:00) still open.
    seen = sla_report([NOVEMBER[4]], PERIOD, nov(16, 12), CAL)
    assert seen.totals.guaranteed.reaction == tally(breached=1)
    assert seen.totals.guaranteed.resolution == tally(open=1)
    assert [(b.deadline, b.late) for b in seen.breaches] == [("reactie", 2 * H + 45 * M)]


def test_empty_month() -> None:
    empty = sla_report([], PERIOD, PERIOD.end, CAL)
    assert empty.totals.received == 0
    assert empty.by_organisation == ()
    assert all(s.median is None and s.p90 is None for s in empty.reaction_times.values())
    assert len(empty.weeks) == 6
    text = sla_text(empty, AMS)
    assert "geen overschrijdingen" in text
    assert "geen uitgezonderde meldingen" in text


# -- October 2026: the DST change of Sunday 25 October ----------------------------------------
def test_october_reaction_time_across_the_dst_weekend() -> None:
    october = month_period(2026, 10, AMS)
    facts = [
        # middel, Fri 23 Oct 16:00 CEST (14:00 UTC) -> Mon 26 Oct 10:00 CET (09:00 UTC):
        # 67 real hours (the night of the change has 25), but 1 h Fri + 1 h Mon = 2 business
        # hours. Due 1 h Fri + 7 h Mon = Mon 16:00 CET: met.
        ticket(
            1,
            "acme",
            MIDDEL,
            local(2026, 10, 23, 16),
            local(2026, 10, 26, 16),
            None,
            local(2026, 10, 26, 10),
        ),
        # middel, Mon 26 Oct 09:00 -> 10:00: 1 h.
        ticket(
            2,
            "acme",
            MIDDEL,
            local(2026, 10, 26, 9),
            local(2026, 10, 26, 17),
            None,
            local(2026, 10, 26, 10),
        ),
        # hoog, Fri 23 Oct 16:55 CEST: due 5 min Fri + 10 min Mon = Mon 09:10 CET; reacted
        # 09:30 CET: 20 business minutes late; reaction time 5 + 30 = 35 min.
        ticket(
            3,
            "bakker",
            HOOG,
            local(2026, 10, 23, 16, 55),
            local(2026, 10, 26, 9, 10),
            None,
            local(2026, 10, 26, 9, 30),
        ),
    ]
    assert facts[0].reacted_at - facts[0].received_at == 67 * H  # type: ignore[operator]
    rep = sla_report(facts, october, october.end, CAL)
    middel, hoog = rep.reaction_times[MIDDEL], rep.reaction_times[HOOG]
    # middel: 1 h and 2 h -> median 1.5 h; p90 rank ceil(1.8) = 2 -> 2 h
    assert (middel.count, middel.median, middel.p90) == (2, 90 * M, 2 * H)
    assert (hoog.count, hoog.median, hoog.p90) == (1, 35 * M, 35 * M)
    assert [(b.ticket_id, b.late) for b in rep.breaches] == [(3, 20 * M)]
    # 1 Oct (Thu) is in week 40, 31 Oct (Sat) in 44; the breach (26 Oct) in 44.
    assert [(w.week, w.guaranteed) for w in rep.weeks] == [
        (40, 0),
        (41, 0),
        (42, 0),
        (43, 0),
        (44, 1),
    ]


# -- December 2026: Christmas (Fri 25 and Sat 26 Dec are public holidays) ---------------------
def dec(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return local(2026, 12, day, hour, minute)


DECEMBER = [
    # (received, reacted): business minutes
    (dec(1, 9), dec(1, 9, 30)),  # 30
    (dec(2, 10), dec(2, 11)),  # 60
    (dec(3, 16), dec(4, 10)),  # 1 h Thu + 1 h Fri = 120
    (dec(4, 16, 30), dec(7, 9, 15)),  # 30 Fri + 15 Mon = 45
    (dec(24, 16), dec(28, 10)),  # 1 h Thu 24, Fri 25 holiday, weekend, 1 h Mon 28 = 120
    (dec(24, 12), dec(28, 12)),  # 5 h Thu + 3 h Mon = 480
    (dec(23, 15), dec(29, 9, 30)),  # 2 h Wed + 8 h Thu + 8 h Mon + 30 Tue = 1110
    (dec(14, 9), dec(14, 9, 10)),  # 10
    (dec(15, 13), dec(15, 15)),  # 120
    (dec(26, 10), dec(28, 9, 20)),  # Sat 26 (holiday): clock starts Mon 28 09:00 -> 20
]


def test_december_median_and_p90_over_christmas() -> None:
    facts = [
        ticket(i, "acme", LAAG, received, reacted=reacted, category=Category.VRAAG)
        for i, (received, reacted) in enumerate(DECEMBER, start=1)
    ]
    rep = sla_report(facts, month_period(2026, 12, AMS), dec(31, 23), CAL)
    laag = rep.reaction_times[LAAG]
    # sorted: 10, 20, 30, 45, 60, 120, 120, 120, 480, 1110 (n = 10)
    # median = (60 + 120) / 2 = 90 min; p90 = value at rank ceil(9.0) = 9 -> 480 min (8 h)
    assert (laag.count, laag.median, laag.p90) == (10, 90 * M, 480 * M)
    assert rep.totals.guaranteed.reaction == tally(none=10)
    assert rep.breaches == ()
    # 1 Dec (Tue) is in week 49; 31 Dec (Thu) in week 53 of 2026 (a 53-week year).
    assert [w.week for w in rep.weeks] == [49, 50, 51, 52, 53]


# -- output ---------------------------------------------------------------------------------
def test_json(report: SlaReport) -> None:
    data = sla_json(report)
    json.dumps(data)  # serialisable as is
    assert list(data) == [
        "period",
        "as_of",
        "totals",
        "by_priority",
        "by_organisation",
        "reaction_times",
        "breaches",
        "weeks",
    ]
    assert data["period"] == {
        "label": "november 2026",
        "start": "2026-10-31T23:00:00+00:00",
        "end": "2026-11-30T23:00:00+00:00",
    }
    assert data["as_of"] == "2026-11-30T23:00:00+00:00"
    assert list(data["by_priority"]) == ["hoog", "middel", "laag"]
    total = data["totals"]
    assert list(total) == ["key", "label", "received", "guaranteed", "exempt", "exempt_reasons"]
    assert total["guaranteed"] == {
        "count": 14,
        "reaction": {"met": 6, "breached": 3, "open": 1, "no_deadline": 4},
        "resolution": {"met": 4, "breached": 3, "open": 2, "no_deadline": 5},
    }
    assert total["exempt_reasons"] == {REASON_4D: 3, REASON_3C: 1}
    assert [o["key"] for o in data["by_organisation"]] == ["acme", "bakker", ""]
    assert data["reaction_times"]["middel"] == {
        "count": 4,
        "median_seconds": 8100,
        "median_hours": 2.25,
        "p90_seconds": 30600,
        "p90_hours": 8.5,
    }
    assert data["reaction_times"]["hoog"]["p90_hours"] == 1.0
    assert data["breaches"][2] == {
        "ticket": 5,
        "organisation": "bakker",
        "organisation_name": "Bakker & Zn",
        "priority": "hoog",
        "deadline": "reactie",
        "due": "2026-11-16T08:15:00+00:00",
        "done_at": None,
        "late_seconds": 315900,  # 87 h 45
        "late_hours": 87.75,
        "guaranteed": True,
    }
    assert data["weeks"][2] == {
        "year": 2026,
        "week": 46,
        "monday": "2026-11-09",
        "guaranteed": 2,
        "exempt": 1,
    }


def test_text(report: SlaReport) -> None:
    text = sla_text(report, AMS)
    lines = text.splitlines()
    assert lines[0] == "SLA-rapportage november 2026"
    assert lines[1] == (
        "Periode: zo 1 nov 2026 00:00 tot di 1 dec 2026 00:00 (Europe/Amsterdam); "
        "stand per di 1 dec 2026 00:00"
    )
    for title in (
        "Meldingen",
        "Reactietermijn, gegarandeerd (SLA)",
        "Oplostermijn, gegarandeerd (SLA)",
        "Reactietermijn, uitgezonderd (intern streefdoel, geen SLA)",
        "Oplostermijn, uitgezonderd (intern streefdoel, geen SLA)",
        "Reactietijd in werkuren (alle gereageerde meldingen)",
        "Per organisatie",
        "Redenen uitzondering",
        "Overschrijdingen",
        "Overschrijdingen per week",
    ):
        assert title in lines

    def row(title: str, label: str) -> list[str]:
        """The cells of the first row starting with `label` after the line `title`."""
        start = lines.index(title)
        found = next(line for line in lines[start:] if line.startswith(label + " "))
        return found[len(label) :].split()

    assert row("Meldingen", "Hoog") == ["7", "5", "2"]
    assert row("Meldingen", "Totaal") == ["18", "14", "4"]
    assert row("Reactietermijn, gegarandeerd (SLA)", "Totaal") == ["6", "3", "1", "4"]
    assert row("Oplostermijn, gegarandeerd (SLA)", "Hoog") == ["2", "3", "0", "0"]
    assert row("Reactietijd in werkuren (alle gereageerde meldingen)", "Middel") == [
        "4",
        "2:15",
        "8:30",
    ]
    assert row("Per organisatie", "Bakker & Zn") == ["7", "6", "1", "1", "2", "1"]
    assert row("Redenen uitzondering", "niet telefonisch gemeld (4.D)") == ["3"]
    assert row("Redenen uitzondering", "geen afgesproken contactpersoon (3.C)") == ["1"]
    assert " ".join(row("Overschrijdingen", "#5")) == (
        "Bakker & Zn Hoog reactie ma 16 nov 09:15 87 werkuren en 45 werkminuten "
        "(nog niet gedaan) SLA"
    )
    assert row("Overschrijdingen per week", "2026-W47") == ["16", "november", "3", "0"]
    # fixed-width columns: every row of a table is as wide as its header or narrower
    start = lines.index("Meldingen")
    header, rule = lines[start + 1], lines[start + 2]
    assert header.split() == ["prioriteit", "ontvangen", "gegarandeerd", "uitgezonderd"]
    assert set(rule) == {"-", " "}
    assert all(len(line) == len(header) for line in lines[start + 3 : start + 7])

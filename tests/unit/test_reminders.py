"""Tests for bot/reminders.py: the reminder policy, planned reminders, digest and release days.

Expectations are computed by hand on the default calendar (09:00-17:00 Europe/Amsterdam,
NL holidays); the arithmetic is in the comments. Times are written in local time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from bot.calendar import BusinessCalendar, ReleaseCalendar, ReleaseConfig
from bot.engine.schema import Target
from bot.models import Category, Channel, Priority
from bot.reminders import Reminder, ReminderPolicy, next_digest_at, plan, release_on
from bot.tickets import OPEN, RESOLVED, TicketView

AMS = ZoneInfo("Europe/Amsterdam")
CAL = BusinessCalendar()
RELEASES = ReleaseCalendar(ReleaseConfig(), CAL)
DEFAULT = ReminderPolicy()
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    """'2026-11-20 16:00' in Amsterdam time."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def ticket(
    received: str,
    priority: Priority = Priority.MIDDEL,
    reaction_due: str | None = None,
    resolution_due: str | None = None,
    **changes: Any,
) -> TicketView:
    """A Storing ticket with the given times (local); everything else filled in."""
    view = TicketView(
        id=1,
        status=OPEN,
        channel=Channel.PHONE,
        subject="De export is kapot",
        sender="+31301234567",
        excerpt="De export is kapot.",
        received_at=at(received).astimezone(UTC),
        priority=priority,
        category=Category.STORING,
        provisional=False,
        exempt=False,
        exempt_reason=None,
        reaction_due=at(reaction_due).astimezone(UTC) if reaction_due else None,
        resolution_due=at(resolution_due).astimezone(UTC) if resolution_due else None,
        rules=(),
        decision_id=1,
        decided_by="triage",
    )
    return replace(view, **changes)


def table(reminders: list[Reminder]) -> list[tuple[str, str]]:
    """(local time, key) per reminder, for assertions that read like a schedule."""
    return [(r.at.astimezone(AMS).strftime("%Y-%m-%d %H:%M:%S"), r.key) for r in reminders]


def policy(text: str) -> ReminderPolicy:
    return ReminderPolicy.model_validate(yaml.safe_load(text))


def errors(text: str) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as info:
        policy(text)
    return [
        (tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, ")) for e in info.value.errors()
    ]


# -- the policy --------------------------------------------------------------------------
BRIEF_EXAMPLE = """
reaction:
  percent: [50, 80]
  before: [1 werkuur]
resolution:
  percent: []
  before: [1 werkuur]
at_breach: true
overdue_every: 2 werkuren
overdue_max: 8
exempt: false
outside_hours: [hoog]
digest:
  at: "09:00"
  release_days: true
"""


def test_defaults_equal_the_documented_example() -> None:
    assert policy(BRIEF_EXAMPLE) == DEFAULT
    assert policy("{}") == DEFAULT
    assert DEFAULT.reaction.percent == (50, 80)
    assert DEFAULT.reaction.before == (Target(kind="business", amount=1, unit="hours"),)
    assert DEFAULT.resolution.percent == ()
    assert DEFAULT.overdue_every == Target(kind="business", amount=2, unit="hours")
    assert DEFAULT.overdue_max == 8
    assert DEFAULT.at_breach is True
    assert DEFAULT.exempt is False
    assert DEFAULT.outside_hours == (Priority.HOOG,)
    assert DEFAULT.digest.at == time(9, 0)
    assert DEFAULT.digest.release_days is True


@pytest.mark.parametrize(
    ("dutch", "english"),
    [
        ("30 werkminuten", "30 business minutes"),
        ("1 werkminuut", "1 business minute"),
        ("1 werkuur", "1 business hour"),
        ("2 werkuren", "2 business hours"),
        ("1 werkdag", "1 working day"),
        ("'1,5 werkuur'", "1.5 business hours"),  # quoted: a comma splits a YAML list,
    ],
)
def test_dutch_and_english_durations(dutch: str, english: str) -> None:
    nl = policy(f"reaction: {{before: [{dutch}]}}\noverdue_every: {dutch}")
    en = policy(f"reaction: {{before: [{english}]}}\noverdue_every: {english}")
    assert nl == en
    assert nl.overdue_every.kind == "business"


def test_single_values_and_percent_signs() -> None:
    # A team lead may write one value instead of a list, and '80%' instead of 80.
    p = policy("reaction: {percent: '80%', before: 30 werkminuten}\noutside_hours: middel")
    assert p.reaction.percent == (80,)
    assert p.reaction.before == (Target(kind="business", amount=30, unit="minutes"),)
    assert p.outside_hours == (Priority.MIDDEL,)
    assert policy("reaction: {percent: [80, 25]}").reaction.percent == (25, 80)


@pytest.mark.parametrize("none", ["none", "geen", "null"])
def test_overdue_every_none(none: str) -> None:
    p = policy(f"overdue_every: {none}")
    assert p.overdue_every.kind == "none"
    received = "2026-11-20 16:00"
    view = ticket(received, reaction_due="2026-11-23 16:00")
    kinds = {r.kind for r in plan(p, view, CAL, at(received), FAR)}
    assert kinds == {"percent", "before", "breach"}


@pytest.mark.parametrize(
    ("text", "loc", "words"),
    [
        ("reaction: {percent: [0]}", ("reaction", "percent", 0), "0 is geen percentage van 1"),
        ("reaction: {percent: [50, 100]}", ("reaction", "percent", 1), "100 is geen percent"),
        ("reaction: {percent: [fifty]}", ("reaction", "percent", 0), "'fifty' is geen percent"),
        ("reaction: {percent: [true]}", ("reaction", "percent", 0), "True is geen percentage"),
        (
            "reaction: {percent: [50, 80, 50]}",
            ("reaction", "percent"),
            "50% staat er meer dan eens",
        ),
        (
            "resolution: {before: [1 werkuur, 60 werkminuten]}",
            ("resolution", "before"),
            "60 werkminuten staat er meer dan eens (hetzelfde als 1 werkuur)",
        ),
        (
            "resolution: {before: [next release]}",
            ("resolution", "before", 0),
            "'next release' is geen hoeveelheid werktijd: gebruik bijvoorbeeld '1 werkuur'",
        ),
        ("reaction: {before: [none]}", ("reaction", "before", 0), "'none' is geen hoeveelheid"),
        ("reaction: {before: [0 werkuren]}", ("reaction", "before", 0), "is geen tijd"),
        ("reaction: {before: [1 uur]}", ("reaction", "before", 0), "is niet te lezen"),
        (
            "overdue_every: volgende release",
            ("overdue_every",),
            "(of 'geen' voor niet herhalen)",
        ),
        ("overdue_max: -1", ("overdue_max",), "greater than or equal to 0"),
        ("overdue_max: 800", ("overdue_max",), "less than or equal to 100"),
        # YAML reads 9:00 unquoted as 540 (base 60); pydantic would take that as 00:09.
        (
            "digest: {at: 9:00}",
            ("digest", "at"),
            'zet het tussen aanhalingstekens, bijvoorbeeld "09:00"',
        ),
        ("digest: {at: '09:00+01:00'}", ("digest", "at"), "laat de UTC-afwijking weg"),
        ("outside_hours: [urgent]", ("outside_hours", 0), "'hoog', 'middel' or 'laag'"),
        ("reminder_at_breach: true", ("reminder_at_breach",), "Extra inputs"),
        ("reaction: {percentage: [50]}", ("reaction", "percentage"), "Extra inputs"),
    ],
)
def test_bad_values_are_refused_readably(text: str, loc: tuple[Any, ...], words: str) -> None:
    found = errors(text)
    # The location points at the item, so the loader can give the file:line of the item.
    assert [where for where, _ in found] == [loc]
    assert words in found[0][1]


# -- a Middel reaction deadline --------------------------------------------------------
def test_middel_reaction_friday_to_monday() -> None:
    # Received Fri 16:00; 1 working day: Fri 16-17 (1 h) + Mon 09-16 (7 h) -> Mon 16:00.
    received = "2026-11-20 16:00"
    assert CAL.add_working_days(at(received), 1) == at("2026-11-23 16:00")
    view = ticket(received, reaction_due="2026-11-23 16:00")
    # window = 8 h.  50 %: 4 h = Fri 1 h + Mon 3 h -> Mon 12:00.
    # 80 %: 6 h 24 m = Fri 1 h + Mon 5 h 24 m -> Mon 14:24.  before 1 h: 7 h -> Mon 15:00.
    # overdue every 2 business hours from Mon 16:00: k * 2 h = Mon 1 h + Tue (2k - 1) h.
    assert table(plan(DEFAULT, view, CAL, at(received), FAR)) == [
        ("2026-11-23 12:00:00", "reaction:50%"),
        ("2026-11-23 14:24:00", "reaction:80%"),
        ("2026-11-23 15:00:00", "reaction:before:60m"),
        ("2026-11-23 16:00:00", "reaction:breach"),
        ("2026-11-24 10:00:00", "reaction:overdue:1"),  # 2 h: Mon 1 + Tue 1
        ("2026-11-24 12:00:00", "reaction:overdue:2"),
        ("2026-11-24 14:00:00", "reaction:overdue:3"),
        ("2026-11-24 16:00:00", "reaction:overdue:4"),
        ("2026-11-25 10:00:00", "reaction:overdue:5"),  # 10 h: Mon 1 + Tue 8 + Wed 1
        ("2026-11-25 12:00:00", "reaction:overdue:6"),
        ("2026-11-25 14:00:00", "reaction:overdue:7"),
        ("2026-11-25 16:00:00", "reaction:overdue:8"),
    ]


def test_middel_reaction_across_christmas_and_new_year() -> None:
    # Received Thu 2026-12-24 14:00. Fri 25 and Sat 26 are Christmas, Sun 27 is a Sunday.
    # 1 working day: Thu 14-17 (3 h) + Mon 28 09-14 (5 h) -> Mon 2026-12-28 14:00.
    received = "2026-12-24 14:00"
    assert [CAL.is_working_day(date(2026, 12, d)) for d in range(24, 29)] == [
        True,
        False,
        False,
        False,
        True,
    ]
    assert CAL.add_working_days(at(received), 1) == at("2026-12-28 14:00")
    view = ticket(received, reaction_due="2026-12-28 14:00")
    long = policy("overdue_max: 14")
    # window 8 h. 50 %: 4 h = Thu 3 + Mon 1 -> Mon 10:00. 80 %: 6 h 24 = Thu 3 + Mon 3 h 24
    # -> Mon 12:24. before 1 h: 7 h = Thu 3 + Mon 4 -> Mon 13:00.
    # overdue k: 2k business hours after Mon 14:00 (Mon has 3 h left, then 8 h a day;
    # Thu 31 Dec is a working day, Fri 1 Jan a holiday, then a weekend).
    assert table(plan(long, view, CAL, at(received), FAR)) == [
        ("2026-12-28 10:00:00", "reaction:50%"),
        ("2026-12-28 12:24:00", "reaction:80%"),
        ("2026-12-28 13:00:00", "reaction:before:60m"),
        ("2026-12-28 14:00:00", "reaction:breach"),
        ("2026-12-28 16:00:00", "reaction:overdue:1"),  # 2 h
        ("2026-12-29 10:00:00", "reaction:overdue:2"),  # 4 h = Mon 3 + Tue 1
        ("2026-12-29 12:00:00", "reaction:overdue:3"),
        ("2026-12-29 14:00:00", "reaction:overdue:4"),
        ("2026-12-29 16:00:00", "reaction:overdue:5"),
        ("2026-12-30 10:00:00", "reaction:overdue:6"),  # 12 h = 3 + 8 + 1
        ("2026-12-30 12:00:00", "reaction:overdue:7"),
        ("2026-12-30 14:00:00", "reaction:overdue:8"),
        ("2026-12-30 16:00:00", "reaction:overdue:9"),
        ("2026-12-31 10:00:00", "reaction:overdue:10"),  # 20 h = 3 + 8 + 8 + 1
        ("2026-12-31 12:00:00", "reaction:overdue:11"),
        ("2026-12-31 14:00:00", "reaction:overdue:12"),
        ("2026-12-31 16:00:00", "reaction:overdue:13"),
        ("2027-01-04 10:00:00", "reaction:overdue:14"),  # 28 h = 3+8+8+8 + Mon 4 Jan 1
    ]


def test_deadline_at_closing_time_is_reminded_at_closing_time() -> None:
    # Received Tue 08:00: the clock starts at 09:00, 8 h later is Tue 17:00 (SPEC).
    view = ticket("2026-11-24 08:00", reaction_due="2026-11-24 17:00")
    # window 8 h from 09:00: 50 % 13:00, 80 % 15:24, before 1 h 16:00; breach 17:00 stays
    # (not moved to Wed 09:00); overdue 1: 2 h after Tue 17:00 -> Wed 11:00.
    got = table(plan(policy("overdue_max: 1"), view, CAL, at("2026-11-24 08:00"), FAR))
    assert got == [
        ("2026-11-24 13:00:00", "reaction:50%"),
        ("2026-11-24 15:24:00", "reaction:80%"),
        ("2026-11-24 16:00:00", "reaction:before:60m"),
        ("2026-11-24 17:00:00", "reaction:breach"),
        ("2026-11-25 11:00:00", "reaction:overdue:1"),
    ]


# -- a Middel resolution at a release (07:00, before opening) ----------------------------
def test_middel_resolution_at_a_07_00_release_is_moved_to_opening() -> None:
    # Received Mon 2026-11-16 10:00; the next release is Tue 2026-11-17 07:00 (every 21
    # days from 2026-01-06: ..., 10-27, 11-17, 12-08).
    received = "2026-11-16 10:00"
    assert RELEASES.next_release_after(at(received)) == at("2026-11-17 07:00")
    view = ticket(
        received,
        reaction_due="2026-11-17 10:00",  # 8 h: Mon 10-17 (7 h) + Tue 09-10 (1 h)
        resolution_due="2026-11-17 07:00",
    )
    got = table(plan(policy("overdue_max: 5"), view, CAL, at(received), FAR))
    # reaction (window 8 h from Mon 10:00): 50 % 4 h -> Mon 14:00; 80 % 6 h 24 -> Mon 16:24;
    #   before 1 h: 7 h = all of Mon 10-17 -> Mon 17:00 (closing, not Tue 09:00);
    #   breach Tue 10:00; overdue 2k h after Tue 10:00.
    # resolution (window Mon 10-17 = 7 h): before 1 h: 6 h -> Mon 16:00; breach at 07:00 is
    #   outside hours -> Tue 09:00;
    #   overdue 2k h after Tue 07:00, which counts from 09:00: 11:00, 13:00, 15:00,
    #   17:00 (closing, 8 h), Wed 11:00 (10 h = Tue 8 + Wed 2).
    assert got == [
        ("2026-11-16 14:00:00", "reaction:50%"),
        ("2026-11-16 16:00:00", "resolution:before:60m"),
        ("2026-11-16 16:24:00", "reaction:80%"),
        ("2026-11-16 17:00:00", "reaction:before:60m"),
        ("2026-11-17 09:00:00", "resolution:breach"),
        ("2026-11-17 10:00:00", "reaction:breach"),
        ("2026-11-17 11:00:00", "resolution:overdue:1"),
        ("2026-11-17 12:00:00", "reaction:overdue:1"),
        ("2026-11-17 13:00:00", "resolution:overdue:2"),
        ("2026-11-17 14:00:00", "reaction:overdue:2"),
        ("2026-11-17 15:00:00", "resolution:overdue:3"),
        ("2026-11-17 16:00:00", "reaction:overdue:3"),
        ("2026-11-17 17:00:00", "resolution:overdue:4"),
        ("2026-11-18 10:00:00", "reaction:overdue:4"),  # 8 h = Tue 7 + Wed 1
        ("2026-11-18 11:00:00", "resolution:overdue:5"),
        ("2026-11-18 12:00:00", "reaction:overdue:5"),
    ]
    breach = next(
        r for r in plan(DEFAULT, view, CAL, at(received), FAR) if r.key == "resolution:breach"
    )
    # The reminder moved; the deadline it is about did not.
    assert (breach.at, breach.due) == (at("2026-11-17 09:00"), at("2026-11-17 07:00"))


def test_reminders_moved_to_the_same_opening_keep_a_stable_order() -> None:
    # Deadlines outside hours (as a release can be): reaction Sat 10:00, resolution Sun
    # 10:00. Both breaches move to Mon 09:00; same `at`, ordered by key, both kept.
    view = ticket(
        "2026-11-20 12:00", reaction_due="2026-11-21 10:00", resolution_due="2026-11-22 10:00"
    )
    only_breach = policy(
        "reaction: {percent: [], before: []}\nresolution: {before: []}\noverdue_every: none"
    )
    assert table(plan(only_breach, view, CAL, at("2026-11-20 12:00"), FAR)) == [
        ("2026-11-23 09:00:00", "reaction:breach"),
        ("2026-11-23 09:00:00", "resolution:breach"),
    ]
    # After downtime each deadline keeps its own latest passed reminder.
    got = plan(only_breach, view, CAL, at("2026-11-23 12:00"), FAR)
    assert [r.key for r in got] == ["reaction:breach", "resolution:breach"]


def test_hoog_resolution_at_07_00_is_not_moved() -> None:
    view = ticket("2026-11-16 10:00", Priority.HOOG, resolution_due="2026-11-17 07:00")
    got = table(plan(policy("overdue_max: 1"), view, CAL, at("2026-11-16 10:00"), FAR))
    # Hoog may be reminded outside hours: breach at 07:00, overdue 2 h wall-clock -> 09:00.
    assert got == [
        ("2026-11-16 16:00:00", "resolution:before:60m"),
        ("2026-11-17 07:00:00", "resolution:breach"),
        ("2026-11-17 09:00:00", "resolution:overdue:1"),
    ]


# -- Hoog: outside business hours --------------------------------------------------------
def test_hoog_received_on_saturday() -> None:
    # Received Sat 2026-11-21 10:00. Reaction 15 business minutes from Mon 09:00 -> 09:15;
    # resolution 1 working day from Mon 09:00 -> Mon 17:00 (SPEC: Sat 10:00 -> Mon 17:00).
    received = "2026-11-21 10:00"
    assert CAL.add_business_time(at(received), timedelta(minutes=15)) == at("2026-11-23 09:15")
    assert CAL.add_working_days(at(received), 1) == at("2026-11-23 17:00")
    view = ticket(
        received,
        Priority.HOOG,
        reaction_due="2026-11-23 09:15",
        resolution_due="2026-11-23 17:00",
    )
    reminders = plan(DEFAULT, view, CAL, at(received), FAR)
    # reaction window 15 m: 50 % 7 m 30 s -> 09:07:30; 80 % 12 m -> 09:12; before 1 h is
    #   not shorter than the window: none. Overdue in wall-clock time: 09:15 + 2k h.
    # resolution window 8 h: before 1 h -> 16:00; breach 17:00; overdue 17:00 + 2k h,
    #   through the night.
    assert table(reminders) == [
        ("2026-11-21 10:00:00", "new:outside_hours"),
        ("2026-11-23 09:07:30", "reaction:50%"),
        ("2026-11-23 09:12:00", "reaction:80%"),
        ("2026-11-23 09:15:00", "reaction:breach"),
        ("2026-11-23 11:15:00", "reaction:overdue:1"),
        ("2026-11-23 13:15:00", "reaction:overdue:2"),
        ("2026-11-23 15:15:00", "reaction:overdue:3"),
        ("2026-11-23 16:00:00", "resolution:before:60m"),
        ("2026-11-23 17:00:00", "resolution:breach"),
        ("2026-11-23 17:15:00", "reaction:overdue:4"),
        ("2026-11-23 19:00:00", "resolution:overdue:1"),
        ("2026-11-23 19:15:00", "reaction:overdue:5"),
        ("2026-11-23 21:00:00", "resolution:overdue:2"),
        ("2026-11-23 21:15:00", "reaction:overdue:6"),
        ("2026-11-23 23:00:00", "resolution:overdue:3"),
        ("2026-11-23 23:15:00", "reaction:overdue:7"),
        ("2026-11-24 01:00:00", "resolution:overdue:4"),
        ("2026-11-24 01:15:00", "reaction:overdue:8"),
        ("2026-11-24 03:00:00", "resolution:overdue:5"),
        ("2026-11-24 05:00:00", "resolution:overdue:6"),
        ("2026-11-24 07:00:00", "resolution:overdue:7"),
        ("2026-11-24 09:00:00", "resolution:overdue:8"),
    ]
    new = reminders[0]
    assert (new.kind, new.deadline, new.due) == (
        "outside_hours",
        "reaction",
        at("2026-11-23 09:15"),
    )
    assert new.at == at(received)


def test_hoog_overdue_runs_through_the_weekend() -> None:
    # Received Thu 15:00, reacted; resolution 1 working day -> Fri 15:00. Overdue every 2 h
    # wall-clock: Fri 17, 19, 21, 23, Sat 01, 03, 05, 07 (a Middel would wait for Monday).
    view = ticket(
        "2026-11-19 15:00",
        Priority.HOOG,
        reaction_due="2026-11-19 15:15",
        resolution_due="2026-11-20 15:00",
        reacted_at=at("2026-11-19 15:05"),
    )
    got = plan(DEFAULT, view, CAL, at("2026-11-20 15:00"), FAR)
    assert table([r for r in got if r.kind == "overdue"]) == [
        ("2026-11-20 17:00:00", "resolution:overdue:1"),
        ("2026-11-20 19:00:00", "resolution:overdue:2"),
        ("2026-11-20 21:00:00", "resolution:overdue:3"),
        ("2026-11-20 23:00:00", "resolution:overdue:4"),
        ("2026-11-21 01:00:00", "resolution:overdue:5"),
        ("2026-11-21 03:00:00", "resolution:overdue:6"),
        ("2026-11-21 05:00:00", "resolution:overdue:7"),
        ("2026-11-21 07:00:00", "resolution:overdue:8"),
    ]
    middel = replace(view, priority=Priority.MIDDEL)
    overdue = plan(DEFAULT, middel, CAL, at("2026-11-20 15:00"), FAR)
    # Middel: 2 business hours after Fri 15:00 -> Fri 17:00 (closing), then Mon 11:00 ...
    assert table([r for r in overdue if r.kind == "overdue"])[:2] == [
        ("2026-11-20 17:00:00", "resolution:overdue:1"),
        ("2026-11-23 11:00:00", "resolution:overdue:2"),
    ]


def test_hoog_in_hours_gets_no_outside_hours_reminder() -> None:
    view = ticket("2026-11-23 10:00", Priority.HOOG, reaction_due="2026-11-23 10:15")
    assert "new:outside_hours" not in {
        r.key for r in plan(DEFAULT, view, CAL, at("2026-11-23 10:00"), FAR)
    }


def test_hoog_outside_hours_reminder_needs_the_policy() -> None:
    # With outside_hours: [] a Hoog is treated like the others: nothing on Saturday, and
    # overdue reminders in business time (2 h after Mon 09:15 -> 11:15 either way).
    view = ticket("2026-11-21 10:00", Priority.HOOG, reaction_due="2026-11-23 09:15")
    got = plan(policy("outside_hours: []\noverdue_max: 4"), view, CAL, at("2026-11-21 10:00"), FAR)
    assert table(got)[0] == ("2026-11-23 09:07:30", "reaction:50%")
    # overdue 4: 8 business hours after Mon 09:15 -> Tue 09:15 (not Mon 17:15 wall-clock).
    assert table(got)[-1] == ("2026-11-24 09:15:00", "reaction:overdue:4")


def test_reacted_hoog_received_outside_hours_needs_no_outside_hours_reminder() -> None:
    view = ticket(
        "2026-11-21 10:00",
        Priority.HOOG,
        reaction_due="2026-11-23 09:15",
        reacted_at=at("2026-11-21 10:20"),
    )
    assert plan(DEFAULT, view, CAL, at("2026-11-21 10:30"), FAR) == []


# -- which tickets -------------------------------------------------------------------------
def test_exempt_tickets_are_skipped_unless_the_policy_includes_them() -> None:
    view = ticket("2026-11-20 16:00", reaction_due="2026-11-23 16:00")
    exempt = replace(view, exempt=True, exempt_reason="Middel-storing gemeld via e-mail")
    now = at("2026-11-20 16:00")
    assert plan(DEFAULT, exempt, CAL, now, FAR) == []
    included = plan(policy("exempt: true"), exempt, CAL, now, FAR)
    assert included == plan(DEFAULT, view, CAL, now, FAR)
    assert len(included) == 12


def test_reacted_ticket_keeps_only_resolution_reminders() -> None:
    view = ticket(
        "2026-11-16 10:00",
        reaction_due="2026-11-17 10:00",
        resolution_due="2026-11-17 07:00",
        reacted_at=at("2026-11-16 11:00"),
    )
    got = plan(DEFAULT, view, CAL, at("2026-11-16 11:00"), FAR)
    assert got and {r.deadline for r in got} == {"resolution"}


def test_resolved_ticket_and_missing_deadlines_get_nothing() -> None:
    view = ticket("2026-11-16 10:00", reaction_due="2026-11-17 10:00")
    resolved = replace(view, status=RESOLVED, resolved_at=at("2026-11-16 12:00"))
    assert plan(DEFAULT, resolved, CAL, at("2026-11-16 12:00"), FAR) == []
    laag = ticket("2026-11-16 10:00", Priority.LAAG)  # Laag: no reaction, no resolution
    assert plan(DEFAULT, laag, CAL, at("2026-11-16 10:00"), FAR) == []


# -- horizon and catch-up --------------------------------------------------------------
def test_until_cuts_the_horizon_inclusively() -> None:
    view = ticket("2026-11-20 16:00", reaction_due="2026-11-23 16:00")
    got = plan(DEFAULT, view, CAL, at("2026-11-20 16:00"), at("2026-11-23 14:24"))
    assert [r.key for r in got] == ["reaction:50%", "reaction:80%"]
    assert plan(DEFAULT, view, CAL, at("2026-11-20 16:00"), at("2026-11-23 11:59")) == []


def test_catch_up_keeps_only_the_latest_past_reminder_per_deadline() -> None:
    # Same ticket as the release test; the bot was down until Tue 12:30. Passed: reaction
    # 50 %, 80 %, before, breach, overdue:1 (12:00) -> keep overdue:1; resolution before,
    # breach (09:00), overdue:1 (11:00) -> keep overdue:1.
    view = ticket(
        "2026-11-16 10:00", reaction_due="2026-11-17 10:00", resolution_due="2026-11-17 07:00"
    )
    got = plan(DEFAULT, view, CAL, at("2026-11-17 12:30"), at("2026-11-17 17:00"))
    assert table(got) == [
        ("2026-11-17 11:00:00", "resolution:overdue:1"),
        ("2026-11-17 12:00:00", "reaction:overdue:1"),
        ("2026-11-17 13:00:00", "resolution:overdue:2"),
        ("2026-11-17 14:00:00", "reaction:overdue:2"),
        ("2026-11-17 15:00:00", "resolution:overdue:3"),
        ("2026-11-17 16:00:00", "reaction:overdue:3"),
        ("2026-11-17 17:00:00", "resolution:overdue:4"),
    ]


def test_catch_up_keeps_a_reminder_due_exactly_now_and_the_outside_hours_one() -> None:
    view = ticket("2026-11-20 16:00", reaction_due="2026-11-23 16:00")
    # now = Mon 14:24 exactly: 50 % (12:00) is past and superseded by nothing later that
    # has passed, 80 % is due now (not past), so both stay.
    got = plan(DEFAULT, view, CAL, at("2026-11-23 14:24"), at("2026-11-23 15:00"))
    assert [r.key for r in got] == ["reaction:50%", "reaction:80%", "reaction:before:60m"]
    hoog = ticket("2026-11-21 10:00", Priority.HOOG, reaction_due="2026-11-23 09:15")
    got = plan(DEFAULT, hoog, CAL, at("2026-11-22 20:00"), at("2026-11-22 21:00"))
    assert [r.key for r in got] == ["new:outside_hours"]  # the weekend downtime catch-up


def test_replanning_is_idempotent_by_key() -> None:
    # Planning in slices of a day gives the same keys as planning the whole span at once.
    view = ticket(
        "2026-11-16 10:00", reaction_due="2026-11-17 10:00", resolution_due="2026-11-17 07:00"
    )
    start = at("2026-11-16 10:00")
    whole = {r.key: r for r in plan(DEFAULT, view, CAL, start, FAR)}
    sliced: dict[str, Reminder] = {}
    for day in range(5):
        now = start + timedelta(days=day)
        sliced.update(
            {
                r.key: r
                for r in plan(DEFAULT, view, CAL, now, now + timedelta(days=1))
                if r.at >= now
            }
        )
    assert sliced == whole


def test_keys_are_unique_and_before_lengths_that_are_equal_count_once() -> None:
    # Received Mon 09:00, resolution due Wed 17:00: window 24 h. '1 werkdag' and
    # '8 werkuren' are both 8 h on this calendar: one reminder, 16 h after Mon 09:00 ->
    # Tue 17:00 (closing).
    p = policy(
        "resolution: {percent: [10, 90], before: [1 werkdag, 8 werkuren, 30 werkminuten]}\n"
        "reaction: {percent: [25, 50, 75, 80], before: [1 werkuur, 2 werkuren]}"
    )
    view = ticket(
        "2026-11-16 09:00",
        Priority.HOOG,
        reaction_due="2026-11-16 09:15",
        resolution_due="2026-11-18 17:00",
    )
    got = plan(p, view, CAL, at("2026-11-16 09:00"), FAR)
    keys = [r.key for r in got]
    assert len(keys) == len(set(keys))
    before = [(r.key, r.at) for r in got if r.kind == "before"]
    assert before == [
        ("resolution:before:480m", at("2026-11-17 17:00")),
        ("resolution:before:30m", at("2026-11-18 16:30")),
    ]
    assert got == sorted(got, key=lambda r: (r.at, r.key))


def test_naive_times_are_refused() -> None:
    view = ticket("2026-11-20 16:00", reaction_due="2026-11-23 16:00")
    with pytest.raises(ValueError, match="no UTC offset"):
        plan(DEFAULT, view, CAL, datetime(2026, 11, 20, 16), FAR)


# -- digest ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Friday 10:00 -> the weekend -> Monday 09:00.
        ("2026-11-20 10:00", "2026-11-23 09:00"),
        # Strictly after: at 09:00 itself the next one is tomorrow's.
        ("2026-11-23 09:00", "2026-11-24 09:00"),
        ("2026-11-23 08:59", "2026-11-23 09:00"),
        # Thu 24 Dec 10:00: 25 and 26 are Christmas, 27 a Sunday -> Mon 28 Dec.
        ("2026-12-24 10:00", "2026-12-28 09:00"),
        # New Year: Thu 31 Dec 10:00 -> Fri 1 Jan holiday, weekend -> Mon 4 Jan.
        ("2026-12-31 10:00", "2027-01-04 09:00"),
        # DST starts Sun 2027-03-28 (also Easter); Good Friday 26 and Easter Monday 29 are
        # holidays: Thu 25 10:00 CET -> Tue 30 09:00 CEST.
        ("2027-03-25 10:00", "2027-03-30 09:00"),
        # DST ends Sun 2026-10-25: Fri 23 10:00 CEST -> Mon 26 09:00 CET.
        ("2026-10-23 10:00", "2026-10-26 09:00"),
    ],
)
def test_next_digest_at(after: str, expected: str) -> None:
    got = next_digest_at(DEFAULT, CAL, at(after).astimezone(UTC))
    assert got == at(expected)
    assert got.tzinfo is UTC


def test_next_digest_at_keeps_local_time_over_dst() -> None:
    # 09:00 local is 08:00 UTC in winter and 07:00 UTC in summer.
    before = next_digest_at(DEFAULT, CAL, datetime(2027, 3, 24, 12, tzinfo=UTC))
    after = next_digest_at(DEFAULT, CAL, datetime(2027, 3, 29, 12, tzinfo=UTC))
    assert before == datetime(2027, 3, 25, 8, tzinfo=UTC)
    assert after == datetime(2027, 3, 30, 7, tzinfo=UTC)
    late = policy("digest: {at: '16:45'}")
    assert next_digest_at(late, CAL, datetime(2027, 3, 29, 12, tzinfo=UTC)) == at(
        "2027-03-30 16:45"
    )


# -- release days ------------------------------------------------------------------------
def test_release_on() -> None:
    # 2026-11-17 is a release (07:00 CET = 06:00 UTC); the day after is not.
    assert release_on(RELEASES, date(2026, 11, 17), AMS) == datetime(2026, 11, 17, 6, tzinfo=UTC)
    assert release_on(RELEASES, date(2026, 11, 18), AMS) is None
    # 2026-03-31, after the DST change of 29 March: 07:00 CEST = 05:00 UTC.
    assert release_on(RELEASES, date(2026, 3, 31), AMS) == datetime(2026, 3, 31, 5, tzinfo=UTC)


def test_release_on_uses_the_local_day() -> None:
    # A hotfix at 00:30 local on 18 November is 23:30 UTC on the 17th: it belongs to the 18th.
    hotfix = ReleaseCalendar(ReleaseConfig(add=(datetime(2026, 11, 18, 0, 30),)), CAL)
    assert release_on(hotfix, date(2026, 11, 18), AMS) == datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    assert release_on(hotfix, date(2026, 11, 17), AMS) == datetime(2026, 11, 17, 6, tzinfo=UTC)

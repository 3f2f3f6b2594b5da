"""Deadlines derived step by step in working time (bot/derivation.py), the calendar's reason for
a day off (BusinessCalendar.closed_because), and where a matched word stands in the original
text (bot/engine/words.py: token_spans), which `triage explain` builds on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import BusinessCalendar, CalendarConfig, ReleaseCalendar, ReleaseConfig
from bot.derivation import REACTION, RESOLUTION, derive, release_lines, target_text, walk
from bot.engine.schema import Target
from bot.engine.words import WordMatcher, token_spans

AMS = ZoneInfo("Europe/Amsterdam")
CAL = BusinessCalendar()
RELEASES = ReleaseCalendar(ReleaseConfig(), CAL)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


# -- the walk is add_business_time's ------------------------------------------------------------
STARTS = [
    at("2026-12-18T16:00"),  # Friday afternoon
    at("2026-12-24T14:00"),  # Christmas Eve
    at("2026-12-24T18:30"),  # after closing, before two holidays and a weekend
    at("2026-11-28T10:00"),  # Saturday
    at("2026-11-30T07:00"),  # before opening
    at("2026-10-23T16:00"),  # the Friday before the October DST change
    at("2026-03-27T12:34:56"),  # the Friday before the March DST change, odd seconds
    at("2026-04-02T15:00"),  # before Good Friday and Easter
    at("2026-12-31T16:59"),  # one minute before closing, then New Year's Day
]
AMOUNTS = [
    timedelta(0),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=8),
    timedelta(hours=12, minutes=30),
    timedelta(hours=40),
]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("amount", AMOUNTS)
def test_walk_arrives_where_add_business_time_does(start: datetime, amount: timedelta) -> None:
    steps = walk(CAL, start, amount)
    assert steps[-1].end == CAL.add_business_time(start, amount)
    assert sum((s.counted for s in steps), timedelta(0)) == amount
    # One step per calendar day, in order, from the start's day; a day counts or says why not.
    days = [s.day for s in steps]
    assert days[0] == start.astimezone(AMS).date()
    assert all(b - a == timedelta(days=1) for a, b in pairwise(days))
    assert all((s.skipped is None) == (s.start is not None) for s in steps)


def test_the_friday_afternoon_example_of_the_issue() -> None:
    derived = derive(
        REACTION,
        Target.parse("1 working day"),
        "Bijlage 1, Middel",
        at("2026-12-18T16:00"),
        at("2026-12-21T16:00"),
        CAL,
        RELEASES,
    )
    assert derived.matches
    assert derived.line("ontvangen", AMS) == (
        "ontvangen vr 18 dec 16:00 · 1 werkdag = 8 werkuren · vr 18 dec 1 werkuur "
        "(16:00-17:00) · za 19 dec en zo 20 dec: weekend · ma 21 dec 7 werkuren (09:00-16:00) "
        "→ ma 21 dec 16:00"
    )


def test_christmas_eve_names_the_holidays_it_skips() -> None:
    derived = derive(
        REACTION,
        Target.parse("1 working day"),
        "Bijlage 1, Middel",
        at("2026-12-24T14:00"),
        at("2026-12-28T14:00"),
        CAL,
        RELEASES,
    )
    assert derived.phrases(AMS) == [
        "do 24 dec 3 werkuren (14:00-17:00)",
        "vr 25 dec: Eerste kerstdag",
        "za 26 dec: Tweede kerstdag",  # a holiday on a Saturday is named as the holiday
        "zo 27 dec: weekend",
        "ma 28 dec 5 werkuren (09:00-14:00)",
    ]
    assert derived.due == at("2026-12-28T14:00") and derived.matches


def test_receipt_after_closing_and_on_a_saturday() -> None:
    late = derive(
        REACTION,
        Target.parse("15 business minutes"),
        "",
        at("2026-11-27T18:00"),
        None,
        CAL,
        RELEASES,
    )
    assert late.phrases(AMS) == [
        "vr 27 nov: na sluitingstijd",
        "za 28 nov en zo 29 nov: weekend",
        "ma 30 nov 15 werkminuten (09:00-09:15)",
    ]
    # The stored deadline is None: the derivation says it differs rather than pretend.
    assert not late.matches
    assert "(maar opgeslagen bij de beslissing: geen)" in late.line("ontvangen", AMS)


def test_an_extra_closing_day_is_named() -> None:
    closed = BusinessCalendar(CalendarConfig(extra_closing_days=(date(2026, 12, 31),)))
    steps = walk(closed, at("2026-12-30T16:00"), timedelta(hours=2))
    assert [s.skipped for s in steps] == [
        None,
        "extra sluitingsdag",
        "Nieuwjaarsdag",
        "weekend",
        "weekend",
        None,
    ]
    derived = derive(
        REACTION,
        Target.parse("2 business hours"),
        "",
        at("2026-12-30T16:00"),
        None,
        closed,
        RELEASES,
    )
    assert derived.phrases(AMS)[1:4] == [
        "do 31 dec: extra sluitingsdag",
        "vr 1 jan: Nieuwjaarsdag",
        "za 2 jan en zo 3 jan: weekend",
    ]


def test_no_target_and_targets_in_words() -> None:
    none = derive(
        RESOLUTION,
        Target.parse("none"),
        "Bijlage 1, Laag",
        at("2026-11-24T10:00"),
        None,
        CAL,
        RELEASES,
    )
    assert none.due is None and none.matches and none.steps == ()
    assert none.line("ontvangen", AMS) == "ontvangen di 24 nov 10:00 · geen termijn"
    assert target_text(Target.parse("4 business hours"), CAL) == "4 werkuren"
    assert target_text(Target.parse("2 werkdagen"), CAL) == "2 werkdagen = 16 werkuren"
    assert target_text(Target.parse("0.5 working day"), CAL) == "0,5 werkdagen = 4 werkuren"
    assert target_text(Target.parse("next release"), CAL) == "eerstvolgende release"


# -- the release calendar -----------------------------------------------------------------------
def test_next_release_names_the_cadence() -> None:
    derived = derive(
        RESOLUTION,
        Target.parse("next release"),
        "Bijlage 1, Middel",
        at("2026-12-24T14:00"),
        at("2026-12-29T07:00"),
        CAL,
        RELEASES,
    )
    assert derived.matches and derived.steps == ()
    assert derived.release == (
        "releases elke 21 dagen vanaf di 6 jan 2026 07:00 (releasekalender in "
        "config/settings.yaml)",
        "eerstvolgende release na do 24 dec 14:00: di 29 dec 07:00",
    )


def test_a_release_on_a_holiday_moves_to_the_next_working_day() -> None:
    # Weekly releases on Fridays: the one of Christmas Day goes out on Monday 28 December.
    weekly = ReleaseCalendar(ReleaseConfig(anchor=datetime(2026, 12, 4, 7, 0), cadence_days=7), CAL)
    release = weekly.next_release_after(at("2026-12-21T10:00"))
    assert release == at("2026-12-28T07:00")
    assert release_lines(weekly, at("2026-12-21T10:00"), release)[-1] == (
        "eerstvolgende release na ma 21 dec 10:00: ma 28 dec 07:00 (gepland op vr 25 dec, "
        "Eerste kerstdag: de eerstvolgende werkdag)"
    )


def test_skipped_moved_and_added_releases_are_named() -> None:
    config = ReleaseConfig(
        anchor=datetime(2026, 11, 3, 7, 0),
        cadence_days=14,
        skip=(date(2026, 11, 17),),
        move={date(2026, 12, 1): datetime(2026, 12, 2, 7, 0)},
        add=(datetime(2026, 11, 26, 12, 0),),
    )
    releases = ReleaseCalendar(config, CAL)
    start = at("2026-11-10T10:00")
    added = releases.next_release_after(start)
    assert added == at("2026-11-26T12:00")
    lines = release_lines(releases, start, added)
    assert "de release van di 17 nov vervalt (releases.skip)" in lines
    assert lines[-1].endswith("do 26 nov 12:00 (extra release, releases.add)")
    moved = releases.next_release_after(added)
    assert moved == at("2026-12-02T07:00")
    assert release_lines(releases, added, moved)[-1].endswith(
        "wo 2 dec 07:00 (verplaatst van di 1 dec, releases.move)"
    )
    later = releases.next_release_after(at("2026-11-30T10:00"))
    assert later == moved  # the move is named on the way to a release after it
    beyond = releases.next_release_after(moved)
    assert "de release van di 1 dec is verplaatst naar wo 2 dec 07:00" in release_lines(
        releases, at("2026-11-30T10:00"), beyond
    )


# -- why a day is off ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 12, 24), None),
        (date(2026, 12, 25), "Eerste kerstdag"),
        (date(2026, 12, 26), "Tweede kerstdag"),
        (date(2026, 12, 27), "weekend"),
        (date(2026, 4, 27), "Koningsdag"),
        (date(2026, 5, 14), "Hemelvaartsdag"),
        (date(2027, 1, 1), "Nieuwjaarsdag"),
    ],
)
def test_closed_because(day: date, reason: str | None) -> None:
    assert CAL.closed_because(day) == reason


def test_closed_because_a_dropped_holiday_is_a_working_day() -> None:
    open_on_kings_day = BusinessCalendar(CalendarConfig(dropped_holidays=(date(2026, 4, 27),)))
    assert open_on_kings_day.closed_because(date(2026, 4, 27)) is None
    # Working on Saturdays too: a Saturday is then no reason, a Sunday still is.
    six_days = BusinessCalendar(CalendarConfig(working_weekdays=(0, 1, 2, 3, 4, 5)))
    assert six_days.closed_because(date(2026, 11, 28)) is None
    assert six_days.closed_because(date(2026, 11, 29)) == "weekend"
    only_weekdays = BusinessCalendar(CalendarConfig(working_weekdays=(0, 1, 2, 3)))
    assert only_weekdays.closed_because(date(2026, 11, 27)) == "geen werkdag"


# -- where the matcher's tokens stand in the original text -------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Niemand kan inloggen, ook niet via de app.", []),
        (
            "De \u00c9valuaties lukken niet: \u201cfoutmelding\u201d \u2013 echt!",
            ["\u00c9valuaties", "foutmelding"],
        ),
        # A ligature folds to two letters, the thousands separator stays in its number.
        ("\ufb01nale export van 1.400 medewerkers faalt", ["\ufb01nale", "1.400 medewerkers"]),
        ("Stra\u00dfe und Ma\u00df", ["Stra\u00dfe"]),  # \u00df folds to "ss"
    ],
)
def test_token_spans_point_into_the_original_text(text: str, expected: list[str]) -> None:
    spans = token_spans(text)
    assert spans is not None
    matcher = WordMatcher(["evaluatie*", "foutmelding", "#veel medewerkers", "finale", "strasse"])
    shown = [text[spans[h.start][0] : spans[h.end - 1][1]] for h in matcher.find(text)]
    assert shown == expected
    assert all(text[s:e].strip() == text[s:e] for s, e in spans)


def test_token_spans_of_a_phrase_and_a_typo() -> None:
    text = "Sinds vanochtend kan NIEMAND bij ons inlogen."
    spans = token_spans(text)
    assert spans is not None
    hits = {h.term: h for h in WordMatcher(["kan ... niemand", "inloggen"]).find(text)}
    phrase, typo = hits["kan ... niemand"], hits["inloggen"]
    assert text[spans[phrase.start][0] : spans[phrase.end - 1][1]] == "kan NIEMAND"
    assert text[spans[typo.start][0] : spans[typo.end - 1][1]] == "inlogen"


def test_dst_day_counts_wall_clock_hours() -> None:
    # Sunday 25 October 2026 is the change; Monday still counts 09:00-17:00 local.
    steps = walk(CAL, at("2026-10-23T16:00"), timedelta(hours=2))
    assert [s.skipped for s in steps] == [None, "weekend", "weekend", None]
    monday = steps[-1]
    assert monday.start is not None and monday.end is not None
    assert monday.start.astimezone(AMS).hour == 9 and monday.end.astimezone(AMS).hour == 10
    assert monday.start.tzinfo is UTC

"""Every clause row of SPEC.md that the core acts on, through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.calendar import ReleaseConfig
from bot.models import Category, Channel, Priority
from bot.pipeline import Triage
from tests.unit.triage_setup import build_triage, local, report


@pytest.fixture
def triage(tmp_path: Path) -> Triage:
    return build_triage(tmp_path)


# -- Bijlage 1: reaction and resolution per priority -------------------------------------
@pytest.mark.parametrize(
    ("body", "priority", "reaction", "resolution"),
    [
        # Hoog: direct (15 business minutes); resolution within one working day.
        ("niemand kan werken", Priority.HOOG, "2026-11-24T10:15", "2026-11-25T10:00"),
        # Middel: one working day; resolution at the first release after the report.
        ("de export is kapot", Priority.MIDDEL, "2026-11-25T10:00", "2026-12-08T07:00"),
        # Laag: no reaction or resolution time.
        ("een typfout in de knop", Priority.LAAG, None, None),
    ],
)
def test_bijlage_1_targets(
    triage: Triage, body: str, priority: Priority, reaction: str | None, resolution: str | None
) -> None:
    decision = triage.decide(report(body, channel=Channel.PHONE, sender="+31301234567"))
    assert decision.category is Category.STORING
    assert decision.priority is priority
    assert decision.reaction_due == (local(reaction) if reaction else None)
    assert decision.resolution_due == (local(resolution) if resolution else None)
    assert decision.exempt is False


def test_hoog_outside_hours_starts_at_next_opening(triage: Triage) -> None:
    decision = triage.decide(
        report("niemand", at="2026-11-27T18:30", channel=Channel.PHONE, sender="+31301234567")
    )
    assert decision.reaction_due == local("2026-11-30T09:15")
    assert decision.resolution_due == local("2026-11-30T17:00")


def test_middel_resolution_is_strictly_the_next_release(triage: Triage) -> None:
    # A report at the very moment of a release waits for the following one.
    at_release = triage.decide(report("kapot", at="2026-12-08T07:00"))
    assert at_release.resolution_due == local("2026-12-29T07:00")
    just_before = triage.decide(report("kapot", at="2026-12-08T06:59"))
    assert just_before.resolution_due == local("2026-12-08T07:00")


def test_middel_resolution_follows_a_moved_release(tmp_path: Path) -> None:
    moved = ReleaseConfig(move={local("2026-12-08T07:00").date(): local("2026-12-10T07:00")})
    triage = build_triage(tmp_path, moved)
    decision = triage.decide(report("kapot", at="2026-12-01T10:00"))
    assert decision.resolution_due == local("2026-12-10T07:00")


# -- 3.G settings request ------------------------------------------------------------------
@pytest.mark.parametrize("channel", list(Channel))
def test_settings_request_reaction_within_one_working_day(triage: Triage, channel: Channel) -> None:
    sender = "+31301234567" if channel is Channel.PHONE else "jan@acme.nl"
    decision = triage.decide(
        report("kunnen jullie SSO instellen", at="2026-11-27T14:00", channel=channel, sender=sender)
    )
    assert decision.category is Category.INSTELLING
    assert decision.reaction_due == local("2026-11-30T14:00")
    assert decision.resolution_due is None
    # 4.D does not apply: a settings request is not a Storing.
    assert decision.exempt is False


# -- 4.B questions and wishes are laag -----------------------------------------------------
def test_wish_is_laag_even_when_a_rule_says_hoog(triage: Triage) -> None:
    decision = triage.decide(report("het zou fijn zijn als dit kon"))
    assert decision.category is Category.WENS
    assert decision.priority is Priority.LAAG
    assert decision.rules == ("wens",)
    assert (decision.reaction_due, decision.resolution_due) == (None, None)


def test_question_is_laag_and_without_deadlines(triage: Triage) -> None:
    decision = triage.decide(report("hoe maak ik een doel aan"))
    assert (decision.category, decision.priority) == (Category.VRAAG, Priority.LAAG)
    assert decision.exempt is False


def test_no_rule_fires_gives_the_sla_defaults(triage: Triage) -> None:
    decision = triage.decide(report("goedemorgen"))
    assert (decision.category, decision.priority, decision.rules) == (
        Category.VRAAG,
        Priority.LAAG,
        (),
    )


# -- 4.D phone rule and 3.C agreed contacts ------------------------------------------------
@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.WIDGET, Channel.SLACK])
@pytest.mark.parametrize("body", ["niemand kan werken", "kapot"])
def test_hoog_and_middel_not_by_phone_are_exempt(
    triage: Triage, channel: Channel, body: str
) -> None:
    decision = triage.decide(report(body, channel=channel))
    assert decision.exempt is True
    assert decision.exempt_reason is not None and "4.D" in decision.exempt_reason
    # Exempt reports keep internal target deadlines.
    assert decision.reaction_due is not None and decision.resolution_due is not None


def test_laag_storing_by_email_is_not_exempt(triage: Triage) -> None:
    assert triage.decide(report("typfout")).exempt is False


@pytest.mark.parametrize(
    "number", ["+31301234567", "030-1234567", "0031 30 123 45 67", "+31 (0)30 123 4567"]
)
def test_agreed_contact_by_phone_is_guaranteed(triage: Triage, number: str) -> None:
    decision = triage.decide(report("niemand kan werken", channel=Channel.PHONE, sender=number))
    assert decision.exempt is False
    assert decision.exempt_reason is None
    assert decision.organisation == "acme"


def test_unagreed_caller_counts_as_not_by_phone(triage: Triage) -> None:
    decision = triage.decide(
        report("niemand kan werken", channel=Channel.PHONE, sender="+31 6 99988877")
    )
    assert decision.unagreed_caller is True
    assert decision.exempt is True
    assert decision.exempt_reason is not None
    assert "3.C" in decision.exempt_reason and "4.D" in decision.exempt_reason
    assert decision.organisation is None


def test_unagreed_caller_is_flagged_even_for_a_question(triage: Triage) -> None:
    decision = triage.decide(report("hoe werkt dit", channel=Channel.PHONE, sender="0699988877"))
    assert decision.unagreed_caller is True
    assert decision.exempt is False


def test_known_domain_but_not_a_contact_by_email_still_exempt(triage: Triage) -> None:
    decision = triage.decide(report("kapot", sender="someone@ACME.nl"))
    assert decision.organisation == "acme"
    assert decision.exempt is True


def test_phone_not_required_waives_the_phone_rule(triage: Triage) -> None:
    decision = triage.decide(report("niemand kan werken", sender="hr@vrij.nl"))
    assert decision.organisation == "vrij"
    assert decision.exempt is False
    assert decision.reaction_due == local("2026-11-24T10:15")


# -- 4.G Dialog sets the final priority ----------------------------------------------------
def test_confirmed_priority_overrides_rules_and_recomputes_from_receipt(triage: Triage) -> None:
    provisional = triage.decide(report("niemand kan werken", at="2026-11-24T14:00"))
    assert (provisional.priority, provisional.provisional) == (Priority.HOOG, True)
    confirmed = triage.decide(
        report("niemand kan werken", at="2026-11-24T14:00"), confirmed=Priority.MIDDEL
    )
    assert (confirmed.priority, confirmed.provisional) == (Priority.MIDDEL, False)
    assert confirmed.reaction_due == local("2026-11-25T14:00")
    assert confirmed.resolution_due == local("2026-12-08T07:00")
    assert confirmed.rules == provisional.rules


def test_priority_in_report_is_a_confirmed_priority(triage: Triage) -> None:
    decision = triage.decide(report("typfout", priority=Priority.HOOG))
    assert decision.priority is Priority.HOOG
    assert decision.provisional is False


# -- When a report was received ------------------------------------------------------------
def test_deadlines_are_utc_and_independent_of_input_offset(triage: Triage) -> None:
    from datetime import datetime

    utc_input = report("kapot").model_copy(
        update={"received_at": datetime.fromisoformat("2026-11-24T09:00:00+00:00")}
    )
    decision = triage.decide(utc_input)
    assert decision.reaction_due == local("2026-11-25T10:00")


def test_decision_carries_versions(triage: Triage) -> None:
    decision = triage.decide(report("kapot"))
    assert decision.rules_version.startswith("rules-")
    assert decision.calendar_version.startswith("cal-")


def test_release_skip_or_move_of_an_unscheduled_date_is_a_config_error() -> None:
    from datetime import date

    from bot.calendar import BusinessCalendar, ReleaseCalendar
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match=r"releases.skip: 2026-12-09 is not a scheduled release"):
        ReleaseCalendar(ReleaseConfig(skip=(date(2026, 12, 9),)), BusinessCalendar())
    with pytest.raises(ConfigError, match=r"releases.move: 2025-12-16 is not a scheduled"):
        ReleaseCalendar(
            ReleaseConfig(move={date(2025, 12, 16): local("2026-01-02T07:00")}), BusinessCalendar()
        )


def test_unknown_holiday_country_is_refused_when_validated() -> None:
    from pydantic import ValidationError

    from bot.calendar import CalendarConfig

    with pytest.raises(ValidationError, match="no calendar for country 'XX'"):
        CalendarConfig(country="XX")

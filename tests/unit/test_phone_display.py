"""Tests for bot.calls.display_phone: one way to show a phone number to people."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.slack.views.phone import hoog_call_message, missed_call_message
from bot.calendar import BusinessCalendar
from bot.calls import display_phone
from bot.intents import HoogCall, MissedCall


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("0612000000", "06-12000000"),  # as typed
        ("+31612000000", "06-12000000"),  # as stored (E.164): the same to read
        ("06 12 00 00 00", "06-12000000"),
        ("0031612000000", "06-12000000"),
        ("+31307600290", "030-7600290"),  # the helpdesk, as the SLA writes it
        ("+31 (0)30 760 0290", "030-7600290"),
        ("+31 50 123 4567", "050-1234567"),
        ("0318-123456", "0318-123456"),  # a three-digit area code
        ("+31800 1234", "0800-1234"),
        ("+3225551234", "+3225551234"),  # foreign: international form
    ],
)
def test_numbers_read_the_dutch_way(number: str, shown: str) -> None:
    assert display_phone(number) == shown


@pytest.mark.parametrize("text", ["anoniem", "", "U0123456789", "a.devries@zorg.nl", "12"])
def test_anything_else_is_left_as_it_is(text: str) -> None:
    assert display_phone(text) == text


def test_call_announcements_show_the_number_as_the_post_does() -> None:
    """The loud Hoog call and the missed call used the log's '0612000000' while the post
    showed '+31612000000': both now read '06-12000000'."""
    called = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    calendar = BusinessCalendar()
    loud = HoogCall(ticket=8, caller="0612000000", contact=None, called_at=called, exempt=True)
    assert "door 06-12000000 om di 24 nov 10:30" in hoog_call_message(loud, calendar).text
    missed = MissedCall(
        call_id="c1", caller="+31612000000", organisation=None, called_at=called, agent=""
    )
    assert "Gemiste oproep van 06-12000000 " in missed_call_message(missed, calendar).text

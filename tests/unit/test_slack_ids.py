"""Ticket numbers typed in Slack or carried by buttons: ASCII digits only, and none too large."""

from __future__ import annotations

import pytest

from adapters.slack.ids import MAX_TICKET_ID, ticket_number
from bot.desk import DeskError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        (" 7 ", 7),
        ("007", 7),
        ("0", 0),
        (str(MAX_TICKET_ID), MAX_TICKET_ID),
    ],
)
def test_plain_numbers(text: str, expected: int) -> None:
    assert ticket_number(text) == expected


# '²'.isdigit() and '١٢'.isdigit() are True; int('²') raises, int('١٢') is 12 (so is fullwidth).
@pytest.mark.parametrize(
    "text",
    ["", "#", "²", "1²", "١٢", "\uff11\uff12", "12a", "-1", "+1", "1 2", "1e3"],
)
def test_anything_else_is_no_number(text: str) -> None:
    assert ticket_number(text) is None


@pytest.mark.parametrize("digits", [str(MAX_TICKET_ID + 1), "9" * 30, "9" * 5000])
def test_numbers_no_ticket_can_have_do_not_exist(digits: str) -> None:
    with pytest.raises(DeskError, match="bestaat niet") as raised:
        ticket_number(digits)
    assert len(str(raised.value)) < 40  # shortened, not echoed whole

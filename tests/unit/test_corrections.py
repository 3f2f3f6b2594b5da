"""What decided a ticket first, as the monthly report's "meest betrokken" and `rules suggest`
name it: a correction of the text model's answer is the model's, not the row's the rules chose."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.corrections import Correction, correction_trend
from bot.models import Category, Priority
from bot.textmodel import STEP

AMS = ZoneInfo("Europe/Amsterdam")
AT = datetime.fromisoformat("2026-11-02T10:00:00+01:00")


def ticket(
    number: int,
    rules: tuple[str, ...],
    row: str | None,
    needs_triage: bool = False,
    team: Priority = Priority.HOOG,
) -> Correction:
    return Correction(
        ticket_id=number,
        received_at=AT + timedelta(minutes=number),
        subject="",
        body="",
        priority=Priority.MIDDEL,
        category=Category.STORING,
        decision_row=row,
        rules=rules,
        needs_triage=needs_triage,
        team_priority=team,
        team_category=Category.STORING,
        decided_by="U0LEAD",
        decided_at=AT + timedelta(days=1),
    )


def test_the_model_that_overruled_the_rules_decided_first() -> None:
    overruled = ticket(1, ("storing-deel", STEP), "storing-deel")
    assert overruled.decided_first_by == "taalmodel"


def test_a_row_the_model_agreed_with_decided_first() -> None:
    assert ticket(2, ("storing-deel",), "storing-deel").decided_first_by == (
        "beslisregel storing-deel"
    )


def test_nothing_recognised_stays_niet_herkend_also_with_the_models_guess() -> None:
    assert ticket(3, (STEP,), None, needs_triage=True).decided_first_by == "niet herkend"
    assert ticket(4, (), None, needs_triage=True).decided_first_by == "niet herkend"


def test_word_rules_without_a_row() -> None:
    assert ticket(5, ("wachtwoord",), None).decided_first_by == "woordregel wachtwoord"


def test_the_trend_counts_the_models_corrections_apart_from_the_rows() -> None:
    items = [
        ticket(1, ("storing-deel", STEP), "storing-deel"),
        ticket(2, ("storing-deel", STEP), "storing-deel"),
        ticket(3, ("storing-deel",), "storing-deel", team=Priority.MIDDEL),
        ticket(4, ("storing-deel",), "storing-deel"),
    ]
    trend = correction_trend(items, AMS)
    assert [(i.name, i.changed, i.decided) for i in trend.involved] == [
        ("taalmodel", 2, 2),
        ("beslisregel storing-deel", 1, 2),
    ]

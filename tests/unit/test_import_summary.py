"""The Dutch summary of a phone import lists what needs a look, but not 78,000 lines."""

from __future__ import annotations

from adapters.phone.intake import CallOutcome, ImportSummary
from app.render.text import LISTED_PER_KIND, describe_import


def test_a_big_import_lists_the_first_tickets_and_counts_the_rest() -> None:
    outcomes = [CallOutcome("ticket", f"call-{i}", i + 1) for i in range(LISTED_PER_KIND + 70)]
    outcomes += [CallOutcome("ticket", "late", 999, ("outside_hours",))]
    text = describe_import(ImportSummary("calls.csv", outcomes))
    lines = text.splitlines()
    assert lines[0].startswith("calls.csv: 121 gesprekken; 121 nieuwe tickets")
    assert "  #1: " in text and f"  #{LISTED_PER_KIND}: " in text
    assert f"  #{LISTED_PER_KIND + 1}: " not in text
    assert "... en nog 71 tickets" in text
    assert "gesprek late: buiten de helpdesk-uren" in text
    assert len(lines) == 1 + LISTED_PER_KIND + 1 + 1


def test_a_small_import_lists_everything() -> None:
    outcomes = [CallOutcome("ticket", f"call-{i}", i + 1) for i in range(3)]
    text = describe_import(ImportSummary("calls.csv", outcomes))
    assert "en nog" not in text and len(text.splitlines()) == 4

"""`triage tickets` as a table: columns line up under their headers, every word is Dutch,
and on a terminal the subject gives way so that lines fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.render.text import ticket_table
from bot.store import TicketRow

T = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def row(number: int, **changes: object) -> TicketRow:
    values: dict[str, object] = {
        "id": number,
        "status": "open",
        "channel": "email",
        "organisation": "zorggroep-noord",
        "sender": "a@zorggroepnoord.nl",
        "subject": "Niemand kan inloggen op het platform sinds vanochtend acht uur",
        "received_at": T,
        "priority": "hoog",
        "category": "storing",
        "provisional": True,
        "exempt": True,
        "exempt_reason": "SLA 4.D",
        "reaction_due": T + timedelta(minutes=15),
        "resolution_due": None,
        "rules": (),
    }
    values.update(changes)
    return TicketRow(**values)  # type: ignore[arg-type]


ROWS = [
    row(7),
    row(1234, status="resolved", channel="phone", organisation=None, priority="middel"),
    row(12, channel="slack", exempt=False, priority="laag", category="vraag", subject=""),
]


def test_columns_line_up_under_their_headers_and_speak_dutch() -> None:
    lines = ticket_table(ROWS).splitlines()
    header, rule, *body, legend = lines
    # Each column starts where its header starts (the rule line shows the columns).
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for name in ("ontvangen", "kanaal", "prioriteit", "status", "onderwerp"):
        assert header.index(name) in starts
    for line in body:
        for start in starts[1:]:
            assert line[start - 1] == " ", (line, start)
    assert "telefoon" in body[1] and "opgelost" in body[1] and "resolved" not in "".join(lines)
    assert "Middel!" in body[1] and "Laag " in body[2] and "(geen onderwerp)" in body[2]
    assert legend.startswith("! = ")


def test_on_a_terminal_lines_fit_its_width() -> None:
    wide = ticket_table(ROWS).splitlines()
    width = max(len(line) for line in wide) - 20
    narrow = ticket_table(ROWS, width=width).splitlines()
    assert all(len(line) <= width for line in narrow[:-1])
    assert "…" in narrow[2]


def test_no_tickets_says_so() -> None:
    assert ticket_table([]) == "(geen tickets)"

"""The operator's log line for a sent outbox row: what and which ticket, never customer text."""

from __future__ import annotations

from typing import Any

import pytest

from bot.outbox import describe
from bot.store import OutboxRow


def row(kind: str, payload: dict[str, Any], ticket: int | None = 3) -> OutboxRow:
    return OutboxRow(id=7, kind=kind, ticket_id=ticket, dedupe_key="k", payload=payload, attempts=0)


ACK = {
    "from": "support@dialog.nl",
    "to": "anja@zorggroepnoord.nl",
    "subject": "[#3] Niemand kan inloggen",
    "body": "Beste Anja, ...",
    "message_id": "<triage.3.ack@dialog.nl>",
}


@pytest.mark.parametrize(
    ("kind", "payload", "ticket", "line"),
    [
        (
            "email",
            {**ACK, "ticket": 3, "language": "en", "exempt": True},
            3,
            "outbox #7 email op=email ticket=3 language=en exempt=true",
        ),
        # Queued before the log fields existed: the row's ticket, nothing else.
        ("email", ACK, 3, "outbox #7 email op=email ticket=3"),
        ("slack", {"op": "post", "ticket": 3}, 3, "outbox #7 slack op=post ticket=3"),
        (
            "slack",
            {"op": "remind", "ticket": 3, "decision": 1, "deadline": "reaction", "kind": "before"},
            3,
            "outbox #7 slack op=remind kind=before deadline=reaction ticket=3",
        ),
        (
            "slack",
            {"op": "message", "text": "Bedankt Anja", "channel": "C1", "thread_ts": "1.2"},
            3,
            "outbox #7 slack op=message ticket=3",
        ),
        ("slack", {"op": "digest", "day": "2026-11-30"}, None, "outbox #7 slack op=digest"),
        # A value that is not a short word is left out, whatever it is.
        ("slack", {"op": "remind", "kind": "Anja de Vries"}, None, "outbox #7 slack op=remind"),
    ],
)
def test_describe(kind: str, payload: dict[str, Any], ticket: int | None, line: str) -> None:
    assert describe(row(kind, payload, ticket)) == line

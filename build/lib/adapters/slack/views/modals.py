"""The modal asking why a priority changes (SLA 4.G keeps the reason), and reading it back."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.blocks import clip, escape, plain, section
from bot.models import Priority

REASON_CALLBACK = "prio_reason"
REASON_BLOCK = "reason"
REASON_ACTION = "reason"
REASON_MAX = 500


# -- the reason modal -------------------------------------------------------------------
def reason_modal(ticket_id: int, priority: Priority, subject: str) -> dict[str, Any]:
    """The views.open modal asking why the priority changes (SLA 4.G keeps the reason)."""
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "private_metadata": json.dumps({"ticket": ticket_id, "priority": priority.value}),
        "title": plain("Prioriteit wijzigen", 24),
        "submit": plain("Wijzigen", 24),
        "close": plain("Annuleren", 24),
        "blocks": [
            section(
                f"*#{ticket_id} {escape(clip(subject.strip(), 200))}*\n"
                f"Nieuwe prioriteit: *{priority.label}*"
            ),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": False,
                "label": plain("Reden", 2000),
                "hint": plain("De reden wordt bewaard in de geschiedenis van het ticket.", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": True,
                    "max_length": REASON_MAX,
                    "placeholder": plain("Waarom verandert de prioriteit?", 150),
                },
            },
        ],
    }


def parse_reason_metadata(private_metadata: str) -> tuple[int, Priority]:
    """(ticket id, new priority) from the modal's private_metadata; ValueError if malformed."""
    try:
        data = json.loads(private_metadata)
        return int(data["ticket"]), Priority(data["priority"])
    except (TypeError, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed private_metadata: {private_metadata!r}") from exc

"""The "Waarom?" button on a ticket's post and `/triage waarom N`: why the ticket got its
priority, category, exemption and deadlines, answered only to the one who asked.

Reading, not changing: whoever may read tickets (`slack.readers`) may ask. The answer is an
ephemeral message in the channel of the click (bot/explain.py computes it, the view in
adapters/slack/views/explain.py shows it). Kept out of app.py, which holds the listeners that
change tickets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from adapters.slack.blocks import SlackMessage, section
from adapters.slack.ids import ticket_number
from adapters.slack.transport import call
from adapters.slack.views.explain import explanation_message
from adapters.slack.views.lists import BAD_BUTTON, not_allowed_to_read_message
from bot.desk import Desk, DeskError
from bot.errors import TriageError, UnknownTicket
from bot.explain import load_explanation

log = logging.getLogger("triage.slack")


def _text(text: str) -> SlackMessage:
    return SlackMessage(text, [section(text)])


class Explainer:
    """Answers "Waarom?" for a ticket from the store the desk works on."""

    def __init__(
        self,
        client: WebClient,
        desk: Desk,
        may_read: Callable[[str], bool],
        team_channel: str,
    ) -> None:
        self.client, self.desk, self.may_read = client, desk, may_read
        self.team_channel = team_channel

    def message(self, ticket: int) -> SlackMessage:
        """The explanation of `ticket`, or a Dutch line when there is no such ticket."""
        try:
            explanation = load_explanation(self.desk.store, self.desk.triage, ticket)
        except UnknownTicket as exc:
            return _text(str(exc))
        return explanation_message(explanation, self.desk.triage.calendar)

    def on_click(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The "Waarom?" button: the explanation, ephemerally, to the one who clicked."""
        ack()
        user = body["user"]["id"]
        if not self.may_read(user):
            answer = _text(not_allowed_to_read_message())
        else:
            try:
                ticket = ticket_number(str(action.get("value") or ""))
                answer = _text(BAD_BUTTON) if ticket is None else self.message(ticket)
            except DeskError as exc:  # a number no ticket can have
                answer = _text(str(exc))
        channel = (body.get("channel") or {}).get("id") or self.team_channel
        try:
            call(
                self.client,
                "chat.postEphemeral",
                channel=channel,
                user=user,
                text=answer.text,
                blocks=answer.blocks,
            )
        except TriageError as exc:
            log.warning("could not answer Waarom? to %s: %s", user, exc)

"""Delivers the outbox's Slack rows through the Web API: posts, updates, threads, reminders.

Rows hold what to do ("post ticket 12", "remind ticket 12 of its reaction deadline"), not the
rendered message: a message is built when it is sent, from the ticket as it is then, so a
reminder that waited over a weekend shows the countdown of Monday morning.

Slack's answers map onto the outbox's retry rules: 429 is RateLimited (come back after
Retry-After), 5xx and network trouble are ConnectionLost (retried with backoff), any other
error (channel_not_found, invalid_auth) fails the row for good, with Slack's error code.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.blocks import (
    SlackMessage,
    digest_message,
    reminder_message,
    reply_message,
    triage_post,
)
from app.reports_cli import monthly_message
from bot.deadlines import CHANNEL_NL
from bot.desk import Desk
from bot.errors import AdapterError, ConnectionLost, Deferred, RateLimited
from bot.models import Channel
from bot.reminders import release_on
from bot.store import Store

log = logging.getLogger("triage.slack")


class SlackRefused(AdapterError):
    """Slack answered with an error that retrying will not fix (channel_not_found, ...)."""


class NotPostedYet(Deferred):
    """The ticket's post is not in Slack yet; its update or thread message waits for it."""


def call(client: WebClient, method: str, **params: Any) -> dict[str, Any]:
    """One Web API call with Slack's errors turned into the outbox's retry rules."""
    try:
        response = client.api_call(method, json=params)
    except SlackApiError as exc:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if status == 429 or error == "ratelimited":
            retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
            raise RateLimited(f"Slack {method}: rate limited", retry_after) from exc
        if status >= 500:
            raise ConnectionLost(f"Slack {method}: HTTP {status}") from exc
        raise SlackRefused(f"Slack {method}: {error or f'HTTP {status}'}") from exc
    except (SlackClientError, OSError) as exc:
        raise ConnectionLost(f"Slack {method}: {type(exc).__name__}: {exc}") from exc
    return dict(response.data) if isinstance(response.data, dict) else {}


class SlackTransport:
    """The outbox transport for kind "slack"."""

    def __init__(self, client: WebClient, desk: Desk, store: Store, team_channel: str) -> None:
        self.client, self.desk, self.store = client, desk, store
        self.team_channel = team_channel

    def close(self) -> None:
        """Nothing to close: each call is one HTTP request."""

    def send(self, payload: dict[str, Any], now: datetime) -> None:
        op = payload.get("op")
        handler = getattr(self, f"_op_{op}", None)
        if handler is None:
            raise SlackRefused(f"unknown Slack outbox operation {op!r}")
        handler(payload, now)

    def _post(self, message: SlackMessage, channel: str, thread_ts: str | None = None) -> str:
        params: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
            "unfurl_links": False,
        }
        if thread_ts is not None:
            params["thread_ts"] = thread_ts
        return str(call(self.client, "chat.postMessage", **params).get("ts", ""))

    def _thread(self, ticket_id: int) -> tuple[str, str]:
        post = self.store.slack_post(ticket_id)
        if post is None:
            if self.store.outbox_status(f"slack-post:{ticket_id}") == "failed":
                raise SlackRefused(f"ticket #{ticket_id} has no Slack post: posting it failed")
            raise NotPostedYet(f"ticket #{ticket_id} has no Slack post yet")
        return post

    # -- operations -------------------------------------------------------------------------
    def _op_post(self, payload: dict[str, Any], now: datetime) -> None:
        ticket_id = int(payload["ticket"])
        if self.store.slack_post(ticket_id) is not None:
            return  # posted before a crash; an update will refresh it
        message = triage_post(self.desk.view(ticket_id), now, self.desk.triage.calendar)
        response = call(
            self.client,
            "chat.postMessage",
            channel=self.team_channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
        )
        self.store.set_slack_post(ticket_id, str(response["channel"]), str(response["ts"]), now)

    def _op_update(self, payload: dict[str, Any], now: datetime) -> None:
        ticket_id = int(payload["ticket"])
        channel, ts = self._thread(ticket_id)
        message = triage_post(self.desk.view(ticket_id), now, self.desk.triage.calendar)
        call(
            self.client,
            "chat.update",
            channel=channel,
            ts=ts,
            text=message.text,
            blocks=message.blocks,
        )

    def _op_reply(self, payload: dict[str, Any], now: datetime) -> None:
        ticket_id = int(payload["ticket"])
        channel, ts = self._thread(ticket_id)
        channel_value = str(payload.get("channel", ""))
        label = (
            CHANNEL_NL[Channel(channel_value)]
            if channel_value in {c.value for c in Channel}
            else channel_value
        )
        message = reply_message(
            ticket_id,
            str(payload.get("sender", "")),
            str(payload.get("subject", "")),
            str(payload.get("body", "")),
            label,
        )
        self._post(message, channel, ts)

    def _op_remind(self, payload: dict[str, Any], now: datetime) -> None:
        ticket_id = int(payload["ticket"])
        ticket = self.desk.view(ticket_id)
        # The cancellation happens with the change itself; this check covers a reminder that
        # was already picked up for sending in the same instant.
        if not ticket.is_open or ticket.decision_id != int(payload["decision"]):
            log.info("reminder for #%d dropped: the ticket changed", ticket_id)
            return
        if payload["deadline"] == "reaction" and ticket.reacted_at is not None:
            return
        due = datetime.fromisoformat(str(payload["due"]))
        # After downtime several reminders of one deadline can be due at once: send only the
        # latest ("2 werkuren te laat"), not the stale "over 1 werkuur" before it.
        at = datetime.fromisoformat(str(payload.get("at") or payload["due"]))
        prefix = f"remind:{ticket_id}:{ticket.decision_id}:{payload['deadline']}:"
        if self.store.newer_due(ticket_id, prefix, at, now):
            log.info("reminder for #%d skipped: a later one is due too", ticket_id)
            return
        if payload["kind"] in ("percent", "before") and now >= due:
            return  # the deadline passed meanwhile: the breach reminder says so
        channel, ts = self._thread(ticket_id)
        message = reminder_message(
            ticket,
            str(payload["deadline"]),
            str(payload["kind"]),
            due,
            now,
            self.desk.triage.calendar,
        )
        self._post(message, channel, ts)

    def _op_digest(self, payload: dict[str, Any], now: datetime) -> None:
        calendar = self.desk.triage.calendar
        day = date.fromisoformat(str(payload["day"]))
        release = release_on(self.desk.triage.releases, day, calendar.tz)
        # Only tickets that exist at that moment (a replayed or simulated clock, the demo).
        tickets = [t for t in self.desk.views() if t.received_at <= now]
        message = digest_message(tickets, now, calendar, release)
        self._post(message, self.team_channel)

    def _op_report(self, payload: dict[str, Any], now: datetime) -> None:
        message = monthly_message(self.desk.triage, self.store, str(payload["month"]), now)
        self._post(message, self.team_channel)

    def _op_message(self, payload: dict[str, Any], now: datetime) -> None:
        message = SlackMessage(text=str(payload["text"]), blocks=list(payload.get("blocks", [])))
        thread = payload.get("thread_ts")
        self._post(
            message,
            str(payload.get("channel") or self.team_channel),
            str(thread) if thread else None,
        )

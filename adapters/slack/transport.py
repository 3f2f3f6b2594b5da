"""Delivers the outbox's Slack rows through the Web API: posts, updates, threads, reminders.

Rows hold intents (bot/intents.py): what to do ("post ticket 12", "remind ticket 12 of its
reaction deadline"), not the rendered message. A message is built with the views in
adapters/slack/views/ when it is sent, from the ticket as it is then, so a reminder that
waited over a weekend shows the countdown of Monday morning.

Slack's answers map onto the outbox's retry rules: 429 is RateLimited (come back after
Retry-After), 5xx and network trouble are ConnectionLost (retried with backoff), any other
error (channel_not_found, invalid_auth) fails the row for good, with Slack's error code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, assert_never

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.blocks import SlackMessage
from adapters.slack.views.digest import digest_message
from adapters.slack.views.post import (
    HELPDESK_PHONE,
    reply_message,
    resolved_message,
    triage_post,
)
from adapters.slack.views.reminders import reminder_message
from adapters.slack.views.team import team_message
from bot.desk import Desk
from bot.errors import AdapterError, ConnectionLost, Deferred, RateLimited
from bot.intents import (
    Acknowledgement,
    DailyDigest,
    DeadlineReminder,
    EmergencyMaintenance,
    HoogCall,
    Intent,
    MaintenanceAnnouncement,
    Message,
    MissedCall,
    ModelRefused,
    ModelReloaded,
    MonthlyReport,
    OutageEnded,
    PhoneImportSummary,
    RulesRefused,
    RulesReloaded,
    ThreadReply,
    TicketPost,
    TicketResolved,
    TicketUpdate,
    from_payload,
)
from bot.models import Channel
from bot.nl import CHANNEL_NL
from bot.pipeline import Triage
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


# Last month's report for the team channel: (triage, store, "YYYY-MM", now) -> message. The
# figures come from the store through the application's report builders, so the application
# passes this in (app.commands.report.monthly_message).
MonthlyBuilder = Callable[[Triage, Store, str, datetime], SlackMessage]


class SlackTransport:
    """The outbox transport for kind "slack": reads each row as an intent and renders it."""

    def __init__(
        self,
        client: WebClient,
        desk: Desk,
        store: Store,
        team_channel: str,
        monthly: MonthlyBuilder | None = None,
        helpdesk_phone: str = HELPDESK_PHONE,
    ) -> None:
        self.client, self.desk, self.store = client, desk, store
        self.helpdesk_phone = helpdesk_phone
        self.team_channel = team_channel
        self.monthly = monthly

    def close(self) -> None:
        """Nothing to close: each call is one HTTP request."""

    def send(self, payload: dict[str, Any], now: datetime) -> None:
        """Deliver one outbox row; a row that is no Slack intent fails for good."""
        try:
            intent = from_payload(payload)
        except ValueError as exc:
            raise SlackRefused(f"unreadable Slack outbox row: {exc}") from exc
        self.deliver(intent, now)

    def deliver(self, intent: Intent, now: datetime) -> None:
        """Render `intent` as it is now and send it."""
        calendar = self.desk.triage.calendar
        match intent:
            case TicketPost():
                self._new_post(intent, now)
            case TicketUpdate():
                self._update(intent, now)
            case ThreadReply():
                self._reply(intent)
            case TicketResolved():
                channel, ts = self._thread(intent.ticket)
                message = resolved_message(intent.ticket, intent.by, intent.at, calendar)
                self._post(message, channel, ts)
            case DeadlineReminder():
                self._remind(intent, now)
            case DailyDigest():
                self._digest(intent, now)
            case MonthlyReport():
                self._monthly(intent, now)
            case Message():
                message = SlackMessage(text=intent.text, blocks=list(intent.blocks))
                channel = intent.channel or self.team_channel
                self._post(message, channel, intent.thread_ts or None)
            case (
                MaintenanceAnnouncement()
                | EmergencyMaintenance()
                | OutageEnded()
                | HoogCall()
                | MissedCall()
                | PhoneImportSummary()
                | RulesReloaded()
                | RulesRefused()
                | ModelReloaded()
                | ModelRefused()
            ):
                self._post(team_message(intent, calendar), self.team_channel)
            case Acknowledgement():
                raise SlackRefused(f"an {intent.op!r} intent is not sent through Slack")
            case _:  # mypy checks that every intent has its case above
                assert_never(intent)

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

    # -- intents about a ticket ---------------------------------------------------------------
    def _new_post(self, intent: TicketPost, now: datetime) -> None:
        ticket_id = intent.ticket
        if self.store.slack_post(ticket_id) is not None:
            return  # posted before a crash; an update will refresh it
        message = triage_post(
            self.desk.view(ticket_id),
            now,
            self.desk.triage.calendar,
            helpdesk_phone=self.helpdesk_phone,
        )
        response = call(
            self.client,
            "chat.postMessage",
            channel=self.team_channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
        )
        self.store.set_slack_post(ticket_id, str(response["channel"]), str(response["ts"]), now)

    def _update(self, intent: TicketUpdate, now: datetime) -> None:
        ticket_id = intent.ticket
        channel, ts = self._thread(ticket_id)
        message = triage_post(
            self.desk.view(ticket_id),
            now,
            self.desk.triage.calendar,
            helpdesk_phone=self.helpdesk_phone,
        )
        call(
            self.client,
            "chat.update",
            channel=channel,
            ts=ts,
            text=message.text,
            blocks=message.blocks,
        )

    def _reply(self, intent: ThreadReply) -> None:
        channel, ts = self._thread(intent.ticket)
        label = (
            CHANNEL_NL[Channel(intent.channel)]
            if intent.channel in {c.value for c in Channel}
            else intent.channel
        )
        message = reply_message(intent.ticket, intent.sender, intent.subject, intent.body, label)
        self._post(message, channel, ts)

    def _remind(self, intent: DeadlineReminder, now: datetime) -> None:
        ticket_id = intent.ticket
        ticket = self.desk.view(ticket_id)
        # The cancellation happens with the change itself; this check covers a reminder that
        # was already picked up for sending in the same instant.
        if not ticket.is_open or ticket.decision_id != intent.decision:
            log.info("reminder for #%d dropped: the ticket changed", ticket_id)
            return
        if intent.deadline == "reaction" and ticket.reacted_at is not None:
            return
        due = intent.due
        # After downtime several reminders of one deadline can be due at once: send only the
        # latest ("2 werkuren te laat"), not the stale "over 1 werkuur" before it.
        at = intent.at or intent.due
        prefix = f"remind:{ticket_id}:{ticket.decision_id}:{intent.deadline}:"
        if self.store.newer_due(ticket_id, prefix, at, now):
            log.info("reminder for #%d skipped: a later one is due too", ticket_id)
            return
        if intent.kind in ("percent", "before") and now >= due:
            return  # the deadline passed meanwhile: the breach reminder says so
        channel, ts = self._thread(ticket_id)
        message = reminder_message(
            ticket, intent.deadline, intent.kind, due, now, self.desk.triage.calendar
        )
        self._post(message, channel, ts)

    # -- team channel posts ------------------------------------------------------------------
    def _digest(self, intent: DailyDigest, now: datetime) -> None:
        calendar = self.desk.triage.calendar
        release = release_on(self.desk.triage.releases, intent.day, calendar.tz)
        # Only tickets that exist at that moment (a replayed or simulated clock, the demo).
        tickets = [t for t in self.desk.views() if t.received_at <= now]
        message = digest_message(tickets, now, calendar, release)
        self._post(message, self.team_channel)

    def _monthly(self, intent: MonthlyReport, now: datetime) -> None:
        if self.monthly is None:
            raise SlackRefused("no monthly report builder was given to the Slack transport")
        message = self.monthly(self.desk.triage, self.store, intent.month, now)
        self._post(message, self.team_channel)

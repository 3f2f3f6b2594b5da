"""Slack messages and widget submissions -> exactly one outcome each in the store.

A message's key is 'slack:<channel>:<ts>' and a widget submission's 'widget:<id>'; the store
inserts a report once per key inside one transaction, so Slack's retries (the same event with
X-Slack-Retry-Num), a retry racing the original, or the widget posting the same submission
twice never make a second ticket.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.slack.reports import (
    MessageKind,
    classify_event,
    report_from_message,
    report_from_widget_message,
    ts_to_datetime,
)
from adapters.slack.views.ack import thread_ack
from bot.desk import Desk
from bot.errors import TriageError
from bot.intents import SLACK, Message, to_payload
from bot.language import language_of
from bot.models import Channel, Decision, Report
from bot.settings import HelpdeskConfig
from bot.store import OutboxItem
from bot.text import has_visible_text

log = logging.getLogger("triage.slack")

AckFactory = Callable[[int, Report, Decision], list[OutboxItem]]


@dataclass(frozen=True)
class SlackOutcome:
    """What became of one message or submission."""

    outcome: str  # ticket, reply, duplicate, ignored, quarantined
    ticket_id: int | None = None
    decision: Decision | None = None
    reason: str | None = None
    # A new widget ticket: whether its reporter gets an acknowledgement email (else None).
    acknowledged: bool | None = None


class SlackIntake:
    """Turns message events in the support channels, and widget submissions, into tickets."""

    def __init__(
        self,
        desk: Desk,
        support_channels: tuple[str, ...],
        widget_bot_ids: tuple[str, ...],
        helpdesk: HelpdeskConfig,
        email_ack: AckFactory | None = None,
    ) -> None:
        self.desk = desk
        self.store = desk.store
        self.support_channels = frozenset(support_channels)
        self.widget_bot_ids = widget_bot_ids
        self.helpdesk = helpdesk
        # Widget reporters gave an e-mail address: they get the same acknowledgement as email.
        self.email_ack = email_ack
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None

    def message(self, event: dict[str, Any], now: datetime) -> SlackOutcome:
        """One `message` event from the Events API or Socket Mode."""
        channel = str(event.get("channel") or "")
        if channel not in self.support_channels:
            return SlackOutcome("ignored", reason="not a support channel")
        kind = classify_event(
            event,
            bot_user_id=self.bot_user_id,
            bot_id=self.bot_id,
            widget_bot_ids=self.widget_bot_ids,
        )
        if kind is MessageKind.IGNORE:
            return SlackOutcome("ignored", reason=f"subtype {event.get('subtype')!r}")
        try:
            # The SLA clock starts when the message was posted (its ts), not when we got to
            # it: a Slack retry or a Socket Mode reconnect must not make a report younger.
            received = min(ts_to_datetime(str(event.get("ts") or "")), now)
            if kind is MessageKind.WIDGET:
                report = report_from_widget_message(event, received_at=received)
            else:
                report = report_from_message(
                    event,
                    channel_name=None,
                    sender=str(event.get("user") or event.get("bot_id") or ""),
                    received_at=received,
                )
        except (TriageError, ValueError) as exc:
            return self._quarantine(
                event, f"cannot turn the Slack message into a report: {exc}", now
            )
        if not has_visible_text(report.subject + report.body):
            # Only zero-width spaces or other invisible characters: nothing to triage, but
            # kept with the reason (nothing a customer sends is silently dropped).
            return self._quarantine(event, "the message holds no visible text", now)
        if kind is MessageKind.THREAD_REPLY:
            ticket = self.store.ticket_for_message_ids(report.references)
            if ticket is not None:
                added = self.desk.add_reply(ticket, report, now)
                return SlackOutcome("reply" if added else "duplicate", ticket)
            # A thread we do not know (started before the bot joined): a new report.
        return self.new_report(report, now, thread=(channel, str(event.get("ts"))))

    def widget(self, report: Report, now: datetime) -> SlackOutcome:
        """A submission the widget posted to POST /widget (already authenticated and parsed)."""
        return self.new_report(report, now, thread=None)

    def new_report(
        self, report: Report, now: datetime, thread: tuple[str, str] | None
    ) -> SlackOutcome:
        emailed: list[bool] = []

        def acknowledge(ticket_id: int, decision: Decision) -> list[OutboxItem]:
            items: list[OutboxItem] = []
            if thread is not None and self.desk.slack:
                items.append(self._slack_ack(ticket_id, decision, report, thread))
            if report.channel is Channel.WIDGET and self.email_ack is not None:
                mail = self._widget_ack(ticket_id, report, decision)
                emailed.append(bool(mail))
                items.extend(mail)
            return items

        opened = self.desk.open_ticket(report, now, acknowledge)
        if not opened.created:
            return SlackOutcome("duplicate", opened.ticket_id)
        acknowledged = any(emailed) if emailed else None
        return SlackOutcome("ticket", opened.ticket_id, opened.decision, acknowledged=acknowledged)

    def _widget_ack(self, ticket_id: int, report: Report, decision: Decision) -> list[OutboxItem]:
        """The acknowledgement email for a widget report, for known organisations only.

        The widget's secret is in every browser that loads the widget, so anyone can post any
        address: mailing whatever address came in would make us a spam relay. The reporter
        sees the ticket number in the widget's answer either way.
        """
        assert self.email_ack is not None
        if decision.organisation is None:
            log.info(
                "widget ticket #%d: no acknowledgement email, the address is not of a known "
                "organisation (config/organisations.yaml)",
                ticket_id,
            )
            return []
        return self.email_ack(ticket_id, report, decision)

    def _slack_ack(
        self, ticket_id: int, decision: Decision, report: Report, thread: tuple[str, str]
    ) -> OutboxItem:
        """A short reply in the reporter's thread, in their language: the ticket number and
        what to expect."""
        language = language_of(report.subject, report.body)
        text = thread_ack(ticket_id, decision, report.channel, self.helpdesk.phone, language)
        channel, ts = thread
        reply = Message(text=text, channel=channel, thread_ts=ts)
        return OutboxItem(SLACK, f"slack-ack:{ticket_id}", to_payload(reply))

    def quarantine_error(
        self, event: dict[str, Any], exc: BaseException, now: datetime
    ) -> SlackOutcome:
        """Keep a message whose handling failed unexpectedly (Slack will not send it again)."""
        return self._quarantine(event, f"internal error: {type(exc).__name__}: {exc}", now)

    def _quarantine(self, event: dict[str, Any], reason: str, now: datetime) -> SlackOutcome:
        raw = json.dumps(event, ensure_ascii=False, sort_keys=True).encode()
        key = f"slack:{event.get('channel')}:{event.get('ts')}"
        self.store.quarantine("slack", reason, raw, now, key=key)
        log.warning("slack message quarantined: %s", reason)
        return SlackOutcome("quarantined", reason=reason)

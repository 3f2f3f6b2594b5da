"""What the support team does with a ticket: confirm or change its priority, pick it up, resolve.

Shared by the Slack buttons, the `/triage` command and (later) the phone modal, so every path
writes the same history and queues the same messages. Each action is one store transaction:
the new state, its history event, the cancelled reminders and the Slack update together.
Reminders and the daily digest are planned here from the stored deadlines into the outbox.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from bot.calendar import BusinessCalendar
from bot.errors import TriageError
from bot.intents import (
    DailyDigest,
    DeadlineReminder,
    MaintenanceAnnouncement,
    MonthlyReport,
    ThreadReply,
    TicketPost,
    TicketUpdate,
    to_payload,
)
from bot.maintenance import announcement_moment, announcements_due
from bot.models import Category, Decision, Priority, Report
from bot.pipeline import Triage
from bot.reminders import Reminder, ReminderPolicy, next_digest_at, plan
from bot.settings import ReportSettings
from bot.store import OutboxItem, StaleTicket, Store
from bot.tickets import HistoryEntry, TicketView

log = logging.getLogger("triage.desk")

SLACK = "slack"
# How far ahead reminders are written to the outbox; the service re-plans every few minutes,
# and the dedupe keys make re-planning harmless.
PLAN_HORIZON = timedelta(days=2)


class DeskError(TriageError):
    """An action a team member cannot take; the message is Dutch, shown to them as is."""


def monthly_moment(first: date, calendar: BusinessCalendar, at: time = time(9, 30)) -> datetime:
    """`at` (local) on the first working day of the month that starts on `first`, in UTC."""
    day = calendar.next_working_day(first)
    return datetime.combine(day, at, tzinfo=calendar.tz).astimezone(UTC)


def _no_link_reason(ticket: TicketView, agreed: bool, same_org: bool) -> str:
    """Why a call about a ticket did not change its guarantee, in Dutch for the history."""
    if not ticket.is_open:
        return "het ticket is al opgelost"
    if not ticket.exempt:
        return "het ticket had de SLA-garantie al"
    if not agreed:
        return "de beller is geen afgesproken contactpersoon (SLA 3.C)"
    if not same_org:
        return "de beller hoort bij een andere organisatie dan het ticket"
    return "geen wijziging"


def reminder_pattern(ticket_id: int, deadline: str | None = None) -> str:
    """LIKE pattern of a ticket's pending reminders (all, or those of one deadline)."""
    return f"remind:{ticket_id}:%:{deadline}:%" if deadline else f"remind:{ticket_id}:%"


class Desk:
    """Ticket actions and reminder planning over the store."""

    def __init__(
        self,
        triage: Triage,
        store: Store,
        policy: Callable[[], ReminderPolicy],
        slack: bool = True,
        reports: ReportSettings | None = None,
    ) -> None:
        self.triage, self.store, self.policy = triage, store, policy
        self.reports = reports or ReportSettings()
        # Without a Slack app there is nobody to show posts and reminders to: queue nothing.
        self.slack = slack

    # -- reading ----------------------------------------------------------------------------
    def _enrich(self, view: TicketView) -> TicketView:
        who = self.triage.directory.identify(view.channel.value, view.sender)
        return dataclasses.replace(
            view,
            organisation_name=who.organisation.name if who.organisation else None,
            reporter_name=who.contact.name if who.contact else None,
        )

    def view(self, ticket_id: int) -> TicketView:
        if not self.store.ticket_exists(ticket_id):
            raise DeskError(f"Ticket #{ticket_id} bestaat niet.")
        return self._enrich(self.store.ticket_view(ticket_id))

    def views(self, open_only: bool = True) -> list[TicketView]:
        return [self._enrich(v) for v in self.store.ticket_views(open_only)]

    def history(self, ticket_id: int) -> list[HistoryEntry]:
        return self.store.history(ticket_id)

    # -- messages about tickets ---------------------------------------------------------------
    def new_ticket_items(self, ticket_id: int) -> list[OutboxItem]:
        """The triage post for a new ticket (queued with the ticket itself)."""
        if not self.slack:
            return []
        post = to_payload(TicketPost(ticket=ticket_id))
        return [OutboxItem(SLACK, f"slack-post:{ticket_id}", post)]

    def reply_items(self, ticket_id: int, report: Report, key: str) -> list[OutboxItem]:
        """A reporter's reply, copied into the ticket's Slack thread."""
        if not self.slack:
            return []
        who = self.triage.directory.identify(report.channel.value, report.sender)
        name = who.contact.name if who.contact else report.sender_name
        reply = ThreadReply(
            ticket=ticket_id,
            sender=f"{name} ({report.sender})" if name else report.sender,
            channel=report.channel.value,
            subject=report.subject,
            body=report.body[:4000],
        )
        return [OutboxItem(SLACK, f"slack-reply:{ticket_id}:{key}", to_payload(reply))]

    def _update_items(self, ticket_id: int, now: datetime, what: str) -> list[OutboxItem]:
        if not self.slack:
            return []
        key = f"slack-update:{ticket_id}:{what}:{now.isoformat()}"
        return [OutboxItem(SLACK, key, to_payload(TicketUpdate(ticket=ticket_id)))]

    # -- actions ------------------------------------------------------------------------------
    def set_priority(
        self,
        ticket_id: int,
        priority: Priority | None,
        user: str,
        now: datetime,
        reason: str | None = None,
    ) -> TicketView:
        """Confirm the priority (None or the current one) or change it, per SLA 4.G.

        Deadlines are recomputed from the original receipt time (or from the agreed
        contact's call that made the ticket guaranteed, SLA 4.D); reminders for the old
        deadlines are cancelled and new ones planned.
        """
        current = self.view(ticket_id)
        if not current.is_open:
            raise DeskError(f"Ticket #{ticket_id} is al opgelost.")
        target = priority or current.priority
        changing = target is not current.priority
        if changing and not (reason and reason.strip()):
            raise DeskError("Geef een reden op voor de nieuwe prioriteit.")
        if not changing and not current.provisional:
            raise DeskError(f"De prioriteit van #{ticket_id} ({target.label}) is al bevestigd.")
        report = self._sla_report(ticket_id, current)
        decision: Decision = self.triage.decide(report, confirmed=target, category=current.category)
        kind = "changed" if changing else "confirmed"
        data: dict[str, object] = {"from": current.priority.value, "to": target.value}
        if reason:
            data["reason"] = reason.strip()
        data["reaction_due"] = decision.reaction_due.isoformat() if decision.reaction_due else None
        data["resolution_due"] = (
            decision.resolution_due.isoformat() if decision.resolution_due else None
        )
        try:
            self.store.add_decision(
                ticket_id,
                decision,
                kind,
                user,
                now,
                reason.strip() if reason else None,
                event=("priority" if changing else "confirmed", data),
                # Reminders of the old decision go; the new deadlines get their own below.
                cancel=(reminder_pattern(ticket_id),),
                outgoing=self._update_items(ticket_id, now, kind),
                expected_decision=current.decision_id,
            )
        except StaleTicket as exc:
            raise DeskError(
                f"Ticket #{ticket_id} is net door iemand anders gewijzigd; bekijk het opnieuw "
                "en probeer het nog eens."
            ) from exc
        self.plan(now, ticket_id)
        return self.view(ticket_id)

    def set_category(
        self,
        ticket_id: int,
        category: Category,
        user: str,
        now: datetime,
        reason: str | None = None,
    ) -> TicketView:
        """Set the category (a person's decision, SLA 4.G): deadlines follow the new category
        (a settings request gets its one working day, a question none), recomputed from the
        original receipt; a question or wish gets its fixed priority (Laag), otherwise the
        ticket keeps its priority, now decided by `user`."""
        current = self.view(ticket_id)
        if not current.is_open:
            raise DeskError(f"Ticket #{ticket_id} is al opgelost.")
        if category is current.category:
            raise DeskError(f"Ticket #{ticket_id} is al een {category.value}.")
        fixed = self.triage.engine.rule_set.sla.fixed_priority.get(category)
        priority = fixed or current.priority
        report = self._sla_report(ticket_id, current)
        decision = self.triage.decide(report, confirmed=priority, category=category)
        data: dict[str, object] = {
            "from": current.category.value,
            "to": category.value,
            "priority": priority.value,
            "reaction_due": decision.reaction_due.isoformat() if decision.reaction_due else None,
            "resolution_due": (
                decision.resolution_due.isoformat() if decision.resolution_due else None
            ),
        }
        if reason and reason.strip():
            data["reason"] = reason.strip()
        try:
            self.store.add_decision(
                ticket_id,
                decision,
                "category",
                user,
                now,
                reason.strip() if reason and reason.strip() else None,
                event=("category", data),
                cancel=(reminder_pattern(ticket_id),),
                outgoing=self._update_items(ticket_id, now, "category"),
                expected_decision=current.decision_id,
            )
        except StaleTicket as exc:
            raise DeskError(
                f"Ticket #{ticket_id} is net door iemand anders gewijzigd; bekijk het opnieuw "
                "en probeer het nog eens."
            ) from exc
        self.plan(now, ticket_id)
        return self.view(ticket_id)

    def _sla_report(self, ticket_id: int, current: TicketView) -> Report:
        """The report the SLA clock runs on: the original, or as phoned in by an agreed
        contact when that call made the ticket guaranteed (its channel, caller and time)."""
        report = self.store.report_of(ticket_id)
        if current.sla_start is None:
            return report
        call = self.store.linking_call(ticket_id)
        if call is None:
            return report
        return report.model_copy(
            update={"channel": call.channel, "sender": call.sender, "received_at": call.received_at}
        )

    def assign(self, ticket_id: int, user: str, now: datetime) -> bool:
        """ "Ik pak dit op": `user` holds the ticket; the first such click is the reaction."""
        current = self.view(ticket_id)
        if not current.is_open:
            raise DeskError(f"Ticket #{ticket_id} is al opgelost.")
        data: dict[str, object] = {"from": current.assignee}
        if current.reacted_at is None:
            data["first_reaction"] = True
        return self.store.set_handling(
            ticket_id,
            now,
            user,
            assignee=user,
            event=("assigned", data),
            cancel=(reminder_pattern(ticket_id, "reaction"),),
            outgoing=self._update_items(ticket_id, now, "assigned"),
        )

    def resolve(self, ticket_id: int, user: str, now: datetime) -> bool:
        """Mark the ticket resolved; every pending reminder for it is cancelled."""
        self.view(ticket_id)
        return self.store.set_handling(
            ticket_id,
            now,
            user,
            resolved=True,
            event=("resolved", {}),
            cancel=(reminder_pattern(ticket_id),),
            outgoing=self._update_items(ticket_id, now, "resolved"),
        )

    def link_call(self, ticket_id: int, call: Report, now: datetime) -> str:
        """A phone call about an existing ticket: attach it, and apply the phone rule (4.D).

        When an agreed contact (3.C) of the ticket's organisation phones in a ticket that was
        exempt, it becomes guaranteed from the time of the call: its deadlines are recomputed
        from that moment, its post says so, and its history records it, all in the one
        transaction that stores the call. Returns what happened: "guaranteed", "attached"
        (nothing to change) or "duplicate" (this call was stored before).
        """
        key = call.source_key or ""
        for _ in range(3):  # a concurrent change of the ticket: read it again and retry
            current = self.view(ticket_id)
            who = self.triage.directory.identify(call.channel.value, call.sender)
            same_org = who.organisation is not None and (
                current.organisation in (None, who.organisation.id)
            )
            agreed = who.contact is not None
            if not (current.is_open and current.exempt and agreed and same_org):
                reason = _no_link_reason(current, agreed, same_org)
                # One transaction: the call, and in its history entry why it changed nothing.
                if not self.store.attach(
                    call,
                    ticket_id,
                    "phone_call",
                    now,
                    outgoing=self.reply_items(ticket_id, call, key),
                    note={"guaranteed": False, "reason": reason},
                ):
                    return "duplicate"
                return "attached"
            report = self.store.report_of(ticket_id).model_copy(
                update={
                    "channel": call.channel,
                    "sender": call.sender,
                    "received_at": call.received_at,
                }
            )
            decided = self.triage.decide(
                report, confirmed=current.priority, category=current.category
            )
            # Keep the priority's status: a provisional priority stays provisional (4.G).
            decision = decided.model_copy(update={"provisional": current.provisional})
            data: dict[str, object] = {
                "caller": call.sender,
                "contact": who.contact.name if who.contact else None,
                "called_at": call.received_at.isoformat(),
                "reaction_due": decision.reaction_due.isoformat()
                if decision.reaction_due
                else None,
                "resolution_due": (
                    decision.resolution_due.isoformat() if decision.resolution_due else None
                ),
            }
            try:
                stored = self.store.add_decision(
                    ticket_id,
                    decision,
                    "phone_link",
                    call.sender,
                    now,
                    None,  # the history event says why; the post's "Reden" is for priorities
                    event=("phone_link", data),
                    cancel=(reminder_pattern(ticket_id),),
                    outgoing=[
                        *self._update_items(ticket_id, now, "phone"),
                        *self.reply_items(ticket_id, call, key),
                    ],
                    sla_start=call.received_at,
                    expected_decision=current.decision_id,
                    attach=(call, "phone_call"),
                )
            except StaleTicket:
                continue
            if stored is None:
                return "duplicate"
            self.plan(now, ticket_id)
            return "guaranteed"
        raise DeskError(f"Ticket #{ticket_id} verandert steeds; het telefoontje is niet gekoppeld.")

    # -- reminders ----------------------------------------------------------------------------
    def plan(self, now: datetime, ticket_id: int | None = None) -> int:
        """Write due reminders (of one ticket, or all open ones) and the next digest.

        Idempotent: a reminder's dedupe key names the ticket, the decision and the moment, so
        planning again adds nothing, and a cancelled reminder is never revived. After a
        decision changed, a moment already past is not reminded again: "over 1 werkuur"
        moments from before the decision are stale, and a breach or overdue moment that was
        already sent under the previous decision stays sent once.
        """
        if not self.slack:
            return 0
        policy = self.policy()
        calendar = self.triage.calendar
        until = now + PLAN_HORIZON
        tickets = [self.store.ticket_view(ticket_id)] if ticket_id else self.store.ticket_views()
        planned = 0
        for ticket in tickets:
            for reminder in plan(policy, ticket, calendar, now, until):
                if reminder.at < now and self._already_reminded(ticket, reminder.key, reminder):
                    continue
                key = f"remind:{ticket.id}:{ticket.decision_id}:{reminder.key}"
                payload = to_payload(
                    DeadlineReminder(
                        ticket=ticket.id,
                        decision=ticket.decision_id,
                        deadline=reminder.deadline,
                        kind=reminder.kind,
                        due=reminder.due,
                        at=reminder.at,
                    )
                )
                item = OutboxItem(SLACK, key, payload, not_before=max(reminder.at, now))
                self.store.enqueue(item, now, ticket_id=ticket.id)
                planned += 1
        if ticket_id is None:
            at = next_digest_at(policy, calendar, now)
            day = calendar.local(at).date()
            digest = to_payload(DailyDigest(day=day))
            self.store.enqueue(
                OutboxItem(SLACK, f"digest:{day.isoformat()}", digest, not_before=at), now
            )
            self._plan_team_posts(now)
        return planned

    def _already_reminded(self, ticket: TicketView, key: str, reminder: Reminder) -> bool:
        """A past reminder moment that needs no (second) message."""
        ahead = reminder.kind in ("percent", "before")
        if ahead and ticket.decided_at is not None and reminder.at < ticket.decided_at:
            return True  # a warning ahead of a deadline, from before this decision
        return self.store.reminder_sent(ticket.id, key, reminder.at)

    def _plan_team_posts(self, now: datetime) -> None:
        """Maintenance announcement drafts (SLA 2.B) and the monthly report, into the outbox."""
        calendar, releases = self.triage.calendar, self.triage.releases
        days = self.reports.maintenance_days_before
        for release in announcements_due(releases, calendar, now, days):
            payload = to_payload(MaintenanceAnnouncement(release=release))
            key = f"maintenance:{release.isoformat()}"
            at = announcement_moment(release, calendar, days)
            self.store.enqueue(OutboxItem(SLACK, key, payload, not_before=at), now)
        if not self.reports.monthly_post:
            return
        local = calendar.local(now)
        this_month = local.date().replace(day=1)
        next_month = (this_month + timedelta(days=32)).replace(day=1)
        for first in (this_month, next_month):
            moment = monthly_moment(first, calendar, self.reports.monthly_post_at)
            # The report of the month before `first`: at most a week late after downtime,
            # and never queued further ahead than the reminders are.
            if moment + timedelta(days=7) < now or moment > now + PLAN_HORIZON:
                continue
            previous = (first - timedelta(days=1)).strftime("%Y-%m")
            payload = to_payload(MonthlyReport(month=previous))
            self.store.enqueue(
                OutboxItem(SLACK, f"report:{previous}", payload, not_before=moment), now
            )

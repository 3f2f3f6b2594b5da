"""The one way in for every change to a ticket: open it, add a reply, link a call, confirm or
change its priority or category, pick it up, resolve it.

Used by every intake (email, Slack, widget, phone), the Slack buttons, `/triage` and the CLI,
so every path writes the same history and queues the same messages. Each change is one unit of
work in the store: the new state, its history event, the cancelled reminders and the outgoing
intents (post, update, acknowledgement) together. Reminders and team posts are planned by
bot/planner.py from the stored deadlines.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.calls import display_phone
from bot.errors import TriageError
from bot.intents import (
    SLACK,
    ThreadReply,
    TicketPost,
    TicketResolved,
    TicketUpdate,
    to_payload,
)
from bot.models import Category, Decision, Priority, Report
from bot.pipeline import Triage
from bot.planner import Planner, reminder_pattern
from bot.reminders import ReminderPolicy
from bot.settings import ReportSettings
from bot.store import OutboxItem, StaleTicket, Store
from bot.tickets import HistoryEntry, TicketView

log = logging.getLogger("triage.desk")


class DeskError(TriageError):
    """An action a team member cannot take; the message is Dutch, shown to them as is."""


@dataclass(frozen=True)
class Opened:
    """What `Desk.open_ticket` did: the ticket (new or the one stored before for the same
    source), whether this call created it, and the decision when it did."""

    ticket_id: int | None
    created: bool
    decision: Decision | None = None


# The messages an intake sends about a new ticket besides the team's post: the reporter's
# acknowledgement (email, widget) or a reply in their Slack thread. Called inside the unit of
# work with the new ticket's number, so a ticket never exists without them, nor they twice.
Acknowledge = Callable[[int, Decision], Sequence[OutboxItem]]


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
        self.planner = Planner(triage, store, policy, slack, self.reports)

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

    # -- intake -------------------------------------------------------------------------------
    def open_ticket(
        self,
        report: Report,
        now: datetime,
        acknowledge: Acknowledge | None = None,
        decision: Decision | None = None,
    ) -> Opened:
        """A new report becomes a ticket, once per source key: triaged, stored with its
        decision, its Slack post and its acknowledgement in one unit of work, then planned.

        `decision`: when the report was already triaged (`classify --batch --jobs 2` decides
        in worker processes), that decision is stored instead of deciding again."""
        if report.source_key and self.store.is_stored(report.source_key):
            return Opened(self.store.ticket_of_source(report.source_key), created=False)
        decision = decision or self.triage.decide(report)
        with self.store.transaction() as tx:
            recorded = tx.record(report, decision, now)
            ticket_id = recorded.ticket_id
            if recorded.created and ticket_id is not None:
                outgoing = [*self.new_ticket_items(ticket_id)]
                if acknowledge is not None:
                    outgoing.extend(acknowledge(ticket_id, decision))
                for item in outgoing:
                    tx.enqueue(item, now, ticket_id=ticket_id)
        if not recorded.created:
            return Opened(recorded.ticket_id, created=False)
        assert recorded.ticket_id is not None
        self.plan(now, recorded.ticket_id)
        return Opened(recorded.ticket_id, created=True, decision=decision)

    def add_reply(self, ticket_id: int, report: Report, now: datetime, kind: str = "reply") -> bool:
        """A reporter's reply (or an auto-reply) onto its ticket, once; a reply is copied into
        the ticket's Slack thread in the same unit of work. False when already stored."""
        outgoing = (
            self.reply_items(ticket_id, report, report.source_key or "") if kind == "reply" else []
        )
        with self.store.transaction() as tx:
            return tx.attach(report, ticket_id, kind, now, outgoing)

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
        address = display_phone(report.sender)  # a caller's number as every view shows it
        reply = ThreadReply(
            ticket=ticket_id,
            sender=f"{name} ({address})" if name else address,
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
        event = ("priority" if changing else "confirmed", data)
        return self._decide(current, decision, kind, event, user, now, reason)

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
        }
        if reason and reason.strip():
            data["reason"] = reason.strip()
        return self._decide(current, decision, "category", ("category", data), user, now, reason)

    def _decide(
        self,
        current: TicketView,
        decision: Decision,
        kind: str,
        event: tuple[str, dict[str, object]],
        user: str,
        now: datetime,
        reason: str | None,
    ) -> TicketView:
        """Record a person's decision on a ticket in one unit of work: the decision, its
        history event (with the new deadlines), the old reminders cancelled and the post
        updated; refused when someone else changed the ticket meanwhile. Then re-plan."""
        ticket_id = current.id
        data = event[1]
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
                reason.strip() if reason and reason.strip() else None,
                event=event,
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
        """Mark the ticket resolved; every pending reminder for it is cancelled. The post
        is updated and its thread told who resolved it, when."""
        self.view(ticket_id)
        outgoing = self._update_items(ticket_id, now, "resolved")
        if self.slack:
            said = TicketResolved(ticket=ticket_id, by=user, at=now)
            outgoing.append(OutboxItem(SLACK, f"slack-resolved:{ticket_id}", to_payload(said)))
        return self.store.set_handling(
            ticket_id,
            now,
            user,
            resolved=True,
            event=("resolved", {}),
            cancel=(reminder_pattern(ticket_id),),
            outgoing=outgoing,
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
                    # The call changes the guarantee, not the priority: whoever confirmed it
                    # ("bevestigd door" on the post) still did.
                    decided_by=current.decided_by,
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
        """Write due reminders (of one ticket, or all open ones) and the team posts."""
        return self.planner.plan(now, ticket_id)

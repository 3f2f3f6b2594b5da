"""The Slack app (slack-bolt): buttons, the reason modal, `/triage`, App Home, message intake.

The same listeners serve Socket Mode and HTTP mode (see app/http.py). Bolt
acknowledges events itself; listeners then write to the store through the Desk and wake the
outbox, which sends the resulting post updates. Commands answer in their acknowledgement
(ephemeral), so `/triage list` needs no extra API call.

Only members of the configured support user group (or channel) may change a ticket, and by
default (`readers: team`) only they may read tickets (`/triage list`, `show`, the App Home);
the others get a polite ephemeral refusal. Membership is cached briefly (`auth_cache_seconds`).
A ticket number that is not one (`²`, thirty nines, a garbled button value) gets a Dutch
answer too, never a traceback and silence.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient

from adapters.slack.explain import Explainer
from adapters.slack.homes import HomeRefreshes
from adapters.slack.ids import existing_id, ticket_number
from adapters.slack.intake import SlackIntake
from adapters.slack.signature import quiet_bolt_loggers
from adapters.slack.transport import call
from adapters.slack.views.deadlines import by_deadline
from adapters.slack.views.explain import WHY_USAGE
from adapters.slack.views.home import home_refusal_view, home_view
from adapters.slack.views.lists import (
    BAD_BUTTON,
    SHOW_USAGE,
    help_message,
    not_allowed_message,
    not_allowed_to_read_message,
    ticket_detail,
    ticket_list,
)
from adapters.slack.views.maintenance import outage_ended_text
from adapters.slack.views.modals import parse_reason_metadata, reason_modal
from adapters.slack.views.phone import CALLBACK as PHONE_CALLBACK
from adapters.slack.views.phone import phone_modal, read_phone_modal
from adapters.slack.views.post import ACTION_EXPLAIN
from bot import nl
from bot.calls import PhoneEntry
from bot.clock import Clock
from bot.desk import Desk, DeskError
from bot.errors import TriageError
from bot.intents import SLACK, EmergencyMaintenance, OutageEnded, to_payload
from bot.models import Category, Priority
from bot.settings import SlackSettings
from bot.store import OutboxItem

log = logging.getLogger("triage.slack")
# (what the agent entered, who entered it, now) -> a Dutch confirmation for the agent.
PhoneLogger = Callable[[PhoneEntry, str, datetime], str]

PRIORITY_WORDS = {p.value: p for p in Priority}
CATEGORY_WORDS = {c.value: c for c in Category}
OUTAGE_KINDS = {"gepland": "planned", "onderhoud": "planned", "overmacht": "force_majeure"}


class SlackBot:
    """Bolt listeners bound to the desk; `app` is the slack_bolt App to serve."""

    def __init__(
        self,
        settings: SlackSettings,
        desk: Desk,
        intake: SlackIntake,
        client: WebClient,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
        phone: PhoneLogger | None = None,
        observe: Callable[[str, str], None] = lambda channel, outcome: None,
    ) -> None:
        self.settings, self.desk, self.intake = settings, desk, intake
        self.observe = observe  # counts each report taken in (channel, outcome): /metrics
        self.client, self.clock, self.wake = client, clock, wake
        # Logs a call taken by `user` (the phone intake); None: /triage telefoon is off.
        self.phone = phone
        self._members: tuple[datetime, frozenset[str]] | None = None
        # Who has looked at the App Home: their tab is refreshed after a ticket changes.
        self.homes = HomeRefreshes()
        self._members_lock = threading.Lock()
        quiet_bolt_loggers()
        self.app = App(
            signing_secret=settings.signing_secret.get_secret_value() or None,
            client=client,
            token_verification_enabled=False,
            request_verification_enabled=settings.mode == "http",
            # Our own posts in the team channel are not reports; classify_event also checks.
            ignoring_self_events_enabled=True,
        )
        self.explainer = Explainer(client, desk, self.may_read, settings.team_channel)
        self._register()

    # -- authorisation --------------------------------------------------------------------
    def allowed(self, user: str) -> bool:
        """True when `user` may change tickets (everyone, when no group is configured)."""
        group, channel = self.settings.support_usergroup, self.settings.support_members_channel
        if not group and not channel:
            return True
        now = self.clock()
        with self._members_lock:
            cached = self._members
            ttl = timedelta(seconds=self.settings.auth_cache_seconds)
            if cached is None or now - cached[0] > ttl:
                members: set[str] = set()
                if group:
                    members |= set(
                        call(self.client, "usergroups.users.list", usergroup=group)["users"]
                    )
                if channel:
                    members |= self._channel_members(channel)
                cached = (now, frozenset(members))
                self._members = cached
        return user in cached[1]

    def may_read(self, user: str) -> bool:
        """True when `user` may see tickets: the team, or everyone with `readers: everyone`."""
        return self.settings.readers == "everyone" or self.allowed(user)

    def _channel_members(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = ""
        while True:
            page = call(
                self.client, "conversations.members", channel=channel, cursor=cursor, limit=1000
            )
            members |= set(page.get("members", []))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return members

    def _refuse(self, body: dict[str, Any], text: str) -> None:
        """An ephemeral message to the user who clicked, in the channel where they clicked."""
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or self.settings.team_channel
        try:
            call(self.client, "chat.postEphemeral", channel=channel, user=user, text=text)
        except TriageError:
            log.warning("could not tell %s: %s", user, text)

    # -- listeners ------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_home_opened")(self._on_home)
        app.action("confirm")(self._on_confirm)
        app.action(re.compile(r"^prio_(hoog|middel|laag)$"))(self._on_priority)
        app.action("set_category")(self._on_category)
        app.action("assign")(self._on_assign)
        app.action("resolve")(self._on_resolve)
        app.action("outage_start")(self._on_outage_button)
        app.action(ACTION_EXPLAIN)(self.explainer.on_click)
        app.view("prio_reason")(self._on_reason)
        app.view(PHONE_CALLBACK)(self._on_phone)
        app.command("/triage")(self._on_command)
        app.error(self._on_error)

    def _on_error(self, error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        log.error("Slack listener failed: %s: %s", type(error).__name__, error, exc_info=error)
        return None

    def _on_message(self, event: dict[str, Any]) -> None:
        now = self.clock()
        try:
            outcome = self.intake.message(event, now)
        except Exception as exc:
            # Bolt has acknowledged the event, so Slack will not send it again: keep it, with
            # the reason, instead of losing it (as the email intake does).
            log.exception("Slack message could not be processed; quarantined")
            outcome = self.intake.quarantine_error(event, exc, now)
        if outcome.outcome != "ignored":
            self.observe("slack", outcome.outcome)
            log.info(
                "report channel=slack outcome=%s ticket=%s%s",
                outcome.outcome,
                outcome.ticket_id if outcome.ticket_id is not None else "-",
                f" reason={outcome.reason!r}" if outcome.reason else "",
            )
        if outcome.outcome == "ignored":
            self.wake()
        else:
            self._changed()

    def _on_home(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = str(event["user"])
        self.homes.opened(user)
        self.publish_home(user)

    def publish_home(self, user: str) -> None:
        now = self.clock()
        if not self.may_read(user):
            refusal = not_allowed_to_read_message()
            view = home_refusal_view(user, refusal, now, self.desk.triage.calendar)
            call(self.client, "views.publish", user_id=user, view=view)
            return
        tickets = self.desk.views()
        mine = by_deadline(t for t in tickets if t.assignee == user)
        soonest = by_deadline(tickets)[:10]
        view = home_view(user, mine, soonest, now, self.desk.triage.calendar)
        call(self.client, "views.publish", user_id=user, view=view)

    def _ticket_action(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any]
    ) -> tuple[int, str] | None:
        """Ack, check the user, and return (ticket id, user) when they may act."""
        ack()
        user = body["user"]["id"]
        if not self.allowed(user):
            self._refuse(body, not_allowed_message())
            return None
        try:
            ticket = ticket_number(str(action.get("value") or ""))
        except DeskError as exc:
            self._refuse(body, str(exc))
            return None
        if ticket is None:
            self._refuse(body, BAD_BUTTON)
            return None
        return ticket, user

    def _run(self, body: dict[str, Any], work: Callable[[], object]) -> None:
        try:
            work()
        except DeskError as exc:
            self._refuse(body, str(exc))
        self._changed()

    def _changed(self) -> None:
        """After any ticket change: send its messages now, and refresh the App Home of
        everyone who has looked at it (adapters/slack/homes.py: at most once per
        HOME_REFRESH each; a refresh held back goes out with `refresh_waiting_homes`)."""
        self.wake()
        self._publish_homes(self.homes.changed(self.clock()))

    def refresh_waiting_homes(self) -> int:
        """Send the App Home refreshes held back whose window has passed (the service's
        outbox round calls this every few seconds); returns how many were sent."""
        return self._publish_homes(self.homes.due(self.clock()))

    def _publish_homes(self, users: list[str]) -> int:
        sent = 0
        for user in users:
            try:
                self.publish_home(user)
                sent += 1
            except TriageError as exc:  # the tab is refreshed again when they open it
                log.warning("App Home of %s not refreshed: %s", user, exc)
        return sent

    def _on_confirm(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        found = self._ticket_action(ack, body, action)
        if found:
            ticket, user = found
            self._run(body, lambda: self.desk.set_priority(ticket, None, user, self.clock()))

    def _on_priority(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        found = self._ticket_action(ack, body, action)
        if not found:
            return
        ticket, user = found
        priority = Priority(action["action_id"].removeprefix("prio_"))
        try:
            view = self.desk.view(ticket)
        except DeskError as exc:
            self._refuse(body, str(exc))
            return
        if priority is view.priority:
            self._run(body, lambda: self.desk.set_priority(ticket, None, user, self.clock()))
            return
        # A change needs a reason (who, when, what, why in the history): ask in a modal.
        modal = reason_modal(ticket, priority, view.subject)
        call(self.client, "views.open", trigger_id=body["trigger_id"], view=modal)

    def _on_category(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        if not self.allowed(user):
            self._refuse(body, not_allowed_message())
            return
        value = str((action.get("selected_option") or {}).get("value") or "")
        ticket_text, _, category_text = value.partition(":")
        try:
            ticket = ticket_number(ticket_text)
        except DeskError as exc:
            self._refuse(body, str(exc))
            return
        category = CATEGORY_WORDS.get(category_text)
        if ticket is None or category is None:
            self._refuse(body, "Die keuze begrijp ik niet; kies de categorie opnieuw.")
            return
        self._run(body, lambda: self.desk.set_category(ticket, category, user, self.clock()))

    def _on_reason(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        if not self.allowed(user):
            ack(response_action="errors", errors={"reason": not_allowed_message()})
            return
        values = view.get("state", {}).get("values", {})
        reason = str((values.get("reason", {}).get("reason", {}) or {}).get("value") or "")
        try:
            ticket, priority = parse_reason_metadata(view.get("private_metadata", ""))
        except ValueError:
            ack(response_action="errors", errors={"reason": BAD_BUTTON})
            return
        try:
            ticket = existing_id(ticket)
            self.desk.set_priority(ticket, priority, user, self.clock(), reason)
        except DeskError as exc:
            ack(response_action="errors", errors={"reason": str(exc)})
            return
        ack()
        self._changed()

    def _on_phone(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        if self.phone is None or not self.allowed(user):
            ack(response_action="errors", errors={"notes": not_allowed_message()})
            return
        now = self.clock()
        entry, errors = read_phone_modal(view, now)
        if entry is None:
            ack(response_action="errors", errors=errors)
            return
        if entry.ticket is not None and not self.desk.store.ticket_exists(entry.ticket):
            ack(
                response_action="errors", errors={"ticket": f"Ticket #{entry.ticket} bestaat niet."}
            )
            return
        ack()
        confirmation = self.phone(entry, user, now)
        try:
            call(
                self.client,
                "chat.postEphemeral",
                channel=self.settings.team_channel,
                user=user,
                text=confirmation,
            )
        except TriageError:
            log.warning("could not confirm the phone call to %s", user)
        self._changed()

    # -- outages (SLA 1, 2.C) --------------------------------------------------------------
    def _outage_command(self, user: str, args: list[str]) -> str:
        usage = (
            "Gebruik: `/triage storing start [gepland|overmacht] [module:NAAM] [reden]` of "
            "`/triage storing einde [nummer]`"
        )
        if not args or args[0].lower() not in ("start", "einde", "eind", "stop"):
            return usage
        if not self.allowed(user):
            return not_allowed_message()
        if args[0].lower() != "start":
            return self.end_outage(user, args[1] if len(args) > 1 else None)
        kind, scope, words = "storing", "platform", list(args[1:])
        # Optional words before the reason: the kind (SLA 1: planned maintenance and force
        # majeure do not count as unavailability) and the module when not the whole platform.
        while words:
            word = words[0].lower()
            if word in OUTAGE_KINDS:
                kind = OUTAGE_KINDS[word]
            elif word.startswith("module:") and len(word) > len("module:"):
                scope = word.removeprefix("module:")
            else:
                break
            words.pop(0)
        reason = " ".join(words).strip() or "storing gemeld via Slack"
        return self.start_outage(user, reason, None, kind=kind, scope=scope)

    def start_outage(
        self,
        user: str,
        reason: str,
        ticket: int | None,
        kind: str = "storing",
        scope: str = "platform",
    ) -> str:
        """Open an outage window now; post the 2.C template for informing customers."""
        now = self.clock()
        outage = self.desk.store.add_outage(
            now, None, kind, reason, now, scope=scope, by=user, ticket_id=ticket
        )
        counts = kind == "storing" and scope == "platform"
        if kind == "storing":
            # Unplanned: customers are informed at once (SLA 2.C); here is the text for it.
            # Every customer gets it: a reason taken from one customer's ticket (its subject)
            # stays out, and the team fills in the cause.
            template = EmergencyMaintenance(since=now, cause=reason if ticket is None else None)
            self.desk.store.enqueue(
                OutboxItem(SLACK, f"outage-start:{outage}", to_payload(template)), now
            )
        what = {
            "storing": "telt mee voor de beschikbaarheid, SLA 1"
            if counts
            else f"alleen module {scope}: wordt apart getoond, telt niet mee voor het platform",
            "planned": "gepland onderhoud: telt niet mee voor de beschikbaarheid (SLA 1)",
            "force_majeure": "overmacht: telt niet mee voor de beschikbaarheid (SLA 1)",
        }[kind]
        told = (
            " In het teamkanaal staat een tekst om klanten te informeren (SLA 2.C)."
            if kind == "storing"
            else ""
        )
        return (
            f"Storingsvenster #{outage} gestart om {nl.when(now, self.desk.triage.calendar.tz)} "
            f"({what}). Beëindig het met `/triage storing einde {outage}`.{told}"
        )

    def end_outage(self, user: str, number: str | None) -> str:
        now = self.clock()
        open_ones = self.desk.store.open_outages()
        if number is None:
            if len(open_ones) != 1:
                listed = ", ".join(f"#{o.id}" for o in open_ones) or "geen"
                return (
                    f"Welk storingsvenster? Open vensters: {listed}. "
                    "Gebruik `/triage storing einde N`."
                )
            target = open_ones[0].id
        else:
            try:
                found = ticket_number(number)
            except DeskError:
                return f"Storingsvenster #{number.lstrip('#')[:12]}… bestaat niet."
            if found is None:
                return "Gebruik: `/triage storing einde N` met het nummer van het venster."
            target = found
        known = {o.id: o for o in self.desk.store.outages_between(None, None)}
        if target not in known:
            return f"Storingsvenster #{target} bestaat niet."
        if known[target].end is not None:
            return f"Storingsvenster #{target} is al beëindigd, niet opnieuw beëindigen."
        try:
            outage = self.desk.store.end_outage(target, now, by=user)
        except TriageError as exc:
            log.warning("ending outage #%d failed: %s", target, exc)
            return f"Kan storingsvenster #{target} niet beëindigen; probeer het opnieuw."
        ended = OutageEnded(
            outage=outage.id, by=user, start=outage.start, end=now, reason=outage.reason
        )
        self.desk.store.enqueue(
            OutboxItem(SLACK, f"outage-end:{outage.id}", to_payload(ended)), now
        )
        return outage_ended_text(ended.outage, ended.by, ended.start, ended.end, ended.reason)

    def _on_outage_button(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        found = self._ticket_action(ack, body, action)
        if not found:
            return
        ticket, user = found
        try:
            subject = self.desk.view(ticket).subject
        except DeskError as exc:
            self._refuse(body, str(exc))
            return
        self._refuse(body, self.start_outage(user, f"#{ticket} {subject}", ticket))
        self._changed()

    def _on_assign(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        found = self._ticket_action(ack, body, action)
        if found:
            ticket, user = found
            self._run(body, lambda: self.desk.assign(ticket, user, self.clock()))

    def _on_resolve(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        found = self._ticket_action(ack, body, action)
        if found:
            ticket, user = found
            self._run(body, lambda: self.desk.resolve(ticket, user, self.clock()))

    # -- /triage ------------------------------------------------------------------------------
    def _on_command(self, ack: Ack, command: dict[str, Any]) -> None:
        user = str(command.get("user_id", ""))
        words = str(command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        now, calendar = self.clock(), self.desk.triage.calendar
        try:
            if sub in ("list", "show", "waarom") and not self.may_read(user):
                ack(text=not_allowed_to_read_message())
                return
            if sub == "list":
                message = ticket_list(by_deadline(self.desk.views()), now, calendar)
            elif sub == "show":
                ticket = ticket_number(words[1]) if len(words) == 2 else None
                if ticket is None:
                    ack(text=SHOW_USAGE)
                    return
                view = self.desk.view(ticket)
                message = ticket_detail(view, self.desk.history(ticket), now, calendar)
            elif sub == "waarom":
                ticket = ticket_number(words[1]) if len(words) == 2 else None
                if ticket is None:
                    ack(text=WHY_USAGE)
                    return
                message = self.explainer.message(ticket)
            elif sub == "prio":
                ack(text=self._prio_command(user, words[1:]))
                self._changed()
                return
            elif sub in ("categorie", "category"):
                ack(text=self._category_command(user, words[1:]))
                self._changed()
                return
            elif sub == "storing":
                ack(text=self._outage_command(user, words[1:]))
                self._changed()
                return
            elif sub in ("telefoon", "phone") and self.phone is not None:
                if not self.allowed(user):
                    ack(text=not_allowed_message())
                    return
                ack()
                modal = phone_modal(tuple(self.desk.triage.directory.organisations.values()), now)
                call(self.client, "views.open", trigger_id=command["trigger_id"], view=modal)
                return
            else:
                message = help_message(phone=self.phone is not None)
        except DeskError as exc:
            ack(text=str(exc))
            return
        ack(text=message.text, blocks=message.blocks)

    def _category_command(self, user: str, args: list[str]) -> str:
        usage = "Gebruik: `/triage categorie N storing|vraag|wens|instelling [reden]`"
        ticket = ticket_number(args[0]) if len(args) >= 2 else None
        if ticket is None:
            return usage
        category = CATEGORY_WORDS.get(args[1].lower())
        if category is None:
            return f"Onbekende categorie {args[1]!r}. {usage}"
        if not self.allowed(user):
            return not_allowed_message()
        current = self.desk.view(ticket)
        view = self.desk.set_category(ticket, category, user, self.clock(), " ".join(args[2:]))
        return (
            f"Categorie van #{ticket} gewijzigd: {current.category.value} → "
            f"{view.category.value} (prioriteit {view.priority.label}). De termijnen zijn "
            "opnieuw berekend."
        )

    def _prio_command(self, user: str, args: list[str]) -> str:
        usage = "Gebruik: `/triage prio N hoog|middel|laag reden`"
        ticket = ticket_number(args[0]) if len(args) >= 2 else None
        if ticket is None:
            return usage
        priority = PRIORITY_WORDS.get(args[1].lower())
        if priority is None:
            return f"Onbekende prioriteit {args[1]!r}. {usage}"
        if not self.allowed(user):
            return not_allowed_message()
        reason = " ".join(args[2:])
        current = self.desk.view(ticket)
        if priority is current.priority:
            view = self.desk.set_priority(ticket, None, user, self.clock())
            return f"Prioriteit van #{ticket} bevestigd: {view.priority.label}."
        view = self.desk.set_priority(ticket, priority, user, self.clock(), reason)
        start = "het telefoontje van de contactpersoon" if view.sla_start else "de ontvangst"
        return (
            f"Prioriteit van #{ticket} gewijzigd: {current.priority.label} → "
            f"{view.priority.label}. De termijnen zijn opnieuw berekend vanaf {start}."
        )

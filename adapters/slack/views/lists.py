"""Tickets one per line, and the answers to `/triage list`, `/triage show N` and `/triage help`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.slack.blocks import (
    MAX_BLOCKS,
    SECTION_MAX,
    Block,
    SlackMessage,
    clip,
    context,
    divider,
    escape,
    section,
    user,
)
from adapters.slack.views.deadlines import by_deadline, countdown, next_deadline
from adapters.slack.views.modals import REASON_MAX
from adapters.slack.views.post import post_fallback, ticket_blocks
from bot.calendar import BusinessCalendar
from bot.calls import display_phone
from bot.models import Priority
from bot.nl import when
from bot.tickets import HistoryEntry, TicketView

SUBJECT_LINE_MAX = 80  # subject in one-line lists
# A button whose value is no ticket number (an old or forged message): what the clicker reads.
BAD_BUTTON = (
    "Deze knop hoort niet bij een bestaand ticket. Gebruik `/triage show N` met het "
    "ticketnummer, of vraag het een collega van support."
)
SHOW_USAGE = "Gebruik: `/triage show N` met het ticketnummer, bijvoorbeeld `/triage show 12`."


def _label(value: object) -> str:
    """A priority value ('hoog') as its label ('Hoog'); anything else as text."""
    try:
        return Priority(str(value)).label
    except ValueError:
        return str(value)


# -- one-line tickets and lists ----------------------------------------------------------------
def ticket_line(ticket: TicketView, now: datetime, calendar: BusinessCalendar) -> str:
    """'*#12* Export kapot — Middel storing (voorlopig) · reactie over 3 werkuren (…) · …'."""
    subject = escape(clip(ticket.subject.strip() or "(geen onderwerp)", SUBJECT_LINE_MAX))
    provisional = " (voorlopig)" if ticket.provisional else ""
    kind, due = next_deadline(ticket)
    if due is None:
        deadline = "geen termijn"
    else:
        name = "reactie" if kind == "reaction" else "oplossing"
        deadline = f"{name} {countdown(due, now, calendar)} ({when(due, calendar.tz)})"
    parts = [
        f"*#{ticket.id}* {subject} — {ticket.priority.label} {ticket.category.value}{provisional}",
        deadline,
    ]
    if ticket.exempt:
        parts.append("geen SLA-garantie")
    parts.append(user(ticket.assignee) if ticket.assignee else "niet opgepakt")
    return " · ".join(parts)


def _more(count: int) -> Block:
    return context(f"…en nog {count} {'ticket' if count == 1 else 'tickets'}")


def ticket_sections(
    tickets: Sequence[TicketView], now: datetime, calendar: BusinessCalendar, budget: int
) -> list[Block]:
    """One section per ticket, at most `budget` blocks (the last one then says how many more)."""
    if budget <= 0:
        return []
    if len(tickets) <= budget:
        return [section(ticket_line(t, now, calendar)) for t in tickets]
    shown = max(budget - 1, 0)
    blocks = [section(ticket_line(t, now, calendar)) for t in tickets[:shown]]
    return [*blocks, _more(len(tickets) - shown)]


def packed(title: str, lines: Sequence[str], more: str = "tickets") -> Block:
    """A titled list in one section, cut at the section limit with '…en nog N …'."""
    text = title
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = f"\n…en nog {rest} {more}"
        if len(text) + 1 + len(line) + len(tail) > SECTION_MAX and index:
            return section(text + tail)
        text += "\n" + line
    return section(text)


# -- slash command answers ---------------------------------------------------------------------
def ticket_list(
    tickets: Sequence[TicketView], now: datetime, calendar: BusinessCalendar
) -> SlackMessage:
    """`/triage list` (ephemeral): open tickets, nearest deadline first."""
    ordered = by_deadline(tickets)
    if not ordered:
        text = "Geen open tickets. 🎉"
        return SlackMessage(text, [section(text)])
    title = f"*Open tickets ({len(ordered)}), eerst aflopend bovenaan*"
    blocks = [section(title), *ticket_sections(ordered, now, calendar, MAX_BLOCKS - 1)]
    count = len(ordered)
    return SlackMessage(f"{count} open {'ticket' if count == 1 else 'tickets'}", blocks)


def history_line(entry: HistoryEntry, calendar: BusinessCalendar) -> str:
    """'di 24 nov 10:15 — <@U1> wijzigde prioriteit Hoog → Middel (reden: …)'."""
    actor = user(entry.actor) if entry.actor else "triage"
    data = entry.data
    if entry.kind == "created":
        what = "melding ontvangen, ticket aangemaakt"
        if data.get("channel"):
            what += f" (via {escape(str(data['channel']))})"
    elif entry.kind == "confirmed":
        priority = f" {_label(data['priority'])}" if data.get("priority") else ""
        what = f"{actor} bevestigde prioriteit{priority}"
    elif entry.kind == "priority":
        what = (
            f"{actor} wijzigde prioriteit {_label(data.get('from', '?'))} → "
            f"{_label(data.get('to', '?'))}"
        )
        if data.get("reason"):
            what += f" (reden: {escape(clip(str(data['reason']), REASON_MAX))})"
    elif entry.kind == "category":
        what = (
            f"{actor} wijzigde categorie {escape(str(data.get('from', '?')))} → "
            f"{escape(str(data.get('to', '?')))}"
        )
        if data.get("reason"):
            what += f" (reden: {escape(clip(str(data['reason']), REASON_MAX))})"
    elif entry.kind == "assigned":
        what = f"{actor} pakte het ticket op"
    elif entry.kind == "resolved":
        what = f"{actor} markeerde het ticket als opgelost"
    elif entry.kind == "reply":
        what = f"reactie van de melder: {escape(clip(str(data.get('subject', '')), 150))}"
        body = " ".join(str(data.get("body", "")).split())
        if body:
            what += f" — “{escape(clip(body, 200))}”"
    elif entry.kind == "phone_link":
        who = data.get("contact") or data.get("caller") or data.get("number") or data.get("call")
        what = "telefonisch gemeld door een afgesproken contactpersoon"
        if who:
            what += f" ({escape(display_phone(str(who)))})"
        what += ": vanaf dat gesprek valt het ticket onder de SLA-garantie (4.D)"
    elif entry.kind == "phone_call":
        caller = display_phone(entry.actor) if entry.actor else "onbekend nummer"
        what = f"telefoongesprek met {escape(caller)}"
        if data.get("guaranteed") is False and data.get("reason"):
            what += f"; geen SLA-garantie: {escape(str(data['reason']))}"
    elif entry.kind == "outage":
        what = f"{actor} startte storingsvenster #{escape(str(data.get('outage', '?')))}"
    else:
        what = f"{actor}: {escape(entry.kind)}"
    return f"{when(entry.at, calendar.tz)} — {what}"


def ticket_detail(
    ticket: TicketView,
    history: Sequence[HistoryEntry],
    now: datetime,
    calendar: BusinessCalendar,
) -> SlackMessage:
    """`/triage show N` (ephemeral): the ticket as in its post, then its history.

    Without buttons: the ephemeral copy cannot be updated when someone acts on it, so the
    post in the team channel stays the one place to act.
    """
    blocks = ticket_blocks(ticket, now, calendar, actions=False)
    blocks.append(divider())
    if history:
        lines = [history_line(e, calendar) for e in sorted(history, key=lambda e: e.at)]
        blocks.append(packed("*Geschiedenis*", lines, "regels"))
    else:
        blocks.append(section("*Geschiedenis*\nNog geen geschiedenis."))
    return SlackMessage(post_fallback(ticket, now, calendar), blocks[:MAX_BLOCKS])


def help_message(*, phone: bool = False) -> SlackMessage:
    """`/triage help`: the commands (`phone` adds `telefoon` once phone intake is live)."""
    lines = [
        "*Triage-commando's*",
        "• `/triage list` — open tickets, eerst aflopend bovenaan",
        "• `/triage show N` — ticket N met de geschiedenis",
        "• `/triage waarom N` — waarom ticket N deze prioriteit, categorie en termijnen kreeg",
        "• `/triage prio N hoog|middel|laag reden` — prioriteit van ticket N wijzigen, "
        "met een reden (die wordt bewaard)",
        "• `/triage categorie N storing|vraag|wens|instelling [reden]` — categorie van "
        "ticket N wijzigen; de termijnen volgen de nieuwe categorie",
        "• `/triage storing start [reden]` / `/triage storing einde [N]` — een "
        "storingsvenster voor de beschikbaarheid (SLA 1) openen of sluiten",
        "• `/triage help` — deze uitleg",
    ]
    if phone:
        lines.append("• `/triage telefoon` — een telefonische melding vastleggen")
    lines.append(
        "Knoppen bij elk ticket: prioriteit bevestigen of wijzigen, categorie wijzigen, "
        "oppakken, oplossen, waarom?"
    )
    text = "\n".join(lines)
    return SlackMessage(
        "Triage-commando's: list, show, waarom, prio, categorie, help", [section(text)]
    )


def not_allowed_message() -> str:
    """The ephemeral refusal when someone outside the support team tries to change a ticket."""
    return (
        "Sorry, alleen het supportteam kan tickets wijzigen. "
        "Vraag een collega van support als er iets moet veranderen."
    )


def not_allowed_to_read_message() -> str:
    """The ephemeral refusal when someone outside the support team asks to see tickets."""
    return (
        "Sorry, alleen het supportteam kan tickets bekijken: er staan gegevens van klanten in. "
        "Wil je iets weten over een melding? Vraag het een collega van support."
    )

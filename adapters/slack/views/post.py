"""The ticket's post in the team channel (with its buttons), and replies copied into its thread.

The post is rebuilt from the ticket whenever it changes (chat.update), so it always shows the
current priority, deadlines and who holds the ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.slack.blocks import (
    CONFIRM_TEXT_MAX,
    Block,
    SlackMessage,
    clip,
    context,
    escape,
    fallback,
    fields,
    header,
    is_user,
    plain,
    quote,
    section,
    user,
)
from adapters.slack.views.deadlines import countdown, deadline_text, next_deadline
from bot.calendar import BusinessCalendar
from bot.calls import display_phone
from bot.models import Category, Priority
from bot.nl import CHANNEL_NL, DEADLINE_NL, STATUS_NL, when
from bot.settings import HelpdeskConfig
from bot.textmodel import STEP as MODEL_STEP
from bot.textmodel import decided_by_model, in_doubt
from bot.tickets import TicketView

# -- ids the Slack adapter dispatches on ----------------------------------------------------
ACTION_CONFIRM = "confirm"
ACTION_PRIORITY = {
    Priority.HOOG: "prio_hoog",
    Priority.MIDDEL: "prio_middel",
    Priority.LAAG: "prio_laag",
}
ACTION_CATEGORY = "set_category"
ACTION_ASSIGN = "assign"
ACTION_OUTAGE = "outage_start"
ACTION_RESOLVE = "resolve"
ACTION_EXPLAIN = "explain"  # "Waarom?": answered by adapters/slack/explain.py
TICKET_BLOCK_PREFIX = "ticket:"

EXCERPT_POST_MAX = 600  # excerpt shown in the ticket post
REPLY_BODY_MAX = 1500  # customer's reply copied into the thread


# -- the ticket post ------------------------------------------------------------------------
def _title(ticket: TicketView) -> str:
    return f"#{ticket.id} {ticket.subject.strip() or '(geen onderwerp)'}"


def _reporter(ticket: TicketView) -> str:
    sender = ticket.sender.strip()
    shown_sender = user(sender) if is_user(sender) else escape(display_phone(sender))
    if ticket.reporter_name and sender:
        return f"{escape(ticket.reporter_name)} ({shown_sender})"
    return escape(ticket.reporter_name or "") or shown_sender or "onbekend"


def _organisation(ticket: TicketView) -> str:
    return escape(ticket.organisation_name or ticket.organisation or "onbekende organisatie")


def _priority_text(ticket: TicketView) -> str:
    if ticket.needs_triage and ticket.provisional:
        # Nothing recognised the report, or the rules and an unsure model disagree: say so,
        # never a confident "Laag vraag".
        head = (
            "*❓ Twijfel: de regels en het taalmodel zijn het oneens; beoordeel zelf.*"
            if in_doubt(ticket.factors)
            else "*❓ Niet herkend: beoordeel zelf.*"
        )
        return (
            f"{head} Kies de prioriteit en de categorie hieronder (tot dan "
            f"{ticket.priority.label} {ticket.category.value}, reactie binnen 1 werkdag)."
        )
    text = f"*Prioriteit:* {ticket.priority.label}"
    if ticket.provisional:
        text += " (voorlopig, taalmodel)" if decided_by_model(ticket.rules) else " (voorlopig)"
    elif is_user(ticket.decided_by):
        text += f", bevestigd door {user(ticket.decided_by)}"
    if ticket.decision_reason:
        text += f"\n*Reden:* {escape(ticket.decision_reason)}"
    return text


# The helpdesk number customers are asked to call (SLA 3.C) when settings give no other.
HELPDESK_PHONE = HelpdeskConfig().phone


def _sla_text(ticket: TicketView, helpdesk_phone: str = HELPDESK_PHONE) -> str:
    if ticket.exempt:
        # The stored reason ends in "...: reactie- en oplostijd zijn een intern streefdoel,
        # geen garantie": said once here, with what to do about it.
        reason = (ticket.exempt_reason or "zie SLA 4.D").split(": reactie- en oplostijd")[0]
        return (
            f"⚠️ Geen SLA-garantie ({escape(reason)}): de termijnen zijn een intern "
            "streefdoel. Is het echt Hoog of Middel? Vraag een afgesproken contactpersoon "
            f"van de klant te bellen ({helpdesk_phone}); dan gelden de termijnen wél."
        )
    if ticket.reaction_due is None and ticket.resolution_due is None:
        return "SLA: geen reactie- of oplostermijn voor deze prioriteit en categorie"
    if ticket.sla_start is not None:
        return (
            "☎️ SLA-garantie: ja, sinds de telefonische melding door een afgesproken "
            "contactpersoon (SLA 4.D); de termijnen lopen vanaf dat telefoontje"
        )
    return "SLA-garantie: ja"


def resolved_line(who: str | None, at: datetime | None, calendar: BusinessCalendar) -> str:
    """ "✅ Opgelost door @anja op ma 30 nov 14:05": the post and its thread say it alike."""
    # `user` mentions a Slack user and names anyone else (an operator on the command line).
    by = f" door {user(who)}" if who else ""
    on = f" op {when(at, calendar.tz)}" if at else ""
    return f"✅ Opgelost{by}{on}"


def _resolved_text(ticket: TicketView, calendar: BusinessCalendar, resolved_by: str | None) -> str:
    # Older tickets resolved before who-resolved was read from the history credit the holder.
    who = resolved_by or ticket.resolved_by or ticket.assignee
    return resolved_line(who, ticket.resolved_at, calendar)


def resolved_message(
    ticket_id: int, who: str, at: datetime, calendar: BusinessCalendar
) -> SlackMessage:
    """In the ticket's thread, once: who resolved it, when."""
    text = f"{resolved_line(who, at, calendar)} (#{ticket_id})"
    return SlackMessage(fallback(text), [section(text)])


def _button(action_id: str, text: str, ticket_id: int, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(text, 75),
        "value": str(ticket_id),
    }
    if style:
        button["style"] = style
    return button


def _category_select(ticket: TicketView) -> dict[str, Any]:
    """A menu to set the category (value "<ticket>:<category>"), next to the priority."""
    options = [
        {"text": plain(category.value, 75), "value": f"{ticket.id}:{category.value}"}
        for category in Category
        if category is not ticket.category
    ]
    return {
        "type": "static_select",
        "action_id": ACTION_CATEGORY,
        "placeholder": plain("Categorie wijzigen", 75),
        "options": options,
    }


def _why(ticket: TicketView) -> str:
    """Which decision-table row decided and the factors behind it, in one line."""
    if ticket.needs_triage and ticket.provisional and not in_doubt(ticket.factors):
        return "Waarom: geen beslisregel past; er is niets herkend"
    parts = []
    if decided_by_model(ticket.rules):
        parts.append("het taalmodel koos, niet de regels")
    elif ticket.decision_row:
        parts.append(f"beslisregel `{escape(ticket.decision_row)}`")
    rules = [r for r in ticket.rules if r not in (ticket.decision_row, MODEL_STEP)]
    if rules:
        parts.append(("regels " if parts else "") + ", ".join(escape(r) for r in rules))
    factors = ", ".join(
        f"{escape(f.name)}: {escape(f.value)}"
        + (f" ({escape(', '.join(f.words[:2]))})" if f.words else "")
        for f in ticket.factors
    )
    if factors:
        parts.append(factors)
    return "Waarom: " + (" · ".join(parts) or "geen regel, standaardwaarden")


def _actions(ticket: TicketView) -> Block:
    """The buttons of an open ticket (block_id 'ticket:<id>', value the ticket id)."""
    buttons = []
    if ticket.provisional:
        buttons.append(_button(ACTION_CONFIRM, "Prioriteit bevestigen", ticket.id))
    for priority, action_id in ACTION_PRIORITY.items():
        if priority is not ticket.priority:
            style = "danger" if priority is Priority.HOOG else None
            buttons.append(_button(action_id, priority.label, ticket.id, style))
    buttons.append(_category_select(ticket))
    if ticket.assignee is None:
        buttons.append(_button(ACTION_ASSIGN, "Ik pak dit op", ticket.id))
    resolve = _button(ACTION_RESOLVE, "Opgelost", ticket.id, "primary")
    resolve["confirm"] = {
        "title": plain("Ticket oplossen?", 100),
        "text": plain(
            f"{clip(_title(ticket), 150)} markeren als opgelost? Het verdwijnt dan uit de "
            "herinneringen en het dagoverzicht.",
            CONFIRM_TEXT_MAX,
        ),
        "confirm": plain("Opgelost", 30),
        "deny": plain("Annuleren", 30),
    }
    buttons.append(resolve)
    if ticket.priority is Priority.HOOG and ticket.category is Category.STORING:
        # A Hoog storing may be an outage: its window counts against availability (SLA 1).
        buttons.append(_button(ACTION_OUTAGE, "Storingsvenster starten", ticket.id))
    buttons.append(_button(ACTION_EXPLAIN, "Waarom?", ticket.id))
    return {"type": "actions", "block_id": f"{TICKET_BLOCK_PREFIX}{ticket.id}", "elements": buttons}


def ticket_blocks(
    ticket: TicketView,
    now: datetime,
    calendar: BusinessCalendar,
    *,
    actions: bool,
    resolved_by: str | None = None,
    helpdesk_phone: str = HELPDESK_PHONE,
) -> list[Block]:
    """The ticket as the post and `/triage show` show it; `actions` adds the buttons."""
    tz = calendar.tz
    blocks: list[Block] = [
        header(_title(ticket)),
        section(
            f"*Melder:* {_reporter(ticket)} · *Organisatie:* {_organisation(ticket)}\n"
            f"*Gemeld via* {CHANNEL_NL[ticket.channel]} op {when(ticket.received_at, tz)}"
            + (
                f" · *telefonisch gemeld* op {when(ticket.sla_start, tz)}"
                if ticket.sla_start is not None
                else ""
            )
        ),
        fields(
            f"{_priority_text(ticket)}\n*Categorie:* "
            + (
                "niet herkend"
                if ticket.needs_triage and ticket.provisional
                else ticket.category.value
            ),
            _sla_text(ticket, helpdesk_phone),
            f"*Reactie:* {deadline_text(ticket.reaction_due, ticket.reacted_at, now, calendar)}",
            f"*Oplossing:* "
            f"{deadline_text(ticket.resolution_due, ticket.resolved_at, now, calendar)}",
        ),
    ]
    if ticket.excerpt.strip():
        blocks.append(section(quote(clip(ticket.excerpt.strip(), EXCERPT_POST_MAX))))
    blocks.append(context(clip(_why(ticket), 2000)))
    if not ticket.is_open:
        blocks.append(section(_resolved_text(ticket, calendar, resolved_by)))
        return blocks
    holder = f"Opgepakt door {user(ticket.assignee)}" if ticket.assignee else "Nog niet opgepakt"
    blocks.append(context(f"{holder} · Status: {STATUS_NL.get(ticket.status, ticket.status)}"))
    if actions:
        blocks.append(_actions(ticket))
    return blocks


def post_fallback(ticket: TicketView, now: datetime, calendar: BusinessCalendar) -> str:
    """The post's notification text: title, priority and the deadline that matters now."""
    head = escape(_title(ticket))
    if not ticket.is_open:
        return fallback(f"✅ {head} is opgelost")
    provisional = " (voorlopig)" if ticket.provisional else ""
    kind, due = next_deadline(ticket)
    if due is None:
        deadline = "geen termijn"
    else:
        deadline = f"{DEADLINE_NL[kind]} {when(due, calendar.tz)} ({countdown(due, now, calendar)})"
    return fallback(
        f"{head} — {ticket.priority.label} {ticket.category.value}{provisional}, {deadline}"
    )


def triage_post(
    ticket: TicketView,
    now: datetime,
    calendar: BusinessCalendar,
    *,
    resolved_by: str | None = None,
    helpdesk_phone: str = HELPDESK_PHONE,
) -> SlackMessage:
    """The post per ticket in the team channel, with buttons while the ticket is open.

    `resolved_by` names who resolved it (the ticket view does not carry it); without it a
    resolved ticket credits its assignee.
    """
    blocks = ticket_blocks(
        ticket,
        now,
        calendar,
        actions=True,
        resolved_by=resolved_by,
        helpdesk_phone=helpdesk_phone,
    )
    return SlackMessage(post_fallback(ticket, now, calendar), blocks)


def reply_message(
    ticket_id: int, sender: str, subject: str, body: str, channel_label: str
) -> SlackMessage:
    """A customer's reply, copied into the ticket's thread."""
    head = f"💬 Reactie van {escape(sender.strip() or 'onbekend')} via {escape(channel_label)}"
    blocks: list[Block] = [section(f"{head} op #{ticket_id}")]
    if subject.strip():
        blocks.append(context(f"Onderwerp: {escape(clip(subject.strip(), 300))}"))
    text = body.strip()
    blocks.append(section(quote(clip(text, REPLY_BODY_MAX)) if text else "_(geen tekst)_"))
    return SlackMessage(fallback(f"{head} op #{ticket_id}"), blocks)

"""The daily digest in the team channel: open tickets, breaches, and today's release."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.slack.blocks import (
    MAX_BLOCKS,
    Block,
    SlackMessage,
    clip,
    divider,
    escape,
    header,
    section,
    user,
)
from adapters.slack.views.deadlines import breaches, by_deadline, clock_time, overdue, short_day
from adapters.slack.views.lists import SUBJECT_LINE_MAX, packed, ticket_sections
from bot.calendar import BusinessCalendar
from bot.models import Priority
from bot.nl import when
from bot.tickets import TicketView


# -- digest ---------------------------------------------------------------------------------
def digest_message(
    tickets: Sequence[TicketView],
    now: datetime,
    calendar: BusinessCalendar,
    release: datetime | None,
) -> SlackMessage:
    """The daily digest: open tickets by nearest deadline, breaches, exempt ones waiting, and
    the Middel-storingen that must ship with today's release."""
    ordered = by_deadline(tickets)
    blocks: list[Block] = [header(f"☀️ Dagoverzicht {short_day(now, calendar)}")]
    if not ordered:
        text = "Geen open tickets. Een rustige start van de dag! 🎉"
        blocks.append(section(text))
        return SlackMessage(f"Dagoverzicht {short_day(now, calendar)}: {text}", blocks)

    breached = [(t, b) for t in ordered if (b := breaches(t, now))]
    waiting = [t for t in ordered if t.exempt and t.reacted_at is None]
    summary = (
        f"*{len(ordered)} open {'ticket' if len(ordered) == 1 else 'tickets'}*, "
        f"{len(breached)} met een verstreken termijn, "
        f"{len(waiting)} zonder SLA-garantie wachtend op reactie"
    )
    blocks.append(section(summary))

    if breached:
        lines = [
            f"• *#{t.id}* {escape(clip(t.subject.strip(), SUBJECT_LINE_MAX))} — "
            + ", ".join(overdue(kind, due, now, calendar) for kind, due in found)
            + f" · {user(t.assignee) if t.assignee else 'niet opgepakt'}"
            for t, found in breached
        ]
        blocks.append(packed(f"🚨 *Termijn verstreken ({len(breached)})*", lines))
    if waiting:
        lines = [
            f"• *#{t.id}* {escape(clip(t.subject.strip(), SUBJECT_LINE_MAX))} — "
            f"{t.priority.label} {t.category.value}, ontvangen {when(t.received_at, calendar.tz)}"
            for t in waiting
        ]
        blocks.append(packed(f"⚠️ *Zonder SLA-garantie, nog geen reactie ({len(waiting)})*", lines))
    if release is not None:
        due_now = [
            t for t in ordered if t.priority is Priority.MIDDEL and t.resolution_due == release
        ]
        count = len(due_now)
        noun = "Middel-storing moet" if count == 1 else "Middel-storingen moeten"
        title = (
            f"🚀 *Release vandaag om {clock_time(release, calendar)}: {count} {noun} "
            "daarin opgelost zijn*"
        )
        lines = [
            f"• *#{t.id}* {escape(clip(t.subject.strip(), SUBJECT_LINE_MAX))} · "
            f"{user(t.assignee) if t.assignee else 'niet opgepakt'}"
            for t in due_now
        ]
        blocks.append(packed(title, lines))

    blocks.append(divider())
    blocks.append(section("📋 *Open tickets, eerst aflopend bovenaan*"))
    blocks.extend(ticket_sections(ordered, now, calendar, MAX_BLOCKS - len(blocks)))
    text = (
        f"Dagoverzicht {short_day(now, calendar)}: {len(ordered)} open, "
        f"{len(breached)} termijn verstreken"
    )
    return SlackMessage(text, blocks)

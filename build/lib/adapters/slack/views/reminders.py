"""Reminders in a ticket's thread: a deadline is near, passed, or long overdue."""

from __future__ import annotations

from datetime import datetime

from adapters.slack.blocks import SlackMessage, clip, escape, fallback, section, user
from adapters.slack.views.deadlines import countdown, overdue
from bot.calendar import BusinessCalendar
from bot.nl import DEADLINE_NL, when
from bot.tickets import TicketView

REMINDER_KINDS = ("percent", "before", "breach", "overdue", "outside_hours")


# -- reminders ------------------------------------------------------------------------------
def reminder_message(
    ticket: TicketView,
    deadline: str,
    kind: str,
    due: datetime,
    now: datetime,
    calendar: BusinessCalendar,
) -> SlackMessage:
    """A reminder in the ticket's thread, mentioning the assignee (or that nobody has it).

    `deadline` is "reaction" or "resolution"; `kind` one of REMINDER_KINDS.
    """
    if deadline not in DEADLINE_NL:
        raise ValueError(f"unknown deadline {deadline!r}; expected reaction or resolution")
    if kind not in REMINDER_KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}; expected one of {REMINDER_KINDS}")
    word = DEADLINE_NL[deadline]
    label = f"{ticket.priority.label} {ticket.category.value}"
    if ticket.exempt:
        label += " (geen SLA-garantie)"
    at = when(due, calendar.tz)
    if kind in ("percent", "before"):
        head = f"⏰ #{ticket.id} {label}: {word} verstrijkt {countdown(due, now, calendar)} ({at})"
    elif kind == "breach":
        head = f"🚨 #{ticket.id} {label}: {word} verstreken om {at}"
    elif kind == "overdue":
        head = f"🚨 #{ticket.id} {label}: {overdue(deadline, due, now, calendar)}"
    else:
        head = (
            f"🔴 Nieuwe {ticket.priority.label}-melding buiten kantoortijd: "
            f"#{ticket.id} {escape(clip(ticket.subject.strip(), 150))} — {word} verstrijkt {at}"
        )
    who = f"{user(ticket.assignee)}" if ticket.assignee else "nog niemand heeft dit opgepakt"
    text = f"{head} — {who}"
    return SlackMessage(fallback(text), [section(text)])

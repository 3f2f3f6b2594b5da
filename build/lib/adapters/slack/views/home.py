"""The App Home tab: the user's own tickets and the ones that expire first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.slack.blocks import MAX_VIEW_BLOCKS, Block, context, divider, header, section, user
from adapters.slack.views.deadlines import by_deadline
from adapters.slack.views.lists import ticket_sections
from bot.calendar import BusinessCalendar
from bot.nl import when
from bot.tickets import TicketView

HOME_LIST_MAX = 20  # tickets per list on the home tab


def home_view(
    user_id: str,
    mine: Sequence[TicketView],
    soonest: Sequence[TicketView],
    now: datetime,
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    """The App Home (views.publish): the user's tickets and the ones that expire first."""
    blocks: list[Block] = [
        header("Triage"),
        context(f"Hallo {user(user_id)} · bijgewerkt {when(now, calendar.tz)}"),
        section("*Mijn tickets*"),
    ]
    mine_open = by_deadline(mine)
    if mine_open:
        blocks.extend(ticket_sections(mine_open, now, calendar, HOME_LIST_MAX))
    else:
        blocks.append(context("Je hebt geen open tickets opgepakt."))
    blocks.append(divider())
    blocks.append(section("*Eerst aflopend*"))
    first = by_deadline(soonest)
    if first:
        blocks.extend(ticket_sections(first, now, calendar, HOME_LIST_MAX))
    else:
        blocks.append(context("Geen open tickets met een termijn."))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def home_refusal_view(
    user_id: str, refusal: str, now: datetime, calendar: BusinessCalendar
) -> dict[str, Any]:
    """The App Home of someone who may not see tickets: a greeting and why there are none."""
    blocks: list[Block] = [
        header("Triage"),
        context(f"Hallo {user(user_id)} · bijgewerkt {when(now, calendar.tz)}"),
        section(refusal),
    ]
    return {"type": "home", "blocks": blocks}

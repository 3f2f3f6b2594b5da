"""SLA targets -> due times, and the exemption rule of 4.D (with 3.C for phone callers).

Pure: the calendars, the SLA policy (from rules/00-sla.yaml) and who reported are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.calls import display_phone
from bot.directory import Match
from bot.engine.schema import SlaSpec, Target
from bot.models import Category, Channel, Priority
from bot.nl import CHANNEL_NL


@dataclass(frozen=True)
class SlaOutcome:
    """Deadlines and the exemption for one report."""

    exempt: bool
    exempt_reason: str | None
    unagreed_caller: bool
    reaction_due: datetime | None
    resolution_due: datetime | None


def due(
    target: Target,
    received_at: datetime,
    calendar: BusinessCalendar,
    releases: ReleaseCalendar,
) -> datetime | None:
    """When a target falls due for a report received at `received_at` (UTC), or None."""
    if target.kind == "none":
        return None
    if target.kind == "next_release":
        return releases.next_release_after(received_at)
    if target.unit == "working_days":
        return calendar.add_working_days(received_at, target.amount)
    unit = timedelta(minutes=1) if target.unit == "minutes" else timedelta(hours=1)
    return calendar.add_business_time(received_at, unit * target.amount)


def exemption(
    sla: SlaSpec,
    category: Category,
    priority: Priority,
    channel: Channel,
    sender: str,
    who: Match,
) -> tuple[bool, str | None, bool]:
    """(exempt, reason in Dutch, unagreed_caller) per SLA 4.D and 3.C."""
    unagreed = channel is Channel.PHONE and who.contact is None
    rule = sla.phone_rule
    if category not in rule.categories or priority not in rule.priorities:
        return False, None, unagreed
    if who.organisation is not None and who.organisation.phone_not_required:
        return False, None, unagreed
    label = f"{priority.label}-{category.value}"
    if channel is Channel.PHONE:
        if not unagreed:
            return False, None, False
        caller = display_phone(sender) if sender else "onbekend nummer"
        return (
            True,
            f"{label} telefonisch gemeld door {caller}, geen afgesproken contactpersoon "
            "(SLA 3.C); telt niet als telefonische melding (SLA 4.D): reactie- en oplostijd "
            "zijn een intern streefdoel, geen garantie",
            True,
        )
    return (
        True,
        f"{label} gemeld via {CHANNEL_NL[channel]}, niet telefonisch (SLA 4.D): reactie- en "
        "oplostijd zijn een intern streefdoel, geen garantie",
        False,
    )


def sla_outcome(
    sla: SlaSpec,
    category: Category,
    priority: Priority,
    channel: Channel,
    sender: str,
    received_at: datetime,
    who: Match,
    calendar: BusinessCalendar,
    releases: ReleaseCalendar,
    needs_triage: bool = False,
) -> SlaOutcome:
    """Deadlines (still computed for exempt reports, as internal targets) and the exemption.

    A report that no rule recognised gets `sla.unrecognised` (when set): the team must look
    at it within that time, whatever the default category would promise.
    """
    target = sla.target(category, priority)
    if needs_triage and sla.unrecognised is not None:
        target = sla.unrecognised
    exempt, reason, unagreed = exemption(sla, category, priority, channel, sender, who)
    return SlaOutcome(
        exempt=exempt,
        exempt_reason=reason,
        unagreed_caller=unagreed,
        reaction_due=due(target.reaction, received_at, calendar, releases),
        resolution_due=due(target.resolution, received_at, calendar, releases),
    )

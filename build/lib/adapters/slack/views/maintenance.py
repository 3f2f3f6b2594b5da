"""Maintenance in the team channel: announcement drafts (SLA 2.B), the emergency template
(SLA 2.C) and the end of an outage window.

Drafts for the team: a team member reviews the text before it goes to customers (via the Online
Platform, the website or email, SLA 2.B). When they are due is the core's business
(bot/maintenance.py); this module only words them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.slack.blocks import SlackMessage, clip, code, context, escape, header, section
from bot.calendar import BusinessCalendar
from bot.intents import EmergencyMaintenance, MaintenanceAnnouncement, OutageEnded
from bot.nl import long_when

PLANNED_NATURE = "release van een nieuwe versie van het Online Platform (Gepland Onderhoud)"
PLACEHOLDER_CAUSE = "[aanleiding: wat is er aan de hand]"
PLACEHOLDER_WORK = "[uit te voeren werkzaamheden]"
PLACEHOLDER_DURATION = "[verwachte duur]"
CAUSE_MAX = 500  # keeps the customer text well within Slack's 3,000 characters per section


def minutes_text(minutes: int) -> str:
    """'1 minuut', '2 minuten'."""
    return f"{minutes} {'minuut' if minutes == 1 else 'minuten'}"


def planned_announcement(
    release: datetime, calendar: BusinessCalendar, expected_minutes: int = 2
) -> SlackMessage:
    """A draft announcement of a release (SLA 2.A/2.B): nature, start, expected duration and
    expected unavailability, plus a customer-facing text to copy."""
    if expected_minutes < 1:
        raise ValueError("expected_minutes must be at least 1")
    start = long_when(release, calendar.tz)
    end = (release + timedelta(minutes=expected_minutes)).astimezone(calendar.tz)
    duration = f"ongeveer {minutes_text(expected_minutes)}"
    customer = (
        "Aankondiging gepland onderhoud\n\n"
        f"Op {start} zetten we een nieuwe versie van het Online Platform live. "
        f"De werkzaamheden duren {duration} (tot ongeveer {end:%H:%M}). "
        f"In die tijd is het Online Platform {duration} niet beschikbaar. "
        "We hebben hiervoor een rustig moment gekozen.\n\n"
        "Met vriendelijke groet,\nSupport Dialog"
    )
    fields = [
        f"*Aard van het onderhoud:* {PLANNED_NATURE}",
        f"*Aanvang:* {start}",
        f"*Verwachte duur:* {duration}",
        f"*Verwachte onbeschikbaarheid:* {duration}",
    ]
    blocks = [
        header("Concept: aankondiging gepland onderhoud"),
        section("\n".join(fields)),
        section("*Tekst voor klanten* (kopieer en controleer):\n" + code(customer)),
        context(
            "Concept voor het team: controleer de tekst en kondig aan via het Online Platform, "
            "de website of e-mail (SLA 2.B)."
        ),
    ]
    return SlackMessage(f"Concept: aankondiging gepland onderhoud op {start}", blocks)


def emergency_template(
    now: datetime, calendar: BusinessCalendar, cause: str | None = None
) -> SlackMessage:
    """A template to inform customers at once about emergency maintenance (SLA 2.C), with
    placeholders for the cause, the work and the expected duration."""
    since = long_when(now, calendar.tz)
    reason = clip(cause.strip(), CAUSE_MAX) if cause and cause.strip() else PLACEHOLDER_CAUSE
    customer = (
        "Calamiteitenonderhoud aan het Online Platform\n\n"
        f"Sinds {since} is het Online Platform niet (volledig) beschikbaar.\n"
        f"Aanleiding: {reason}\n"
        f"Uit te voeren werkzaamheden: {PLACEHOLDER_WORK}\n"
        f"Verwachte duur: {PLACEHOLDER_DURATION}\n\n"
        "We houden je op de hoogte en melden het zodra alles weer werkt.\n\n"
        "Met vriendelijke groet,\nSupport Dialog"
    )
    blocks = [
        header("Calamiteitenonderhoud: informeer klanten direct"),
        section(
            "SLA 2.C: informeer de opdrachtgevers zo spoedig als redelijkerwijs mogelijk, met "
            "de aanleiding en de uit te voeren werkzaamheden. Vul de velden tussen [ ] in."
        ),
        section("*Tekst voor klanten* (kopieer, vul aan en controleer):\n" + code(customer)),
    ]
    return SlackMessage(f"Calamiteitenonderhoud sinds {since}: informeer klanten direct", blocks)


def outage_ended_text(outage: int, by: str, start: datetime, end: datetime, reason: str) -> str:
    """'Storingsvenster #3 beëindigd door <@U1>: duur 90 minuten (reden).'"""
    minutes = (end - start).total_seconds() / 60
    return (
        f"Storingsvenster #{outage} beëindigd door <@{by}>: duur {minutes:.0f} minuten "
        f"({escape(reason)})."
    )


def announcement_message(
    intent: MaintenanceAnnouncement, calendar: BusinessCalendar
) -> SlackMessage:
    """The draft announcement an intent asks for."""
    return planned_announcement(intent.release, calendar, intent.expected_minutes)


def emergency_message(intent: EmergencyMaintenance, calendar: BusinessCalendar) -> SlackMessage:
    """The SLA 2.C template an intent asks for."""
    return emergency_template(intent.since, calendar, intent.cause)


def outage_ended_message(intent: OutageEnded) -> SlackMessage:
    """The end of an outage window, as text only."""
    return SlackMessage(
        outage_ended_text(intent.outage, intent.by, intent.start, intent.end, intent.reason)
    )

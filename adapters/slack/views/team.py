"""Announcements in the team channel that need only their intent and the calendar.

Maintenance drafts, outage windows, phone calls and rules changes: the transport posts what
`team_message` words, and tests read a queued intent the way the team will see it.
"""

from __future__ import annotations

from typing import TypeAlias

from adapters.slack.blocks import SlackMessage
from adapters.slack.views.maintenance import (
    announcement_message,
    emergency_message,
    outage_ended_message,
)
from adapters.slack.views.model import model_refused_message, model_reloaded_message
from adapters.slack.views.phone import hoog_call_message, missed_call_message, phone_import_message
from adapters.slack.views.rules import refused_message, reloaded_message
from bot.calendar import BusinessCalendar
from bot.intents import (
    EmergencyMaintenance,
    HoogCall,
    MaintenanceAnnouncement,
    MissedCall,
    ModelRefused,
    ModelReloaded,
    OutageEnded,
    PhoneImportSummary,
    RulesRefused,
    RulesReloaded,
)

TeamAnnouncement: TypeAlias = (
    MaintenanceAnnouncement
    | EmergencyMaintenance
    | OutageEnded
    | HoogCall
    | MissedCall
    | PhoneImportSummary
    | RulesReloaded
    | RulesRefused
    | ModelReloaded
    | ModelRefused
)


def team_message(intent: TeamAnnouncement, calendar: BusinessCalendar) -> SlackMessage:
    """The message for one team-channel announcement."""
    match intent:
        case MaintenanceAnnouncement():
            return announcement_message(intent, calendar)
        case EmergencyMaintenance():
            return emergency_message(intent, calendar)
        case OutageEnded():
            return outage_ended_message(intent)
        case HoogCall():
            return hoog_call_message(intent, calendar)
        case MissedCall():
            return missed_call_message(intent, calendar)
        case PhoneImportSummary():
            return phone_import_message(intent)
        case RulesReloaded():
            return reloaded_message(intent)
        case RulesRefused():
            return refused_message(intent)
        case ModelReloaded():
            return model_reloaded_message(intent)
        case ModelRefused():
            return model_refused_message(intent)

"""Phone calls in Slack: the `/triage telefoon` modal, and the team-channel messages about calls.

The modal is how the agent who took a call logs it; `read_phone_modal` turns a submission's
state back into a `PhoneEntry`, with Dutch errors per field for Slack to show under the
inputs. The messages word the phone intake's intents: a Hoog storing phoned in (loud, at
once), a missed call to return, and an imported call log that needs attention. Pure: the
organisations, the calendar and `now` are passed in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from adapters.slack.blocks import SlackMessage, escape
from adapters.slack.ids import ticket_number
from bot.calendar import BusinessCalendar
from bot.calls import PhoneEntry, display_phone
from bot.desk import DeskError
from bot.directory import Organisation, normalise_phone
from bot.intents import HoogCall, MissedCall, PhoneImportSummary
from bot.nl import when

CALLBACK = "phone_call"
MAX_OPTIONS = 100  # Slack's limit for a static_select


def phone_modal(organisations: tuple[Organisation, ...], now: datetime) -> dict[str, Any]:
    """The modal view for views.open; the time defaults to now (UTC epoch for Slack)."""
    options = [
        {
            "text": {"type": "plain_text", "text": f"{c.name} ({o.name})"[:75]},
            "value": c.phone,
        }
        for o in organisations
        for c in o.contacts
        if c.phone
    ][:MAX_OPTIONS]
    blocks: list[dict[str, Any]] = []
    if options:
        blocks.append(
            {
                "type": "input",
                "block_id": "contact",
                "optional": True,
                "label": {"type": "plain_text", "text": "Afgesproken contactpersoon"},
                "element": {
                    "type": "static_select",
                    "action_id": "contact",
                    "placeholder": {"type": "plain_text", "text": "Kies wie er belde"},
                    "options": options,
                },
            }
        )
    blocks += [
        {
            "type": "input",
            "block_id": "number",
            "optional": True,
            "label": {"type": "plain_text", "text": "Of: telefoonnummer van de beller"},
            "hint": {
                "type": "plain_text",
                "text": "Alleen afgesproken contactpersonen tellen als telefonische melding "
                "(SLA 3.C).",
            },
            "element": {"type": "plain_text_input", "action_id": "number", "max_length": 40},
        },
        {
            "type": "input",
            "block_id": "called_at",
            "label": {"type": "plain_text", "text": "Tijdstip van het gesprek"},
            "element": {
                "type": "datetimepicker",
                "action_id": "called_at",
                "initial_date_time": int(now.timestamp()),
            },
        },
        {
            "type": "input",
            "block_id": "notes",
            "label": {"type": "plain_text", "text": "Wat werd er gemeld?"},
            "element": {
                "type": "plain_text_input",
                "action_id": "notes",
                "multiline": True,
                "max_length": 3000,
            },
        },
        {
            "type": "input",
            "block_id": "ticket",
            "optional": True,
            "label": {"type": "plain_text", "text": "Over bestaand ticket (nummer)"},
            "element": {"type": "plain_text_input", "action_id": "ticket", "max_length": 12},
        },
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": json.dumps({"v": 1}),
        "title": {"type": "plain_text", "text": "Telefoontje vastleggen"},
        "submit": {"type": "plain_text", "text": "Vastleggen"},
        "close": {"type": "plain_text", "text": "Annuleren"},
        "blocks": blocks,
    }


def _value(values: dict[str, Any], block: str) -> Any:
    element = (values.get(block) or {}).get(block) or {}
    if element.get("type") == "static_select":
        selected = element.get("selected_option") or {}
        return selected.get("value")
    if element.get("type") == "datetimepicker":
        return element.get("selected_date_time")
    return element.get("value")


def read_phone_modal(
    view: dict[str, Any], now: datetime
) -> tuple[PhoneEntry | None, dict[str, str]]:
    """(entry, {}) or (None, {block_id: Dutch error}) from a view_submission's view."""
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    caller = str(_value(values, "contact") or _value(values, "number") or "").strip()
    if not caller:
        errors["number"] = "Kies een contactpersoon of vul het nummer van de beller in."
    elif normalise_phone(caller) is None:
        errors["number"] = f"'{caller}' is geen telefoonnummer."
    stamp = _value(values, "called_at")
    called_at = datetime.fromtimestamp(int(stamp), UTC) if stamp else now
    if called_at > now:
        errors["called_at"] = "Het gesprek kan niet in de toekomst liggen."
    notes = str(_value(values, "notes") or "").strip()
    if not notes:
        errors["notes"] = "Beschrijf wat er gemeld werd."
    ticket_text = str(_value(values, "ticket") or "").strip()
    ticket = None
    if ticket_text:
        try:
            ticket = ticket_number(ticket_text)
        except DeskError as exc:
            errors["ticket"] = str(exc)
        else:
            if ticket is None:
                errors["ticket"] = "Vul een ticketnummer in, zoals 12."
    if errors:
        return None, errors
    return PhoneEntry(caller, called_at, notes, ticket), {}


# -- messages about calls -----------------------------------------------------------------
DEFAULT_HOOG_MENTION = "<!here>"  # slack.hoog_mention's default


def hoog_call_message(intent: HoogCall, calendar: BusinessCalendar) -> SlackMessage:
    """A guaranteed (or unknown) caller reported a Hoog storing: who picks it up?"""
    who = escape(intent.contact or display_phone(intent.caller))
    guarantee = (
        "Geen afgesproken contactpersoon (SLA 3.C): geen SLA-garantie, maar kijk er direct naar."
        if intent.exempt
        else "Reactie is direct (SLA Bijlage 1)."
    )
    mention = intent.mention or DEFAULT_HOOG_MENTION
    return SlackMessage(
        f"{mention} 🔴 *Hoog-storing telefonisch gemeld* door {who} om "
        f"{when(intent.called_at, calendar.tz)}: #{intent.ticket}. {guarantee} Wie pakt dit op?"
    )


def missed_call_message(intent: MissedCall, calendar: BusinessCalendar) -> SlackMessage:
    """A call nobody answered: no report and no deadline yet, so call back."""
    where = escape(
        intent.organisation or "onbekend nummer, geen afgesproken contactpersoon (SLA 3.C)"
    )
    agent = f", voor {escape(intent.agent)}" if intent.agent else ""
    return SlackMessage(
        f"📞 Gemiste oproep van {escape(display_phone(intent.caller))} ({where}) op "
        f"{when(intent.called_at, calendar.tz)}{agent}: niet beantwoord, dus nog geen melding "
        "en geen SLA-termijn. Bel terug."
    )


def phone_import_message(intent: PhoneImportSummary) -> SlackMessage:
    """An imported call log that needs attention, its summary as a code block."""
    return SlackMessage(f"📞 Belregistratie ingelezen\n```{escape(intent.summary)}```")

"""The reply in a Slack reporter's thread: the ticket number and what to expect, in the
language of the report (Dutch, or English for a report written in English)."""

from __future__ import annotations

from bot.language import Language
from bot.models import Category, Channel, Decision, Priority
from bot.nl import CHANNEL_NL

# English names for the report in English; the SLA's Dutch names in brackets.
_PRIORITY_EN = {
    Priority.HOOG: "High (Hoog)",
    Priority.MIDDEL: "Medium (Middel)",
    Priority.LAAG: "Low (Laag)",
}
_CHANNEL_EN = {
    Channel.EMAIL: "email",
    Channel.WIDGET: "the support widget",
    Channel.SLACK: "Slack",
    Channel.PHONE: "phone",
}
_CATEGORY_EN = {
    Category.STORING: "incident",
    Category.VRAAG: "question",
    Category.WENS: "wish",
    Category.INSTELLING: "request for a setting",
}


def thread_ack(
    ticket_id: int, decision: Decision, channel: Channel, phone: str, language: Language
) -> str:
    """The acknowledgement text (mrkdwn) for a report posted in a Slack channel.

    An exempt report (SLA 4.D) gets no times here, only that there is no guarantee and the
    number to call for one; the post in the team channel has the internal deadlines.
    """
    if language == "en":
        status = "provisional" if decision.provisional else "confirmed"
        what = (
            "type and priority to be determined"
            if decision.needs_triage
            else f"{_CATEGORY_EN[decision.category]}, priority "
            f"{_PRIORITY_EN[decision.priority]}, {status}"
        )
        lines = [
            f"Thank you, your report is registered as *#{ticket_id}* ({what}). The support "
            "team will look at it as soon as possible."
        ]
        if decision.exempt:
            lines.append(
                f"Note: an incident with priority {_PRIORITY_EN[decision.priority]} has "
                "guaranteed response times only when an agreed contact person reports it by "
                f"phone (SLA 4.D); reports via {_CHANNEL_EN[channel]} are handled as soon as "
                f"possible, without a guarantee. Agreed contact persons can call {phone} for a "
                "guaranteed response."
            )
        return "\n".join(lines)
    status = "voorlopig" if decision.provisional else "vastgesteld"
    what = (
        "soort en prioriteit nog te bepalen"
        if decision.needs_triage
        else f"{decision.category.value}, prioriteit {decision.priority.label}, {status}"
    )
    lines = [
        f"Bedankt, je melding is geregistreerd als *#{ticket_id}* ({what}). Het supportteam "
        "bekijkt hem zo snel mogelijk."
    ]
    if decision.exempt:
        lines.append(
            f"Let op: een storing met prioriteit {decision.priority.label} heeft alleen een "
            "gegarandeerde reactietijd als een afgesproken contactpersoon hem telefonisch "
            f"meldt (SLA 4.D); meldingen via {CHANNEL_NL[channel]} behandelen we zo snel "
            "mogelijk, zonder garantie. Afgesproken contactpersonen kunnen voor een "
            f"gegarandeerde reactie bellen met {phone}."
        )
    return "\n".join(lines)

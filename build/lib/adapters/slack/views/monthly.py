"""The monthly SLA and availability summary for the team channel (Dutch, Block Kit).

The full report (tables, charts) is `triage report sla --html`; this is what the team reads
on the first working day of the month, with the command to get the rest. With it, how often
the team changed the rules' provisional priority over the last months, and which rows were
involved most last month (bot/corrections.py): the trend of learning from corrections.
"""

from __future__ import annotations

from adapters.slack.blocks import SlackMessage
from bot.corrections import CorrectionTrend
from bot.models import Priority
from bot.nl import hours_minutes, nl_number
from bot.reports.availability import AvailabilityReport, percent_text
from bot.reports.sla import SlaReport


def monthly_summary(
    sla: SlaReport,
    availability: AvailabilityReport,
    month: str,
    corrections: CorrectionTrend | None = None,
) -> SlackMessage:
    """Key figures of one month: availability, SLA deadlines met and breached, reaction times,
    and the trend of the team's corrections of the rules."""
    label = sla.period.label
    verdict = "✅ gehaald" if availability.met else "❌ niet gehaald"
    lines = [
        f"*Beschikbaarheid:* {percent_text(availability)} (garantie 99,5 %: {verdict}); "
        f"onbeschikbaar {nl_number(availability.unavailable_minutes, 1)} minuten, "
        f"{len(availability.excluded)} venster(s) uitgesloten (gepland onderhoud, overmacht).",
        f"*Meldingen:* {sla.totals.received} ontvangen, {sla.totals.guaranteed.count} met "
        f"SLA-garantie, {sla.totals.exempt.count} uitgezonderd (SLA 3.C/4.D).",
    ]
    guaranteed = sla.totals.guaranteed
    lines.append(
        f"*Reactietermijn (gegarandeerd):* {guaranteed.reaction.met} gehaald, "
        f"{guaranteed.reaction.breached} overschreden, {guaranteed.reaction.open} open."
    )
    lines.append(
        f"*Oplostermijn (gegarandeerd):* {guaranteed.resolution.met} gehaald, "
        f"{guaranteed.resolution.breached} overschreden, {guaranteed.resolution.open} open."
    )
    times = []
    for priority in Priority:
        stats = sla.reaction_times.get(priority)
        if stats is not None and stats.median is not None:
            times.append(
                f"{priority.label} {hours_minutes(stats.median)} (p90 {hours_minutes(stats.p90)})"
            )
    if times:
        lines.append("*Reactietijd in werkuren (mediaan, u:mm):* " + ", ".join(times))
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"📊 SLA-rapport {label}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
    ]
    if corrections is not None and not corrections.empty:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _corrections(corrections)}}
        )
    blocks += [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Volledig rapport met grafieken: `triage report sla --month {month} "
                    f"--html rapport.html` · beschikbaarheid: `triage report availability "
                    f"--month {month}`",
                }
            ],
        },
    ]
    return SlackMessage(
        f"SLA-rapport {label}: beschikbaarheid {percent_text(availability)}, "
        f"{guaranteed.reaction.breached + guaranteed.resolution.breached} SLA-overschrijdingen",
        blocks,
    )


def _corrections(trend: CorrectionTrend) -> str:
    """How often the team changed the provisional priority, month by month, and the rows
    involved most in the last month's changes."""
    months = " · ".join(f"{m.short_label}: {m.priority_text()}" for m in trend.months)
    lines = [
        "*Correcties door het team* (voorlopige prioriteit veranderd, per maand van "
        f"ontvangst): {months}"
    ]
    last = trend.last
    if last is not None and last.decided:
        lines.append(
            f"In {last.label} nog zonder oordeel van het team: "
            f"{last.provisional - last.decided} van {last.provisional}; "
            f"categorie veranderd: {last.category_changed}."
        )
    if trend.involved:
        involved = ", ".join(item.text() for item in trend.involved)
        lines.append(f"*Meest betrokken bij de veranderingen:* {involved}")
    if trend.directions:
        lines.append(
            "*Zo veranderd:* " + ", ".join(f"{way} ({n} keer)" for way, n in trend.directions)
        )
    lines.append(
        "Hoe de regels van nu het werk van het team overdoen: `triage rules eval --from-store`; "
        "woorden die de veranderde tickets onderscheiden: `triage rules suggest`."
    )
    return "\n".join(lines)

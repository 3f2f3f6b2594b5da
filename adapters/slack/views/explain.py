"""The answer to "Waarom?" (the button on a ticket's post, and `/triage waarom N`): the text
as the rules read it with the words that set a factor in bold, each factor, the decision-table
row, the exemption, the deadlines derived in working time, the versions and the history.

Built from a `bot.explain.Explanation`; user text is escaped, every text clipped to Slack's
limits.
"""

from __future__ import annotations

from adapters.slack.blocks import (
    MAX_BLOCKS,
    Block,
    SlackMessage,
    clip,
    context,
    escape,
    fallback,
    header,
    is_user,
    section,
    user,
)
from adapters.slack.views.lists import packed
from bot.calendar import BusinessCalendar
from bot.calls import display_phone
from bot.explain import Explanation, FactorExplanation, MarkedText
from bot.nl import CHANNEL_SHORT_NL, when
from bot.textmodel import FACTOR as MODEL_FACTOR
from bot.textmodel import decided_by_model, in_doubt

WHY_USAGE = "Gebruik: `/triage waarom N` met het ticketnummer, bijvoorbeeld `/triage waarom 12`."
TEXT_MAX = 2500  # characters of the report shown (the rest is cut with "…")
_DEADLINE_TITLE = {"reaction": "Reactie", "resolution": "Oplossen"}


def bold_marks(text: MarkedText, limit: int = TEXT_MAX) -> str:
    """The text as a mrkdwn quote, escaped, with every stretch that set a factor in bold."""
    out: list[str] = []
    used = 0
    for piece, factors in text.pieces():
        if used + len(piece) > limit:
            out.append(escape(piece[: max(limit - used, 0)]) + "…")
            break
        used += len(piece)
        if factors:
            # Bold per line: a mrkdwn *...* cannot span a line break.
            piece = "\n".join(f"*{escape(p)}*" if p.strip() else p for p in piece.split("\n"))
        else:
            piece = escape(piece)
        out.append(piece)
    return "\n".join(f"> {line}".rstrip() for line in "".join(out).splitlines())


def _who(actor: str | None) -> str:
    if not actor or actor == "triage":
        return "triage"
    return user(actor) if is_user(actor) else escape(actor)


def _priority(e: Explanation, calendar: BusinessCalendar) -> str:
    head = f"*{e.priority.label} {e.category.value}*"
    if e.needs_triage and e.provisional:
        if in_doubt(e.factors):
            return (
                f"❓ Twijfel: de regels en het taalmodel zijn het oneens (tot dan {head}); "
                "beoordeel zelf (SLA 4.G)"
            )
        return f"❓ Niet herkend: geen beslisregel past (tot dan {head}); beoordeel zelf (SLA 4.G)"
    if e.provisional:
        who = "het taalmodel" if decided_by_model(e.rules) else "de regels"
        return f"{head}, voorlopig: door {who}, nog niet bevestigd (SLA 4.G)"
    if e.decided_by == "triage":
        return f"{head}: bevestigd bij binnenkomst"
    text = f"{head}: gezet door {_who(e.decided_by)} op {when(e.decided_at, calendar.tz)}"
    if e.decision_reason:
        text += f" (reden: {escape(clip(e.decision_reason, 300))})"
    if e.rules_priority is not e.priority:
        text += f"; bij binnenkomst {e.rules_priority.label}"
    return text


def _origin(e: Explanation, calendar: BusinessCalendar) -> str:
    """'e-mail · a@b.nl (Zorggroep Noord) · ontvangen ma 23 nov 09:12' (+ the phone call)."""
    sender = user(e.sender) if is_user(e.sender) else escape(display_phone(e.sender or "?"))
    organisation = f" ({escape(e.organisation)})" if e.organisation else ""
    text = (
        f"{CHANNEL_SHORT_NL.get(e.channel, e.channel)} · {sender}{organisation} · ontvangen "
        f"{when(e.received_at, calendar.tz)}"
    )
    if e.clock_start != e.received_at:
        text += f" · {e.clock_label} {when(e.clock_start, calendar.tz)} (daar start de SLA-klok)"
    return text


def _factor(f: FactorExplanation) -> str:
    if not f.words:  # the rules' own answer next to the text model's: no words set it
        return f"• `{escape(f.name)}`: {escape(f.value)}"
    found = ", ".join(f"*{escape(w)}*" for w in f.found) or "(niet teruggevonden)"
    text = f"• `{escape(f.name)}`: {escape(f.value)} ← {found}"
    if any(w not in f.found for w in f.words):
        label = "woorden van het taalmodel" if f.name == MODEL_FACTOR else "regelwoorden"
        text += f" ({label}: {escape(', '.join(f.words))})"
    if f.negated:
        text += " (ontkend)"
    if f.part == "subject":
        text += " (uit het onderwerp)"
    return text


def _row(e: Explanation) -> str:
    row = e.row
    if row is None:
        text = "*Beslisregel:* geen beslisregel paste"
    elif not row.known:
        text = (
            f"*Beslisregel:* `{escape(row.name)}` (staat niet meer in de regels van nu: de "
            "regels zijn sindsdien gewijzigd)"
        )
    else:
        outcome = row.category.value if row.category else "?"
        if row.priority:
            outcome += f", {row.priority.label}"
        lines = [
            f"*Beslisregel:* `{escape(row.name)}` → {outcome} (regel {row.position} van "
            f"{row.rows}, de eerste die past)",
            f"_{escape(row.description)}_",
        ]
        lines += [
            f"{'✓' if c.holds else '✗'} `{escape(c.name)}`: {escape(c.actual)} "
            f"(vereist: {escape(' of '.join(c.allowed))})"
            for c in row.conditions
        ]
        text = "\n".join(lines)
    if e.rules:
        text += f"\nAndere regels die afgingen: {escape(', '.join(e.rules))}"
    return text


def explanation_message(e: Explanation, calendar: BusinessCalendar) -> SlackMessage:
    """The ephemeral "Waarom?" answer for one ticket."""
    tz = calendar.tz
    title = f"Waarom #{e.ticket}: {e.priority.label} {e.category.value}"
    subject = bold_marks(e.subject, 300) if e.subject.text else "> (geen onderwerp)"
    body = bold_marks(e.body) if e.body.text else "> (geen tekst)"
    text_block = f"*Tekst zoals de regels hem lazen* (vet: zette een factor)\n{subject}\n{body}"
    if e.unread:
        text_block += f"\n_Niet gelezen: {escape(', '.join(e.unread))}_"
    factors = [_factor(f) for f in e.factors] or ["geen: geen enkel woord herkend"]
    guarantee = "nee" if e.exemption.exempt else "ja"
    deadlines = "\n".join(
        f"*{_DEADLINE_TITLE[d.deadline]}* ({escape(d.clause or 'SLA')}): "
        f"{escape(d.line(e.clock_label, tz))}"
        for d in e.deadlines
    )
    same_rules = "zelfde als nu" if e.same_rules else f"nu {e.rules_version_now}"
    same_calendar = "zelfde als nu" if e.same_calendar else f"nu {e.calendar_version_now}"
    history = [
        f"{when(h.at, tz)} · {_who(h.actor)} · {escape(h.what)}"
        + (f" (reden: {escape(clip(h.reason, 300))})" if h.reason else "")
        for h in e.history
    ]
    blocks: list[Block] = [
        header(title),
        section(_priority(e, calendar)),
        context(_origin(e, calendar)),
        section(text_block),
        packed("*Factoren* (de andere: onbekend)", factors, "factoren"),
        section(_row(e)),
        section(
            f"*SLA-garantie:* {guarantee} — {escape(e.exemption.text)} "
            f"({escape(e.exemption.clause)})"
        ),
        section("*Termijnen, in werktijd*\n" + deadlines),
        context(
            f"Versies bij de beslissing: regels {escape(e.rules_version)} ({same_rules}) · "
            f"kalender {escape(e.calendar_version)} ({same_calendar})"
        ),
        packed("*Geschiedenis*", history or ["nog niets"], "regels"),
    ]
    return SlackMessage(fallback(title), blocks[:MAX_BLOCKS])

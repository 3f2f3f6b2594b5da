"""`triage explain N` for a person (Dutch text, words that set a factor between «») and as
JSON (`--json`: the same content, times in the business time zone).

Text from outside (the report, the subject, names, reasons) goes through `printable`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.render.terminal import printable
from bot.calls import display_phone
from bot.derivation import Derivation
from bot.explain import Explanation, FactorExplanation, MarkedText
from bot.nl import CHANNEL_SHORT_NL, DEADLINE_NL, STATUS_NL, when
from bot.textmodel import FACTOR as MODEL_FACTOR
from bot.textmodel import decided_by_model, in_doubt

OPEN_MARK, CLOSE_MARK = "«", "»"
_DEADLINE_TITLE = {"reaction": "Reactie", "resolution": "Oplossen"}


def marked(text: MarkedText) -> str:
    """The text with every stretch that set a factor between « and »."""
    return "".join(
        f"{OPEN_MARK}{piece}{CLOSE_MARK}" if factors else piece for piece, factors in text.pieces()
    )


def priority_text(e: Explanation, tz: ZoneInfo) -> str:
    """'Middel storing, voorlopig (door de regels; nog niet bevestigd, SLA 4.G)' and kin."""
    head = f"{e.priority.label} {e.category.value}"
    if e.needs_triage and e.provisional:
        if in_doubt(e.factors):
            return (
                f"Twijfel: de regels en het taalmodel zijn het oneens (tot dan {head}); "
                "beoordeel zelf (SLA 4.G)"
            )
        return f"Niet herkend: geen beslisregel past (tot dan {head}); beoordeel zelf (SLA 4.G)"
    if e.provisional:
        who = "het taalmodel" if decided_by_model(e.rules) else "de regels"
        return f"{head}, voorlopig: door {who}, nog niet bevestigd (SLA 4.G)"
    if e.decided_by == "triage":
        return f"{head}: bevestigd bij binnenkomst"
    text = f"{head}: gezet door {e.decided_by} op {when(e.decided_at, tz)}"
    if e.decision_reason:
        text += f" (reden: {e.decision_reason})"
    if e.rules_priority is not e.priority:
        text += f"; bij binnenkomst {e.rules_priority.label}"
    return text


def _phoned(e: Explanation, tz: ZoneInfo) -> str:
    if e.clock_start == e.received_at:
        return ""
    return f", {e.clock_label} {when(e.clock_start, tz)} (daar start de SLA-klok)"


def _factor(f: FactorExplanation) -> str:
    if not f.words:  # the rules' own answer next to the text model's: no words set it
        return f"{f.name}: {f.value}" + (f" — {f.description}" if f.description else "")
    found = ", ".join(f"{OPEN_MARK}{w}{CLOSE_MARK}" for w in f.found) or "(niet teruggevonden)"
    rule_words = [w for w in f.words if w not in f.found]
    text = f"{f.name}: {f.value} ← {found}"
    if rule_words:
        label = "woorden van het taalmodel" if f.name == MODEL_FACTOR else "regelwoorden"
        text += f" ({label}: {', '.join(f.words)})"
    if f.negated:
        text += " (ontkend)"
    if f.part == "subject":
        text += " (uit het onderwerp)"
    if f.description:
        text += f" — {f.description}"
    return text


def explanation_text(e: Explanation, tz: ZoneInfo) -> str:
    """The whole explanation, as `triage explain N` prints it."""
    channel = CHANNEL_SHORT_NL.get(e.channel, e.channel)
    organisation = f" ({e.organisation})" if e.organisation else ""
    lines = [
        f"Waarom #{e.ticket}: {priority_text(e, tz)}",
        f"{channel}, {display_phone(e.sender or '?')}{organisation}, ontvangen "
        f"{when(e.received_at, tz, with_year=True)}{_phoned(e, tz)} · status "
        f"{STATUS_NL.get(e.status, e.status)}",
        "",
        f"Tekst zoals de regels hem lazen ({OPEN_MARK}…{CLOSE_MARK}: zette een factor):",
        f"  Onderwerp: {marked(e.subject) or '(geen)'}",
    ]
    lines += [f"  {line}" for line in marked(e.body).splitlines() or ["(geen tekst)"]]
    if e.unread:
        lines.append(f"  Niet gelezen: {', '.join(e.unread)}")
    lines += ["", "Factoren (de andere: onbekend):"]
    lines += [f"  {_factor(f)}" for f in e.factors] or ["  geen: geen enkel woord herkend"]
    lines.append("")
    row = e.row
    if row is None:
        lines.append("Beslisregel: geen beslisregel paste")
    elif not row.known:
        lines.append(
            f"Beslisregel: {row.name} (staat niet meer in de regels van nu: de regels zijn "
            "sindsdien gewijzigd)"
        )
    else:
        outcome = row.category.value if row.category else "?"
        if row.priority:
            outcome += f", {row.priority.label}"
        lines.append(
            f"Beslisregel: {row.name} → {outcome} (regel {row.position} van {row.rows}, de "
            f"eerste die past; {row.file}:{row.line})"
        )
        lines.append(f"  {row.description}")
        for c in row.conditions:
            sign = "✓" if c.holds else "✗"
            lines.append(f"  {sign} {c.name}: {c.actual} (vereist: {' of '.join(c.allowed)})")
    if e.rules:
        lines.append(f"Andere regels die afgingen: {', '.join(e.rules)}")
    guarantee = "nee" if e.exemption.exempt else "ja"
    lines += ["", f"SLA-garantie: {guarantee} — {e.exemption.text} ({e.exemption.clause})", ""]
    lines.append("Termijnen, in werktijd (werkdagen, kantooruren):")
    for d in e.deadlines:
        lines.append(f"  {_DEADLINE_TITLE[d.deadline]} ({d.clause or 'SLA'}):")
        lines.append(f"    {d.line(e.clock_label, tz)}")
    lines += [
        "",
        f"Versies bij de beslissing: regels {e.rules_version} "
        f"({'zelfde als nu' if e.same_rules else f'nu {e.rules_version_now}'}), kalender "
        f"{e.calendar_version} "
        f"({'zelfde als nu' if e.same_calendar else f'nu {e.calendar_version_now}'})",
        "",
        "Geschiedenis:",
    ]
    for h in e.history:
        reason = f" (reden: {h.reason})" if h.reason else ""
        lines.append(
            f"  {when(h.at, tz, with_year=True)} · {h.actor or 'triage'} · {h.what}{reason}"
        )
    return printable("\n".join(lines), newlines=True)


# -- JSON ------------------------------------------------------------------------------------
def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def _text(text: MarkedText) -> dict[str, Any]:
    return {
        "text": text.text,
        "marks": [
            {
                "start": m.start,
                "end": m.end,
                "text": text.text[m.start : m.end],
                "factors": list(m.factors),
            }
            for m in text.marks
        ],
    }


def _day(day: date) -> str:
    return day.isoformat()


def _derivation(d: Derivation, label: str, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "target": d.target,
        "clause": d.clause,
        "start": _local(d.start, tz),
        "due": _local(d.due, tz),
        "stored": _local(d.stored, tz),
        "matches": d.matches,
        "steps": [
            {
                "day": _day(s.day),
                "from": _local(s.start, tz),
                "to": _local(s.end, tz),
                "minutes": round(s.counted.total_seconds() / 60),
                "skipped": s.skipped,
            }
            for s in d.steps
        ],
        "release": list(d.release),
        "text": d.line(label, tz),
    }


def explanation_json(e: Explanation, tz: ZoneInfo) -> dict[str, Any]:
    """The explanation as JSON-ready data (`triage explain N --json`)."""
    row = e.row
    return {
        "ticket": e.ticket,
        "status": e.status,
        "channel": e.channel,
        "sender": e.sender,
        "organisation": e.organisation,
        "priority": e.priority.value,
        "category": e.category.value,
        "provisional": e.provisional,
        "needs_triage": e.needs_triage,
        "decided_by": e.decided_by,
        "decided_at": _local(e.decided_at, tz),
        "decision_reason": e.decision_reason,
        "priority_at_receipt": e.rules_priority.value,
        "subject": _text(e.subject),
        "body": _text(e.body),
        "unread": list(e.unread),
        "factors": [
            {
                "name": f.name,
                "value": f.value,
                "words": list(f.words),
                "found": list(f.found),
                "part": f.part,
                "negated": f.negated,
                "description": f.description,
            }
            for f in e.factors
        ],
        "decision": row.name if row else None,
        "decision_row": None
        if row is None
        else {
            "name": row.name,
            "in_current_rules": row.known,
            "description": row.description,
            "category": row.category.value if row.category else None,
            "priority": row.priority.value if row.priority else None,
            "file": row.file,
            "line": row.line,
            "position": row.position,
            "rows": row.rows,
            "conditions": [
                {"name": c.name, "allowed": list(c.allowed), "actual": c.actual, "holds": c.holds}
                for c in row.conditions
            ],
        },
        "rules": list(e.rules),
        "exemption": {
            "exempt": e.exemption.exempt,
            "reason": e.exemption.text,
            "clause": e.exemption.clause,
        },
        "received_at": _local(e.received_at, tz),
        "clock_start": _local(e.clock_start, tz),
        "clock_label": e.clock_label,
        "deadlines": {
            d.deadline: {"name": DEADLINE_NL[d.deadline], **_derivation(d, e.clock_label, tz)}
            for d in e.deadlines
        },
        "versions": {
            "rules": e.rules_version,
            "calendar": e.calendar_version,
            "rules_now": e.rules_version_now,
            "calendar_now": e.calendar_version_now,
        },
        "history": [
            {"at": _local(h.at, tz), "actor": h.actor, "what": h.what, "reason": h.reason}
            for h in e.history
        ],
    }

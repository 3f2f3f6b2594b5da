"""Why a ticket got its priority, category, exemption and deadlines (`triage explain N`).

From the stored ticket alone: its report read again as the rules read it (bot/reading.py: the
newest text, the subject apart), the words of each stored factor found again in that text and
marked, the decision-table row with each condition against the factor values, the exemption
with its SLA clause, each deadline derived step by step in working time (bot/derivation.py),
the rule and calendar versions stored with the decision, and the ticket's history.

The decision is explained as it was made: its factors and words are the stored ones, never
re-read with today's rules. Only what the store does not keep (a row's conditions, the SLA
targets, the calendar) comes from the rules and settings as they are now; the versions say
whether those are the same, and a derivation that does not arrive at the stored deadline says
so instead of pretending.

Pure: `explain` takes the store's rows and the calendars; `load_explanation` only gathers those
rows from a store it is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.calendar import BusinessCalendar, ReleaseCalendar
from bot.derivation import REACTION, RESOLUTION, Derivation, derive
from bot.directory import Match
from bot.engine.loader import RuleSet
from bot.engine.schema import UNKNOWN, SlaTarget
from bot.engine.words import Hit, WordMatcher, token_spans
from bot.errors import UnknownTicket
from bot.models import Category, Channel, Factor, Priority, Report
from bot.nl import CHANNEL_NL, when
from bot.pipeline import Triage
from bot.reading import read_report
from bot.store import Store
from bot.textmodel import DESCRIPTION as MODEL_DESCRIPTION
from bot.textmodel import FACTOR as MODEL_FACTOR
from bot.textmodel import RULES_DESCRIPTION, RULES_FACTOR
from bot.tickets import HistoryEntry, TicketView


class DecisionRecord(BaseModel):
    """One stored decision (a row of the `decisions` table), as `explain` reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: int
    kind: str
    priority: Priority
    category: Category
    provisional: bool
    exempt: bool
    exempt_reason: str | None
    reaction_due: datetime | None
    resolution_due: datetime | None
    rules: tuple[str, ...]
    rules_version: str
    calendar_version: str
    decided_by: str
    decided_at: datetime
    reason: str | None = None
    needs_triage: bool = False
    decision_row: str | None = None
    factors: tuple[Factor, ...] = ()

    @field_validator("rules", "factors", mode="before")
    @classmethod
    def _json_column(cls, value: object) -> object:
        # The store keeps these two as JSON text.
        return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Mark:
    """A stretch of a text that set factors: character offsets, and which factors."""

    start: int
    end: int
    factors: tuple[str, ...]


@dataclass(frozen=True)
class MarkedText:
    """A text as the rules read it, with the words that set factors marked."""

    text: str
    marks: tuple[Mark, ...] = ()

    def pieces(self) -> list[tuple[str, tuple[str, ...]]]:
        """The text in order as (piece, factors it set); unmarked pieces have no factors."""
        out: list[tuple[str, tuple[str, ...]]] = []
        position = 0
        for mark in self.marks:
            if mark.start > position:
                out.append((self.text[position : mark.start], ()))
            out.append((self.text[mark.start : mark.end], mark.factors))
            position = mark.end
        if position < len(self.text):
            out.append((self.text[position:], ()))
        return out


@dataclass(frozen=True)
class FactorExplanation:
    """One factor as the decision read it: its value, the rule words that set it, and those
    words as they stand in the report ("inlogen" for the rule word "inloggen")."""

    name: str
    value: str
    words: tuple[str, ...]
    found: tuple[str, ...]
    part: str  # body or subject
    negated: bool
    description: str = ""


@dataclass(frozen=True)
class Condition:
    """One condition of the decision-table row against the report's value."""

    name: str
    allowed: tuple[str, ...]
    actual: str
    holds: bool


@dataclass(frozen=True)
class RowExplanation:
    """The decision-table row that decided; `known` False when today's rules lack it."""

    name: str
    known: bool
    description: str = ""
    conditions: tuple[Condition, ...] = ()
    category: Category | None = None
    priority: Priority | None = None
    file: str = ""
    line: int = 0
    position: int = 0  # 1 = the first row of the table
    rows: int = 0


@dataclass(frozen=True)
class Exemption:
    """SLA 4.D: exempt or guaranteed, why, and the clause."""

    exempt: bool
    text: str
    clause: str


@dataclass(frozen=True)
class HistoryLine:
    """Who changed what, when and why."""

    at: datetime
    actor: str | None
    what: str
    reason: str | None = None


@dataclass(frozen=True)
class Explanation:
    """Everything `triage explain N` and the Slack "Waarom?" answer show."""

    ticket: int
    status: str
    channel: str
    sender: str
    organisation: str | None
    received_at: datetime
    subject: MarkedText
    body: MarkedText
    unread: tuple[str, ...]  # parts of the mail the rules did not read
    priority: Priority
    category: Category
    provisional: bool
    needs_triage: bool
    decided_by: str
    decided_at: datetime
    decision_reason: str | None
    rules_priority: Priority  # the priority when the ticket came in (the rules', as a rule)
    rules: tuple[str, ...]  # rules that fired besides the row
    factors: tuple[FactorExplanation, ...]
    row: RowExplanation | None
    exemption: Exemption
    clock_start: datetime
    clock_label: str  # "ontvangen" or "telefonisch gemeld"
    deadlines: tuple[Derivation, ...]
    rules_version: str
    calendar_version: str
    rules_version_now: str
    calendar_version_now: str
    history: tuple[HistoryLine, ...]

    @property
    def same_rules(self) -> bool:
        return self.rules_version == self.rules_version_now

    @property
    def same_calendar(self) -> bool:
        return self.calendar_version == self.calendar_version_now


def load_explanation(store: Store, triage: Triage, ticket_id: int) -> Explanation:
    """Gather ticket `ticket_id`'s rows from `store` and explain them; UnknownTicket when
    there is no such ticket."""
    if not store.ticket_exists(ticket_id):
        raise UnknownTicket(f"Ticket #{ticket_id} bestaat niet.")
    view = store.ticket_view(ticket_id)
    records = [DecisionRecord.model_validate(row) for row in store.decisions(ticket_id)]
    who = triage.directory.identify(view.channel.value, view.sender)
    return explain(
        view,
        store.report_of(ticket_id),
        records,
        store.history(ticket_id),
        triage.engine.rule_set,
        who,
        triage.calendar,
        triage.releases,
    )


def explain(
    ticket: TicketView,
    report: Report,
    decisions: Sequence[DecisionRecord],
    history: Sequence[HistoryEntry],
    rule_set: RuleSet,
    who: Match,
    calendar: BusinessCalendar,
    releases: ReleaseCalendar,
) -> Explanation:
    """The explanation of `ticket`'s current decision (the last of `decisions`)."""
    current = next(d for d in decisions if d.id == ticket.decision_id)
    # Who set the priority: a phone call that made the ticket guaranteed keeps the priority
    # (and whether it was confirmed) of the decision before it.
    upto = [d for d in decisions if d.id <= current.id]
    setter = next((d for d in reversed(upto) if d.kind != "phone_link"), current)
    read = read_report(report.subject, report.body)
    subject, subject_found = mark(read.subject, [f for f in current.factors if f.part == "subject"])
    body, body_found = mark(read.body, [f for f in current.factors if f.part != "subject"])
    found = {**body_found, **subject_found}
    specs = rule_set.factors.factors
    factors = tuple(
        FactorExplanation(
            f.name,
            f.value,
            f.words,
            found.get(f.name, ()),
            f.part,
            f.negated,
            specs[f.name].description if f.name in specs else _MODEL.get(f.name, ""),
        )
        for f in current.factors
    )
    values = {f.name: f.value for f in current.factors}
    values["channel"] = ticket.channel.value
    values["organisation"] = ticket.organisation or ""
    sla = rule_set.sla
    target: SlaTarget = sla.target(current.category, current.priority)
    if current.needs_triage and sla.unrecognised is not None:
        target = sla.unrecognised
    start = ticket.clock_start
    deadlines = (
        derive(
            REACTION,
            target.reaction,
            target.clause,
            start,
            current.reaction_due,
            calendar,
            releases,
        ),
        derive(
            RESOLUTION,
            target.resolution,
            target.clause,
            start,
            current.resolution_due,
            calendar,
            releases,
        ),
    )
    return Explanation(
        ticket=ticket.id,
        status=ticket.status,
        channel=ticket.channel.value,
        sender=ticket.sender,
        organisation=who.organisation.name if who.organisation else ticket.organisation,
        received_at=ticket.received_at,
        subject=subject,
        body=body,
        unread=_unread(read.quoted, read.signature, read.disclaimer),
        priority=current.priority,
        category=current.category,
        provisional=current.provisional,
        needs_triage=current.needs_triage,
        decided_by=setter.decided_by,
        decided_at=setter.decided_at,
        decision_reason=setter.reason,
        rules_priority=decisions[0].priority,
        rules=tuple(r for r in current.rules if r != current.decision_row),
        factors=factors,
        row=_row(current.decision_row, rule_set, values),
        exemption=_exemption(ticket, current, rule_set, who, calendar),
        clock_start=start,
        clock_label="telefonisch gemeld" if ticket.sla_start is not None else "ontvangen",
        deadlines=deadlines,
        rules_version=current.rules_version,
        calendar_version=current.calendar_version,
        rules_version_now=rule_set.version,
        calendar_version_now=releases.version,
        history=tuple(history_line(e, calendar) for e in history),
    )


_MODEL = {MODEL_FACTOR: MODEL_DESCRIPTION, RULES_FACTOR: RULES_DESCRIPTION}


# -- the text with its words marked ----------------------------------------------------------
def mark(text: str, factors: Sequence[Factor]) -> tuple[MarkedText, dict[str, tuple[str, ...]]]:
    """`text` with the stored words of `factors` found again and marked, and per factor the
    words as they stand in the text.

    The words are the ones stored with the decision (not today's rules), matched the way the
    rules match them (typos, wildcards, phrases with gaps). A factor set by a negated word
    ("niet iedereen") marks its negated occurrences; any other factor the plain ones (or,
    for a factor that ignores negation, every occurrence)."""
    terms = {word for f in factors for word in f.words}
    spans = token_spans(text) if terms and text else None
    if not spans:
        return MarkedText(text), {}
    hits = WordMatcher(terms).find(text)
    stretches: list[tuple[int, int, str]] = []
    found: dict[str, tuple[str, ...]] = {}
    for factor in factors:
        own = [h for h in hits if h.term in factor.words]
        chosen = _chosen(own, factor.negated)
        places = [(spans[h.start][0], spans[h.end - 1][1]) for h in chosen]
        stretches.extend((start, end, factor.name) for start, end in places)
        found[factor.name] = tuple(dict.fromkeys(" ".join(text[s:e].split()) for s, e in places))
    return MarkedText(text, _merged(stretches)), found


def _chosen(hits: list[Hit], negated: bool) -> list[Hit]:
    if negated:
        return [h for h in hits if h.negated]
    plain = [h for h in hits if not h.negated]
    return plain or hits


def _merged(stretches: list[tuple[int, int, str]]) -> tuple[Mark, ...]:
    """Overlapping stretches as one mark naming all their factors."""
    marks: list[Mark] = []
    for start, end, name in sorted(stretches):
        if marks and start < marks[-1].end:
            last = marks[-1]
            names = last.factors if name in last.factors else (*last.factors, name)
            marks[-1] = Mark(last.start, max(last.end, end), names)
        else:
            marks.append(Mark(start, end, (name,)))
    return tuple(marks)


def _unread(quoted: str, signature: str, disclaimer: str) -> tuple[str, ...]:
    out = []
    for label, text in (
        ("geciteerde eerdere mail", quoted),
        ("ondertekening", signature),
        ("disclaimer", disclaimer),
    ):
        lines = len([line for line in text.splitlines() if line.strip()])
        if lines:
            out.append(f"{label} ({lines} {'regel' if lines == 1 else 'regels'})")
    return tuple(out)


# -- the decision-table row, the exemption ---------------------------------------------------
def _row(name: str | None, rule_set: RuleSet, values: Mapping[str, str]) -> RowExplanation | None:
    if name is None:
        return None
    rows = rule_set.decisions
    loaded = next((r for r in rows if r.name == name), None)
    if loaded is None:
        return RowExplanation(name, known=False, rows=len(rows))
    conditions = tuple(
        Condition(key, allowed, values.get(key, UNKNOWN), values.get(key, UNKNOWN) in allowed)
        for key, allowed in loaded.row.when.items()
    )
    return RowExplanation(
        name,
        known=True,
        description=" ".join(loaded.row.description.split()),
        conditions=conditions,
        category=loaded.row.then.category,
        priority=loaded.row.then.priority,
        file=loaded.file,
        line=loaded.line,
        position=loaded.index + 1,
        rows=len(rows),
    )


def _exemption(
    ticket: TicketView,
    decision: DecisionRecord,
    rule_set: RuleSet,
    who: Match,
    calendar: BusinessCalendar,
) -> Exemption:
    """Why the ticket is exempt or guaranteed (SLA 4.D, with 3.C for callers)."""
    if decision.exempt:
        clause = "SLA 4.D en 3.C" if "3.C" in (decision.exempt_reason or "") else "SLA 4.D"
        return Exemption(True, decision.exempt_reason or "geen garantie", clause)
    rule = rule_set.sla.phone_rule
    label = f"{decision.priority.label}-{decision.category.value}"
    if decision.category not in rule.categories or decision.priority not in rule.priorities:
        under = " en ".join(
            [", ".join(p.label for p in rule.priorities[:-1]), rule.priorities[-1].label]
            if len(rule.priorities) > 1
            else [p.label for p in rule.priorities]
        )
        kinds = ", ".join(c.value for c in rule.categories)
        return Exemption(
            False,
            f"geen belplicht: SLA 4.D geldt alleen voor {under} ({kinds}); dit is {label}",
            "SLA 4.D",
        )
    if ticket.sla_start is not None:
        return Exemption(
            False,
            "gegarandeerd sinds een afgesproken contactpersoon het telefonisch meldde op "
            f"{when(ticket.sla_start, calendar.tz)}; de termijnen lopen vanaf dat gesprek",
            "SLA 4.D",
        )
    if who.organisation is not None and who.organisation.phone_not_required:
        return Exemption(
            False,
            f"gegarandeerd: het contract van {who.organisation.name} vraagt geen telefonische "
            "melding (phone_not_required)",
            "SLA 4.D",
        )
    if who.contact is not None:
        return Exemption(
            False,
            f"gegarandeerd: {label} telefonisch gemeld door afgesproken contactpersoon "
            f"{who.contact.name}",
            "SLA 3.C en 4.D",
        )
    return Exemption(False, "gegarandeerd", "SLA 4.D")


# -- history -------------------------------------------------------------------------------
_CHANNELS = {c.value for c in Channel}


def _label(value: object) -> str:
    try:
        return Priority(str(value)).label
    except ValueError:
        return str(value)


def _due_text(data: Mapping[str, Any], calendar: BusinessCalendar) -> str:
    parts = []
    for key, name in (("reaction_due", "reactie"), ("resolution_due", "oplossen")):
        if key in data:
            value = data[key]
            at = datetime.fromisoformat(value) if isinstance(value, str) else None
            parts.append(f"{name} {when(at, calendar.tz)}")
    return f"; termijnen: {', '.join(parts)}" if parts else ""


def history_line(entry: HistoryEntry, calendar: BusinessCalendar) -> HistoryLine:
    """One history event in Dutch: what happened (the actor and the reason apart)."""
    data = entry.data
    reason = str(data["reason"]) if data.get("reason") else None
    kind = entry.kind
    if kind == "created":
        channel = str(data.get("channel", ""))
        via = CHANNEL_NL[Channel(channel)] if channel in _CHANNELS else channel
        what = (
            f"ticket aangemaakt (via {via}): {_label(data.get('priority', '?'))} "
            f"{data.get('category', '?')}"
        )
    elif kind == "confirmed":
        what = f"prioriteit bevestigd: {_label(data.get('to', data.get('priority', '?')))}"
    elif kind == "priority":
        what = f"prioriteit {_label(data.get('from', '?'))} → {_label(data.get('to', '?'))}"
        what += _due_text(data, calendar)
    elif kind == "category":
        what = (
            f"categorie {data.get('from', '?')} → {data.get('to', '?')} "
            f"(prioriteit {_label(data.get('priority', '?'))})" + _due_text(data, calendar)
        )
    elif kind == "assigned":
        what = "opgepakt" + (" (eerste reactie)" if data.get("first_reaction") else "")
    elif kind == "resolved":
        what = "opgelost"
    elif kind == "reply":
        what = f"reactie van de melder: {' '.join(str(data.get('subject', '')).split())[:150]}"
    elif kind == "auto_reply":
        what = "automatisch antwoord van de melder (afwezig, bounce): niet beantwoord"
    elif kind == "phone_link":
        contact = data.get("contact") or data.get("caller") or "?"
        what = (
            f"telefonisch gemeld door afgesproken contactpersoon {contact}: vanaf dat gesprek "
            "gegarandeerd (SLA 4.D)" + _due_text(data, calendar)
        )
    elif kind == "phone_call":
        what = "telefoongesprek over het ticket"
        if data.get("guaranteed") is False and reason:
            what += "; de garantie veranderde niet"
    elif kind == "outage":
        what = f"storingsvenster #{data.get('outage', '?')} gestart"
    else:
        what = kind
    return HistoryLine(entry.at, entry.actor, what, reason)

"""`triage rules diff` output: the summary and every changed ticket, in Dutch or as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.render.terminal import printable
from bot.classify_io import decision_json
from bot.nl import ASPECT_NL, nl_number, replay_change, replay_verdict, short_date, when
from bot.replay import ASPECTS, FactorShift, Tally, TicketChange, rules_said


@dataclass(frozen=True)
class DiffSource:
    """What was replayed through what: for the heading of the output."""

    db: str
    rules_dir: str
    rules_version: str
    since: date | None


def diff_text(tally: Tally, source: DiffSource, tz: ZoneInfo) -> str:
    """The summary, then one block per changed ticket."""
    since = ""
    if source.since:
        since = f", ontvangen sinds {short_date(source.since)} {source.since.year}"
    lines = [
        f"Opnieuw beoordeeld: {_tickets(tally.replayed)} uit {printable(source.db)}{since}, "
        f"met de regels in {printable(source.rules_dir)} ({source.rules_version}).",
        f"Vergeleken met hun eerste beoordeling door de regels: deze regels {_verdict(tally)}.",
    ]
    if tally.changes:
        per_aspect = ", ".join(f"{ASPECT_NL[a]} {nl_number(tally.count(a))}" for a in ASPECTS)
        lines.append(f"Anders per onderdeel: {per_aspect}.")
    team = f"Door het team gewijzigd sinds de eerste beoordeling: {_tickets(tally.team_changed)}."
    agree = sum(c.agrees_with_team for c in tally.changes)
    if agree:
        team += f" Bij {nl_number(agree)} daarvan geven deze regels nu wat het team koos."
    lines.append(team)
    if tally.other_calendar:
        lines.append(
            f"Let op: {_tickets(tally.other_calendar)} "
            + ("kreeg zijn" if tally.other_calendar == 1 else "kregen hun")
            + " eerste beoordeling met een andere kalender (feestdagen, openingstijden, "
            "releases); de termijnen kunnen ook daardoor verschillen."
        )
    for change in sorted(tally.changes, key=lambda c: c.ticket):
        lines += ["", *_change(change, tz)]
    return "\n".join(lines)


def _tickets(amount: int) -> str:
    return f"{nl_number(amount)} {'ticket' if amount == 1 else 'tickets'}"


def _verdict(tally: Tally) -> str:
    return replay_verdict(
        len(tally.changes),
        tally.replayed,
        [(c.count, replay_change(c.aspect, c.before, c.after)) for c in tally.counts()],
        verb="zouden",
    )


def _change(change: TicketChange, tz: ZoneInfo) -> list[str]:
    before, after = change.before, change.after
    lines = [f"#{change.ticket}  {when(change.received_at, tz)}  «{printable(change.subject)}»"]
    what = []
    for aspect in change.aspects:
        if aspect == "priority":
            what.append(
                f"prioriteit {replay_change(aspect, before.priority.value, after.priority.value)}"
            )
        elif aspect == "category":
            what.append(
                f"categorie {replay_change(aspect, before.category.value, after.category.value)}"
            )
        elif aspect == "exempt":
            what.append(replay_change(aspect, _yes(before.exempt), _yes(after.exempt)))
        elif aspect == "recognised":
            what.append(
                replay_change(aspect, _yes(not before.needs_triage), _yes(not after.needs_triage))
            )
        elif aspect == "rules":
            what.append(replay_change(aspect, rules_said(before), rules_said(after)))
    lines.append("    " + "; ".join(what or ["alleen andere termijnen"]))
    if "deadlines" in change.aspects:
        for name, was, now in (
            ("reactie", before.reaction_due, after.reaction_due),
            ("oplossen", before.resolution_due, after.resolution_due),
        ):
            if was != now:
                lines.append(f"    {name}: {when(was, tz)} → {when(now, tz)}")
    if before.organisation != after.organisation:
        # config/organisations.yaml changed since: the exemption and deadlines follow it.
        lines.append(f"    organisatie {before.organisation or '-'} → {after.organisation or '-'}")
    row_before, row_after = change.rows
    if row_before != row_after:
        lines.append(f"    beslisregel {_row(row_before)} → {_row(row_after)}")
    elif row_after is not None:
        lines.append(f"    beslisregel {row_after} (voor en na)")
    if change.rules_gone:
        lines.append(f"    regels niet meer: {printable(', '.join(change.rules_gone))}")
    if change.rules_new:
        lines.append(f"    regels nu ook: {printable(', '.join(change.rules_new))}")
    lines += [f"    {_shift(shift)}" for shift in change.factors]
    if change.calendar_changed and "deadlines" in change.aspects:
        lines.append("    (eerste beoordeling met een andere kalender)")
    if change.team is not None:
        priority, category = change.team
        agree = " (de regels geven dat nu ook)" if change.agrees_with_team else ""
        lines.append(f"    het team koos: {priority.label}, {category.value}{agree}")
    return lines


def _row(name: str | None) -> str:
    return name or "geen (niet herkend of een woordregel)"


def _shift(shift: FactorShift) -> str:
    def side(value: str, words: tuple[str, ...]) -> str:
        return f"{value} ({', '.join(f'«{w}»' for w in words[:3])})" if words else value

    text = (
        f"{shift.name}: {side(shift.before, shift.words_before)} → "
        f"{side(shift.after, shift.words_after)}"
    )
    return printable(text)


def _yes(value: bool) -> str:
    return "ja" if value else "nee"


def diff_json(tally: Tally, source: DiffSource, tz: ZoneInfo) -> dict[str, Any]:
    """The same as one JSON object; decisions as `triage classify` prints them."""
    return {
        "db": source.db,
        "rules_dir": source.rules_dir,
        "rules_version": source.rules_version,
        "since": source.since.isoformat() if source.since else None,
        "replayed": tally.replayed,
        "changed": len(tally.changes),
        "counts": {aspect: tally.count(aspect) for aspect in ASPECTS},
        "transitions": [c.model_dump(mode="json") for c in tally.counts()],
        "team_changed": tally.team_changed,
        "other_calendar": tally.other_calendar,
        "changes": [_change_json(c, tz) for c in sorted(tally.changes, key=lambda c: c.ticket)],
    }


def _change_json(change: TicketChange, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "ticket": change.ticket,
        "received_at": _local(change.received_at, tz),
        "subject": change.subject,
        "aspects": list(change.aspects),
        "before": decision_json(change.before, tz),
        "after": decision_json(change.after, tz),
        "rows": {"before": change.rows[0], "after": change.rows[1]},
        "rules_gone": list(change.rules_gone),
        "rules_new": list(change.rules_new),
        "factors": [shift.model_dump(mode="json") for shift in change.factors],
        "team": (
            {"priority": change.team[0].value, "category": change.team[1].value}
            if change.team
            else None
        ),
        "calendar_changed": change.calendar_changed,
    }


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat()

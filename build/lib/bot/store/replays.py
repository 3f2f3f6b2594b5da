"""Stored tickets as the rules first decided them, for replaying them through other rules.

`triage rules diff` and the reload announcement compare what rules would decide now with
what the rules decided then: each ticket's report as stored, its *first* decision (the rules'
own output, before anyone in the team confirmed or changed it) and, when the team later
changed the priority or category (SLA 4.G), the team's current decision.

Rows come in pages by ticket id, so 50,000 tickets are never held in memory at once and the
store's lock is held for one page at a time; the text is handed out unparsed (JSON), so the
work of reading it can be done by the worker processes that replay it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.models import Category, Decision, Factor, Priority, Report
from bot.store.db import Database, iso, moment

# Decision kinds that are a person's change of the rules' outcome (bot/desk.py): a changed
# priority and a changed category. A confirmation keeps the outcome; a phone link (4.D)
# changes the deadlines, not the judgement of the report.
TEAM_CHANGES = ("changed", "category")
PAGE = 1000

_FIRST = "(SELECT MIN(f.id) FROM decisions f WHERE f.ticket_id = t.id)"
_TEAM = (
    "EXISTS (SELECT 1 FROM decisions x WHERE x.ticket_id = t.id AND x.kind IN "
    f"({', '.join(repr(k) for k in TEAM_CHANGES)}))"
)


@dataclass(frozen=True)
class ReplayRow:
    """One ticket to replay: its report and first decision as stored (plain values).

    `team`: the team's current (priority, category) when the team changed either since.
    """

    ticket: int
    organisation: str | None
    payload: str  # the Report as JSON, exactly as stored
    decision: dict[str, object]  # the first decision's columns (times as stored, UTC ISO)
    team: tuple[str, str] | None

    def report(self) -> Report:
        """The report exactly as it was stored."""
        return Report.model_validate_json(self.payload)

    def first_decision(self) -> Decision:
        """The rules' first decision, as stored."""
        d = self.decision
        return Decision(
            priority=Priority(str(d["priority"])),
            category=Category(str(d["category"])),
            provisional=bool(d["provisional"]),
            exempt=bool(d["exempt"]),
            exempt_reason=_text(d["exempt_reason"]),
            unagreed_caller=bool(d["unagreed_caller"]),
            reaction_due=moment(_text(d["reaction_due"])),
            resolution_due=moment(_text(d["resolution_due"])),
            rules=tuple(json.loads(str(d["rules"]))),
            organisation=self.organisation,
            rules_version=str(d["rules_version"]),
            calendar_version=str(d["calendar_version"]),
            needs_triage=bool(d["needs_triage"]),
            decision=_text(d["decision_row"]),
            factors=tuple(Factor.model_validate(f) for f in json.loads(str(d["factors"]))),
        )


class Replays(Database):
    """Reads for replaying stored tickets (a mixin of Store)."""

    def replay_count(self, since: datetime | None = None) -> int:
        """How many tickets `replay_rows(since)` hands out."""
        row = self._row(
            "SELECT COUNT(*) AS n FROM tickets t WHERE t.received_at >= ?", (_start(since),)
        )
        return int(row["n"]) if row else 0

    def replay_rows(self, since: datetime | None = None, page: int = PAGE) -> Iterator[ReplayRow]:
        """Tickets received at or after `since` (all when None), by ticket id."""
        last = 0
        while True:
            rows = self._rows(
                "SELECT t.id AS ticket, t.organisation, r.payload, d.priority, d.category, "
                "d.provisional, d.exempt, d.exempt_reason, d.unagreed_caller, d.reaction_due, "
                "d.resolution_due, d.rules, d.rules_version, d.calendar_version, "
                "d.needs_triage, d.decision_row, d.factors, "
                f"{_TEAM} AS team_changed, c.priority AS team_priority, "
                "c.category AS team_category "
                "FROM tickets t JOIN reports r ON r.id = t.report_id "
                f"JOIN decisions d ON d.id = {_FIRST} "
                "JOIN decisions c ON c.id = t.decision_id "
                "WHERE t.id > ? AND t.received_at >= ? ORDER BY t.id LIMIT ?",
                (last, _start(since), page),
            )
            for row in rows:
                values = dict(row)
                changed = values.pop("team_changed")
                team = (values.pop("team_priority"), values.pop("team_category"))
                yield ReplayRow(
                    ticket=values.pop("ticket"),
                    organisation=values.pop("organisation"),
                    payload=values.pop("payload"),
                    decision=values,
                    team=team if changed else None,
                )
            if len(rows) < page:
                return
            last = int(rows[-1]["ticket"])


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _start(since: datetime | None) -> str:
    # Stored times are UTC ISO text, so text order is time order; "" is before every one.
    return iso(since) or ""

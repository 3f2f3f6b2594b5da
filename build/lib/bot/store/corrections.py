"""The team's corrections of the rules: each ticket's first decision next to the team's last.

For `triage rules eval --from-store`, `triage rules suggest`, the monthly Slack post and the
HTML report (bot/corrections.py computes on what this hands out).
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.corrections import Correction
from bot.models import Category, Priority
from bot.store.db import Database, iso, moment

# The kinds of decision a person makes in Slack (Desk.set_priority, Desk.set_category);
# a phone link keeps the priority's status and is not the team's word on it.
TEAM_KINDS = ("confirmed", "changed", "category")


class Corrections(Database):
    """Reads of the decisions table for learning from corrections (a mixin of Store)."""

    def corrections(self, as_of: datetime | None = None, texts: bool = True) -> list[Correction]:
        """Every ticket whose first decision was the rules' provisional one, with the last
        decision a person made on it before `as_of` (default: any time), by receipt; without
        `texts` the subject and body are left empty (the trend does not read them)."""
        kinds = ", ".join("?" * len(TEAM_KINDS))
        before = " AND x.decided_at < ?" if as_of is not None else ""
        params: list[object] = [*TEAM_KINDS]
        if as_of is not None:
            params.append(iso(as_of))
        text = "r.subject, r.body" if texts else "'' AS subject, '' AS body"
        rows = self._rows(
            f"SELECT t.id, t.received_at, {text}, "
            "f.priority, f.category, f.decision_row, f.rules, f.needs_triage, "
            "p.priority AS team_priority, p.category AS team_category, p.decided_by, "
            "p.decided_at "
            "FROM tickets t JOIN reports r ON r.id = t.report_id "
            "JOIN decisions f ON f.id = "
            "  (SELECT MIN(y.id) FROM decisions y WHERE y.ticket_id = t.id) "
            "LEFT JOIN decisions p ON p.id = "
            "  (SELECT MAX(x.id) FROM decisions x WHERE x.ticket_id = t.id "
            f"   AND x.kind IN ({kinds}) AND x.decided_by <> 'triage'{before}) "
            "WHERE f.kind = 'provisional' ORDER BY t.received_at, t.id",
            tuple(params),
        )
        return [
            Correction(
                ticket_id=row["id"],
                received_at=datetime.fromisoformat(row["received_at"]),
                subject=row["subject"],
                body=row["body"],
                priority=Priority(row["priority"]),
                category=Category(row["category"]),
                decision_row=row["decision_row"],
                rules=tuple(json.loads(row["rules"])),
                needs_triage=bool(row["needs_triage"]),
                team_priority=Priority(row["team_priority"]) if row["team_priority"] else None,
                team_category=Category(row["team_category"]) if row["team_category"] else None,
                decided_by=row["decided_by"],
                decided_at=moment(row["decided_at"]),
            )
            for row in rows
        ]

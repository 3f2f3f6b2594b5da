"""Tickets as people and reports read them: the ticket list, ticket views, decision history,
history events, and the facts the SLA report computes on (as the store knew them then).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.errors import StoreError
from bot.models import Category, Channel, Factor, Priority, Report
from bot.reading import read_report
from bot.reports.sla import TicketFacts
from bot.store.backend import Row
from bot.store.db import Database, iso, moment
from bot.store.rows import TicketRow
from bot.tickets import HistoryEntry, TicketView


def _excerpt(subject: str, body: str, limit: int = 300) -> str:
    """The heart of the report's newest text (no greeting, no quoted mail), for a Slack post."""
    return read_report(subject, body).heart(limit)


# A ticket with its current decision and the body of its report; the names are TicketView's.
_VIEW_SQL = (
    "SELECT t.id, t.status, t.channel, t.subject, t.sender, r.body, t.received_at, "
    "d.priority, d.category, d.provisional, d.exempt, d.exempt_reason, d.reaction_due, "
    "d.resolution_due, d.rules, d.id AS decision_id, d.decided_by, d.reason AS decision_reason, "
    "t.organisation, t.assignee, t.reacted_at, t.resolved_at, t.sla_start, d.decided_at, "
    "d.needs_triage, d.decision_row, d.factors, "
    # Who resolved it: the actor of its latest "resolved" event (the ticket row has no column).
    "(SELECT e.actor FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'resolved' "
    " ORDER BY e.id DESC LIMIT 1) AS resolved_by "
    "FROM tickets t JOIN decisions d ON d.id = t.decision_id "
    "JOIN reports r ON r.id = t.report_id"
)


def _view(row: Row) -> TicketView:
    return TicketView(
        id=row["id"],
        status=row["status"],
        channel=Channel(row["channel"]),
        subject=row["subject"],
        sender=row["sender"],
        excerpt=_excerpt(row["subject"], row["body"]),
        received_at=datetime.fromisoformat(row["received_at"]),
        priority=Priority(row["priority"]),
        category=Category(row["category"]),
        provisional=bool(row["provisional"]),
        exempt=bool(row["exempt"]),
        exempt_reason=row["exempt_reason"],
        reaction_due=moment(row["reaction_due"]),
        resolution_due=moment(row["resolution_due"]),
        rules=tuple(json.loads(row["rules"])),
        decision_id=row["decision_id"],
        decided_by=row["decided_by"],
        decision_reason=row["decision_reason"],
        needs_triage=bool(row["needs_triage"]),
        decision_row=row["decision_row"],
        factors=tuple(Factor.model_validate(f) for f in json.loads(row["factors"])),
        organisation=row["organisation"],
        assignee=row["assignee"],
        reacted_at=moment(row["reacted_at"]),
        resolved_at=moment(row["resolved_at"]),
        resolved_by=row["resolved_by"],
        sla_start=moment(row["sla_start"]),
        decided_at=moment(row["decided_at"]),
    )


class TicketViews(Database):
    """Reads of tickets for the team, the command line and the reports (a mixin of Store)."""

    def tickets(self, open_only: bool = False) -> list[TicketRow]:
        """Tickets with their current decision, by receipt time."""
        sql = (
            "SELECT t.id, t.status, t.channel, t.organisation, t.sender, t.subject, "
            "t.received_at, d.priority, d.category, d.provisional, d.exempt, d.exempt_reason, "
            "d.reaction_due, d.resolution_due, d.rules "
            "FROM tickets t JOIN decisions d ON d.id = t.decision_id"
        )
        if open_only:
            sql += " WHERE t.status = 'open'"
        return [
            TicketRow(
                id=r["id"],
                status=r["status"],
                channel=r["channel"],
                organisation=r["organisation"],
                sender=r["sender"],
                subject=r["subject"],
                received_at=datetime.fromisoformat(r["received_at"]),
                priority=r["priority"],
                category=r["category"],
                provisional=bool(r["provisional"]),
                exempt=bool(r["exempt"]),
                exempt_reason=r["exempt_reason"],
                reaction_due=moment(r["reaction_due"]),
                resolution_due=moment(r["resolution_due"]),
                rules=tuple(json.loads(r["rules"])),
            )
            for r in self._rows(sql + " ORDER BY t.received_at, t.id")
        ]

    def ticket_view(self, ticket_id: int) -> TicketView:
        """One ticket as the team sees it; StoreError when there is no such ticket."""
        row = self._row(_VIEW_SQL + " WHERE t.id = ?", (ticket_id,))
        if row is None:
            raise StoreError(f"ticket #{ticket_id} bestaat niet")
        return _view(row)

    def ticket_views(self, open_only: bool = True) -> list[TicketView]:
        """Tickets as the team sees them, by receipt time."""
        sql = _VIEW_SQL + (" WHERE t.status = 'open'" if open_only else "")
        return [_view(r) for r in self._rows(sql + " ORDER BY t.received_at, t.id")]

    def decisions(self, ticket_id: int) -> list[dict[str, object]]:
        """A ticket's decision history, oldest first."""
        rows = self._rows("SELECT * FROM decisions WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [dict(row) for row in rows]

    def history(self, ticket_id: int) -> list[HistoryEntry]:
        """A ticket's history (created, priority changes, replies, ...), oldest first."""
        rows = self._rows(
            "SELECT at, kind, actor, data FROM ticket_events WHERE ticket_id = ? ORDER BY id",
            (ticket_id,),
        )
        return [
            HistoryEntry(
                at=datetime.fromisoformat(r["at"]),
                kind=r["kind"],
                actor=r["actor"],
                data=json.loads(r["data"]),
            )
            for r in rows
        ]

    def events(self, ticket_id: int) -> list[dict[str, Any]]:
        """A ticket's history events (replies, ...), oldest first."""
        rows = self._rows(
            "SELECT kind, at, actor, data FROM ticket_events WHERE ticket_id = ? ORDER BY id",
            (ticket_id,),
        )
        return [
            {"kind": r["kind"], "at": r["at"], "actor": r["actor"], **json.loads(r["data"])}
            for r in rows
        ]

    def last_received_before(self, before: datetime) -> datetime | None:
        """When the newest ticket received before `before` came in (None: there is none)."""
        row = self._row(
            "SELECT MAX(received_at) AS last FROM tickets WHERE received_at < ?", (iso(before),)
        )
        return moment(row["last"]) if row is not None else None

    def facts(self, start: datetime, end: datetime, as_of: datetime) -> list[TicketFacts]:
        """Tickets received in [start, end), as the store knew them at `as_of`.

        The decision in force at `as_of` (a later change of priority does not rewrite a past
        month), and reactions, resolutions and phone links only if they happened before it.
        """
        rows = self._rows(
            "SELECT t.id, t.organisation, t.channel, t.received_at, t.sla_start, t.reacted_at, "
            "t.resolved_at, d.priority, d.category, d.exempt, d.exempt_reason, d.reaction_due, "
            "d.resolution_due, "
            "(SELECT MIN(p.decided_at) FROM decisions p WHERE p.ticket_id = t.id "
            " AND p.kind = 'phone_link' AND p.decided_at < ?) AS linked_at "
            # The decision in force at as_of; a ticket stored after it (an email processed
            # after midnight, a call log imported the next day) keeps its first decision.
            "FROM tickets t JOIN decisions d ON d.id = COALESCE("
            "  (SELECT MAX(x.id) FROM decisions x WHERE x.ticket_id = t.id AND x.decided_at < ?),"
            "  (SELECT MIN(y.id) FROM decisions y WHERE y.ticket_id = t.id)) "
            "WHERE t.received_at >= ? AND t.received_at < ? ORDER BY t.received_at, t.id",
            (iso(as_of), iso(as_of), iso(start), iso(end)),
        )

        def before(value: str | None) -> datetime | None:
            at = moment(value)
            return at if at is not None and at < as_of else None

        facts = []
        for r in rows:
            received = datetime.fromisoformat(r["received_at"])
            linked = r["linked_at"] is not None and r["sla_start"] is not None
            facts.append(
                TicketFacts(
                    id=r["id"],
                    organisation=r["organisation"],
                    organisation_name=None,
                    channel=Channel(r["channel"]),
                    received_at=received,
                    clock_start=datetime.fromisoformat(r["sla_start"]) if linked else received,
                    priority=Priority(r["priority"]),
                    category=Category(r["category"]),
                    exempt=bool(r["exempt"]),
                    exempt_reason=r["exempt_reason"],
                    reaction_due=moment(r["reaction_due"]),
                    resolution_due=moment(r["resolution_due"]),
                    reacted_at=before(r["reacted_at"]),
                    resolved_at=before(r["resolved_at"]),
                )
            )
        return facts

    def team_labels(self) -> list[tuple[int, Report, Priority, Category]]:
        """Tickets whose current priority a person confirmed or set (SLA 4.G), with the
        report they came from: the team's final word, as labels for `rules eval --from-store`."""
        rows = self._rows(
            "SELECT t.id, r.payload, d.priority, d.category "
            "FROM tickets t JOIN decisions d ON d.id = t.decision_id "
            "JOIN reports r ON r.id = t.report_id "
            "WHERE d.provisional = 0 ORDER BY t.id"
        )
        return [
            (
                row["id"],
                Report.model_validate_json(row["payload"]),
                Priority(row["priority"]),
                Category(row["category"]),
            )
            for row in rows
        ]

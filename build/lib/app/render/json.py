"""JSON output of the command line: the reports, tickets and quarantined items as JSON-ready
data (plain dicts and lists; the caller runs json.dumps).

Report times are ISO 8601 in UTC with stable keys; ticket times are local (the settings' time
zone) as `triage tickets --json` has always printed them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports.availability import AvailabilityReport, Window
from bot.reports.sla import DeadlineTally, GroupTally, SlaReport, SlaRow, ranked_reasons
from bot.store import QuarantineRow, TicketRow


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _seconds(amount: timedelta | None) -> int | None:
    return None if amount is None else round(amount.total_seconds())


def _hours(amount: timedelta | None) -> float | None:
    return None if amount is None else round(amount.total_seconds() / 3600, 2)


# -- SLA report ---------------------------------------------------------------------------
def _tally(tally: DeadlineTally) -> dict[str, int]:
    return {
        "met": tally.met,
        "breached": tally.breached,
        "open": tally.open,
        "no_deadline": tally.no_deadline,
    }


def _group(group: GroupTally) -> dict[str, Any]:
    return {
        "count": group.count,
        "reaction": _tally(group.reaction),
        "resolution": _tally(group.resolution),
    }


def _row(row: SlaRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "received": row.received,
        "guaranteed": _group(row.guaranteed),
        "exempt": _group(row.exempt),
        "exempt_reasons": dict(ranked_reasons(row.exempt_reasons)),
    }


def sla_json(report: SlaReport) -> dict[str, Any]:
    """The SLA report as JSON-ready data: ISO 8601 UTC times, stable keys, durations in
    seconds (exact) and hours (two decimals)."""
    return {
        "period": {
            "label": report.period.label,
            "start": _iso(report.period.start),
            "end": _iso(report.period.end),
        },
        "as_of": _iso(report.as_of),
        "totals": _row(report.totals),
        "by_priority": {p.value: _row(r) for p, r in report.by_priority.items()},
        "by_organisation": [_row(r) for r in report.by_organisation],
        "reaction_times": {
            p.value: {
                "count": s.count,
                "median_seconds": _seconds(s.median),
                "median_hours": _hours(s.median),
                "p90_seconds": _seconds(s.p90),
                "p90_hours": _hours(s.p90),
            }
            for p, s in report.reaction_times.items()
        },
        "breaches": [
            {
                "ticket": b.ticket_id,
                "organisation": b.organisation,
                "organisation_name": b.organisation_name,
                "priority": b.priority.value,
                "deadline": b.deadline,
                "due": _iso(b.due),
                "done_at": _iso(b.done_at),
                "late_seconds": _seconds(b.late),
                "late_hours": _hours(b.late),
                "guaranteed": b.guaranteed,
            }
            for b in report.breaches
        ],
        "weeks": [
            {
                "year": w.year,
                "week": w.week,
                "monday": w.monday.isoformat(),
                "guaranteed": w.guaranteed,
                "exempt": w.exempt,
            }
            for w in report.weeks
        ],
    }


# -- availability report ------------------------------------------------------------------
def _window(w: Window) -> dict[str, Any]:
    return {
        "id": w.outage.id,
        "kind": w.outage.kind,
        "scope": w.outage.scope,
        "reason": w.outage.reason,
        "start": _iso(w.start),
        "end": _iso(w.end),
        "outage_start": _iso(w.outage.start),
        "outage_end": _iso(w.outage.end),
        "ongoing": w.ongoing,
        "minutes": w.minutes,
    }


def availability_json(report: AvailabilityReport) -> dict[str, Any]:
    """The availability report as JSON-ready data (ISO 8601 UTC times, minutes as numbers)."""
    return {
        "period": {
            "label": report.period.label,
            "start": _iso(report.period.start),
            "end": _iso(report.period.end),
        },
        "now": _iso(report.now),
        "minutes_in_period": report.period_minutes,
        "unavailable_minutes": report.unavailable_minutes,
        "availability_percent": report.availability_percent,
        "guarantee_percent": report.guarantee_percent,
        "guarantee_met": report.met,
        "budget_minutes": report.budget_minutes,
        "budget_remaining_minutes": report.budget_remaining_minutes,
        "overlap_minutes": report.overlap_minutes,
        "counted": [_window(w) for w in report.counted],
        "excluded": [_window(w) for w in report.excluded],
        "partial": [_window(w) for w in report.partial],
        "partial_minutes": dict(report.partial_minutes),
        "netted_minutes": report.netted_minutes,
    }


# -- tickets and quarantine ---------------------------------------------------------------
def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def ticket_json(row: TicketRow, tz: ZoneInfo) -> dict[str, Any]:
    """One line of `triage tickets --json` (times in local time with their offset)."""
    return {
        "id": row.id,
        "status": row.status,
        "channel": row.channel,
        "organisation": row.organisation,
        "sender": row.sender,
        "subject": row.subject,
        "received_at": row.received_at.astimezone(tz).isoformat(),
        "priority": row.priority,
        "category": row.category,
        "provisional": row.provisional,
        "exempt": row.exempt,
        "exempt_reason": row.exempt_reason,
        "reaction_due": _local(row.reaction_due, tz),
        "resolution_due": _local(row.resolution_due, tz),
        "rules": list(row.rules),
    }


def quarantine_json(row: QuarantineRow) -> dict[str, Any]:
    """One line of `triage quarantine --json` (stored_at as the store gives it)."""
    return {
        "id": row.id,
        "source": row.source,
        "key": row.source_key,
        "reason": row.reason,
        "size": row.size,
        "stored_at": row.stored_at.isoformat(),
    }

"""The statements that run inside a transaction, shared by every part of the store.

Each takes the connection of an open transaction and writes one thing (a report row, a
decision, a history event, an outbox row, ...); the callers decide what belongs together.
A report is stored once per source key (Message-ID, Slack event id, call id, or a hash of
its content), so delivering the same report twice is harmless.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.errors import StoreError
from bot.models import Decision, Report
from bot.store.backend import Conn
from bot.store.db import iso
from bot.store.rows import OutboxItem


def source_key(report: Report) -> str:
    """The report's own key, or a stable hash of what it says and when it arrived."""
    if report.source_key:
        return report.source_key
    content = json.dumps(
        [
            report.channel.value,
            report.received_at.astimezone(UTC).isoformat(),
            report.sender,
            report.subject,
            report.body,
        ],
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def insert_report(
    db: Conn, report: Report, kind: str, ticket_id: int | None, now: datetime
) -> int | None:
    """Insert a report row; its id, or None when its source key is already stored."""
    cursor = db.execute(
        "INSERT INTO reports (source_key, channel, received_at, sender, subject, body, payload, "
        "stored_at, kind, ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (source_key) DO NOTHING RETURNING id",
        (
            source_key(report),
            report.channel.value,
            iso(report.received_at),
            report.sender,
            report.subject,
            report.body,
            report.model_dump_json(),
            iso(now),
            kind,
            ticket_id,
        ),
    )
    row = cursor.fetchone()
    return int(row[0]) if row is not None else None


def map_message_id(db: Conn, message_id: str, ticket_id: int) -> None:
    """Remember which ticket a Message-ID (or Slack post) belongs to, so replies thread."""
    db.execute(
        "INSERT INTO message_ids (message_id, ticket_id) VALUES (?, ?) "
        "ON CONFLICT (message_id) DO NOTHING",
        (message_id, ticket_id),
    )


def add_event(
    db: Conn,
    ticket_id: int,
    kind: str,
    now: datetime,
    actor: str | None,
    data: dict[str, Any],
) -> None:
    """Write one line of a ticket's history."""
    db.execute(
        "INSERT INTO ticket_events (ticket_id, kind, at, actor, data) VALUES (?, ?, ?, ?, ?)",
        (ticket_id, kind, iso(now), actor, json.dumps(data, ensure_ascii=False)),
    )


def add_decision(
    db: Conn,
    ticket_id: int,
    decision: Decision,
    kind: str,
    by: str,
    now: datetime,
    reason: str | None,
) -> int:
    """Insert a decision and make it the ticket's current one; its id."""
    decision_id = db.execute(
        "INSERT INTO decisions (ticket_id, kind, priority, category, provisional, exempt, "
        "exempt_reason, unagreed_caller, reaction_due, resolution_due, rules, rules_version, "
        "calendar_version, decided_by, decided_at, reason, needs_triage, decision_row, factors) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            ticket_id,
            kind,
            decision.priority.value,
            decision.category.value,
            int(decision.provisional),
            int(decision.exempt),
            decision.exempt_reason,
            int(decision.unagreed_caller),
            iso(decision.reaction_due),
            iso(decision.resolution_due),
            json.dumps(list(decision.rules)),
            decision.rules_version,
            decision.calendar_version,
            by,
            iso(now),
            reason,
            int(decision.needs_triage),
            decision.decision,
            json.dumps([f.model_dump() for f in decision.factors], ensure_ascii=False),
        ),
    ).fetchone()[0]
    db.execute(
        "UPDATE tickets SET decision_id = ?, updated_at = ? WHERE id = ?",
        (decision_id, iso(now), ticket_id),
    )
    return int(decision_id)


def enqueue(db: Conn, item: OutboxItem, ticket_id: int | None, now: datetime) -> None:
    """Queue one outgoing message, once per dedupe key."""
    db.execute(
        "INSERT INTO outbox (kind, ticket_id, dedupe_key, payload, "
        "next_attempt_at, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        (
            item.kind,
            ticket_id,
            item.dedupe_key,
            json.dumps(item.payload, ensure_ascii=False),
            iso(item.not_before or now),
            iso(now),
            iso(item.not_before or now),
        ),
    )
    if item.message_id and ticket_id is not None:
        map_message_id(db, item.message_id, ticket_id)


def cancel(db: Conn, ticket_id: int, patterns: Sequence[str]) -> int:
    """Cancel a ticket's pending outbox rows whose dedupe key matches a LIKE pattern."""
    cancelled = 0
    for pattern in patterns:
        cancelled += db.execute(
            "UPDATE outbox SET status = 'cancelled' WHERE ticket_id = ? "
            "AND status = 'pending' AND dedupe_key LIKE ?",
            (ticket_id, pattern),
        ).rowcount
    return cancelled


def require_ticket(db: Conn, ticket_id: int) -> None:
    """StoreError unless the ticket exists."""
    if db.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
        raise StoreError(f"ticket #{ticket_id} bestaat niet")


def after_change(
    db: Conn,
    ticket_id: int,
    now: datetime,
    actor: str | None,
    event: tuple[str, dict[str, Any]] | None,
    patterns: Sequence[str],
    outgoing: Sequence[OutboxItem],
) -> None:
    """What every ticket change writes with it: its history event, the pending messages
    it makes obsolete (cancelled) and the messages it causes (queued)."""
    if event is not None:
        add_event(db, ticket_id, event[0], now, actor, event[1])
    cancel(db, ticket_id, patterns)
    for item in outgoing:
        enqueue(db, item, ticket_id, now)

"""Baseline: the store's schema as the hand-written steps 1-7 of bot/store/schema.py left it.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Types are chosen so both databases read and compare values alike: ids are 64-bit on
PostgreSQL (SQLite's INTEGER PRIMARY KEY is its rowid), times are UTC ISO text, flags are
0/1 integers, and PostgreSQL's text columns use the "C" collation so text (times, keys)
sorts byte by byte as in SQLite. reports.ticket_id and tickets.report_id point at each
other: on PostgreSQL the first is checked at COMMIT (deferred), so `triage db copy` can
write both tables in one transaction.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
REF = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True)


def _text(name: str, nullable: bool = True, default: str | None = None) -> sa.Column[str]:
    server_default = sa.text(f"'{default}'") if default is not None else None
    return sa.Column(name, TEXT, nullable=nullable, server_default=server_default)


def _ref(name: str, target: str, nullable: bool = True, **kw: object) -> sa.Column[int]:
    return sa.Column(name, REF, sa.ForeignKey(target, **kw), nullable=nullable)  # type: ignore[arg-type]


def _int(name: str, nullable: bool = False, default: int | None = None) -> sa.Column[int]:
    server_default = sa.text(str(default)) if default is not None else None
    return sa.Column(name, sa.BigInteger(), nullable=nullable, server_default=server_default)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "reports",
        _id(),
        _text("source_key", False),
        _text("channel", False),
        _text("received_at", False),
        _text("sender", False),
        _text("subject", False),
        _text("body", False),
        _text("payload", False),
        _text("stored_at", False),
        _text("kind", False, "report"),
        # SQLite accepts a reference to a table made later; PostgreSQL gets it below.
        sa.Column("ticket_id", REF, nullable=True) if postgres else _ref("ticket_id", "tickets.id"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_table(
        "tickets",
        _id(),
        _ref("report_id", "reports.id", False),
        _text("status", False, "open"),
        _text("channel", False),
        _text("organisation"),
        _text("sender", False),
        _text("subject", False),
        _text("received_at", False),
        sa.Column("decision_id", REF, nullable=True),
        _text("created_at", False),
        _text("updated_at", False),
        _text("assignee"),
        _text("reacted_at"),
        _text("resolved_at"),
        _text("sla_start"),
        sa.UniqueConstraint("report_id"),
    )
    if postgres:
        op.create_foreign_key(
            "reports_ticket_id_fkey",
            "reports",
            "tickets",
            ["ticket_id"],
            ["id"],
            deferrable=True,
            initially="DEFERRED",
        )
    op.create_index("tickets_status", "tickets", ["status"])
    op.create_table(
        "decisions",
        _id(),
        _ref("ticket_id", "tickets.id", False),
        _text("kind", False),
        _text("priority", False),
        _text("category", False),
        _int("provisional"),
        _int("exempt"),
        _text("exempt_reason"),
        _int("unagreed_caller"),
        _text("reaction_due"),
        _text("resolution_due"),
        _text("rules", False),
        _text("rules_version", False),
        _text("calendar_version", False),
        _text("decided_by", False),
        _text("decided_at", False),
        _text("reason"),
        _int("needs_triage", default=0),
        _text("decision_row"),
        _text("factors", False, "[]"),
    )
    op.create_index("decisions_ticket", "decisions", ["ticket_id"])
    op.create_table(
        "quarantine",
        _id(),
        _text("source", False),
        _text("source_key", False),
        _text("reason", False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        _text("stored_at", False),
        sa.UniqueConstraint("source_key"),
    )
    op.create_table(
        "outbox",
        _id(),
        _text("kind", False),
        _ref("ticket_id", "tickets.id"),
        _text("dedupe_key", False),
        _text("payload", False),
        _text("status", False, "pending"),
        _int("attempts", default=0),
        _text("next_attempt_at", False),
        _text("last_error"),
        _text("created_at", False),
        _text("sent_at"),
        _text("due_at"),
        _text("claimed_by"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("outbox_ticket", "outbox", ["ticket_id", "status"])
    op.create_table(
        "mailbox_state",
        sa.Column("mailbox", TEXT, primary_key=True),
        _int("uidvalidity"),
        _int("last_uid"),
        _text("updated_at", False),
    )
    op.create_table(
        "message_ids",
        sa.Column("message_id", TEXT, primary_key=True),
        _ref("ticket_id", "tickets.id", False),
    )
    op.create_table(
        "ticket_events",
        _id(),
        _ref("ticket_id", "tickets.id", False),
        _text("kind", False),
        _text("at", False),
        _text("actor"),
        _text("data", False),
    )
    op.create_index("ticket_events_ticket", "ticket_events", ["ticket_id"])
    op.create_table(
        "slack_posts",
        sa.Column(
            "ticket_id", REF, sa.ForeignKey("tickets.id"), primary_key=True, autoincrement=False
        ),
        _text("channel", False),
        _text("ts", False),
        _text("posted_at", False),
    )
    op.create_table(
        "outages",
        _id(),
        _text("start", False),
        _text("end"),
        _text("scope", False, "platform"),
        _text("kind", False),
        _text("reason", False),
        _ref("ticket_id", "tickets.id"),
        _text("created_by"),
        _text("created_at", False),
        _text("ended_by"),
    )
    op.create_index("outages_start", "outages", ["start"])
    op.create_table(
        "leases",
        sa.Column("name", TEXT, primary_key=True),
        _text("holder", False),
        _text("host", False),
        _int("pid"),
        _text("since", False),
        _text("renewed_at", False),
        _text("expires_at", False),
    )

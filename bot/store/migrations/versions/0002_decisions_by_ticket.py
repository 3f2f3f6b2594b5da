"""Decisions by ticket and id: the current and first decision of a ticket from the index alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

The SLA report, the corrections and the replays look up a ticket's latest decision before a
moment and its first one (MAX(id) / MIN(id) per ticket). On (ticket_id) alone PostgreSQL
without fresh statistics (right after `triage db copy`) planned that as a scan of the whole
decisions table per ticket: a month's report over 50,000 tickets took 807 s instead of 4 s.
On (ticket_id, id) both are one index lookup, with or without statistics. It replaces the
index on ticket_id alone, which it covers.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("decisions_ticket_id", "decisions", ["ticket_id", "id"])
    op.drop_index("decisions_ticket", table_name="decisions")

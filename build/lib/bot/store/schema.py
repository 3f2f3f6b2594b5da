"""The store's schema: the migrations that build it, one entry per schema version.

An existing database opens at its `PRAGMA user_version` and runs only the entries after it,
so released entries never change; a new table or column is a new entry at the end.
"""

from __future__ import annotations

# Each entry moves the schema one version up; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE reports (
        id          INTEGER PRIMARY KEY,
        source_key  TEXT NOT NULL UNIQUE,
        channel     TEXT NOT NULL,
        received_at TEXT NOT NULL,
        sender      TEXT NOT NULL,
        subject     TEXT NOT NULL,
        body        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        stored_at   TEXT NOT NULL
    );
    CREATE TABLE tickets (
        id             INTEGER PRIMARY KEY,
        report_id      INTEGER NOT NULL UNIQUE REFERENCES reports(id),
        status         TEXT NOT NULL DEFAULT 'open',
        channel        TEXT NOT NULL,
        organisation   TEXT,
        sender         TEXT NOT NULL,
        subject        TEXT NOT NULL,
        received_at    TEXT NOT NULL,
        decision_id    INTEGER,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );
    CREATE INDEX tickets_status ON tickets(status);
    CREATE TABLE decisions (
        id               INTEGER PRIMARY KEY,
        ticket_id        INTEGER NOT NULL REFERENCES tickets(id),
        kind             TEXT NOT NULL,
        priority         TEXT NOT NULL,
        category         TEXT NOT NULL,
        provisional      INTEGER NOT NULL,
        exempt           INTEGER NOT NULL,
        exempt_reason    TEXT,
        unagreed_caller  INTEGER NOT NULL,
        reaction_due     TEXT,
        resolution_due   TEXT,
        rules            TEXT NOT NULL,
        rules_version    TEXT NOT NULL,
        calendar_version TEXT NOT NULL,
        decided_by       TEXT NOT NULL,
        decided_at       TEXT NOT NULL,
        reason           TEXT
    );
    CREATE INDEX decisions_ticket ON decisions(ticket_id);
    CREATE TABLE quarantine (
        id          INTEGER PRIMARY KEY,
        source      TEXT NOT NULL,
        source_key  TEXT NOT NULL UNIQUE,
        reason      TEXT NOT NULL,
        raw         BLOB NOT NULL,
        stored_at   TEXT NOT NULL
    );
    """,
    # 2: email intake and delivery. Replies and auto-replies are reports linked to a ticket
    # (or to none); outgoing messages wait in the outbox; IMAP progress per mailbox; every
    # Message-ID we saw or sent, so replies thread onto their ticket; ticket history events.
    """
    ALTER TABLE reports ADD COLUMN kind TEXT NOT NULL DEFAULT 'report';
    ALTER TABLE reports ADD COLUMN ticket_id INTEGER REFERENCES tickets(id);
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL,
        ticket_id       INTEGER REFERENCES tickets(id),
        dedupe_key      TEXT NOT NULL UNIQUE,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        sent_at         TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
    CREATE TABLE mailbox_state (
        mailbox     TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid    INTEGER NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE message_ids (
        message_id TEXT PRIMARY KEY,
        ticket_id  INTEGER NOT NULL REFERENCES tickets(id)
    );
    CREATE TABLE ticket_events (
        id        INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        kind      TEXT NOT NULL,
        at        TEXT NOT NULL,
        actor     TEXT,
        data      TEXT NOT NULL
    );
    CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id);
    """,
    # 3: handling in Slack. Who picked a ticket up (the first reaction) and when it was
    # resolved; where its triage post lives, so updates, replies and reminders thread under it.
    """
    ALTER TABLE tickets ADD COLUMN assignee TEXT;
    ALTER TABLE tickets ADD COLUMN reacted_at TEXT;
    ALTER TABLE tickets ADD COLUMN resolved_at TEXT;
    CREATE TABLE slack_posts (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
        channel   TEXT NOT NULL,
        ts        TEXT NOT NULL,
        posted_at TEXT NOT NULL
    );
    CREATE INDEX outbox_ticket ON outbox(ticket_id, status);
    """,
    # 4: the phone rule (SLA 4.D). When an agreed contact phones in a report that was exempt,
    # the guarantee and its deadlines run from the call: the ticket keeps when that was.
    """
    ALTER TABLE tickets ADD COLUMN sla_start TEXT;
    """,
    # 5: availability (SLA article 1). Outage windows recorded from Slack or the CLI; an open
    # window has no end yet. Planned maintenance and force majeure are kept, marked, so the
    # report can list what it excluded and why.
    """
    CREATE TABLE outages (
        id          INTEGER PRIMARY KEY,
        start       TEXT NOT NULL,
        end         TEXT,
        scope       TEXT NOT NULL DEFAULT 'platform',
        kind        TEXT NOT NULL,
        reason      TEXT NOT NULL,
        ticket_id   INTEGER REFERENCES tickets(id),
        created_by  TEXT,
        created_at  TEXT NOT NULL,
        ended_by    TEXT
    );
    CREATE INDEX outages_start ON outages(start);
    ALTER TABLE outbox ADD COLUMN due_at TEXT;
    """,
    # 6: triage quality (issue 11). A decision says whether nothing recognised the report (a
    # person must decide), which decision-table row decided, and the factors it read with
    # their words, so it can be explained later exactly as it was made.
    """
    ALTER TABLE decisions ADD COLUMN needs_triage INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE decisions ADD COLUMN decision_row TEXT;
    ALTER TABLE decisions ADD COLUMN factors TEXT NOT NULL DEFAULT '[]';
    """,
    # 7: one active instance per store (issue 12). The running bot holds a lease it renews;
    # a second `triage run` waits as a standby until the lease is released or expires.
    # An outbox row is claimed by the holder that sends it; a new holder frees old claims.
    """
    CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,
        host       TEXT NOT NULL,
        pid        INTEGER NOT NULL,
        since      TEXT NOT NULL,
        renewed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

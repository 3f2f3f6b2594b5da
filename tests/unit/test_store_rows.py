"""The store's outbox, operations data and copying, on SQLite and on PostgreSQL (`store_url`).

Each test runs once per database: the same calls must give the same answers on both (the
dedupe keys, the order of due rows, a claim that only one of two stores gets, JSON fields,
the outage column named `end`, bytes in quarantine, upserts, a whole store copied).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.pipeline import Triage
from bot.store import OutboxItem, Store
from tests.unit.triage_setup import build_triage, report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def triage(tmp_path: Path) -> Triage:
    return build_triage(tmp_path)


def _remind(ticket: int, key: str, at: datetime, not_before: datetime) -> OutboxItem:
    return OutboxItem(
        "slack",
        f"remind:{ticket}:1:{key}",
        {"op": "remind", "kind": key.split(":")[0], "at": at.isoformat()},
        not_before=not_before,
    )


def test_outbox_rows_are_queued_once_and_come_due_in_order(store_url: str) -> None:
    with Store(store_url) as store:
        store.enqueue(OutboxItem("email", "ack:2", {"to": "b@x.nl"}), NOW + timedelta(minutes=1))
        store.enqueue(OutboxItem("email", "ack:1", {"to": "a@x.nl"}), NOW)
        store.enqueue(OutboxItem("email", "ack:1", {"to": "a@x.nl"}), NOW)  # again: ignored
        store.enqueue(OutboxItem("slack", "post:1", {"op": "post"}), NOW)
        due = store.due_outbox(NOW + timedelta(minutes=5), ["email"])
        assert [r.dedupe_key for r in due] == ["ack:1", "ack:2"]
        assert due[0].payload == {"to": "a@x.nl"} and due[0].attempts == 0
        assert store.next_outbox_time(["email"]) == NOW
        assert store.outbox_status("ack:1") == "pending"


def test_only_one_of_two_stores_claims_a_row(store_url: str) -> None:
    """Two processes (two connections) see the same due row: exactly one gets it."""
    with Store(store_url) as one, Store(store_url) as two:
        one.enqueue(OutboxItem("email", "ack:1", {"to": "a@x.nl"}), NOW)
        [row] = one.due_outbox(NOW, ["email"])
        assert two.due_outbox(NOW, ["email"])[0].id == row.id
        until = NOW + timedelta(minutes=2)
        assert one.claim_outbox(row.id, NOW, until, "one")
        assert not two.claim_outbox(row.id, NOW, until, "two")
        assert two.due_outbox(NOW + timedelta(minutes=1), ["email"]) == []
        # The claimer died: the row is another's claim until the claim ends, then due again.
        assert two.foreign_claims("two", NOW + timedelta(minutes=1)) == {"one": 1}
        assert not two.claim_outbox(row.id, NOW + timedelta(minutes=1), until, "two")
        later = until + timedelta(seconds=1)
        assert two.foreign_claims("two", later) == {}
        assert [r.id for r in two.due_outbox(later, ["email"])] == [row.id]
        assert two.claim_outbox(row.id, later, later + timedelta(minutes=2), "two")
        [claimed] = one.outbox()
        assert claimed["claimed_by"] == "two"


def test_sent_failed_and_retried_rows(store_url: str) -> None:
    with Store(store_url) as store:
        for n in (1, 2, 3):
            store.enqueue(OutboxItem("email", f"ack:{n}", {"to": f"{n}@x.nl"}), NOW)
        ids = {r.dedupe_key: r.id for r in store.due_outbox(NOW, ["email"])}
        store.mark_sent(ids["ack:1"], NOW)
        store.mark_retry(ids["ack:2"], "421 try later", NOW + timedelta(minutes=5))
        store.mark_failed(ids["ack:3"], "550 no such user")
        assert [r["dedupe_key"] for r in store.outbox("failed")] == ["ack:3"]
        assert store.outbox_status("ack:1") == "sent"
        assert store.due_outbox(NOW, ["email"]) == []
        assert store.retry_outbox(None, NOW) == [ids["ack:3"]]
        assert [r.dedupe_key for r in store.due_outbox(NOW, ["email"])] == ["ack:3"]
        gauges = store.outbox_gauges(NOW + timedelta(minutes=10), ["email"])
        assert gauges.depth == 2 and gauges.oldest_due == NOW


def test_reminders_are_compared_on_the_moment_they_were_meant_for(
    store_url: str, triage: Triage
) -> None:
    with Store(store_url) as store:
        item = report("kapot")
        ticket = store.record(item, triage.decide(item), NOW).ticket_id
        assert ticket is not None
        early, late = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
        store.enqueue(_remind(ticket, "reaction:75", early, early), NOW, ticket)
        store.enqueue(_remind(ticket, "reaction:100", late, early), NOW, ticket)
        assert store.newer_due(ticket, f"remind:{ticket}:", early, early)
        assert not store.newer_due(ticket, f"remind:{ticket}:", late, early)
        [first] = [r for r in store.due_outbox(early, ["slack"]) if r.dedupe_key.endswith(":75")]
        store.mark_sent(first.id, early)
        assert store.reminder_sent(ticket, "reaction:75", early)
        assert not store.reminder_sent(ticket, "reaction:75", late)
        gauges = store.outbox_gauges(early, ["slack"])
        assert gauges.reminders_sent == {"reaction": 1}
        assert store.cancel_outbox(ticket, [f"remind:{ticket}:%"]) == 1


def test_outage_windows_open_and_end(store_url: str) -> None:
    with Store(store_url) as store:
        first = store.add_outage(NOW, None, "storing", "inloggen faalt", NOW, by="U1")
        store.add_outage(NOW - timedelta(days=3), NOW - timedelta(days=2), "planned", "", NOW)
        assert [o.id for o in store.open_outages()] == [first]
        ended = store.end_outage(first, NOW + timedelta(hours=1), by="U2")
        assert ended.end == NOW + timedelta(hours=1)
        assert store.open_outages() == []
        with pytest.raises(StoreError, match="al beëindigd"):
            store.end_outage(first, NOW + timedelta(hours=2))
        window = store.outages_between(NOW - timedelta(hours=1), NOW + timedelta(days=1))
        assert [o.id for o in window] == [first]


def test_mailbox_state_slack_posts_and_quarantine(store_url: str, triage: Triage) -> None:
    with Store(store_url) as store:
        assert store.mailbox_state("INBOX") is None
        store.set_mailbox_state("INBOX", 4_000_000_000, 17, NOW)  # UIDVALIDITY is 32 bits
        store.set_mailbox_state("INBOX", 4_000_000_000, 18, NOW)
        assert store.mailbox_state("INBOX") == (4_000_000_000, 18)
        item = report("kapot")
        ticket = store.record(item, triage.decide(item), NOW).ticket_id
        assert ticket is not None
        store.set_slack_post(ticket, "C1", "1.5", NOW)
        store.set_slack_post(ticket, "C1", "2.5", NOW)  # posted again: the newer one counts
        assert store.slack_post(ticket) == ("C1", "2.5")
        raw = bytes(range(256))
        assert store.quarantine("email", "kan niet lezen", raw, NOW)
        [row] = store.quarantined()
        assert row.size == 256


def test_a_whole_store_is_copied_with_the_same_counts(
    tmp_path: Path, store_url: str, triage: Triage
) -> None:
    source = tmp_path / "old.db"
    with Store(source) as old:
        for n in range(5):
            item = report(f"kapot {n}")
            old.record(item, triage.decide(item), NOW)
        old.enqueue(OutboxItem("email", "ack:1", {"to": "a@x.nl"}), NOW, 1)
        old.quarantine("email", "kan niet lezen", b"\xff\x00", NOW)
        old.add_outage(NOW, None, "storing", "", NOW, ticket_id=2)
        old.set_mailbox_state("INBOX", 7, 9, NOW)
        old.set_slack_post(3, "C1", "1.5", NOW)
    with Store(source) as old, Store(store_url) as new:
        counts = {c.table: (c.source, c.target) for c in new.copy_from(old)}
        assert counts["tickets"] == (5, 5) and counts["reports"] == (5, 5)
        assert all(s == t for s, t in counts.values())
        assert new.ticket_view(3) == old.ticket_view(3)
        # The next ticket gets the next number, not one the copy already used.
        item = report("weer kapot")
        assert new.record(item, triage.decide(item), NOW).ticket_id == 6
        with pytest.raises(StoreError, match="niet leeg"):
            new.copy_from(old)


def test_asking_about_no_kinds_or_ids_answers_nothing(store_url: str) -> None:
    """A bot without transports (no SMTP, no Slack) asks about an empty list of kinds: that
    is an empty answer on both databases (PostgreSQL refuses `IN ()`, /metrics gave 500)."""
    with Store(store_url) as store:
        store.enqueue(OutboxItem("email", "ack:1", {"to": "a@x.nl"}), NOW)
        assert store.due_outbox(NOW, []) == []
        assert store.next_outbox_time([]) is None
        assert store.outbox_gauges(NOW, []).depth == 0
        assert store.retry_outbox([], NOW) == []


def test_a_gone_claimers_rows_can_be_freed_at_once(store_url: str) -> None:
    with Store(store_url) as store:
        store.enqueue(OutboxItem("email", "ack:1", {"to": "a@x.nl"}), NOW)
        store.enqueue(OutboxItem("email", "ack:2", {"to": "b@x.nl"}), NOW)
        first, second = store.due_outbox(NOW, ["email"])
        until = NOW + timedelta(minutes=1)
        assert store.claim_outbox(first.id, NOW, until, "vm:11:aa")
        assert store.claim_outbox(second.id, NOW, until, "vm:12:bb")
        assert store.foreign_claims("vm:13:cc", NOW) == {"vm:11:aa": 1, "vm:12:bb": 1}
        assert store.release_claims("vm:11:aa", NOW) == 1
        assert [r.id for r in store.due_outbox(NOW, ["email"])] == [first.id]

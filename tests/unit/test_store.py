"""The store, on SQLite and on PostgreSQL (`store_url`): idempotent records, decision
history, quarantine, and the unit of work (`store.transaction()`): all or nothing,
idempotent by source key."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.errors import StoreError
from bot.models import Decision, Priority
from bot.pipeline import Triage
from bot.reminders import ReminderPolicy
from bot.store import OutboxItem, Store, source_key
from tests.unit.triage_setup import build_triage, local, report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def triage(tmp_path: Path) -> Triage:
    return build_triage(tmp_path)


def test_same_report_twice_is_stored_once(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    with Store(store_url) as store:
        first = store.record(item, triage.decide(item), NOW)
        second = store.record(item, triage.decide(item), NOW)
        assert first.created and not second.created
        assert first.ticket_id == second.ticket_id
        assert (store.count("reports"), store.count("tickets"), store.count("decisions")) == (
            1,
            1,
            1,
        )


def test_source_key_decides_identity(store_url: str, triage: Triage) -> None:
    a = report("kapot").model_copy(update={"source_key": "<msg-1@example>"})
    b = report("iets anders").model_copy(update={"source_key": "<msg-1@example>"})
    c = report("kapot").model_copy(update={"source_key": "<msg-2@example>"})
    assert source_key(a) == "<msg-1@example>"
    with Store(store_url) as store:
        assert store.record(a, triage.decide(a), NOW).created
        assert not store.record(b, triage.decide(b), NOW).created
        assert store.record(c, triage.decide(c), NOW).created


def test_content_hash_key_is_stable_across_offsets() -> None:
    a = report("kapot", at="2026-11-24T10:00")
    b = a.model_copy(update={"received_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC)})
    assert source_key(a) == source_key(b)
    assert source_key(a) != source_key(report("kapot", at="2026-11-24T10:01"))


def test_ticket_round_trip_and_history(store_url: str, triage: Triage) -> None:
    item = report("niemand kan werken", at="2026-11-24T14:00")
    with Store(store_url) as store:
        ticket = store.record(item, triage.decide(item), NOW).ticket_id
        [row] = store.tickets()
        assert (row.priority, row.category, row.exempt, row.provisional) == (
            "hoog",
            "storing",
            True,
            True,
        )
        assert row.reaction_due == local("2026-11-24T14:15")
        assert row.rules == ("storing-hoog",)
        assert store.report_of(ticket) == item

        confirmed = triage.decide(store.report_of(ticket), confirmed=Priority.MIDDEL)
        store.add_decision(ticket, confirmed, "confirmed", "U123", NOW, "workaround bestaat")
        [row] = store.tickets(open_only=True)
        assert (row.priority, row.provisional) == ("middel", False)
        assert row.reaction_due == local("2026-11-25T14:00")
        history = store.decisions(ticket)
        assert [h["priority"] for h in history] == ["hoog", "middel"]
        assert history[1]["decided_by"] == "U123"
        assert history[1]["reason"] == "workaround bestaat"
        assert str(history[0]["rules_version"]).startswith("rules-")


def test_decision_for_unknown_ticket(store_url: str, triage: Triage) -> None:
    with (
        Store(store_url) as store,
        pytest.raises(StoreError, match="ticket #9 bestaat niet"),
    ):
        store.add_decision(9, triage.decide(report("kapot")), "confirmed", "x", NOW)


def test_quarantine_once_per_key(store_url: str) -> None:
    with Store(store_url) as store:
        assert store.quarantine("email", "cannot parse", b"\x00garbage", NOW)
        assert not store.quarantine("email", "cannot parse", b"\x00garbage", NOW)
        [row] = store.quarantined()
        assert (row.source, row.reason, row.size) == ("email", "cannot parse", 8)


def test_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    Store(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_reopen_keeps_data(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    with Store(store_url) as store:
        store.record(item, triage.decide(item), NOW)
    with Store(store_url) as store:
        assert store.count("tickets") == 1
        assert not store.record(item, triage.decide(item), NOW).created


def _ack(ticket_id: int) -> OutboxItem:
    return OutboxItem("email", f"ack:{ticket_id}", {"ticket": ticket_id})


def test_unit_of_work_commits_everything_on_success(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    reply = report("nog steeds kapot").model_copy(update={"source_key": "<reply-1@example>"})
    with Store(store_url) as store:
        with store.transaction() as tx:
            recorded = tx.record(item, triage.decide(item), NOW)
            assert recorded.created and recorded.ticket_id is not None
            tx.enqueue(_ack(recorded.ticket_id), NOW, ticket_id=recorded.ticket_id)
            assert tx.attach(reply, recorded.ticket_id, "reply", NOW, note={"via": "test"})
        assert (store.count("reports"), store.count("tickets"), store.count("decisions")) == (
            2,
            1,
            1,
        )
        [queued] = store.outbox()
        assert (queued["dedupe_key"], queued["ticket_id"], queued["status"]) == (
            f"ack:{recorded.ticket_id}",
            recorded.ticket_id,
            "pending",
        )
        assert [(e["kind"], e.get("via")) for e in store.events(recorded.ticket_id)] == [
            ("created", None),
            ("reply", "test"),
        ]
        assert store.ticket_of_source("<reply-1@example>") == recorded.ticket_id


def test_unit_of_work_writes_nothing_when_the_block_raises(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    with Store(store_url) as store:
        with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
            recorded = tx.record(item, triage.decide(item), NOW)
            assert recorded.ticket_id is not None
            tx.enqueue(_ack(recorded.ticket_id), NOW, ticket_id=recorded.ticket_id)
            raise RuntimeError("boom")
        assert not store.is_stored(source_key(item))
        assert (store.count("reports"), store.count("tickets"), store.count("decisions")) == (
            0,
            0,
            0,
        )
        assert store.outbox() == []
        # The rolled-back report is new again: recording it now creates its ticket.
        assert store.record(item, triage.decide(item), NOW).created


def test_unit_of_work_rolls_back_a_reply_with_the_block(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    reply = report("nog steeds kapot").model_copy(update={"source_key": "<reply-1@example>"})
    with Store(store_url) as store:
        ticket = store.record(item, triage.decide(item), NOW).ticket_id
        assert ticket is not None
        with pytest.raises(RuntimeError), store.transaction() as tx:
            assert tx.attach(reply, ticket, "reply", NOW, outgoing=[_ack(ticket)])
            raise RuntimeError("boom")
        assert not store.is_stored("<reply-1@example>")
        assert [e["kind"] for e in store.events(ticket)] == ["created"]
        assert store.outbox() == []


def test_unit_of_work_is_idempotent_by_source_key(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    other = report("iets anders").model_copy(update={"source_key": source_key(item)})
    with Store(store_url) as store:
        with store.transaction() as tx:
            first = tx.record(item, triage.decide(item), NOW)
            again = tx.record(item, triage.decide(item), NOW)
        with store.transaction() as tx:
            later = tx.record(other, triage.decide(other), NOW)
        assert first.created and not again.created and not later.created
        assert first.ticket_id == again.ticket_id == later.ticket_id
        # The desk does not ask for an acknowledgement of a report that is already stored.
        asked: list[int] = []

        def acknowledge(ticket_id: int, _decision: Decision) -> list[OutboxItem]:
            asked.append(ticket_id)
            return [_ack(ticket_id)]

        desk = Desk(triage, store, ReminderPolicy, slack=False)
        assert not desk.open_ticket(item, NOW, acknowledge).created
        assert asked == []
        assert (store.count("reports"), store.count("tickets"), store.count("decisions")) == (
            1,
            1,
            1,
        )
        assert store.outbox() == []


def test_open_ticket_queues_the_acknowledgement_in_its_unit_of_work(
    store_url: str, triage: Triage
) -> None:
    item = report("kapot")
    with Store(store_url) as store:
        desk = Desk(triage, store, ReminderPolicy, slack=False)

        def failing(ticket_id: int, _decision: Decision) -> list[OutboxItem]:
            raise RuntimeError(f"no acknowledgement for #{ticket_id}")

        with pytest.raises(RuntimeError, match="no acknowledgement"):
            desk.open_ticket(item, NOW, failing)
        assert store.count("tickets") == 0

        opened = desk.open_ticket(item, NOW, lambda t, _d: [_ack(t)])
        assert opened.created
        assert [row["dedupe_key"] for row in store.outbox()] == [f"ack:{opened.ticket_id}"]


def test_transaction_cannot_be_used_after_its_block(store_url: str, triage: Triage) -> None:
    item = report("kapot")
    with Store(store_url) as store:
        with store.transaction() as tx:
            pass
        with pytest.raises(StoreError, match="transaction is over"):
            tx.record(item, triage.decide(item), NOW)
        assert store.count("reports") == 0

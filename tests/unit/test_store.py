"""The SQLite store: idempotent records, decision history, quarantine, schema version."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.models import Priority
from bot.pipeline import Triage
from bot.store import SCHEMA_VERSION, Store, source_key
from tests.unit.triage_setup import build_triage, local, report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def triage(tmp_path: Path) -> Triage:
    return build_triage(tmp_path)


def test_same_report_twice_is_stored_once(tmp_path: Path, triage: Triage) -> None:
    item = report("kapot")
    with Store(tmp_path / "t.db") as store:
        first = store.record(item, triage.decide(item), NOW)
        second = store.record(item, triage.decide(item), NOW)
        assert first.created and not second.created
        assert first.ticket_id == second.ticket_id
        assert (store.count("reports"), store.count("tickets"), store.count("decisions")) == (
            1,
            1,
            1,
        )


def test_source_key_decides_identity(tmp_path: Path, triage: Triage) -> None:
    a = report("kapot").model_copy(update={"source_key": "<msg-1@example>"})
    b = report("iets anders").model_copy(update={"source_key": "<msg-1@example>"})
    c = report("kapot").model_copy(update={"source_key": "<msg-2@example>"})
    assert source_key(a) == "<msg-1@example>"
    with Store(tmp_path / "t.db") as store:
        assert store.record(a, triage.decide(a), NOW).created
        assert not store.record(b, triage.decide(b), NOW).created
        assert store.record(c, triage.decide(c), NOW).created


def test_content_hash_key_is_stable_across_offsets() -> None:
    a = report("kapot", at="2026-11-24T10:00")
    b = a.model_copy(update={"received_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC)})
    assert source_key(a) == source_key(b)
    assert source_key(a) != source_key(report("kapot", at="2026-11-24T10:01"))


def test_ticket_round_trip_and_history(tmp_path: Path, triage: Triage) -> None:
    item = report("niemand kan werken", at="2026-11-24T14:00")
    with Store(tmp_path / "t.db") as store:
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


def test_decision_for_unknown_ticket(tmp_path: Path, triage: Triage) -> None:
    with Store(tmp_path / "t.db") as store, pytest.raises(StoreError, match="no ticket #9"):
        store.add_decision(9, triage.decide(report("kapot")), "confirmed", "x", NOW)


def test_quarantine_once_per_key(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db") as store:
        assert store.quarantine("email", "cannot parse", b"\x00garbage", NOW)
        assert not store.quarantine("email", "cannot parse", b"\x00garbage", NOW)
        [row] = store.quarantined()
        assert (row.source, row.reason, row.size) == ("email", "cannot parse", 8)


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer than this triage"):
        Store(path)


def test_reopen_keeps_data(tmp_path: Path, triage: Triage) -> None:
    item = report("kapot")
    with Store(tmp_path / "t.db") as store:
        store.record(item, triage.decide(item), NOW)
    with Store(tmp_path / "t.db") as store:
        assert store.count("tickets") == 1
        assert not store.record(item, triage.decide(item), NOW).created

"""`store.batch()`: many units of work in one commit (bulk imports), each still all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.models import Decision
from bot.pipeline import Triage
from bot.reminders import ReminderPolicy
from bot.store import OutboxItem, Store
from tests.unit.triage_setup import build_triage, report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def triage(tmp_path: Path) -> Triage:
    return build_triage(tmp_path)


def test_a_batch_commits_once_at_its_end(store_url: str, triage: Triage) -> None:
    with Store(store_url) as store, Store(store_url) as other:
        desk = Desk(triage, store, ReminderPolicy, slack=False)
        with store.batch():
            for n in range(3):
                assert desk.open_ticket(report(f"kapot {n}"), NOW).created
            assert store.quarantine("phone", "bad row", b"x", NOW, key="row-1")
            # This connection sees its own writes; another one sees nothing before the commit.
            assert store.count("tickets") == 3
            assert other.count("tickets") == 0 and other.count("quarantine") == 0
        assert other.count("tickets") == 3 and other.count("quarantine") == 1


def test_a_failing_unit_in_a_batch_is_undone_alone(store_url: str, triage: Triage) -> None:
    with Store(store_url) as store:
        desk = Desk(triage, store, ReminderPolicy, slack=False)

        def failing(ticket_id: int, _decision: Decision) -> list[OutboxItem]:
            raise RuntimeError(f"no acknowledgement for #{ticket_id}")

        with store.batch():
            assert desk.open_ticket(report("eerste"), NOW).created
            with pytest.raises(RuntimeError, match="no acknowledgement"):
                desk.open_ticket(report("tweede"), NOW, failing)
            assert desk.open_ticket(report("derde"), NOW).created
        assert store.count("tickets") == 2 and store.count("reports") == 2
        assert desk.open_ticket(report("tweede"), NOW).created  # the failed one is new again


def test_a_batch_that_raises_writes_nothing(store_url: str, triage: Triage) -> None:
    with Store(store_url) as store:
        desk = Desk(triage, store, ReminderPolicy, slack=False)
        with pytest.raises(RuntimeError, match="boom"), store.batch():
            assert desk.open_ticket(report("eerste"), NOW).created
            with store.batch():  # a batch inside a batch is part of it
                assert desk.open_ticket(report("tweede"), NOW).created
            raise RuntimeError("boom")
        assert store.count("tickets") == 0 and store.count("reports") == 0
        # The store works as before after the batch.
        assert desk.open_ticket(report("eerste"), NOW).created
        with store.transaction() as tx:
            tx.enqueue(OutboxItem("email", "ack:x", {}), NOW)
        assert len(store.outbox()) == 1

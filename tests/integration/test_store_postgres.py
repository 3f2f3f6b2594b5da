"""What only PostgreSQL has to show: claims that two busy processes never share, a server that
goes away and comes back, the password kept out of the URL, and `triage db copy` from SQLite.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from bot.errors import StoreUnavailable
from bot.store import OutboxItem, Store
from tests.servers.postgres import Postgres, PostgresDatabase
from tests.unit.triage_setup import build_triage, report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_two_busy_claimers_never_take_the_same_row(postgres_db: PostgresDatabase) -> None:
    """300 due rows, two stores (two connections, as two processes), each claiming as fast
    as it can from the same list: every row is claimed exactly once."""
    with Store(postgres_db.url) as setup:
        for n in range(300):
            setup.enqueue(OutboxItem("email", f"ack:{n}", {"to": f"{n}@x.nl"}), NOW)
        rows = setup.due_outbox(NOW, ["email"], limit=1000)
    assert len(rows) == 300
    won: dict[str, list[int]] = {"one": [], "two": []}
    start = threading.Barrier(2)

    def claim(name: str) -> None:
        with Store(postgres_db.url) as store:
            start.wait()
            for row in rows:
                if store.claim_outbox(row.id, NOW, NOW + timedelta(minutes=2), name):
                    won[name].append(row.id)

    threads = [threading.Thread(target=claim, args=(name,)) for name in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not set(won["one"]) & set(won["two"])
    assert sorted(won["one"] + won["two"]) == sorted(r.id for r in rows)


def test_a_server_that_goes_away_is_unavailable_then_used_again(
    postgres_server: Postgres, postgres_db: PostgresDatabase
) -> None:
    triage = build_triage(Path(postgres_server.directory))
    with Store(postgres_db.url) as store:
        item = report("kapot")
        store.record(item, triage.decide(item), NOW)
        postgres_server.stop()
        try:
            with pytest.raises(StoreUnavailable, match=r"niet bereikbaar|lukt niet"):
                store.count("tickets")
            with pytest.raises(StoreUnavailable):
                other = report("ook kapot")
                store.record(other, triage.decide(other), NOW)
        finally:
            postgres_server.start()
        # The same Store object connects again by itself: nothing was lost, writes work.
        assert store.count("tickets") == 1
        other = report("ook kapot")
        assert store.record(other, triage.decide(other), NOW).created
        assert store.count("tickets") == 2


def test_a_cut_connection_is_opened_again(postgres_db: PostgresDatabase) -> None:
    with Store(postgres_db.url) as store:
        assert store.count("tickets") == 0
        assert postgres_db.kill_connections() >= 1
        # The first use after the cut finds the connection gone and says so ...
        with pytest.raises(StoreUnavailable):
            store.count("tickets")
        # ... the next one works on a new connection.
        assert store.count("tickets") == 0


def test_the_password_comes_apart_and_is_never_shown(
    postgres_db: PostgresDatabase,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Store(postgres_db.password_url, password=postgres_db.password) as store:
        assert store.count("tickets") == 0
    with pytest.raises(StoreUnavailable) as refused:
        Store(postgres_db.password_url, password="fout-" + postgres_db.password)
    assert postgres_db.password not in str(refused.value)
    # The CLI reads it from $TRIAGE_DB_PASSWORD, and shows the URL without it.
    monkeypatch.setenv("TRIAGE_DB_PASSWORD", postgres_db.password)
    assert main(["--db", postgres_db.password_url, "db", "status"]) == 0
    printed = capsys.readouterr()
    assert "schemaversie" in printed.out
    assert postgres_db.password not in printed.out + printed.err
    # A password written into the URL after all is masked wherever the URL is shown.
    monkeypatch.delenv("TRIAGE_DB_PASSWORD")
    in_url = postgres_db.password_url.replace("triage@", f"triage:{postgres_db.password}@")
    assert main(["--db", in_url, "db", "status"]) == 0
    printed = capsys.readouterr()
    assert "triage:***@" in printed.out
    assert postgres_db.password not in printed.out + printed.err


def test_db_copy_moves_a_sqlite_installation_with_the_same_counts(
    tmp_path: Path, postgres_db: PostgresDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    triage = build_triage(tmp_path)
    old = tmp_path / "triage.db"
    with Store(old) as store:
        for n in range(30):
            item = report(f"kapot {n}")
            store.record(item, triage.decide(item), NOW)
            store.enqueue(OutboxItem("email", f"ack:{n + 1}", {"to": "a@x.nl"}), NOW, n + 1)
        store.quarantine("email", "kan niet lezen", b"\x00\xff", NOW)
    assert main(["db", "copy", str(old), postgres_db.url]) == 0
    printed = capsys.readouterr().out
    assert "tickets" in printed and "30 →       30" in printed
    assert "alle aantallen kloppen" in printed
    with Store(postgres_db.url) as new, Store(old) as before:
        assert [t.id for t in new.tickets()] == [t.id for t in before.tickets()]
        assert new.outbox() == before.outbox()
        assert new.quarantined() == before.quarantined()
    # A second copy into the same, no longer empty database writes nothing.
    assert main(["db", "copy", str(old), postgres_db.url]) == 1
    assert "niet leeg" in capsys.readouterr().err
    assert os.environ.get("TRIAGE_DB_PASSWORD") is None

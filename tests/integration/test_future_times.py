"""Times in the future: a call log's call (a wrong exchange clock: kept, flagged and said in
the summary and the team channel) and an outage window (an unplanned outage starting later is
a typo: refused in Dutch; planned maintenance may be announced ahead, SLA 2.A).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.phone.mapping import PRESETS
from app.bootstrap import Paths
from app.cli import _parser, run_command
from app.render.text import describe_import
from bot.errors import TriageError
from bot.store import Store
from tests.conftest import REPO
from tests.integration.slack_helpers import running_slack
from tests.integration.test_phone import desk_for, nl_csv
from tests.servers.slack_api import FakeSlackApi

# Tuesday 24 November 2026, 11:00 in Amsterdam.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_a_call_in_the_future_is_kept_and_flagged_in_the_summary(tmp_path: Path) -> None:
    store, _, intake = desk_for(tmp_path)
    data = nl_csv(
        "06-12345678;030-7600290;24-11-2026 10:30;0:04:00;ja;Mark;Export faalt;NL-1",
        # The exchange's clock ran a day ahead: 25 Nov while it is 24 Nov.
        "050-1234567;030-7600290;25-11-2026 10:30;0:02:00;ja;Mark;Vraag over rapport;NL-2",
        # A few minutes ahead is two clocks disagreeing, not a wrong date.
        "040-7654321;030-7600290;24-11-2026 11:03;0:01:00;ja;Mark;Vraag;NL-3",
    )
    summary = intake.ingest(data, "calls.csv", PRESETS["nl-csv"], NOW)
    assert [o.outcome for o in summary.outcomes] == ["ticket", "ticket", "ticket"]
    assert [bool("future_time" in o.flags) for o in summary.outcomes] == [False, True, False]
    assert store.count("tickets") == 3  # kept, as logged
    text = describe_import(summary)
    [line] = [line for line in text.splitlines() if "toekomst" in line]
    assert "begintijd ligt in de toekomst" in line and "klok van de telefooncentrale" in line


def test_the_team_channel_is_told_about_a_call_in_the_future(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    monkeypatch.setenv("TRIAGE_PHONE__WATCH_DIR", str(folder))
    monkeypatch.setenv("TRIAGE_PHONE__FORMAT", "nl-csv")
    # The rig's clock reads Tue 24 Nov 10:00 (Amsterdam); the call says Thursday.
    (folder / "vandaag.csv").write_bytes(
        nl_csv("06-12345678;030-7600290;26-11-2026 10:00;0:03:00;ja;Sanne;Vraag;NL-5")
    )
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        assert rig.service.check_phone_dir() == 1
        rows = [r for r in rig.store.outbox() if r["dedupe_key"].startswith("phone-import:")]
        assert len(rows) == 1
        rig.deliver()
        [summary] = [
            c for c in slack_api.calls("chat.postMessage") if "Belregistratie" in c.params["text"]
        ]
        assert "begintijd ligt in de toekomst" in summary.params["text"]
    assert json.loads(rows[0]["payload"])["op"] == "phone_import"


def outage(db: Path, now: datetime, *argv: str) -> str:
    paths = Paths(REPO / "config", REPO / "rules", db)
    args = _parser().parse_args(["outage", *argv, "--db", str(db)])
    out = io.StringIO()
    run_command(args, paths, out, clock=lambda: now)
    return out.getvalue()


def test_an_outage_in_the_future_is_refused_but_planned_maintenance_may_be(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.db"
    with pytest.raises(TriageError, match="--start ligt in de toekomst"):
        outage(db, NOW, "add", "--start", "2026-11-24T12:00", "--reason", "Traag")
    with pytest.raises(TriageError, match="--end ligt in de toekomst"):
        outage(
            db,
            NOW,
            "add",
            "--start",
            "2026-11-24T10:00",
            "--end",
            "2026-11-24T13:00",
            "--reason",
            "Traag",
        )
    assert "nog bezig" in outage(db, NOW, "add", "--start", "2026-11-24T10:30", "--reason", "Traag")
    with pytest.raises(TriageError, match="--at ligt in de toekomst"):
        outage(db, NOW, "end", "1", "--at", "2026-11-24T12:00")
    # The release window of 8 December, entered a fortnight ahead (SLA 2.A, 2.B).
    said = outage(
        db,
        NOW,
        "add",
        "--planned",
        "--start",
        "2026-12-08T07:00",
        "--end",
        "2026-12-08T07:30",
        "--reason",
        "Release",
    )
    assert "vastgelegd" in said
    with Store(db) as store:
        kinds = [o.kind for o in store.outages_between(None, None)]
    assert kinds == ["storing", "planned"]  # none of the refused windows was stored

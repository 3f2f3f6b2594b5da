"""Phone calls end to end: `triage ingest phone`, the watched folder, the phone rule that turns
an exempt email ticket into a guaranteed one, missed calls, a loud Hoog, and the Slack modal
over signed HTTP requests.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.phone.calllog import parse_call_log
from adapters.phone.intake import PhoneIntake
from adapters.phone.mapping import PRESETS
from adapters.phone.records import call_to_report
from adapters.slack.views.team import team_message
from app.bootstrap import Paths, load_setup
from app.cli import main
from bot.desk import Desk
from bot.intents import HoogCall, MissedCall, from_payload
from bot.models import Channel, Priority, Report
from bot.store import Store
from tests.conftest import REPO
from tests.integration.slack_helpers import AGENT, TEAM, running_slack
from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_requests import view_submission_payload

SAMPLE = REPO / "samples" / "phone" / "calls.csv"
HEADER = "Beller;Gebeld nummer;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID\n"
# Monday 23 November 2026, 09:12 in Amsterdam: Anja emails that nobody can log in.
EMAILED = datetime(2026, 11, 23, 8, 12, tzinfo=UTC)


def email_ticket(store: Store, desk: Desk) -> int:
    """Ticket #1: a Hoog storing by email from Zorggroep Noord, exempt under SLA 4.D."""
    report = Report(
        channel=Channel.EMAIL,
        received_at=EMAILED,
        sender="a.devries@zorggroepnoord.nl",
        subject="Niemand kan inloggen",
        body="Sinds vanochtend kan niemand bij ons inloggen. Iedereen krijgt een foutmelding.",
        source_key="email:<login@zorggroepnoord.nl>",
    )
    opened = desk.open_ticket(report, EMAILED)
    assert opened.ticket_id is not None
    return opened.ticket_id


def desk_for(tmp_path: Path, slack: bool = True) -> tuple[Store, Desk, PhoneIntake]:
    setup = load_setup(Paths(REPO / "config", REPO / "rules", tmp_path / "t.db"))
    store = Store(tmp_path / "t.db")
    desk = Desk(setup.triage, store, lambda: setup.triage.engine.rule_set.reminders, slack=slack)
    return store, desk, PhoneIntake(desk)


def shown(payload: str, desk: Desk) -> dict[str, Any]:
    """A queued outbox row: a call announcement as the team sees it in Slack (its text and
    blocks), any other row as stored."""
    data: dict[str, Any] = json.loads(payload)
    intent = from_payload(data)
    if isinstance(intent, HoogCall | MissedCall):
        message = team_message(intent, desk.triage.calendar)
        return {"text": message.text, "blocks": message.blocks}
    return data


def nl_csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def test_agreed_callers_call_makes_an_exempt_email_ticket_guaranteed(tmp_path: Path) -> None:
    store, desk, intake = desk_for(tmp_path)
    ticket = email_ticket(store, desk)
    before = store.ticket_view(ticket)
    assert before.exempt and before.priority is Priority.HOOG
    assert before.reaction_due == datetime(2026, 11, 23, 8, 27, tzinfo=UTC)  # 09:12 + 15 min

    # Tuesday 24 Nov 10:30: Pieter Bakker (an agreed contact of Zorggroep Noord) phones
    # about it. From then on it is guaranteed, with deadlines counted from the call.
    data = nl_csv(
        "06-12345678;030-7600290;24-11-2026 10:30;0:04:00;ja;Mark;"
        "Belt over ticket #1: inloggen lukt nog steeds niet;NL-1"
    )
    now = datetime(2026, 11, 24, 9, 35, tzinfo=UTC)
    summary = intake.ingest(data, "calls.csv", PRESETS["nl-csv"], now)
    assert [o.outcome for o in summary.outcomes] == ["guaranteed"]

    after = store.ticket_view(ticket)
    called = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert not after.exempt and after.exempt_reason is None
    assert after.sla_start == called
    assert after.priority is Priority.HOOG and after.provisional  # still for Dialog to confirm
    assert after.reaction_due == datetime(2026, 11, 24, 9, 45, tzinfo=UTC)  # call + 15 min
    assert after.resolution_due == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # + 1 working day
    assert after.received_at == EMAILED  # the report's own receipt is kept
    link = [e for e in store.history(ticket) if e.kind == "phone_link"]
    assert link and link[0].data["contact"] == "Pieter Bakker"
    kinds = [row["dedupe_key"].split(":")[0] for row in store.outbox("pending")]
    assert "slack-update" in kinds and "slack-reply" in kinds  # the post says so
    assert any(k == "remind" for k in kinds)  # guaranteed now: reminders planned

    # Importing the same file again changes nothing.
    again = intake.ingest(data, "calls.csv", PRESETS["nl-csv"], now)
    assert [o.outcome for o in again.outcomes] == ["duplicate"]
    assert len([e for e in store.history(ticket) if e.kind == "phone_link"]) == 1


def test_unagreed_caller_does_not_make_it_guaranteed(tmp_path: Path) -> None:
    store, desk, intake = desk_for(tmp_path)
    ticket = email_ticket(store, desk)
    data = nl_csv("020-5558899;030-7600290;24-11-2026 10:30;0:02:00;ja;Mark;Over #1;NL-2")
    summary = intake.ingest(data, "calls.csv", PRESETS["nl-csv"], datetime.now(UTC))
    [outcome] = summary.outcomes
    assert outcome.outcome == "attached" and "unagreed_caller" in outcome.flags
    view = store.ticket_view(ticket)
    assert view.exempt and view.sla_start is None
    [note] = [e for e in store.history(ticket) if e.kind == "phone_call"]
    assert note.data["guaranteed"] is False
    assert "3.C" in note.data["reason"]


def test_new_hoog_by_phone_is_announced_loudly_and_missed_calls_are_shown(tmp_path: Path) -> None:
    store, desk, intake = desk_for(tmp_path)
    data = nl_csv(
        "050-1234567;030-7600290;24-11-2026 10:00;0:03:00;ja;Sanne;"
        "Niemand kan inloggen, het hele platform geeft een foutmelding;NL-3",
        "010-2223344;030-7600290;24-11-2026 10:05;0:00;nee;Mark;;NL-4",
    )
    summary = intake.ingest(data, "calls.csv", PRESETS["nl-csv"], datetime.now(UTC))
    assert [o.outcome for o in summary.outcomes] == ["ticket", "missed"]
    [ticket] = store.ticket_views()
    assert ticket.channel is Channel.PHONE and not ticket.exempt
    messages = {row["dedupe_key"]: shown(row["payload"], desk) for row in store.outbox()}
    loud = messages[f"slack-hoog:{ticket.id}"]
    assert loud["text"].startswith("<!here>") and "Anja de Vries" in loud["text"]
    missed = next(v for k, v in messages.items() if k.startswith("slack-missed:"))
    assert "Gemiste oproep" in missed["text"] and "Bakker Logistiek" in missed["text"]
    assert store.count("reports") == 2 and store.count("tickets") == 1

    # A Hoog storing from a number that is no agreed contact: loud too, and it says why it
    # carries no guarantee (SLA 3.C).
    unknown = nl_csv(
        "020-5558899;030-7600290;24-11-2026 11:00;0:02:00;ja;Sanne;"
        "Niemand kan inloggen, het hele platform geeft een foutmelding;NL-5"
    )
    [outcome] = intake.ingest(unknown, "calls.csv", PRESETS["nl-csv"], datetime.now(UTC)).outcomes
    assert outcome.outcome == "ticket" and "unagreed_caller" in outcome.flags
    payload = shown(
        next(
            r["payload"]
            for r in store.outbox()
            if r["dedupe_key"] == f"slack-hoog:{outcome.ticket_id}"
        ),
        desk,
    )
    assert "Geen afgesproken contactpersoon" in payload["text"]


def test_cli_ingest_is_idempotent_and_reports_bad_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    log = tmp_path / "calls.csv"
    shutil.copy(SAMPLE, log)
    assert main(["ingest", "phone", str(log), "--format", "nl-csv", "--db", str(db)]) == 0
    first = capsys.readouterr().out
    assert "5 gesprekken" in first and "1 gemiste oproep," in first
    assert "020-5558899" not in first  # numbers are not echoed; the flag is
    assert "geen afgesproken contactpersoon (SLA 3.C)" in first
    with Store(db) as store:
        tickets = store.count("tickets")
        reports = store.count("reports")

    # The log grows by one good row and one bad one: only the new call is added.
    with log.open("a", encoding="utf-8") as handle:
        handle.write(
            "040-7654321;030-7600290;30-11-2026 09:15;1:00;ja;Sanne;Vraag over export;NL-9\n"
        )
        handle.write(";030-7600290;30-11-2026 09:20;1:00;ja;Sanne;Geen nummer;NL-10\n")
    assert main(["ingest", "phone", str(log), "--format", "nl-csv", "--db", str(db)]) == 2
    second = capsys.readouterr().out
    assert "5 al eerder ingelezen" in second and "1 onleesbare regel" in second
    assert f"{log}:9:" in second  # the bad row, by file and line
    with Store(db) as store:
        assert store.count("tickets") == tickets + 1
        assert store.count("reports") == reports + 1


def test_watched_folder_imports_new_and_grown_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.service import Service

    folder = tmp_path / "calls"
    folder.mkdir()
    monkeypatch.setenv("TRIAGE_PHONE__WATCH_DIR", str(folder))
    monkeypatch.setenv("TRIAGE_PHONE__FORMAT", "nl-csv")
    paths = Paths(REPO / "config", REPO / "rules", tmp_path / "t.db")
    with Store(paths.db) as store:
        service = Service(load_setup(paths), paths, store)
        assert service.check_phone_dir() == 0
        (folder / "vandaag.csv").write_bytes(
            nl_csv("050-1234567;030-7600290;24-11-2026 10:00;0:03:00;ja;Sanne;Export faalt;NL-5")
        )
        assert service.check_phone_dir() == 1
        assert service.check_phone_dir() == 0  # unchanged: not read again
        with (folder / "vandaag.csv").open("a", encoding="utf-8") as handle:
            handle.write("06-12345678;030-7600290;24-11-2026 11:00;0:01:00;ja;Mark;Vraag;NL-6\n")
        assert service.check_phone_dir() == 1
        assert store.count("reports") == 2


def test_phone_modal_over_signed_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        desk = rig.service.desk
        ticket = email_ticket(rig.store, desk)
        answer = rig.slack.command("/triage", "telefoon", AGENT)
        assert answer.status == 200
        modal = slack_api.wait_for("views.open")[0].json("view")
        assert modal["callback_id"] == "phone_call"
        options = modal["blocks"][0]["element"]["options"]
        assert any("Anja de Vries" in o["text"]["text"] for o in options)

        called = int(rig.clock.now.timestamp()) - 600
        values = {
            "contact": {
                "contact": {
                    "type": "static_select",
                    "selected_option": {"value": "+31 50 123 4567"},
                }
            },
            "number": {"number": {"type": "plain_text_input", "value": None}},
            "called_at": {"called_at": {"type": "datetimepicker", "selected_date_time": called}},
            "notes": {"notes": {"type": "plain_text_input", "value": "Inloggen lukt nog niet"}},
            "ticket": {"ticket": {"type": "plain_text_input", "value": f"#{ticket}"}},
        }
        submit = view_submission_payload("phone_call", modal["private_metadata"], values, AGENT)
        assert rig.slack.view_submission(submit).status == 200
        view = rig.store.ticket_view(ticket)
        assert not view.exempt and view.sla_start == datetime.fromtimestamp(called, UTC)
        confirmation = slack_api.wait_for("chat.postEphemeral")[0]
        assert "SLA-garantie" in confirmation.params["text"]

        # A bad entry gets field errors and stores nothing.
        bad = {**values, "contact": {"contact": {"type": "static_select", "selected_option": None}}}
        bad["number"] = {"number": {"type": "plain_text_input", "value": "geen nummer"}}
        refused = rig.slack.view_submission(
            view_submission_payload("phone_call", modal["private_metadata"], bad, AGENT)
        ).json()
        assert refused["response_action"] == "errors" and "number" in refused["errors"]

        rig.deliver()
        updates = [c for c in slack_api.calls("chat.update") if c.params["channel"] == TEAM]
        assert "telefonisch" in json.dumps(updates[-1].json("blocks"), ensure_ascii=False)


def test_confirming_a_phoned_in_ticket_keeps_the_guarantee_and_the_call_time(
    tmp_path: Path,
) -> None:
    store, desk, intake = desk_for(tmp_path)
    ticket = email_ticket(store, desk)
    data = nl_csv("06-12345678;030-7600290;24-11-2026 10:30;0:04:00;ja;Mark;Over #1;NL-7")
    now = datetime(2026, 11, 24, 9, 35, tzinfo=UTC)
    intake.ingest(data, "calls.csv", PRESETS["nl-csv"], now)
    called = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    # Dialog confirms the priority, then changes it: the deadlines still run from the call,
    # and the ticket stays guaranteed (it used to fall back to the email: exempt again).
    desk.set_priority(ticket, None, "U0ANNA", now)
    confirmed = store.ticket_view(ticket)
    assert not confirmed.exempt and confirmed.reaction_due == called + timedelta(minutes=15)
    desk.set_priority(ticket, Priority.MIDDEL, "U0ANNA", now, "workaround")
    changed = store.ticket_view(ticket)
    assert not changed.exempt
    assert changed.reaction_due == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # call + 1 werkdag


def test_a_call_stored_twice_links_once(tmp_path: Path) -> None:
    store, desk, _ = desk_for(tmp_path)
    ticket = email_ticket(store, desk)
    data = nl_csv("06-12345678;030-7600290;24-11-2026 10:30;0:04:00;ja;Mark;Over #1;NL-8")
    now = datetime(2026, 11, 24, 9, 35, tzinfo=UTC)
    [call] = parse_call_log(data, "calls.csv", PRESETS["nl-csv"]).calls
    report = call_to_report(call)
    assert desk.link_call(ticket, report, now) == "guaranteed"
    assert desk.link_call(ticket, report, now) == "duplicate"
    assert [d["kind"] for d in store.decisions(ticket)] == ["provisional", "phone_link"]


def test_a_late_link_past_its_new_deadline_is_reminded_as_a_breach(tmp_path: Path) -> None:
    store, desk, intake = desk_for(tmp_path)
    ticket = email_ticket(store, desk)
    # The call was Tue 24 Nov 10:30 (reaction due 10:45); the log is imported at 11:45.
    data = nl_csv("06-12345678;030-7600290;24-11-2026 10:30;0:04:00;ja;Mark;Over #1;NL-9")
    now = datetime(2026, 11, 24, 10, 45, tzinfo=UTC)
    intake.ingest(data, "calls.csv", PRESETS["nl-csv"], now)
    desk.plan(now + timedelta(minutes=1))
    pending = [r["dedupe_key"] for r in store.outbox("pending")]
    assert any(k.startswith(f"remind:{ticket}:") and k.endswith("reaction:breach") for k in pending)


def test_a_growing_log_quarantines_a_bad_row_once_and_shows_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    monkeypatch.setenv("TRIAGE_PHONE__WATCH_DIR", str(folder))
    monkeypatch.setenv("TRIAGE_PHONE__FORMAT", "nl-csv")
    log = folder / "vandaag.csv"
    log.write_bytes(nl_csv(";030-7600290;24-11-2026 10:00;0:01:00;ja;Sanne;Geen nummer;NL-20"))
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        rig.service.check_phone_dir()
        for n in range(3):  # the log grows three times with good calls (before the clock's 10:00)
            with log.open("a", encoding="utf-8") as handle:
                row = (
                    f"040-7654321;030-7600290;24-11-2026 09:0{n};0:01:00;ja;Sanne;Vraag;NL-{21 + n}"
                )
                handle.write(row + "\n")
            rig.service.check_phone_dir()
        assert len(rig.store.quarantined()) == 1
        assert rig.store.quarantined()[0].source == "phone"
        shown = [r for r in rig.store.outbox() if r["dedupe_key"].startswith("phone-import:")]
        assert len(shown) == 1 and "vandaag.csv:2" in shown[0]["payload"]


def test_a_ticket_number_from_after_the_call_is_not_linked(tmp_path: Path) -> None:
    store, desk, intake = desk_for(tmp_path)
    ticket = email_ticket(store, desk)  # Mon 23 Nov 09:12
    # A call of Sun 22 Nov mentions "#1": ticket #1 did not exist then, so this is a new
    # report, not a call about the email ticket.
    data = nl_csv("06-12345678;030-7600290;22-11-2026 10:30;0:04:00;ja;Mark;Over #1;NL-30")
    [outcome] = intake.ingest(data, "calls.csv", PRESETS["nl-csv"], datetime.now(UTC)).outcomes
    assert outcome.outcome == "ticket" and outcome.ticket_id != ticket
    assert "unknown_ticket_ref" in outcome.flags
    assert store.ticket_view(ticket).exempt

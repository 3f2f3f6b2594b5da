"""Reminders, digests and Slack's errors end to end: the real desk, store, outbox worker and
Slack transport against the fake Web API, on a clock the tests move by hand.

Calendar: Europe/Amsterdam, working days 09:00-17:00 (8 werkuren), NL holidays. A Middel
storing has a reaction window of 1 werkdag and is resolved in the next release (anchor
2026-01-06 07:00, every 21 days: ... 17 Nov, 8 Dec, 29 Dec).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from adapters.slack.transport import SlackTransport
from app.bootstrap import Paths, Setup, load_setup
from app.commands.report import monthly_message
from bot.desk import Desk
from bot.models import Channel, Priority, Report
from bot.outbox import OutboxWorker
from bot.reminders import release_on
from bot.store import OutboxItem, Store
from tests.conftest import REPO
from tests.servers.slack_api import Call, FakeSlackApi

AMS = ZoneInfo("Europe/Amsterdam")
TEAM = "C0TEAM"
FIRST_TS = "1700000000.000100"  # the fake Slack's first message ts
GUARANTEED = "f.elamrani@lindendaal.nl"  # gemeente-lindendaal: phone_not_required
EXEMPT = "a.devries@zorggroepnoord.nl"  # by email, no phone: SLA 4.D exempt
EVALUATIES = (
    "De herinneringen voor de evaluaties worden sinds gisteren niet meer verstuurd. "
    "Medewerkers kunnen de evaluatie wel gewoon invullen."
)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=AMS)


@dataclass
class Env:
    setup: Setup
    store: Store
    desk: Desk
    transport: SlackTransport
    worker: OutboxWorker
    api: FakeSlackApi


def make_env(
    db: Path, api: FakeSlackApi, channel: str = TEAM, exempt_reminders: bool = False
) -> Env:
    setup = load_setup(Paths(REPO / "config", REPO / "rules", db))
    policy = setup.triage.engine.rule_set.reminders
    if exempt_reminders:
        policy = policy.model_copy(update={"exempt": True})
    store = Store(db)
    desk = Desk(setup.triage, store, policy=lambda: policy)
    client = WebClient(token="xoxb-test", base_url=api.url)
    transport = SlackTransport(client, desk, store, channel, monthly=monthly_message)
    return Env(setup, store, desk, transport, OutboxWorker(store, {"slack": transport}), api)


@pytest.fixture
def env(tmp_path: Path, slack_api: FakeSlackApi) -> Iterator[Env]:
    made = make_env(tmp_path / "t.db", slack_api)
    yield made
    made.store.close()


def new_ticket(
    env: Env,
    at: datetime,
    sender: str = GUARANTEED,
    subject: str = "Herinneringen komen niet aan",
    body: str = EVALUATIES,
) -> int:
    """A ticket as the email intake makes it: recorded with its post, then planned."""
    report = Report(
        channel=Channel.EMAIL,
        received_at=at,
        sender=sender,
        subject=subject,
        body=body,
        source_key=f"<{subject}-{at.isoformat()}@test>",
    )
    opened = env.desk.open_ticket(report, at)
    assert opened.created and opened.ticket_id is not None
    return opened.ticket_id


def tick(env: Env, at: datetime, ticket: int | None = None) -> None:
    """What the service does at `at`, twice over: re-plan, deliver what is due."""
    for _ in range(2):
        env.desk.plan(at, ticket)
        env.worker.deliver_due(at)


def posted(api: FakeSlackApi) -> list[Call]:
    return [c for c in api.calls("chat.postMessage") if c.failed_status is None]


def top_level(api: FakeSlackApi) -> list[Call]:
    return [c for c in posted(api) if not c.params.get("thread_ts")]


def thread(env: Env, ticket: int) -> list[str]:
    """Texts posted in the ticket's thread, which must hang under its post."""
    post = env.store.slack_post(ticket)
    assert post is not None
    return [c.params["text"] for c in posted(env.api) if c.params.get("thread_ts") == post[1]]


def digests(api: FakeSlackApi) -> list[Call]:
    return [c for c in top_level(api) if c.params["text"].startswith("Dagoverzicht")]


def reminder_rows(env: Env, status: str) -> dict[str, datetime]:
    rows = env.store.outbox(status)
    return {
        r["dedupe_key"]: datetime.fromisoformat(r["next_attempt_at"]).astimezone(AMS)
        for r in rows
        if r["dedupe_key"].startswith("remind:")
    }


def step_through(env: Env, ticket: int, steps: list[tuple[datetime, list[str]]]) -> None:
    """At each moment, exactly the reminders whose texts contain these fragments are new."""
    seen = 0
    for at, expected in steps:
        tick(env, at)
        texts = thread(env, ticket)
        new, seen = texts[seen:], len(texts)
        assert len(new) == len(expected), (at, new)
        for text, fragment in zip(new, expected, strict=True):
            assert fragment in text, (at, text)


# Fri 27 Nov 16:00 + 1 werkdag (8h): 1h on Friday, 7h on Monday -> due Mon 30 Nov 16:00.
# 50% = 4h: Fri 16-17 + Mon 09-12 -> Mon 12:00. 80% = 6h24m -> Mon 14:24.
# 1 werkuur before = 7h -> Mon 15:00. Breach Mon 16:00. Overdue +2 werkuren: Mon 16-17 (1h)
# and Tue 09-10 (1h) -> Tue 1 Dec 10:00.
def test_reminders_across_a_weekend(env: Env) -> None:
    received = local(2026, 11, 27, 16)
    ticket = new_ticket(env, received)
    assert env.desk.view(ticket).reaction_due == local(2026, 11, 30, 16)

    tick(env, received + timedelta(minutes=1))
    [post] = top_level(env.api)
    assert post.params["channel"] == TEAM and f"#{ticket}" in post.params["text"]
    assert env.store.slack_post(ticket) == (TEAM, FIRST_TS)
    step_through(
        env,
        ticket,
        [
            (local(2026, 11, 28, 10), []),
            (local(2026, 11, 29, 15), []),
            (local(2026, 11, 30, 9), []),
            (local(2026, 11, 30, 11, 59), []),
            (local(2026, 11, 30, 12), ["reactietermijn verstrijkt over 4 werkuren"]),
            (local(2026, 11, 30, 12, 30), []),
            (local(2026, 11, 30, 14, 24), ["over 1 werkuur en 36 werkminuten"]),
            (local(2026, 11, 30, 15), ["reactietermijn verstrijkt over 1 werkuur ("]),
            (local(2026, 11, 30, 16), ["reactietermijn verstreken om ma 30 nov 16:00"]),
            (local(2026, 11, 30, 16, 59), []),
            (local(2026, 12, 1, 9, 59), []),
            (local(2026, 12, 1, 10), ["reactietermijn 2 werkuren overschreden"]),
            (local(2026, 12, 1, 10, 1), []),
        ],
    )
    # Top level: the post once, the digests of Mon and Tue 09:00, and on Tue 1 Dec (the first
    # working day of the month) at 09:30 the report of November.
    assert [c.params["text"][:23] for c in top_level(env.api)][1:] == [
        "Dagoverzicht ma 30 nov:",
        "Dagoverzicht di 1 dec: ",
        "SLA-rapport november 20",
    ]
    threaded = [c.params["thread_ts"] for c in posted(env.api) if c.params.get("thread_ts")]
    assert threaded == [FIRST_TS] * 5  # all five under the post
    assert not env.store.outbox("failed")


# Thu 24 Dec 14:00: 3h left that day; Fri 25 (Kerst), Sat 26, Sun 27 closed; 5h on Mon 28
# -> reaction due Mon 28 Dec 14:00. 50% = 4h: 3h + Mon 09-10 -> Mon 10:00. 80% = 6h24m:
# 3h + 3h24m -> 12:24. 1 werkuur before (7h) -> 13:00. Resolution: release Tue 29 Dec 07:00;
# window 3h + 8h = 11h, 1 werkuur before (10h) -> Mon 28 16:00; the 07:00 breach is
# reminded at opening, 09:00.
def test_reminders_across_christmas(env: Env) -> None:
    received = local(2026, 12, 24, 14)
    ticket = new_ticket(env, received)
    view = env.desk.view(ticket)
    assert (view.reaction_due, view.resolution_due) == (
        local(2026, 12, 28, 14),
        local(2026, 12, 29, 7),
    )

    tick(env, received + timedelta(minutes=1), ticket)
    assert len(top_level(env.api)) == 1  # the post
    assert reminder_rows(env, "pending") == {}  # nothing within the 2-day planning horizon
    step_through(env, ticket, [(local(2026, 12, 25, 10), []), (local(2026, 12, 26, 12), [])])
    tick(env, local(2026, 12, 27, 9), ticket)  # Sunday: plans up to Tue 29 Dec 09:00
    assert reminder_rows(env, "pending") == {
        "remind:1:1:reaction:50%": local(2026, 12, 28, 10),
        "remind:1:1:reaction:80%": local(2026, 12, 28, 12, 24),
        "remind:1:1:reaction:before:60m": local(2026, 12, 28, 13),
        "remind:1:1:reaction:breach": local(2026, 12, 28, 14),
        "remind:1:1:reaction:overdue:1": local(2026, 12, 28, 16),
        "remind:1:1:resolution:before:60m": local(2026, 12, 28, 16),
        "remind:1:1:resolution:breach": local(2026, 12, 29, 9),  # 07:00 -> opening
    }
    fragment = "reactietermijn verstrijkt over 4 werkuren (ma 28 dec 14:00)"
    step_through(
        env,
        ticket,
        [
            (local(2026, 12, 27, 16), []),
            (local(2026, 12, 28, 9, 59), []),
            (local(2026, 12, 28, 10), [fragment]),
            (local(2026, 12, 28, 12, 23), []),
        ],
    )


def test_restart_delivers_pending_reminders_once(tmp_path: Path, slack_api: FakeSlackApi) -> None:
    first = make_env(tmp_path / "t.db", slack_api)
    ticket = new_ticket(first, local(2026, 11, 27, 16))
    tick(first, local(2026, 11, 27, 16, 1), ticket)
    tick(first, local(2026, 11, 29, 12), ticket)  # Sunday: Monday's reminders are planned
    assert "remind:1:1:reaction:50%" in reminder_rows(first, "pending")
    first.store.close()

    second = make_env(tmp_path / "t.db", slack_api)
    step_through(
        second,
        ticket,
        [
            (local(2026, 11, 30, 11, 59), []),
            (local(2026, 11, 30, 12), ["over 4 werkuren"]),
            (local(2026, 11, 30, 12, 5), []),
        ],
    )
    second.store.close()

    # Restarted again after the 50% went out: re-planning at 12:10 revives nothing.
    third = make_env(tmp_path / "t.db", slack_api)
    tick(third, local(2026, 11, 30, 12, 10), ticket)
    tick(third, local(2026, 11, 30, 14, 24), ticket)
    fifty, eighty = thread(third, ticket)
    assert "over 4 werkuren" in fifty and "over 1 werkuur en 36 werkminuten" in eighty
    assert len(top_level(slack_api)) == 1  # the post was not sent again
    third.store.close()


# Fri 4 Dec 16:00, Middel: reaction due Mon 7 Dec 16:00, resolution in the release of
# Tue 8 Dec 07:00. As Hoog (from the same receipt): resolution 1 werkdag -> Mon 7 Dec 16:00.
def test_actions_cancel_reminders(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 12, 4, 16))
    tick(env, local(2026, 12, 7, 9), ticket)
    pending = reminder_rows(env, "pending")
    assert "remind:1:1:reaction:50%" in pending and "remind:1:1:resolution:breach" in pending

    assert env.desk.assign(ticket, "U0ANNA", local(2026, 12, 7, 9, 10))
    tick(env, local(2026, 12, 7, 9, 11), ticket)
    pending, cancelled = reminder_rows(env, "pending"), reminder_rows(env, "cancelled")
    assert pending and all(":resolution:" in key for key in pending)
    assert cancelled and all(":reaction:" in key for key in cancelled)
    assert "remind:1:1:reaction:50%" in cancelled
    tick(env, local(2026, 12, 7, 12), ticket)
    assert thread(env, ticket) == []  # the cancelled 50% reminder never went out

    view = env.desk.set_priority(
        ticket, Priority.HOOG, "U0ANNA", local(2026, 12, 7, 12, 5), "Alle klanten"
    )
    assert view.priority is Priority.HOOG and view.decision_id != 1
    assert view.resolution_due == local(2026, 12, 7, 16)  # from receipt, not from 12:05
    pending = reminder_rows(env, "pending")
    assert pending and all(
        key.startswith(f"remind:1:{view.decision_id}:resolution:") for key in pending
    )
    assert not any(k.startswith("remind:1:1:") for k in pending)
    assert pending[f"remind:1:{view.decision_id}:resolution:before:60m"] == local(2026, 12, 7, 15)

    # A reminder of the old decision that was already due: dropped by the transport.
    stale = {
        "op": "remind",
        "ticket": ticket,
        "decision": 1,
        "deadline": "resolution",
        "kind": "before",
        "due": local(2026, 12, 8, 7).isoformat(),
    }
    env.store.enqueue(
        OutboxItem("slack", "remind:1:1:race", stale), local(2026, 12, 7, 12, 6), ticket
    )
    tick(env, local(2026, 12, 7, 12, 6), ticket)
    assert thread(env, ticket) == []

    tick(env, local(2026, 12, 7, 15), ticket)
    assert len(thread(env, ticket)) == 1
    assert "#1 Hoog storing: oplostermijn verstrijkt over 1 werkuur" in thread(env, ticket)[0]

    assert env.desk.resolve(ticket, "U0ANNA", local(2026, 12, 7, 15, 30))
    assert reminder_rows(env, "pending") == {}
    tick(env, local(2026, 12, 7, 16), ticket)
    tick(env, local(2026, 12, 8, 12), ticket)
    # No breach, no overdue after resolving: only who resolved it follows the reminder.
    assert thread(env, ticket)[1:] == ["✅ Opgelost door <@U0ANNA> op ma 7 dec 15:30 (#1)"]
    assert not env.store.outbox("failed")


def test_digest_lists_open_tickets_and_the_release(env: Env) -> None:
    # 8 Dec 2026 is 336 days (16 x 21) after the anchor 6 Jan: a release day; 7 Dec is not.
    releases, tz = env.setup.triage.releases, env.setup.triage.calendar.tz
    assert release_on(releases, date(2026, 12, 8), tz) == local(2026, 12, 8, 7)
    assert release_on(releases, date(2026, 12, 7), tz) is None

    middel = new_ticket(env, local(2026, 11, 27, 16))  # resolution: release of 8 Dec 07:00
    exempt = new_ticket(env, local(2026, 12, 3, 11), sender=EXEMPT, subject="Herinneringen weg")
    tick(env, local(2026, 12, 4, 17, 30))  # Friday evening: digest on Monday 09:00
    assert env.store.outbox("pending")[-1]["dedupe_key"] == "digest:2026-12-07"
    tick(env, local(2026, 12, 7, 8, 59))
    assert digests(env.api) == []

    tick(env, local(2026, 12, 7, 9))
    [monday] = digests(env.api)
    assert monday.params["channel"] == TEAM and "thread_ts" not in monday.params
    assert monday.params["text"].startswith("Dagoverzicht ma 7 dec: 2 open")
    blocks = json.dumps(monday.params["blocks"], ensure_ascii=False)
    assert f"#{middel}*" in blocks and f"#{exempt}*" in blocks
    assert "Release vandaag" not in blocks

    tick(env, local(2026, 12, 8, 9))
    tick(env, local(2026, 12, 8, 9, 30))
    [_, tuesday] = digests(env.api)
    blocks = json.dumps(tuesday.params["blocks"], ensure_ascii=False)
    # Both are Middel-storingen due in this release: the exempt one too (its resolution is an
    # internal target). The rules before issue 11 missed "niet meer verstuurd" and made the
    # exempt report a question, which kept it out of this list.
    assert "Release vandaag om 07:00: 2 Middel-storingen moeten daarin opgelost zijn" in blocks
    release = next(
        json.dumps(b) for b in tuesday.params["blocks"] if "Release vandaag" in json.dumps(b)
    )
    assert f"#{middel}*" in release and f"#{exempt}*" in release


def storm_tickets(env: Env, at: datetime, count: int = 3) -> list[int]:
    return [
        new_ticket(env, at, subject=f"Herinneringen komen niet aan ({n})") for n in range(count)
    ]


def calls_after(env: Env, at: datetime) -> int:
    before = len(env.api.calls("chat.postMessage"))
    env.worker.deliver_due(at)
    return len(env.api.calls("chat.postMessage")) - before


def test_429_storm_pauses_the_transport(env: Env) -> None:
    t0 = local(2026, 11, 30, 10)
    tickets = storm_tickets(env, t0)
    env.api.fail_next("chat.postMessage", 429, times=5, retry_after=30)
    # One call per Retry-After window, never one per row; 5 refusals, then all three go.
    made = [calls_after(env, t0 + timedelta(seconds=s)) for s in (0, 10, 30, 40, 60, 90, 120, 150)]
    assert made == [1, 0, 1, 0, 1, 1, 1, 3]
    assert [c.failed_status for c in env.api.calls("chat.postMessage")] == [429] * 5 + [None] * 3
    assert calls_after(env, t0 + timedelta(minutes=10)) == 0
    assert len(top_level(env.api)) == 3
    assert {env.store.slack_post(t) is not None for t in tickets} == {True}
    assert not env.store.outbox("failed")
    assert not [r for r in env.store.outbox("pending") if r["dedupe_key"].startswith("slack-post")]


def test_429_storm_keeps_the_ticket_order(env: Env) -> None:
    t0 = local(2026, 11, 30, 10)
    storm_tickets(env, t0)
    env.api.fail_next("chat.postMessage", 429, times=5, retry_after=30)
    for s in (0, 30, 60, 90, 120, 150):
        env.worker.deliver_due(t0 + timedelta(seconds=s))
    titles = [c.params["text"].split(" ")[0] for c in top_level(env.api)]
    assert titles == ["#1", "#2", "#3"], titles


def test_server_error_is_retried_with_backoff(env: Env) -> None:
    t0 = local(2026, 11, 30, 10)
    ticket = new_ticket(env, t0)
    env.api.fail_next("chat.postMessage", 500, times=2)
    # Backoff 30 s after the first failure, then 1 min after the second.
    made = [calls_after(env, t0 + timedelta(seconds=s)) for s in (0, 29, 30, 89, 90, 200)]
    assert made == [1, 0, 1, 0, 1, 0]
    [row] = [r for r in env.store.outbox() if r["dedupe_key"] == f"slack-post:{ticket}"]
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert env.store.slack_post(ticket) is not None


def test_permanent_error_fails_only_its_row(tmp_path: Path, slack_api: FakeSlackApi) -> None:
    env = make_env(tmp_path / "t.db", slack_api, channel="")  # no team channel configured
    t0 = local(2026, 11, 30, 10)
    ticket = new_ticket(env, t0)
    message = {"op": "message", "channel": "C0OTHER", "text": "Regels herladen"}
    env.store.enqueue(OutboxItem("slack", "msg:1", message), t0)
    env.worker.deliver_due(t0)
    [failed] = env.store.outbox("failed")
    assert failed["dedupe_key"] == f"slack-post:{ticket}"
    assert "channel_not_found" in failed["last_error"]
    assert [c.params["channel"] for c in posted(slack_api)] == ["", "C0OTHER"]
    assert [r["dedupe_key"] for r in env.store.outbox("sent")] == ["msg:1"]
    env.store.close()


def test_exempt_tickets_get_no_reminders(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 11, 27, 16), sender=EXEMPT)
    view = env.desk.view(ticket)
    assert view.exempt and view.priority is Priority.MIDDEL
    for day, hour in ((27, 17), (29, 12), (30, 12), (30, 16)):
        tick(env, local(2026, 11, day, hour), ticket)
    tick(env, local(2026, 12, 1, 10), ticket)
    assert reminder_rows(env, "pending") == reminder_rows(env, "sent") == {}
    assert thread(env, ticket) == []


def test_exempt_tickets_reminded_when_the_policy_says_so(
    tmp_path: Path, slack_api: FakeSlackApi
) -> None:
    env = make_env(tmp_path / "t.db", slack_api, exempt_reminders=True)
    ticket = new_ticket(env, local(2026, 11, 27, 16), sender=EXEMPT)
    tick(env, local(2026, 11, 27, 16, 1), ticket)
    tick(env, local(2026, 11, 29, 12), ticket)
    tick(env, local(2026, 11, 30, 12), ticket)
    [text] = thread(env, ticket)
    assert "Middel storing (geen SLA-garantie): reactietermijn verstrijkt over 4 werkuren" in text
    env.store.close()


def test_failed_post_does_not_stall_other_tickets(env: Env) -> None:
    received = local(2026, 11, 30, 9)
    env.api.fail_next("chat.postMessage", 400)  # #1's post is refused for good
    broken = new_ticket(env, received, subject="Herinneringen komen niet aan (1)")
    env.worker.deliver_due(received)
    assert [r["dedupe_key"] for r in env.store.outbox("failed")] == [f"slack-post:{broken}"]
    # #1's reminders (from 13:00) can never find a post; a ticket arriving at 14:00 must
    # still be posted within the minute.
    late = None
    for minute in range(4 * 60, 5 * 60 + 30):
        at = received + timedelta(minutes=minute)
        if at == local(2026, 11, 30, 14):
            late = new_ticket(env, at, subject="Herinneringen komen niet aan (2)")
        tick(env, at)
    assert late is not None
    [row] = [r for r in env.store.outbox("sent") if r["dedupe_key"] == f"slack-post:{late}"]
    assert datetime.fromisoformat(row["sent_at"]) <= local(2026, 11, 30, 14, 1)


def test_after_downtime_only_the_latest_reminder_per_deadline_goes_out(env: Env) -> None:
    # Received Fri 27 Nov 16:00, reaction due Mon 30 Nov 16:00; the post goes out, the
    # reminders are queued (50 % Mon 12:00, 80 % 14:24, 1 werkuur 15:00, breach 16:00, ...).
    ticket = new_ticket(env, local(2026, 11, 27, 16))
    env.worker.deliver_due(local(2026, 11, 27, 16, 1))
    env.desk.plan(local(2026, 11, 29, 20), ticket)  # Sunday evening: Monday's are queued
    # The bot is down until Monday 16:30: four reminders of the reaction deadline are due.
    env.worker.deliver_due(local(2026, 11, 30, 16, 30))
    texts = thread(env, ticket)
    assert len(texts) == 1, texts
    assert "verstreken" in texts[0]  # the breach, not a stale "over 4 werkuren"
    env.worker.deliver_due(local(2026, 11, 30, 16, 31))
    assert len(thread(env, ticket)) == 1


def test_maintenance_announcement_draft_two_working_days_before_a_release(env: Env) -> None:
    # The release of Tue 8 Dec 07:00: two working days before is Fri 4 Dec (Mon 7 is one),
    # so the draft is due Fri 4 Dec 09:00, and not on Thursday.
    tick(env, local(2026, 12, 3, 16))
    assert not [c for c in top_level(env.api) if "onderhoud" in c.params["text"]]
    tick(env, local(2026, 12, 4, 9))
    drafts = [c for c in top_level(env.api) if "onderhoud" in c.params["text"]]
    assert len(drafts) == 1
    text = json.dumps(drafts[0].json("blocks"), ensure_ascii=False)
    assert "dinsdag 8 december 2026 om 07:00" in text and "2 minuten" in text
    tick(env, local(2026, 12, 4, 9, 30))
    assert len([c for c in top_level(env.api) if "onderhoud" in c.params["text"]]) == 1


def test_confirming_does_not_send_a_past_reminder_again(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 11, 27, 16))
    tick(env, local(2026, 11, 30, 14, 24), ticket)  # the post, then 50 % and 80 % reminders
    before = thread(env, ticket)
    assert len(before) == 1  # after the weekend: only the latest past one (80 %)
    env.desk.set_priority(ticket, None, "U0ANNA", local(2026, 11, 30, 14, 25))
    tick(env, local(2026, 11, 30, 14, 26), ticket)
    assert thread(env, ticket) == before  # nothing re-sent for the new decision
    tick(env, local(2026, 11, 30, 15), ticket)
    assert len(thread(env, ticket)) == 2  # the 1 werkuur reminder of the new decision


def test_a_decision_based_on_a_stale_read_is_refused(env: Env) -> None:
    from bot.desk import DeskError
    from bot.store import StaleTicket

    ticket = new_ticket(env, local(2026, 11, 27, 16))
    view = env.store.ticket_view(ticket)
    env.desk.set_priority(ticket, Priority.HOOG, "U0ANNA", local(2026, 11, 27, 16, 5), "ernstig")
    decision = env.setup.triage.decide(env.store.report_of(ticket), confirmed=Priority.LAAG)
    with pytest.raises(StaleTicket):
        env.store.add_decision(
            ticket,
            decision,
            "changed",
            "U0PIET",
            local(2026, 11, 27, 16, 6),
            expected_decision=view.decision_id,
        )
    env.desk.resolve(ticket, "U0ANNA", local(2026, 11, 27, 16, 7))
    with pytest.raises(DeskError, match="al opgelost"):
        env.desk.set_priority(ticket, Priority.LAAG, "U0PIET", local(2026, 11, 27, 16, 8), "x")
    assert [d["kind"] for d in env.store.decisions(ticket)] == ["provisional", "changed"]


def test_a_dropped_reminder_stays_cancelled_in_the_outbox(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 11, 27, 16))
    env.worker.deliver_due(local(2026, 11, 27, 16, 1))
    env.desk.plan(local(2026, 11, 30, 9), ticket)
    env.desk.assign(ticket, "U0ANNA", local(2026, 11, 30, 9, 30))
    env.worker.deliver_due(local(2026, 11, 30, 17))
    rows = {r["dedupe_key"]: r["status"] for r in env.store.outbox()}
    assert rows[f"remind:{ticket}:1:reaction:50%"] == "cancelled"


def test_a_reminder_that_waited_out_a_429_is_still_sent(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 11, 27, 16))
    env.worker.deliver_due(local(2026, 11, 27, 16, 1))
    env.desk.plan(local(2026, 11, 30, 9), ticket)  # the 50 % reminder, Mon 12:00
    env.api.fail_next("chat.postMessage", 429, times=1, retry_after=30)
    env.worker.deliver_due(local(2026, 11, 30, 12))  # 429: again at 12:00:30
    env.worker.deliver_due(local(2026, 11, 30, 12, 1))
    assert len(thread(env, ticket)) == 1  # it used to be taken for a newer one and dropped


def test_a_bot_back_after_downtime_sends_one_catch_up_reminder(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 11, 27, 16))
    env.worker.deliver_due(local(2026, 11, 27, 16, 1))
    # Down over the weekend and Monday morning; back at 14:30 (80 % was at 14:24).
    tick(env, local(2026, 11, 30, 14, 30), ticket)
    [latest] = thread(env, ticket)
    assert "over 1 werkuur en 30 werkminuten" in latest


def test_periodic_planning_after_a_confirm_sends_nothing_twice(env: Env) -> None:
    ticket = new_ticket(env, local(2026, 11, 27, 16))
    tick(env, local(2026, 11, 30, 14, 24), ticket)
    before = thread(env, ticket)
    env.desk.set_priority(ticket, None, "U0ANNA", local(2026, 11, 30, 14, 25))
    tick(env, local(2026, 11, 30, 14, 26))  # the service's periodic plan of all tickets
    tick(env, local(2026, 11, 30, 14, 27))
    assert thread(env, ticket) == before


def test_each_post_and_reminder_sent_is_logged_in_one_line(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="triage.outbox")
    received = local(2026, 11, 27, 16)
    ticket = new_ticket(env, received)
    tick(env, received + timedelta(minutes=1))
    tick(env, local(2026, 11, 30, 12))  # 50 % of the reaction time (see the weekend test)
    sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sent ")]
    assert any(re.fullmatch(rf"sent outbox #\d+ slack op=post ticket={ticket}", s) for s in sent)
    assert any(
        re.fullmatch(
            rf"sent outbox #\d+ slack op=remind kind=percent deadline=reaction ticket={ticket}", s
        )
        for s in sent
    ), sent
    assert any(re.fullmatch(r"sent outbox #\d+ slack op=digest", s) for s in sent), sent
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Herinneringen" not in logged and "lindendaal" not in logged

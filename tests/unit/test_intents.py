"""Tests for bot/intents.py: every intent survives the outbox (intent -> payload dict -> intent),
payloads stored before intents were typed still parse, and a payload that names no intent is
refused with a clear error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from bot.engine.reload import RuleChanges
from bot.errors import RuleProblem
from bot.intents import (
    OPS,
    Acknowledgement,
    DailyDigest,
    DeadlineReminder,
    EmergencyMaintenance,
    HoogCall,
    Intent,
    MaintenanceAnnouncement,
    Message,
    MissedCall,
    ModelRefused,
    ModelReloaded,
    MonthlyReport,
    OutageEnded,
    PhoneImportSummary,
    ReplaySummary,
    RulesRefused,
    RulesReloaded,
    ThreadReply,
    TicketPost,
    TicketResolved,
    TicketUpdate,
    UnknownIntent,
    from_payload,
    to_payload,
)

AT = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
CET = timezone(timedelta(hours=1))

EXAMPLES: list[Intent] = [
    TicketPost(ticket=3),
    TicketUpdate(ticket=3),
    TicketResolved(ticket=3, by="U0ANJA", at=AT),
    ThreadReply(
        ticket=3, sender="Pieter (p@x.nl)", channel="email", subject="Re: export", body="Nog?"
    ),
    DeadlineReminder(
        ticket=3,
        decision=2,
        deadline="reaction",
        kind="percent",
        due=AT + timedelta(hours=4),
        at=AT,
    ),
    DailyDigest(day=date(2026, 11, 25)),
    MonthlyReport(month="2026-11"),
    MaintenanceAnnouncement(release=datetime(2026, 12, 8, 6, tzinfo=UTC)),
    MaintenanceAnnouncement(release=datetime(2026, 12, 8, 6, tzinfo=UTC), expected_minutes=5),
    EmergencyMaintenance(since=AT, cause="Inloggen onmogelijk"),
    EmergencyMaintenance(since=AT),
    OutageEnded(outage=4, by="U0ANNA", start=AT, end=AT + timedelta(minutes=90), reason="Login"),
    HoogCall(
        ticket=7,
        caller="+31 6 1234 5678",
        contact="Pieter Bakker",
        called_at=datetime(2026, 11, 24, 10, 15, tzinfo=CET),
        exempt=False,
        mention="<!subteam^S1>",
    ),
    HoogCall(ticket=8, caller="0612345678", contact=None, called_at=AT, exempt=True),
    MissedCall(
        call_id="c-17", caller="0201234567", organisation="Gemeente", called_at=AT, agent="Anna"
    ),
    MissedCall(call_id="c-18", caller="0201234567", organisation=None, called_at=AT),
    PhoneImportSummary(summary="calls.csv: 3 gesprekken\nregel 4: geen tijd"),
    RulesReloaded(
        version="rules-abc",
        added=("nieuw",),
        changed=("export",),
        removed=("oud",),
        sla_changed=True,
        files=("10-prio.yaml",),
    ),
    RulesRefused(version="rules-abc", problems=(RuleProblem("rules/10-prio.yaml", 3, "kapot"),)),
    ModelReloaded(
        version="team-2",
        own=True,
        previous="31 sets",
        replay=ReplaySummary(since=date(2026, 10, 25), days=30, replayed=212, changed=0),
    ),
    ModelReloaded(version="31 sets", own=False),
    ModelRefused(file="taalmodel.json.gz", problems=("geen bruikbaar taalmodel",), version=None),
    Message(text="Bedankt", channel="C0SUPPORT", thread_ts="1700000000.000100"),
    Message(text="Let op", blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "x"}},)),
    Acknowledgement(
        sender="support@dialog.nl",
        from_name="Support Dialog",
        to="p@x.nl",
        subject="[#3] Export kapot",
        body="Bedankt voor je melding.",
        message_id="<triage.3.ack.abc@dialog.nl>",
        in_reply_to="<m1@x.nl>",
        references=("<m0@x.nl>", "<m1@x.nl>"),
        ticket=3,
        language="nl",
        exempt=True,
    ),
]


@pytest.mark.parametrize("intent", EXAMPLES, ids=lambda i: f"{i.op}")
def test_every_intent_round_trips_through_its_payload(intent: Intent) -> None:
    payload = to_payload(intent)
    assert payload["op"] == intent.op
    # What the store keeps is JSON: the round trip goes through the text, too.
    assert from_payload(json.loads(json.dumps(payload))) == intent


def test_every_op_has_an_example() -> None:
    assert sorted({i.op for i in EXAMPLES}) == sorted(OPS)


def test_moments_are_stored_as_isoformat() -> None:
    # The store compares a reminder's "at" as text (Store.newer_due): keep the old format.
    payload = to_payload(
        DeadlineReminder(ticket=1, decision=1, deadline="resolution", kind="breach", due=AT, at=AT)
    )
    assert payload["due"] == payload["at"] == AT.isoformat() == "2026-11-24T09:15:00+00:00"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"op": "post", "ticket": 3}, TicketPost(ticket=3)),
        ({"op": "update", "ticket": 3}, TicketUpdate(ticket=3)),
        (
            {
                "op": "reply",
                "ticket": 3,
                "sender": "p@x.nl",
                "channel": "email",
                "subject": "Re",
                "body": "Hoi",
            },
            ThreadReply(ticket=3, sender="p@x.nl", channel="email", subject="Re", body="Hoi"),
        ),
        # Reminders queued before "at" was stored carry only "due".
        (
            {
                "op": "remind",
                "ticket": 1,
                "decision": 1,
                "deadline": "resolution",
                "kind": "before",
                "due": "2026-12-08T06:00:00+00:00",
            },
            DeadlineReminder(
                ticket=1,
                decision=1,
                deadline="resolution",
                kind="before",
                due=datetime(2026, 12, 8, 6, tzinfo=UTC),
            ),
        ),
        ({"op": "digest", "day": "2026-11-25"}, DailyDigest(day=date(2026, 11, 25))),
        ({"op": "report", "month": "2026-10"}, MonthlyReport(month="2026-10")),
        # Team-channel texts were queued pre-rendered; they are sent as they are.
        (
            {"op": "message", "text": "Concept", "blocks": [{"type": "divider"}]},
            Message(text="Concept", blocks=({"type": "divider"},)),
        ),
        (
            {"op": "message", "channel": "C0SUP", "thread_ts": "17.1", "text": "Bedankt"},
            Message(text="Bedankt", channel="C0SUP", thread_ts="17.1"),
        ),
    ],
)
def test_payloads_stored_before_intents_still_parse(
    stored: dict[str, object], expected: Intent
) -> None:
    assert from_payload(stored) == expected


def test_an_email_row_without_op_is_an_acknowledgement() -> None:
    stored = {
        "from": "support@dialog.nl",
        "from_name": "Support Dialog",
        "to": "p@x.nl",
        "subject": "[#3] Export kapot",
        "body": "Bedankt",
        "message_id": "<a@dialog.nl>",
        "in_reply_to": None,
        "references": [],
    }
    intent = from_payload(stored, kind="email")
    assert isinstance(intent, Acknowledgement)
    assert (intent.sender, intent.to, intent.in_reply_to) == ("support@dialog.nl", "p@x.nl", None)
    assert to_payload(intent)["from"] == "support@dialog.nl"


def test_rules_intents_from_a_reload() -> None:
    changes = RuleChanges(added=("a",), reminders_changed=True)
    reloaded = RulesReloaded.of("v2", changes, ["10-prio.yaml"])
    assert (reloaded.added, reloaded.reminders_changed, reloaded.files) == (
        ("a",),
        True,
        ("10-prio.yaml",),
    )
    problems = [RuleProblem("f.yaml", 1, "kapot"), RuleProblem("f.yaml", 2, "ook")]
    assert RulesRefused.of(problems, "v1").problems == tuple(problems)


@pytest.mark.parametrize(
    ("payload", "kind", "words"),
    [
        ({"op": "shout", "text": "hoi"}, None, "unknown outbox operation 'shout'"),
        ({"ticket": 3}, None, "without an operation"),
        ({"ticket": 3}, "slack", "without an operation"),
    ],
)
def test_an_unknown_op_is_a_clear_error(
    payload: dict[str, object], kind: str | None, words: str
) -> None:
    with pytest.raises(UnknownIntent, match=words) as caught:
        from_payload(payload, kind=kind)
    assert "post" in str(caught.value) or "without" in str(caught.value)


@pytest.mark.parametrize(
    "payload",
    [
        {"op": "post"},  # no ticket
        {"op": "post", "ticket": 3, "tikcet": 4},  # a typo is an error, not ignored
        {
            "op": "remind",
            "ticket": 1,
            "decision": 1,
            "deadline": "soon",
            "kind": "before",
            "due": "2026-12-08T06:00:00+00:00",
        },
        {"op": "report", "month": "november"},
        {
            "op": "hoog_call",
            "ticket": 1,
            "caller": "06",
            "contact": None,
            "exempt": False,
            "called_at": "2026-11-24T09:15:00",
        },  # no UTC offset
    ],
)
def test_a_payload_that_does_not_fit_its_op_is_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        from_payload(payload)


def test_intents_are_immutable() -> None:
    post = TicketPost(ticket=3)
    with pytest.raises(ValidationError):
        post.ticket = 4  # type: ignore[misc]

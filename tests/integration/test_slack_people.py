"""What the support team reads in Slack, through the real Bolt app over signed HTTP and the fake
Slack Web API: who resolved a ticket and when, who confirmed its priority after the phone
upgrade (SLA 4.D), one format for a caller's number, and the category menu on a Middel vraag.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.models import Channel, Priority, Report
from bot.nl import when
from tests.integration.slack_helpers import AGENT, CUSTOMERS, TEAM, SlackRig, running_slack
from tests.servers.slack_api import Call, FakeSlackApi
from tests.servers.slack_requests import block_action_payload, view_submission_payload
from tests.servers.wait import wait_until

OTHER_AGENT = "U0BRAM"  # a second member of the support team


def shown(call: Call) -> str:
    """A posted or updated message's blocks as one text, to search in."""
    return json.dumps(call.json("blocks"), ensure_ascii=False)


def team_posts(api: FakeSlackApi) -> list[Call]:
    return [c for c in api.calls("chat.postMessage") if c.params["channel"] == TEAM]


def thread_posts(api: FakeSlackApi) -> list[Call]:
    return [c for c in team_posts(api) if c.params.get("thread_ts")]


def slack_ticket(rig: SlackRig, text: str, ts: str) -> int:
    """A report in the customers' channel, become a ticket with its post delivered."""
    assert rig.slack.event(rig.message(text, ts), f"Ev{ts}").status == 200
    wait_until(lambda: rig.store.is_stored(f"slack:{CUSTOMERS}:{ts}"))
    ticket = rig.store.ticket_for_message_ids([f"slack:{CUSTOMERS}:{ts}"])
    assert ticket is not None
    rig.deliver()
    return ticket


def email_ticket(rig: SlackRig) -> int:
    """A Hoog storing by email from Zorggroep Noord: exempt until an agreed contact phones."""
    report = Report(
        channel=Channel.EMAIL,
        received_at=rig.clock.now,
        sender="a.devries@zorggroepnoord.nl",
        subject="Niemand kan inloggen",
        body="Sinds vanochtend kan niemand bij ons inloggen. Iedereen krijgt een foutmelding.",
        source_key="email:<login@zorggroepnoord.nl>",
    )
    opened = rig.service.desk.open_ticket(report, rig.clock.now)
    assert opened.ticket_id is not None
    rig.deliver()
    return opened.ticket_id


def test_resolved_post_and_thread_say_who_resolved_it_and_when(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        slack_api.usergroups = {"S0SUPPORT": [AGENT, OTHER_AGENT]}
        ticket = slack_ticket(rig, "De export naar Excel geeft een foutmelding.", "1795510800.1")
        # Anna picks it up; Bram resolves it at 10:20: the post credits Bram, not the holder.
        rig.slack.action(block_action_payload("assign", str(ticket), AGENT))
        wait_until(lambda: rig.store.ticket_view(ticket).assignee == AGENT)
        rig.clock.advance(minutes=20)
        rig.slack.action(block_action_payload("resolve", str(ticket), OTHER_AGENT))
        wait_until(lambda: not rig.store.ticket_view(ticket).is_open)
        assert rig.store.ticket_view(ticket).resolved_by == OTHER_AGENT
        rig.deliver()

        update = slack_api.calls("chat.update")[-1]
        assert f"✅ Opgelost door <@{OTHER_AGENT}> op di 24 nov 10:20" in shown(update)
        [said] = [c for c in thread_posts(slack_api) if "Opgelost" in c.params["text"]]
        assert said.params["thread_ts"] == update.params["ts"]  # in the ticket's own thread
        assert f"✅ Opgelost door <@{OTHER_AGENT}> op di 24 nov 10:20 (#{ticket})" in shown(said)

        # A second click (a retry, a colleague at the same moment) says nothing twice.
        rig.slack.action(block_action_payload("resolve", str(ticket), AGENT))
        rig.deliver()
        assert len([c for c in thread_posts(slack_api) if "Opgelost" in c.params["text"]]) == 1


def phone_call_values(number: str, called: int, ticket: int) -> dict[str, Any]:
    """The `/triage telefoon` modal filled in: a typed number, a time, notes, the ticket."""
    return {
        "contact": {"contact": {"type": "static_select", "selected_option": None}},
        "number": {"number": {"type": "plain_text_input", "value": number}},
        "called_at": {"called_at": {"type": "datetimepicker", "selected_date_time": called}},
        "notes": {"notes": {"type": "plain_text_input", "value": "Inloggen lukt nog niet"}},
        "ticket": {"ticket": {"type": "plain_text_input", "value": f"#{ticket}"}},
    }


def test_phone_upgrade_keeps_who_confirmed_and_shows_the_number_one_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        ticket = email_ticket(rig)
        rig.slack.action(block_action_payload("confirm", str(ticket), AGENT))
        wait_until(lambda: not rig.store.ticket_view(ticket).provisional)
        rig.deliver()
        assert f"bevestigd door <@{AGENT}>" in shown(slack_api.calls("chat.update")[-1])

        # Pieter Bakker (agreed contact, 06-12345678 in the directory) phones; the agent types
        # the number as he said it. The ticket becomes guaranteed (SLA 4.D) ...
        assert rig.slack.command("/triage", "telefoon", AGENT).status == 200
        modal = slack_api.wait_for("views.open")[0].json("view")
        called = int(rig.clock.now.timestamp()) - 300
        values = phone_call_values("0612345678", called, ticket)
        submit = view_submission_payload("phone_call", modal["private_metadata"], values, AGENT)
        assert rig.slack.view_submission(submit).status == 200
        wait_until(lambda: rig.store.ticket_view(ticket).sla_start is not None)
        view = rig.store.ticket_view(ticket)
        assert not view.exempt and view.decided_by == AGENT
        rig.deliver()

        # ... and its post still says who confirmed the priority.
        post = shown(slack_api.calls("chat.update")[-1])
        assert "telefonisch gemeld" in post and "SLA-garantie: ja" in post
        assert f"*Prioriteit:* Hoog, bevestigd door <@{AGENT}>" in post
        # The caller's number reads the same in the thread as the directory writes it.
        [reply] = [c for c in thread_posts(slack_api) if "Reactie van" in c.params["text"]]
        assert "Pieter Bakker (06-12345678)" in reply.params["text"]
        assert "+31612345678" not in shown(reply) and "0612345678" not in shown(reply)
        answer = rig.slack.command("/triage", f"show {ticket}", AGENT).json()
        history = json.dumps(answer, ensure_ascii=False)
        assert "(Pieter Bakker)" in history and "+31612345678" not in history


def test_a_phoned_in_ticket_shows_the_callers_number_in_the_dutch_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        report = Report(
            channel=Channel.PHONE,
            received_at=rig.clock.now,
            sender="+31612000000",  # how a call log's number is stored (E.164)
            subject="Telefoon: export werkt niet",
            body="Beller meldt dat de export naar Excel een foutmelding geeft.",
            source_key="phone:test-1",
        )
        opened = rig.service.desk.open_ticket(report, rig.clock.now)
        assert opened.ticket_id is not None
        rig.deliver()
        [post] = [c for c in team_posts(slack_api) if not c.params.get("thread_ts")]
        assert "06-12000000" in shown(post) and "+31612000000" not in shown(post)


def category_choice(ticket: int, category: str, user: str) -> dict[str, object]:
    """The category menu of a ticket post, with `category` chosen."""
    payload = block_action_payload("set_category", "", user)
    payload["actions"] = [
        {
            "type": "static_select",
            "action_id": "set_category",
            "block_id": f"ticket:{ticket}",
            "selected_option": {
                "text": {"type": "plain_text", "text": category},
                "value": f"{ticket}:{category}",
            },
            "action_ts": f"{time.time():.6f}",
        }
    ]
    return payload


def test_the_category_menu_turns_a_middel_vraag_into_a_storing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        ticket = slack_ticket(rig, "Hoe kan ik een rapport exporteren naar PDF?", "1795510800.2")
        assert rig.store.ticket_view(ticket).category.value == "vraag"
        answer = rig.slack.command("/triage", f"prio {ticket} middel klant wacht erop", AGENT)
        assert answer.status == 200
        view = rig.store.ticket_view(ticket)
        assert view.priority is Priority.MIDDEL and view.category.value == "vraag"
        assert view.reaction_due is None  # a question has no deadline, whatever its priority
        rig.deliver()
        update = slack_api.calls("chat.update")[-1]
        [menu] = [
            e
            for b in update.json("blocks")
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "set_category"
        ]
        offered = [o["value"] for o in menu["options"]]
        assert f"{ticket}:storing" in offered and f"{ticket}:vraag" not in offered

        rig.slack.action(category_choice(ticket, "storing", AGENT))
        wait_until(lambda: rig.store.ticket_view(ticket).category.value == "storing")
        view = rig.store.ticket_view(ticket)
        # A Middel storing keeps its priority and gets its deadlines (SLA Bijlage 1).
        assert view.priority is Priority.MIDDEL and view.reaction_due is not None
        assert view.decided_by == AGENT
        rig.deliver()
        post = shown(slack_api.calls("chat.update")[-1])
        assert "*Categorie:* storing" in post and "*Prioriteit:* Middel" in post
        assert f"*Reactie:* {when(view.reaction_due, rig.service.desk.triage.calendar.tz)}" in post

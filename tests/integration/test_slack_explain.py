"""The "Waarom?" button and `/triage waarom N` over real HTTP: signed requests to the real Bolt
app of `triage run`, the answer sent to the fake Slack Web API as an ephemeral message to the
one who asked. Bolt acknowledges before its listeners run: tests wait on the fake's calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.email_helpers import Clock
from tests.integration.slack_helpers import AGENT, OUTSIDER, TEAM, SlackRig, running_slack
from tests.integration.test_slack import action_ids, new_ticket, said
from tests.servers.slack_api import Call, FakeSlackApi
from tests.servers.slack_requests import block_action_payload

# The Christmas Eve sample, posted in a support channel by Joost (an agreed contact of Bakker
# Logistiek) on Thursday 24 December 2026 at 14:00 Amsterdam time (the message's ts), with
# the bot's clock at that moment too (a message's ts later than the clock would not count).
AFAS = (
    "De koppeling met AFAS synchroniseert niet meer, nieuwe medewerkers komen niet in "
    "Dialog. Handmatig toevoegen lukt wel."
)
CHRISTMAS_EVE = datetime(2026, 12, 24, 13, 0, tzinfo=UTC)
CHRISTMAS_EVE_14 = f"{CHRISTMAS_EVE.timestamp():.0f}.000100"


def answers_to(slack_api: FakeSlackApi, user: str, count: int = 1) -> list[Call]:
    return slack_api.wait_for(
        "chat.postEphemeral", count, where=lambda c: c.params.get("user") == user
    )


def blocks_text(call: Call) -> str:
    return json.dumps(call.json("blocks"), ensure_ascii=False)


def christmas_ticket(rig: SlackRig) -> int:
    ticket = new_ticket(rig, AFAS, CHRISTMAS_EVE_14)
    rig.deliver()
    return ticket


def test_the_waarom_button_explains_the_ticket_to_who_clicked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api, Clock(CHRISTMAS_EVE)) as rig:
        ticket = christmas_ticket(rig)
        [post] = [c for c in slack_api.calls("chat.postMessage") if c.params["channel"] == TEAM]
        assert action_ids(post)[-1] == "explain"
        [button] = [
            e
            for b in post.json("blocks")
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "explain"
        ]
        assert button["text"]["text"] == "Waarom?" and button["value"] == str(ticket)

        response = rig.slack.action(block_action_payload("explain", str(ticket), AGENT))
        assert response.status == 200
        [answer] = answers_to(slack_api, AGENT)
        assert answer.params["channel"] == TEAM
        assert answer.params["text"] == f"Waarom #{ticket}: Middel storing"
        shown = blocks_text(answer)
        # The words that set a factor in bold, in the text as the rules read it.
        assert "> De *koppeling* met AFAS *synchroniseert niet meer*" in shown
        assert "• `workaround`: ja ← *Handmatig*, *lukt wel*" in shown
        assert "*Beslisregel:* `storing-met-beperkingen` → storing, Middel" in shown
        assert "✓ `fout`: ja (vereist: ja)" in shown
        # Middel by Slack, not by phone: exempt (SLA 4.D), deadlines derived all the same.
        assert "*SLA-garantie:* nee" in shown and "(SLA 4.D)" in shown
        assert (
            "ontvangen do 24 dec 14:00 · 1 werkdag = 8 werkuren · do 24 dec 3 werkuren "
            "(14:00-17:00) · vr 25 dec: Eerste kerstdag · za 26 dec: Tweede kerstdag · zo 27 "
            "dec: weekend · ma 28 dec 5 werkuren (09:00-14:00) → ma 28 dec 14:00"
        ) in shown
        assert "eerstvolgende release na do 24 dec 14:00: di 29 dec 07:00" in shown
        assert "Versies bij de beslissing: regels rules-" in shown
        assert "ticket aangemaakt (via Slack): Middel storing" in shown
        # Asking changes nothing: no new history, no update of the post.
        assert [e.kind for e in rig.store.history(ticket)] == ["created"]
        assert rig.deliver() == 0


def test_the_explanation_shows_who_changed_the_priority_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api, Clock(CHRISTMAS_EVE)) as rig:
        ticket = christmas_ticket(rig)
        answer = said(
            rig.slack.command("/triage", f"prio {ticket} laag alleen nieuwe mensen", AGENT)
        )
        assert "Middel → Laag" in answer
        rig.slack.action(block_action_payload("explain", str(ticket), AGENT))
        shown = blocks_text(answers_to(slack_api, AGENT)[-1])
        assert f"gezet door <@{AGENT}>" in shown and "bij binnenkomst Middel" in shown
        assert f"<@{AGENT}> · prioriteit Middel → Laag" in shown
        assert "(reden: alleen nieuwe mensen)" in shown


def test_waarom_is_for_those_who_may_read_tickets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api, Clock(CHRISTMAS_EVE)) as rig:
        ticket = christmas_ticket(rig)
        rig.slack.action(block_action_payload("explain", str(ticket), OUTSIDER))
        [refusal] = answers_to(slack_api, OUTSIDER)
        assert "alleen het supportteam kan tickets bekijken" in refusal.params["text"]
        assert "AFAS" not in blocks_text(refusal)
        assert "bekijken" in said(rig.slack.command("/triage", f"waarom {ticket}", OUTSIDER))


def test_a_garbled_or_stale_button_gets_a_dutch_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api, Clock(CHRISTMAS_EVE)) as rig:
        christmas_ticket(rig)
        rig.slack.action(block_action_payload("explain", "abc", AGENT))
        rig.slack.action(block_action_payload("explain", "4711", AGENT))
        rig.slack.action(block_action_payload("explain", "9" * 30, AGENT))
        texts = [c.params["text"] for c in answers_to(slack_api, AGENT, 3)]
        assert any("Deze knop hoort niet bij een bestaand ticket" in t for t in texts)
        assert "Ticket #4711 bestaat niet." in texts
        assert any(t.startswith("Ticket #999999999999…") for t in texts)


def test_triage_waarom_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api, Clock(CHRISTMAS_EVE)) as rig:
        ticket = christmas_ticket(rig)
        answer = rig.slack.command("/triage", f"waarom #{ticket}", AGENT).json()
        assert answer["text"] == f"Waarom #{ticket}: Middel storing"
        shown = json.dumps(answer["blocks"], ensure_ascii=False)
        assert "vr 25 dec: Eerste kerstdag" in shown and "*koppeling*" in shown
        assert "/triage waarom N" in said(rig.slack.command("/triage", "waarom", AGENT))
        assert "Ticket #999 bestaat niet." in said(
            rig.slack.command("/triage", "waarom 999", AGENT)
        )
        assert "/triage waarom N" in said(rig.slack.command("/triage", "help", AGENT))

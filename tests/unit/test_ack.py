"""The acknowledgement email: Dutch wording from config, deadlines, 4.D notice, threading."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from adapters.email.ack import (
    AckSender,
    acknowledgement,
    load_ack_templates,
    should_acknowledge,
)
from adapters.email.smtp import build_message
from bot.errors import ConfigError
from bot.pipeline import Triage
from tests.unit.triage_setup import AMS, REPO, build_triage, local, report

SENDER = AckSender("support@dialog.nl", "Dialog Support", "030-7600290", "support@dialog.nl")


@pytest.fixture
def triage(tmp_path: Path) -> Triage:
    return build_triage(tmp_path)


def ack_for(triage: Triage, body: str, **kw: object):  # type: ignore[no-untyped-def]
    item = report(body, at="2026-11-24T14:00", **kw).model_copy(
        update={
            "subject": "Hulp nodig",
            "sender_name": "Jan Jansen",
            "message_id": "<abc@acme.nl>",
            "references": ("<older@acme.nl>",),
        }
    )
    decision = triage.decide(item)
    templates = load_ack_templates(REPO / "config")
    return acknowledgement(42, item, decision, templates, SENDER, AMS)


def test_exempt_middel_storing(triage: Triage) -> None:
    item = ack_for(triage, "het exporteren is kapot")
    payload = item.payload
    assert item.dedupe_key == "ack:42"
    assert payload["to"] == "jan@acme.nl"
    assert payload["subject"] == "[#42] Hulp nodig"
    body = payload["body"]
    assert "Beste Jan Jansen," in body
    assert "ticket #42" in body
    assert "Voorlopige prioriteit:   Middel" in body
    assert "We reageren uiterlijk op woensdag 25 november 2026 om 14:00." in body
    assert "vóór dinsdag 8 december 2026 om 07:00" in body
    assert "artikel 4.D" in body and "030-7600290" in body
    assert "$" not in body
    assert payload["in_reply_to"] == "<abc@acme.nl>"
    assert payload["references"] == ["<older@acme.nl>", "<abc@acme.nl>"]
    assert item.message_id == payload["message_id"]
    assert payload["message_id"].endswith("@dialog.nl>")


def test_question_has_no_deadline_and_no_notice(triage: Triage) -> None:
    body = ack_for(triage, "hoe maak ik een doel").payload["body"]
    assert "geen vaste reactietijd" in body
    assert "4.D" not in body
    assert "\n\n\n" not in body


def test_guaranteed_by_phone_has_no_notice(triage: Triage) -> None:
    from bot.models import Channel

    body = ack_for(
        triage, "niemand kan werken", channel=Channel.PHONE, sender="+31301234567"
    ).payload["body"]
    assert "4.D" not in body
    assert "om 14:15" in body


def test_message_id_is_stable_for_retries(triage: Triage) -> None:
    assert (
        ack_for(triage, "kapot").payload["message_id"]
        == ack_for(triage, "kapot").payload["message_id"]
    )


def test_built_message_has_threading_and_loop_headers(triage: Triage) -> None:
    payload = ack_for(triage, "kapot").payload
    raw = bytes(build_message(payload, local("2026-11-24T14:00")))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["In-Reply-To"] == "<abc@acme.nl>"
    assert parsed["References"] == "<older@acme.nl> <abc@acme.nl>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["Subject"] == "[#42] Hulp nodig"
    assert "Dialog Support" in str(parsed["From"])
    assert "vóór" in parsed.get_content()


@pytest.mark.parametrize(
    ("sender", "expected"),
    [("jan@acme.nl", True), ("SUPPORT@dialog.nl", False), ("", False), ("U123", False)],
)
def test_should_acknowledge(sender: str, expected: bool) -> None:
    item = report("kapot").model_copy(update={"sender": sender})
    assert should_acknowledge(item, SENDER) is expected


def test_template_with_unknown_placeholder_is_a_config_error(tmp_path: Path) -> None:
    messages = tmp_path / "messages"
    messages.mkdir()
    text = (REPO / "config" / "messages" / "acknowledgement.yaml").read_text(encoding="utf-8")
    (messages / "acknowledgement.yaml").write_text(
        text.replace("$ticket.", "$tiket."), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"unknown placeholder.*tiket"):
        load_ack_templates(tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_ack_templates(tmp_path / "nope")

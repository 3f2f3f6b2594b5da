"""The reply in a Slack reporter's thread: ticket number, what was decided, and for an exempt
report (SLA 4.D) that there is no guarantee and whom to call, in Dutch or English."""

from __future__ import annotations

import pytest

from adapters.slack.views.ack import thread_ack
from bot.models import Channel, Decision
from bot.pipeline import Triage
from tests.unit.triage_setup import build_triage, report


@pytest.fixture(scope="module")
def triage(tmp_path_factory: pytest.TempPathFactory) -> Triage:
    return build_triage(tmp_path_factory.mktemp("thread-ack"))


def decide(triage: Triage, body: str, sender: str = "U123") -> Decision:
    return triage.decide(report(body, channel=Channel.SLACK, sender=sender))


def test_exempt_hoog_in_dutch(triage: Triage) -> None:
    text = thread_ack(5, decide(triage, "niemand kan werken"), Channel.SLACK, "030-7600290", "nl")
    assert text.startswith(
        "Bedankt, je melding is geregistreerd als *#5* (storing, prioriteit Hoog, voorlopig)."
    )
    assert "meldingen via Slack behandelen we zo snel mogelijk, zonder garantie" in text
    assert text.count("garantie") == 1 and "bellen met 030-7600290" in text


def test_exempt_middel_from_the_widget_in_english(triage: Triage) -> None:
    text = thread_ack(6, decide(triage, "kapot"), Channel.WIDGET, "030-7600290", "en")
    assert text.startswith(
        "Thank you, your report is registered as *#6* (incident, priority Medium (Middel), "
        "provisional)."
    )
    assert "reports via the support widget are handled as soon as possible" in text
    assert "Agreed contact persons can call 030-7600290 for a guaranteed response." in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_notice_when_not_exempt(triage: Triage, language: str) -> None:
    decision = decide(triage, "hoe werkt dat")
    text = thread_ack(7, decision, Channel.SLACK, "030-7600290", language)
    assert "\n" not in text and "030-7600290" not in text
    assert ("vraag, prioriteit Laag" if language == "nl" else "question, priority Low") in text


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", "(soort en prioriteit nog te bepalen)"),
        ("en", "(type and priority to be determined)"),
    ],
)
def test_not_recognised_says_it_is_still_open(triage: Triage, language: str, words: str) -> None:
    decision = decide(triage, "blabla")
    assert decision.needs_triage
    assert words in thread_ack(8, decision, Channel.SLACK, "030-7600290", language)

"""Acknowledgements end to end: mail into dovecot, `Service.run_once`, the email the customer
receives from the real SMTP sink: in the report's language, with the guarantee or the aim
said plainly, and one log line per acknowledgement sent without the customer's words."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.email_helpers import mail, make_service
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpSink

INTERNAL = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tue 14:00 in Amsterdam
DUTCH = ("Niemand kan inloggen", "Sinds vanochtend kan niemand van onze organisatie inloggen.")
ENGLISH = (
    "Nobody can log in",
    "Since this morning nobody in our organisation can log in to Dialog. Could you please "
    "look at it?",
)
# Zorggroep Noord must phone Hoog in (SLA 4.D); Gemeente Lindendaal's contract waives it.
EXEMPT = ("a.devries@zorggroepnoord.nl", "Anja de Vries")
GUARANTEED = ("f.elamrani@lindendaal.nl", "Fatima el Amrani")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_acknowledgements_in_the_reporters_language(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="triage.outbox")
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink)
    reports = {
        "nl-exempt": (DUTCH, EXEMPT),
        "en-exempt": (ENGLISH, EXEMPT),
        "nl-guaranteed": (DUTCH, GUARANTEED),
        "en-guaranteed": (ENGLISH, GUARANTEED),
    }
    for key, ((subject, body), (sender, name)) in reports.items():
        dovecot.append(
            mail(subject, body, sender=sender, name=name, message_id=f"<{key}@x>"),
            internal_date=INTERNAL,
        )
    assert service.run_once().outcomes == {"ticket": 4}
    by_report = {(t.sender, t.subject): t for t in store.ticket_views()}
    tickets = {key: by_report[(s[1][0], s[0][0])] for key, s in reports.items()}
    received = {m.message["In-Reply-To"]: m.message for m in smtp_sink.wait_for(4)}
    assert len(received) == 4

    def ack(key: str) -> tuple[int, str, str]:
        ticket = tickets[key]
        message = received[f"<{key}@x>"]
        assert ticket.priority.value == "hoog" and ticket.exempt is key.endswith("exempt")
        return ticket.id, str(message["Subject"]), message.get_content()

    number, subject, body = ack("nl-exempt")
    assert subject == f"[#{number}] Niemand kan inloggen"
    assert body.startswith("Beste Anja,\n")
    text = flat(body)
    assert "We streven ernaar uiterlijk op dinsdag 24 november 2026 om 14:15 te reageren." in text
    assert "Ons doel is het vóór woensdag 25 november 2026 om 14:00 op te lossen." in text
    assert (
        "Omdat je dit via e-mail meldde en niet telefonisch, zijn dat streeftijden en geen "
        "SLA-garantie" in text
    )
    assert "Bel dan voor een gegarandeerde reactie de helpdesk op 030-7600290" in text
    assert "We reageren uiterlijk" not in text and "gegarandeerd volgens" not in text
    assert f"Beantwoord dan deze e-mail en laat [#{number}] in het onderwerp staan." in text

    number, subject, body = ack("en-exempt")
    assert subject == f"[#{number}] Nobody can log in"
    assert body.startswith("Dear Anja,\n")
    text = flat(body)
    assert "We aim to respond by Tuesday 24 November 2026 at 14:15." in text
    assert "Our aim is to resolve it before Wednesday 25 November 2026 at 14:00." in text
    assert "Because you reported this via email and not by phone, these are target times" in text
    assert "call the helpdesk on 030-7600290" in text and "for a guaranteed response" in text
    assert f"Reply to this email and keep [#{number}] in the subject." in text
    assert "Beste" not in body and "reageren" not in body

    number, subject, body = ack("nl-guaranteed")
    assert body.startswith("Beste Fatima,\n")
    text = flat(body)
    assert (
        "We reageren uiterlijk op dinsdag 24 november 2026 om 14:15. Die reactietijd is "
        "gegarandeerd volgens onze SLA." in text
    )
    assert "Volgens onze SLA lossen we het op vóór woensdag 25 november 2026 om 14:00." in text
    assert "streeftijd" not in text and "4.D" not in text
    assert "Is het dringend? Afgesproken contactpersonen van je organisatie kunnen de " in text
    assert "030-7600290" in text

    number, subject, body = ack("en-guaranteed")
    assert subject == f"[#{number}] Nobody can log in"
    assert body.startswith("Dear Fatima,\n")
    text = flat(body)
    assert (
        "We will respond by Tuesday 24 November 2026 at 14:15 at the latest. This response "
        "time is guaranteed under our SLA." in text
    )
    assert "Under our SLA, we will resolve it before Wednesday 25 November 2026 at 14:00." in text
    assert "target times" not in text and "4.D" not in text
    assert "Is it urgent? Agreed contact persons of your organisation can call the helpdesk" in (
        text
    )

    # One line per acknowledgement sent: the ticket, the language, exempt; not the address,
    # the name or the subject.
    lines = [r.getMessage() for r in caplog.records if r.name == "triage.outbox"]
    sent = [line for line in lines if line.startswith("sent ")]
    assert len(sent) == 4, lines
    for key in reports:
        ticket = tickets[key]
        language, exempt = key.split("-")
        expected = (
            rf"sent outbox #\d+ email op=email ticket={ticket.id} language={language} "
            rf"exempt={str(exempt == 'exempt').lower()}"
        )
        assert any(re.fullmatch(expected, line) for line in sent), (expected, sent)
    logged = "\n".join(lines)
    for private in ("zorggroepnoord", "lindendaal", "Anja", "Fatima", "inloggen", "log in"):
        assert private not in logged

"""The acknowledgement email: wording from config in the reporter's language, deadlines as
guarantee or aim, the 4.D notice, how to add information and escalate, threading."""

from __future__ import annotations

import shutil
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from adapters.email.ack import (
    LINE_WIDTH,
    AckSender,
    acknowledgement,
    load_ack_templates,
    render,
    should_acknowledge,
)
from adapters.email.smtp import build_message
from bot.errors import ConfigError
from bot.intents import Acknowledgement, from_payload
from bot.models import Channel, Priority
from bot.pipeline import Triage
from bot.store import OutboxItem
from tests.unit.triage_setup import AMS, REPO, build_triage, local, report

SENDER = AckSender("support@dialog.nl", "Dialog Support", "030-7600290", "support@dialog.nl")
TEMPLATES = load_ack_templates(REPO / "config")


@pytest.fixture(scope="module")
def triage(tmp_path_factory: pytest.TempPathFactory) -> Triage:
    return build_triage(tmp_path_factory.mktemp("ack"))


def ack_for(
    triage: Triage,
    body: str,
    subject: str = "Hulp nodig",
    name: str = "Jan Jansen",
    **kw: object,
) -> OutboxItem:
    item = report(body, at="2026-11-24T14:00", **kw).model_copy(
        update={
            "subject": subject,
            "sender_name": name,
            "message_id": "<abc@acme.nl>",
            "references": ("<older@acme.nl>",),
        }
    )
    return acknowledgement(42, item, triage.decide(item), TEMPLATES, SENDER, AMS)


def flat(text: str) -> str:
    """The text with its line wrapping undone, to look for whole sentences."""
    return " ".join(text.split())


def test_exempt_middel_storing_aims_and_says_why(triage: Triage) -> None:
    item = ack_for(triage, "het exporteren is kapot")
    payload = item.payload
    assert item.dedupe_key == "ack:42"
    assert payload["to"] == "jan@acme.nl"
    assert payload["subject"] == "[#42] Hulp nodig"
    body = payload["body"]
    assert body.startswith("Beste Jan,\n")
    assert "ticket #42" in body
    assert "Prioriteit:       Middel" in body
    text = flat(body)
    assert "We streven ernaar uiterlijk op woensdag 25 november 2026 om 14:00 te reageren." in text
    assert "Ons doel is het vóór dinsdag 8 december 2026 om 07:00 op te lossen." in text
    assert (
        "Omdat je dit via e-mail meldde en niet telefonisch, zijn dat streeftijden en geen "
        "SLA-garantie" in text
    )
    assert "artikel 4.D" in text and "030-7600290" in text
    assert "We reageren uiterlijk" not in text  # no promise next to "no guarantee"
    assert "$" not in body
    assert payload["in_reply_to"] == "<abc@acme.nl>"
    assert payload["references"] == ["<older@acme.nl>", "<abc@acme.nl>"]
    assert item.message_id == payload["message_id"]
    assert payload["message_id"].endswith("@dialog.nl>")
    # For the log line when it is sent: the ticket, the language, exempt; no customer text.
    assert (payload["ticket"], payload["language"], payload["exempt"]) == (42, "nl", True)


def test_the_stored_payload_reads_back_as_an_acknowledgement(triage: Triage) -> None:
    intent = from_payload(ack_for(triage, "kapot").payload, kind="email")
    assert isinstance(intent, Acknowledgement)
    assert (intent.ticket, intent.language, intent.exempt) == (42, "nl", True)


# Every kind of report (test rules: see triage_setup) and who sent it. A Laag storing, a
# question, a wish and a settings request are never exempt (4.D is about Hoog and Middel).
CASES = {
    "hoog-exempt": ("niemand kan werken", "jan@acme.nl", Channel.EMAIL),
    "hoog-guaranteed": ("niemand kan werken", "els@vrij.nl", Channel.EMAIL),  # contract
    "hoog-phoned": ("niemand kan werken", "+31301234567", Channel.PHONE),  # agreed contact
    "middel-exempt": ("kapot", "jan@acme.nl", Channel.WIDGET),
    "middel-guaranteed": ("kapot", "els@vrij.nl", Channel.EMAIL),
    "laag-storing": ("een typfout", "jan@acme.nl", Channel.EMAIL),
    "vraag": ("hoe werkt dat", "jan@acme.nl", Channel.EMAIL),
    "wens": ("zou fijn zijn", "jan@acme.nl", Channel.EMAIL),
    "instelling": ("graag instellen", "jan@acme.nl", Channel.EMAIL),
    "needs-triage": ("blabla", "jan@acme.nl", Channel.EMAIL),
}
PHRASES = {
    "nl": {
        "guaranteed": "Die reactietijd is gegarandeerd volgens onze SLA.",
        "aim": "We streven ernaar uiterlijk op",
        "none": "geldt geen vaste reactietijd",
        "solve": "Volgens onze SLA lossen we het op vóór",
        "solve_aim": "Ons doel is het vóór",
        "exempt": "zijn dat streeftijden en geen SLA-garantie",
        "escalate": "Afgesproken contactpersonen van je organisatie kunnen de helpdesk bellen",
        "reply": "Wil je iets aanvullen? Beantwoord dan deze e-mail en laat [#7] in het "
        "onderwerp staan.",
        "undecided": "nog te bepalen",
        "provisional": "De prioriteit is voorlopig",
    },
    "en": {
        "guaranteed": "This response time is guaranteed under our SLA.",
        "aim": "We aim to respond by",
        "none": "There is no fixed response time",
        "solve": "Under our SLA, we will resolve it before",
        "solve_aim": "Our aim is to resolve it before",
        "exempt": "these are target times, not guarantees",
        "escalate": "Agreed contact persons of your organisation can call the helpdesk",
        "reply": "Would you like to add something? Reply to this email and keep [#7] in the "
        "subject.",
        "undecided": "to be determined",
        "provisional": "The priority is provisional",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_combination_reads_right(triage: Triage, case: str, language: str) -> None:
    body_text, sender, channel = CASES[case]
    item = report(body_text, at="2026-11-24T14:00", channel=channel, sender=sender)
    decision = triage.decide(item)
    subject, body = render(7, item, decision, TEMPLATES.for_language(language), SENDER, AMS)
    say = PHRASES[language]
    text = flat(body)

    def says(key: str) -> bool:
        return say[key] in text

    assert subject.startswith("[#7] ")
    assert says("reply")
    assert text.count("030-7600290") == 1  # how to escalate: once, never twice
    assert "$" not in body and "\n\n\n" not in body
    assert all(len(line) <= LINE_WIDTH for line in body.splitlines())
    guaranteed = not decision.exempt and not decision.needs_triage
    has_reaction = decision.reaction_due is not None
    assert says("guaranteed") is (guaranteed and has_reaction)
    assert says("aim") is (not guaranteed and has_reaction)
    assert says("none") is (not has_reaction)
    assert says("solve") is (guaranteed and decision.resolution_due is not None)
    assert says("solve_aim") is (not guaranteed and decision.resolution_due is not None)
    assert says("exempt") is decision.exempt
    assert says("escalate") is (not decision.exempt)
    assert says("undecided") is decision.needs_triage
    assert says("provisional") is (decision.provisional and not decision.needs_triage)
    expected_exempt = case.endswith("-exempt")
    assert decision.exempt is expected_exempt
    assert decision.needs_triage is (case == "needs-triage")


def test_a_confirmed_priority_is_not_called_provisional(triage: Triage) -> None:
    item = report("kapot", at="2026-11-24T14:00", priority=Priority.HOOG)
    decision = triage.decide(item)
    assert not decision.provisional
    _, body = render(7, item, decision, TEMPLATES.for_language("nl"), SENDER, AMS)
    assert "voorlopig" not in body and "Prioriteit:       Hoog" in body


def test_guaranteed_hoog_states_the_guarantee(triage: Triage) -> None:
    body = flat(ack_for(triage, "niemand kan werken", sender="els@vrij.nl").payload["body"])
    assert (
        "We reageren uiterlijk op dinsdag 24 november 2026 om 14:15. Die reactietijd is "
        "gegarandeerd volgens onze SLA." in body
    )
    assert "Volgens onze SLA lossen we het op vóór woensdag 25 november 2026 om 14:00." in body
    assert "4.D" not in body and "streeftijd" not in body


def test_an_english_report_gets_an_english_acknowledgement(triage: Triage) -> None:
    item = ack_for(
        triage,
        "Hi, the export is kapot: it does not work since this morning.\n\nRegards, Anja",
        subject="Export not working",
        name="de Vries, Anja",
    )
    payload = item.payload
    assert payload["subject"] == "[#42] Export not working"
    assert payload["language"] == "en"
    body = payload["body"]
    assert body.startswith("Dear Anja,\n")
    text = flat(body)
    assert "Thank you for your report. We have registered it as ticket #42." in text
    assert "Priority:         Medium (Middel)" in body
    assert "Type of report:   incident" in body
    assert "We aim to respond by Wednesday 25 November 2026 at 14:00." in text
    assert "Because you reported this via email and not by phone" in text
    assert "call the helpdesk on 030-7600290" in text
    assert "Beste" not in body and "storing" not in body


def test_a_dutch_report_quoting_an_english_error_stays_dutch(triage: Triage) -> None:
    item = ack_for(
        triage,
        'De export is kapot, ik krijg de melding "The file could not be uploaded because '
        'it is too large" bij het opslaan.',
    )
    assert item.payload["language"] == "nl"
    assert item.payload["body"].startswith("Beste Jan,")


@pytest.mark.parametrize(
    ("name", "greeting"),
    [
        ("Anja de Vries", "Beste Anja,"),
        ("de Vries, Anja", "Beste Anja,"),
        ("A. de Vries", "Hallo,"),
        ("", "Hallo,"),
        ("Support Zorggroep Noord", "Hallo,"),
    ],
)
def test_the_greeting_uses_the_first_name_or_is_neutral(
    triage: Triage, name: str, greeting: str
) -> None:
    assert ack_for(triage, "kapot", name=name).payload["body"].startswith(greeting + "\n")


def test_name_and_first_name_are_available_to_the_template(triage: Triage) -> None:
    text = TEMPLATES.for_language("nl").model_copy(
        update={"greeting": "Hoi $first_name ($name),", "greeting_neutral": "Hoi $name,"}
    )
    item = report("kapot").model_copy(update={"sender_name": '"Anja de Vries"'})
    _, body = render(1, item, triage.decide(item), text, SENDER, AMS)
    assert body.startswith("Hoi Anja (Anja de Vries),")


def test_the_ticket_tag_is_added_when_the_template_leaves_it_out(triage: Triage) -> None:
    text = TEMPLATES.for_language("en").model_copy(update={"subject": "Re: $subject"})
    item = report("kapot")
    subject, _ = render(9, item, triage.decide(item), text, SENDER, AMS)
    assert subject == "[#9] Re: (no subject)"


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
    assert "ticket" not in {key.lower() for key in parsed}  # the log fields stay out


@pytest.mark.parametrize(
    ("sender", "expected"),
    [("jan@acme.nl", True), ("SUPPORT@dialog.nl", False), ("", False), ("U123", False)],
)
def test_should_acknowledge(sender: str, expected: bool) -> None:
    item = report("kapot").model_copy(update={"sender": sender})
    assert should_acknowledge(item, SENDER) is expected


def copy_messages(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "config" / "messages", tmp_path / "messages")
    return tmp_path / "messages"


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        ("acknowledgement.yaml", "$ticket.", "$tiket.", r"unknown placeholder.*tiket"),
        ("acknowledgement.en.yaml", "$ticket.", "$tiket.", r"\.en\.yaml: .*tiket"),
        # $first_name is only known in the greeting (it is empty when there is none).
        ("acknowledgement.yaml", "$greeting\n", "$first_name\n", r"body: unknown.*first_name"),
        ("acknowledgement.en.yaml", "  $escalation\n", "", r"body: must contain \$escalation"),
        ("acknowledgement.en.yaml", "hoog: High (Hoog), ", "", r"priorities: missing hoog"),
        ("acknowledgement.en.yaml", "Saturday, ", "", r"labels\.weekdays"),
        ("acknowledgement.yaml", "$year om $time", "$jaar om $time", r"when: unknown.*jaar"),
        ("acknowledgement.en.yaml", "escalate:", "escalation:", r"escalation: Extra inputs"),
    ],
)
def test_each_language_file_is_checked_at_load(
    tmp_path: Path, file: str, old: str, new: str, problem: str
) -> None:
    path = copy_messages(tmp_path) / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_ack_templates(tmp_path)


def test_a_missing_language_file_is_a_config_error(tmp_path: Path) -> None:
    (copy_messages(tmp_path) / "acknowledgement.en.yaml").unlink()
    with pytest.raises(ConfigError, match=r"acknowledgement\.en\.yaml: cannot read"):
        load_ack_templates(tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_ack_templates(tmp_path / "nope")


def test_the_readme_shows_the_acknowledgement_as_it_reads(triage: Triage) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```\nSubject: ", 1)[1].split("```", 1)[0]
    item = report(
        "Sinds vanochtend kan niemand van onze organisatie inloggen.",
        at="2026-11-24T14:00",
        sender="a.devries@zorggroepnoord.nl",
    ).model_copy(update={"subject": "Niemand kan inloggen", "sender_name": "Anja de Vries"})
    subject, body = render(12, item, triage.decide(item), TEMPLATES.for_language("nl"), SENDER, AMS)
    assert shown == f"{subject}\n\n{body}"

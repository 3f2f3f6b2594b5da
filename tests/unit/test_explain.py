"""Why a ticket got its decision (bot/explain.py): stored tickets in a SQLite store in tmp_path,
made through the desk with a small factor file and the shipped SLA, explained from the store.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.slack.views.explain import explanation_message
from app.render.explain import explanation_text
from bot.calendar import BusinessCalendar, ReleaseCalendar, ReleaseConfig
from bot.desk import Desk
from bot.directory import Directory, OrganisationsFile
from bot.engine.loader import RuleSet, load_rules
from bot.engine.runner import RuleEngine
from bot.errors import UnknownTicket
from bot.explain import DecisionRecord, Explanation, explain, load_explanation, mark
from bot.models import Category, Channel, Factor, Priority, Report
from bot.pipeline import Triage
from bot.store import Store
from bot.textmodel import TextModel
from tests.unit.test_slack_messages import assert_within_limits
from tests.unit.triage_setup import AMS, ORGANISATIONS, REPO, local

FACTORS = """\
factors:
  fout:
    description: Er gaat iets mis
    values:
      ja:
        words: [werkt niet, foutmelding, kan ... niemand ... inloggen, inloggen lukt niet]
  omvang:
    description: Hoeveel gebruikers
    values:
      iedereen:
        negated: enkele
        words: [iedereen, niemand]
      enkele:
        words: [een paar collega's]
  workaround:
    values:
      ja:
        words: [via de app lukt het wel]
  vraag:
    values:
      ja:
        words: [hoe kan ik]

decisions:
  - name: iedereen-kapot
    description: >-
      Een storing voor iedereen,
      zonder omweg. Hoog.
    when: {fout: ja, omvang: iedereen, workaround: onbekend}
    then: {category: storing, priority: hoog}
  - name: kapot
    description: Een storing. Middel.
    when: {fout: ja}
    then: {category: storing, priority: middel}
  - name: vraag
    description: Een vraag.
    when: {vraag: ja}
    then: {category: vraag}
"""
OUTAGE = (
    "Goedemorgen,\n\nSinds vanochtend kan bij ons niemand meer inloggen. Iedereen krijgt een "
    "foutmelding.\n\nMet vriendelijke groet,\nJan Jansen\nTeamleider"
)
FRIDAY_16 = "2026-12-18T16:00"


def rules_in(tmp: Path, factors: str = FACTORS, sla: str | None = None) -> RuleSet:
    folder = tmp / f"rules-{len(list(tmp.glob('rules-*')))}"
    folder.mkdir()
    if sla is None:
        shutil.copy(REPO / "rules" / "00-sla.yaml", folder / "00-sla.yaml")
    else:
        (folder / "00-sla.yaml").write_text(sla, encoding="utf-8")
    (folder / "10-factoren.yaml").write_text(factors, encoding="utf-8")
    return load_rules(folder)


def triage_with(rule_set: RuleSet) -> Triage:
    directory = Directory(OrganisationsFile.model_validate(ORGANISATIONS).organisations)
    calendar = BusinessCalendar()
    return Triage(
        RuleEngine(rule_set), directory, calendar, ReleaseCalendar(ReleaseConfig(), calendar)
    )


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    rule_set = rules_in(tmp_path)
    with Store(tmp_path / "t.db") as store:
        yield Desk(triage_with(rule_set), store, lambda: rule_set.reminders, slack=False)


def opened(
    desk: Desk,
    body: str,
    at: str = FRIDAY_16,
    sender: str = "jan@acme.nl",
    channel: Channel = Channel.EMAIL,
    subject: str = "",
) -> int:
    report = Report(
        channel=channel, received_at=local(at), sender=sender, subject=subject, body=body
    )
    ticket = desk.open_ticket(report, local(at)).ticket_id
    assert ticket is not None
    return ticket


def why(desk: Desk, ticket: int) -> Explanation:
    return load_explanation(desk.store, desk.triage, ticket)


def test_an_outage_by_email_explained(desk: Desk) -> None:
    e = why(desk, opened(desk, OUTAGE, subject="Inloggen"))
    assert (e.priority, e.category, e.provisional) == (Priority.HOOG, Category.STORING, True)
    # The newest text as the rules read it, with the words that set a factor marked; the
    # signature was not read.
    assert [p for p, f in e.body.pieces() if f] == [
        "kan bij ons niemand meer inloggen",
        "Iedereen",
        "foutmelding",
    ]
    assert "Teamleider" not in e.body.text
    assert e.unread == ("ondertekening (3 regels)",)
    assert e.subject.text == "Inloggen" and e.subject.marks == ()
    factors = {f.name: f for f in e.factors}
    assert factors["fout"].value == "ja"
    assert factors["fout"].found == ("kan bij ons niemand meer inloggen", "foutmelding")
    assert factors["omvang"].found == ("niemand", "Iedereen")
    assert factors["omvang"].description == "Hoeveel gebruikers"
    # The row that decided, each condition against the report's value.
    assert e.row is not None and e.row.known
    assert (e.row.name, e.row.position, e.row.rows) == ("iedereen-kapot", 1, 3)
    assert e.row.description == "Een storing voor iedereen, zonder omweg. Hoog."
    assert [(c.name, c.actual, c.holds) for c in e.row.conditions] == [
        ("fout", "ja", True),
        ("omvang", "iedereen", True),
        ("workaround", "onbekend", True),
    ]
    assert e.row.file.endswith("10-factoren.yaml") and e.row.line > 0
    # Hoog by email: exempt (SLA 4.D), the deadlines are internal targets, derived anyway.
    assert e.exemption.exempt and e.exemption.clause == "SLA 4.D"
    assert "niet telefonisch" in e.exemption.text
    reaction, resolution = e.deadlines
    assert reaction.clause == "Bijlage 1, Hoog" and reaction.matches
    assert reaction.line(e.clock_label, AMS) == (
        "ontvangen vr 18 dec 16:00 · 15 werkminuten · vr 18 dec 15 werkminuten (16:00-16:15) "
        "→ vr 18 dec 16:15"
    )
    assert resolution.matches and resolution.phrases(AMS) == [
        "vr 18 dec 1 werkuur (16:00-17:00)",
        "za 19 dec en zo 20 dec: weekend",
        "ma 21 dec 7 werkuren (09:00-16:00)",
    ]
    assert e.same_rules and e.same_calendar
    assert [(h.actor, h.what) for h in e.history] == [
        ("triage", "ticket aangemaakt (via e-mail): Hoog storing")
    ]


def test_a_priority_change_is_explained_with_who_when_and_why(desk: Desk) -> None:
    ticket = opened(desk, OUTAGE)
    changed_at = local("2026-12-18T16:05")
    desk.set_priority(ticket, Priority.MIDDEL, "U0ANNA", changed_at, "Alleen de webversie")
    e = why(desk, ticket)
    assert e.priority is Priority.MIDDEL and not e.provisional
    assert (e.decided_by, e.decided_at, e.decision_reason) == (
        "U0ANNA",
        changed_at,
        "Alleen de webversie",
    )
    assert e.rules_priority is Priority.HOOG
    # The new deadlines run from the original receipt, Middel's targets.
    reaction, resolution = e.deadlines
    assert reaction.clause == "Bijlage 1, Middel" and reaction.matches
    assert reaction.due == local("2026-12-21T16:00")
    assert resolution.target == "eerstvolgende release" and resolution.matches
    last = e.history[-1]
    assert (last.at, last.actor, last.reason) == (changed_at, "U0ANNA", "Alleen de webversie")
    assert last.what == (
        "prioriteit Hoog → Middel; termijnen: reactie ma 21 dec 16:00, oplossen di 29 dec 07:00"
    )
    desk.assign(ticket, "U0ANNA", local("2026-12-18T16:10"))
    desk.resolve(ticket, "U0ANNA", local("2026-12-18T16:20"))
    whats = [h.what for h in why(desk, ticket).history]
    assert whats[-2:] == ["opgepakt (eerste reactie)", "opgelost"]


def test_negation_typos_and_the_subject_are_marked_where_they_are() -> None:
    # A negated word sets its value's `negated` value: that occurrence is marked.
    text = "Niet iedereen merkt het, maar nu werkt het bij iedereen niet."
    negated = Factor(name="omvang", value="enkele", words=("iedereen",), negated=True)
    plain = Factor(name="omvang", value="iedereen", words=("iedereen",))
    result, found = mark(text, [negated])
    assert [(text[m.start : m.end], m.start) for m in result.marks] == [("iedereen", 5)]
    result, found = mark(text, [plain])
    assert [m.start for m in result.marks] == [text.rindex("iedereen")]
    assert found == {"omvang": ("iedereen",)}
    # A typo is shown as the customer typed it; a phrase with a gap with its gap.
    typo = Factor(name="fout", value="ja", words=("inloggen lukt niet",))
    result, found = mark("Het inlogen lukt niet meer.", [typo])
    assert found == {"fout": ("inlogen lukt niet",)}
    # Two factors on overlapping words make one mark naming both.
    both = [
        Factor(name="fout", value="ja", words=("kan ... niemand ... inloggen",)),
        Factor(name="omvang", value="iedereen", words=("niemand",)),
    ]
    result, _ = mark("Nu kan niemand inloggen.", both)
    assert [(m.start, m.end, m.factors) for m in result.marks] == [(3, 23, ("fout", "omvang"))]
    assert result.pieces() == [
        ("Nu ", ()),
        ("kan niemand inloggen", ("fout", "omvang")),
        (".", ()),
    ]


def test_a_factor_read_from_the_subject_is_marked_there(desk: Desk) -> None:
    e = why(
        desk, opened(desk, "Graag snel hulp, het is dringend.", subject="Foutmelding bij export")
    )
    (fout,) = [f for f in e.factors if f.name == "fout"]
    assert fout.part == "subject" and fout.found == ("Foutmelding",)
    assert [p for p, f in e.subject.pieces() if f] == ["Foutmelding"]
    assert e.body.marks == ()


def test_nothing_recognised_is_explained_as_such(desk: Desk) -> None:
    e = why(desk, opened(desk, "Zie bijlage."))
    assert e.needs_triage and e.row is None and e.factors == ()
    reaction, resolution = e.deadlines
    assert reaction.clause == "4.G, niet herkend" and reaction.matches
    assert reaction.due == local("2026-12-21T16:00")
    assert resolution.target == "geen termijn" and resolution.due is None


def test_rules_edited_since_the_decision(desk: Desk, tmp_path: Path) -> None:
    ticket = opened(desk, OUTAGE)
    # The team lead renamed the row and made Hoog's reaction 30 minutes since.
    renamed = FACTORS.replace("name: iedereen-kapot", "name: grote-storing")
    sla = (REPO / "rules" / "00-sla.yaml").read_text(encoding="utf-8")
    slower = sla.replace("reaction: 15 business minutes", "reaction: 30 business minutes")
    assert slower != sla
    edited = rules_in(tmp_path, renamed, slower)
    view = desk.store.ticket_view(ticket)
    rows = desk.store.decisions(ticket)
    e = explain(
        view,
        desk.store.report_of(ticket),
        [DecisionRecord.model_validate(r) for r in rows],
        desk.store.history(ticket),
        edited,
        desk.triage.directory.identify("email", "jan@acme.nl"),
        desk.triage.calendar,
        desk.triage.releases,
    )
    assert not e.same_rules and e.same_calendar
    assert e.row is not None and not e.row.known and e.row.name == "iedereen-kapot"
    # The stored factors and words are the decision's own, not re-read.
    assert {f.name for f in e.factors} == {"fout", "omvang"}
    reaction = e.deadlines[0]
    assert not reaction.matches
    assert reaction.stored == local("2026-12-18T16:15")
    assert reaction.due == local("2026-12-18T16:30")
    assert "(maar opgeslagen bij de beslissing: vr 18 dec 16:15)" in reaction.line("ontvangen", AMS)


@pytest.mark.parametrize(
    ("body", "sender", "channel", "exempt", "clause", "words"),
    [
        # A contract without the phone rule (phone_not_required): guaranteed by email.
        (OUTAGE, "els@vrij.nl", Channel.EMAIL, False, "SLA 4.D", "het contract van Vrij B.V."),
        # Phoned in by an agreed contact (3.C).
        (OUTAGE, "+31 30 123 4567", Channel.PHONE, False, "SLA 3.C en 4.D", "contactpersoon Jan"),
        # Phoned in by someone else: exempt, with 3.C's reason.
        (OUTAGE, "+31 6 11122233", Channel.PHONE, True, "SLA 4.D en 3.C", "geen afgesproken"),
        # A question is not under the phone rule at all.
        (
            "Hoe kan ik een doel kopieren?",
            "jan@acme.nl",
            Channel.EMAIL,
            False,
            "SLA 4.D",
            "belplicht",
        ),
    ],
)
def test_the_exemption_and_its_clause(
    desk: Desk, body: str, sender: str, channel: Channel, exempt: bool, clause: str, words: str
) -> None:
    e = why(desk, opened(desk, body, sender=sender, channel=channel))
    assert (e.exemption.exempt, e.exemption.clause) == (exempt, clause)
    assert words in e.exemption.text


def test_a_call_that_made_the_ticket_guaranteed_restarts_the_clock(desk: Desk) -> None:
    ticket = opened(desk, OUTAGE)
    desk.set_priority(ticket, None, "U0ANNA", local("2026-12-18T16:03"))  # confirmed Hoog
    call_at = local("2026-12-21T11:00")
    call = Report(
        channel=Channel.PHONE,
        received_at=call_at,
        sender="+31 30 123 4567",
        body="Jan belt over het inlogprobleem",
        source_key="call-1",
    )
    assert desk.link_call(ticket, call, call_at) == "guaranteed"
    e = why(desk, ticket)
    assert not e.exemption.exempt and "telefonisch meldde op ma 21 dec 11:00" in e.exemption.text
    # The caller made it guaranteed; the priority is still the one the agent confirmed.
    assert (e.priority, e.provisional, e.decided_by) == (Priority.HOOG, False, "U0ANNA")
    assert e.clock_label == "telefonisch gemeld" and e.clock_start == call_at
    assert e.received_at == local(FRIDAY_16)
    reaction = e.deadlines[0]
    assert reaction.matches and reaction.due == local("2026-12-21T11:15")
    assert reaction.line(e.clock_label, AMS).startswith("telefonisch gemeld ma 21 dec 11:00")
    assert "afgesproken contactpersoon Jan" in e.history[-1].what


def test_an_unknown_ticket(desk: Desk) -> None:
    with pytest.raises(UnknownTicket, match=r"Ticket #42 bestaat niet\."):
        why(desk, 42)


# -- the two renderings: the Slack answer and the terminal -------------------------------------
def test_the_slack_answer_bolds_escapes_and_stays_within_limits(desk: Desk) -> None:
    hostile = (
        "@here <!channel> Sinds vanochtend kan bij ons niemand meer inloggen.\n"
        "Iedereen krijgt een foutmelding. " + "Nog meer tekst. " * 400
    )
    e = why(desk, opened(desk, hostile, subject="<@U0BOSS> *dringend*"))
    message = explanation_message(e, desk.triage.calendar)
    assert_within_limits(message)
    assert message.text == f"Waarom #{e.ticket}: Hoog storing"
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert "&lt;!channel&gt;" in shown and "@\u200bhere" in shown and "<!channel>" not in shown
    assert "&lt;@U0BOSS&gt;" in shown and "<@U0BOSS>" not in shown
    # Marked words in bold, per line; the long report is cut with "…".
    assert (
        "> @\u200bhere &lt;!channel&gt; Sinds vanochtend *kan bij ons niemand meer inloggen*"
        in shown
    )
    assert "> *Iedereen* krijgt een *foutmelding*." in shown
    [text_block] = [b for b in message.blocks if "Tekst zoals de regels" in json.dumps(b)]
    assert text_block["text"]["text"].endswith("…")


def test_the_terminal_text_escapes_control_characters(desk: Desk) -> None:
    e = why(desk, opened(desk, "Niemand kan inloggen.\x1b[2J Iedereen\r krijgt een foutmelding."))
    text = explanation_text(e, AMS)
    assert "\x1b" not in text and "\\u001b[2J" in text and "\r" not in text
    assert "«Iedereen»" in text


def test_a_report_the_text_model_decided_says_so_with_what_the_rules_said(tmp_path: Path) -> None:
    rule_set = rules_in(tmp_path)
    triage = triage_with(rule_set)
    outcomes = ["hoog storing", "laag instelling", "laag storing", "laag vraag", "laag wens"]
    triage.model = TextModel.from_json(
        {
            "version": "test",
            "outcomes": [*outcomes, "middel storing"],
            "intercepts": [0.0] * 6,
            "hoog_threshold": 0.4,
            "unsure_below": 0.5,
            "word": {"laadscherm": [1.0, 10.0, 0, 0, 0, 0, 0]},
            "char": {},
        }
    )
    with Store(tmp_path / "t.db") as store:
        desk = Desk(triage, store, lambda: rule_set.reminders, slack=False)
        e = why(desk, opened(desk, "Wij blijven allemaal op het laadscherm hangen."))
    assert (e.priority, e.category) == (Priority.HOOG, Category.STORING)
    factor = next(f for f in e.factors if f.name == "taalmodel")
    assert factor.value.startswith("hoog storing (") and factor.found == ("laadscherm",)
    assert "taalmodel" in factor.description
    rules = next(f for f in e.factors if f.name == "regels")
    assert rules.value == "niets herkend" and "zonder het taalmodel" in rules.description
    assert e.rules == ("taalmodel",)
    # The rules recognised nothing: a person decides, the model's answer shown "tot dan".
    assert e.needs_triage
    text = explanation_text(e, AMS)
    assert "Niet herkend: geen beslisregel past (tot dan Hoog storing)" in text
    assert "woorden van het taalmodel" not in text  # its one word was found in the text
    assert "regels: niets herkend — wat de beslistabel" in text
    assert "(niet teruggevonden)" not in text
    assert [p for p, f in e.body.pieces() if f] == ["laadscherm"]
    # The rules recognise a Middel storing ("kapot"), the model is sure of Hoog: it decides.
    with Store(tmp_path / "t.db") as store:
        desk = Desk(triage, store, lambda: rule_set.reminders, slack=False)
        e = why(desk, opened(desk, "Het laadscherm werkt niet, laadscherm na laadscherm."))
    assert e.row is not None
    assert (e.priority, e.row.name, e.needs_triage) == (Priority.HOOG, "kapot", False)
    text = explanation_text(e, AMS)
    assert "Hoog storing, voorlopig: door het taalmodel, nog niet bevestigd" in text
    assert "regels: middel storing, beslisregel kapot" in text

"""Slack messages: Block Kit structure, action ids per ticket state, Dutch text, limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.slack.blocks import (
    HEADER_MAX,
    MAX_BLOCKS,
    SECTION_MAX,
    SlackMessage,
    escape,
    render_text,
)
from adapters.slack.views.deadlines import countdown
from adapters.slack.views.digest import digest_message
from adapters.slack.views.home import home_view
from adapters.slack.views.lists import (
    help_message,
    history_line,
    not_allowed_message,
    ticket_detail,
    ticket_list,
)
from adapters.slack.views.modals import parse_reason_metadata, reason_modal
from adapters.slack.views.post import reply_message, resolved_message, triage_post
from adapters.slack.views.reminders import reminder_message
from adapters.slack.views.rules import rules_refused_message, rules_reloaded_message
from bot.calendar import BusinessCalendar
from bot.engine.reload import ReloadResult, RuleChanges
from bot.errors import RuleProblem
from bot.models import Category, Channel, Factor, Priority
from bot.tickets import OPEN, RESOLVED, HistoryEntry, TicketView

AMS = ZoneInfo("Europe/Amsterdam")
CAL = BusinessCalendar()


def at(text: str) -> datetime:
    """A local Amsterdam time ('2026-11-27 16:00') as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS).astimezone(UTC)


# Friday 27 Nov 2026 16:00: Middel reaction due Monday 30 Nov 16:00 (one working day).
FRI_16 = at("2026-11-27 16:00")
MON_16 = at("2026-11-30 16:00")
RELEASE = at("2026-12-08 07:00")


def ticket(**changes: Any) -> TicketView:
    values: dict[str, Any] = {
        "id": 12,
        "status": OPEN,
        "channel": Channel.EMAIL,
        "subject": "Export werkt niet",
        "sender": "jan@acme.nl",
        "excerpt": "Bij het exporteren van doelen krijg ik een foutmelding.",
        "received_at": FRI_16,
        "priority": Priority.MIDDEL,
        "category": Category.STORING,
        "provisional": True,
        "exempt": False,
        "exempt_reason": None,
        "reaction_due": MON_16,
        "resolution_due": RELEASE,
        "rules": ("storing-middel", "export"),
        "decision_id": 1,
        "decided_by": "triage",
        "organisation": "acme",
        "organisation_name": "Acme B.V.",
        "reporter_name": "Jan Jansen",
    }
    values.update(changes)
    return TicketView(**values)


def blocks_of(message: SlackMessage | dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in message_blocks(message) if b["type"] == kind]


def message_blocks(message: SlackMessage | dict[str, Any]) -> list[dict[str, Any]]:
    return message.blocks if isinstance(message, SlackMessage) else message["blocks"]


def all_text(message: SlackMessage | dict[str, Any]) -> str:
    """Every text in the blocks (mrkdwn as sent, not rendered), one per line."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message_blocks(message))
    return "\n".join(found)


def mrkdwn_texts(node: object) -> list[str]:
    """Every mrkdwn text object's text, wherever it is nested."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "mrkdwn":
        return [node["text"]]
    return [t for value in node.values() for t in mrkdwn_texts(value)]


def action_ids(message: SlackMessage) -> list[str]:
    actions = blocks_of(message, "actions")
    return [e["action_id"] for a in actions for e in a["elements"]]


def assert_within_limits(message: SlackMessage | dict[str, Any]) -> None:
    blocks = message_blocks(message)
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_MAX
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= SECTION_MAX
            assert len(block.get("fields", [])) <= 10


# -- countdown ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # As a person says it: a full working day is "1 werkdag", and above four hours the
        # minutes are rounded away ("7 werkuren en 59 werkminuten" was what a post said).
        (at("2026-11-27 16:00"), "over 1 werkdag"),
        (at("2026-11-27 16:00:30"), "over 1 werkdag"),
        (at("2026-11-27 16:20"), "over 1 werkdag"),
        (at("2026-11-27 16:30"), "over 7 werkuren"),
        (at("2026-11-27 16:50"), "over 7 werkuren"),
        (at("2026-11-28 11:00"), "over 7 werkuren"),  # Saturday: the clock stands still
        (at("2026-11-30 13:15"), "over 2 werkuren en 45 werkminuten"),
        (at("2026-11-30 15:00"), "over 1 werkuur"),
        (at("2026-11-30 15:59:40"), "nu"),
        (at("2026-11-30 16:00"), "nu"),
        (at("2026-11-30 17:30"), "1 werkuur te laat"),
        (at("2026-12-01 10:00"), "2 werkuren te laat"),
    ],
)
def test_countdown_in_business_time_across_a_weekend(now: datetime, expected: str) -> None:
    assert countdown(MON_16, now, CAL) == expected


def test_countdown_after_a_deadline_at_friday_closing() -> None:
    due = at("2026-11-27 17:00")
    assert countdown(due, at("2026-11-28 10:00"), CAL) == "verstreken"
    assert countdown(due, at("2026-11-30 10:30"), CAL) == "1 werkuur en 30 werkminuten te laat"


def test_countdown_long_spans_in_working_days() -> None:
    assert countdown(RELEASE, FRI_16, CAL) == "over 6 werkdagen en 1 werkuur"
    assert countdown(at("2026-12-02 16:00"), FRI_16, CAL) == "over 3 werkdagen"
    assert countdown(at("2026-12-01 13:00"), FRI_16, CAL) == "over 1 werkdag en 5 werkuren"
    assert countdown(None, FRI_16, CAL) == "geen"


# -- the ticket post --------------------------------------------------------------------------
def test_provisional_post_structure_and_text() -> None:
    message = triage_post(ticket(), at("2026-11-30 13:00"), CAL)
    header = message.blocks[0]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "#12 Export werkt niet", "emoji": True},
    }
    text = all_text(message)
    assert "*Melder:* Jan Jansen (jan@acme.nl)" in text
    assert "*Organisatie:* Acme B.V." in text
    assert "*Gemeld via* e-mail op vr 27 nov 16:00" in text
    assert "*Prioriteit:* Middel (voorlopig)" in text
    assert "*Categorie:* storing" in text
    assert "*Reactie:* ma 30 nov 16:00 (over 3 werkuren)" in text
    assert "*Oplossing:* di 8 dec 07:00 (over 5 werkdagen en 4 werkuren)" in text
    assert "SLA-garantie: ja" in text
    assert "Waarom: storing-middel, export" in text
    assert "> Bij het exporteren van doelen krijg ik een foutmelding." in text
    assert "Nog niet opgepakt · Status: open" in text
    assert message.text.startswith("#12 Export werkt niet — Middel storing (voorlopig)")
    assert "ma 30 nov 16:00 (over 3 werkuren)" in message.text
    assert_within_limits(message)


def test_a_post_says_when_the_text_model_chose_and_what_the_rules_said() -> None:
    factors = (
        Factor(name="taalmodel", value="hoog storing (84 %)", words=("niemand", "witte pagina")),
        Factor(name="regels", value="middel storing, beslisregel storing-met-beperkingen"),
    )
    chosen = ticket(
        priority=Priority.HOOG,
        rules=("storing-met-beperkingen", "taalmodel"),
        decision_row="storing-met-beperkingen",
        factors=factors,
    )
    text = all_text(triage_post(chosen, at("2026-11-30 13:00"), CAL))
    assert "*Prioriteit:* Hoog (voorlopig, taalmodel)" in text
    assert "Waarom: het taalmodel koos, niet de regels" in text
    assert "taalmodel: hoog storing (84 %) (niemand, witte pagina)" in text
    assert "regels: middel storing, beslisregel storing-met-beperkingen" in text
    # The step is not named twice, and a factor without words has no empty brackets.
    assert "regels taalmodel" not in text and "()" not in text
    # Unsure and contradicting the rules: a person decides, with the guess "tot dan".
    doubt = ticket(
        priority=Priority.MIDDEL,
        needs_triage=True,
        rules=("grote-groep", "taalmodel"),
        decision_row="grote-groep",
        factors=(
            Factor(name="taalmodel", value="middel storing (41 %, onzeker)", words=("traag",)),
            Factor(name="regels", value="hoog storing, beslisregel grote-groep"),
        ),
    )
    text = all_text(triage_post(doubt, at("2026-11-30 13:00"), CAL))
    assert "❓ Twijfel: de regels en het taalmodel zijn het oneens; beoordeel zelf." in text
    assert "tot dan Middel storing, reactie binnen 1 werkdag" in text
    assert "Niet herkend" not in text
    unknown = ticket(
        priority=Priority.LAAG,
        category=Category.VRAAG,
        needs_triage=True,
        rules=("taalmodel",),
        factors=(
            Factor(name="taalmodel", value="laag vraag (62 %)", words=("welke",)),
            Factor(name="regels", value="niets herkend"),
        ),
    )
    text = all_text(triage_post(unknown, at("2026-11-30 13:00"), CAL))
    assert "❓ Niet herkend: beoordeel zelf." in text and "tot dan Laag vraag" in text
    assert "Waarom: geen beslisregel past; er is niets herkend" in text


def test_provisional_post_buttons() -> None:
    message = triage_post(ticket(), FRI_16, CAL)
    (actions,) = blocks_of(message, "actions")
    assert actions["block_id"] == "ticket:12"
    assert action_ids(message) == [
        "confirm",
        "prio_hoog",
        "prio_laag",
        "set_category",
        "assign",
        "resolve",
        "explain",
    ]
    by_id = {e["action_id"]: e for e in actions["elements"]}
    buttons = [e for e in actions["elements"] if e["type"] == "button"]
    assert all(e["value"] == "12" for e in buttons)
    # The category menu offers the other three categories, each naming the ticket.
    options = [o["value"] for o in by_id["set_category"]["options"]]
    assert options == ["12:vraag", "12:wens", "12:instelling"]
    assert by_id["confirm"]["text"]["text"] == "Prioriteit bevestigen"
    assert by_id["prio_hoog"]["text"]["text"] == "Hoog"
    assert by_id["prio_hoog"]["style"] == "danger"
    assert by_id["prio_laag"]["text"]["text"] == "Laag"
    assert "style" not in by_id["prio_laag"]
    assert by_id["assign"]["text"]["text"] == "Ik pak dit op"
    resolve = by_id["resolve"]
    assert resolve["text"]["text"] == "Opgelost"
    assert resolve["style"] == "primary"
    assert set(resolve["confirm"]) == {"title", "text", "confirm", "deny"}
    assert resolve["confirm"]["deny"]["text"] == "Annuleren"
    # "Waarom?" only reads: no style, no confirmation (adapters/slack/explain.py answers it).
    assert by_id["explain"]["text"]["text"] == "Waarom?" and set(by_id["explain"]) == {
        "type",
        "action_id",
        "text",
        "value",
    }


def test_confirmed_and_assigned_post() -> None:
    item = ticket(
        priority=Priority.HOOG,
        provisional=False,
        decided_by="U0ABC123",
        decision_reason="Niemand kan inloggen",
        assignee="U0XYZ789",
    )
    message = triage_post(item, FRI_16, CAL)
    assert action_ids(message) == [
        "prio_middel",
        "prio_laag",
        "set_category",
        "resolve",
        "outage_start",
        "explain",
    ]
    text = all_text(message)
    assert "*Prioriteit:* Hoog, bevestigd door <@U0ABC123>" in text
    assert "*Reden:* Niemand kan inloggen" in text
    assert "(voorlopig)" not in text
    assert "Opgepakt door <@U0XYZ789> · Status: open" in text


def test_confirmed_by_triage_does_not_mention_anyone() -> None:
    message = triage_post(ticket(provisional=False, decided_by="triage"), FRI_16, CAL)
    text = all_text(message)
    assert "*Prioriteit:* Middel" in text and "bevestigd door" not in text
    assert "confirm" not in action_ids(message)


def test_reacted_and_laag_deadlines() -> None:
    reacted = ticket(reacted_at=at("2026-11-30 10:00"))
    assert "*Reactie:* ma 30 nov 16:00 (gehaald)" in all_text(
        triage_post(reacted, at("2026-12-02 10:00"), CAL)
    )
    late = ticket(reacted_at=at("2026-12-01 10:00"))
    assert "(niet gehaald (2 werkuren te laat))" in all_text(
        triage_post(late, at("2026-12-02 10:00"), CAL)
    )
    laag = ticket(priority=Priority.LAAG, reaction_due=None, resolution_due=None)
    text = all_text(triage_post(laag, FRI_16, CAL))
    assert "*Reactie:* geen" in text and "*Oplossing:* geen" in text
    assert "geen termijn" in triage_post(laag, FRI_16, CAL).text


def test_exempt_post_warns_once_and_says_what_to_do() -> None:
    reason = (
        "Middel-storing gemeld via e-mail, niet telefonisch (SLA 4.D): reactie- en oplostijd "
        "zijn een intern streefdoel, geen garantie"
    )
    message = triage_post(
        ticket(exempt=True, exempt_reason=reason), FRI_16, CAL, helpdesk_phone="030-1234567"
    )
    text = all_text(message)
    assert "⚠️ Geen SLA-garantie (Middel-storing gemeld via e-mail, niet telefonisch" in text
    assert "030-1234567" in text and "afgesproken contactpersoon" in text
    assert text.lower().count("garantie") == 1  # it said "geen garantie" twice
    assert "SLA-garantie: ja" not in text


@pytest.mark.parametrize(
    ("channel", "label"),
    [
        (Channel.EMAIL, "e-mail"),
        (Channel.PHONE, "telefoon"),
        (Channel.SLACK, "Slack"),
        (Channel.WIDGET, "de support-widget"),
    ],
)
def test_channel_in_dutch(channel: Channel, label: str) -> None:
    text = all_text(triage_post(ticket(channel=channel), FRI_16, CAL))
    assert f"*Gemeld via* {label} op" in text


def test_unknown_organisation_and_reporter() -> None:
    item = ticket(organisation=None, organisation_name=None, reporter_name=None)
    text = all_text(triage_post(item, FRI_16, CAL))
    assert "*Melder:* jan@acme.nl · *Organisatie:* onbekende organisatie" in text
    by_id = ticket(organisation_name=None)
    assert "*Organisatie:* acme" in all_text(triage_post(by_id, FRI_16, CAL))


def test_resolved_post_has_no_buttons() -> None:
    item = ticket(
        status=RESOLVED,
        assignee="U0XYZ789",
        reacted_at=at("2026-11-30 09:30"),
        resolved_at=at("2026-12-01 11:15"),
    )
    message = triage_post(item, at("2026-12-01 11:20"), CAL)
    assert blocks_of(message, "actions") == []
    text = all_text(message)
    assert "✅ Opgelost door <@U0XYZ789> op di 1 dec 11:15" in text
    assert "*Oplossing:* di 8 dec 07:00 (gehaald)" in text
    other = triage_post(item, at("2026-12-01 11:20"), CAL, resolved_by="U0AAA111")
    assert "✅ Opgelost door <@U0AAA111> op di 1 dec 11:15" in all_text(other)
    # Who resolved it, as the store read it from the history, beats who held it.
    by_colleague = triage_post(replace(item, resolved_by="U0BBB222"), item.resolved_at, CAL)
    assert "✅ Opgelost door <@U0BBB222> op di 1 dec 11:15" in all_text(by_colleague)
    # Resolved on the command line by an operator: named, not a broken mention.
    by_operator = triage_post(replace(item, resolved_by="cli"), item.resolved_at, CAL)
    assert "✅ Opgelost door cli op di 1 dec 11:15" in all_text(by_operator)


def test_the_resolved_thread_message_says_who_and_when_in_local_time() -> None:
    message = resolved_message(12, "U0ANNA", datetime(2026, 11, 24, 13, 5, tzinfo=UTC), CAL)
    assert message.text == "✅ Opgelost door <@U0ANNA> op di 24 nov 14:05 (#12)"
    assert all_text(message) == message.text


def test_a_callers_number_reads_the_dutch_way_in_the_post() -> None:
    called = ticket(channel=Channel.PHONE, sender="+31612000000", reporter_name=None)
    text = all_text(triage_post(called, FRI_16, CAL))
    assert "*Melder:* 06-12000000" in text and "+31612000000" not in text
    named = ticket(channel=Channel.PHONE, sender="+31501234567", reporter_name="Anja de Vries")
    assert "*Melder:* Anja de Vries (050-1234567)" in all_text(triage_post(named, FRI_16, CAL))


# -- escaping and limits --------------------------------------------------------------------
def test_escape() -> None:
    assert escape("a & <b> > c") == "a &amp; &lt;b&gt; &gt; c"
    assert escape("hoi @channel en @Here") == "hoi @\u200bchannel en @\u200bHere"
    assert escape("mail@channelpartner.nl") == "mail@channelpartner.nl"


def test_user_text_cannot_ping_or_break_markup() -> None:
    item = ticket(
        subject="<script> <!channel> @here",
        excerpt="Zie <https://evil.example|hier> & <@U0BOSS>",
        reporter_name="<!everyone>",
        rules=("a<b",),
    )
    message = triage_post(item, FRI_16, CAL)
    # plain_text (header, buttons, dialog) is never parsed by Slack; mrkdwn must be escaped.
    sent = "\n".join([*mrkdwn_texts(message.blocks), message.text])
    for dangerous in ("<!channel>", "<!everyone>", "<@U0BOSS>", "<script>", "<https://", "@here"):
        assert dangerous not in sent
    assert message.blocks[0]["text"]["text"] == "#12 <script> <!channel> @here"
    assert "&lt;script&gt; &lt;!channel&gt; @\u200bhere" in message.text
    assert "&lt;@U0BOSS&gt;" in all_text(message)
    for block in message.blocks:
        for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                assert obj["verbatim"] is True


def test_long_subject_and_excerpt_are_truncated() -> None:
    item = ticket(subject="S" * 400, excerpt="& " * 5000, reporter_name="N" * 4000)
    message = triage_post(item, FRI_16, CAL)
    header = message.blocks[0]["text"]["text"]
    assert len(header) == HEADER_MAX and header.endswith("…")
    assert_within_limits(message)
    for block in blocks_of(message, "section"):
        if "text" in block:
            body = block["text"]["text"]
            # never cut through an entity
            assert not body.rstrip("…").endswith(("&", "&a", "&am", "&amp"))
    assert len(message.text) <= 3000


# -- the reason modal -----------------------------------------------------------------------
def test_reason_modal() -> None:
    view = reason_modal(12, Priority.MIDDEL, "Export <werkt> niet")
    assert view["type"] == "modal"
    assert view["callback_id"] == "prio_reason"
    assert json.loads(view["private_metadata"]) == {"ticket": 12, "priority": "middel"}
    assert parse_reason_metadata(view["private_metadata"]) == (12, Priority.MIDDEL)
    assert view["title"]["text"] == "Prioriteit wijzigen"
    assert view["submit"]["text"] == "Wijzigen"
    assert view["close"]["text"] == "Annuleren"
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["block_id"] == "reason"
    assert field["optional"] is False
    element = field["element"]
    assert element["type"] == "plain_text_input"
    assert element["action_id"] == "reason"
    assert element["multiline"] is True
    assert element["max_length"] == 500
    assert "&lt;werkt&gt;" in all_text(view)
    assert "Nieuwe prioriteit: *Middel*" in all_text(view)


@pytest.mark.parametrize("metadata", ["", "{}", '{"ticket": 1, "priority": "urgent"}', "[1]"])
def test_malformed_reason_metadata(metadata: str) -> None:
    with pytest.raises(ValueError):
        parse_reason_metadata(metadata)


# -- reminders ------------------------------------------------------------------------------
def test_reminder_before_deadline() -> None:
    message = reminder_message(ticket(), "reaction", "before", MON_16, at("2026-11-30 15:00"), CAL)
    assert message.text == (
        "⏰ #12 Middel storing: reactietermijn verstrijkt over 1 werkuur (ma 30 nov 16:00)"
        " — nog niemand heeft dit opgepakt"
    )
    assert message.blocks[0]["text"]["text"] == message.text


def test_reminder_mentions_assignee_and_marks_exempt() -> None:
    item = ticket(assignee="U0XYZ789", exempt=True, exempt_reason="niet telefonisch")
    message = reminder_message(item, "reaction", "percent", MON_16, FRI_16, CAL)
    assert message.text.startswith("⏰ #12 Middel storing (geen SLA-garantie): reactietermijn")
    assert message.text.endswith("— <@U0XYZ789>")
    assert "nog niemand" not in message.text


def test_reminder_breach_overdue_and_outside_hours() -> None:
    breach = reminder_message(ticket(), "reaction", "breach", MON_16, MON_16, CAL)
    assert breach.text.startswith("🚨 #12 Middel storing: reactietermijn verstreken om ma 30 nov")
    overdue = reminder_message(
        ticket(), "resolution", "overdue", MON_16, at("2026-12-01 12:00"), CAL
    )
    assert "🚨 #12 Middel storing: oplostermijn 4 werkuren overschreden" in overdue.text
    night = ticket(id=7, priority=Priority.HOOG, subject="Niemand kan <inloggen>")
    due = at("2026-11-30 09:15")
    outside = reminder_message(night, "reaction", "outside_hours", due, FRI_16, CAL)
    assert outside.text.startswith(
        "🔴 Nieuwe Hoog-melding buiten kantoortijd: #7 Niemand kan &lt;inloggen&gt;"
    )
    assert "reactietermijn verstrijkt ma 30 nov 09:15" in outside.text


def test_reminder_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        reminder_message(ticket(), "reaction", "soon", MON_16, FRI_16, CAL)
    with pytest.raises(ValueError, match="deadline"):
        reminder_message(ticket(), "answer", "before", MON_16, FRI_16, CAL)


# -- digest ---------------------------------------------------------------------------------
NOW = at("2026-12-01 09:00")  # Tuesday


def digest_tickets() -> list[TicketView]:
    return [
        ticket(id=1, subject="Later", reaction_due=at("2026-12-02 12:00")),
        ticket(id=2, subject="Laag", priority=Priority.LAAG, reaction_due=None,
               resolution_due=None),
        ticket(id=3, subject="Te laat", reaction_due=at("2026-11-30 14:00")),
        ticket(id=4, subject="Gereageerd", reacted_at=at("2026-11-30 10:00"),
               resolution_due=RELEASE),
        ticket(id=5, subject="Eerst", reaction_due=at("2026-12-01 11:00"), exempt=True,
               exempt_reason="niet telefonisch"),
        ticket(id=6, subject="Klaar", status=RESOLVED, resolved_at=at("2026-11-30 12:00")),
    ]  # fmt: skip


def test_digest_order_breaches_and_exempt() -> None:
    message = digest_message(digest_tickets(), NOW, CAL, None)
    text = render_text(message)
    listing = text.split("Open tickets, eerst aflopend bovenaan", 1)[1]
    order = [listing.index(f"#{n} ") for n in (3, 5, 1, 4, 2)]
    assert order == sorted(order)
    assert "#6 " not in text  # resolved
    assert message.blocks[0]["text"]["text"] == "☀️ Dagoverzicht di 1 dec"
    assert "5 open tickets, 1 met een verstreken termijn" in text
    assert "🚨 Termijn verstreken (1)" in text
    assert "• #3 Te laat — reactietermijn 3 werkuren overschreden · niet opgepakt" in text
    assert "⚠️ Zonder SLA-garantie, nog geen reactie (1)" in text
    assert "• #5 Eerst — Middel storing, ontvangen vr 27 nov 16:00" in text
    assert "Release vandaag" not in text
    assert message.text == "Dagoverzicht di 1 dec: 5 open, 1 termijn verstreken"


def test_digest_release_section() -> None:
    release = at("2026-12-01 07:00")
    tickets = [
        ticket(id=21, subject="Export", resolution_due=release),
        ticket(id=22, subject="Import", resolution_due=release, assignee="U0XYZ789"),
        ticket(id=23, subject="Volgende", resolution_due=RELEASE),
        ticket(id=24, subject="Hoog", priority=Priority.HOOG, resolution_due=release),
    ]
    text = render_text(digest_message(tickets, NOW, CAL, release))
    assert "🚀 Release vandaag om 07:00: 2 Middel-storingen moeten daarin opgelost zijn" in text
    section = text.split("🚀", 1)[1].split("----", 1)[0]
    assert "#21 Export · niet opgepakt" in section
    assert "#22 Import · @U0XYZ789" in section
    assert "#23" not in section and "#24" not in section
    one = render_text(digest_message(tickets[:1], NOW, CAL, release))
    assert "1 Middel-storing moet daarin opgelost zijn" in one


def test_digest_empty() -> None:
    message = digest_message([ticket(status=RESOLVED)], NOW, CAL, None)
    assert "Geen open tickets" in message.text
    assert len(message.blocks) == 2


def test_digest_stays_within_block_limit() -> None:
    many = [
        ticket(
            id=n,
            reaction_due=at("2026-11-30 10:00") if n % 3 == 0 else MON_16,
            exempt=n % 2 == 0,
            exempt_reason="niet telefonisch",
        )
        for n in range(1, 201)
    ]
    message = digest_message(many, NOW, CAL, at("2026-12-01 07:00"))
    assert len(message.blocks) == MAX_BLOCKS
    assert_within_limits(message)
    listed = [
        b for b in message.blocks if b["type"] == "section" and b["text"]["text"].startswith("*#")
    ]
    last = message.blocks[-1]
    assert last["type"] == "context"
    assert last["elements"][0]["text"] == f"…en nog {200 - len(listed)} tickets"
    # The packed sections (breaches, exempt) are cut at the section limit, and say so.
    assert "\n…en nog" in all_text(message)


# -- list, detail, help, home ---------------------------------------------------------------
def test_ticket_list() -> None:
    message = ticket_list(digest_tickets(), NOW, CAL)
    text = render_text(message)
    assert text.splitlines()[0] == "Open tickets (5), eerst aflopend bovenaan"
    assert text.splitlines()[1].startswith("#3 Te laat — Middel storing (voorlopig)")
    assert "reactie 3 werkuren te laat (ma 30 nov 14:00)" in text
    assert "#2 Laag — Laag storing (voorlopig) · geen termijn · niet opgepakt" in text
    assert ticket_list([], NOW, CAL).text == "Geen open tickets. 🎉"
    assert len(ticket_list([ticket(id=n) for n in range(80)], NOW, CAL).blocks) == MAX_BLOCKS


def test_ticket_detail_with_history() -> None:
    history = [
        HistoryEntry(at("2026-11-30 10:15"), "priority", "U0ABC123",
                     {"from": "hoog", "to": "middel", "reason": "Er is een <omweg>"}),
        HistoryEntry(FRI_16, "created", None, {}),
        HistoryEntry(at("2026-11-30 10:20"), "assigned", "U0XYZ789"),
        HistoryEntry(at("2026-11-30 11:00"), "reply", None,
                     {"subject": "Re: Export", "body": "Dank,\nhet werkt weer."}),
        HistoryEntry(at("2026-11-30 12:00"), "resolved", "U0XYZ789"),
        HistoryEntry(at("2026-11-30 09:30"), "confirmed", "U0ABC123", {"priority": "hoog"}),
        HistoryEntry(at("2026-11-30 09:40"), "phone_link", "U0ABC123", {"caller": "Jan"}),
    ]  # fmt: skip
    message = ticket_detail(ticket(), history, NOW, CAL)
    assert blocks_of(message, "actions") == []
    text = render_text(message)
    assert "#12 Export werkt niet" in text and "Prioriteit: Middel (voorlopig)" in text
    lines = text.split("Geschiedenis", 1)[1].strip().splitlines()
    assert lines == [
        "vr 27 nov 16:00 — melding ontvangen, ticket aangemaakt",
        "ma 30 nov 09:30 — @U0ABC123 bevestigde prioriteit Hoog",
        "ma 30 nov 09:40 — telefonisch gemeld door een afgesproken contactpersoon (Jan): "
        "vanaf dat gesprek valt het ticket onder de SLA-garantie (4.D)",
        "ma 30 nov 10:15 — @U0ABC123 wijzigde prioriteit Hoog → Middel (reden: Er is een <omweg>)",
        "ma 30 nov 10:20 — @U0XYZ789 pakte het ticket op",
        "ma 30 nov 11:00 — reactie van de melder: Re: Export — “Dank, het werkt weer.”",
        "ma 30 nov 12:00 — @U0XYZ789 markeerde het ticket als opgelost",
    ]
    sent = history_line(history[0], CAL)
    assert sent == (
        "ma 30 nov 10:15 — <@U0ABC123> wijzigde prioriteit Hoog → Middel "
        "(reden: Er is een &lt;omweg&gt;)"
    )
    empty = render_text(ticket_detail(ticket(), [], NOW, CAL))
    assert "Nog geen geschiedenis." in empty


def test_help_and_refusal() -> None:
    text = render_text(help_message())
    for command in ("/triage list", "/triage show N", "/triage prio N hoog|middel|laag reden",
                    "/triage help"):  # fmt: skip
        assert command in text
    assert "telefoon" not in text
    assert "/triage telefoon" in render_text(help_message(phone=True))
    refusal = not_allowed_message()
    assert "alleen het supportteam" in refusal and refusal.startswith("Sorry")


def test_home_view() -> None:
    mine = [ticket(id=3, assignee="U0ME"), ticket(id=4, status=RESOLVED, assignee="U0ME")]
    view = home_view("U0ME", mine, digest_tickets(), NOW, CAL)
    assert view["type"] == "home"
    text = render_text(view)
    mine_part, soonest_part = text.split("Mijn tickets", 1)[1].split("Eerst aflopend", 1)
    assert "#3 Export werkt niet" in mine_part and "#4" not in mine_part
    assert soonest_part.index("#3 Te laat") < soonest_part.index("#5 Eerst")
    empty = render_text(home_view("U0ME", [], [], NOW, CAL))
    assert "Je hebt geen open tickets opgepakt." in empty
    assert "Geen open tickets met een termijn." in empty
    crowded = home_view("U0ME", [ticket(id=n) for n in range(300)], [], NOW, CAL)
    assert len(crowded["blocks"]) <= 100


# -- replies and rules ----------------------------------------------------------------------
def test_reply_message() -> None:
    message = reply_message(12, "jan@acme.nl", "Re: <Export>", "x" * 5000, "e-mail")
    assert message.text == "💬 Reactie van jan@acme.nl via e-mail op #12"
    text = all_text(message)
    assert "Onderwerp: Re: &lt;Export&gt;" in text
    quoted = message.blocks[-1]["text"]["text"]
    assert quoted.startswith("> x") and quoted.endswith("…")
    assert len(quoted) <= 1500 + 3


def test_rules_reloaded_message() -> None:
    result = ReloadResult(
        True,
        "rules-abc123",
        RuleChanges(added=("nieuw",), changed=("export",), removed=("oud",), sla_changed=True),
    )
    message = rules_reloaded_message(result, ["rules/10-prio.yaml"])
    assert message.text == (
        "🔄 Regels bijgewerkt: toegevoegd `nieuw`; gewijzigd `export`; verwijderd `oud`; "
        "SLA gewijzigd"
    )
    assert "Versie rules-abc123 · bestanden: `rules/10-prio.yaml`" in all_text(message)
    reminders = rules_reloaded_message(
        ReloadResult(True, "v2", RuleChanges(reminders_changed=True)), []
    )
    assert reminders.text == "🔄 Regels bijgewerkt: herinneringen gewijzigd"
    unchanged = rules_reloaded_message(ReloadResult(True, "v1"), [])
    assert "geen inhoudelijke wijzigingen" in unchanged.text


def test_rules_refused_message_is_capped() -> None:
    problems = [RuleProblem("rules/10-prio.yaml", n, f"onbekend veld <x{n}>") for n in range(60)]
    message = rules_refused_message(problems, "rules-abc123")
    assert message.text.startswith("⛔ Regelwijziging geweigerd, de vorige regels blijven actief")
    assert "60 problemen" in message.text
    code = message.blocks[1]["text"]["text"]
    assert code.startswith("```\nrules/10-prio.yaml:0: onbekend veld &lt;x0&gt;")
    assert code.endswith("…en nog 40 problemen\n```")
    assert_within_limits(message)
    refused = rules_reloaded_message(
        ReloadResult(False, "v1", problems=(RuleProblem("f.yaml", 3, "kapot"),)), ["f.yaml"]
    )
    assert "geweigerd" in refused.text and "f.yaml:3: kapot" in all_text(refused)


# -- console rendering --------------------------------------------------------------------
def test_render_text_of_a_post() -> None:
    item = ticket(subject="A & B", assignee="U0XYZ789", provisional=True)
    text = render_text(triage_post(item, at("2026-11-30 13:00"), CAL))
    lines = text.splitlines()
    assert lines[0] == "#12 A & B"
    assert lines[1] == "=" * len(lines[0])
    for expected in (
        "Melder: Jan Jansen (jan@acme.nl) · Organisatie: Acme B.V.",
        "Prioriteit: Middel (voorlopig)",
        "Reactie: ma 30 nov 16:00 (over 3 werkuren)",
        "SLA-garantie: ja",
        "Waarom: storing-middel, export",
        "Opgepakt door @U0XYZ789 · Status: open",
        "[Prioriteit bevestigen] [Hoog] [Laag] [Categorie wijzigen] [Opgelost] [Waarom?]",
    ):
        assert expected in lines


def test_render_text_of_a_modal() -> None:
    text = render_text(reason_modal(3, Priority.LAAG, "Typfout"))
    assert text.splitlines()[0] == "[ Prioriteit wijzigen ]"
    assert "Nieuwe prioriteit: Laag" in text
    assert "Reden *: [____________]" in text
    assert text.endswith("[Wijzigen] [Annuleren]")

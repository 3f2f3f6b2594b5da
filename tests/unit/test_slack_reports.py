"""Support-channel messages: event classification, mrkdwn to text, Reports, widget posts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack.reports import (
    NO_TEXT_BODY,
    MessageKind,
    SlackMessageError,
    classify_event,
    report_from_message,
    report_from_widget_message,
    slack_text,
    ts_to_datetime,
)
from bot.errors import ReportError
from bot.models import Attachment, Channel

RECEIVED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
BOT_USER, BOT_ID, WIDGET_BOT = "U0TRIAGE", "B0TRIAGE", "B0WIDGET"
CHANNEL, TS = "C0SUPPORT", "1764000000.000100"
USERS = {"U111": "Jan Jansen", "U222": "Piet"}


def message(**fields: Any) -> dict[str, Any]:
    return {"type": "message", "channel": CHANNEL, "ts": TS, "user": "U111", **fields}


def classify(event: dict[str, Any]) -> MessageKind:
    return classify_event(
        event, bot_user_id=BOT_USER, bot_id=BOT_ID, widget_bot_ids=frozenset({WIDGET_BOT})
    )


# --------------------------------------------------------------------------------------------
# classify_event
# --------------------------------------------------------------------------------------------

WIDGET_POST = {"subtype": "bot_message", "bot_id": WIDGET_BOT, "text": "Naam: Jan", "user": None}


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (message(text="Help, alles ligt eruit"), MessageKind.NEW),
        (message(text="Nog een vraag", thread_ts=TS), MessageKind.NEW),  # the parent itself
        (message(text="Zelfde probleem", thread_ts="1763999999.000001"), MessageKind.THREAD_REPLY),
        (
            message(subtype="thread_broadcast", text="ook hier", thread_ts="1763999999.000001"),
            MessageKind.THREAD_REPLY,
        ),
        (message(subtype="file_share", text="", files=[{"name": "a.png"}]), MessageKind.NEW),
        (message(text="", files=[{"name": "a.png"}]), MessageKind.NEW),
        (message(subtype="me_message", text="zucht"), MessageKind.NEW),
        # edits, deletes and channel housekeeping
        (message(subtype="message_changed", message={"text": "x"}), MessageKind.IGNORE),
        (message(subtype="message_deleted", previous_message={"text": "x"}), MessageKind.IGNORE),
        (message(subtype="channel_join", text="<@U111> has joined"), MessageKind.IGNORE),
        (message(subtype="channel_leave", text="<@U111> has left"), MessageKind.IGNORE),
        (message(subtype="channel_topic", text="set the topic"), MessageKind.IGNORE),
        (message(subtype="channel_purpose", text="set the purpose"), MessageKind.IGNORE),
        (message(subtype="pinned_item", text="pinned"), MessageKind.IGNORE),
        (message(subtype="message_replied", text="x"), MessageKind.IGNORE),
        (message(subtype="some_future_subtype", text="x"), MessageKind.IGNORE),
        (message(text="x", hidden=True), MessageKind.IGNORE),
        # our own bot, by user id or by bot id, also in threads
        (message(user=BOT_USER, text="Ticket #12 aangemaakt"), MessageKind.IGNORE),
        (message(user=None, bot_id=BOT_ID, subtype="bot_message", text="x"), MessageKind.IGNORE),
        (message(user=BOT_USER, bot_id=BOT_ID, text="x", thread_ts="1.0"), MessageKind.IGNORE),
        # the widget's bot
        (message(**WIDGET_POST), MessageKind.WIDGET),
        (message(bot_id=WIDGET_BOT, text="Naam: Jan", user="U0WIDGETAPP"), MessageKind.WIDGET),
        (message(**WIDGET_POST, thread_ts="1763999999.000001"), MessageKind.THREAD_REPLY),
        # other bots and integrations
        (message(subtype="bot_message", bot_id="B0OTHER", text="Deploy klaar"), MessageKind.IGNORE),
        (message(bot_id="B0OTHER", text="auto-reply"), MessageKind.IGNORE),
        # nothing to triage or to find
        (message(text=""), MessageKind.IGNORE),
        (message(text="  \n "), MessageKind.IGNORE),
        (message(text=None), MessageKind.IGNORE),
        (message(text="x", ts=""), MessageKind.IGNORE),
        ({**message(text="hoi"), "type": "app_mention"}, MessageKind.IGNORE),
    ],
)
def test_classify_event(event: dict[str, Any], kind: MessageKind) -> None:
    assert classify(event) is kind


def test_classify_without_own_ids_still_reads_messages() -> None:
    event = message(text="hoi")
    assert classify_event(event, bot_user_id=None, bot_id=None, widget_bot_ids=()) is (
        MessageKind.NEW
    )
    # A message without bot_id must not count as 'our bot' when our bot id is unknown.
    assert classify_event(event, bot_user_id=None, bot_id=None, widget_bot_ids={""}) is (
        MessageKind.NEW
    )


# --------------------------------------------------------------------------------------------
# slack_text
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U111> kun je kijken?", "@Jan Jansen kun je kijken?"),
        ("<@U999> en <@U222>", "@U999 en @Piet"),
        ("<@U999|kees>", "@kees"),
        ("zie <#C123|general>", "zie #general"),
        ("zie <#C123>", "zie #C123"),
        ("<!here> storing", "@here storing"),
        ("<!channel> en <!everyone>", "@channel en @everyone"),
        ("<!here|here>", "@here"),
        ("<!subteam^S123|@support> help", "@support help"),
        ("<!subteam^S123>", "@S123"),
        ("om <!date^1764000000^{date_short}|24 nov 2026>", "om 24 nov 2026"),
        ("<https://app.dialog.nl/x|het dashboard>", "het dashboard (https://app.dialog.nl/x)"),
        ("<https://app.dialog.nl/x>", "https://app.dialog.nl/x"),
        ("<https://a.nl/?a=1&amp;b=2|a.nl>", "a.nl (https://a.nl/?a=1&b=2)"),
        ("<https://a.nl|https://a.nl>", "https://a.nl"),
        ("<mailto:a@b.nl|a@b.nl>", "a@b.nl"),
        ("<mailto:a@b.nl|Jan>", "Jan (a@b.nl)"),
        ("<mailto:a@b.nl>", "a@b.nl"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("&amp;lt; is een entiteit", "&lt; is een entiteit"),
        ("*vet* _schuin_ ~door~ `code`", "*vet* _schuin_ ~door~ `code`"),
        ("emoji 😀 :smile: blijven", "emoji 😀 :smile: blijven"),
        ("", ""),
        ("regel 1\nregel 2", "regel 1\nregel 2"),
    ],
)
def test_slack_text(text: str, expected: str) -> None:
    assert slack_text(text, USERS) == expected


def test_slack_text_without_users() -> None:
    assert slack_text("<@U111>") == "@U111"


# --------------------------------------------------------------------------------------------
# ts_to_datetime
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("1700000000.000100", datetime(2023, 11, 14, 22, 13, 20, 100, tzinfo=UTC)),
        ("1700000000.999999", datetime(2023, 11, 14, 22, 13, 20, 999999, tzinfo=UTC)),
        ("1700000000.5", datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ],
)
def test_ts_to_datetime(ts: str, expected: datetime) -> None:
    assert ts_to_datetime(ts) == expected
    assert ts_to_datetime(ts).tzinfo is UTC


@pytest.mark.parametrize("ts", ["", "abc", "1700000000.", "1.2.3", "-1.0", "1700000000.0000001"])
def test_ts_to_datetime_refuses_garbage(ts: str) -> None:
    with pytest.raises(SlackMessageError, match="not a Slack ts"):
        ts_to_datetime(ts)


# --------------------------------------------------------------------------------------------
# report_from_message
# --------------------------------------------------------------------------------------------


def test_report_from_a_new_message() -> None:
    text = "Storing: <!here> het dashboard laadt niet &amp; geeft 500\nDetails: <https://a.nl|link>"
    event = message(text=text)
    report = report_from_message(
        event, channel_name="klant-utrecht", sender="U111", received_at=RECEIVED, users=USERS
    )
    assert report.channel is Channel.SLACK
    assert report.sender == "U111"
    assert report.sender_name == "Jan Jansen"
    assert report.received_at == RECEIVED
    assert report.subject == "Storing: @here het dashboard laadt niet & geeft 500"
    assert report.body == (
        "Storing: @here het dashboard laadt niet & geeft 500\nDetails: link (https://a.nl)"
    )
    assert report.source_key == f"slack:{CHANNEL}:{TS}"
    assert report.message_id == report.source_key
    assert report.references == ()
    assert report.attachments == ()
    assert report.notes == (f"slack channel: #klant-utrecht ({CHANNEL})",)


def test_slack_retry_gives_the_same_key() -> None:
    first = report_from_message(
        message(text="x"), channel_name=None, sender="U111", received_at=RECEIVED
    )
    retry = report_from_message(
        message(text="x"), channel_name=None, sender="U111", received_at=datetime.now(UTC)
    )
    assert first.source_key == retry.source_key


def test_report_from_a_thread_reply() -> None:
    event = message(text="Bij ons ook", thread_ts="1763999999.000001")
    report = report_from_message(
        event,
        channel_name=None,
        sender="U222",
        received_at=RECEIVED,
        permalink="https://dialog.slack.com/archives/C0SUPPORT/p1764000000000100",
    )
    assert report.references == (f"slack:{CHANNEL}:1763999999.000001",)
    assert report.message_id == f"slack:{CHANNEL}:{TS}"
    assert report.sender_name == ""
    assert report.notes == (
        f"slack channel: {CHANNEL}",
        "permalink: https://dialog.slack.com/archives/C0SUPPORT/p1764000000000100",
    )


def test_long_first_line_is_shortened_for_the_subject() -> None:
    text = "Wij zien sinds vanochtend " + "heel erg veel foutmeldingen " * 8 + "\nrest"
    report = report_from_message(
        message(text=text), channel_name=None, sender="U111", received_at=RECEIVED
    )
    assert len(report.subject) <= 80
    assert report.subject.endswith("…")
    assert report.body == text.strip()


def test_files_become_attachments() -> None:
    files = [
        {"id": "F1", "name": "scherm.png", "mimetype": "image/png", "size": 12345},
        {"id": "F2", "title": "log", "size": "big"},
        {"id": "F3", "mode": "tombstone"},
        "not a file",
    ]
    event = message(subtype="file_share", text="Zie bijlage", files=files)
    report = report_from_message(event, channel_name=None, sender="U111", received_at=RECEIVED)
    assert report.attachments == (
        Attachment(name="scherm.png", content_type="image/png", size=12345),
        Attachment(name="log", content_type="application/octet-stream", size=0),
    )
    assert "a file in the message was deleted before it was read" in report.notes


def test_message_with_only_files_gets_a_placeholder_body() -> None:
    event = message(text="", files=[{"name": "a.pdf", "mimetype": "application/pdf", "size": 1}])
    report = report_from_message(event, channel_name=None, sender="U111", received_at=RECEIVED)
    assert report.body == NO_TEXT_BODY
    assert report.subject == NO_TEXT_BODY
    assert len(report.attachments) == 1


def test_empty_message_is_an_error() -> None:
    with pytest.raises(SlackMessageError, match="has no text and no files"):
        report_from_message(message(text=" "), channel_name=None, sender="U1", received_at=RECEIVED)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"ts": TS, "text": "x"}, "has no channel"),
        ({"channel": CHANNEL, "text": "x"}, "has no ts"),
        ({"channel": CHANNEL, "ts": "yesterday", "text": "x"}, "not a Slack ts"),
    ],
)
def test_event_without_channel_or_ts_is_an_error(event: dict[str, Any], expected: str) -> None:
    with pytest.raises(ReportError, match=expected):
        report_from_message(event, channel_name=None, sender="U1", received_at=RECEIVED)


def test_unicode_and_emoji_in_messages() -> None:
    event = message(text="Zoë: het rooster is leeg 😱🚨")
    report = report_from_message(event, channel_name="ü", sender="U111", received_at=RECEIVED)
    assert report.body == "Zoë: het rooster is leeg 😱🚨"


# --------------------------------------------------------------------------------------------
# report_from_widget_message
# --------------------------------------------------------------------------------------------

PAYLOAD = {
    "id": "sub-123",
    "email": "Jan.Jansen@Klant.NL",
    "name": "Jan Jansen",
    "subject": "Inloggen lukt niet",
    "message": "Sinds vanochtend kan niemand inloggen.",
    "organisation": "Gemeente Utrecht",
    "page": "https://app.dialog.nl/login",
}

WIDGET_TEXT = (
    "*Naam:* Jan Jansen\n"
    "*E-mail:* <mailto:jan.jansen@klant.nl|jan.jansen@klant.nl>\n"
    "Organisatie: Gemeente Utrecht\n"
    "Onderwerp: Inloggen lukt niet\n"
    "\n"
    "Sinds vanochtend kan niemand inloggen.\n"
    "Onderwerp: dit hoort bij het bericht &amp; blijft staan."
)


def widget_post(**fields: Any) -> dict[str, Any]:
    return message(**{**WIDGET_POST, "text": WIDGET_TEXT, **fields})


def test_widget_post_via_metadata() -> None:
    event = widget_post(
        text="Nieuwe melding via de widget",
        metadata={"event_type": "widget_submission", "event_payload": PAYLOAD},
    )
    report = report_from_widget_message(event, received_at=RECEIVED)
    assert report.channel is Channel.WIDGET
    assert report.sender == "jan.jansen@klant.nl"
    assert report.sender_name == "Jan Jansen"
    assert report.subject == "Inloggen lukt niet"
    assert report.body == "Sinds vanochtend kan niemand inloggen."
    assert report.received_at == RECEIVED
    # The same submission over HTTP has source_key widget:sub-123 too: one report.
    assert report.source_key == "widget:sub-123"
    assert report.message_id == f"slack:{CHANNEL}:{TS}"
    assert report.notes == (
        "name: Jan Jansen",
        "organisation: Gemeente Utrecht",
        "page: https://app.dialog.nl/login",
        f"posted in Slack channel {CHANNEL} at ts {TS}",
    )


def test_widget_post_via_text() -> None:
    report = report_from_widget_message(widget_post(), received_at=RECEIVED)
    assert report.channel is Channel.WIDGET
    assert report.sender == "jan.jansen@klant.nl"
    assert report.sender_name == "Jan Jansen"
    assert report.subject == "Inloggen lukt niet"
    assert report.body == (
        "Sinds vanochtend kan niemand inloggen.\n"
        "Onderwerp: dit hoort bij het bericht & blijft staan."
    )
    # No id in the text: the Slack message is the key.
    assert report.source_key == f"slack:{CHANNEL}:{TS}"
    assert "organisation: Gemeente Utrecht" in report.notes


def test_widget_text_with_id_and_no_subject() -> None:
    text = "ID: sub-9\nE-mail: a@b.nl\n\nHet rooster 😱 is leeg\nen meer"
    report = report_from_widget_message(widget_post(text=text), received_at=RECEIVED)
    assert report.source_key == "widget:sub-9"
    assert report.subject == "Het rooster 😱 is leeg"
    assert report.body == "Het rooster 😱 is leeg\nen meer"


def test_widget_text_with_a_message_label() -> None:
    text = "Naam: Jan\nE-mail: a@b.nl\nBericht: Eerste regel\nTweede regel"
    report = report_from_widget_message(widget_post(text=text), received_at=RECEIVED)
    assert report.body == "Eerste regel\nTweede regel"


def test_other_metadata_falls_back_to_text() -> None:
    event = widget_post(metadata={"event_type": "something_else", "event_payload": PAYLOAD})
    report = report_from_widget_message(event, received_at=RECEIVED)
    assert report.source_key == f"slack:{CHANNEL}:{TS}"


def test_incomplete_metadata_is_completed_from_text() -> None:
    payload = {"id": "sub-5", "email": "meta@klant.nl"}
    event = widget_post(metadata={"event_type": "widget_submission", "event_payload": payload})
    report = report_from_widget_message(event, received_at=RECEIVED)
    assert report.sender == "meta@klant.nl"  # metadata wins where it has a value
    assert report.source_key == "widget:sub-5"
    assert report.body.startswith("Sinds vanochtend")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Er is iets mis met het rooster", "no e-mail address and no message"),
        ("Naam: Jan\nOnderwerp: x\n\nHet rooster is leeg", "no e-mail address"),
        ("Naam: Jan\nE-mail: jan@klant.nl\n\n", "no message"),
        ("E-mail: geen adres\n\nbericht", "the e-mail address 'geen adres' is not valid"),
        ("", "no e-mail address and no message"),
    ],
)
def test_unreadable_widget_post_is_an_error(text: str, expected: str) -> None:
    with pytest.raises(SlackMessageError, match=expected) as info:
        report_from_widget_message(widget_post(text=text), received_at=RECEIVED)
    assert f"cannot read the widget post {TS} in {CHANNEL}" in str(info.value)
    assert isinstance(info.value, ReportError)

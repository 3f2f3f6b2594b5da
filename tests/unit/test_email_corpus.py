"""Real-world messages from the shared corpus (CPython and flanker test data): each one becomes
a valid Report or is refused with a reason; nothing else may happen. A few known messages are
checked in detail so the sweep cannot pass by accident (say, by refusing everything).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.email.parse import EmailParseError, ParsedEmail, parse_email, to_report
from bot.models import Attachment, Channel, Report

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "email"
RECEIVED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
NOT_MESSAGES = {"LICENSE", "README", "README.md"}


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        path.relative_to(CORPUS).as_posix()
        for path in CORPUS.rglob("*")
        if path.is_file() and path.name not in NOT_MESSAGES
    )


FILES = corpus_files()
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"email corpus not found at {CORPUS} (it lives next to the project)"
)


@functools.cache
def outcome(name: str) -> ParsedEmail | EmailParseError:
    """Parse a corpus file once per test run (some are megabytes); other errors propagate."""
    try:
        return parse_email((CORPUS / name).read_bytes())
    except EmailParseError as exc:
        return exc


def parse(name: str) -> ParsedEmail:
    result = outcome(name)
    assert isinstance(result, ParsedEmail), f"{name} was refused: {result}"
    return result


@pytest.mark.parametrize("name", FILES or ["(no corpus)"])
def test_every_message_becomes_a_report_or_a_reason(name: str) -> None:
    parsed = outcome(name)
    if isinstance(parsed, EmailParseError):
        assert parsed.reason.strip()
        assert str(parsed) == parsed.reason
        return
    report = to_report(parsed, RECEIVED, f"corpus:{name}")
    assert isinstance(report, Report)
    assert report.channel is Channel.EMAIL
    assert report.body.strip() or report.subject.strip()
    assert len(report.body) <= 200_000
    # Everything must be storable as utf-8 (no lone surrogates from undecodable bytes).
    for text in (report.subject, report.body, report.sender, report.sender_name, *report.notes):
        text.encode("utf-8")
    for attachment in report.attachments:
        attachment.name.encode("utf-8")


def test_the_corpus_is_mostly_parsed() -> None:
    refused = [
        (name, result.reason)
        for name in FILES
        if isinstance(result := outcome(name), EmailParseError)
    ]
    assert len(FILES) >= 90
    assert refused == [
        ("cpython/msg_18.txt", "no sender, no subject and no body text"),
        ("cpython/msg_19.txt", "not an email: it does not start with header fields"),
        ("cpython/msg_37.txt", "no sender, no subject and no body text (only 3 attachment(s))"),
        (
            "flanker/bounce_delayed-broken.eml",
            "no sender, no subject and no body text (only 1 attachment(s))",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("flanker/bounce_office365.eml", "Auto-Submitted: auto-replied"),
        ("flanker/bounce_mailbox-full.eml", "Auto-Submitted: auto-replied"),
        ("flanker/bounce_delayed.eml", "sent by mailer-daemon@cs.example.com"),
        ("flanker/bounce_gmail-no-dns.eml", "X-Failed-Recipients: user@example.comm"),
        ("flanker/complaints_yahoo.eml", "Content-Type multipart/report"),
        ("flanker/disposition-notification.eml", "Content-Type multipart/report"),
        ("cpython/msg_43.txt", "Content-Type multipart/report"),
    ],
)
def test_known_bounces_are_auto_replies(name: str, reason: str) -> None:
    parsed = parse(name)
    assert parsed.auto_reply is True
    assert parsed.auto_reply_reason is not None
    assert parsed.auto_reply_reason.startswith(reason)


@pytest.mark.parametrize(
    "name", ["flanker/text-only.eml", "flanker/iphone.eml", "cpython/msg_07.txt"]
)
def test_known_personal_messages_are_not_auto_replies(name: str) -> None:
    assert parse(name).auto_reply is False


def test_bounce_office365() -> None:
    parsed = parse("flanker/bounce_office365.eml")
    assert parsed.from_address == "postmaster@example.no"
    assert parsed.subject == "Undeliverable: test_bounce 8"
    assert parsed.in_reply_to == ("<20171013111011.20866.254C2F3A4D7AA526@ninomail.com>",)
    assert [(a.name, a.content_type) for a in parsed.attachments] == [
        ("unnamed", "message/delivery-status"),
        ("test_bounce 8.eml", "message/rfc822"),
    ]


@pytest.mark.parametrize(
    ("name", "attachment"),
    [
        (
            "flanker/attached-pdf.eml",
            Attachment(name="test.pdf", content_type="application/pdf", size=6940),
        ),
        (
            "cpython/msg_07.txt",
            Attachment(name="dingusfish.gif", content_type="image/gif", size=3512),
        ),
        (
            "flanker/mailgun-pic.eml",
            Attachment(name="mailgun.png", content_type="image/png", size=60168),
        ),
        ("flanker/iphone.eml", Attachment(name="photo.JPG", content_type="image/jpeg", size=9023)),
        (
            "flanker/bz2-attachment.eml",
            Attachment(name="foo.txt.bz2", content_type="application/octet-stream", size=44),
        ),
    ],
)
def test_known_attachments(name: str, attachment: Attachment) -> None:
    parsed = parse(name)
    assert attachment in parsed.attachments
    assert "base64" not in parsed.body.lower()


def test_attachment_content_stays_out_of_the_body() -> None:
    parsed = parse("flanker/attached-pdf.eml")
    assert parsed.body == "Test - body content"
    assert "%PDF" not in parsed.body and "JVBERi" not in parsed.body


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("flanker/bilingual-simple.eml", "Simple text. How are you? Как ты поживаешь?"),
        ("flanker/spam_broken-headers.eml", "Forget Asking For A Link Exchange…"),
        ("cpython/msg_01.txt", "This is a test message"),
    ],
)
def test_known_subjects(name: str, subject: str) -> None:
    assert parse(name).subject == subject


def test_long_non_ascii_subject_is_decoded_and_cut() -> None:
    parsed = parse("flanker/long-header.eml")
    assert parsed.subject.startswith("Die heiße Zypernsonne quälte Max und Victoria ja böse")
    assert len(parsed.subject) == 1_000
    assert "subject truncated at 1,000 characters" in parsed.notes


@pytest.mark.parametrize(
    ("name", "address", "display_name"),
    [
        ("flanker/from-encoding.eml", "ingo@blank.pages.de", "Ingo Lütkebohle"),
        ("flanker/encoded-header.eml", "foo.bar@example.com", "Foo, Bar"),
        ("cpython/msg_01.txt", "bbb@ddd.com", "John X. Doe"),
    ],
)
def test_known_senders(name: str, address: str, display_name: str) -> None:
    parsed = parse(name)
    assert (parsed.from_address, parsed.from_name) == (address, display_name)


def test_signature_of_a_known_message_is_trimmed() -> None:
    parsed = parse("flanker/mailgun-pic.eml")
    text = "Мейлган! Хахах!"  # noqa: RUF001 (Cyrillic on purpose)
    assert parsed.body == f"{text}\n\n-- \nRegards,\nAlex"
    assert parsed.rules_text == text


def test_html_of_a_known_message_is_converted() -> None:
    parsed = parse("cpython/msg_10.txt")
    assert "¡This is a Quoted Printable encoded message!" in parsed.body
    assert "<" not in parsed.body


def test_threading_of_a_known_reply() -> None:
    parsed = parse("flanker/multi-received-headers.eml")
    assert parsed.message_id == "<AANLkTikbSvKnE9RjZLNrpupmNMKChv2Kz8qB3HAagmSw@mail.gmail.com>"
    assert parsed.in_reply_to == ("<AANLkTinUdYK2NpEiYCKGnCEp_OXKqst_bWNdBVHsfDVh@mail.gmail.com>",)
    assert len(parsed.references) == 2


def test_broken_mime_still_gives_a_body() -> None:
    parsed = parse("flanker/mailformed-headers.eml")
    assert parsed.from_address == "headers@gmail.com"
    assert "Hello" in parsed.body
    assert any(note.startswith("MIME defects: ") for note in parsed.notes)


def test_torture_message_lists_its_parts() -> None:
    parsed = parse("flanker/torture.eml")
    assert parsed.from_name == "Mark Crispin"
    assert len(parsed.attachments) == 11
    assert sum(a.content_type == "message/rfc822" for a in parsed.attachments) == 8

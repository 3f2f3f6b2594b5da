"""The widget's HTTP intake: signatures, token mode, size/type/JSON/field errors, the Report."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from adapters.widget import (
    WidgetConfig,
    WidgetResult,
    first_line_subject,
    handle_widget,
    plausible_email,
    sign,
)
from bot.errors import ReportError
from bot.models import Channel

SECRET = "s3cret-widget-key-0123456789"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
STAMP = int(NOW.timestamp())
CONFIG = WidgetConfig(secret=SecretStr(SECRET))
JSON = {"Content-Type": "application/json"}

SUBMISSION: dict[str, Any] = {
    "id": "sub-123",
    "name": "Jan Jansen",
    "email": "Jan.Jansen@Klant.NL",
    "organisation": "Gemeente Utrecht",
    "subject": "Inloggen lukt niet",
    "message": "Sinds vanochtend kan niemand inloggen.\nFoutcode 500.",
    "page": "https://app.dialog.nl/login",
    "submitted_at": "2026-11-24T10:29:00+01:00",
    "priority_hint": "urgent",
}


def encode(data: object) -> bytes:
    return json.dumps(data).encode("utf-8")


def post(
    data: object = SUBMISSION,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    stamp: int = STAMP,
    config: WidgetConfig = CONFIG,
    now: datetime = NOW,
) -> WidgetResult:
    """A correctly signed request, unless `headers` replaces the signature headers."""
    raw = encode(data) if body is None else body
    sent = {**JSON, **sign(raw, SECRET, stamp)} if headers is None else headers
    return handle_widget(sent, raw, now, config)


def assert_error(result: WidgetResult, status: int, code: str) -> str:
    assert result.status == status, result.body
    assert result.report is None
    assert result.body["ok"] is False
    assert result.body["error"] == code
    message = result.body["message"]
    assert isinstance(message, str)
    assert SECRET not in message
    return message


# --------------------------------------------------------------------------------------------
# Accepted
# --------------------------------------------------------------------------------------------


def test_accepted_submission_becomes_a_widget_report() -> None:
    result = post()
    assert result.status == 202
    assert result.body == {"ok": True, "id": "sub-123"}
    report = result.report
    assert report is not None
    assert report.channel is Channel.WIDGET
    assert report.sender == "jan.jansen@klant.nl"
    assert report.sender_name == "Jan Jansen"
    assert report.subject == "Inloggen lukt niet"
    assert report.body == SUBMISSION["message"]
    # The SLA clock starts when Dialog receives it, not at the widget's submitted_at.
    assert report.received_at == NOW
    assert report.source_key == "widget:sub-123"
    assert report.notes == (
        "name: Jan Jansen",
        "organisation: Gemeente Utrecht",
        "page: https://app.dialog.nl/login",
        "priority_hint: urgent",
        "submitted_at: 2026-11-24T10:29:00+01:00",
    )


def test_minimal_submission_takes_subject_from_first_line() -> None:
    long_line = "Het rapport " + "met heel veel woorden " * 10
    data = {"id": "x", "email": "a@b.nl", "message": f"\n\n  {long_line}\nTweede regel"}
    result = post(data)
    assert result.status == 202
    assert result.report is not None
    assert result.report.subject.startswith("Het rapport met heel veel woorden")
    assert result.report.subject.endswith("…")
    assert len(result.report.subject) <= 80
    assert result.report.notes == ()
    assert result.report.sender_name == ""


def test_unicode_and_emoji_survive() -> None:
    data = {
        "id": "ü-1",
        "email": "zoë@example.nl",
        "name": "Zoë Ĳsselmeer",
        "message": "Het dashboard is leeg 😱 — „geen gegevens” 🚨",
    }
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
    result = post(body=raw)
    assert result.status == 202, result.body
    assert result.report is not None
    assert result.report.body == data["message"]
    assert result.report.subject == data["message"]
    assert result.report.source_key == "widget:ü-1"
    assert "name: Zoë Ĳsselmeer" in result.report.notes


def test_escaped_unicode_and_charset_parameter() -> None:
    raw = b'{"id": "1", "email": "a@b.nl", "message": "caf\\u00e9 \\ud83d\\ude00"}'
    headers = {"content-type": "Application/JSON; charset=UTF-8", **sign(raw, SECRET, STAMP)}
    result = post(body=raw, headers=headers)
    assert result.status == 202, result.body
    assert result.report is not None
    assert result.report.body == "café 😀"


def test_utf8_bom_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + encode({"id": "1", "email": "a@b.nl", "message": "hoi"})
    assert post(body=raw).status == 202


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------


def test_sign_matches_the_documented_scheme() -> None:
    body = b'{"a": 1}'
    headers = sign(body, "key", 1700000000)
    expected = hmac.new(b"key", b'v1:1700000000:{"a": 1}', hashlib.sha256).hexdigest()
    assert headers == {
        "X-Widget-Timestamp": "1700000000",
        "X-Widget-Signature": f"v1={expected}",
    }


def test_header_names_are_case_insensitive() -> None:
    raw = encode(SUBMISSION)
    signed = sign(raw, SECRET, STAMP)
    headers = {
        "CONTENT-TYPE": "application/json",
        "x-widget-timestamp": signed["X-Widget-Timestamp"],
        "x-WIDGET-signature": signed["X-Widget-Signature"].upper().replace("V1=", "v1="),
    }
    assert post(body=raw, headers=headers).status == 202


def test_wrong_secret_is_refused() -> None:
    raw = encode(SUBMISSION)
    headers = {**JSON, **sign(raw, "another-secret-of-length", STAMP)}
    message = assert_error(post(body=raw, headers=headers), 401, "unauthorized")
    assert message == "X-Widget-Signature does not match the body"


def test_tampered_body_is_refused() -> None:
    raw = encode(SUBMISSION)
    headers = {**JSON, **sign(raw, SECRET, STAMP)}
    tampered = raw.replace(b"sub-123", b"sub-124")
    assert_error(handle_widget(headers, tampered, NOW, CONFIG), 401, "unauthorized")


def test_signature_covers_the_timestamp() -> None:
    raw = encode(SUBMISSION)
    headers = {**JSON, **sign(raw, SECRET, STAMP), "X-Widget-Timestamp": str(STAMP + 1)}
    assert_error(post(body=raw, headers=headers), 401, "unauthorized")


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86_400])
def test_stale_or_future_timestamp_is_refused(offset: int) -> None:
    message = assert_error(post(stamp=STAMP + offset), 401, "unauthorized")
    assert "more than 300 seconds" in message


@pytest.mark.parametrize("offset", [-300, 0, 299])
def test_timestamp_within_tolerance_is_accepted(offset: int) -> None:
    assert post(stamp=STAMP + offset).status == 202


def test_tolerance_is_configurable() -> None:
    config = WidgetConfig(secret=SecretStr(SECRET), tolerance_seconds=10)
    assert post(stamp=STAMP - 11, config=config).status == 401
    assert post(stamp=STAMP - 10, config=config).status == 202


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (JSON, "missing X-Widget-Timestamp and X-Widget-Signature headers"),
        ({**JSON, "X-Widget-Signature": "v1=" + "0" * 64}, "missing X-Widget-Timestamp header"),
        ({**JSON, "X-Widget-Timestamp": str(STAMP)}, "missing X-Widget-Signature header"),
        (
            {**JSON, "X-Widget-Timestamp": "soon", "X-Widget-Signature": "v1=00"},
            "X-Widget-Timestamp must be unix seconds (digits only)",
        ),
        (
            {**JSON, "X-Widget-Timestamp": str(STAMP), "X-Widget-Signature": "sha256=abc"},
            "X-Widget-Signature does not match the body",
        ),
        (
            {**JSON, "X-Widget-Timestamp": str(STAMP), "X-Widget-Signature": "v1=zz☃"},
            "X-Widget-Signature does not match the body",
        ),
    ],
)
def test_missing_or_malformed_signature_headers(headers: dict[str, str], expected: str) -> None:
    assert assert_error(post(headers=headers), 401, "unauthorized") == expected


def test_one_of_several_signatures_may_match() -> None:
    raw = encode(SUBMISSION)
    good = sign(raw, SECRET, STAMP)["X-Widget-Signature"]
    old = sign(raw, "the-previous-secret-value", STAMP)["X-Widget-Signature"]
    headers = {**JSON, "X-Widget-Timestamp": str(STAMP), "X-Widget-Signature": f"{old}, {good}"}
    assert post(body=raw, headers=headers).status == 202


def test_bearer_token_when_allowed() -> None:
    config = WidgetConfig(secret=SecretStr(SECRET), allow_token=True)
    headers = {**JSON, "authorization": f"Bearer {SECRET}"}
    assert post(headers=headers, config=config).status == 202
    headers = {**JSON, "Authorization": f"bearer {SECRET}"}
    assert post(headers=headers, config=config).status == 202


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        ("Bearer wrong", "the bearer token is not valid"),
        (f"Bearer {SECRET}x", "the bearer token is not valid"),
        (f"Basic {SECRET}", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer ", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer \udcff", "the bearer token is not valid"),
    ],
)
def test_bad_bearer_token(authorization: str, expected: str) -> None:
    config = WidgetConfig(secret=SecretStr(SECRET), allow_token=True)
    result = post(headers={**JSON, "Authorization": authorization}, config=config)
    assert assert_error(result, 401, "unauthorized") == expected


def test_bearer_token_refused_unless_allowed() -> None:
    message = assert_error(
        post(headers={**JSON, "Authorization": f"Bearer {SECRET}"}), 401, "unauthorized"
    )
    assert message.startswith("token authentication is not enabled")


def test_signature_still_works_in_token_mode() -> None:
    assert post(config=WidgetConfig(secret=SecretStr(SECRET), allow_token=True)).status == 202


def test_empty_secret_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="the widget secret is empty"):
        WidgetConfig(secret=SecretStr("  "))


def test_secret_is_not_shown_in_the_config() -> None:
    assert SECRET not in repr(CONFIG)
    assert SECRET not in str(CONFIG.model_dump())


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        post(now=NOW.replace(tzinfo=None))


# --------------------------------------------------------------------------------------------
# 413, 415
# --------------------------------------------------------------------------------------------


def test_too_large_is_refused_before_anything_else() -> None:
    config = WidgetConfig(secret=SecretStr(SECRET), max_bytes=100)
    raw = b"x" * 101  # not JSON, not signed: the size check comes first
    result = handle_widget({}, raw, NOW, config)
    assert (
        assert_error(result, 413, "payload_too_large") == "the body is 101 bytes; the limit is 100"
    )


def test_body_of_exactly_max_bytes_is_accepted() -> None:
    raw = encode(SUBMISSION)
    config = WidgetConfig(secret=SecretStr(SECRET), max_bytes=len(raw))
    assert post(body=raw, config=config).status == 202


def test_default_limit_refuses_a_long_message() -> None:
    raw = encode({**SUBMISSION, "message": "a" * 70_000})
    assert post(body=raw).status == 413


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonp"],
)
def test_wrong_content_type(content_type: str | None) -> None:
    raw = encode(SUBMISSION)
    headers = sign(raw, SECRET, STAMP)
    if content_type is not None:
        headers["Content-Type"] = content_type
    message = assert_error(post(body=raw, headers=headers), 415, "unsupported_media_type")
    assert message.startswith("Content-Type must be application/json")


def test_json_in_another_charset_is_refused() -> None:
    raw = encode(SUBMISSION)
    headers = {"Content-Type": "application/json; charset=latin-1", **sign(raw, SECRET, STAMP)}
    message = assert_error(post(body=raw, headers=headers), 415, "unsupported_media_type")
    assert message == "JSON must be UTF-8 (charset=utf-8)"


def test_authentication_comes_before_content_type() -> None:
    # An unauthenticated caller learns nothing about what the endpoint accepts.
    result = handle_widget({"Content-Type": "text/plain"}, b"hi", NOW, CONFIG)
    assert result.status == 401


# --------------------------------------------------------------------------------------------
# 400: JSON and fields
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the body is empty; expected a JSON object"),
        (b"{", "the body is not valid JSON: Expecting property name enclosed in double quotes"),
        (b"[1, 2]", "the body must be a JSON object, not an array"),
        (b'"hello"', "the body must be a JSON object, not a string"),
        (b"null", "the body must be a JSON object, not null"),
        (b"42", "the body must be a JSON object, not a number"),
        (b"\xff\xfe{}", "the body is not valid UTF-8 (byte 0)"),
        (b'{"id": NaN}', "the body is not valid JSON: NaN is not a JSON value"),
        (b'{"id": "1", "id": "2"}', "id: given more than once"),
        (b"[" * 100_000 + b"]" * 100_000, "the body is not valid JSON: nested too deeply"),
    ],
)
def test_invalid_json(raw: bytes, expected: str) -> None:
    config = WidgetConfig(secret=SecretStr(SECRET), max_bytes=1_000_000)
    message = assert_error(post(body=raw, config=config), 400, "invalid_request")
    assert message.startswith(expected)


def invalid(data: object) -> str:
    return assert_error(post(data), 400, "invalid_request")


def test_invalid_email_and_blank_message_are_both_named() -> None:
    message = invalid({**SUBMISSION, "email": "jan at klant", "message": "   "})
    assert message == "email: value is not a valid email address; message: must not be blank"


@pytest.mark.parametrize(
    "text",
    [
        "\u200b",  # zero-width space: str.strip() keeps it
        "\u200b\u200c\u200d\u2060\ufeff \n",  # joiners, word joiner, BOM, whitespace
        "\u3164\u115f\u1160\uffa0\u2800",  # Hangul fillers, the blank Braille pattern
        "\u00ad\u034f\u180e\u0301",  # soft hyphen, joiners, a lone combining accent
    ],
)
def test_a_message_without_visible_text_is_refused(text: str) -> None:
    message = invalid({**SUBMISSION, "message": text})
    assert message.startswith("message: must contain visible text")


@pytest.mark.parametrize("text", ["\u200bInloggen lukt niet", "😀", "中文", "é", "\u00a0x"])
def test_visible_text_among_invisible_characters_is_accepted(text: str) -> None:
    assert post({**SUBMISSION, "message": text}).status == 202


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"email": None}, "email: must be a string"),
        ({"email": "jan@localhost"}, "email: value is not a valid email address"),
        ({"email": "a@b.nl\r\nBcc: x@y.nl"}, "email: value is not a valid email address"),
        ({"email": "<a@b.nl>"}, "email: value is not a valid email address"),
        ({"message": ""}, "message: must not be empty"),
        ({"message": "x" * 20_001}, "message: is too long: at most 20,000 characters"),
        ({"message": 5}, "message: must be a string"),
        ({"id": ""}, "id: must not be empty"),
        ({"id": "  "}, "id: must not be blank or contain control characters"),
        ({"id": "a\nb"}, "id: must not be blank or contain control characters"),
        ({"id": "x" * 201}, "id: is too long: at most 200 characters"),
        ({"id": 7}, "id: must be a string"),
        ({"subject": "s" * 301}, "subject: is too long: at most 300 characters"),
        ({"page": "p" * 2001}, "page: is too long: at most 2,000 characters"),
        ({"name": ["Jan"]}, "name: must be a string"),
        ({"submitted_at": "2026-11-24T10:29:00"}, "submitted_at: must include a UTC offset"),
        ({"submitted_at": 1764000000}, "submitted_at: must be an ISO 8601 time with offset"),
        ({"message": "oeps \ud800"}, "message: contains an invalid character (a lone surrogate)"),
        ({"emial": "x"}, "emial: unknown field (the fields are: id, name, email"),
    ],
)
def test_field_errors_name_the_field(change: dict[str, Any], expected: str) -> None:
    assert invalid({**SUBMISSION, **change}).startswith(expected)


def test_missing_fields_are_all_listed() -> None:
    message = invalid({"name": "Jan"})
    assert message == "id: field required; email: field required; message: field required"


def test_many_unknown_fields_are_summarised() -> None:
    data = {**SUBMISSION, **{f"extra{i}": 1 for i in range(25)}}
    message = invalid(data)
    assert message.count("unknown field") == 10
    assert message.endswith("; and 15 more")


def test_a_long_unknown_field_name_is_shortened() -> None:
    message = invalid({**SUBMISSION, "k" * 5_000: 1})
    assert len(message) < 300


def test_report_error_is_the_base_of_the_module_error() -> None:
    from adapters.widget import WidgetRequestError

    assert issubclass(WidgetRequestError, ReportError)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jan@klant.nl", True),
        ("j.an+tag@sub.klant.co.uk", True),
        ("zoë@voorbeeld.nl", True),
        ("jan@klant", False),
        ("jan@@klant.nl", False),
        ("jan klant@klant.nl", False),
        ("@klant.nl", False),
        ("jan@klant.", False),
        ("", False),
        ("a@b.nl" + "x" * 300, False),
    ],
)
def test_plausible_email(value: str, expected: bool) -> None:
    assert plausible_email(value) is expected


def test_first_line_subject() -> None:
    assert first_line_subject("\n  Kort  onderwerp \nmeer") == "Kort onderwerp"
    assert first_line_subject("") == ""
    assert first_line_subject("x" * 200) == "x" * 79 + "…"


def test_sent_time_is_independent_of_clock_reads() -> None:
    later = NOW + timedelta(days=400)
    result = post(stamp=int(later.timestamp()), now=later)
    assert result.status == 202
    assert result.report is not None
    assert result.report.received_at == later

"""The support widget's HTTP intake (POST /widget): authenticate, validate, make a Report.

Pure request handling: `handle_widget` takes the headers, the raw body, the receipt time and
the config, and returns the HTTP status, the JSON answer and (when accepted) the Report. The
HTTP server, the store and the pipeline are elsewhere.

Authentication, for the widget's developers
-------------------------------------------
Each request carries two headers (names are case-insensitive)::

    X-Widget-Timestamp: 1764000000                  (unix seconds, when the widget signed it)
    X-Widget-Signature: v1=<hex HMAC-SHA256 of b"v1:" + timestamp + b":" + body>

The HMAC key is the shared secret. A request whose timestamp is more than
`tolerance_seconds` (300) away from our clock is refused, so a captured request cannot be
replayed later. Several comma-separated `v1=` values are accepted (for a key rotation).
`sign(body, secret, timestamp)` builds both headers. When the config sets `allow_token`,
`Authorization: Bearer <secret>` is accepted instead (for clients that cannot compute an HMAC).

Answers: 202 accepted, 400 invalid request (the message names the fields), 401 bad or missing
signature, 413 body larger than `max_bytes`, 415 Content-Type is not application/json. Every
answer is a JSON object with "ok"; errors add "error" (a code) and "message" (English).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from bot.errors import ReportError
from bot.models import Channel, Report
from bot.text import first_line_subject, has_visible_text, one_line, plausible_email, shorten

SIGNATURE_HEADER = "X-Widget-Signature"
TIMESTAMP_HEADER = "X-Widget-Timestamp"
SIGNATURE_VERSION = "v1"

MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200
MAX_SUBJECT_CHARS = 300
MAX_MESSAGE_CHARS = 20_000
MAX_PAGE_CHARS = 2_000
MAX_HINT_CHARS = 100
# A subject made from the first line of a message is cut to about this many characters.
# A 400 answer lists at most this many problems; a body with 5,000 unknown keys gets a summary.
_MAX_ERRORS_SHOWN = 10
_MAX_LOC_CHARS = 60


class WidgetRequestError(ReportError):
    """A widget request is refused; `status`, `code` and `message` become the HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{status} {code}: {message}")


class WidgetConfig(BaseModel):
    """How /widget authenticates and what it accepts (built from the `widget` settings)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    secret: SecretStr = Field(description="HMAC key; also the bearer token when allow_token.")
    allow_token: bool = False
    max_bytes: int = Field(default=64_000, gt=0)
    tolerance_seconds: int = Field(default=300, gt=0)

    @field_validator("secret")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        # With an empty key anyone can compute a valid signature; refuse to start instead.
        if not value.get_secret_value().strip():
            raise ValueError("the widget secret is empty (set TRIAGE_WIDGET__SECRET)")
        return value


# Plausible, not RFC 5322: one @, no spaces or brackets, a dot in the domain. The widget's
# form already checks addresses; this catches garbage and header injection, nothing more.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


Text = Annotated[str, Field(max_length=MAX_NAME_CHARS)]


class WidgetSubmission(BaseModel):
    """The JSON object the widget posts; unknown keys are refused (a typo is an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    name: Text | None = None
    email: str
    organisation: Text | None = None
    subject: str | None = Field(default=None, max_length=MAX_SUBJECT_CHARS)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    page: str | None = Field(default=None, max_length=MAX_PAGE_CHARS)
    submitted_at: AwareDatetime | None = None
    priority_hint: str | None = Field(default=None, max_length=MAX_HINT_CHARS)

    @field_validator("id")
    @classmethod
    def _usable_id(cls, value: str) -> str:
        # The id becomes the idempotency key `widget:<id>`; it must survive logs and headers.
        if not value.strip() or _CONTROL.search(value):
            raise PydanticCustomError(
                "invalid_id", "must not be blank or contain control characters"
            )
        return value.strip()

    @field_validator("email")
    @classmethod
    def _plausible_email(cls, value: str) -> str:
        value = value.strip()
        if not plausible_email(value):
            raise PydanticCustomError("invalid_email", "value is not a valid email address")
        # The email adapter lower-cases addresses too; the directory matches on them.
        return value.lower()

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank", "must not be blank")
        if not has_visible_text(value):
            raise PydanticCustomError(
                "invisible",
                "must contain visible text (it holds only spaces or invisible characters such "
                "as zero-width spaces)",
            )
        return value

    @field_validator("submitted_at", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        if isinstance(value, int | float):
            raise PydanticCustomError(
                "iso_datetime", "must be an ISO 8601 time with offset, not a number"
            )
        return value


@dataclass(frozen=True)
class WidgetResult:
    """The HTTP answer to one widget request, and the Report when it was accepted."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    report: Report | None = None


def sign(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """The X-Widget-Timestamp and X-Widget-Signature headers for `body`, signed at `timestamp`.

    The signed bytes are b"v1:" + str(timestamp) + b":" + body; the signature is the hex
    HMAC-SHA256 of them with `secret` (UTF-8) as key. Send Content-Type: application/json too.
    """
    stamp = str(int(timestamp))
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={_digest(body, secret.encode('utf-8'), stamp)}",
    }


def handle_widget(
    headers: Mapping[str, str], body: bytes, now: datetime, config: WidgetConfig
) -> WidgetResult:
    """Answer one `POST /widget`: 202 with a Report, or 400/401/413/415 with a message.

    `now` is when Dialog received the request (timezone-aware): the SLA clock starts there,
    and it is the reference for the replay window. The checks run cheapest first: size
    (before anything reads the body), authentication, Content-Type, JSON, fields.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    try:
        submission = _accept(_lower_keys(headers), body, now, config)
    except WidgetRequestError as exc:
        return WidgetResult(
            exc.status, {"ok": False, "error": exc.code, "message": exc.message}, None
        )
    report = _to_report(submission, now)
    return WidgetResult(202, {"ok": True, "id": submission.id}, report)


# --------------------------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------------------------


def _accept(
    headers: Mapping[str, str], body: bytes, now: datetime, config: WidgetConfig
) -> WidgetSubmission:
    if len(body) > config.max_bytes:
        raise WidgetRequestError(
            413,
            "payload_too_large",
            f"the body is {len(body):,} bytes; the limit is {config.max_bytes:,}",
        )
    _authenticate(headers, body, now, config)
    _check_content_type(headers.get("content-type"))
    return _validate(_parse_json(body))


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def _unauthorized(message: str) -> WidgetRequestError:
    # Messages say what is wrong with the request, never what the secret or signature should be.
    return WidgetRequestError(401, "unauthorized", message)


def _authenticate(
    headers: Mapping[str, str], body: bytes, now: datetime, config: WidgetConfig
) -> None:
    secret = config.secret.get_secret_value().encode("utf-8")
    signature = headers.get(SIGNATURE_HEADER.lower())
    stamp = headers.get(TIMESTAMP_HEADER.lower())
    if signature is not None or stamp is not None:
        _check_signature(signature, stamp, body, now, secret, config.tolerance_seconds)
        return
    authorization = headers.get("authorization")
    if authorization is not None and config.allow_token:
        _check_token(authorization, secret)
        return
    if authorization is not None:
        raise _unauthorized(
            f"token authentication is not enabled; sign the request with "
            f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER}"
        )
    raise _unauthorized(f"missing {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers")


_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_STAMP = re.compile(r"[0-9]{1,12}")


def _check_signature(
    signature: str | None,
    stamp: str | None,
    body: bytes,
    now: datetime,
    secret: bytes,
    tolerance: int,
) -> None:
    if stamp is None:
        raise _unauthorized(f"missing {TIMESTAMP_HEADER} header")
    if signature is None:
        raise _unauthorized(f"missing {SIGNATURE_HEADER} header")
    stamp = stamp.strip()
    if not _STAMP.fullmatch(stamp):
        raise _unauthorized(f"{TIMESTAMP_HEADER} must be unix seconds (digits only)")
    # Future timestamps are as suspect as old ones; allow the same clock skew both ways.
    if abs(now.timestamp() - int(stamp)) > tolerance:
        raise _unauthorized(
            f"{TIMESTAMP_HEADER} is more than {tolerance} seconds away from the server's "
            "clock (stale or replayed request, or a wrong clock)"
        )
    expected = _digest(body, secret, stamp).encode("ascii")
    matched = False
    for part in signature.split(","):
        version, _, value = part.strip().partition("=")
        if version != SIGNATURE_VERSION or not _HEX_DIGEST.fullmatch(value):
            continue
        # Compare every candidate, so the time taken does not depend on which one matched.
        matched |= hmac.compare_digest(value.lower().encode("ascii"), expected)
    if not matched:
        raise _unauthorized(f"{SIGNATURE_HEADER} does not match the body")


def _check_token(authorization: str, secret: bytes) -> None:
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <token>'")
    # surrogatepass: header text may hold anything; encoding must neither fail nor merge values.
    if not hmac.compare_digest(token.strip().encode("utf-8", "surrogatepass"), secret):
        raise _unauthorized("the bearer token is not valid")


def _digest(body: bytes, secret: bytes, stamp: str) -> str:
    signed = f"{SIGNATURE_VERSION}:{stamp}:".encode("ascii") + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def _check_content_type(value: str | None) -> None:
    media_type, *params = (value or "").split(";")
    if media_type.strip().lower() != "application/json":
        shown = repr(value[:100]) if value else "missing"
        raise WidgetRequestError(
            415, "unsupported_media_type", f"Content-Type must be application/json, not {shown}"
        )
    for param in params:
        key, _, charset = param.strip().partition("=")
        if key.strip().lower() == "charset" and charset.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise WidgetRequestError(
                415, "unsupported_media_type", "JSON must be UTF-8 (charset=utf-8)"
            )


def _invalid(message: str) -> WidgetRequestError:
    return WidgetRequestError(400, "invalid_request", message)


def _parse_json(body: bytes) -> object:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _invalid("the body is empty; expected a JSON object")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise _invalid(
            f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise _invalid("the body is not valid JSON: nested too deeply") from exc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _invalid(f"{_loc(key)}: given more than once")
        result[key] = value
    return result


def _no_constants(name: str) -> object:
    raise _invalid(f"the body is not valid JSON: {name} is not a JSON value")


def _validate(data: object) -> WidgetSubmission:
    if not isinstance(data, dict):
        raise _invalid(f"the body must be a JSON object, not {_json_type(data)}")
    try:
        return WidgetSubmission.model_validate(data)
    except ValidationError as exc:
        raise _invalid(_describe(exc)) from exc


_FIELDS = ", ".join(WidgetSubmission.model_fields)
_MESSAGES = {
    "missing": "field required",
    "extra_forbidden": f"unknown field (the fields are: {_FIELDS})",
    "string_type": "must be a string",
    # JSON can carry a lone surrogate (\ud800); it cannot be stored or printed as UTF-8.
    "string_unicode": "contains an invalid character (a lone surrogate)",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long: at most {max_length:,} characters",
    "timezone_aware": "must include a UTC offset (e.g. 2026-11-24T09:30:00+01:00)",
}


def _describe(exc: ValidationError) -> str:
    """'email: value is not a valid email address; message: field required', in field order."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = ".".join(_loc(part) for part in error["loc"]) or "body"
        template = _MESSAGES.get(error["type"])
        message = template.format(**error.get("ctx", {})) if template else error["msg"]
        problems.append(f"{loc}: {message}")
    shown = "; ".join(problems[:_MAX_ERRORS_SHOWN])
    if len(problems) > _MAX_ERRORS_SHOWN:
        shown += f"; and {len(problems) - _MAX_ERRORS_SHOWN} more"
    return shown


def _loc(part: object) -> str:
    # A field name is the client's text; keep the answer short and on one line.
    return shorten(one_line(str(part)), _MAX_LOC_CHARS) or repr(part)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _to_report(submission: WidgetSubmission, now: datetime) -> Report:
    notes = [
        f"{key}: {one_line(value)}"
        for key, value in (
            ("name", submission.name),
            ("organisation", submission.organisation),
            ("page", submission.page),
            ("priority_hint", submission.priority_hint),
        )
        if value and value.strip()
    ]
    if submission.submitted_at is not None:
        notes.append(f"submitted_at: {submission.submitted_at.isoformat()}")
    subject = one_line(submission.subject or "") or first_line_subject(submission.message)
    return Report(
        channel=Channel.WIDGET,
        # When Dialog received it, not the widget's own clock: the SLA clock starts here.
        received_at=now,
        sender=submission.email,
        sender_name=one_line(submission.name or ""),
        subject=subject,
        body=submission.message,
        source_key=f"widget:{submission.id}",
        notes=tuple(notes),
    )

"""Slack's request signature (HTTP mode), checked on the raw bytes before anything reads them.

Slack signs each request with the app's signing secret: ``X-Slack-Signature: v0=<hex
HMAC-SHA256 of b"v0:" + timestamp + b":" + body>`` and ``X-Slack-Request-Timestamp`` (unix
seconds). slack_sdk's verifier decodes the body as UTF-8 and the timestamp with int() first, so
a request with a bad byte or a word for a timestamp raised instead of being refused; this one
only compares bytes. The reasons it returns are for the log: they never quote the request.

Bolt checks the signature again behind this check, and logs the whole body of a request it
refuses at INFO; `quiet_bolt_loggers` keeps that line without the request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping

TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
# Slack's own tolerance (and slack_sdk's): older or newer requests may be replays.
TOLERANCE_SECONDS = 300

_STAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signature_problem(
    secret: bytes, headers: Mapping[str, str], body: bytes, now: float
) -> str | None:
    """None when `body` is signed with `secret` at a time near `now` (unix seconds), else why
    not. `headers` has lower-case names."""
    stamp = headers.get(TIMESTAMP_HEADER, "").strip()
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not stamp or not signature:
        return "no signature headers"
    if not _STAMP.fullmatch(stamp):
        return "the timestamp is not unix seconds"
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return f"the timestamp is more than {TOLERANCE_SECONDS} s away (stale or replayed)"
    if not _SIGNATURE.fullmatch(signature):
        return "the signature is not of the form v0=<64 hex digits>"
    signed = b"v0:" + stamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        return "the signature does not match"
    return None


class _NoBodies(logging.Filter):
    """Bolt's refusal line, without the signature, timestamp and body it quotes (the body can
    be 50 MB on one line, and is whatever a stranger chose to put in it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # "Invalid request signature detected (signature: .., timestamp: .., body: ..)"
        what = str(record.msg).split("(", 1)[0].strip()
        record.msg, record.args = f"{what} (request not logged)", ()
        return True


def quiet_bolt_loggers() -> None:
    """Make sure Bolt's signature check never logs a request (idempotent)."""
    bolt = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, _NoBodies) for f in bolt.filters):
        bolt.addFilter(_NoBodies())

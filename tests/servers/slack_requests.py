"""Requests as Slack sends them to an app in HTTP mode, signed with the app's signing secret.

:class:`BoltWsgiServer` serves a ``slack_bolt.App`` through its WSGI adapter on a free port of
127.0.0.1 (``App.start()`` binds 0.0.0.0 and cannot be stopped cleanly), and
:class:`SlackHttpClient` posts events, button clicks, slash commands and view submissions to it
the way Slack does: same body formats, ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature``.
Every method takes ``timestamp=`` (e.g. a stale one) and ``signature=`` (e.g. a wrong one) to
test the verification. HTTP errors come back as a :class:`Response`, never as an exception.

The payload builders fill in the fields Bolt and the bot read; pass the rest as needed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from tests.servers.base import HOST, ThreadedServer

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "triage-test"
APP_ID = "A0TEST"
BOT_USER_ID = "U0BOT"
# The legacy verification token; Bolt ignores it, but Slack still sends one.
VERIFICATION_TOKEN = "verification-token"
# A response_url that can never reach the internet (.invalid never resolves).
RESPONSE_URL = "https://hooks.slack.invalid/commands/T0TEST/1/response"


@dataclass(frozen=True)
class Response:
    """An HTTP answer; ``headers`` has lower-case names."""

    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class SlackSigner:
    """Signs bodies as Slack does (v0 HMAC-SHA256 over ``v0:<timestamp>:<body>``)."""

    def __init__(self, secret: str) -> None:
        self._verifier = SignatureVerifier(secret)

    def signature(self, body: bytes, timestamp: int) -> str:
        signature = self._verifier.generate_signature(timestamp=str(timestamp), body=body)
        assert signature is not None
        return signature

    def headers(
        self, body: bytes, timestamp: int | None = None, signature: str | None = None
    ) -> dict[str, str]:
        """The two signature headers; ``timestamp`` defaults to now, ``signature`` to the
        right one for ``body`` and ``timestamp``."""
        ts = int(time.time()) if timestamp is None else timestamp
        return {
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else self.signature(body, ts),
        }


class SlackHttpClient:
    """Posts signed requests to an app's Slack endpoint (e.g. ``.../slack/events``)."""

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url = url
        self.signer = SlackSigner(secret)
        self.timeout = timeout

    def event(
        self,
        event: dict[str, Any],
        event_id: str,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        team_id: str = TEAM_ID,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        """An Events API ``event_callback``; ``retry_num`` adds Slack's retry headers."""
        body = json.dumps(event_callback_payload(event, event_id, team_id)).encode()
        headers = {"Content-Type": "application/json"}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self._signed(body, headers, timestamp, signature)

    def action(
        self,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        """An interaction (``block_actions`` etc.): a form body ``payload=<json>``."""
        return self._form({"payload": json.dumps(payload)}, timestamp, signature)

    def view_submission(
        self,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        """A modal submission; posted like any interaction."""
        return self.action(payload, timestamp=timestamp, signature=signature)

    def command(
        self,
        command: str,
        text: str,
        user_id: str,
        channel_id: str = "C0TEAM",
        trigger_id: str = "trig-1",
        response_url: str | None = None,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        """A slash command, with the form fields Slack sends."""
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or RESPONSE_URL,
            "trigger_id": trigger_id,
        }
        return self._form(fields, timestamp, signature)

    def raw(self, body: bytes, headers: dict[str, str]) -> Response:
        """POST ``body`` with exactly these headers (nothing signed or added)."""
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Response(answer.status, answer.read(), _lower(answer.headers.items()))
        except urllib.error.HTTPError as e:
            with e:
                return Response(e.code, e.read(), _lower(e.headers.items()))

    def _form(
        self, fields: dict[str, str], timestamp: int | None, signature: str | None
    ) -> Response:
        body = urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._signed(body, headers, timestamp, signature)

    def _signed(
        self,
        body: bytes,
        headers: dict[str, str],
        timestamp: int | None,
        signature: str | None,
    ) -> Response:
        return self.raw(body, {**headers, **self.signer.headers(body, timestamp, signature)})


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}


# -- payloads ---------------------------------------------------------------------------------


def event_callback_payload(
    event: dict[str, Any], event_id: str, team_id: str = TEAM_ID
) -> dict[str, Any]:
    """The ``event_callback`` envelope around ``event`` (HTTP body or Socket Mode payload)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


def block_action_payload(
    action_id: str,
    value: str,
    user_id: str,
    channel_id: str = "C0TEAM",
    message_ts: str = "1700000000.000100",
    trigger_id: str = "trig-1",
    block_id: str = "triage",
) -> dict[str, Any]:
    """A button click on a message the bot posted."""
    return {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": message_ts,
            "text": "",
        },
        "response_url": RESPONSE_URL,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission_payload(
    callback_id: str,
    private_metadata: str,
    values: dict[str, dict[str, dict[str, Any]]],
    user_id: str,
) -> dict[str, Any]:
    """A modal submission; ``values`` is ``view.state.values``:
    ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": "trig-view",
        "view": {
            "id": "V0TEST",
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": "Triage"},
            "blocks": [],
            "state": {"values": values},
            "hash": "hash-V0TEST",
            "app_id": APP_ID,
            "bot_id": "B0BOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


# -- serving a Bolt app -----------------------------------------------------------------------


class _ThreadingWsgiServer(ThreadingMixIn, WSGIServer):
    # Request threads are joined by server_close(), so nothing outlives stop().
    daemon_threads = False


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        # The default writes every request to stderr.
        pass


class BoltWsgiServer(ThreadedServer):
    """A Bolt app behind ``slack_bolt.adapter.wsgi`` on a free port; ``url`` is its endpoint."""

    label = "the Bolt WSGI server"
    thread_name = "bolt-wsgi"

    def __init__(self, app: App, path: str = "/slack/events") -> None:
        super().__init__()
        self.path = path
        self._wsgi = SlackRequestHandler(app, path=path)
        self._server: _ThreadingWsgiServer | None = None

    def _bind(self) -> Callable[[], None]:
        server = make_server(
            HOST, 0, self._wsgi, server_class=_ThreadingWsgiServer, handler_class=_QuietHandler
        )
        assert isinstance(server, _ThreadingWsgiServer)
        self._server = server
        # shutdown() waits for the serve loop's next poll: 0.5 s by default, per test.
        return lambda: server.serve_forever(0.02)

    def _shutdown(self) -> None:
        assert self._server is not None
        self._server.shutdown()

    def _release(self) -> None:
        assert self._server is not None
        # server_close() also joins the request threads (daemon_threads is off).
        self._server.server_close()
        self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise self._not_running()
        return f"http://{HOST}:{self._server.server_address[1]}{self.path}"

"""A fake Slack Web API for tests: a stdlib HTTP server on a free port of 127.0.0.1.

Point the real client at it with ``WebClient(token="xoxb-test", base_url=api.url)``. Every call
to ``/api/<method>`` is recorded as a :class:`Call`, whatever the answer was. The fake answers
like Slack does: HTTP 200 with ``{"ok": false, "error": ...}`` for API errors (a missing or
wrong token included), and a real HTTP status only for what ``fail_next`` simulates (429 with
``Retry-After``, or 5xx).

Tokens: ``apps.connections.open`` wants an app-level token (``xapp-``), every other method a
bot token (``xoxb-``); the wrong kind gets ``not_allowed_token_type``, as on Slack. The token is
read from the ``Authorization: Bearer`` header only, which is what slack_sdk always sends.

Bodies may be form-encoded or JSON; parameters from the query string and the body are merged
into ``Call.params``. Multipart bodies (file uploads) are not parsed.

Bolt runs listeners in a thread pool after it acknowledged a request, so tests should wait for
the calls they expect with :meth:`FakeSlackApi.wait_for` rather than read them at once.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.servers.base import HOST, ThreadedServer

TEAM_ID = "T0TEST"
TEAM_URL = "https://triage-test.slack.com/"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
# Slack timestamps are "seconds.microseconds"; the fake counts up from here in steps of 100.
_FIRST_TS = 1_700_000_000_000_100
_TS_STEP = 100

Params = dict[str, Any]
Answer = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request to ``/api/<method>``, as the fake received it.

    ``params`` keeps form values as sent: a JSON-valued field such as ``blocks`` stays a
    string there; :meth:`json` decodes it (and returns values sent in a JSON body as they are).
    ``failed_status`` is the HTTP status when ``fail_next`` made this call fail.
    """

    method: str
    params: Params
    token: str | None
    headers: dict[str, str]
    failed_status: int | None = None

    def json(self, name: str) -> Any:
        value = self.params[name]
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class _Failure:
    status: int
    retry_after: int
    remaining: int


@dataclass
class _State:
    """What the fake has been told and has seen; guarded by FakeSlackApi._cond."""

    calls: list[Call] = field(default_factory=list)
    failures: dict[str, _Failure] = field(default_factory=dict)
    # (channel, ts) of every message posted, so that chat.update can refuse unknown ones.
    messages: dict[tuple[str, str], Answer] = field(default_factory=dict)


class ApiError(Exception):
    """An ``{"ok": false, "error": ...}`` answer, raised by a method implementation."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlackApi(ThreadedServer):
    """The fake Web API; ``usergroups``, ``channel_members``, ``users`` and ``socket_url`` are
    plain attributes that tests set before the code under test asks for them."""

    label = "the fake Slack API"
    thread_name = "fake-slack-api"

    def __init__(self) -> None:
        super().__init__()
        self.usergroups: dict[str, list[str]] = {}
        self.channel_members: dict[str, list[str]] = {}
        # users.info answers with these fields over a default made from the user id.
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_url: str | None = None
        self._cond = threading.Condition()
        self._state = _State()
        self._ts = itertools.count(_FIRST_TS, _TS_STEP)
        self._view_ids = itertools.count(1)
        self._server: _Server | None = None
        self._methods: dict[str, Callable[[Params], Answer]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.publish": self._views,
            "views.open": self._views,
            "views.update": self._views,
            "usergroups.users.list": self._usergroups_users_list,
            "conversations.members": self._conversations_members,
            "users.info": self._users_info,
            "apps.connections.open": self._apps_connections_open,
        }

    # -- life cycle (start, stop and ``with`` come from ThreadedServer) ----------------------

    def _bind(self) -> Callable[[], None]:
        server = _Server((HOST, 0), _Handler, self)
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
    def port(self) -> int:
        if self._server is None:
            raise self._not_running()
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The ``base_url`` for WebClient; the trailing slash matters to slack_sdk."""
        return f"http://{HOST}:{self.port}/api/"

    # -- what tests ask ----------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._state.calls if method is None or c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 20.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """The calls of ``method`` (matching ``where``) once there are at least ``count``."""

        def matching() -> list[Call]:
            return [
                c for c in self._state.calls if c.method == method and (where is None or where(c))
            ]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                return matching()
            seen = "\n".join(f"  {c.method} {c.params!r}" for c in self._state.calls)
            raise AssertionError(
                f"expected {count} matching {method} call(s) within {timeout} s, "
                f"got {len(matching())}; calls so far:\n{seen or '  (none)'}"
            )

    def fail_next(
        self, method: str, status: int = 429, times: int = 1, retry_after: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status``."""
        with self._cond:
            self._state.failures[method] = _Failure(status, retry_after, times)

    def reset(self) -> None:
        """Forget the recorded calls (posted messages and pending failures stay)."""
        with self._cond:
            self._state.calls.clear()

    # -- the request path, called from the handler threads -----------------------------------

    def _handle(self, method: str, params: Params, headers: dict[str, str]) -> _Reply:
        token = _bearer_token(headers)
        with self._cond:
            failure = self._state.failures.get(method)
            if failure is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    del self._state.failures[method]
            failed_status = failure.status if failure is not None else None
            self._record(Call(method, params, token, headers, failed_status))
        if failure is not None:
            return _failure_reply(failure)
        try:
            _check_token(method, token)
            implementation = self._methods.get(method)
            if implementation is None:
                raise ApiError("unknown_method")
            answer = {"ok": True, **implementation(params)}
        except ApiError as e:
            answer = {"ok": False, "error": e.error}
        return _Reply.json(200, answer)

    def _record(self, call: Call) -> None:
        self._state.calls.append(call)
        self._cond.notify_all()

    def _next_ts(self) -> str:
        value = next(self._ts)
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"

    # -- the methods -------------------------------------------------------------------------

    def _auth_test(self, params: Params) -> Answer:
        return {
            "url": TEAM_URL,
            "team": "Triage Test",
            "team_id": TEAM_ID,
            "user": "triage",
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: Params) -> Answer:
        channel = _required(params, "channel", "channel_not_found")
        if not any(params.get(name) for name in ("text", "blocks", "attachments")):
            raise ApiError("no_text")
        with self._cond:
            ts = self._next_ts()
            message: Answer = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": params.get("text", ""),
                "ts": ts,
            }
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            if params.get("blocks"):
                message["blocks"] = _decoded(params["blocks"])
            self._state.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: Params) -> Answer:
        channel = _required(params, "channel", "channel_not_found")
        ts = _required(params, "ts", "message_not_found")
        with self._cond:
            message = self._state.messages.get((channel, ts))
            if message is None:
                raise ApiError("message_not_found")
            if "text" in params:
                message["text"] = params["text"]
            if params.get("blocks"):
                message["blocks"] = _decoded(params["blocks"])
            text = message["text"]
        return {"channel": channel, "ts": ts, "text": text}

    def _chat_post_ephemeral(self, params: Params) -> Answer:
        _required(params, "channel", "channel_not_found")
        _required(params, "user", "user_not_in_channel")
        with self._cond:
            return {"message_ts": self._next_ts()}

    def _chat_get_permalink(self, params: Params) -> Answer:
        channel = _required(params, "channel", "channel_not_found")
        ts = _required(params, "message_ts", "message_not_found")
        return {
            "channel": channel,
            "permalink": f"{TEAM_URL}archives/{channel}/p{ts.replace('.', '')}",
        }

    def _views(self, params: Params) -> Answer:
        if not params.get("view"):
            raise ApiError("invalid_arguments")
        view = dict(_decoded(params["view"]))
        with self._cond:
            view_id = params.get("view_id") or f"V{next(self._view_ids):07d}"
        view.setdefault("type", "home")
        view.update(id=view_id, team_id=TEAM_ID, hash=f"hash-{view_id}")
        view.setdefault("private_metadata", "")
        view.setdefault("callback_id", "")
        return {"view": view}

    def _usergroups_users_list(self, params: Params) -> Answer:
        group = params.get("usergroup", "")
        if group not in self.usergroups:
            raise ApiError("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    def _conversations_members(self, params: Params) -> Answer:
        channel = params.get("channel", "")
        if channel not in self.channel_members:
            raise ApiError("channel_not_found")
        return {
            "members": list(self.channel_members[channel]),
            "response_metadata": {"next_cursor": ""},
        }

    def _users_info(self, params: Params) -> Answer:
        user_id = _required(params, "user", "user_not_found")
        name = user_id.lower()
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": f"User {user_id}",
            "is_bot": False,
            "tz": "Europe/Amsterdam",
            "profile": {
                "real_name": f"User {user_id}",
                "display_name": name,
                "email": f"{name}@example.test",
            },
        }
        overrides = self.users.get(user_id, {})
        user.update({k: v for k, v in overrides.items() if k != "profile"})
        user["profile"].update(overrides.get("profile", {}))
        return {"user": user}

    def _apps_connections_open(self, params: Params) -> Answer:
        if self.socket_url is None:
            # Not a Slack error: the test forgot to start a FakeSocketModeServer.
            raise ApiError("fake_socket_url_not_set")
        return {"url": self.socket_url}

    def __repr__(self) -> str:
        state = f"{HOST}:{self.port}" if self._server is not None else "stopped"
        return f"<FakeSlackApi {state}>"


def _bearer_token(headers: dict[str, str]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _check_token(method: str, token: str | None) -> None:
    if token is None:
        raise ApiError("not_authed")
    if not token.startswith(("xoxb-", "xapp-")):
        raise ApiError("invalid_auth")
    wanted = "xapp-" if method == "apps.connections.open" else "xoxb-"
    if not token.startswith(wanted):
        raise ApiError("not_allowed_token_type")


def _required(params: Params, name: str, error: str) -> str:
    value = params.get(name)
    if not value:
        raise ApiError(error)
    return str(value)


def _decoded(value: Any) -> Any:
    """A JSON field as sent in a form (a string) or in a JSON body (already decoded)."""
    return json.loads(value) if isinstance(value, str) else value


def _failure_reply(failure: _Failure) -> _Reply:
    if failure.status == 429:
        reply = _Reply.json(429, {"ok": False, "error": "ratelimited"})
        reply.headers["Retry-After"] = str(failure.retry_after)
        return reply
    body = f"simulated HTTP {failure.status}\n".encode()
    return _Reply(failure.status, body, {"Content-Type": "text/plain; charset=utf-8"})


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    @classmethod
    def json(cls, status: int, answer: Answer) -> _Reply:
        body = json.dumps(answer).encode()
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8"})


class _Server(ThreadingHTTPServer):
    # Request threads are joined by server_close(), so nothing outlives stop().
    daemon_threads = False

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], api: FakeSlackApi
    ) -> None:
        super().__init__(address, handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no idle keep-alive thread blocks stop().
    protocol_version = "HTTP/1.0"
    server: _Server

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length))

    def _serve(self, body: bytes) -> None:
        url = urlsplit(self.path)
        if not url.path.startswith("/api/") or len(url.path) <= len("/api/"):
            reply = _Reply(404, b"not found\n", {"Content-Type": "text/plain"})
        else:
            method = url.path[len("/api/") :]
            headers = dict(self.headers.items())
            params: Params = dict(parse_qsl(url.query, keep_blank_values=True))
            params.update(_body_params(body, self.headers.get("Content-Type", "")))
            reply = self.server.api._handle(method, params, headers)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes every request to stderr; the recorded calls say more.
        pass


def _body_params(body: bytes, content_type: str) -> Params:
    if not body:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        decoded = json.loads(body)
        return decoded if isinstance(decoded, dict) else {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    return {}

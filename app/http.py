"""The bot's HTTP endpoint: Slack's Events API (HTTP mode), the widget's POST /widget, and
for the operator GET /healthz (alive), /readyz (doing its work) and /metrics (Prometheus).

A small threaded WSGI server on the configured host and port (port 0: any free port, for
tests). Every POST is sized by its Content-Length before a byte of it is read: a body over
the limit gets 413 unread, one without a length 411. A Slack request is then checked against
Slack's signature on its raw bytes (adapters/slack/signature.py) before it is parsed, logged
or handed to Bolt; the widget endpoint checks its own HMAC signature (adapters/widget.py).
Request bodies are never logged, refused or not.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest

from adapters.slack.intake import SlackIntake
from adapters.slack.signature import signature_problem
from adapters.widget import WidgetConfig, handle_widget
from bot.errors import ReportError

log = logging.getLogger("triage.http")

StartResponse = Callable[..., Any]
SLACK_PATH = "/slack/events"
WIDGET_PATH = "/widget"
# Prometheus' text exposition format, version 0.0.4.
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The default limit for /slack/events (slack.max_request_bytes); the widget has its own,
# smaller one (widget.max_bytes). Slack's own payloads stay far below it.
MAX_READ = 1_000_000
# Connections waiting to be accepted. socketserver's default of 5 dropped 0.3 % of the
# connections of 20 clients at once (the kernel caps this at net.core.somaxconn).
LISTEN_BACKLOG = 256
# A client that stops sending in the middle of its request holds a thread at most this long.
READ_TIMEOUT_SECONDS = 30


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to our log at debug level, not to stderr."""

    timeout = READ_TIMEOUT_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Refused(ReportError):
    """A request answered with an error before (or instead of) being read."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message


class HttpEndpoint:
    """Routes requests; `serve()` runs it on a thread until `close()`."""

    def __init__(
        self,
        app: App | None,
        intake: SlackIntake | None,
        widget: WidgetConfig | None,
        clock: Callable[[], datetime],
        wake: Callable[[], None] = lambda: None,
        *,
        signing_secret: str = "",
        max_slack_bytes: int = MAX_READ,
        wall_clock: Callable[[], float] = time.time,
        listen_backlog: int = LISTEN_BACKLOG,
        health: Callable[[], dict[str, Any]] | None = None,
        ready: Callable[[], dict[str, Any]] | None = None,
        metrics: Callable[[], bytes] | None = None,
        observe: Callable[[str, str], None] = lambda channel, outcome: None,
        active: Callable[[], bool] = lambda: True,
    ) -> None:
        if app is not None and not signing_secret:
            raise ValueError("serving Slack over HTTP needs its signing secret")
        self.slack = app
        self.health = health or (lambda: {"ok": True})
        self.ready = ready or (lambda: {"ready": True, "role": "active", "checks": {}})
        self.metrics, self.observe, self.active = metrics, observe, active
        self.intake, self.widget, self.clock, self.wake = intake, widget, clock, wake
        self._secret = signing_secret.encode("utf-8")
        self.max_slack_bytes = max_slack_bytes
        # Slack signs with the real time; the service's clock may be a test's fixed one.
        self._wall_clock = wall_clock
        self.listen_backlog = listen_backlog
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method == "GET":
            # 503 while the bot cannot do its work (store not writable, outbox paused).
            health = self.health()
            return _json(start_response, 200 if health.get("ok") else 503, health)
        if path == "/readyz" and method == "GET":
            # 503 while it cannot do its work, and on a standby (another instance is active).
            ready = self.ready()
            return _json(start_response, 200 if ready.get("ready") else 503, ready)
        if path == "/metrics" and method == "GET" and self.metrics is not None:
            data = self.metrics()
            start_response(
                "200 OK", [("Content-Type", METRICS_TYPE), ("Content-Length", str(len(data)))]
            )
            return [data]
        handler: Callable[[dict[str, Any]], tuple[int, dict[str, Any]] | WsgiHttpResponse]
        if path == SLACK_PATH and self.slack is not None:
            handler = self._slack
        elif path == WIDGET_PATH and self.widget is not None and self.intake is not None:
            handler = self._widget
        else:
            return _json(start_response, 404, {"ok": False, "error": "not_found"})
        if method != "POST":
            return _json(start_response, 405, {"ok": False, "error": "method_not_allowed"})
        if not self.active():
            # A standby (another instance holds the store's lease): Slack retries, and a
            # load balancer that reads /readyz sends the retry to the active instance.
            body = {"ok": False, "error": "standby", "message": "deze triage is reserve"}
            return _json(start_response, 503, body)
        try:
            answer = handler(environ)
        except _Refused as refused:
            log.warning("%s request refused (%s)", path, refused)
            body = {"ok": False, "error": refused.error, "message": refused.message}
            return _json(start_response, refused.status, body)
        if isinstance(answer, WsgiHttpResponse):
            start_response(answer.status, answer.get_headers())
            return answer.get_body()
        return _json(start_response, *answer)

    # -- Slack ------------------------------------------------------------------------------
    def _slack(self, environ: dict[str, Any]) -> WsgiHttpResponse:
        assert self.slack is not None
        body = _read_body(environ, self.max_slack_bytes, required=True)
        headers = _headers(environ)
        problem = signature_problem(self._secret, headers, body, self._wall_clock())
        if problem is not None:
            raise _Refused(401, "invalid_signature", problem)
        try:
            text = body.decode("utf-8")
            as_bolt: dict[str, str | Sequence[str]] = dict(headers)
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=as_bolt)
        except Exception as exc:  # Slack signed it, yet Bolt cannot read it: say so, go on
            raise _Refused(
                400, "unreadable", f"a signed body Bolt cannot read ({type(exc).__name__})"
            ) from exc
        response = self.slack.dispatch(request)
        return WsgiHttpResponse(response.status, response.headers, response.body)

    # -- the widget -------------------------------------------------------------------------
    def _widget(self, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        assert self.widget is not None and self.intake is not None
        body = _read_body(environ, self.widget.max_bytes, required=False)
        now = self.clock()
        result = handle_widget(_headers(environ), body, now, self.widget)
        if result.report is None:
            log.warning("widget request refused (%d): %s", result.status, result.body.get("error"))
            return result.status, result.body
        outcome = self.intake.widget(result.report, now)
        self.observe("widget", outcome.outcome)
        log.info(
            "report channel=widget outcome=%s ticket=%s acknowledged=%s",
            outcome.outcome,
            outcome.ticket_id or "-",
            str(outcome.acknowledged).lower(),
        )
        self.wake()
        return result.status, {
            **result.body,
            "ticket": outcome.ticket_id,
            "duplicate": outcome.outcome == "duplicate",
            # False: the sender is no known organisation's, so no email went to the address.
            "acknowledged": outcome.acknowledged,
        }

    # -- serving ----------------------------------------------------------------------------
    def listen(self, host: str, port: int) -> int:
        """Bind and listen (connections wait in the backlog); returns the port."""
        server = _ThreadingServer((host, port), _QuietHandler, bind_and_activate=False)
        server.request_queue_size = self.listen_backlog
        try:
            server.server_bind()
            server.server_activate()
        except BaseException:
            server.server_close()
            raise
        server.set_app(self)
        self._server = server
        return int(server.server_address[1])

    def start(self) -> None:
        """Serve the listening socket on a thread."""
        assert self._server is not None, "listen() first"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="http",
            daemon=True,
        )
        self._thread.start()

    def serve(self, host: str, port: int) -> int:
        """Start serving on a thread; returns the port (useful with port 0)."""
        bound = self.listen(host, port)
        self.start()
        log.info("listening on http://%s:%d (%s, %s)", host, bound, SLACK_PATH, WIDGET_PATH)
        return bound

    @property
    def port(self) -> int | None:
        """The port it listens on, while it does."""
        return self._server.server_address[1] if self._server is not None else None

    @property
    def serving(self) -> bool:
        """Is the endpoint listening and answering (for /readyz)?"""
        return self._server is not None and self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None


def _read_body(environ: dict[str, Any], limit: int, *, required: bool) -> bytes:
    """The request body, read only when its Content-Length is known and at most `limit`."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not declared:
        if required:
            raise _Refused(411, "length_required", "send the body with a Content-Length")
        return b""
    if not declared.isascii() or not declared.isdigit() or len(declared) > 18:
        raise _Refused(400, "bad_content_length", "Content-Length is not a number of bytes")
    length = int(declared)
    if length > limit:
        raise _Refused(413, "too_large", f"at most {limit} bytes")
    try:
        body = environ["wsgi.input"].read(length) if length else b""
    except OSError as exc:  # the client stalled (READ_TIMEOUT_SECONDS) or went away
        raise _Refused(400, "incomplete_body", f"the body did not arrive ({exc})") from exc
    if len(body) != length:
        raise _Refused(400, "incomplete_body", f"{len(body)} of {length} bytes arrived")
    return bytes(body)


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers with lower-case names, as Bolt and the widget read them."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
    return headers


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    reasons = {
        200: "OK",
        202: "Accepted",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        411: "Length Required",
        413: "Payload Too Large",
        415: "Unsupported Media Type",
        503: "Service Unavailable",
    }
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(
        f"{status} {reasons.get(status, 'Error')}",
        [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]

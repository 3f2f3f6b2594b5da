"""The bot's HTTP endpoint: Slack's Events API (HTTP mode), the widget's POST /widget, /healthz.

A small threaded WSGI server on the configured host and port (port 0: any free port, for
tests). Slack requests go to Bolt's WSGI adapter, which verifies their signatures; the widget
endpoint checks its own HMAC signature (adapters/widget.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from adapters.slack.intake import SlackIntake
from adapters.widget import WidgetConfig, handle_widget

log = logging.getLogger("triage.http")

StartResponse = Callable[..., Any]
SLACK_PATH = "/slack/events"
WIDGET_PATH = "/widget"
# Never read more than this from a request whose Content-Length says more (the widget
# answers 413 for anything above its own, smaller limit).
MAX_READ = 1_000_000


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to our log at debug level, not to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class HttpEndpoint:
    """Routes requests; `serve()` runs it on a thread until `close()`."""

    def __init__(
        self,
        app: App | None,
        intake: SlackIntake | None,
        widget: WidgetConfig | None,
        clock: Callable[[], datetime],
        wake: Callable[[], None] = lambda: None,
        health: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.slack = SlackRequestHandler(app) if app is not None else None
        self.health = health or (lambda: {"ok": True})
        self.intake, self.widget, self.clock, self.wake = intake, widget, clock, wake
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method == "GET":
            # 503 while the bot cannot do its work (store not writable, outbox paused).
            health = self.health()
            return _json(start_response, 200 if health.get("ok") else 503, health)
        if path == SLACK_PATH and self.slack is not None:
            return self.slack(environ, start_response)
        if path == WIDGET_PATH and self.widget is not None and self.intake is not None:
            if method != "POST":
                return _json(start_response, 405, {"ok": False, "error": "method_not_allowed"})
            return self._widget(environ, start_response)
        return _json(start_response, 404, {"ok": False, "error": "not_found"})

    def _widget(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        assert self.widget is not None and self.intake is not None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _json(start_response, 400, {"ok": False, "error": "bad_content_length"})
        if length > self.widget.max_bytes:
            return _json(
                start_response,
                413,
                {
                    "ok": False,
                    "error": "too_large",
                    "message": f"at most {self.widget.max_bytes} bytes",
                },
            )
        body = environ["wsgi.input"].read(min(length, MAX_READ)) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
        now = self.clock()
        result = handle_widget(headers, body, now, self.widget)
        if result.report is None:
            log.warning("widget request refused (%d): %s", result.status, result.body.get("error"))
            return _json(start_response, result.status, result.body)
        outcome = self.intake.widget(result.report, now)
        log.info(
            "report channel=widget outcome=%s ticket=%s", outcome.outcome, outcome.ticket_id or "-"
        )
        self.wake()
        body_out = {
            **result.body,
            "ticket": outcome.ticket_id,
            "duplicate": outcome.outcome == "duplicate",
        }
        return _json(start_response, result.status, body_out)

    # -- serving ----------------------------------------------------------------------------
    def serve(self, host: str, port: int) -> int:
        """Start serving on a thread; returns the port (useful with port 0)."""
        self._server = make_server(
            host, port, self, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="http",
            daemon=True,
        )
        self._thread.start()
        bound = int(self._server.server_address[1])
        log.info("listening on http://%s:%d (%s, %s)", host, bound, SLACK_PATH, WIDGET_PATH)
        return bound

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None


def _json(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    reasons = {
        200: "OK",
        202: "Accepted",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
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

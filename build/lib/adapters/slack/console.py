"""A Slack stand-in that prints: `make demo` shows what the team channel would receive.

It answers the few Web API methods the transport calls the way Slack does (a `ts` per post),
and renders every message with `render_text`, so the demo runs the real outbox and transport.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, TextIO

from adapters.slack.blocks import SlackMessage, render_text


@dataclass(frozen=True)
class _Response:
    data: dict[str, Any]


class ConsoleSlack:
    """Prints chat.postMessage and chat.update; remembers which ts belongs to which post."""

    def __init__(self, out: TextIO, channel_names: dict[str, str] | None = None) -> None:
        self.out = out
        self.names = channel_names or {}
        self._ts = (f"1700000000.{n:06d}" for n in itertools.count(100, 100))
        self.titles: dict[str, str] = {}

    def api_call(self, method: str, json: dict[str, Any] | None = None) -> _Response:
        params = json or {}
        channel = str(params.get("channel", ""))
        where = self.names.get(channel, channel)
        message = SlackMessage(str(params.get("text", "")), list(params.get("blocks") or []))
        body = render_text(message) if message.blocks else message.text
        if method == "chat.postMessage":
            ts = next(self._ts)
            thread = params.get("thread_ts")
            title = (
                f"in de draad van {self.titles.get(str(thread), 'een bericht')}"
                if thread
                else "nieuw bericht"
            )
            self.titles.setdefault(ts, message.text.split(" — ", 1)[0][:60])
            self._show(f"Slack {where} · {title}", body)
            return _Response({"ok": True, "channel": channel, "ts": ts})
        if method == "chat.update":
            self._show(f"Slack {where} · bericht bijgewerkt", body)
            return _Response({"ok": True, "channel": channel, "ts": params.get("ts")})
        return _Response({"ok": True})

    def _show(self, title: str, body: str) -> None:
        print(f"┌─ {title}", file=self.out)
        for line in body.rstrip().splitlines():
            print(f"│ {line}", file=self.out)
        print("└─", file=self.out)

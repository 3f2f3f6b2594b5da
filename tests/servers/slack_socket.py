"""A fake Slack Socket Mode endpoint for tests: a ``websockets`` server on 127.0.0.1.

The fake Web API answers ``apps.connections.open`` with :attr:`FakeSocketModeServer.url`; the
Socket Mode client connects there, gets ``hello``, and then whatever envelopes the test sends
with :meth:`send_envelope`. The client's acks (``{"envelope_id": ..., "payload"?: ...}``) are
kept for :meth:`wait_ack`.

slack_sdk's builtin client (the one behind ``slack_bolt.adapter.socket_mode.SocketModeHandler``)
speaks plain ``ws://``: it only wraps the socket in TLS when the port is 443 (or a proxy is
used), whatever the scheme says. It does not do permessage-deflate (it never offers it, so the
server sends uncompressed frames) and it answers pings. Two of its habits shape this server:

* It holds a receive lock while it waits up to 3 s in ``recv()``, and ``close()`` needs that
  lock. The server therefore pings every ``ping_interval`` seconds (0.2 by default, Slack
  itself pings too), which wakes the client up and keeps ``close()`` fast.
* It never answers a close frame, it just drops the TCP connection; a short ``close_timeout``
  keeps ``stop()`` from waiting for an answer that does not come.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.servers.base import HOST, ThreadedServer

PATH = "/link"


class FakeSocketModeServer(ThreadedServer):
    """The fake endpoint; :meth:`send_envelope` talks to the newest connected client."""

    label = "the fake Socket Mode server"
    thread_name = "fake-slack-socket"

    def __init__(self, ping_interval: float | None = 0.2, app_id: str = "A0TEST") -> None:
        super().__init__()
        self.ping_interval = ping_interval
        self.app_id = app_id
        self._cond = threading.Condition()
        # Open connections, oldest first; envelopes go to the newest, as a reconnecting
        # client replaces its old connection with a new one.
        self._connections: list[ServerConnection] = []
        self._handler_threads: list[threading.Thread] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._received: list[dict[str, Any]] = []
        self._envelope_ids = itertools.count(1)
        self._server: Server | None = None

    # -- life cycle (start, stop and ``with`` come from ThreadedServer) ----------------------

    def _bind(self) -> Callable[[], None]:
        self._server = serve(
            self._handle,
            HOST,
            0,
            ping_interval=self.ping_interval,
            ping_timeout=5,
            close_timeout=0.5,
            # The builtin client cannot inflate compressed frames.
            compression=None,
        )
        return self._server.serve_forever

    def _shutdown(self) -> None:
        """Close open connections and stop listening."""
        assert self._server is not None
        with self._cond:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        self._server.shutdown()

    def _release(self) -> None:
        """Wait for every connection thread, and close the shutdown pipe."""
        assert self._server is not None
        with self._cond:
            threads = list(self._handler_threads)
        for thread in threads:
            thread.join()
        # websockets (15.0) never closes the pipe that shutdown() writes to.
        os.close(self._server.shutdown_watcher)
        os.close(self._server.shutdown_notifier)
        self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise self._not_running()
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}{PATH}"

    # -- what tests do -----------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        with self._cond:
            return len(self._connections)

    def wait_connected(self, timeout: float = 20.0) -> None:
        """Return once a client is connected (and has been sent ``hello``)."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._connections), timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout} s")

    def wait_disconnected(self, timeout: float = 20.0) -> None:
        """Return once no client is connected any more."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._connections, timeout):
                raise AssertionError(f"a Socket Mode client is still connected after {timeout} s")

    def send_envelope(
        self,
        type_: str,
        payload: dict[str, Any],
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 20.0,
    ) -> str:
        """Send an envelope to the newest connected client and return its ``envelope_id``."""
        self.wait_connected(timeout)
        envelope_id = f"env-{next(self._envelope_ids):04d}"
        envelope = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        self._newest().send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 20.0) -> dict[str, Any]:
        """The client's ack of ``envelope_id``; AssertionError if none comes in time."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(
                    f"no ack for {envelope_id} within {timeout} s; received: {self._received!r}"
                )
            return self._acks[envelope_id]

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every JSON message the clients sent, in order."""
        with self._cond:
            return list(self._received)

    # -- the connection threads --------------------------------------------------------------

    def _newest(self) -> ServerConnection:
        with self._cond:
            if not self._connections:
                raise AssertionError("no Socket Mode client is connected")
            return self._connections[-1]

    def _handle(self, connection: ServerConnection) -> None:
        if connection.request is None or connection.request.path.split("?")[0] != PATH:
            connection.close(code=1008, reason="unknown path")
            return
        with self._cond:
            self._handler_threads.append(threading.current_thread())
        connection.send(json.dumps(self._hello()))
        with self._cond:
            self._connections.append(connection)
            self._cond.notify_all()
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._cond:
                    self._received.append(message)
                    if "envelope_id" in message:
                        self._acks[message["envelope_id"]] = message
                    self._cond.notify_all()
        except ConnectionClosed:
            # The builtin client drops the TCP connection without a close frame.
            pass
        finally:
            with self._cond:
                self._connections.remove(connection)
                self._cond.notify_all()

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {
                "host": "fake-slack-socket",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def __repr__(self) -> str:
        state = f"{HOST}:{self.port}" if self._server is not None else "stopped"
        return f"<FakeSocketModeServer {state}>"

"""A TCP proxy on 127.0.0.1 that can cut its connections once, at a chosen point.

``DroppingProxy(host, port)`` forwards every accepted connection to ``host:port`` (one thread
per direction). ``drop_after_bytes(n)`` or ``drop_when_server_sends(pattern)`` arms a one-shot
trigger on the server-to-client stream: when it fires, the bytes up to that point (the first
``n`` bytes since arming, or up to and including ``pattern``) reach the client, then every
open connection is cut (both sockets shut down and closed) and the trigger disarms, so new
connections work normally again.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable
from typing import Self

from tests.servers.base import HOST, ThreadedServer

_CHUNK = 65536


class _Link:
    """One proxied connection: the client's socket and ours to the server."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.client = client
        self.server = server
        self._lock = threading.Lock()
        self._closed = False
        self.tail = b""  # last bytes from the server, to find a pattern split across reads

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class DroppingProxy(ThreadedServer):
    """The proxy; it listens from construction on, ``close()`` (or leaving ``with``) ends it."""

    label = "the proxy"
    thread_name = "proxy-accept"

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__()
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._threads: list[threading.Thread] = []
        self._drop_after: int | None = None
        self._drop_pattern: bytes | None = None
        self._connections = 0
        self._drops = 0
        self.dropped = threading.Event()
        self._closing = threading.Event()
        self.host = HOST
        self.port = 0
        self.start()

    def __enter__(self) -> Self:
        # Already listening (tests also use it without ``with``): ``with`` only closes it.
        return self

    # -- life cycle (stop, close and ``with`` come from ThreadedServer) ---------------------

    def _bind(self) -> Callable[[], None]:
        self._listener = socket.create_server((HOST, 0))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._closing.clear()
        return self._accept_loop

    def _shutdown(self) -> None:
        self._closing.set()

    def _release(self) -> None:
        self._listener.close()
        with self._lock:
            links = list(self._links)
            threads = list(self._threads)
        for link in links:
            link.close()
        for thread in threads:
            thread.join(timeout=5)

    # -- control ----------------------------------------------------------------------------

    def drop_after_bytes(self, n: int) -> None:
        """Cut all connections once ``n`` bytes (from now on) went from server to client."""
        with self._lock:
            self._drop_after, self._drop_pattern = n, None
            self.dropped.clear()

    def drop_when_server_sends(self, pattern: bytes) -> None:
        """Cut all connections right after the server sends ``pattern`` (forwarded first)."""
        if not pattern:
            raise ValueError("empty pattern")
        with self._lock:
            self._drop_after, self._drop_pattern = None, pattern
            for link in self._links:
                link.tail = b""
            self.dropped.clear()

    @property
    def connections(self) -> int:
        """How many client connections were accepted so far."""
        return self._connections

    @property
    def drops(self) -> int:
        """How many times a trigger fired."""
        return self._drops

    # -- forwarding ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._closing.is_set():
                if not selector.select(timeout=0.05):
                    continue
                try:
                    client, _ = self._listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                client.setblocking(True)
                try:
                    server = socket.create_connection(self.target, timeout=10)
                except OSError:
                    client.close()
                    continue
                server.settimeout(None)
                link = _Link(client, server)
                up = threading.Thread(target=self._pump_up, args=(link,), daemon=True)
                down = threading.Thread(target=self._pump_down, args=(link,), daemon=True)
                with self._lock:
                    self._links.add(link)
                    self._connections += 1
                    self._threads = [t for t in self._threads if t.is_alive()]
                    self._threads += [up, down]
                up.start()
                down.start()

    def _finish(self, link: _Link) -> None:
        link.close()
        with self._lock:
            self._links.discard(link)

    def _pump_up(self, link: _Link) -> None:
        """Client to server, unchanged."""
        try:
            while data := link.client.recv(_CHUNK):
                link.server.sendall(data)
        except OSError:
            pass
        self._finish(link)

    def _pump_down(self, link: _Link) -> None:
        """Server to client, watching for the trigger."""
        try:
            while data := link.server.recv(_CHUNK):
                forward, cut = self._check_trigger(link, data)
                if forward:
                    link.client.sendall(forward)
                if cut:
                    self._cut_all()
                    return
        except OSError:
            pass
        self._finish(link)

    def _check_trigger(self, link: _Link, data: bytes) -> tuple[bytes, bool]:
        with self._lock:
            if self._drop_after is not None:
                if len(data) < self._drop_after:
                    self._drop_after -= len(data)
                    return data, False
                forward = data[: self._drop_after]
                self._drop_after = None
                self._drops += 1
                return forward, True
            if self._drop_pattern is not None:
                pattern = self._drop_pattern
                window = link.tail + data
                index = window.find(pattern)
                if index < 0:
                    link.tail = window[-(len(pattern) - 1) :] if len(pattern) > 1 else b""
                    return data, False
                end = index + len(pattern) - len(link.tail)
                self._drop_pattern = None
                self._drops += 1
                return data[:end], True
            return data, False

    def _cut_all(self) -> None:
        with self._lock:
            links = list(self._links)
            self._links.clear()
        for link in links:
            link.close()
        self.dropped.set()

"""One life cycle for the test servers: start, stop, ``with``, a free port and the serve thread.

:class:`Server` holds what every server does the same way: ``start()`` refuses a server that
is already running, ``stop()`` does nothing on a stopped one, ``close()`` (what ``with`` calls
at the end) stops it, and the "not running" error. :class:`ThreadedServer` adds the daemon
thread that runs a serve loop in this process: the fake Slack Web API, the fake Socket Mode
endpoint, the Bolt WSGI server and the TCP proxy. dovecot is a process of its own and
aiosmtpd's ``Controller`` starts its own thread, so those two build on :class:`Server`.
"""

from __future__ import annotations

import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import ClassVar, Self

HOST = "127.0.0.1"


def free_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).

    For servers that must know their port before they listen, or keep it across a restart;
    the others bind port 0 themselves and read the port back, which cannot race.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server(ABC):
    """A test server on 127.0.0.1 that starts, stops and works as a context manager."""

    # How error messages name the server: "<label> is already running".
    label: ClassVar[str] = "the server"

    @property
    @abstractmethod
    def running(self) -> bool:
        """Whether the server is up (``start`` refuses to start it twice)."""

    @abstractmethod
    def _start(self) -> None:
        """Start listening; called by ``start`` on a server that is not running."""

    @abstractmethod
    def _stop(self) -> None:
        """Stop and wait until stopped; called by ``stop`` on a running server."""

    def start(self) -> None:
        """Start the server; RuntimeError when it is already running."""
        if self.running:
            raise RuntimeError(f"{self.label} is already running")
        self._start()

    def stop(self) -> None:
        """Stop the server and wait for it; nothing happens when it is not running."""
        if self.running:
            self._stop()

    def close(self) -> None:
        """Stop for good, also freeing what a restart would reuse; ``with`` ends with this."""
        self.stop()

    def _not_running(self) -> RuntimeError:
        """The error for asking a stopped server something only a running one knows."""
        return RuntimeError(f"{self.label} is not running")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ThreadedServer(Server):
    """A server whose serve loop runs in a daemon thread of the test process.

    Subclasses implement ``_bind`` (listen, and return the loop that serves until
    ``_shutdown``), ``_shutdown`` (make that loop return; it may wait for it) and, when
    something outlives the loop, ``_release`` (called once the thread has ended).
    """

    # The serve thread's name, as tracebacks and thread dumps show it.
    thread_name: ClassVar[str] = "test-server"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @abstractmethod
    def _bind(self) -> Callable[[], None]:
        """Listen on 127.0.0.1 and return the serve loop the thread runs."""

    @abstractmethod
    def _shutdown(self) -> None:
        """Make the serve loop return."""

    def _release(self) -> None:
        """Free what outlives the serve loop (sockets, connection threads)."""

    def _start(self) -> None:
        serve = self._bind()
        # A daemon: a test that never stops its server must not keep pytest from exiting.
        thread = threading.Thread(target=serve, name=self.thread_name, daemon=True)
        thread.start()
        self._thread = thread

    def _stop(self) -> None:
        assert self._thread is not None
        self._shutdown()
        self._thread.join()
        self._release()
        self._thread = None


class PortServer(Server):
    """A server that keeps the port it was first given across restarts (dovecot, postgres)."""

    _port: int | None = None

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{self.label} has not been started")
        return self._port

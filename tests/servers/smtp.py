"""An SMTP sink for tests: aiosmtpd on a free port of 127.0.0.1 that keeps what it receives.

``fail_next(n, code=451)`` answers the next ``n`` DATA commands with that code (a temporary
failure by default, to test retries); ``refuse_connections(True)`` stops listening on the
port (clients get "connection refused") until ``refuse_connections(False)``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.servers.dovecot import free_port

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMessage:
    """One accepted DATA: ``raw`` as on the wire (CRLF), ``message`` parsed from it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return self._sink._receive(envelope)


class SmtpSink:
    def __init__(self) -> None:
        self.host = HOST
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._fail_count = 0
        self._fail_code = 451
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("the SMTP sink is already running")
        # A Controller closes its event loop on stop(), so each start gets a new one.
        controller = Controller(_Handler(self), hostname=HOST, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse_connections(self, refuse: bool = True) -> None:
        """Stop listening (connections are refused) or listen again on the same port."""
        if refuse:
            self.stop()
        elif self._controller is None:
            self.start()

    def fail_next(self, n: int, code: int = 451) -> None:
        """Answer the next ``n`` DATA commands with ``code`` instead of accepting them."""
        with self._lock:
            self._fail_count = n
            self._fail_code = code

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """The received messages once there are at least ``count``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.messages
            if len(received) >= count:
                return received
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) within {timeout} s, got {len(received)}"
                )
            time.sleep(0.01)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def _receive(self, envelope: Envelope) -> str:
        with self._lock:
            if self._fail_count > 0:
                self._fail_count -= 1
                code = self._fail_code
                status = "4.3.0" if code < 500 else "5.3.0"
                return f"{code} {status} Simulated failure (test)"
            raw = envelope.original_content or b""
            # Parsed with \n line ends, as a message read from a file would be.
            text = raw.replace(b"\r\n", b"\n")
            message = BytesParser(policy=policy.default).parsebytes(text)
            assert isinstance(message, EmailMessage)
            self._messages.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from or "",
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=raw,
                    message=message,
                )
            )
        return "250 2.0.0 OK"

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._controller is not None else "stopped"
        return f"<SmtpSink {self.host}:{self.port} {state}>"

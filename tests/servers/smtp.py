"""An SMTP sink for tests: aiosmtpd on a free port of 127.0.0.1 that keeps what it receives.

``fail_next(n, code=451)`` answers the next ``n`` DATA commands with that code (a temporary
failure by default, to test retries); ``refuse_connections(True)`` stops listening on the
port (clients get "connection refused") until ``refuse_connections(False)``.
``refuse_recipient(address, code=554)`` answers RCPT TO for that address with ``code``;
``require_login(user, password)`` restarts the sink demanding SMTP AUTH (PLAIN/LOGIN, over
plain TCP) with exactly those credentials: anything else gets 535, no login gets 530.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers.base import HOST, Server, free_port


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

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self._sink._refusal(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"


class _CountingSMTP(SMTP):
    """aiosmtpd's SMTP protocol, telling the sink when a client connects and hangs up."""

    def __init__(self, sink: SmtpSink, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._sink = sink

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Called once per connection: the sink offers no STARTTLS, which would call it again.
        self._sink._session_opened()
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self._sink._session_closed()


class _Controller(Controller):
    """A Controller whose SMTP sessions report to the sink."""

    def __init__(self, sink: SmtpSink) -> None:
        login: dict[str, Any] = {}
        if sink._credentials is not None:
            login = {
                "authenticator": sink._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        super().__init__(_Handler(sink), hostname=HOST, port=sink.port, **login)
        self._sink = sink

    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            # AUTH over plain TCP is what the login tests want, on loopback only.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return _CountingSMTP(self._sink, self.handler, **self.SMTP_kwargs)


class SmtpSink(Server):
    """The sink; its port stays the same across ``stop()`` and ``start()``."""

    label = "the SMTP sink"

    def __init__(self) -> None:
        self.host = HOST
        # Picked before listening, so that a restart (refuse_connections) keeps the port.
        self.port = free_port()
        self._cond = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._sessions = 0
        self._fail_count = 0
        self._fail_code = 451
        self._refused: dict[str, str] = {}
        self._credentials: tuple[str, str] | None = None
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def _start(self) -> None:
        # A Controller closes its event loop on stop(), so each start gets a new one.
        controller = _Controller(self)
        controller.start()
        self._controller = controller

    def _stop(self) -> None:
        assert self._controller is not None
        self._controller.stop()
        self._controller = None
        # The stopped loop serves no session any more, whether it saw them close or not.
        with self._cond:
            self._sessions = 0
            self._cond.notify_all()

    def refuse_connections(self, refuse: bool = True) -> None:
        """Stop listening (connections are refused) or listen again on the same port."""
        if refuse:
            self.stop()
        elif self._controller is None:
            self.start()

    def refuse_recipient(self, address: str, code: int = 554) -> None:
        """Answer RCPT TO for `address` with `code` (5xx: for good, 4xx: for now)."""
        status = "5.7.1" if code >= 500 else "4.7.1"
        with self._cond:
            self._refused[address.lower()] = f"{code} {status} <{address}>: Recipient refused"

    def _refusal(self, address: str) -> str | None:
        with self._cond:
            return self._refused.get(address.lower())

    def require_login(self, user: str, password: str) -> None:
        """Restart (same port) demanding SMTP AUTH with exactly these credentials."""
        self._credentials = (user, password)
        if self._controller is not None:
            self.stop()
        self.start()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        expected = self._credentials
        ok = (
            expected is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == expected
        )
        return AuthResult(success=ok, handled=False)

    def fail_next(self, n: int, code: int = 451) -> None:
        """Answer the next ``n`` DATA commands with ``code`` instead of accepting them."""
        with self._cond:
            self._fail_count = n
            self._fail_code = code

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._cond:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[ReceivedMessage]:
        """The received messages once there are at least ``count``; AssertionError on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise AssertionError(
                    f"expected {count} message(s) within {timeout} s, got {len(self._messages)}"
                )
            return list(self._messages)

    def wait_idle(self, timeout: float = 20.0) -> list[ReceivedMessage]:
        """The received messages once no client is connected; AssertionError on timeout.

        For "nothing more arrived" checks: once the client that could send has finished (the
        bot's delivery round returned, its process exited) and every SMTP session is closed on
        this side too, nothing of that client can still arrive.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._sessions == 0, timeout):
                raise AssertionError(
                    f"{self._sessions} SMTP client(s) still connected after {timeout} s"
                )
            return list(self._messages)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()

    def _session_opened(self) -> None:
        with self._cond:
            self._sessions += 1

    def _session_closed(self) -> None:
        with self._cond:
            self._sessions -= 1
            self._cond.notify_all()

    def _receive(self, envelope: Envelope) -> str:
        with self._cond:
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
            self._cond.notify_all()
        return "250 2.0.0 OK"

    def __repr__(self) -> str:
        state = "running" if self._controller is not None else "stopped"
        return f"<SmtpSink {self.host}:{self.port} {state}>"

"""Delivers outbox email over SMTP; temporary failures are retried, permanent ones reported.

Three kinds of refusal: a 4xx is temporary (retry this message later); a 5xx for one
recipient is that message's permanent failure (`triage outbox list --failed`, `retry`);
a refused login, sender or relay is our configuration, not the message: the whole outbox
pauses (Paused) until it works, and no message is failed for it.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from bot.errors import AdapterError, ConnectionLost, Paused
from bot.settings import SmtpSettings


class PermanentFailure(AdapterError):
    """The server refused the message for good (5xx): retrying will not help."""


# A recipient refusal that is about us, not about the address (relay or auth required).
_CONFIGURATION = re.compile(rb"relay|auth", re.IGNORECASE)


def build_message(payload: dict[str, Any], now: datetime) -> EmailMessage:
    """The MIME message for an outbox payload (plain text, UTF-8, threading headers)."""
    message = EmailMessage()
    local, _, domain = str(payload["from"]).partition("@")
    message["From"] = Address(str(payload.get("from_name", "")), local, domain)
    message["To"] = str(payload["to"])
    message["Subject"] = str(payload["subject"])
    message["Date"] = format_datetime(now)
    message["Message-ID"] = str(payload["message_id"])
    if payload.get("in_reply_to"):
        message["In-Reply-To"] = str(payload["in_reply_to"])
    if payload.get("references"):
        message["References"] = " ".join(payload["references"])
    # RFC 3834: mark our mail as automatic, so well-behaved auto-responders do not answer it.
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(str(payload["body"]))
    return message


class SmtpTransport:
    """Sends outbox email over one SMTP connection per delivery round (`close` ends it).

    Keeping the connection for the round matters twice: a backlog goes out fast, and the
    QUIT round trip no longer sits between the server accepting a message and the outbox
    recording it as sent (the only moment where a crash can cause a second copy).
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        client: smtplib.SMTP
        if settings.tls == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password.get_secret_value())
        except BaseException:
            client.close()  # not yet ours to keep: a refused login must not leak the socket
            raise
        return client

    def send(self, payload: dict[str, Any], now: datetime) -> None:
        """Send one message; ConnectionLost (retry later) or PermanentFailure (give up)."""
        settings = self.settings
        try:
            message = build_message(payload, now)
        except (ValueError, TypeError, KeyError) as exc:
            raise PermanentFailure(f"the message cannot be built: {exc}") from exc
        try:
            if self._client is None:
                self._client = self._connect()
            self._client.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise Paused(
                f"SMTP {settings.host}:{settings.port}: login refused ({exc.smtp_code}): check "
                "TRIAGE_SMTP__USERNAME and TRIAGE_SMTP__PASSWORD"
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            if 400 <= exc.smtp_code < 500:
                raise ConnectionLost(f"SMTP: sender temporarily refused {exc.smtp_code}") from exc
            raise Paused(
                f"SMTP {settings.host}:{settings.port}: sender {exc.sender} refused "
                f"({exc.smtp_code} {exc.smtp_error!r}): check smtp.from_address and the "
                "login"
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= c < 500 for c in codes):
                raise ConnectionLost(f"SMTP: recipient temporarily refused {codes}") from exc
            if any(_CONFIGURATION.search(text) for _, text in exc.recipients.values()):
                raise Paused(
                    f"SMTP {settings.host}:{settings.port}: relaying refused {codes}: this "
                    "server does not accept our mail for other domains (check the login)"
                ) from exc
            texts = "; ".join(
                f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()
            )
            raise PermanentFailure(f"SMTP: recipient refused: {texts}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise PermanentFailure(f"SMTP server cannot send this message: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise ConnectionLost(text) from exc
            raise PermanentFailure(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise ConnectionLost(f"SMTP {settings.host}:{settings.port}: {exc}") from exc

    def close(self) -> None:
        """End the connection of this round (QUIT), ignoring a connection already gone."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

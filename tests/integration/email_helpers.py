"""Helpers for the email tests: messages to append, and a Service wired to the test servers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from app.bootstrap import Paths, load_setup
from app.service import Service
from bot.store import Store
from tests.conftest import REPO
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpSink
from tests.servers.store_fixtures import rig_store


def mail(
    subject: str,
    body: str,
    sender: str = "a.devries@zorggroepnoord.nl",
    name: str = "Anja de Vries",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> bytes:
    """A plain-text customer email as bytes."""
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "support@dialog.nl"
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    if message_id is not None:
        message["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(body)
    return bytes(message)


def server_env(
    monkeypatch: pytest.MonkeyPatch,
    dovecot_host: str,
    dovecot_port: int,
    user: str,
    password: str,
    sink: SmtpSink | None,
    **imap: str,
) -> None:
    """Configure the bot through TRIAGE_* variables, as a deployment would."""
    monkeypatch.setenv("TRIAGE_IMAP__HOST", dovecot_host)
    monkeypatch.setenv("TRIAGE_IMAP__PORT", str(dovecot_port))
    monkeypatch.setenv("TRIAGE_IMAP__USERNAME", user)
    monkeypatch.setenv("TRIAGE_IMAP__PASSWORD", password)
    monkeypatch.setenv("TRIAGE_IMAP__TLS", "false")
    monkeypatch.setenv("TRIAGE_IMAP__TIMEOUT", "10")
    # The tests' mail carries fixed dates in November 2026, and the real clock moves on:
    # acknowledge whatever its age, unless a test is about the age limit itself.
    imap.setdefault("ack_max_age_hours", str(100 * 365 * 24))
    for key, value in imap.items():
        monkeypatch.setenv(f"TRIAGE_IMAP__{key.upper()}", value)
    if sink is not None:
        monkeypatch.setenv("TRIAGE_SMTP__HOST", sink.host)
        monkeypatch.setenv("TRIAGE_SMTP__PORT", str(sink.port))
        monkeypatch.setenv("TRIAGE_SMTP__TLS", "none")


class Clock:
    """A clock the test moves by hand (the service never sleeps on it)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_service(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dovecot: Dovecot,
    sink: SmtpSink | None,
    clock: Callable[[], datetime] | None = None,
    port: int | None = None,
    **imap: str,
) -> tuple[Service, Store]:
    server_env(
        monkeypatch,
        dovecot.host,
        port or dovecot.port,
        dovecot.user,
        dovecot.password,
        sink,
        **imap,
    )
    paths = Paths(REPO / "config", REPO / "rules", tmp_path / "triage.db")
    store = Store(rig_store(paths.db))
    service = Service(load_setup(paths), paths, store, clock or Clock())
    return service, store

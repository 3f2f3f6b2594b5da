"""The test servers themselves: dovecot, the dropping proxy and the SMTP sink."""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import pytest

from tests.servers.dovecot import Dovecot
from tests.servers.fixtures import _unavailable
from tests.servers.proxy import DroppingProxy

if TYPE_CHECKING:  # aiosmtpd may be missing: then the smtp_sink fixture skips
    from tests.servers.smtp import SmtpSink

TIMEOUT = 5


def _message(subject: str, body: str = "Hello\r\n") -> bytes:
    return (
        f"From: customer@example.com\r\nTo: support@example.test\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '-')}@example.com>\r\n"
        f"\r\n{body}"
    ).encode()


def _literal(data: list[Any]) -> bytes:
    """The literal (message body) of the first item of a FETCH response."""
    item = data[0]
    assert isinstance(item, tuple)
    return bytes(item[1])


def _login(host: str, port: int, dovecot: Dovecot) -> imaplib.IMAP4:
    conn = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    conn.login(dovecot.user, dovecot.password)
    return conn


# -- dovecot -------------------------------------------------------------------------------


def test_dovecot_greets(dovecot: Dovecot) -> None:
    with socket.create_connection((dovecot.host, dovecot.port), timeout=TIMEOUT) as sock:
        assert sock.recv(4096).startswith(b"* OK")


def test_login_works_with_imaplib_and_rejects_a_wrong_password(dovecot: Dovecot) -> None:
    conn = _login(dovecot.host, dovecot.port, dovecot)
    assert conn.select("INBOX") == ("OK", [b"0"])
    conn.logout()
    conn = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        conn.login(dovecot.user, "wrong")
    conn.logout()


def test_append_count_and_flags(dovecot: Dovecot) -> None:
    dovecot.append_many([_message(f"ticket {i}") for i in range(3)])
    dovecot.append(_message("read one"), flags="\\Seen \\Flagged")
    assert dovecot.count() == 4
    assert dovecot.count("INBOX", "UNSEEN") == 3
    assert dovecot.count("INBOX", 'SUBJECT "read one"') == 1
    assert dovecot.flags_of_all() == {1: set(), 2: set(), 3: set(), 4: {"\\Seen", "\\Flagged"}}


def test_folders(dovecot: Dovecot) -> None:
    dovecot.create_folder("Archive")
    assert dovecot.flags_of_all("Archive") == {}
    dovecot.append(_message("archived"), folder="Archive")
    assert (dovecot.count("Archive"), dovecot.count()) == (1, 0)
    assert dovecot.uidvalidity("Archive") != dovecot.uidvalidity()


@pytest.mark.parametrize(
    "when",
    [
        datetime(2024, 3, 5, 14, 30, 15, tzinfo=timezone(timedelta(hours=1))),
        datetime(2023, 12, 31, 23, 59, 59),  # naive: taken as UTC
    ],
)
def test_internal_date_is_what_the_server_reports(dovecot: Dovecot, when: datetime) -> None:
    dovecot.append(_message("dated"), internal_date=when)
    with dovecot.connect() as conn:
        conn.select("INBOX", readonly=True)
        typ, data = conn.fetch("1", "(INTERNALDATE)")
    assert typ == "OK"
    reported = re.search(rb'INTERNALDATE "([^"]+)"', data[0])  # type: ignore[arg-type]
    assert reported is not None
    parsed = datetime.strptime(reported.group(1).decode(), "%d-%b-%Y %H:%M:%S %z")
    expected = when if when.tzinfo else when.replace(tzinfo=UTC)
    assert parsed == expected


def test_reset_uidvalidity_changes_it_and_keeps_the_messages(dovecot: Dovecot) -> None:
    dovecot.append_many([_message("one"), _message("two")])
    dovecot.append(_message("three"), flags="\\Seen")
    before = dovecot.uidvalidity()
    port = dovecot.port

    after = dovecot.reset_uidvalidity()

    assert after != before
    assert dovecot.uidvalidity() == after
    assert dovecot.port == port
    assert dovecot.count() == 3
    assert sorted(map(sorted, dovecot.flags_of_all().values())) == [[], [], ["\\Seen"]]


def test_reset_uidvalidity_of_another_folder(dovecot: Dovecot) -> None:
    dovecot.create_folder("Archive")
    dovecot.append(_message("archived"), folder="Archive")
    inbox, before = dovecot.uidvalidity(), dovecot.uidvalidity("Archive")
    assert dovecot.reset_uidvalidity("Archive") != before
    assert dovecot.count("Archive") == 1
    assert dovecot.uidvalidity() == inbox


def test_restart_keeps_port_messages_and_uidvalidity(dovecot: Dovecot) -> None:
    dovecot.append(_message("kept"))
    port, uidvalidity = dovecot.port, dovecot.uidvalidity()
    dovecot.restart()
    assert dovecot.port == port
    assert dovecot.count() == 1
    assert dovecot.uidvalidity() == uidvalidity


def test_kill_drops_clients_and_start_recovers(dovecot: Dovecot) -> None:
    dovecot.append(_message("survivor"))
    conn = _login(dovecot.host, dovecot.port, dovecot)
    conn.select("INBOX")
    dovecot.kill()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        conn.noop()
    conn.shutdown()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((dovecot.host, dovecot.port), timeout=TIMEOUT)
    dovecot.start()
    assert dovecot.count() == 1


def test_imaplib2_runs_without_warnings(dovecot: Dovecot) -> None:
    """imaplib2's DeprecationWarnings are ignored by pyproject's filterwarnings."""
    import imaplib2

    conn = imaplib2.IMAP4(dovecot.host, dovecot.port, timeout=TIMEOUT)
    try:
        assert conn.login(dovecot.user, dovecot.password)[0] == "OK"
        assert conn.select("INBOX")[0] == "OK"
    finally:
        conn.logout()


# -- proxy ---------------------------------------------------------------------------------


def test_proxy_forwards_a_full_imap_session(dovecot: Dovecot) -> None:
    with DroppingProxy(dovecot.host, dovecot.port) as proxy:
        conn = _login(proxy.host, proxy.port, dovecot)
        conn.append("INBOX", None, None, _message("via proxy", "x" * 100_000 + "\r\n"))
        conn.select("INBOX")
        typ, data = conn.fetch("1", "(BODY.PEEK[])")
        assert typ == "OK"
        assert _literal(data).endswith(b"x" * 1000 + b"\r\n")
        assert conn.logout()[0] == "BYE"
        assert (proxy.connections, proxy.drops) == (1, 0)


@pytest.mark.parametrize("where", ["at the FETCH line", "inside the literal"])
def test_proxy_drops_mid_fetch_once(dovecot: Dovecot, where: str) -> None:
    dovecot.append(_message("big", "y" * 200_000 + "\r\n"))
    with DroppingProxy(dovecot.host, dovecot.port) as proxy:
        conn = _login(proxy.host, proxy.port, dovecot)
        conn.select("INBOX")
        if where == "at the FETCH line":
            proxy.drop_when_server_sends(b"FETCH")  # the client gets "* 1 FETCH", then EOF
        else:
            proxy.drop_after_bytes(50_000)
        with pytest.raises((imaplib.IMAP4.abort, OSError)):
            conn.fetch("1", "(BODY.PEEK[])")
        conn.shutdown()
        assert proxy.dropped.wait(TIMEOUT)
        assert proxy.drops == 1

        again = _login(proxy.host, proxy.port, dovecot)  # normal again
        again.select("INBOX")
        typ, data = again.fetch("1", "(BODY.PEEK[])")
        assert typ == "OK"
        assert len(_literal(data)) > 200_000
        again.logout()


def test_proxy_drop_after_bytes_cuts_all_connections(dovecot: Dovecot) -> None:
    with DroppingProxy(dovecot.host, dovecot.port) as proxy:
        first = _login(proxy.host, proxy.port, dovecot)
        first.select("INBOX")
        proxy.drop_after_bytes(10)
        with pytest.raises((imaplib.IMAP4.abort, OSError)):
            imaplib.IMAP4(proxy.host, proxy.port, timeout=TIMEOUT)  # greeting cut short
        assert proxy.dropped.wait(TIMEOUT)
        with pytest.raises((imaplib.IMAP4.abort, OSError)):
            first.noop()  # the other connection was cut as well
        first.shutdown()
        second = _login(proxy.host, proxy.port, dovecot)
        assert second.noop()[0] == "OK"
        second.logout()


# -- SMTP sink -----------------------------------------------------------------------------


def _email(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "bot@example.test"
    msg["To"] = "customer@example.com"
    msg["Subject"] = subject
    msg.set_content("Ticket received.\n")
    return msg


def test_smtp_sink_receives_a_message(smtp_sink: SmtpSink) -> None:
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=TIMEOUT) as client:
        client.send_message(_email("Re: ticket 1"), to_addrs=["a@example.com", "b@example.com"])
    (received,) = smtp_sink.wait_for(1, timeout=TIMEOUT)
    assert received.mail_from == "bot@example.test"
    assert received.rcpt_tos == ["a@example.com", "b@example.com"]
    assert received.message["Subject"] == "Re: ticket 1"
    assert received.message.get_content() == "Ticket received.\n"
    assert b"Subject: Re: ticket 1" in received.raw


def test_smtp_fail_next_answers_451_once(smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_next(1)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=TIMEOUT) as client:
        with pytest.raises(smtplib.SMTPDataError) as failure:
            client.send_message(_email("first try"))
        assert failure.value.smtp_code == 451
        client.send_message(_email("second try"))
    (received,) = smtp_sink.wait_for(1, timeout=TIMEOUT)
    assert received.message["Subject"] == "second try"


def test_smtp_refuse_connections(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_connections(True)
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=TIMEOUT)
    smtp_sink.refuse_connections(False)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=TIMEOUT) as client:
        client.send_message(_email("back"))
    assert len(smtp_sink.wait_for(1, timeout=TIMEOUT)) == 1


# -- fixtures ------------------------------------------------------------------------------


def test_missing_service_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        _unavailable("dovecot is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not installed"):
        _unavailable("dovecot is not installed")

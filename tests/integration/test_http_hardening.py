"""The bot's HTTP side under hostile or careless input (issue 12, items 7, 9 and 11).

Everything goes over real HTTP to the real endpoint of `triage run` (app/http.py with the Bolt
app and the widget), signed as Slack and the widget sign; the bot's Web API calls go to the
fake Slack API. Raw requests (a lying Content-Length, a body that is not JSON) are written to
a plain socket, since an HTTP client would not send them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_bolt.request import BoltRequest

from adapters.widget import sign
from app.http import HttpEndpoint
from tests.integration.slack_helpers import (
    AGENT,
    OUTSIDER,
    SIGNING_SECRET,
    WIDGET_SECRET,
    SlackRig,
    running_slack,
)
from tests.servers.base import HOST
from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_requests import (
    block_action_payload,
    view_submission_payload,
)
from tests.servers.wait import wait_until

OUTAGE = "Het hele platform is onbereikbaar, niemand kan werken. We krijgen een 500 error."
EXPORT = "De export naar Excel geeft een foutmelding. Via CSV exporteren lukt het wel."
# Marks a body in the log: it must never show up there.
MARKER = "GEHEIME-KLANTTEKST-7f3a"


def raw_request(
    port: int, head: str, body: bytes = b"", timeout: float = 20.0
) -> tuple[int, bytes]:
    """Write `head` (request line and headers, CRLF-separated, no blank line) and `body` to a
    socket as they are, and read the answer: (status, body). A server that never answers
    fails the test at `timeout` instead of hanging it."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n\r\n")
        # The server may answer and close before it takes all of the body: that is fine.
        with contextlib.suppress(OSError):
            sock.sendall(body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), payload


def port_of(rig: SlackRig) -> int:
    return int(rig.base.rsplit(":", 1)[1])


def slack_post(
    rig: SlackRig, body: bytes, content_type: str, signed: bool = True, **headers: str
) -> tuple[int, bytes]:
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: {HOST}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    if signed:
        # Computed here: slack_sdk's signer cannot sign a body that is not UTF-8.
        stamp = str(int(time.time()))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
        lines.append(f"X-Slack-Request-Timestamp: {stamp}")
        lines.append(f"X-Slack-Signature: v0={digest.hexdigest()}")
    lines.extend(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())
    return raw_request(port_of(rig), "\r\n".join(lines), body)


def said(rig: SlackRig, text: str, user: str = AGENT) -> str:
    """The answer to `/triage <text>` (ephemeral, in Bolt's acknowledgement)."""
    answer = rig.slack.command("/triage", text, user)
    assert answer.status == 200, answer.body
    return answer.body.decode()


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.levelname} {r.getMessage()}" for r in caplog.records)


# -- item 7: /slack/events checks the signature and the size before anything else ------------


def test_slack_events_refuses_unsigned_and_unreadable_bodies_and_never_logs_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # At debug level everything that is logged anywhere (Bolt's own loggers too) is captured.
    caplog.set_level(logging.DEBUG)
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        not_json = f"dit is geen json {MARKER}".encode()
        unsigned = json.dumps({"type": "event_callback", "text": MARKER}).encode()
        # Unsigned: refused before parsing (a non-JSON body gave a 500 with a traceback) and
        # before logging (Bolt logged the whole body at INFO).
        assert slack_post(rig, not_json, "application/json", signed=False)[0] == 401
        assert slack_post(rig, unsigned, "application/json", signed=False)[0] == 401
        wrong = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=0"}
        assert slack_post(rig, unsigned, "application/json", signed=False, **wrong)[0] == 401
        # A timestamp that is not a number gave a 500 (int() inside the verifier).
        odd = {"X-Slack-Request-Timestamp": "gisteren", "X-Slack-Signature": "v0=0"}
        assert slack_post(rig, unsigned, "application/json", signed=False, **odd)[0] == 401
        # Signed but unreadable (only someone with the secret can do this): 400, not 500.
        assert slack_post(rig, not_json, "application/json")[0] == 400
        assert slack_post(rig, b"\xff\xfe" + MARKER.encode(), "application/json")[0] == 400
        assert slack_post(rig, b"payload=%7Bkapot", "application/x-www-form-urlencoded")[0] == 400
        # Still serving: a real event is handled.
        rig.new_ticket(EXPORT, "1795510800.070001", "EvAfter")
    assert MARKER not in logged(caplog)
    assert "Traceback" not in caplog.text


SIZED = (
    "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Connection: close\r\nContent-Length: "
)


def test_slack_events_refuses_an_oversized_body_unread_and_stays_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        port = port_of(rig)
        # Says 200 MB, sends 64 KB: answered at once with 413, nothing waits for the rest
        # (before, the server read until the client gave up, and held what it got).
        for _ in range(4):
            status, answer = raw_request(port, SIZED + "200000000", b"{" + b" " * 65_536)
            assert status == 413 and b"1000000 bytes" in answer
        # A body without a Content-Length cannot be sized first: refused, not read.
        assert raw_request(port, "POST /slack/events HTTP/1.1\r\nHost: x")[0] == 411
        assert raw_request(port, SIZED + "-5")[0] == 400
        assert raw_request(port, "GET /healthz HTTP/1.1\r\nHost: x")[0] == 200
        rig.new_ticket(EXPORT, "1795510800.070102", "EvSmall")


def test_the_slack_body_limit_is_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    monkeypatch.setenv("TRIAGE_SLACK__MAX_REQUEST_BYTES", "5000")
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        status, answer = raw_request(port_of(rig), SIZED + "5001", b"{" + b" " * 5000)
        assert status == 413 and b"5000 bytes" in answer
        big = rig.message("x" * 6000, "1795510800.070101")
        assert rig.slack.event(big, "EvBig").status == 413
        rig.new_ticket(EXPORT, "1795510800.070102", "EvSmall")


def test_bolt_never_logs_a_refused_body(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bolt checks the signature again behind the endpoint's check, and logged the body of a
    request it refused at INFO: the bot's Bolt app keeps that line, without the body."""
    caplog.set_level(logging.DEBUG)
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        assert rig.service.slack is not None
        body = json.dumps({"type": "event_callback", "text": MARKER})
        stamp = str(int(time.time()))
        headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=0"}
        refused = rig.service.slack.app.dispatch(BoltRequest(body=body, headers=headers))
        assert refused.status == 401
    assert "Invalid request signature" in caplog.text
    assert MARKER not in logged(caplog)


# -- item 9: reading tickets is for the support team ----------------------------------------


def test_only_the_support_team_reads_tickets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        ticket = rig.new_ticket(EXPORT, "1795510800.090001", "EvRead")
        for command in ("list", f"show {ticket}", f"show #{ticket}"):
            refusal = said(rig, command, OUTSIDER)
            assert "supportteam" in refusal and "bekijken" in refusal
            assert "Excel" not in refusal and f"#{ticket}" not in refusal
        assert "Excel" in said(rig, "list") and "Excel" in said(rig, f"show {ticket}")
        assert "list" in said(rig, "help", OUTSIDER)  # the help stays open to everyone
        # The App Home lists tickets too: an outsider's stays empty, with the same refusal.
        rig.slack.event({"type": "app_home_opened", "user": OUTSIDER, "tab": "home"}, "EvH")
        [home] = slack_api.wait_for("views.publish")
        shown = json.dumps(home.json("view"), ensure_ascii=False)
        assert home.params["user_id"] == OUTSIDER
        assert "supportteam" in shown and "Excel" not in shown and f"#{ticket}" not in shown


def test_reading_can_be_opened_to_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    monkeypatch.setenv("TRIAGE_SLACK__READERS", "everyone")
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        ticket = rig.new_ticket(EXPORT, "1795510800.090101", "EvOpen")
        assert "Excel" in said(rig, f"show {ticket}", OUTSIDER)
        assert "Excel" in said(rig, "list", OUTSIDER)
        # Changing stays with the team.
        assert "supportteam" in said(rig, f"prio {ticket} laag niet zo erg", OUTSIDER)


# -- item 11: ticket numbers that are not numbers -------------------------------------------


HUGE = "9" * 30


def test_odd_ticket_numbers_in_commands_get_a_polite_answer(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        ticket = rig.new_ticket(EXPORT, "1795510800.110001", "EvIds")
        # '²'.isdigit() is True, int('²') fails: these gave a traceback and no answer.
        for text in ("show ²", "show ١٢", "prio ² laag reden", "categorie ² vraag", "show 1²"):
            answer = said(rig, text)
            assert "Gebruik" in answer or "ticketnummer" in answer, (text, answer)
        assert "bestaat niet" in said(rig, f"show {HUGE}")
        assert "bestaat niet" in said(rig, f"prio {HUGE} laag reden")
        assert "bestaat niet" in said(rig, f"categorie {HUGE} vraag")
        assert "bestaat niet" in said(rig, "show " + "9" * 5000)  # over int()'s digit limit
        assert "9" * 5000 not in said(rig, "show " + "9" * 5000)  # and not echoed whole
        assert "storing" in said(rig, "storing einde ²")
        assert "bestaat niet" in said(rig, f"storing einde {HUGE}")
        assert f"#{ticket}" in said(rig, f"show {ticket}")
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_odd_ticket_numbers_in_buttons_and_modals_get_a_polite_answer(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_api: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        ticket = rig.new_ticket(EXPORT, "1795510800.110101", "EvBtn")
        values = ["abc", "²", HUGE, "9" * 5000, "", "-1", "0"]
        for value in values:
            assert rig.slack.action(block_action_payload("assign", value, AGENT)).status == 200
        answers = slack_api.wait_for("chat.postEphemeral", count=len(values))
        for answer in answers:
            assert answer.params["user"] == AGENT
            assert "ticket" in answer.params["text"].lower()
            assert "9" * 100 not in answer.params["text"]
        assert rig.store.ticket_view(ticket).assignee is None
        # The phone modal's ticket field: '²' is not a number, a huge one is no ticket.
        for typed, expected in (("²", "ticketnummer"), (HUGE, "bestaat niet")):
            submission = view_submission_payload(
                "phone_call",
                "",
                {
                    "caller": {"caller": {"type": "plain_text_input", "value": "+31 10 222 3344"}},
                    "notes": {"notes": {"type": "plain_text_input", "value": "Export werkt niet"}},
                    "ticket": {"ticket": {"type": "plain_text_input", "value": typed}},
                },
                AGENT,
            )
            answer = rig.slack.view_submission(submission)
            assert answer.status == 200, answer.body
            errors = answer.json()["errors"]
            assert expected in errors["ticket"], errors
        # The reason modal's metadata is ours, but a broken one gets an answer, not a traceback.
        reason = view_submission_payload(
            "prio_reason",
            json.dumps({"ticket": "²", "priority": "laag"}),
            {"reason": {"reason": {"type": "plain_text_input", "value": "zomaar"}}},
            AGENT,
        )
        answer = rig.slack.view_submission(reason)
        assert answer.status == 200 and "errors" in answer.json()
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- item 11: the widget ----------------------------------------------------------------------


def widget_post(rig: SlackRig, submission: dict[str, object]) -> tuple[int, dict[str, object]]:
    body = json.dumps(submission, ensure_ascii=False).encode()
    stamp = int(rig.clock.now.timestamp())
    head = "\r\n".join(
        [
            "POST /widget HTTP/1.1",
            f"Host: {HOST}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in sign(body, WIDGET_SECRET, stamp).items()),
        ]
    )
    status, answer = raw_request(port_of(rig), head, body)
    return status, json.loads(answer)


INVISIBLE = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u200b \u200c\u200d\u2060\ufeff\n\t",  # joiners, word joiner, BOM, whitespace
    "\u3164\u115f\u2800",  # Hangul fillers, a blank Braille pattern
    "\u00ad\u034f\u180e",  # soft hyphen, grapheme joiner, Mongolian vowel separator
]


def test_widget_refuses_a_message_without_visible_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        for number, message in enumerate(INVISIBLE):
            submission = {"id": f"inv-{number}", "email": "a@zorggroepnoord.nl", "message": message}
            status, answer = widget_post(rig, submission)
            assert status == 400, (message, answer)
            assert "message" in str(answer["message"]) and "visible" in str(answer["message"])
        assert rig.store.count("tickets") == 0
        # Invisible characters around real words are fine.
        ok = {"id": "inv-ok", "email": "a@zorggroepnoord.nl", "message": "\u200bExport kapot"}
        assert widget_post(rig, ok)[0] == 202


def test_widget_acknowledges_only_addresses_of_known_organisations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        stranger = {"id": "w-x", "email": "slachtoffer@example.com", "message": EXPORT}
        status, answer = widget_post(rig, stranger)
        # The report is kept and answered in the widget, but no mail goes to a stranger.
        assert status == 202 and answer["ticket"] == 1
        assert sorted(row["kind"] for row in rig.store.outbox()) == ["slack"]
        assert answer["acknowledged"] is False
        known = {"id": "w-k", "email": "m.jansen@zorggroepnoord.nl", "message": EXPORT}
        status, answer = widget_post(rig, known)
        assert status == 202 and answer["ticket"] == 2
        assert sorted(row["kind"] for row in rig.store.outbox()) == ["email", "slack", "slack"]
        assert answer["acknowledged"] is True


# -- item 11: the listen backlog ---------------------------------------------------------------


def test_http_endpoint_holds_64_connections_while_busy() -> None:
    """64 clients connecting at the same moment all get in and get an answer.

    The endpoint listens before it serves, so every connection waits in the listen backlog,
    as they do when the accept loop is busy. With a backlog of 5 (socketserver's default) the
    kernel dropped the rest; a SYN is retried once here (TCP_SYNCNT), so a dropped connection
    fails the test (after about 3 s) instead of slipping in on a later retry.
    """
    endpoint = HttpEndpoint(None, None, None, clock=lambda: datetime.now(UTC))
    port = endpoint.listen(HOST, 0)
    clients: list[socket.socket] = []
    try:
        for _ in range(64):
            client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            clients.append(client)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 1)
            client.settimeout(30)
            client.connect((HOST, port))
        endpoint.start()
        for client in clients:
            client.sendall(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n")
        for client in clients:
            data = b""
            while chunk := client.recv(4096):
                data += chunk
            assert data.startswith(b"HTTP/1.0 200") and data.endswith(b'{"ok": true}')
    finally:
        for client in clients:
            client.close()
        endpoint.close()


def test_a_slack_message_without_visible_text_is_no_ticket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    """Only zero-width spaces in a support channel: kept in quarantine with the reason,
    never a ticket; a real message after it is one."""
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        for number, text in enumerate(INVISIBLE):
            event = rig.message(text, f"1795510800.00{number}500")
            assert rig.slack.event(event, f"EvInv{number}").status == 200
        wait_until(lambda: len(rig.store.quarantined()) == len(INVISIBLE), 20, "quarantine")
        assert all("no visible text" in q.reason for q in rig.store.quarantined())
        assert rig.store.count("tickets") == 0
        real = rig.message("\u200bDe export werkt niet", "1795510800.009900")
        assert rig.slack.event(real, "EvReal").status == 200
        wait_until(lambda: rig.store.count("tickets") == 1, 20, "the real message as a ticket")

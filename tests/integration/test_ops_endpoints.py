"""The operator's endpoints of `triage run`: GET /readyz and GET /metrics (issue 14).

Everything over real HTTP to the endpoint the service serves (app/http.py), with the fake
Slack Web API, a real dovecot for the mailbox and the real store; /metrics is read with
prometheus_client's own text parser, as Prometheus would.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.widget import sign
from app.bootstrap import Paths, load_setup
from app.instance import InstanceLease
from app.service import Service, utc_now
from bot.models import Channel, Report
from bot.store import Store
from tests.conftest import REPO
from tests.integration.email_helpers import Clock, mail, server_env
from tests.integration.http_helpers import Samples, get, scrape
from tests.integration.slack_helpers import (
    CUSTOMERS,
    TUESDAY_10,
    WIDGET_SECRET,
    SlackRig,
    running_slack,
    slack_env,
)
from tests.servers.dovecot import Dovecot
from tests.servers.slack_api import FakeSlackApi
from tests.servers.wait import wait_until

OUTAGE = "Het hele platform is onbereikbaar, niemand kan werken. We krijgen een 500 error."
EVALUATIES = (
    "De herinneringen voor de evaluaties worden sinds gisteren niet meer verstuurd. "
    "Medewerkers kunnen de evaluatie wel gewoon invullen."
)
GUARANTEED = "f.elamrani@lindendaal.nl"  # gemeente-lindendaal: deadlines guaranteed by email


def readyz(base: str) -> tuple[int, dict[str, object]]:
    status, content_type, body = get(base, "/readyz")
    assert content_type.startswith("application/json")
    return status, json.loads(body)


def checks(answer: dict[str, object]) -> dict[str, bool]:
    found = answer["checks"]
    assert isinstance(found, dict)
    return {name: bool(check["ok"]) for name, check in found.items()}


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(
        value
        for (found, have), value in samples.items()
        if found == name and set(labels.items()) <= set(have)
    )


def slack_report(rig: SlackRig, text: str, ts: str, event_id: str) -> None:
    assert rig.slack.event(rig.message(text, ts), event_id).status == 200
    wait_until(lambda: rig.store.is_stored(f"slack:{CUSTOMERS}:{ts}"))


def widget_report(rig: SlackRig) -> int:
    body = json.dumps(
        {"id": "w-1", "email": "m.jansen@zorggroepnoord.nl", "message": EVALUATIES}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        **sign(body, WIDGET_SECRET, int(rig.clock.now.timestamp())),
    }
    request = urllib.request.Request(f"{rig.base}/widget", body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def test_metrics_count_reports_outbox_reminders_breaches_and_rule_reloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    with running_slack(tmp_path, monkeypatch, slack_api, rules_dir=rules) as rig:
        before = scrape(rig.base)
        assert total(before, "triage_reports_total") == 0
        assert before[("triage_outbox_depth", (("kind", "slack"),))] == 0
        assert before[("triage_outbox_oldest_unsent_seconds", (("kind", "slack"),))] == 0
        assert before[("triage_sla_breaches_total", ())] == 0

        slack_report(rig, OUTAGE, "1795510800.000100", "Ev1")
        slack_report(rig, OUTAGE, "1795510800.000100", "Ev2")  # the same message again
        assert widget_report(rig) == 202
        samples = scrape(rig.base)
        assert total(samples, "triage_reports_total", channel="slack") == 2
        assert total(samples, "triage_reports_total", channel="slack", outcome="duplicate") == 1
        assert total(samples, "triage_reports_total", channel="widget") == 1
        # Two triage posts wait (nobody delivered yet); the acknowledgement email is not
        # counted: this bot has no SMTP, so email is no transport of its outbox.
        assert samples[("triage_outbox_depth", (("kind", "slack"),))] >= 2
        assert ("triage_outbox_depth", (("kind", "email"),)) not in samples

        # Undelivered for a quarter of an hour: the oldest message's age says so.
        rig.clock.advance(minutes=15)
        waited = scrape(rig.base)[("triage_outbox_oldest_unsent_seconds", (("kind", "slack"),))]
        assert waited == 15 * 60
        rig.deliver()
        assert scrape(rig.base)[("triage_outbox_oldest_unsent_seconds", (("kind", "slack"),))] == 0

        # A ticket with guaranteed deadlines, left alone for three days: its breach reminders.
        report = Report(
            channel=Channel.EMAIL,
            received_at=rig.clock.now,
            sender=GUARANTEED,
            subject="Herinneringen komen niet aan",
            body=EVALUATIES,
            source_key="<evaluaties@test>",
        )
        assert rig.service.desk.open_ticket(report, rig.clock.now).created
        rig.clock.advance(days=3)
        for _ in range(2):
            rig.service.plan()
            rig.deliver()
        samples = scrape(rig.base)
        breaches = samples[("triage_sla_breaches_total", ())]
        assert breaches >= 1
        assert samples[("triage_reminders_sent_total", (("kind", "breach"),))] == breaches
        assert total(samples, "triage_reminders_sent_total") > breaches  # the warnings before

        # Rule edits: one that changes nothing the rules do, one that is refused.
        target = rules / "70-beslistabel.yaml"
        original = target.read_text(encoding="utf-8")
        target.write_text(original + "\n# a comment\n", encoding="utf-8")
        assert rig.service.check_rules() is not None
        broken = original.replace(
            "decisions:", "decisions:\n  - name: kapot\n    when: {}\n    then: {}\n", 1
        )
        target.write_text(broken, encoding="utf-8")
        assert rig.service.check_rules() is not None
        samples = scrape(rig.base)
        assert samples[("triage_rule_reloads_total", (("outcome", "unchanged"),))] == 1
        assert samples[("triage_rule_reloads_total", (("outcome", "refused"),))] == 1
        assert ("triage_rule_reloads_total", (("outcome", "reloaded"),)) not in samples


def test_readyz_says_when_the_outbox_is_stuck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        status, answer = readyz(rig.base)
        assert status == 200 and answer["ready"] is True and answer["role"] == "active"
        # No IMAP configured: not checked. Slack over HTTP: ready while the endpoint serves.
        assert checks(answer) == {"lease": True, "slack": True, "store": True, "outbox": True}

        slack_report(rig, OUTAGE, "1795510800.000100", "Ev1")
        rig.clock.advance(minutes=9)
        assert readyz(rig.base)[0] == 200  # waiting a little is not being stuck
        rig.clock.advance(minutes=2)
        status, answer = readyz(rig.base)
        assert status == 503 and answer["ready"] is False
        assert checks(answer)["outbox"] is False
        assert "slack: een bericht wacht al 11 min" in json.dumps(answer, ensure_ascii=False)

        rig.deliver()
        assert readyz(rig.base)[0] == 200


def test_readyz_tells_a_standby_from_the_active_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    slack_env(monkeypatch, slack_api)
    paths = Paths(REPO / "config", REPO / "rules", tmp_path / "triage.db")
    clock = Clock(TUESDAY_10)
    with Store(paths.db) as store:
        other = InstanceLease(store, clock, timedelta(seconds=30), host="andere-server", pid=1)
        assert other.try_acquire() is None  # another instance is active
        lease = InstanceLease(store, clock, timedelta(seconds=30))
        service = Service(load_setup(paths), paths, store, clock, lease=lease)
        port = service.start_slack()
        base = f"http://127.0.0.1:{port}"
        try:
            assert lease.try_acquire() is not None
            status, answer = readyz(base)
            assert status == 503 and answer["role"] == "standby"
            assert checks(answer)["lease"] is False

            other.release()
            assert lease.try_acquire() is None
            status, answer = readyz(base)
            assert status == 200 and answer["role"] == "active"
            assert lease.holder in json.dumps(answer["checks"])

            clock.advance(seconds=31)  # not renewed: it may have expired, so not ours
            status, answer = readyz(base)
            assert status == 503 and answer["role"] == "standby"
        finally:
            service.stop_slack()


def test_readyz_in_socket_mode_checks_the_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi, slack_socket: object
) -> None:
    from tests.servers.slack_socket import FakeSocketModeServer

    assert isinstance(slack_socket, FakeSocketModeServer)
    with running_slack(tmp_path, monkeypatch, slack_api, mode="socket") as rig:
        slack_socket.wait_connected(timeout=10)
        wait_until(lambda: readyz(rig.base)[0] == 200, 10, "/readyz 200 once connected")
        _status, answer = readyz(rig.base)
        assert checks(answer)["slack"] is True
        assert "verbonden" in json.dumps(answer["checks"], ensure_ascii=False)

        slack_socket.stop()  # Slack's end goes away: the client is not connected
        wait_until(lambda: readyz(rig.base)[0] == 503, 30, "/readyz 503 without the socket")
        status, answer = readyz(rig.base)
        assert status == 503 and answer["ready"] is False
        assert checks(answer) == {"lease": True, "slack": False, "store": True, "outbox": True}
        assert "Socket Mode is niet verbonden" in json.dumps(answer, ensure_ascii=False)


def test_readyz_follows_the_mailbox_login_and_metrics_time_email_intake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    """A mailbox-only bot (no Slack, no widget) serves the endpoints on run.http_port."""
    server_env(monkeypatch, dovecot.host, dovecot.port, dovecot.user, dovecot.password, None)
    monkeypatch.setenv("TRIAGE_RUN__HTTP_PORT", "0")
    paths = Paths(REPO / "config", REPO / "rules", tmp_path / "triage.db")
    with Store(paths.db) as store:
        service = Service(load_setup(paths), paths, store, utc_now)
        assert service.imap is not None
        port = service.start_slack()
        base = f"http://127.0.0.1:{port}"
        imap = threading.Thread(target=service.imap.run, name="imap", daemon=True)
        try:
            status, answer = readyz(base)
            assert status == 503 and checks(answer)["imap"] is False  # not logged in yet
            imap.start()
            wait_until(lambda: readyz(base)[0] == 200, 30, "/readyz 200 once logged in")
            assert checks(readyz(base)[1])["imap"] is True

            dovecot.append(mail("Export", EVALUATIES))
            wait_until(
                lambda: total(scrape(base), "triage_reports_total", channel="email") == 1,
                30,
                "the mail counted",
            )
            samples = scrape(base)
            assert total(samples, "triage_reports_total", channel="email", outcome="ticket") == 1
            latency = (("channel", "email"),)
            assert samples[("triage_intake_latency_seconds_count", latency)] == 1

            dovecot.stop()
            wait_until(lambda: readyz(base)[0] == 503, 30, "/readyz 503 with dovecot down")
            status, answer = readyz(base)
            assert checks(answer) == {"lease": True, "imap": False, "store": True, "outbox": True}
            assert "niet ingelogd" in json.dumps(answer, ensure_ascii=False)

            dovecot.start()
            wait_until(lambda: readyz(base)[0] == 200, 90, "/readyz 200 after reconnecting")
        finally:
            service.stop()
            imap.join(timeout=30)
            service.stop_slack()


def test_metrics_count_phone_calls_once_however_often_their_log_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    monkeypatch.setenv("TRIAGE_PHONE__WATCH_DIR", str(folder))
    monkeypatch.setenv("TRIAGE_PHONE__FORMAT", "nl-csv")
    log = folder / "vandaag.csv"
    header = "Beller;Gebeld nummer;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID\n"
    first = "040-7654321;030-7600290;24-11-2026 10:00;0:01:00;ja;Sanne;Vraag;NL-1\n"
    log.write_text(header + first, encoding="utf-8")
    with running_slack(tmp_path, monkeypatch, slack_api) as rig:
        assert rig.service.check_phone_dir() == 1
        with log.open("a", encoding="utf-8") as handle:  # the log grows by one call
            handle.write("040-7654321;030-7600290;24-11-2026 11:00;0:01:00;ja;Sanne;Vraag;NL-2\n")
        assert rig.service.check_phone_dir() == 1
        assert total(scrape(rig.base), "triage_reports_total", channel="phone") == 2

"""The support mailbox end to end: real dovecot in, real SMTP out, SQLite in between."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.email.imap import ImapRunner
from bot.errors import ConfigError, ConnectionLost
from tests.integration.email_helpers import Clock, mail, make_service
from tests.servers.dovecot import Dovecot
from tests.servers.proxy import DroppingProxy
from tests.servers.smtp import SmtpSink
from tests.servers.wait import wait_until

INTERNAL = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tue 14:00 in Amsterdam


def test_new_report_reply_and_auto_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink)
    # The Date header says Monday; the server received it Tuesday 14:00: that is what counts.
    dovecot.append(
        mail(
            "Export werkt niet",
            "De export naar Excel geeft een foutmelding.",
            message_id="<m1@zorggroepnoord.nl>",
            date=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        ),
        internal_date=INTERNAL,
    )
    summary = service.run_once()
    assert summary.outcomes == {"ticket": 1}
    [ticket] = store.tickets()
    assert ticket.received_at == INTERNAL
    assert ticket.organisation == "zorggroep-noord"
    assert ticket.category == "storing" and ticket.exempt
    [ack] = smtp_sink.wait_for(1)
    assert ack.rcpt_tos == ["a.devries@zorggroepnoord.nl"]
    assert ack.message["Subject"] == f"[#{ticket.id}] Export werkt niet"
    assert ack.message["In-Reply-To"] == "<m1@zorggroepnoord.nl>"
    text = " ".join(ack.message.get_content().split())  # lines are wrapped at 76 characters
    assert "We streven ernaar uiterlijk op woensdag 25 november 2026 om 14:00" in text
    assert "artikel 4.D" in text
    assert all("\\Seen" in flags for flags in dovecot.flags_of_all().values())

    # The customer answers the acknowledgement (threading by In-Reply-To, no tag) ...
    dovecot.append(
        mail(
            "Re: bedankt",
            "Het gaat om het tabblad Doelen.",
            message_id="<m2@zorggroepnoord.nl>",
            headers={"In-Reply-To": ack.message["Message-ID"]},
        )
    )
    # ... someone else answers with only the tag in the subject ...
    dovecot.append(
        mail(
            f"Re: [#{ticket.id}] Export werkt niet",
            "Bij mij ook.",
            sender="p.bakker@zorggroepnoord.nl",
            message_id="<m3@x>",
        )
    )
    # ... and an out-of-office answers our acknowledgement: recorded, never answered.
    dovecot.append(
        mail(
            f"Automatisch antwoord: [#{ticket.id}] Export werkt niet",
            "Ik ben afwezig tot maandag.",
            message_id="<m4@x>",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack.message["Message-ID"]},
        )
    )
    summary = service.run_once()
    assert summary.outcomes == {"ticket": 1, "reply": 2, "auto_reply": 1}
    assert len(store.tickets()) == 1
    events = store.events(ticket.id)
    assert [e["kind"] for e in events] == ["created", "reply", "reply", "auto_reply"]
    assert events[1]["body"].startswith("Het gaat om het tabblad Doelen.")
    # run_once delivered the outbox and hung up: once the sink has no client, nothing more comes.
    assert len(smtp_sink.wait_idle()) == 1  # no acknowledgement for replies or auto-replies

    # Nothing new: nothing happens.
    before = dict(summary.outcomes)
    assert service.run_once().outcomes == before


def test_live_idle_delivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, idle_timeout="30")
    runner = threading.Thread(target=service.run)
    runner.start()
    try:
        wait_until(lambda: store.mailbox_state(service.imap.mailbox.name) is not None)  # type: ignore[union-attr]
        assert service.imap is not None and service.imap.mailbox.has_idle
        dovecot.append(
            mail(
                "Niemand kan inloggen",
                "Sinds vanochtend kan niemand inloggen.",
                message_id="<idle@x>",
            )
        )
        [ack] = smtp_sink.wait_for(1, timeout=10)
        assert "[#1]" in ack.message["Subject"]
    finally:
        service.stop()
        runner.join(timeout=20)
    assert not runner.is_alive()
    assert store.count("tickets") == 1


def test_a_stop_just_before_idle_still_ends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """`stop` can come between the runner's last look at it and the IDLE: its NOOP then ends
    nothing, and the IDLE must still end at once rather than after its 30 s (a clean-clone run
    of test_live_idle_delivery once waited that long to stop). The stop is made to land in
    exactly that gap; the real IDLE on the real server follows."""
    service, _store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, idle_timeout="30")
    runner = service.imap
    assert runner is not None
    real_idle = runner.mailbox.idle

    def stop_first(*args: Any) -> None:
        runner.stop()  # after the loop's last look, before the IDLE command
        real_idle(*args)

    runner.mailbox.idle = stop_first  # type: ignore[method-assign]
    thread = threading.Thread(target=runner.run)
    thread.start()
    thread.join(timeout=10)
    stopped = not thread.is_alive()
    runner.stop()
    thread.join(timeout=40)
    assert stopped


def test_uidvalidity_change_rescans_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink)
    dovecot.append_many(
        [
            mail(f"Melding {i}", f"De export werkt niet ({i})", message_id=f"<v{i}@x>")
            for i in range(3)
        ]
        + [mail("Zonder id", "Geen Message-ID, de export is kapot")]
    )
    service.run_once()
    old = dovecot.uidvalidity()
    new = dovecot.reset_uidvalidity()
    assert new != old
    dovecot.append(mail("Nieuw", "Na de reset: inloggen lukt niet", message_id="<v9@x>"))
    summary = service.run_once()
    assert store.count("tickets") == 5
    assert summary.outcomes["duplicate"] == 4
    assert store.mailbox_state(service.imap.mailbox.name)[0] == new  # type: ignore[union-attr,index]
    assert len(smtp_sink.wait_for(5)) == 5
    assert len(smtp_sink.wait_idle()) == 5  # and no sixth once the bot has hung up


def test_quarantine_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink)
    dovecot.append_many(
        [
            mail("Eerst", "De export werkt niet", message_id="<q1@x>"),
            b"\x00\x01\x02 not an email at all \xff\xfe",
            mail("Daarna", "Inloggen lukt niet", message_id="<q2@x>"),
        ]
    )
    summary = service.run_once()
    assert summary.outcomes == {"ticket": 2, "quarantined": 1}
    [item] = store.quarantined()
    assert item.source == "email" and "cannot parse" in item.reason
    # Quarantined messages are marked too, so they are not fetched forever.
    assert service.run_once().outcomes == summary.outcomes


def test_huge_message_is_stored_truncated_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    service, store = make_service(tmp_path, monkeypatch, dovecot, None, max_message_bytes="20000")
    body = "De export werkt niet. " + "x" * 100_000
    dovecot.append(mail("Groot", body, message_id="<huge@x>"))
    assert service.run_once().outcomes == {"ticket": 1}
    [ticket] = store.tickets()
    stored = store.report_of(ticket.id)
    assert len(stored.body) < 25_000
    assert any("over the limit" in note for note in stored.notes)
    assert ticket.category == "storing"


def test_smtp_temporary_failure_is_retried_and_sent_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    clock = Clock()
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, clock)
    smtp_sink.fail_next(1)
    dovecot.append(mail("Export", "De export werkt niet", message_id="<r1@x>"))
    service.run_once()
    [row] = store.outbox()
    assert row["status"] == "pending" and row["attempts"] == 1 and "451" in row["last_error"]
    assert service.deliver() == 0  # not due yet
    clock.advance(seconds=31)
    assert service.deliver() == 1
    assert service.deliver() == 0
    assert len(smtp_sink.wait_for(1)) == 1
    assert store.outbox()[0]["status"] == "sent"


def test_login_failure_is_clear_and_never_shows_the_password(dovecot: Dovecot) -> None:
    from bot.settings import ImapSettings

    settings = ImapSettings(
        host=dovecot.host,
        port=dovecot.port,
        username=dovecot.user,
        password="wrong-secret",
        tls=False,
    )  # type: ignore[arg-type]
    runner = ImapRunner(settings, lambda *a: None, _MemoryState())
    with pytest.raises(ConnectionLost) as caught:
        runner.run_once()
    assert "login refused" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)


class _MemoryState:
    def __init__(self) -> None:
        self.values: dict[str, tuple[int, int]] = {}

    def get(self, mailbox: str) -> tuple[int, int] | None:
        return self.values.get(mailbox)

    def set(self, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        self.values[mailbox] = (uidvalidity, last_uid)


def test_connection_dropped_mid_fetch_reconnects_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    proxy = DroppingProxy(dovecot.host, dovecot.port)
    try:
        service, store = make_service(
            tmp_path,
            monkeypatch,
            dovecot,
            None,
            port=proxy.port,
            idle_timeout="30",
            fetch_batch="5",
        )
        dovecot.append_many(
            [
                mail(f"Melding {i}", f"Inloggen lukt niet ({i})", message_id=f"<d{i}@x>")
                for i in range(12)
            ]
        )
        proxy.drop_when_server_sends(b"BODY[] {")
        runner = threading.Thread(target=service.run)
        runner.start()
        try:
            assert proxy.dropped.wait(10)
            wait_until(lambda: store.count("tickets") == 12, timeout=20)
        finally:
            service.stop()
            runner.join(timeout=20)
        assert proxy.drops == 1
        assert store.count("reports") == 12
    finally:
        proxy.close()


def test_no_mailbox_configured_says_what_to_configure(tmp_path: Path) -> None:
    from app.bootstrap import Paths, load_setup
    from app.service import Service
    from bot.store import Store
    from tests.conftest import REPO

    paths = Paths(REPO / "config", REPO / "rules", tmp_path / "t.db")
    with Store(paths.db) as store, pytest.raises(ConfigError) as caught:
        Service(load_setup(paths), paths, store)
    assert "TRIAGE_IMAP__HOST" in str(caught.value)


def test_polling_when_idle_is_off_and_server_restart_is_survived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    service, store = make_service(
        tmp_path, monkeypatch, dovecot, smtp_sink, idle="false", poll_interval="0.2"
    )
    runner = threading.Thread(target=service.run)
    runner.start()
    try:
        dovecot.append(mail("Eerste", "De export werkt niet", message_id="<p1@x>"))
        wait_until(lambda: store.count("tickets") == 1)
        assert service.imap is not None and not service.imap.mailbox.has_idle
        dovecot.restart()  # the connection drops; the runner reconnects with backoff
        dovecot.append(mail("Tweede", "Inloggen lukt niet", message_id="<p2@x>"))
        wait_until(lambda: store.count("tickets") == 2, timeout=20)
        smtp_sink.wait_for(2)
    finally:
        service.stop()
        runner.join(timeout=20)
    assert not runner.is_alive()
    assert store.count("reports") == 2


@pytest.mark.parametrize("mark", ["keyword:$Triaged", "move:Verwerkt"])
def test_mark_with_a_keyword_or_by_moving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, mark: str
) -> None:
    if mark.startswith("move:"):
        dovecot.create_folder("Verwerkt")
    service, store = make_service(tmp_path, monkeypatch, dovecot, None, mark=mark)
    dovecot.append_many(
        [mail(f"M{i}", "De export werkt niet", message_id=f"<k{i}@x>") for i in range(3)]
    )
    assert service.run_once().outcomes == {"ticket": 3}
    if mark.startswith("keyword:"):
        flags = dovecot.flags_of_all()
        assert all("$Triaged" in f and "\\Seen" not in f for f in flags.values())
    else:
        assert dovecot.count("INBOX") == 0
        assert dovecot.count("Verwerkt") == 3
    assert service.run_once().outcomes == {"ticket": 3}
    assert store.count("tickets") == 3


def test_smtp_permanent_failure_is_marked_failed_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    clock = Clock()
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, clock)
    smtp_sink.fail_next(1, code=554)
    dovecot.append(mail("Export", "De export werkt niet", message_id="<f1@x>"))
    service.run_once()
    [row] = store.outbox()
    assert row["status"] == "failed" and "554" in row["last_error"]
    clock.advance(hours=2)
    assert service.deliver() == 0
    assert smtp_sink.messages == []


def test_smtp_server_down_keeps_the_acknowledgement_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    clock = Clock()
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, clock)
    smtp_sink.stop()
    dovecot.append(mail("Export", "De export werkt niet", message_id="<down@x>"))
    service.run_once()
    assert store.count("tickets") == 1  # the ticket does not wait for SMTP
    [row] = store.outbox()
    assert row["status"] == "pending" and row["attempts"] == 1
    smtp_sink.start()
    clock.advance(minutes=1)
    assert service.deliver() == 1
    assert len(smtp_sink.wait_for(1)) == 1


def test_a_message_that_cannot_be_built_does_not_block_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """Before the fix a CR/LF in a header raised ValueError in every round, and every
    acknowledgement behind that row stayed pending for good."""
    from bot.store import OutboxItem

    clock = Clock()
    service, store = make_service(tmp_path, monkeypatch, dovecot, smtp_sink, clock)
    bad = {
        "from": "support@dialog.nl",
        "to": "a@b.nl",
        "subject": "x",
        "body": "x",
        "message_id": "<bad@x>",
        "in_reply_to": "<a\r\nb@x>",
        "references": [],
    }
    store.enqueue(OutboxItem("email", "bad", bad), clock() - timedelta(seconds=1))
    dovecot.append(mail("Export", "De export werkt niet", message_id="<after-bad@x>"))
    service.run_once()
    rows = {r["dedupe_key"]: r for r in store.outbox()}
    assert rows["bad"]["status"] == "failed"
    assert "cannot be built" in rows["bad"]["last_error"]
    assert rows["ack:1"]["status"] == "sent"
    assert len(smtp_sink.wait_for(1)) == 1


class _BrokenTriage:
    """An injected pipeline that fails like a bug would (the safety net is under test)."""

    def __init__(self, real: object) -> None:
        self.calendar = real.calendar  # type: ignore[attr-defined]

    def decide(self, report: object) -> object:
        raise RuntimeError("boom")


def test_an_unexpected_error_quarantines_the_message_and_the_bot_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    service, store = make_service(tmp_path, monkeypatch, dovecot, None)
    # The desk decides for every intake (Desk.open_ticket): break the triage it uses.
    real = service.intake.desk.triage
    service.intake.desk.triage = _BrokenTriage(real)  # type: ignore[assignment]
    dovecot.append(mail("Eerst", "De export werkt niet", message_id="<boom@x>"))
    assert service.run_once().outcomes == {"quarantined": 1}
    [item] = store.quarantined()
    assert item.reason == "internal error: RuntimeError: boom"
    service.intake.desk.triage = real
    dovecot.append(mail("Daarna", "Inloggen lukt niet", message_id="<ok@x>"))
    assert service.run_once().outcomes == {"quarantined": 1, "ticket": 1}


def test_rules_edits_are_picked_up_while_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: Dovecot
) -> None:
    import shutil

    from app.bootstrap import Paths, load_setup
    from app.service import Service
    from bot.store import Store
    from tests.conftest import REPO

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    make_service(tmp_path / "env", monkeypatch, dovecot, None)  # sets the TRIAGE_IMAP__* env
    paths = Paths(REPO / "config", rules, tmp_path / "t.db")
    with Store(paths.db) as store:
        service = Service(load_setup(paths), paths, store)
        engine = service.setup.triage.engine
        first = engine.rule_set.version
        assert service.check_rules() is None  # nothing changed

        extra = rules / "90-extra.yaml"
        extra.write_text(
            "rules:\n  - name: extra\n    description: d\n"
            "    when: {text: {any: [zebra]}}\n    then: {category: wens}\n",
            encoding="utf-8",
        )
        result = service.check_rules()
        assert result is not None and result.loaded and result.changes.added == ("extra",)
        assert engine.rule_set.version != first
        assert service.setup.triage.decide(mail_report("een zebra graag")).category.value == "wens"

        good = engine.rule_set.version
        extra.write_text(
            "rules:\n  - name: extra\n    description: d\n    then: {priority: urgent}\n",
            encoding="utf-8",
        )
        result = service.check_rules()
        assert result is not None and not result.loaded
        assert "90-extra.yaml:4: onbekende prioriteit 'urgent'" in str(result.problems[0])
        assert engine.rule_set.version == good  # the previous rules stay active


def mail_report(body: str):  # type: ignore[no-untyped-def]
    from bot.models import Channel, Report

    return Report(channel=Channel.EMAIL, received_at=INTERNAL, body=body)

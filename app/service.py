"""`triage run`: every configured adapter feeding the one pipeline, plus the outbox sender.

Threads: the IMAP runner, the Slack app (Socket Mode connection or the HTTP endpoint, which
also serves the widget), the outbox sender, the reminder planner and the rules watcher.
Stopping (SIGTERM/SIGINT) lets each adapter finish the report in hand, then joins them.

It works the store only while it holds the store's lease (app/instance.py). A store that
cannot be written stops intake (mail stays on the server) and delivery (nothing is sent
that cannot be recorded): /healthz says so, the team is told once, and both resume by
themselves when the store takes writes again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from slack_sdk import WebClient

from adapters.email.ack import (
    AckSender,
    AckTemplates,
    acknowledgement,
    load_ack_templates,
    should_acknowledge,
)
from adapters.email.imap import ImapRunner
from adapters.email.intake import EmailIntake, IntakeResult
from adapters.email.smtp import SmtpTransport
from adapters.phone.intake import ImportSummary, PhoneIntake
from adapters.phone.watcher import CallLogWatcher
from adapters.slack.app import SlackBot
from adapters.slack.intake import SlackIntake
from adapters.slack.socket import connect_socket_mode
from adapters.slack.transport import SlackTransport
from adapters.widget import WidgetConfig
from app.bootstrap import Paths, Setup
from app.commands.report import monthly_message
from app.health import Alerts, Health
from app.http import MAX_READ, HttpEndpoint
from app.instance import InstanceLease, holder_gone
from app.metrics import Metrics
from app.model_watch import ModelCheck, ModelWatcher
from app.readiness import Readiness, slack_problem
from app.render.text import describe_import
from app.rules_watch import RulesWatcher
from bot.clock import Clock
from bot.desk import Desk
from bot.engine.reload import ReloadResult
from bot.errors import ConfigError, ConnectionLost, StoreError
from bot.intents import SLACK, PhoneImportSummary, to_payload
from bot.models import Decision, Report
from bot.outbox import OutboxWorker, Transport
from bot.store import OutboxItem, Store

log = logging.getLogger("triage.run")


def utc_now() -> datetime:
    return datetime.now(UTC)


NOTHING_CONFIGURED = (
    "niets te doen: er is geen enkele bron ingesteld. Stel de support-mailbox in in "
    "config/settings.yaml (sectie imap: host, username; eventueel port, folder, tls) en zet "
    "het wachtwoord in de omgeving als TRIAGE_IMAP__PASSWORD (of in een .env die git "
    "negeert); of zet TRIAGE_IMAP__HOST, TRIAGE_IMAP__USERNAME en TRIAGE_IMAP__PASSWORD. "
    "Ontvangstbevestigingen hebben de sectie smtp nodig (TRIAGE_SMTP__HOST, ...). Voor "
    "Slack: sectie slack (team_channel, support_channels) met TRIAGE_SLACK__BOT_TOKEN en "
    "TRIAGE_SLACK__APP_TOKEN (Socket Mode) in de omgeving. Voor belgegevens: phone.watch_dir "
    "(TRIAGE_PHONE__WATCH_DIR), de map waarin de telefooncentrale zijn logs schrijft."
)
# How often the planner writes upcoming reminders and the next digest into the outbox.
PLAN_INTERVAL = 60.0


def _widget_config(settings: object) -> WidgetConfig:
    from bot.settings import WidgetSettings

    assert isinstance(settings, WidgetSettings)
    return WidgetConfig(
        secret=settings.secret,
        allow_token=settings.allow_token,
        max_bytes=settings.max_bytes,
        tolerance_seconds=settings.tolerance_seconds,
    )


class _StoreMailboxState:
    """The IMAP runner's progress, kept in the store."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def get(self, mailbox: str) -> tuple[int, int] | None:
        return self.store.mailbox_state(mailbox)

    def set(self, mailbox: str, uidvalidity: int, last_uid: int) -> None:
        self.store.set_mailbox_state(mailbox, uidvalidity, last_uid, self.clock())


@dataclass
class RunSummary:
    """Counts of what a run did (for --once and the tests)."""

    outcomes: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    notices: list[str] = field(default_factory=list)  # what the operator should know

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class Service:
    """The long-running bot."""

    def __init__(
        self,
        setup: Setup,
        paths: Paths,
        store: Store,
        clock: Clock = utc_now,
        rules_poll: float = 2.0,
        lease: InstanceLease | None = None,
        since: date | None = None,
    ) -> None:
        self.setup, self.store, self.clock = setup, store, clock
        self.lease = lease
        self.health = Health()
        self.metrics = Metrics(store, clock, lambda: tuple(self.outbox.transports))
        self.paths, self.rules_poll = paths, rules_poll
        settings = setup.settings
        self.summary = RunSummary()
        self._stop = threading.Event()
        self._outbox_wake = threading.Event()
        self.desk = Desk(
            setup.triage,
            store,
            policy=lambda: setup.triage.engine.rule_set.reminders,
            slack=settings.slack is not None,
            reports=settings.reports,
        )
        smtp = settings.smtp
        self.ack_sender = AckSender(
            from_address=smtp.from_address if smtp else settings.helpdesk.email,
            from_name=smtp.from_name if smtp else "Dialog Support",
            helpdesk_phone=settings.helpdesk.phone,
            helpdesk_email=settings.helpdesk.email,
        )
        self.ack_templates: AckTemplates = load_ack_templates(paths.config_dir)
        transports: dict[str, Transport] = {}
        if smtp is not None:
            transports["email"] = SmtpTransport(smtp)
        self.imap: ImapRunner | None = None
        if settings.imap is not None:
            self.intake = EmailIntake(
                setup.triage,
                store,
                self.ack_templates,
                self.ack_sender,
                desk=self.desk,
                ack_max_age=timedelta(hours=settings.imap.ack_max_age_hours),
            )
            self.imap = ImapRunner(
                settings.imap, self._handle_email, _StoreMailboxState(store, clock), since=since
            )
        hoog_mention = settings.slack.hoog_mention if settings.slack else "<!here>"
        self.phone = PhoneIntake(self.desk, hoog_mention)
        self.phone_dir = settings.phone.watch_dir
        self.phone_watcher: CallLogWatcher | None = None
        if self.phone_dir is not None:  # a bad format or mapping file fails here, at start
            self.phone_watcher = CallLogWatcher(
                self.phone_dir, self.phone, settings.phone.format, settings.phone.mapping_file
            )
        self.slack: SlackBot | None = None
        self.http: HttpEndpoint | None = None
        self.slack_intake: SlackIntake | None = None
        self._socket: object | None = None
        if settings.slack is not None:
            missing = settings.slack.missing()
            if missing:
                raise ConfigError(
                    f"de sectie slack is ingesteld (mode {settings.slack.mode}), maar "
                    f"{', '.join(missing)} ontbreekt: zet het in de omgeving of in een .env "
                    "die git negeert"
                )
            self.slack_client = WebClient(
                token=settings.slack.bot_token.get_secret_value(),
                base_url=settings.slack.api_base_url,
                timeout=30,
            )
            transports[SLACK] = SlackTransport(
                self.slack_client,
                self.desk,
                store,
                settings.slack.team_channel,
                monthly=monthly_message,
                helpdesk_phone=settings.helpdesk.phone,
            )
            self.slack_intake = SlackIntake(
                self.desk,
                settings.slack.support_channels,
                settings.slack.widget_bot_ids,
                settings.helpdesk,
                email_ack=self._email_ack,
            )
            self.slack = SlackBot(
                settings.slack,
                self.desk,
                self.slack_intake,
                self.slack_client,
                clock,
                wake=self._outbox_wake.set,
                phone=self.phone.from_modal,
                observe=self.metrics.report,
            )
            if not (settings.slack.support_usergroup or settings.slack.support_members_channel):
                log.warning(
                    "slack: no support_usergroup or support_members_channel configured: "
                    "everyone in the workspace may read and change tickets"
                )
        if settings.widget is not None:
            if not settings.widget.secret.get_secret_value():
                raise ConfigError(
                    "de sectie widget is ingesteld, maar TRIAGE_WIDGET__SECRET ontbreekt"
                )
            if self.slack_intake is None:
                raise ConfigError("de widget heeft de sectie slack nodig (het teamkanaal)")
        self.rules = RulesWatcher(
            setup, paths, store, clock, announce=self.slack is not None, wake=self._outbox_wake.set
        )
        self.model_watch = ModelWatcher(
            setup, paths, store, clock, announce=self.slack is not None, wake=self._outbox_wake.set
        )
        self.readiness = Readiness(
            store,
            clock,
            self.health,
            lambda: tuple(self.outbox.transports),
            lease,
            (lambda: self.imap is not None and self.imap.mailbox.logged_in) if self.imap else None,
            (lambda: slack_problem(self._socket, self.http)) if self.slack else None,
        )
        http_mode = settings.slack is not None and settings.slack.mode == "http"
        if http_mode or settings.widget is not None or settings.run.http_port is not None:
            slack_http = settings.slack if http_mode else None
            self.http = HttpEndpoint(
                self.slack.app if self.slack and http_mode else None,
                self.slack_intake,
                _widget_config(settings.widget) if settings.widget else None,
                clock,
                wake=self._outbox_wake.set,
                signing_secret=slack_http.signing_secret.get_secret_value() if slack_http else "",
                max_slack_bytes=slack_http.max_request_bytes if slack_http else MAX_READ,
                health=self.health.report,
                ready=self.readiness.report,
                metrics=self.metrics.exposition,
                observe=self.metrics.report,
                active=self._active,
            )
        self.outbox = OutboxWorker(
            store, transports, active=self._active, holder=lease.holder if lease else ""
        )
        self.alerts = Alerts(
            self.health,
            store,
            clock,
            self._outbox_wake.set,
            self._post_now if self.slack is not None else None,
        )
        if self.imap is None and self.slack is None and self.phone_dir is None:
            raise ConfigError(NOTHING_CONFIGURED)
        if settings.smtp is None:
            log.warning(
                "no smtp section: acknowledgements wait in the outbox until it is "
                "configured (TRIAGE_SMTP__HOST, ...)"
            )

    def _email_ack(self, ticket_id: int, report: Report, decision: Decision) -> list[OutboxItem]:
        """The acknowledgement email for a widget report (the reporter gave an address)."""
        if not should_acknowledge(report, self.ack_sender):
            return []
        tz = self.setup.triage.calendar.tz
        return [
            acknowledgement(ticket_id, report, decision, self.ack_templates, self.ack_sender, tz)
        ]

    def _post_now(self, text: str) -> None:
        """Post to the team channel directly, not through the store (which may be failing)."""
        settings = self.setup.settings.slack
        assert settings is not None
        self.slack_client.chat_postMessage(channel=settings.team_channel, text=text)

    def _active(self) -> bool:
        """May this instance work the store now (it holds the lease)?"""
        return self.lease is None or self.lease.valid()

    def _handle_email(self, raw: bytes, received_at: datetime, notes: tuple[str, ...]) -> object:
        if not self._active():
            raise ConnectionLost("this instance no longer holds the store's lease")
        now = self.clock()
        try:
            result = self.intake.process(raw, received_at, now, notes)
        except StoreError as exc:
            # Not the message's fault: it stays on the server, unmarked, and is handed over
            # again when the store takes writes (the runner reconnects with backoff).
            self.alerts.store_failed(exc)
            raise ConnectionLost(f"the store cannot take the message now: {exc}") from exc
        except Exception as exc:
            # A bug or a refused write must not stop the mailbox: keep the message with the
            # reason, and go on. (If even that write fails, the runner reconnects and retries.)
            log.exception("email could not be processed; quarantined")
            result = self.intake.quarantine_error(raw, exc, now)
        self._log(result, received_at, now)
        latency = (now - received_at).total_seconds()
        self.metrics.report("email", result.outcome.value, latency)
        self.summary.count(result.outcome.value)
        self._outbox_wake.set()
        return result

    def _log(self, result: IntakeResult, received_at: datetime, now: datetime) -> None:
        latency = (now - received_at).total_seconds()
        decision = result.decision
        log.info(
            "report channel=email outcome=%s ticket=%s priority=%s category=%s exempt=%s "
            "latency_s=%.3f%s",
            result.outcome.value,
            result.ticket_id if result.ticket_id is not None else "-",
            decision.priority.value if decision else "-",
            decision.category.value if decision else "-",
            str(decision.exempt).lower() if decision else "-",
            latency,
            f" reason={result.reason!r}" if result.reason else "",
        )

    def deliver(self, batch: int = 100) -> int:
        """Send everything that is due now, in rounds of `batch`, and the App Home refreshes
        held back by their rate limit; returns how many outbox messages were sent."""
        if self.slack is not None:
            self.slack.refresh_waiting_homes()
        sent = 0
        while self._active():
            try:
                delivery = self.outbox.deliver_due(self.clock(), batch)
            except StoreError as exc:
                self.alerts.store_failed(exc)
                break
            self.alerts.store_ok()
            sent += delivery.sent
            for outbox_id, key, error in delivery.failures:
                self.alerts.alert(
                    f"alert:outbox-failed:{outbox_id}",
                    f":warning: Bericht {outbox_id} ({key}) kon niet worden verstuurd: {error}. "
                    f"Opnieuw proberen: `triage outbox retry {outbox_id}`.",
                )
            if delivery.sent + delivery.retried + delivery.failed < batch:
                break
        self.alerts.watch_paused(self.outbox.paused, self.outbox.transports)
        self.summary.sent += sent
        return sent

    def take_over(self) -> None:
        """Just became the store's active instance: messages the one before claimed come due
        when its claim ends (bot/outbox.py CLAIM, a minute), unless it records them as sent
        first: it may only have lost its lease while the database was away, and still be
        there to say what it sent. One that crashed may have sent one and not recorded it."""
        if self.lease is None:
            return
        now = self.clock()
        for claimer, count in self.store.foreign_claims(self.lease.holder, now).items():
            if holder_gone(claimer, self.lease.host):  # its process on this host is gone
                self.store.release_claims(claimer, now)
                when = "now"
            else:
                when = "when its claim ends, unless it records them as sent"
            log.warning(
                "the previous instance (%s) had claimed %d outgoing message(s): they go out "
                "%s; one may reach its recipient twice (same Message-ID)",
                claimer,
                count,
                when,
            )

    def run_once(self) -> RunSummary:
        """Process what is waiting in every adapter, plan reminders, deliver the outbox."""
        self.take_over()
        if self.imap is not None:
            self.imap.run_once()
            self.summary.notices.extend(self.imap.notices)
        self.check_phone_dir()
        self.plan()
        self.deliver()
        return self.summary

    def plan(self) -> int:
        """Write upcoming reminders and the next digest into the outbox (idempotent)."""
        return self.desk.plan(self.clock())

    def check_phone_dir(self) -> int:
        """Import call logs in the watched folder that are new or changed; calls imported.

        A file is read again whenever its size or modification time changes (a log that
        grew): the calls already stored are skipped by their call id (see CallLogWatcher).
        """
        if self.phone_watcher is None:
            return 0
        imported = 0
        for summary in self.phone_watcher.check(self.clock):
            self._show_import(summary)
            imported += len(summary.outcomes) - summary.count("duplicate")
            for outcome in summary.outcomes:
                if outcome.outcome != "duplicate":  # a log read again repeats its old calls
                    self.summary.count(f"phone_{outcome.outcome}")
                    self.metrics.report("phone", outcome.outcome)
        if imported:
            self._outbox_wake.set()
        return imported

    def _show_import(self, summary: ImportSummary) -> None:
        """Log an import, and show in the team channel what needs attention and was not
        shown before: new bad rows, unknown callers and calls outside the helpdesk hours
        (SLA 3.C). A log that grows is read again; its old bad rows are not repeated."""
        fresh = [o for o in summary.outcomes if o.outcome != "duplicate"]
        if not fresh and not summary.new_problems:
            return
        news = ImportSummary(summary.file, fresh, summary.new_problems, summary.new_problems)
        text = describe_import(news)
        log.info("phone import:\n%s", text)
        if self.slack is None or not (any(o.flags for o in fresh) or summary.new_problems):
            return  # new tickets have their own posts
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        payload = to_payload(PhoneImportSummary(summary=text))
        self.store.enqueue(OutboxItem(SLACK, f"phone-import:{digest}", payload), self.clock())

    def _phone_loop(self) -> None:
        poll = self.setup.settings.phone.poll_seconds
        while not self._stop.is_set():
            try:
                if self._active():
                    self.check_phone_dir()
            except StoreError as exc:
                self.alerts.store_failed(exc)
            except Exception:
                log.exception("importing call logs failed; trying again")
            if self._stop.wait(poll):
                return

    def _plan_loop(self) -> None:
        while True:
            try:
                if self._active() and self.plan():
                    self._outbox_wake.set()
            except StoreError as exc:
                self.alerts.store_failed(exc)
            except Exception:
                log.exception("planning reminders failed; trying again")
            if self._stop.wait(PLAN_INTERVAL):
                return

    def _outbox_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver()
            except Exception:
                log.exception("outbox round failed; trying again shortly")
            next_due = self.outbox.next_due()
            wait = 5.0
            if next_due is not None:
                wait = max(0.05, min(wait, (next_due - self.clock()).total_seconds()))
            self._outbox_wake.wait(wait)
            self._outbox_wake.clear()

    def check_rules(self) -> ReloadResult | None:
        """Reload the rules when a file in the rules folder changed (app/rules_watch.py)."""
        result = self.rules.check()
        if result is not None:
            self.metrics.rules_reloaded(result)
        return result

    def check_model(self) -> ModelCheck | None:
        """Swap in the config folder's text model when that file changed (app/model_watch.py)."""
        check = self.model_watch.check()
        if check is not None:
            self.metrics.model_checked(check)
        return check

    def _rules_loop(self) -> None:
        while not self._stop.wait(self.rules_poll):
            try:
                self.check_rules()
            except Exception:
                log.exception("checking the rules folder failed; trying again")
            try:
                self.check_model()
            except Exception:
                log.exception("checking the text model file failed; trying again")

    def run(self) -> None:
        """Run until `stop()` is called (by a signal handler)."""
        self.take_over()
        threads = [
            threading.Thread(target=self._outbox_loop, name="outbox", daemon=True),
            threading.Thread(target=self._rules_loop, name="rules", daemon=True),
            threading.Thread(target=self._plan_loop, name="planner", daemon=True),
        ]
        if self.imap is not None:
            threads.append(threading.Thread(target=self.imap.run, name="imap", daemon=True))
        if self.phone_dir is not None:
            threads.append(threading.Thread(target=self._phone_loop, name="phone", daemon=True))
        for thread in threads:
            thread.start()
        parts = [t.name for t in threads]
        self.start_slack()
        if self.http is not None:
            parts.append("http")
        if self._socket is not None:
            parts.append("slack-socket")
        log.info("triage running: %s", ", ".join(parts))
        self._stop.wait()
        self.stop_slack()
        if self.imap is not None:
            self.imap.stop()
        self._outbox_wake.set()
        for thread in threads:
            thread.join(timeout=30)
        log.info("triage stopped")

    def start_http(self) -> int | None:
        """Serve the HTTP endpoint (once); its port. A standby serves it too: /healthz and
        /readyz (503, role standby) answer, Slack's and the widget's POSTs get 503 until
        this instance holds the lease, so a load balancer sends them to the active one."""
        settings, ours = self.setup.settings.slack, self.setup.settings
        if self.http is None:
            return None
        if self.http.serving:
            return self.http.port
        widget = ours.widget is not None  # Slack's address when it serves Slack or the widget
        where = settings if settings and (settings.mode == "http" or widget) else ours.run
        return self.http.serve(where.http_host, where.http_port or 0)

    def start_slack(self) -> int | None:
        """Open the Slack connection (Socket Mode) and/or the HTTP endpoint; the HTTP port."""
        settings = self.setup.settings.slack
        port = self.start_http()
        if self.slack is not None and settings is not None and settings.mode == "socket":
            self._socket = connect_socket_mode(self.slack.app, settings, self.slack_client)
        if self.slack is not None:
            self._learn_bot_identity()
        return port

    def _learn_bot_identity(self) -> None:
        """Our own user and bot id, so the intake ignores the bot's own messages."""
        assert self.slack is not None and self.slack_intake is not None
        try:
            me = self.slack_client.auth_test()
            self.slack_intake.bot_user_id = me.get("user_id")
            self.slack_intake.bot_id = me.get("bot_id")
        except Exception as exc:  # Slack unreachable: Bolt also filters its own events
            log.warning("slack auth.test failed: %s", exc)

    def stop_slack(self) -> None:
        if self._socket is not None:
            close = getattr(self._socket, "close", None)
            if close is not None:
                close()
            self._socket = None
        if self.http is not None:
            self.http.close()

    def stop(self) -> None:
        """Ask every part to finish what it holds and stop."""
        self._stop.set()
        if self.imap is not None:
            self.imap.stop()

"""`triage run`: every configured adapter feeding the one pipeline, plus the outbox sender.

Threads: one per adapter (the IMAP runner now; Slack and phone later) and one for the outbox.
Stopping (SIGTERM/SIGINT) lets each adapter finish the report in hand, then joins them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from adapters.email.ack import AckSender, load_ack_templates
from adapters.email.imap import ImapRunner
from adapters.email.intake import EmailIntake, IntakeResult
from adapters.email.smtp import SmtpTransport
from bot.engine.loader import rule_files
from bot.engine.reload import ReloadResult, reload_rules
from bot.errors import ConfigError
from bot.outbox import OutboxWorker, Transport
from bot.store import Store
from bot.wiring import Paths, Setup

log = logging.getLogger("triage.run")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


NOTHING_CONFIGURED = (
    "nothing to run: no adapter is configured. Configure the support mailbox in "
    "config/settings.yaml (section imap: host, username; optionally port, folder, tls) and "
    "put the password in the environment as TRIAGE_IMAP__PASSWORD (or in a git-ignored .env); "
    "or set TRIAGE_IMAP__HOST, TRIAGE_IMAP__USERNAME and TRIAGE_IMAP__PASSWORD. "
    "Acknowledgements need the smtp section (TRIAGE_SMTP__HOST, ...)."
)


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the rule files: cheap change detection."""
    if not directory.is_dir():
        return ()
    found = []
    for path in rule_files(directory):
        stat = path.stat()
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


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
    ) -> None:
        self.setup, self.store, self.clock = setup, store, clock
        self.paths, self.rules_poll = paths, rules_poll
        self.rules_fingerprint = _fingerprint(paths.rules_dir)
        settings = setup.settings
        self.summary = RunSummary()
        self._stop = threading.Event()
        self._outbox_wake = threading.Event()
        transports: dict[str, Transport] = {}
        if settings.smtp is not None:
            transports["email"] = SmtpTransport(settings.smtp)
        self.outbox = OutboxWorker(store, transports)
        self.imap: ImapRunner | None = None
        if settings.imap is not None:
            smtp = settings.smtp
            sender = AckSender(
                from_address=smtp.from_address if smtp else settings.helpdesk.email,
                from_name=smtp.from_name if smtp else "Dialog Support",
                helpdesk_phone=settings.helpdesk.phone,
                helpdesk_email=settings.helpdesk.email,
            )
            self.intake = EmailIntake(
                setup.triage, store, load_ack_templates(paths.config_dir), sender
            )
            self.imap = ImapRunner(
                settings.imap, self._handle_email, _StoreMailboxState(store, clock)
            )
        if self.imap is None:
            raise ConfigError(NOTHING_CONFIGURED)
        if settings.smtp is None:
            log.warning(
                "no smtp section: acknowledgements wait in the outbox until it is "
                "configured (TRIAGE_SMTP__HOST, ...)"
            )

    def _handle_email(self, raw: bytes, received_at: datetime, notes: tuple[str, ...]) -> object:
        now = self.clock()
        try:
            result = self.intake.process(raw, received_at, now, notes)
        except Exception as exc:
            # A bug or a refused write must not stop the mailbox: keep the message with the
            # reason, and go on. (If even that write fails, the runner reconnects and retries.)
            log.exception("email could not be processed; quarantined")
            result = self.intake.quarantine_error(raw, exc, now)
        self._log(result, received_at, now)
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
        """Send everything that is due now, in rounds of `batch`; returns how many were sent."""
        sent = 0
        while True:
            delivery = self.outbox.deliver_due(self.clock(), batch)
            sent += delivery.sent
            if delivery.sent + delivery.retried + delivery.failed < batch:
                break
        self.summary.sent += sent
        return sent

    def run_once(self) -> RunSummary:
        """Process what is waiting in every adapter, deliver the outbox, return."""
        if self.imap is not None:
            self.imap.run_once()
        self.deliver()
        return self.summary

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
        """Reload the rules when a file in the rules folder changed; None when nothing did.

        A valid edit is swapped in without a restart; an invalid one is logged with file:line
        and the rules in use stay active. (Issue 4 announces both in the team channel.)
        """
        fingerprint = _fingerprint(self.paths.rules_dir)
        if fingerprint == self.rules_fingerprint:
            return None
        self.rules_fingerprint = fingerprint
        result = reload_rules(
            self.setup.triage.engine,
            self.paths.rules_dir,
            self.setup.directory.organisations.keys(),
        )
        if not result.loaded:
            log.error(
                "rules edit refused, still using %s:\n%s",
                result.version,
                "\n".join(str(p) for p in result.problems),
            )
        elif result.changes.any:
            changes = result.changes
            log.info(
                "rules reloaded: %s (added %s, changed %s, removed %s%s)",
                result.version,
                list(changes.added),
                list(changes.changed),
                list(changes.removed),
                ", SLA changed" if changes.sla_changed else "",
            )
        return result

    def _rules_loop(self) -> None:
        while not self._stop.wait(self.rules_poll):
            try:
                self.check_rules()
            except Exception:
                log.exception("checking the rules folder failed; trying again")

    def run(self) -> None:
        """Run until `stop()` is called (by a signal handler)."""
        threads = [
            threading.Thread(target=self._outbox_loop, name="outbox", daemon=True),
            threading.Thread(target=self._rules_loop, name="rules", daemon=True),
        ]
        if self.imap is not None:
            threads.append(threading.Thread(target=self.imap.run, name="imap", daemon=True))
        for thread in threads:
            thread.start()
        log.info("triage running: %s", ", ".join(t.name for t in threads))
        self._stop.wait()
        if self.imap is not None:
            self.imap.stop()
        self._outbox_wake.set()
        for thread in threads:
            thread.join(timeout=30)
        log.info("triage stopped")

    def stop(self) -> None:
        """Ask every part to finish what it holds and stop."""
        self._stop.set()
        if self.imap is not None:
            self.imap.stop()

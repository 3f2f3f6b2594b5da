"""`triage run`: the bot itself (mailbox, Slack, phone folder, outbox) until SIGTERM/SIGINT,
or `--once`: process what is waiting, deliver the outbox and exit.

Only one instance may work a store at a time (app/instance.py): a second `run` waits as a
standby until the first stops or its lease expires; a second `run --once` refuses.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from app.bootstrap import Paths, load_setup, open_store
from app.commands import EXIT_ERROR, EXIT_OK, since_date
from app.instance import InstanceLease

if TYPE_CHECKING:
    from app.service import Service


def run(paths: Paths, once: bool, level: str, since: str | None = None) -> int:
    """Run the service; a signal lets the current round finish before it stops."""
    from app.service import Service, utc_now  # the adapters load only for this command

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log = logging.getLogger("triage.run")
    setup = load_setup(paths)
    first_since = since_date(since)
    ttl = timedelta(seconds=setup.settings.run.lease_seconds)
    with open_store(paths) as store:
        lease = InstanceLease(store, utc_now, ttl, host=setup.settings.run.host)
        stopping = threading.Event()
        service: Service | None = None

        def stop(signum: int, _frame: object) -> None:
            log.info("signal %d: finishing, then stopping", signum)
            stopping.set()
            if service is not None:
                service.stop()

        if once:
            lease.acquire(wait=False)  # LeaseHeld: the message says who holds it
            try:
                service = Service(setup, paths, store, lease=lease, since=first_since)
                summary = service.run_once()
            finally:
                lease.release()
            counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items()))
            print(f"processed: {counts or 'nothing waiting'}; sent {summary.sent}")
            for line in summary.notices:
                print(line)
            return EXIT_OK

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        service = Service(setup, paths, store, lease=lease, since=first_since)
        service.start_http()  # a standby answers /readyz too (503, role standby)
        if not lease.acquire(wait=True, stop=stopping):
            log.info("stopped while standing by")
            service.stop_slack()
            return EXIT_OK
        try:
            lost = threading.Event()

            def on_lost() -> None:
                lost.set()
                assert service is not None
                service.stop()

            lease.keep(on_lost)
            if not stopping.is_set():
                service.run()
        finally:
            lease.release()
        if lost.is_set():
            _record_what_was_sent(service, log)
            print(
                "triage: de lease op de database is verloren (een andere triage nam het "
                "over, of de database was te lang niet schrijfbaar); gestopt",
                file=sys.stderr,
            )
            return EXIT_ERROR
    return EXIT_OK


def _record_what_was_sent(service: Service, log: logging.Logger) -> None:
    """After the lease was lost: record the messages this instance sent but could not record
    (the database was away), for up to CLAIM, so the new holder does not send them again."""
    from bot.outbox import CLAIM

    deadline = time.monotonic() + CLAIM.total_seconds()
    left = service.outbox.record_unrecorded()
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = service.outbox.record_unrecorded()
    if left:
        log.error("%d sent message(s) could not be recorded as sent; they may go out again", left)

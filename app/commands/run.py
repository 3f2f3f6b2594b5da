"""`triage run`: the bot itself (mailbox, Slack, phone folder, outbox) until SIGTERM/SIGINT,
or `--once`: process what is waiting, deliver the outbox and exit."""

from __future__ import annotations

import logging
import signal

from app.bootstrap import Paths, load_setup
from app.commands import EXIT_OK
from bot.store import Store


def run(paths: Paths, once: bool, level: str) -> int:
    """Run the service; a signal lets the current round finish before it stops."""
    from app.service import Service  # the adapters load only for this command

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    setup = load_setup(paths)
    with Store(paths.db) as store:
        service = Service(setup, paths, store)
        if once:
            summary = service.run_once()
            counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items()))
            print(f"processed: {counts or 'nothing waiting'}; sent {summary.sent}")
            return EXIT_OK

        def stop(signum: int, _frame: object) -> None:
            logging.getLogger("triage.run").info("signal %d: finishing, then stopping", signum)
            service.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        service.run()
    return EXIT_OK

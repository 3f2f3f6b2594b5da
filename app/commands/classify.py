"""`triage classify`: one report from flags (or stdin), or JSON Lines with --batch; JSON out."""

from __future__ import annotations

import argparse
import gc
import json
from typing import TextIO

from app.batch import classify_lines
from app.bootstrap import Paths, load_setup, open_store
from app.commands import EXIT_BAD_INPUT, EXIT_OK
from bot.classify_io import decision_json, parse_report
from bot.clock import Clock
from bot.desk import Desk


def classify(
    args: argparse.Namespace, paths: Paths, stdin: TextIO, stdout: TextIO, clock: Clock
) -> int:
    """Print one decision per report; with --store also store each report and its ticket.

    Exit 2 when a --batch line was bad (the other lines are still answered)."""
    setup = load_setup(paths)
    tz = setup.triage.calendar.tz
    store = open_store(paths) if args.store else None
    # Tickets go in through the desk like every intake's; without the bot nothing is posted.
    desk = (
        Desk(setup.triage, store, lambda: setup.rule_set.reminders, slack=False) if store else None
    )
    try:
        if not args.batch:
            text = args.text if args.text is not None else stdin.read()
            data = {
                "channel": args.channel,
                "received_at": args.at or clock().isoformat(),
                "sender": args.sender,
                "subject": args.subject,
                "body": text,
                "priority": args.priority,
            }
            report = parse_report(data)
            decision = setup.triage.decide(report)
            if desk is not None:
                desk.open_ticket(report, clock(), decision=decision)
            print(json.dumps(decision_json(decision, tz), ensure_ascii=False), file=stdout)
            return EXIT_OK
        status = EXIT_OK
        # What is loaded now (rules, matchers, the model) lives as long as the batch: keep
        # the garbage collector from walking it again and again (2-3 % of a batch's time),
        # and forked workers from writing to its pages. Unfrozen after, for a caller that
        # goes on (tests run the command in their own process).
        gc.freeze()
        for result in classify_lines(setup.triage, stdin, args.jobs, keep=store is not None):
            if result.error:
                status = EXIT_BAD_INPUT
            elif desk is not None and result.report and result.decision:
                desk.open_ticket(result.report, clock(), decision=result.decision)
            stdout.write(result.text + "\n")
            if args.jobs <= 1:
                # A tool that writes a line and waits for its answer must get it now.
                stdout.flush()
        return status
    finally:
        gc.unfreeze()
        if store is not None:
            store.close()

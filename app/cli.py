"""The `triage` command: the only place that reads argv, prints errors, and exits.

This module holds the parser (global options, every command and its options) and the
dispatch; each command group lives in app/commands/ (`triage demo` in app/demo.py).
Expected problems (TriageError) are printed as one clear message; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from app.arguments import DutchArgumentParser
from app.bootstrap import Paths, db_location, load_setup
from app.commands import EXIT_ERROR, EXIT_OK, utc_now
from app.commands.classify import classify
from app.commands.db import db
from app.commands.explain import explain
from app.commands.ingest import ingest
from app.commands.outage import outage
from app.commands.outbox import outbox
from app.commands.quarantine import quarantine
from app.commands.report import report
from app.commands.rules import check as rules_check
from app.commands.rules import evaluate_file as rules_eval
from app.commands.rules import suggest_words as rules_suggest
from app.commands.rules import test as rules_test
from app.commands.rules_diff import add_parser as add_rules_diff
from app.commands.rules_diff import rules_diff
from app.commands.run import run
from app.commands.tickets import tickets
from app.demo import run_demo
from app.render.terminal import terminal_streams
from bot.clock import Clock
from bot.errors import ConfigError, RuleSetInvalid, TriageError
from bot.models import Channel, Priority
from bot.nl import count


def _add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line on the terminal (for scripts; without a terminal there is none)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = DutchArgumentParser(
        prog="triage",
        description="Support triage for Dialog B.V.: priority, category and SLA deadlines.",
    )
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=Path(os.environ.get("TRIAGE_CONFIG_DIR", "config")),
        help="settings and organisations (default ./config, or $TRIAGE_CONFIG_DIR)",
    )
    parser.add_argument(
        "--rules-dir",
        type=Path,
        default=Path(os.environ.get("TRIAGE_RULES_DIR", "rules")),
        help="rule files (default ./rules, or $TRIAGE_RULES_DIR)",
    )
    parser.add_argument(
        "--db",
        type=db_location,
        default=db_location(os.environ.get("TRIAGE_DB", "var/triage.db")),
        help="the store: a SQLite file (default ./var/triage.db) or postgresql://user@host/db "
        "with the password in $TRIAGE_DB_PASSWORD (or $TRIAGE_DB)",
    )
    # The global options are also accepted after the command (`triage tickets --db x.db`).
    common = DutchArgumentParser(add_help=False)
    for action in list(parser._actions):
        if action.dest in {"config_dir", "rules_dir", "db"}:
            common.add_argument(
                *action.option_strings,
                dest=action.dest,
                type=action.type or str,
                default=argparse.SUPPRESS,
                help=action.help,
            )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    classify = commands.add_parser(
        "classify",
        parents=[common],
        help="triage one report (flags) or JSON Lines (--batch) and print JSON",
    )
    classify.add_argument("text", nargs="?", help="the report's text (default: stdin)")
    classify.add_argument("--channel", choices=[c.value for c in Channel], default="email")
    classify.add_argument("--sender", default="", help="email address, Slack id or phone")
    classify.add_argument("--at", help="received at, ISO 8601 with offset (default: now)")
    classify.add_argument("--subject", default="")
    classify.add_argument(
        "--priority",
        choices=[p.value for p in Priority],
        help="a priority confirmed by Dialog (SLA 4.G)",
    )
    classify.add_argument(
        "--batch",
        action="store_true",
        help="read JSON Lines on stdin, write one JSON line per input line",
    )
    classify.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="with --batch: classify in N worker processes (output order kept)",
    )
    classify.add_argument(
        "--store", action="store_true", help="also store each report and its ticket in --db"
    )

    rules = commands.add_parser(
        "rules", parents=[common], help="check, test, evaluate or replay the rule files"
    )
    rules_commands = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    for name, text in (
        ("check", "validate every rule file without running anything"),
        ("test", "run the examples in the rule files"),
    ):
        sub = rules_commands.add_parser(name, help=text, parents=[common])
        sub.add_argument("dir", nargs="?", type=Path, help="rules directory (default --rules-dir)")
    evaluation = rules_commands.add_parser(
        "eval",
        parents=[common],
        help="agreement of the rules with labelled reports (JSON Lines, or the team's decisions)",
    )
    evaluation.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="JSON Lines: the classify input keys plus expected_priority, expected_category",
    )
    evaluation.add_argument(
        "--from-store",
        action="store_true",
        help="use the priorities the team confirmed or changed (SLA 4.G) in --db as labels",
    )
    evaluation.add_argument(
        "--export",
        type=Path,
        metavar="FILE",
        help="with --from-store: also write the team's labels as JSON Lines (a new file), "
        "to train the text model with (tools/train_text_model.py --add FILE)",
    )
    evaluation.add_argument("--json", action="store_true", help="one JSON object")
    evaluation.add_argument(
        "--min", type=float, metavar="PCT", help="exit 1 when priority agreement is below PCT"
    )
    _add_quiet(evaluation)
    suggestions = rules_commands.add_parser(
        "suggest",
        parents=[common],
        help="words that set apart the tickets whose priority or category the team changed, "
        "as rule lines to review (never applied)",
    )
    suggestions.add_argument("--json", action="store_true", help="one JSON object")
    suggestions.add_argument(
        "--min-count",
        type=int,
        default=2,
        metavar="N",
        help="a phrase must be in at least N changed tickets (default 2)",
    )
    suggestions.add_argument(
        "--top", type=int, default=8, metavar="N", help="phrases per change (default 8)"
    )
    _add_quiet(suggestions)
    add_rules_diff(rules_commands, common)

    demo = commands.add_parser(
        "demo", parents=[common], help="triage the bundled sample reports and show them"
    )
    demo.add_argument(
        "--samples",
        type=Path,
        default=Path("samples"),
        help="folder with reports.jsonl (default ./samples)",
    )

    tickets = commands.add_parser("tickets", parents=[common], help="list stored tickets")
    tickets.add_argument("--open", action="store_true", help="only open tickets")
    tickets.add_argument("--json", action="store_true", help="one JSON object per line")

    why = commands.add_parser(
        "explain",
        parents=[common],
        help="why a stored ticket got its priority, category, exemption and deadlines",
    )
    why.add_argument("ticket", metavar="N", help="the ticket number")
    why.add_argument("--json", action="store_true", help="one JSON object")

    run = commands.add_parser(
        "run", parents=[common], help="run the bot: mailbox intake, outbox delivery"
    )
    run.add_argument(
        "--once", action="store_true", help="process what is waiting, deliver the outbox, and exit"
    )
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run.add_argument(
        "--since",
        help="first start on a mailbox: also take in read mail received on or after this "
        "date (YYYY-MM-DD); without it only unread mail is taken in",
    )

    outbox = commands.add_parser(
        "outbox", parents=[common], help="list and resend outgoing messages (acknowledgements)"
    )
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    outbox_list = outbox_commands.add_parser("list", parents=[common], help="list the outbox")
    outbox_list.add_argument("--failed", action="store_true", help="only messages that failed")
    outbox_list.add_argument("--pending", action="store_true", help="only messages still to go")
    outbox_list.add_argument("--json", action="store_true", help="one JSON object per line")
    retry = outbox_commands.add_parser("retry", parents=[common], help="send failed messages again")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox ids (see list)")
    retry.add_argument("--all-failed", action="store_true", help="every failed message")

    database = commands.add_parser(
        "db", parents=[common], help="the store's schema; move from SQLite to PostgreSQL"
    )
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser(
        "upgrade", parents=[common], help="bring the store (--db) to this triage's schema"
    )
    db_commands.add_parser("status", parents=[common], help="the store's schema version")
    db_copy = db_commands.add_parser(
        "copy", help="copy every row of one store into a new, empty one (counts compared)"
    )
    db_copy.add_argument("source", metavar="SOURCE", help="the store to copy (a SQLite file)")
    db_copy.add_argument(
        "target",
        metavar="TARGET",
        help="the new, empty store: postgresql://user@host/db ($TRIAGE_DB_PASSWORD)",
    )

    quarantine = commands.add_parser(
        "quarantine", parents=[common], help="list what could not become a report"
    )
    quarantine.add_argument("--json", action="store_true", help="one JSON object per line")

    ingest = commands.add_parser("ingest", parents=[common], help="import call logs")
    ingest_kinds = ingest.add_subparsers(dest="ingest_kind", required=True, metavar="KIND")
    phone = ingest_kinds.add_parser(
        "phone", parents=[common], help="import a phone call log (CSV or JSON Lines)"
    )
    phone.add_argument("files", nargs="+", type=Path, metavar="FILE")
    phone.add_argument(
        "--format",
        default=None,
        help="asterisk (Master.csv), nl-csv (';' with Dutch headers) or jsonl "
        "(default: the phone section of settings.yaml, else recognised per file)",
    )
    phone.add_argument("--mapping", type=Path, help="a YAML column mapping for other CSV layouts")
    phone.add_argument(
        "--encoding",
        default=None,
        help="utf-8, cp1252 or latin-1 (default: the mapping's, else recognised per file)",
    )
    _add_quiet(phone)

    outage = commands.add_parser(
        "outage", parents=[common], help="record and list outage windows (SLA 1)"
    )
    outage_commands = outage.add_subparsers(dest="outage_command", required=True, metavar="ACTION")
    add = outage_commands.add_parser("add", parents=[common], help="record an outage window")
    add.add_argument("--start", required=True, help="ISO 8601 (local time if no offset)")
    add.add_argument("--end", help="ISO 8601; omit while it is still going on")
    kind = add.add_mutually_exclusive_group()
    kind.add_argument("--planned", action="store_true", help="planned maintenance (SLA 2.A)")
    kind.add_argument("--force-majeure", action="store_true", help="force majeure (overmacht)")
    add.add_argument("--reason", required=True, help="what happened (kept in the report)")
    add.add_argument("--scope", default="platform", help="platform (default) or a module name")
    end = outage_commands.add_parser("end", parents=[common], help="end an open outage window")
    end.add_argument("id", type=int)
    end.add_argument("--at", help="ISO 8601 (default: now)")
    listing = outage_commands.add_parser("list", parents=[common], help="list outage windows")
    listing.add_argument("--month", help="YYYY-MM (default: all)")

    report = commands.add_parser("report", parents=[common], help="SLA and availability reports")
    report_kinds = report.add_subparsers(dest="report_kind", required=True, metavar="REPORT")
    for name, text in (
        ("sla", "reaction and resolution compliance per priority and organisation"),
        ("availability", "availability against 99.5 %% (SLA 1)"),
    ):
        sub = report_kinds.add_parser(name, parents=[common], help=text)
        sub.add_argument("--month", help="YYYY-MM (default: the previous month)")
        sub.add_argument("--from", dest="start", help="YYYY-MM-DD (with --to, instead of --month)")
        sub.add_argument("--to", dest="end", help="YYYY-MM-DD, inclusive")
        sub.add_argument("--json", action="store_true", help="JSON instead of a table")
        _add_quiet(sub)
        if name == "sla":
            sub.add_argument("--organisation", help="only this organisation (id)")
            sub.add_argument("--html", type=Path, help="also write a self-contained HTML page")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    # Everything written while the command runs (argparse's messages too) goes to the
    # terminal with control characters escaped: a subject cannot clear the screen.
    with terminal_streams() as (stdout, stderr):
        args = _parser().parse_args(argv)
        paths = Paths(
            args.config_dir, args.rules_dir, args.db, os.environ.get("TRIAGE_DB_PASSWORD")
        )
        try:
            return run_command(args, paths, stdout, stdin=sys.stdin)
        except RuleSetInvalid as exc:
            for problem in exc.problems:
                print(problem, file=stderr)
            print(
                f"triage: de regels in {paths.rules_dir} kloppen niet "
                f"({count(len(exc.problems), 'probleem', 'problemen')}, elk hierboven met "
                "bestand:regel); `triage rules check` laat ze opnieuw zien",
                file=stderr,
            )
            return EXIT_ERROR
        except TriageError as exc:
            print(f"triage: {exc}", file=stderr)
            return EXIT_ERROR
        except BrokenPipeError:  # `triage ... | head` is fine
            return EXIT_OK


def run_command(
    args: argparse.Namespace,
    paths: Paths,
    out: TextIO,
    clock: Clock = utc_now,
    stdin: TextIO | None = None,
) -> int:
    """Run the parsed command and return its exit status; errors propagate to the caller
    (`main` prints them). Tests pass their own `out` and `clock`."""
    command = args.command
    if command == "classify":
        return classify(args, paths, stdin or sys.stdin, out, clock)
    if command == "rules":
        directory = getattr(args, "dir", None) or paths.rules_dir
        if args.rules_command == "eval":
            if (args.file is None) == (not args.from_store):
                raise ConfigError("geef een bestand met gelabelde meldingen, of --from-store")
            if args.export is not None and not args.from_store:
                raise ConfigError(
                    "--export schrijft de labels van het team: alleen met --from-store"
                )
            return rules_eval(
                paths, args.file, args.from_store, args.json, args.min, out, args.quiet, args.export
            )
        if args.rules_command == "suggest":
            return rules_suggest(paths, args.json, args.min_count, args.top, out, args.quiet)
        if args.rules_command == "check":
            return rules_check(paths, directory, out)
        if args.rules_command == "diff":
            return rules_diff(args, paths, directory, out, sys.stderr)
        return rules_test(Paths(paths.config_dir, directory, paths.db, paths.db_password), out)
    if command == "demo":
        return run_demo(load_setup(paths), args.samples, out)
    if command == "tickets":
        return tickets(paths, args.open, args.json, out)
    if command == "explain":
        return explain(paths, args.ticket, args.json, out)
    if command == "quarantine":
        return quarantine(paths, args.json, out)
    if command == "run":
        return run(paths, args.once, args.log_level, args.since)
    if command == "outbox":
        return outbox(args, paths, out, clock)
    if command == "db":
        return db(args, paths, out)
    if command == "ingest":
        return ingest(args, paths, out, clock)
    if command == "outage":
        return outage(args, paths, out, clock)
    if command == "report":
        return report(args, paths, out, clock)
    raise AssertionError(f"unhandled command {command}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

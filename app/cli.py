"""The `triage` command: the only place that reads argv, prints, and exits.

Expected problems (TriageError) are printed as one clear message; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from app.batch import classify_lines
from app.bootstrap import Paths, Setup, load_setup
from bot.classify_io import decision_json, parse_report
from bot.engine.examples import run_examples
from bot.engine.loader import load_rules
from bot.errors import ConfigError, RuleProblem, RuleSetInvalid, TriageError
from bot.models import Channel, Priority
from bot.settings import load_directory
from bot.store import Store

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        type=Path,
        default=Path(os.environ.get("TRIAGE_DB", "var/triage.db")),
        help="SQLite store (default ./var/triage.db, or $TRIAGE_DB)",
    )
    # The global options are also accepted after the command (`triage tickets --db x.db`).
    common = argparse.ArgumentParser(add_help=False)
    for action in list(parser._actions):
        if action.dest in {"config_dir", "rules_dir", "db"}:
            common.add_argument(
                *action.option_strings,
                dest=action.dest,
                type=Path,
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

    rules = commands.add_parser("rules", parents=[common], help="check or test the rule files")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    for name, text in (
        ("check", "validate every rule file without running anything"),
        ("test", "run the examples in the rule files"),
    ):
        sub = rules_commands.add_parser(name, help=text, parents=[common])
        sub.add_argument("dir", nargs="?", type=Path, help="rules directory (default --rules-dir)")

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

    run = commands.add_parser(
        "run", parents=[common], help="run the bot: mailbox intake, outbox delivery"
    )
    run.add_argument(
        "--once", action="store_true", help="process what is waiting, deliver the outbox, and exit"
    )
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

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
        "(default: the phone section of settings.yaml, else by file extension)",
    )
    phone.add_argument("--mapping", type=Path, help="a YAML column mapping for other CSV layouts")

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
        if name == "sla":
            sub.add_argument("--organisation", help="only this organisation (id)")
            sub.add_argument("--html", type=Path, help="also write a self-contained HTML page")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = _parser().parse_args(argv)
    paths = Paths(args.config_dir, args.rules_dir, args.db)
    try:
        if args.command == "classify":
            return _classify(args, paths, sys.stdin, sys.stdout)
        if args.command == "rules":
            directory = args.dir or paths.rules_dir
            if args.rules_command == "check":
                return _rules_check(paths, directory, sys.stdout)
            return _rules_test(Paths(paths.config_dir, directory, paths.db), sys.stdout)
        if args.command == "demo":
            from app.demo import run_demo

            return run_demo(load_setup(paths), args.samples, sys.stdout)
        if args.command == "tickets":
            return _tickets(paths, args.open, args.json, sys.stdout)
        if args.command == "quarantine":
            return _quarantine(paths, args.json, sys.stdout)
        if args.command == "run":
            return _run(paths, args.once, args.log_level)
        if args.command in ("ingest", "outage", "report"):
            from app.commands import run_command

            return run_command(args, paths, sys.stdout)
    except RuleSetInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"triage: the rules in {paths.rules_dir} are invalid "
            f"({len(exc.problems)} problem(s)); run `triage rules check`",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except TriageError as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `triage ... | head` is fine
        return EXIT_OK
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


def require_db(paths: Paths) -> None:
    """Commands that only read refuse a database that is not there (a typo in --db would
    otherwise create an empty one and report a spotless, empty month)."""
    if not paths.db.exists():
        raise ConfigError(
            f"there is no database at {paths.db}: give the one `triage run` uses with --db "
            "(or $TRIAGE_DB)"
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _classify(args: argparse.Namespace, paths: Paths, stdin: TextIO, stdout: TextIO) -> int:
    setup = load_setup(paths)
    tz = setup.triage.calendar.tz
    store = Store(paths.db) if args.store else None
    try:
        if not args.batch:
            text = args.text if args.text is not None else stdin.read()
            data = {
                "channel": args.channel,
                "received_at": args.at or _now().isoformat(),
                "sender": args.sender,
                "subject": args.subject,
                "body": text,
                "priority": args.priority,
            }
            report = parse_report(data)
            decision = setup.triage.decide(report)
            if store is not None:
                store.record(report, decision, _now())
            print(json.dumps(decision_json(decision, tz), ensure_ascii=False), file=stdout)
            return EXIT_OK
        status = EXIT_OK
        for result in classify_lines(setup.triage, stdin, args.jobs, keep=store is not None):
            if result.error:
                status = EXIT_BAD_INPUT
            elif store is not None and result.report and result.decision:
                store.record(result.report, result.decision, _now())
            stdout.write(result.text + "\n")
            if args.jobs <= 1:
                # A tool that writes a line and waits for its answer must get it now.
                stdout.flush()
        return status
    finally:
        if store is not None:
            store.close()


def _run(paths: Paths, once: bool, level: str) -> int:
    import logging
    import signal

    from app.service import Service

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


def _rules_check(paths: Paths, directory: Path, stdout: TextIO) -> int:
    problems: list[RuleProblem] = []
    organisations: Iterable[str] | None
    try:
        organisations = load_directory(paths.config_dir).organisations.keys()
    except ConfigError as exc:
        problems.append(RuleProblem(str(paths.config_dir), 0, f"cannot check organisations: {exc}"))
        organisations = None
    try:
        rule_set = load_rules(directory, organisations)
    except RuleSetInvalid as exc:
        problems.extend(exc.problems)
        rule_set = None
    if problems:
        for problem in problems:
            print(problem, file=stdout)
        print(f"{len(problems)} problem(s) found", file=stdout)
        return EXIT_ERROR
    assert rule_set is not None
    print(
        f"OK: {len(rule_set.files)} files, {len(rule_set.rules)} rules, "
        f"{len(rule_set.examples)} examples ({rule_set.version})",
        file=stdout,
    )
    return EXIT_OK


def _rules_test(paths: Paths, stdout: TextIO) -> int:
    setup: Setup = load_setup(paths)
    examples = setup.rule_set.examples
    failures = run_examples(setup.triage, examples)
    for failure in failures:
        print(failure, file=stdout)
    passed = len(examples) - len(failures)
    print(
        f"{passed} passed, {len(failures)} failed ({len(examples)} examples in "
        f"{len(setup.rule_set.files)} files)",
        file=stdout,
    )
    return EXIT_ERROR if failures or not examples else EXIT_OK


def _tickets(paths: Paths, open_only: bool, as_json: bool, stdout: TextIO) -> int:
    from zoneinfo import ZoneInfo

    from app.demo import ticket_table
    from bot.settings import load_settings

    tz = ZoneInfo(load_settings(paths.config_dir).calendar.timezone)
    require_db(paths)
    with Store(paths.db) as store:
        rows = store.tickets(open_only=open_only)
    if as_json:
        for row in rows:
            print(
                json.dumps(
                    {
                        "id": row.id,
                        "status": row.status,
                        "channel": row.channel,
                        "organisation": row.organisation,
                        "sender": row.sender,
                        "subject": row.subject,
                        "received_at": row.received_at.astimezone(tz).isoformat(),
                        "priority": row.priority,
                        "category": row.category,
                        "provisional": row.provisional,
                        "exempt": row.exempt,
                        "exempt_reason": row.exempt_reason,
                        "reaction_due": row.reaction_due.astimezone(tz).isoformat()
                        if row.reaction_due
                        else None,
                        "resolution_due": row.resolution_due.astimezone(tz).isoformat()
                        if row.resolution_due
                        else None,
                        "rules": list(row.rules),
                    },
                    ensure_ascii=False,
                ),
                file=stdout,
            )
    else:
        print(ticket_table(rows), file=stdout)
    return EXIT_OK


def _quarantine(paths: Paths, as_json: bool, stdout: TextIO) -> int:
    from zoneinfo import ZoneInfo

    from bot.settings import load_settings

    tz = ZoneInfo(load_settings(paths.config_dir).calendar.timezone)
    require_db(paths)
    with Store(paths.db) as store:
        rows = store.quarantined()
    for row in rows:
        if as_json:
            print(
                json.dumps(
                    {
                        "id": row.id,
                        "source": row.source,
                        "key": row.source_key,
                        "reason": row.reason,
                        "size": row.size,
                        "stored_at": row.stored_at.isoformat(),
                    }
                ),
                file=stdout,
            )
        else:
            print(
                f"#{row.id} {row.stored_at.astimezone(tz):%Y-%m-%d %H:%M} {row.source} "
                f"({row.size} bytes): "
                f"{row.reason}",
                file=stdout,
            )
    if not rows and not as_json:
        print("quarantine is empty", file=stdout)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

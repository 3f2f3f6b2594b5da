"""`triage outbox`: what the bot still has to send or could not send, and sending it again.

`list [--failed|--pending] [--json]` shows each outgoing message (acknowledgement email or
Slack message) with its status, attempts and last error; `retry ID ...|--all-failed` puts
failed messages back in the queue, for the running bot (or the next `run --once`) to send.
Customer text is not shown: only the ticket, the kind, the recipient and the subject.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from app.bootstrap import Paths, open_store
from app.commands import EXIT_BAD_INPUT, EXIT_OK, require_db
from app.render.terminal import printable
from bot.clock import Clock
from bot.settings import load_settings


def outbox(args: argparse.Namespace, paths: Paths, out: TextIO, clock: Clock) -> int:
    """Run `triage outbox list` or `triage outbox retry`."""
    require_db(paths)
    if args.outbox_command == "list":
        return _list(paths, args, out)
    return _retry(paths, args, out, clock())


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of an outbox row an operator needs; never the message body."""
    payload = json.loads(row["payload"])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "ticket": row["ticket_id"],
        "status": row["status"],
        "attempts": row["attempts"],
        "to": payload.get("to") if row["kind"] == "email" else payload.get("op"),
        "subject": payload.get("subject") if row["kind"] == "email" else None,
        "next_attempt_at": row["next_attempt_at"],
        "sent_at": row["sent_at"],
        "last_error": row["last_error"],
    }


_STATUS_NL = {
    "pending": "wacht",
    "sent": "verstuurd",
    "failed": "mislukt",
    "cancelled": "vervallen",
}


def _list(paths: Paths, args: argparse.Namespace, out: TextIO) -> int:
    status = "failed" if args.failed else "pending" if args.pending else None
    tz = ZoneInfo(load_settings(paths.config_dir).calendar.timezone)
    with open_store(paths) as store:
        rows = [_summary(r) for r in store.outbox(status)]
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False), file=out)
            continue
        when = row["sent_at"] if row["status"] == "sent" else row["next_attempt_at"]
        local = datetime.fromisoformat(when).astimezone(tz).strftime("%d-%m %H:%M") if when else ""
        ticket = f"#{row['ticket']}" if row["ticket"] is not None else "-"
        what = row["to"] or ""
        if row["subject"]:
            what += f" · {row['subject']}"
        line = (
            f"{row['id']:>6}  {_STATUS_NL.get(row['status'], row['status']):<9}  "
            f"{row['kind']:<5}  {ticket:>6}  {row['attempts']:>2}x  {local:<11}  {what}"
        )
        if row["last_error"] and row["status"] != "sent":
            line += f"\n        fout: {row['last_error']}"
        print(printable(line, newlines=True), file=out)
    if not rows and not args.json:
        wanted = {"failed": "mislukte ", "pending": "wachtende "}.get(status or "", "")
        print(f"geen {wanted}berichten in de outbox", file=out)
    return EXIT_OK


def _retry(paths: Paths, args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    if bool(args.ids) == bool(args.all_failed):
        print("geef de id's van mislukte berichten, of --all-failed", file=out)
        return EXIT_BAD_INPUT
    with open_store(paths) as store:
        requeued = store.retry_outbox(None if args.all_failed else args.ids, now)
    missing = sorted(set(args.ids) - set(requeued))
    if requeued:
        ids = ", ".join(str(i) for i in requeued)
        print(
            f"{len(requeued)} bericht(en) opnieuw in de wachtrij: {ids}; de draaiende bot "
            "verstuurt ze (of `triage run --once`)",
            file=out,
        )
    elif args.all_failed:
        print("geen mislukte berichten", file=out)
    if missing:
        print(
            f"niet opnieuw verstuurd (bestaat niet, of is niet mislukt): "
            f"{', '.join(str(i) for i in missing)}",
            file=out,
        )
        return EXIT_BAD_INPUT
    return EXIT_OK

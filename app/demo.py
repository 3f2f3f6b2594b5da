"""`triage demo`: the bundled sample reports through the real pipeline into a throw-away store."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from app.bootstrap import Setup
from app.render.explain import explanation_text
from app.render.terminal import printable
from app.render.text import ticket_table
from bot import nl
from bot.calls import display_phone
from bot.classify_io import parse_report
from bot.derivation import Step
from bot.desk import Desk
from bot.errors import ReportError
from bot.explain import Explanation, load_explanation
from bot.store import Store, TicketRow

SAMPLES_FILE = "reports.jsonl"


def _ticket_block(row: TicketRow, setup: Setup, note: str | None) -> str:
    tz = setup.triage.calendar.tz
    org = row.organisation or "onbekende organisatie"
    subject = row.subject or "(geen onderwerp)"
    status = "voorlopig" if row.provisional else "bevestigd"
    sender = printable(display_phone(row.sender)) or "?"
    lines = [
        f"#{row.id:<3} {nl.CHANNEL_SHORT_NL.get(row.channel, row.channel)} · "
        f"{nl.when(row.received_at, tz, with_year=True)} · {sender} "
        f"({printable(org)})",
        f"     {printable(subject)}",
    ]
    if note:
        lines.append(f"     ({note})")
    lines += [
        f"     Prioriteit {row.priority.capitalize()} ({status}) · categorie {row.category}",
        f"     Reactie uiterlijk: {nl.when(row.reaction_due, tz)} · "
        f"oplossen uiterlijk: {nl.when(row.resolution_due, tz)}",
    ]
    if row.exempt:
        lines.append(f"     GEEN GARANTIE: {row.exempt_reason}")
    lines.append(f"     Regels: {', '.join(row.rules) or '(geen: standaard)'}")
    return "\n".join(lines)


def run_demo(setup: Setup, samples: Path, out: TextIO) -> int:
    """Feed samples/reports.jsonl through the pipeline twice (the second time: duplicates)."""
    path = samples / SAMPLES_FILE if samples.is_dir() else samples
    lines = path.read_text(encoding="utf-8").splitlines()
    notes: dict[int, str | None] = {}
    with (
        tempfile.TemporaryDirectory(prefix="triage-demo-") as tmp,
        Store(Path(tmp) / "demo.db") as store,
    ):
        created = duplicates = bad = 0
        # In through the desk like every intake; the Slack side is shown afterwards.
        desk = Desk(setup.triage, store, lambda: setup.rule_set.reminders, slack=False)
        for _round in range(2):
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                data = json.loads(line)
                note = data.pop("note", None)
                try:
                    report = parse_report(data)
                except ReportError as exc:
                    bad += 1
                    print(f"{path}:{number}: {exc}", file=out)
                    continue
                opened = desk.open_ticket(report, datetime.now(UTC))
                if opened.created and opened.ticket_id is not None:
                    created += 1
                    notes[opened.ticket_id] = note
                else:
                    duplicates += 1
        rows = store.tickets()
        print(
            f"Triage-demo: {created} meldingen uit {path} opgeslagen in een tijdelijke "
            f"SQLite-store; {duplicates} keer dezelfde melding nogmaals aangeboden en "
            f"genegeerd.",
            file=out,
        )
        print(
            f"Regels {setup.rule_set.version} ({len(setup.rule_set.decisions)} beslisregels over "
            f"{len(setup.rule_set.factors.factors)} factoren, {len(setup.rule_set.rules)} "
            "woordregels), "
            f"kalender {setup.triage.releases.version}. Tijden in "
            f"{setup.triage.calendar.config.timezone}.\n",
            file=out,
        )
        for row in rows:
            print(_ticket_block(row, setup, notes.get(row.id)), file=out)
            print(file=out)
        print(ticket_table(rows, setup.triage.calendar.config.timezone), file=out)
        # The Slack side lives with the adapters (the desk, the transport, the outbox).
        from app.slack_demo import show_slack

        show_slack(setup, store, out, calls=path.parent / "phone" / "calls.csv")
        show_explanations(setup, store, out)
    return 1 if bad else 0


def show_explanations(setup: Setup, store: Store, out: TextIO) -> None:
    """`triage explain` for two demo tickets: the first whose deadline skips a holiday, and
    the first whose priority a team member changed (its history says who, when and why)."""
    tz = setup.triage.calendar.tz
    explanations = [
        load_explanation(store, setup.triage, row.id) for row in store.tickets(open_only=False)
    ]
    holiday = next(
        (e for e in explanations if any(_holiday(step.skipped) for step in _steps(e))), None
    )
    changed = next((e for e in explanations if e.rules_priority is not e.priority), None)
    chosen = [e for e in (holiday, changed) if e is not None]
    for explanation in dict.fromkeys(chosen):
        print(
            f"\n=== Waarom? triage explain {explanation.ticket} (in Slack: de knop Waarom?) ===\n",
            file=out,
        )
        print(explanation_text(explanation, tz), file=out)


def _steps(explanation: Explanation) -> list[Step]:
    return [step for d in explanation.deadlines for step in d.steps]


def _holiday(reason: str | None) -> bool:
    return reason is not None and reason not in ("weekend", "na sluitingstijd")

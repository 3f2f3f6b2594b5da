"""The Slack part of `make demo`: the posts, one priority change, a reminder and a digest.

Runs the real desk, outbox and Slack transport against ConsoleSlack, on a simulated clock:
each ticket is posted when it arrives; then a team member changes the Hoog phone ticket to
Middel (with a reason), the post is updated with the recomputed deadlines, the first reminder
for the new reaction deadline goes out at its business moment, and the next morning's digest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.phone.intake import PhoneIntake
from adapters.phone.mapping import PRESETS
from adapters.slack.console import ConsoleSlack
from adapters.slack.transport import SlackTransport
from app.bootstrap import Setup
from app.commands.report import monthly_message
from app.render.text import availability_text, describe_import, sla_text
from bot import nl
from bot.desk import Desk
from bot.intents import SLACK, DailyDigest
from bot.models import Channel, Priority
from bot.outbox import OutboxWorker
from bot.reminders import next_digest_at
from bot.reports.build import build_availability, build_sla
from bot.reports.sla import month_period
from bot.store import Store

TEAM_CHANNEL = "C0SUPPORT"
AGENT = "U0ANNA"


def show_slack(setup: Setup, store: Store, out: TextIO, calls: Path | None = None) -> None:
    """Print what the team channel would show for the tickets in `store`."""
    triage = setup.triage
    tz = triage.calendar.tz
    desk = Desk(triage, store, policy=lambda: triage.engine.rule_set.reminders)
    console = ConsoleSlack(out, {TEAM_CHANNEL: "#support-team"})
    transport = SlackTransport(
        console,  # type: ignore[arg-type]
        desk,
        store,
        TEAM_CHANNEL,
        monthly=monthly_message,
    )
    worker = OutboxWorker(store, {SLACK: transport})

    print("\n=== Slack: wat het supportteam in #support-team ziet ===\n", file=out)
    tickets = sorted(store.ticket_views(open_only=False), key=lambda t: t.received_at)
    for ticket in tickets:
        arrived = ticket.received_at + timedelta(minutes=1)
        for item in desk.new_ticket_items(ticket.id):
            store.enqueue(item, arrived, ticket_id=ticket.id)
        worker.deliver_due(arrived)

    # The Hoog phone report, guaranteed: a team member judges it Middel (SLA 4.G).
    phone = next(
        t
        for t in tickets
        if t.channel is Channel.PHONE and t.priority is Priority.HOOG and not t.exempt
    )
    clicked = phone.received_at + timedelta(minutes=4)
    print(
        f"\n{nl.when(clicked, tz)}: {AGENT} klikt bij #{phone.id} op [Middel] en geeft als "
        "reden: 'Alleen de webversie, de app werkt: er is een workaround'.\n",
        file=out,
    )
    desk.set_priority(
        phone.id,
        Priority.MIDDEL,
        AGENT,
        clicked,
        "Alleen de webversie, de app werkt: er is een workaround",
    )
    worker.deliver_due(clicked)

    # The first reminder for the new (Middel) reaction deadline, at its business moment.
    reminder = min(
        (
            row
            for row in store.outbox("pending")
            if row["dedupe_key"].startswith(f"remind:{phone.id}:")
        ),
        key=lambda row: row["next_attempt_at"],
    )
    at = datetime.fromisoformat(reminder["next_attempt_at"])
    print(f"\n{nl.when(at, tz)}: de eerste herinnering voor de nieuwe reactietermijn.\n", file=out)
    worker.deliver_due(at, limit=1)
    picked = at + timedelta(minutes=5)
    print(f"\n{nl.when(picked, tz)}: {AGENT} klikt bij #{phone.id} op [Ik pak dit op].\n", file=out)
    desk.assign(phone.id, AGENT, picked)
    worker.deliver_due(picked)

    # The daily digest of the next working morning, for the tickets known by then.
    digest_at = next_digest_at(triage.engine.rule_set.reminders, triage.calendar, at)
    print(f"\n{nl.when(digest_at, tz)}: het dagoverzicht.\n", file=out)
    transport.deliver(DailyDigest(day=triage.calendar.local(digest_at).date()), digest_at)

    if calls is None or not calls.is_file():
        return
    # The phone system's call log of that week: new phone tickets, a missed call, an unknown
    # caller, and Pieter Bakker phoning about the exempt email ticket #1 (SLA 4.D).
    imported_at = datetime(2026, 11, 27, 16, 0, tzinfo=tz)
    print(
        f"\n=== Telefoon: de belregistratie {calls} wordt ingelezen "
        f"({nl.when(imported_at, tz)}) ===\n",
        file=out,
    )
    before = {t.id: t for t in store.ticket_views(open_only=False)}
    intake = PhoneIntake(desk)
    summary = intake.ingest(calls.read_bytes(), str(calls), PRESETS["nl-csv"], imported_at)
    print(describe_import(summary), file=out)
    for outcome in summary.outcomes:
        if outcome.outcome == "guaranteed" and outcome.ticket_id in before:
            old, new = before[outcome.ticket_id], store.ticket_view(outcome.ticket_id)
            print(
                f"\n#{new.id} was {'vrijgesteld' if old.exempt else 'gegarandeerd'} "
                f"(reactie uiterlijk {nl.when(old.reaction_due, tz)}); na het telefoontje van "
                f"{nl.when(new.sla_start, tz)} valt het onder de SLA-garantie: reactie uiterlijk "
                f"{nl.when(new.reaction_due, tz)}, oplossen uiterlijk "
                f"{nl.when(new.resolution_due, tz)}.",
                file=out,
            )
    print(file=out)
    worker.deliver_due(imported_at)

    # The month so far: the login outage of Monday morning (a storing) and the release of
    # 17 November (planned maintenance, excluded), then the SLA and availability reports.
    report_at = imported_at + timedelta(hours=1)
    store.add_outage(
        datetime(2026, 11, 23, 9, 5, tzinfo=tz),
        datetime(2026, 11, 23, 10, 35, tzinfo=tz),
        "storing",
        "Inloggen onmogelijk voor alle klanten (#1, #2)",
        report_at,
    )
    store.add_outage(
        datetime(2026, 11, 17, 7, 0, tzinfo=tz),
        datetime(2026, 11, 17, 7, 2, tzinfo=tz),
        "planned",
        "Release",
        report_at,
    )
    show_reports(setup, store, out, report_at)


def show_reports(setup: Setup, store: Store, out: TextIO, now: datetime) -> None:
    """The SLA and availability report of the demo month, as `triage report` prints them."""
    tz = setup.triage.calendar.tz
    local = now.astimezone(tz)
    period = month_period(local.year, local.month, tz)
    print(f"\n=== SLA-rapport {period.label} (triage report sla / availability) ===\n", file=out)
    print(sla_text(build_sla(setup.triage, store, period, now), tz), file=out)
    print(file=out)
    print(availability_text(build_availability(store, period, now), tz), file=out)

"""Phone calls -> tickets, links to existing tickets, or recorded missed calls; once each.

Every call in a log ends up exactly once in the store, keyed by its call id: re-importing a
file, or a file that grew, adds only the new calls. What happens to a call:
- not answered: recorded (kind missed_call) and shown in the team channel, no ticket;
- about an existing ticket (a ticket number in the notes, or chosen in the Slack modal):
  attached to it, and when an agreed contact phones in an exempt Hoog/Middel report, the
  ticket becomes guaranteed from the call (the phone rule, SLA 4.D; see Desk.link_call);
- otherwise: a new ticket. A guaranteed Hoog storing is announced loudly at once, since its
  reaction is "direct". Calls from numbers that are not agreed contacts (3.C) and calls
  outside the helpdesk hours are kept and flagged with the SLA reason, never dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from adapters.desk import SLACK, Desk
from adapters.phone.calllog import CallRecord, ColumnMapping, call_to_report, parse_call_log
from bot import nl
from bot.models import Category, Priority
from bot.store import OutboxItem

log = logging.getLogger("triage.phone")

OUTSIDE_HOURS_NOTE = "gebeld buiten de helpdesk-uren (SLA 3.C: werkdagen 09:00-17:00)"


@dataclass(frozen=True)
class CallOutcome:
    """What became of one call."""

    outcome: str  # ticket, guaranteed, attached, missed, duplicate
    call_id: str
    ticket_id: int | None = None
    flags: tuple[str, ...] = ()


@dataclass
class ImportSummary:
    """What one import did, for `triage ingest phone` and the log."""

    file: str
    outcomes: list[CallOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    def flagged(self, flag: str) -> list[CallOutcome]:
        return [o for o in self.outcomes if flag in o.flags]


class PhoneIntake:
    """Turns calls (from a log file or the Slack modal) into store records."""

    def __init__(self, desk: Desk, hoog_mention: str = "<!here>") -> None:
        self.desk, self.store = desk, desk.store
        self.hoog_mention = hoog_mention

    def ingest(
        self, data: bytes, name: str, mapping: ColumnMapping, now: datetime
    ) -> ImportSummary:
        """Import a call log; bad rows are reported with file:line and skipped."""
        parsed = parse_call_log(data, name, mapping)
        summary = ImportSummary(name, problems=[str(p) for p in parsed.problems])
        for call in parsed.calls:
            summary.outcomes.append(self.call(call, now))
        log.info(
            "phone import %s: %d calls, %d new tickets, %d linked, %d missed, %d already known, "
            "%d bad rows",
            name,
            len(parsed.calls),
            summary.count("ticket"),
            summary.count("guaranteed") + summary.count("attached"),
            summary.count("missed"),
            summary.count("duplicate"),
            len(parsed.problems),
        )
        return summary

    def call(self, call: CallRecord, now: datetime, ticket_id: int | None = None) -> CallOutcome:
        """One call; `ticket_id` links it explicitly (the modal), else a #N in its notes."""
        report = call_to_report(call)
        calendar = self.desk.triage.calendar
        flags: list[str] = []
        if call.ambiguous_time:
            flags.append("ambiguous_time")
        if not calendar.is_business_time(call.started_at):
            flags.append("outside_hours")
            report = report.model_copy(update={"notes": (*report.notes, OUTSIDE_HOURS_NOTE)})
        who = self.desk.triage.directory.identify(report.channel.value, report.sender)
        if who.contact is None:
            flags.append("unagreed_caller")
        key = report.source_key or ""
        if self.store.is_stored(key):
            return CallOutcome("duplicate", call.call_id, flags=tuple(flags))
        if not call.answered:
            if self.store.record_unlinked(report, "missed_call", now):
                self.store.enqueue(self._missed_item(call, who.organisation_name), now)
            return CallOutcome("missed", call.call_id, flags=tuple(flags))

        targets = [ticket_id] if ticket_id is not None else list(call.ticket_refs)
        for target in targets:
            if self.store.ticket_exists(target):
                linked = self.desk.link_call(target, report, now)
                return CallOutcome(linked, call.call_id, target, tuple(flags))

        decision = self.desk.triage.decide(report)
        loud = (
            decision.priority is Priority.HOOG
            and decision.category is Category.STORING
            and not decision.exempt
        )

        def outgoing(new_id: int) -> list[OutboxItem]:
            items = self.desk.new_ticket_items(new_id)
            if loud and self.desk.slack:
                items.append(self._loud_item(new_id, call, who.contact_name))
            return items

        recorded = self.store.record(report, decision, now, outgoing=outgoing)
        if not recorded.created:
            return CallOutcome("duplicate", call.call_id, recorded.ticket_id, tuple(flags))
        assert recorded.ticket_id is not None
        self.desk.plan(now, recorded.ticket_id)
        return CallOutcome("ticket", call.call_id, recorded.ticket_id, tuple(flags))

    def _loud_item(self, ticket_id: int, call: CallRecord, contact: str | None) -> OutboxItem:
        tz = self.desk.triage.calendar.tz
        who = contact or call.caller
        text = (
            f"{self.hoog_mention} 🔴 *Hoog-storing telefonisch gemeld* door {who} om "
            f"{nl.when(call.started_at, tz)}: #{ticket_id}. Reactie is direct (SLA Bijlage 1): "
            "wie pakt dit op?"
        )
        return OutboxItem(SLACK, f"slack-hoog:{ticket_id}", {"op": "message", "text": text})

    def _missed_item(self, call: CallRecord, organisation: str | None) -> OutboxItem:
        tz = self.desk.triage.calendar.tz
        where = organisation or "onbekend nummer, geen afgesproken contactpersoon (SLA 3.C)"
        text = (
            f"📞 Gemiste oproep van {call.caller} ({where}) op {nl.when(call.started_at, tz)}"
            f"{f', voor {call.agent}' if call.agent else ''}: niet beantwoord, dus nog geen "
            "melding en geen SLA-termijn. Bel terug."
        )
        return OutboxItem(SLACK, f"slack-missed:{call.call_id}", {"op": "message", "text": text})

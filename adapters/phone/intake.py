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

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from adapters.phone.calllog import CallLogError, parse_call_log
from adapters.phone.mapping import ColumnMapping
from adapters.phone.records import CallRecord, call_to_report
from bot.calls import PhoneEntry
from bot.desk import Desk
from bot.directory import normalise_phone
from bot.intents import SLACK, HoogCall, MissedCall, to_payload
from bot.models import Category, Decision, Priority
from bot.store import OutboxItem

log = logging.getLogger("triage.phone")

OUTSIDE_HOURS_NOTE = "gebeld buiten de helpdesk-uren (SLA 3.C: werkdagen 09:00-17:00)"


def entry_to_call(entry: PhoneEntry, agent: str) -> CallRecord:
    """A call the agent logged in the Slack modal, as a call record like a log's.

    Its id hashes what was entered, so submitting the same modal twice stores it once.
    """
    digest = hashlib.sha256(
        "\0".join(
            (entry.caller, entry.called_at.isoformat(), agent, entry.notes, str(entry.ticket))
        ).encode()
    ).hexdigest()[:24]
    return CallRecord(
        call_id=f"slack:{digest}",
        caller=entry.caller,
        caller_e164=normalise_phone(entry.caller),
        started_at=entry.called_at,
        duration_s=0,
        answered=True,
        agent=agent,
        notes=entry.notes,
        source=f"/triage telefoon ({agent})",
    )


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
    new_problems: list[str] = field(default_factory=list)  # not quarantined before

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    def flagged(self, flag: str) -> list[CallOutcome]:
        return [o for o in self.outcomes if flag in o.flags]


class PhoneIntake:
    """Turns calls (from a log file or the Slack modal) into store records."""

    def __init__(self, desk: Desk, hoog_mention: str | None = None) -> None:
        self.desk, self.store = desk, desk.store
        # Who a Hoog call pings in Slack (slack.hoog_mention); None: the Slack default.
        self.hoog_mention = hoog_mention

    def ingest(
        self,
        data: bytes,
        name: str,
        mapping: ColumnMapping,
        now: datetime,
        each: Callable[[list[CallRecord]], Iterable[CallRecord]] | None = None,
    ) -> ImportSummary:
        """Import a call log; bad rows are reported with file:line, skipped, and kept in
        quarantine with the reason (once: a log that grows is read again). `each` wraps the
        calls as they are taken in (the command line shows progress with it)."""
        try:
            parsed = parse_call_log(data, name, mapping)
        except CallLogError as exc:
            summary = ImportSummary(name, problems=[str(exc)])
            key = "phone-file:" + hashlib.sha256(data).hexdigest()
            if self.store.quarantine("phone", str(exc), data, now, key=key):
                summary.new_problems.append(str(exc))
            return summary
        summary = ImportSummary(name, problems=[str(p) for p in parsed.problems])
        lines = data.decode("utf-8", errors="replace").splitlines()
        for problem in parsed.problems:
            raw = lines[problem.line - 1] if 0 < problem.line <= len(lines) else ""
            key = (
                "phone-row:"
                + hashlib.sha256(
                    f"{Path(name).name}\0{raw}\0{problem.message}".encode()
                ).hexdigest()
            )
            if self.store.quarantine("phone", str(problem), raw.encode(), now, key=key):
                summary.new_problems.append(str(problem))
        for call in each(parsed.calls) if each is not None else parsed.calls:
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
            # Recorded even without Slack: the import summary and the SLA report show it.
            stored = self.store.record_unlinked(report, "missed_call", now)
            if stored and self.desk.slack:
                organisation = who.organisation.name if who.organisation else None
                self.store.enqueue(self._missed_item(call, organisation), now)
            return CallOutcome("missed", call.call_id, flags=tuple(flags))

        targets = [ticket_id] if ticket_id is not None else list(call.ticket_refs)
        for target in targets:
            # A number in the notes can only mean a ticket that existed at the time of the
            # call (an imported log can hold calls older than the tickets made since).
            if self.store.ticket_exists(target) and (
                ticket_id is not None
                or self.store.ticket_view(target).received_at <= call.started_at
            ):
                linked = self.desk.link_call(target, report, now)
                return CallOutcome(linked, call.call_id, target, tuple(flags))
            if ticket_id is None:
                flags.append("unknown_ticket_ref")

        def announce(new_id: int, decision: Decision) -> list[OutboxItem]:
            # Every Hoog storing by phone is announced at once, also from an unknown number:
            # the platform may be down for everyone, guarantee or not (the text says which).
            loud = decision.priority is Priority.HOOG and decision.category is Category.STORING
            if not (loud and self.desk.slack):
                return []
            caller = who.contact.name if who.contact else None
            return [self._loud_item(new_id, call, caller, decision.exempt)]

        opened = self.desk.open_ticket(report, now, announce)
        if not opened.created:
            return CallOutcome("duplicate", call.call_id, opened.ticket_id, tuple(flags))
        return CallOutcome("ticket", call.call_id, opened.ticket_id, tuple(flags))

    def from_modal(self, entry: PhoneEntry, agent: str, now: datetime) -> str:
        """Log a call entered in `/triage telefoon`; a Dutch confirmation for the agent."""
        outcome = self.call(entry_to_call(entry, agent), now, ticket_id=entry.ticket)
        notes = []
        if "unagreed_caller" in outcome.flags:
            notes.append(
                "de beller is geen afgesproken contactpersoon (SLA 3.C): dit telt niet als "
                "telefonische melding"
            )
        if "outside_hours" in outcome.flags:
            notes.append("het gesprek was buiten de helpdesk-uren (SLA 3.C)")
        extra = f" Let op: {'; '.join(notes)}." if notes else ""
        texts = {
            "ticket": f"Telefoontje vastgelegd als nieuw ticket #{outcome.ticket_id}.",
            "guaranteed": (
                f"Telefoontje vastgelegd bij #{outcome.ticket_id}: het ticket valt nu onder de "
                "SLA-garantie; de termijnen lopen vanaf het gesprek (SLA 4.D)."
            ),
            "attached": f"Telefoontje vastgelegd bij #{outcome.ticket_id}.",
            "duplicate": "Dit telefoontje was al vastgelegd.",
        }
        return texts.get(outcome.outcome, "Telefoontje vastgelegd.") + extra

    def _loud_item(
        self, ticket_id: int, call: CallRecord, contact: str | None, exempt: bool
    ) -> OutboxItem:
        loud = HoogCall(
            ticket=ticket_id,
            caller=call.caller,
            contact=contact,
            called_at=call.started_at,
            exempt=exempt,
            mention=self.hoog_mention,
        )
        return OutboxItem(SLACK, f"slack-hoog:{ticket_id}", to_payload(loud))

    def _missed_item(self, call: CallRecord, organisation: str | None) -> OutboxItem:
        missed = MissedCall(
            call_id=call.call_id,
            caller=call.caller,
            organisation=organisation,
            called_at=call.started_at,
            agent=call.agent,
        )
        return OutboxItem(SLACK, f"slack-missed:{call.call_id}", to_payload(missed))

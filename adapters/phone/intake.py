"""Phone calls -> tickets, links to existing tickets, or recorded missed calls; once each.

Every call in a log ends up exactly once in the store, keyed by its call id: re-importing a
file, or a file that grew, adds only the new calls. What happens to a call:
- not answered: recorded (kind missed_call) and shown in the team channel, no ticket;
- about an existing ticket (a ticket number in the notes, or chosen in the Slack modal):
  attached to it, and when an agreed contact phones in an exempt Hoog/Middel report, the
  ticket becomes guaranteed from the call (the phone rule, SLA 4.D; see Desk.link_call);
- otherwise: a new ticket. A guaranteed Hoog storing is announced loudly at once, since its
  reaction is "direct". Calls from numbers that are not agreed contacts (3.C) and calls
  outside the helpdesk hours are kept and flagged with the SLA reason, never dropped. A call
  time later than the import is a wrong clock (the exchange's): the
  call is kept as logged and flagged, so the summary and the team channel say so.
A log is read as a stream and stored in batches (one commit per BATCH_CALLS calls), so its
size does not matter; bad rows go to quarantine with their reason, once each.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from adapters.phone.calllog import CallLogError, RowProblem, os_reason, read_calls
from adapters.phone.mapping import ColumnMapping, Layout
from adapters.phone.records import CallRecord, call_to_report
from adapters.phone.rows import first_line
from adapters.phone.sniff import head_of
from bot.calls import PhoneEntry
from bot.desk import Desk
from bot.directory import normalise_phone
from bot.intents import SLACK, HoogCall, MissedCall, to_payload
from bot.models import Category, Decision, Priority
from bot.store import OutboxItem

log = logging.getLogger("triage.phone")

# Calls stored per commit. Bigger batches save little more (the triage of each call costs far
# more than a commit) and keep the store from other threads for longer.
BATCH_CALLS = 100

# A call logged this far after "now" is a clock error, not the few seconds two clocks differ.
FUTURE_TOLERANCE = timedelta(minutes=5)
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


@dataclass(frozen=True, slots=True)
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
    read_as: str = ""  # format and encoding, and how they were chosen (Dutch)
    mapping: ColumnMapping | None = None  # the layout the file was read with
    head: bytes = b""  # the file's first bytes (for a hint when no row was readable)

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
        source: bytes | BinaryIO,
        name: str,
        layout: Layout | ColumnMapping,
        now: datetime,
        on_call: Callable[[], None] | None = None,
    ) -> ImportSummary:
        """Import a call log (an open file, read as a stream, or its bytes); bad rows are
        reported with file:line, skipped, and kept in quarantine with the reason (once: a log
        that grows is read again). `on_call` is told of every call taken in (the command
        line shows progress with it).

        The calls are stored in batches of BATCH_CALLS, one commit each: a crash or a read
        error half-way keeps the batches before it, and importing the file again adds the
        rest (what is stored is skipped by its call id).
        """
        handle = io.BytesIO(source) if isinstance(source, bytes) else source
        summary = ImportSummary(name)
        try:
            reading = read_calls(handle, name, layout)
        except CallLogError as exc:
            self._bad_file(summary, exc, head_of(handle), now)
            return summary
        except OSError as exc:
            summary.problems.append(f"{name}: kan het bestand niet lezen ({os_reason(exc)})")
            return summary
        summary.read_as = reading.describe()
        summary.mapping, summary.head = reading.mapping, reading.head[:300]
        entries = iter(reading.entries)
        bad_rows: Counter[str] = Counter()  # two equal bad rows are still two rows
        calls = problems = 0
        more = True
        while more:
            with self.store.batch():
                for _ in range(BATCH_CALLS):
                    try:
                        entry = next(entries)
                    except StopIteration:
                        more = False
                        break
                    except CallLogError as exc:  # the header does not fit: nothing was read
                        self._bad_file(summary, exc, reading.head, now)
                        more = False
                        break
                    except OSError as exc:
                        summary.problems.append(
                            f"{name}: kan niet verder lezen ({os_reason(exc)}); wat ervoor stond "
                            "is ingelezen, lees het bestand later opnieuw in"
                        )
                        more = False
                        break
                    if isinstance(entry, RowProblem):
                        problems += 1
                        self._bad_row(summary, entry, bad_rows, now)
                    else:
                        calls += 1
                        summary.outcomes.append(self.call(entry, now))
                        if on_call is not None:
                            on_call()
        log.info(
            "phone import %s (%s): %d calls, %d new tickets, %d linked, %d missed, "
            "%d already known, %d bad rows",
            name,
            summary.read_as,
            calls,
            summary.count("ticket"),
            summary.count("guaranteed") + summary.count("attached"),
            summary.count("missed"),
            summary.count("duplicate"),
            problems,
        )
        return summary

    def _bad_file(
        self, summary: ImportSummary, exc: CallLogError, head: bytes, now: datetime
    ) -> None:
        """The file as a whole cannot be read: its start goes to quarantine, once."""
        summary.problems.append(str(exc))
        # The key of a file under HEAD_BYTES is the hash of all of it, as it always was.
        key = "phone-file:" + hashlib.sha256(head).hexdigest()
        if self.store.quarantine("phone", str(exc), head, now, key=key):
            summary.new_problems.append(str(exc))

    def _bad_row(
        self, summary: ImportSummary, problem: RowProblem, seen: Counter[str], now: datetime
    ) -> None:
        """A bad row goes to quarantine with its reason, once per row, however often the
        file is read: its key is the file name, its first line and what is wrong with it
        (and, for the second of two equal bad rows, which one it is)."""
        summary.problems.append(str(problem))
        what = problem.kind or problem.message
        identity = f"{Path(problem.file).name}\0{first_line(problem.raw)}\0{what}"
        seen[identity] += 1
        if seen[identity] > 1:
            identity += f"\0{seen[identity]}"
        key = "phone-row:" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()
        raw = problem.raw.encode("utf-8", "surrogateescape")
        if self.store.quarantine("phone", str(problem), raw, now, key=key):
            summary.new_problems.append(str(problem))

    def call(self, call: CallRecord, now: datetime, ticket_id: int | None = None) -> CallOutcome:
        """One call; `ticket_id` links it explicitly (the modal), else a #N in its notes."""
        report = call_to_report(call)
        calendar = self.desk.triage.calendar
        flags: list[str] = []
        if call.ambiguous_time:
            flags.append("ambiguous_time")
        if call.started_at > now + FUTURE_TOLERANCE:
            flags.append("future_time")
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

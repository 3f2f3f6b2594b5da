"""Call logs from the phone system -> CallRecords (the parsing step), read as a stream.

A call log is a file the telephony system writes or exports: Asterisk's `Master.csv`
(cdr_csv), a CSV export with a header row, or JSON Lines; a `ColumnMapping` (see
`adapters.phone.mapping`) says where each of our fields is. `read_calls` takes an open file,
settles how to read it (the format and encoding asked for, else recognised: see
adapters.phone.sniff) and yields every call it can read and a `RowProblem` (file, 1-based
physical line, what is wrong) for every row it skips, in file order, one at a time: a log of
any size is never all in memory, and one bad row never costs the rest of the file.

Times without an offset are local wall-clock times in the mapping's timezone. A time that
does not exist there (the hour the clocks skip in March) is a bad row; a time that happens
twice (the hour repeated in October) is read as the first occurrence and flagged.

Nothing here opens files except `read_call_log`, the small helper at the bottom.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from adapters.phone.mapping import PRESETS, ColumnMapping, Layout
from adapters.phone.records import CallRecord
from adapters.phone.rows import CallLogError, Row, RowProblem, csv_rows, jsonl_rows
from adapters.phone.sniff import (
    Guess,
    bom_encoding,
    head_of,
    recognise_encoding,
    recognise_format,
)
from bot.directory import normalise_phone
from bot.models import MAX_YEAR, MIN_YEAR

__all__ = ["CallLog", "CallLogError", "ParsedLog", "RowProblem", "parse_call_log", "read_calls"]

# Longer than a week is a broken counter, not a phone call.
MAX_DURATION_S = 7 * 24 * 3600


class _RowError(Exception):
    """A row cannot become a CallRecord; the message becomes a RowProblem."""


@dataclass
class CallLog:
    """A call log being read: how it is read, and its calls and bad rows in file order.

    `entries` reads the file as it goes: iterate it once, while the file is open. It raises
    CallLogError when the header row does not fit the mapping, OSError when the file cannot
    be read further.
    """

    mapping: ColumnMapping
    format: Guess
    encoding: Guess
    head: bytes  # the first bytes of the file (a file-level problem keeps them)
    entries: Iterator[CallRecord | RowProblem]

    def describe(self) -> str:
        """How the file is read, in Dutch: 'nl-csv (herkend aan ...), tekenset cp1252 (...)'."""
        return (
            f"{self.format.name} ({self.format.why}), "
            f"tekenset {self.encoding.name} ({self.encoding.why})"
        )


@dataclass
class ParsedLog:
    """What one call log held: the calls that could be read and the rows that could not."""

    calls: list[CallRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_calls(handle: BinaryIO, name: str, layout: Layout | ColumnMapping) -> CallLog:
    """Start reading an open call log; `name` (the file name) is used in sources and problems.

    Raises CallLogError when the file cannot be a call log at all (UTF-16 text).
    """
    if isinstance(layout, ColumnMapping):
        layout = Layout(layout, mapping_kind(layout), "opgegeven")
    head = head_of(handle)
    if layout.mapping is None:
        kind = recognise_format(head, name)
        mapping = PRESETS[kind.name]
    else:
        kind = Guess(layout.format_name or mapping_kind(layout.mapping), layout.chosen_by)
        mapping = layout.mapping
    try:
        encoding = _encoding(handle, head, layout, mapping)
    except CallLogError as exc:
        raise CallLogError(f"{name}: {exc}") from exc
    # Bytes the encoding cannot read become surrogates, and their row a problem (see _build).
    # CSV: newline="" keeps the line ends for the csv module (line breaks inside quoted notes);
    # JSON Lines: only "\n" ends a line (JSON allows U+2028 inside strings).
    text = io.TextIOWrapper(
        handle,
        encoding=encoding.name,
        errors="surrogateescape",
        newline="" if mapping.format == "csv" else "\n",
    )
    rows = (csv_rows if mapping.format == "csv" else jsonl_rows)(text, name, mapping)
    entries = _entries(rows, text, name, mapping, encoding.name)
    return CallLog(mapping, kind, encoding, head, entries)


def mapping_kind(mapping: ColumnMapping) -> str:
    """A preset's name for a mapping that is one, else its format (csv, jsonl)."""
    return next((key for key, preset in PRESETS.items() if preset == mapping), mapping.format)


def _encoding(handle: BinaryIO, head: bytes, layout: Layout, mapping: ColumnMapping) -> Guess:
    """The encoding asked for (--encoding, then the mapping's), else the file's own."""
    if layout.encoding is None and mapping.encoding is None:
        return recognise_encoding(handle, head)
    if (marked := bom_encoding(head)) is not None:
        return marked
    if layout.encoding is not None:
        return Guess(layout.encoding, layout.encoding_by)
    return Guess(mapping.encoding or "utf-8", "uit de kolomindeling")


def _entries(
    rows: Iterator[Row | RowProblem],
    text: io.TextIOWrapper,
    name: str,
    mapping: ColumnMapping,
    encoding: str,
) -> Iterator[CallRecord | RowProblem]:
    zone = ZoneInfo(mapping.timezone)
    agent_pattern = re.compile(mapping.agent_pattern) if mapping.agent_pattern else None
    # call id -> (line, digest of the row) of the row that first had it: enough to tell a
    # duplicate row from a reused id, without keeping every row of a large file.
    first_seen: dict[str, tuple[int, int]] = {}
    try:
        for row in rows:
            if isinstance(row, RowProblem):
                yield row
                continue
            try:
                call, generated = _build(row, name, mapping, zone, agent_pattern, encoding)
            except _RowError as exc:
                yield RowProblem(name, row.line, str(exc), row.text)
                continue
            # hash(): 64 bits, stable within the process; that is all the comparison needs.
            digest = hash(tuple(row.raw.items()))
            call_id = call.call_id
            if generated:
                # Two different calls with the same caller, minute and agent (a redial in a
                # log without seconds): number the later ones, stable as the file grows.
                occurrence = 1
                while call_id in first_seen and first_seen[call_id][1] != digest:
                    occurrence += 1
                    call_id = f"{call.call_id}.{occurrence}"
            earlier = first_seen.get(call_id)
            if earlier is not None:
                if earlier[1] == digest:
                    message = f"hetzelfde gesprek als regel {earlier[0]} (een dubbele regel)"
                else:
                    message = f"gesprek-ID {call_id!r} is al gebruikt op regel {earlier[0]}"
                yield RowProblem(name, row.line, message, row.text)
                continue
            first_seen[call_id] = (row.line, digest)
            yield call if call_id == call.call_id else _with_id(call, call_id)
    finally:
        # The caller's file stays theirs to close; the wrapper must not close it when it goes.
        if not text.closed:
            text.detach()


def parse_call_log(data: bytes, name: str, mapping: ColumnMapping | Layout) -> ParsedLog:
    """Read a whole call log held in memory (tests, small files); see read_calls.

    Bad rows are skipped and listed in `problems`; blank lines are skipped silently. Raises
    CallLogError only when the file as a whole does not fit the mapping (a header without a
    mapped column, UTF-16 text).
    """
    return _collect(read_calls(io.BytesIO(data), name, mapping))


def _collect(log: CallLog) -> ParsedLog:
    parsed = ParsedLog()
    for entry in log.entries:
        if isinstance(entry, RowProblem):
            parsed.problems.append(entry)
        else:
            parsed.calls.append(entry)
    parsed.problems.sort(key=lambda problem: problem.line)
    return parsed


def _with_id(call: CallRecord, call_id: str) -> CallRecord:
    return call.model_copy(update={"call_id": call_id})


# --------------------------------------------------------------------------------------------
# One row -> CallRecord
# --------------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME_AND_NUMBER = re.compile(r'^\s*"?(.*?)"?\s*<([^<>]*)>\s*$')


def _build(
    row: Row,
    name: str,
    mapping: ColumnMapping,
    zone: ZoneInfo,
    agent_pattern: re.Pattern[str] | None,
    encoding: str,
) -> tuple[CallRecord, bool]:
    """The CallRecord of a row, and whether its id was generated; raises _RowError."""
    for column, text in row.raw.items():
        if _SURROGATE.search(text):
            raise _RowError(
                f"kolom {column!r} bevat bytes die geen geldige {encoding} zijn (komt het "
                "bestand uit Excel, probeer dan --encoding cp1252; zonder --encoding wordt de "
                "tekenset herkend)"
            )

    def value(key: str) -> str:
        return (row.values.get(key) or "").strip()

    caller = value("caller")
    if not caller:
        raise _RowError("geen nummer van de beller")
    caller_name, number = "", caller
    if match := _NAME_AND_NUMBER.match(caller):
        caller_name, number = match.group(1).strip(), match.group(2).strip()
    caller_e164 = normalise_phone(number)
    if clid := _NAME_AND_NUMBER.match(value("caller_name")):
        caller_name = clid.group(1).strip()
    elif value("caller_name"):
        caller_name = value("caller_name")
    if caller_name in (number, caller) or normalise_phone(caller_name) is not None:
        # Asterisk puts the number where the name goes when the network sends no name.
        caller_name = ""

    if not value("start"):
        raise _RowError("geen starttijd")
    started_at, ambiguous = _parse_time(value("start"), mapping, zone, "starttijd")

    if value("duration"):
        duration_s = _parse_duration(value("duration"))
    elif value("end"):
        ended_at, _ = _parse_time(value("end"), mapping, zone, "eindtijd")
        duration_s = int((ended_at - started_at).total_seconds())
        if duration_s < 0:
            raise _RowError("het gesprek eindigt voordat het begint")
    else:
        duration_s = 0

    if "answered" in mapping.columns:
        answered = _parse_answered(value("answered"), mapping)
    else:
        answered = duration_s > 0

    agent = value("agent")
    if agent_pattern is not None and (match := agent_pattern.match(agent)):
        agent = match.group(1)
    called = value("called")
    notes = (row.values.get("notes") or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    call_id = value("call_id")
    generated = not call_id
    if generated:
        call_id = stable_call_id(caller_e164 or caller, started_at, called, agent)
    call = CallRecord(
        call_id=call_id,
        caller=caller,
        caller_e164=caller_e164,
        caller_name=caller_name,
        called=called,
        started_at=started_at,
        duration_s=duration_s,
        answered=answered,
        agent=agent,
        notes=notes,
        ambiguous_time=ambiguous,
        source=f"{name}:{row.line}",
        raw=row.raw,
    )
    return call, generated


def stable_call_id(caller: str, started_at: datetime, called: str, agent: str) -> str:
    """'sha256:<hex>' of the call's caller, UTC start, called number and agent.

    The same call gets the same id however often the (growing) file is read.
    """
    key = json.dumps(
        [caller, started_at.astimezone(UTC).isoformat(), called, agent], ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


_DUTCH_TIME = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_ISO_WITH_TIME = re.compile(r"\d{4}-?\d{2}-?\d{2}[T ]\d{2}")


def _parse_time(
    text: str, mapping: ColumnMapping, zone: ZoneInfo, what: str
) -> tuple[datetime, bool]:
    """UTC time of a log's time text, and whether the local time was ambiguous."""
    try:
        if mapping.time_format is not None:
            moment = datetime.strptime(text, mapping.time_format)
        elif match := _DUTCH_TIME.fullmatch(text):
            day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
            moment = datetime(year, month, day, hour, minute, second)
        elif _ISO_WITH_TIME.match(text):
            moment = datetime.fromisoformat(text)
        else:
            raise _RowError(
                f"{what} {text!r} is geen tijd (verwacht: ISO 8601, 'JJJJ-MM-DD UU:MM:SS' "
                "of 'DD-MM-JJJJ UU:MM')"
            )
    except ValueError as exc:
        raise _RowError(f"{what} {text!r} is geen geldige tijd ({_time_reason(exc)})") from exc
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise _RowError(
            f"{what} {text!r}: het jaar {moment.year} valt buiten {MIN_YEAR}-{MAX_YEAR}"
        )
    if moment.tzinfo is not None:
        return moment.astimezone(UTC), False
    return _localise(moment, zone, what)


# datetime's (English) complaints, in Dutch; others are shown as they are.
_TIME_REASONS = (
    (re.compile(r"day is out of range for month"), "die dag bestaat niet in die maand"),
    (re.compile(r"month must be in 1\.\.12"), "de maand moet 1 tot en met 12 zijn"),
    (re.compile(r"hour must be in 0\.\.23"), "het uur moet 0 tot en met 23 zijn"),
    (re.compile(r"minute must be in 0\.\.59"), "de minuten moeten 0 tot en met 59 zijn"),
    (re.compile(r"second must be in 0\.\.59"), "de seconden moeten 0 tot en met 59 zijn"),
    (re.compile(r"year (-?\d+) is out of range"), r"het jaar \1 valt buiten het bereik"),
    (re.compile(r"time data .* does not match format (.*)"), r"past niet bij het formaat \1"),
    (re.compile(r"unconverted data remains: (.*)"), r"er staat nog '\1' achter de tijd"),
    (re.compile(r"Invalid isoformat string: .*"), "geen geldige ISO 8601-tijd"),
    (re.compile(r"offset must be a timedelta .*"), "de tijdverschuiving is 24 uur of meer"),
)


def _time_reason(exc: ValueError) -> str:
    text = str(exc)
    for pattern, dutch in _TIME_REASONS:
        if match := pattern.fullmatch(text):
            return match.expand(dutch)
    return text


def _localise(naive: datetime, zone: ZoneInfo, what: str) -> tuple[datetime, bool]:
    first = naive.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == naive.replace(tzinfo=zone, fold=1).utcoffset():
        return first.astimezone(UTC), False
    # The offsets differ: the wall time is in the gap (spring) or the overlap (autumn).
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise _RowError(
            f"{what} {naive:%Y-%m-%d %H:%M} bestaat niet in {zone.key} (de klok slaat dat uur over)"
        )
    return first.astimezone(UTC), True


_SECONDS = re.compile(r"[+-]?\d{1,12}(?:[.,]\d+)?")
_CLOCK = re.compile(r"(?:(\d{1,4}):)?(\d{1,4}):(\d{2})")


def _parse_duration(text: str) -> int:
    """Seconds from '125', '125.0', 'MM:SS' or 'H:MM:SS'."""
    if _SECONDS.fullmatch(text):
        seconds = int(float(text.replace(",", ".")))
    elif match := _CLOCK.fullmatch(text):
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        if secs >= 60 or (match.group(1) is not None and minutes >= 60):
            raise _RowError(f"duur {text!r} is geen kloktijd (U:MM:SS of MM:SS)")
        seconds = hours * 3600 + minutes * 60 + secs
    elif text.startswith("-"):
        raise _RowError(f"negatieve duur {text!r}")
    else:
        raise _RowError(f"duur {text!r} is geen aantal seconden, U:MM:SS of MM:SS")
    if seconds < 0:
        raise _RowError(f"negatieve duur {text!r}")
    if seconds > MAX_DURATION_S:
        raise _RowError(f"duur {text!r} is langer dan een week")
    return seconds


def _parse_answered(text: str, mapping: ColumnMapping) -> bool:
    folded = text.casefold()
    if folded in {v.casefold() for v in mapping.answered_values}:
        return True
    if not text or mapping.unanswered_values is None:
        return False
    if folded in {v.casefold() for v in mapping.unanswered_values}:
        return False
    known = ", ".join(repr(v) for v in (*mapping.answered_values, *mapping.unanswered_values))
    raise _RowError(f"onbekende waarde {text!r} voor beantwoord; toegestaan: {known}")


# --------------------------------------------------------------------------------------------
# The one helper that touches the disk
# --------------------------------------------------------------------------------------------


def read_call_log(path: str | Path, mapping: ColumnMapping | Layout) -> ParsedLog:
    """Read a whole call-log file; raises CallLogError when it cannot be read."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return _collect(read_calls(handle, str(path), mapping))
    except OSError as exc:
        raise CallLogError(f"{path}: kan de belregistratie niet lezen: {os_reason(exc)}") from exc


def os_reason(exc: OSError) -> str:
    """Dutch for the common reasons a file cannot be read; the system's text otherwise."""
    reasons = {
        errno.ENOENT: "het bestand bestaat niet",
        errno.EACCES: "geen toestemming om het bestand te lezen",
        errno.EPERM: "geen toestemming om het bestand te lezen",
        errno.EISDIR: "dit is een map, geen bestand",
    }
    return reasons.get(exc.errno or 0) or exc.strerror or str(exc)

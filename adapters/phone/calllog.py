"""Call logs from the phone system -> CallRecords (the pure parsing step).

A call log is a file the telephony system writes or exports: Asterisk's `Master.csv`
(cdr_csv), a CSV export with a header row, or JSON Lines; a `ColumnMapping` (see
`adapters.phone.mapping`) says where each of our fields is. `parse_call_log` reads the bytes
and returns every call it could read plus a `RowProblem` (file, 1-based physical line, what is
wrong) for every row it skipped, so one bad row never costs the rest of the file.

Times without an offset are local wall-clock times in the mapping's timezone. A time that
does not exist there (the hour the clocks skip in March) is a bad row; a time that happens
twice (the hour repeated in October) is read as the first occurrence and flagged.

Nothing here opens files except `read_call_log`, the small helper at the bottom.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.phone.mapping import ColumnMapping
from adapters.phone.records import CallRecord
from bot.directory import normalise_phone
from bot.errors import AdapterError
from bot.models import MAX_YEAR, MIN_YEAR

# Cells a row may lack altogether: Asterisk writes uniqueid and userfield only when it is
# configured to, and a JSON object may leave out keys it has no value for.
OPTIONAL_CELLS = frozenset({"call_id", "caller_name", "end", "notes"})
# Longer than a week is a broken counter, not a phone call.
MAX_DURATION_S = 7 * 24 * 3600


class CallLogError(AdapterError):
    """The file cannot be read as a call log at all (unreadable, header does not match)."""


@dataclass(frozen=True)
class RowProblem:
    """One skipped row of a call log: file, 1-based physical line where it starts, and why."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class _RowError(Exception):
    """A row cannot become a CallRecord; the message becomes a RowProblem."""


@dataclass
class ParsedLog:
    """What one call log held: the calls that could be read and the rows that could not."""

    calls: list[CallRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int
    raw: dict[str, str]
    # Our field -> the cell's text; None when the row has no such cell (or key) at all.
    values: dict[str, str | None]


def parse_call_log(data: bytes, name: str, mapping: ColumnMapping) -> ParsedLog:
    """Read a call log; `name` (the file name) is only used in sources and problems.

    Bad rows are skipped and listed in `problems`; blank lines are skipped silently. Raises
    CallLogError only when the file as a whole does not fit the mapping (a header without a
    mapped column, UTF-16 text).
    """
    text = _decode(data, mapping.encoding, name)
    log = ParsedLog()
    rows = (
        _csv_rows(text, name, mapping, log.problems)
        if mapping.format == "csv"
        else _jsonl_rows(text, name, mapping, log.problems)
    )
    zone = ZoneInfo(mapping.timezone)
    agent_pattern = re.compile(mapping.agent_pattern) if mapping.agent_pattern else None
    first_seen: dict[str, _Row] = {}  # call id -> the row that first had it
    for row in rows:
        try:
            call, generated = _build(row, name, mapping, zone, agent_pattern)
        except _RowError as exc:
            log.problems.append(RowProblem(name, row.line, str(exc)))
            continue
        call_id = call.call_id
        if generated:
            # Two different calls with the same caller, minute and agent (a redial in a
            # log without seconds): number the later ones, which stays stable as the file grows.
            occurrence = 1
            while call_id in first_seen and first_seen[call_id].raw != row.raw:
                occurrence += 1
                call_id = f"{call.call_id}.{occurrence}"
        earlier = first_seen.get(call_id)
        if earlier is not None:
            if earlier.raw == row.raw:
                message = f"hetzelfde gesprek als regel {earlier.line} (een dubbele regel)"
            else:
                message = f"gesprek-ID {call_id!r} is al gebruikt op regel {earlier.line}"
            log.problems.append(RowProblem(name, row.line, message))
            continue
        first_seen[call_id] = row
        log.calls.append(call if call_id == call.call_id else _with_id(call, call_id))
    log.problems.sort(key=lambda problem: problem.line)
    return log


def _with_id(call: CallRecord, call_id: str) -> CallRecord:
    return call.model_copy(update={"call_id": call_id})


def _decode(data: bytes, encoding: str, name: str) -> str:
    """Text of the file; bytes the encoding cannot read become surrogates (a row problem)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CallLogError(f"{name}: het bestand is UTF-16; exporteer het als UTF-8 (of cp1252)")
    if data.startswith(codecs.BOM_UTF8):
        # A BOM settles the question, whatever the mapping expected (Excel's "CSV UTF-8").
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8"
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    return data.decode(encoding, "surrogateescape")


def _csv_rows(
    text: str, name: str, mapping: ColumnMapping, problems: list[RowProblem]
) -> Iterator[_Row]:
    # newline="" keeps line breaks inside quoted notes; strict=True makes an unbalanced quote
    # an error instead of a note that silently swallows the rest of the file.
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=mapping.delimiter,
        quotechar=mapping.quotechar,
        strict=True,
    )
    names: list[str] = list(mapping.column_names)
    indexes: dict[str, int] | None = None if mapping.header else _fixed_indexes(mapping)
    least, most = _header_less_bounds(mapping) if not mapping.header else (0, None)
    while True:
        line = reader.line_num + 1  # the physical line this row starts on
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(RowProblem(name, line, f"geen geldige CSV: {_csv_reason(exc)}"))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if indexes is None:
            names = [cell.strip() for cell in cells]
            indexes = _header_indexes(names, mapping, f"{name}:{line}")
            least, most = len(names), len(names)
            continue
        count = len(cells)
        if count < least:
            problems.append(RowProblem(name, line, _too_few(count, least, mapping.header)))
            continue
        if most is not None and count > most and any(cell.strip() for cell in cells[most:]):
            problems.append(
                RowProblem(
                    name,
                    line,
                    f"{count} {_fields(count)}, terwijl er hoogstens {most} verwacht worden (een "
                    f"{mapping.delimiter!r} in een veld zonder aanhalingstekens?)",
                )
            )
            continue
        raw = {(names[i] if i < len(names) else str(i)): cell for i, cell in enumerate(cells)}
        values = {key: cells[i] if i < count else None for key, i in indexes.items()}
        yield _Row(line, raw, values)


def _csv_reason(exc: csv.Error) -> str:
    """Dutch for the csv module's (English) error, the original text when it is not known."""
    text = str(exc)
    if "unexpected end of data" in text:
        return "een aanhalingsteken wordt nooit gesloten (de rest van het bestand is overgeslagen)"
    if match := re.fullmatch(r"(.*) expected after (.*)", text):
        return f"na een sluitend aanhalingsteken {match.group(2)} hoort {match.group(1)} te staan"
    if match := re.fullmatch(r"field larger than field limit \((\d+)\)", text):
        return f"een veld is langer dan {match.group(1)} tekens"
    return text


def _fields(count: int) -> str:
    return "veld" if count == 1 else "velden"


def _too_few(count: int, least: int, header: bool) -> str:
    against = (
        f"de kopregel er {least} heeft" if header else f"een regel er minstens {least} nodig heeft"
    )
    return (
        f"{count} {_fields(count)}, terwijl {against} (ontbreekt er een veld, of staat er een los "
        "aanhalingsteken?)"
    )


def _fixed_indexes(mapping: ColumnMapping) -> dict[str, int]:
    return {key: mapping.index_of(column) for key, column in mapping.columns.items()}


def _header_less_bounds(mapping: ColumnMapping) -> tuple[int, int | None]:
    needed = [
        mapping.index_of(column)
        for key, column in mapping.columns.items()
        if key not in OPTIONAL_CELLS
    ]
    least = mapping.min_columns or max(needed) + 1
    return least, (len(mapping.column_names) or None)


def _header_indexes(header: list[str], mapping: ColumnMapping, where: str) -> dict[str, int]:
    positions: dict[str, list[int]] = {}
    for index, text in enumerate(header):
        positions.setdefault(text.casefold(), []).append(index)
    indexes: dict[str, int] = {}
    for key, column in mapping.columns.items():
        found = positions.get(str(column).strip().casefold(), [])
        if not found:
            raise CallLogError(
                f"{where}: de kopregel heeft geen kolom {column!r} (voor {key}); de kolommen zijn: "
                + ", ".join(repr(text) for text in header)
            )
        if len(found) > 1:
            raise CallLogError(f"{where}: de kopregel heeft de kolom {column!r} twee keer")
        indexes[key] = found[0]
    return indexes


def _jsonl_rows(
    text: str, name: str, mapping: ColumnMapping, problems: list[RowProblem]
) -> Iterator[_Row]:
    # Only "\n" ends a line: str.splitlines() would also split at U+2028, which JSON allows
    # inside strings.
    for line, content in enumerate(text.split("\n"), start=1):
        content = content.strip()
        if not content:
            continue
        try:
            value = json.loads(content)
        except json.JSONDecodeError as exc:
            problems.append(
                RowProblem(
                    name, line, f"geen geldige JSON: {_json_reason(exc.msg)} (kolom {exc.colno})"
                )
            )
            continue
        except RecursionError:
            problems.append(RowProblem(name, line, "geen geldige JSON: te diep genest"))
            continue
        if not isinstance(value, dict):
            problems.append(
                RowProblem(name, line, f"de regel is geen JSON-object maar {_json_kind(value)}")
            )
            continue
        raw = {str(key): _json_text(item) for key, item in value.items()}
        values = {key: raw.get(str(column)) for key, column in mapping.columns.items()}
        yield _Row(line, raw, values)


# The json module's (English) messages, in Dutch; others are shown as they are.
_JSON_REASONS = {
    "Unterminated string starting at": "een tekst tussen aanhalingstekens wordt niet gesloten",
    "Expecting value": "hier wordt een waarde verwacht",
    "Expecting property name enclosed in double quotes": (
        "hier wordt een naam tussen dubbele aanhalingstekens verwacht"
    ),
    "Expecting ':' delimiter": "hier wordt een ':' verwacht",
    "Expecting ',' delimiter": "hier wordt een ',' verwacht",
    "Extra data": "er staat nog iets na het JSON-object",
    "Invalid control character at": "ongeldig stuurteken in een tekst",
    "Invalid \\escape": "ongeldige escape met \\",
    "Invalid \\uXXXX escape": "ongeldige \\uXXXX-escape",
}


def _json_reason(msg: str) -> str:
    for english, dutch in _JSON_REASONS.items():
        if msg.startswith(english):
            return dutch
    return msg


def _json_kind(value: object) -> str:
    """What a JSON value that is not an object is, in Dutch."""
    if isinstance(value, list):
        return "een lijst"
    if isinstance(value, str):
        return "een tekst"
    if isinstance(value, bool):  # before int: True is an int too
        return "een waarheidswaarde (true/false)"
    if isinstance(value, int | float):
        return "een getal"
    if value is None:
        return "null"
    return type(value).__name__


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int too
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# One row -> CallRecord
# --------------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME_AND_NUMBER = re.compile(r'^\s*"?(.*?)"?\s*<([^<>]*)>\s*$')


def _build(
    row: _Row,
    name: str,
    mapping: ColumnMapping,
    zone: ZoneInfo,
    agent_pattern: re.Pattern[str] | None,
) -> tuple[CallRecord, bool]:
    """The CallRecord of a row, and whether its id was generated; raises _RowError."""
    for column, text in row.raw.items():
        if _SURROGATE.search(text):
            raise _RowError(
                f"kolom {column!r} bevat bytes die geen geldige {mapping.encoding} zijn "
                "(komt het bestand uit Excel, probeer dan encoding: cp1252)"
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


def read_call_log(path: str | Path, mapping: ColumnMapping) -> ParsedLog:
    """Read a call-log file and parse it; raises CallLogError when it cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CallLogError(f"{path}: kan de belregistratie niet lezen: {_os_reason(exc)}") from exc
    return parse_call_log(data, str(path), mapping)


def _os_reason(exc: OSError) -> str:
    """Dutch for the common reasons a file cannot be read; the system's text otherwise."""
    reasons = {
        errno.ENOENT: "het bestand bestaat niet",
        errno.EACCES: "geen toestemming om het bestand te lezen",
        errno.EPERM: "geen toestemming om het bestand te lezen",
        errno.EISDIR: "dit is een map, geen bestand",
    }
    return reasons.get(exc.errno or 0) or exc.strerror or str(exc)

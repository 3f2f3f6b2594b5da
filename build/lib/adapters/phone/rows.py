"""Call-log text -> rows: CSV records or JSON Lines objects, and a RowProblem for each bad one.

Both readers take the file's physical lines (a text stream) and yield, in file order, a `Row`
for each record and a `RowProblem` (file, 1-based line where it starts, why) for each one that
cannot be a row; they hold no more than the record at hand, so a file of any size streams
through.

An unbalanced quote makes the csv module read on into the next rows as one long field:
silently, when a later stray quote happens to close it. So a CSV record may run over several
lines (a note with line breaks, in quotes) only while none of the lines it runs into looks like
a row of its own (as many cells as a row has), for at most MAX_RECORD_LINES lines, and when it
then has the right number of cells. Otherwise its first line is a bad row, and the lines after
it are read again on their own: an unbalanced quote costs its own row and no other.
"""

from __future__ import annotations

import csv
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from adapters.phone.mapping import ColumnMapping
from bot.errors import AdapterError

# Cells a row may lack altogether: Asterisk writes uniqueid and userfield only when it is
# configured to, and a JSON object may leave out keys it has no value for.
OPTIONAL_CELLS = frozenset({"call_id", "caller_name", "end", "notes"})
# A note may run over several lines; a field that runs on for longer is a quote left open.
MAX_RECORD_LINES = 100

_LINE_END = re.compile(r"\r\n|\r|\n")
# RowProblem.kind of a row whose quote is never closed, however the reader found out.
OPEN_QUOTE = "open-quote"


class CallLogError(AdapterError):
    """The file cannot be read as a call log at all (unreadable, header does not match)."""


@dataclass(frozen=True)
class RowProblem:
    """One skipped row of a call log: file, 1-based physical line where it starts, and why.

    `raw` is the row's text as it stands in the file (without its line end), for quarantine.
    `kind` names the problem when the message can change as the file grows (an open quote at
    the end of the file runs on into the rows written after it): the same bad row is then
    still recognised as the same.
    """

    file: str
    line: int
    message: str
    raw: str = field(default="", compare=False)
    kind: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Row:
    """One record of a call log, before it becomes a CallRecord."""

    line: int
    raw: dict[str, str]
    # Our field -> the cell's text; None when the row has no such cell (or key) at all.
    values: dict[str, str | None]
    text: str  # the record as it stands in the file, for a RowProblem


def first_line(text: str) -> str:
    """The first physical line of a record's text."""
    return _LINE_END.split(text, maxsplit=1)[0]


def _without_line_end(line: str) -> str:
    return line[:-2] if line.endswith("\r\n") else line.rstrip("\r\n")


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


class _RunsOn(Exception):
    """A quoted field runs on into a line that is a row of its own, or for too many lines."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Lines:
    """The physical lines of a file, numbered, as the csv reader asks for them.

    `record` holds the lines of the record being read; lines given back are read again
    before the file goes on. A line that would continue a record but has the cells of a whole
    row (`width`) is not handed out: _RunsOn stops the record instead.
    """

    def __init__(self, text: Iterable[str], delimiter: str) -> None:
        self._source = iter(text)
        self._numbered = 0
        self._again: deque[tuple[int, str]] = deque()
        self._delimiter = delimiter
        self.record: list[tuple[int, str]] = []
        self.width: int | None = None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.popleft()
        else:
            line = next(self._source)  # StopIteration: the end of the file
            self._numbered += 1
            number = self._numbered
        if self.record and (
            len(self.record) >= MAX_RECORD_LINES
            # Counting delimiters is enough: a note that is still open has no say in it, and
            # a line of only a note's text has far fewer.
            or (self.width is not None and line.count(self._delimiter) + 1 >= self.width)
        ):
            self._again.appendleft((number, line))
            raise _RunsOn(number)
        self.record.append((number, line))
        return line

    def bad_start(self, name: str, message: str, kind: str = "") -> RowProblem:
        """The record's first line is a bad row; its other lines are read again on their own."""
        (line, text), rest = self.record[0], self.record[1:]
        self._again.extendleft(reversed(rest))
        self.record = []
        return RowProblem(name, line, message, _without_line_end(text), kind)


def csv_rows(text: Iterable[str], name: str, mapping: ColumnMapping) -> Iterator[Row | RowProblem]:
    """The rows of a CSV call log; `text` yields its physical lines with their line ends.

    Raises CallLogError when the header row does not fit the mapping.
    """
    lines = _Lines(text, mapping.delimiter)
    # strict=True: text after a closing quote is an error, not glued onto the field.
    reader = csv.reader(
        lines, delimiter=mapping.delimiter, quotechar=mapping.quotechar, strict=True
    )
    names: list[str] = list(mapping.column_names)
    indexes: dict[str, int] | None = None if mapping.header else _fixed_indexes(mapping)
    least, most = _header_less_bounds(mapping) if not mapping.header else (0, None)
    lines.width = None if mapping.header else least
    while True:
        lines.record = []
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _RunsOn as exc:
            yield lines.bad_start(
                name,
                f"een aanhalingsteken wordt niet gesloten: het veld loopt door in regel "
                f"{exc.line}, die een eigen regel is{_RUNS_ON}",
                OPEN_QUOTE,
            )
            continue
        except csv.Error as exc:
            if len(lines.record) > 1:
                last = lines.record[-1][0]
                message = f"een aanhalingsteken wordt niet gesloten ({_csv_reason(exc, last)})"
                yield lines.bad_start(name, message + _RUNS_ON, OPEN_QUOTE)
            else:
                ends_open = "unexpected end of data" in str(exc)
                message = f"geen geldige CSV: {_csv_reason(exc, None)}"
                yield lines.bad_start(name, message, OPEN_QUOTE if ends_open else "")
            continue
        if not any(cell.strip() for cell in cells):
            continue
        line = lines.record[0][0]
        if indexes is None:
            names = [cell.strip() for cell in cells]
            indexes = _header_indexes(names, mapping, f"{name}:{line}")
            least, most = len(names), len(names)
            lines.width = len(names)
            continue
        count = len(cells)
        wrong: tuple[str, str] | None = None  # what is wrong, and a likely cause
        if count < least:
            against = (
                f"de kopregel er {least} heeft"
                if mapping.header
                else f"een regel er minstens {least} nodig heeft"
            )
            wrong = (
                f"{count} {_fields(count)}, terwijl {against}",
                "ontbreekt er een veld, of staat er een los aanhalingsteken?",
            )
        elif most is not None and count > most and any(cell.strip() for cell in cells[most:]):
            wrong = (
                f"{count} {_fields(count)}, terwijl er hoogstens {most} verwacht worden",
                f"een {mapping.delimiter!r} in een veld zonder aanhalingstekens?",
            )
        if wrong is not None:
            what, cause = wrong
            if len(lines.record) > 1:  # the count is off because a quote ran on
                yield lines.bad_start(
                    name,
                    f"een aanhalingsteken wordt niet gesloten: het veld loopt door tot regel "
                    f"{lines.record[-1][0]} ({what}){_RUNS_ON}",
                    OPEN_QUOTE,
                )
            else:
                yield lines.bad_start(name, f"{what} ({cause})")
            continue
        raw = {(names[i] if i < len(names) else str(i)): cell for i, cell in enumerate(cells)}
        values = {key: cells[i] if i < count else None for key, i in indexes.items()}
        record = _without_line_end("".join(text for _, text in lines.record))
        yield Row(line, raw, values, record)


_RUNS_ON = "; de regels erna zijn los gelezen"


def _csv_reason(exc: csv.Error, last: int | None) -> str:
    """Dutch for the csv module's (English) error, the original text when it is not known."""
    text = str(exc)
    if "unexpected end of data" in text:
        if last:
            return "het bestand houdt op binnen het veld"
        return "een aanhalingsteken wordt nooit gesloten"
    where = f" (regel {last})" if last else ""
    if match := re.fullmatch(r"(.*) expected after (.*)", text):
        return (
            f"na een sluitend aanhalingsteken {match.group(2)} hoort {match.group(1)} te "
            f"staan{where}"
        )
    if match := re.fullmatch(r"field larger than field limit \((\d+)\)", text):
        return f"een veld is langer dan {match.group(1)} tekens"
    return text + where


def _fields(count: int) -> str:
    return "veld" if count == 1 else "velden"


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


# --------------------------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------------------------


def jsonl_rows(
    text: Iterable[str], name: str, mapping: ColumnMapping
) -> Iterator[Row | RowProblem]:
    """The rows of a JSON Lines call log; `text` yields lines ended by "\\n" only (a U+2028
    is allowed inside JSON strings and ends no line)."""
    for line, physical in enumerate(text, start=1):
        content = physical.strip()
        if not content:
            continue
        raw_text = _without_line_end(physical)
        try:
            value = json.loads(content)
        except json.JSONDecodeError as exc:
            message = f"geen geldige JSON: {_json_reason(exc.msg)} (kolom {exc.colno})"
            yield RowProblem(name, line, message, raw_text)
            continue
        except RecursionError:
            yield RowProblem(name, line, "geen geldige JSON: te diep genest", raw_text)
            continue
        if not isinstance(value, dict):
            message = f"de regel is geen JSON-object maar {_json_kind(value)}"
            yield RowProblem(name, line, message, raw_text)
            continue
        raw = {str(key): _json_text(item) for key, item in value.items()}
        values = {key: raw.get(str(column)) for key, column in mapping.columns.items()}
        yield Row(line, raw, values, raw_text)


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

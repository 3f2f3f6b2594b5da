"""Where our fields are in a call-log file: `ColumnMapping`, the presets, and loading one.

A `ColumnMapping` says which column holds each of our fields (see FIELDS) and how the values
are written; `PRESETS` holds the three layouts we know (Asterisk's `Master.csv`, the Dutch CSV
export, JSON Lines). `requested_layout` says what the user asked for: a YAML file they wrote, a
preset by name, or nothing (then adapters.phone.sniff recognises each file's format).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError

# Our fields, in the order people read them. A mapping must place `caller` and `start`.
FIELDS = (
    "call_id",
    "caller",
    "caller_name",
    "called",
    "start",
    "end",
    "duration",
    "answered",
    "agent",
    "notes",
)
REQUIRED_FIELDS = ("caller", "start")
ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1252", "iso8859-1"})


def encoding_name(value: str) -> str:
    """The codec name of an encoding we read; ValueError (in Dutch) for any other."""
    try:
        name = codecs.lookup(value).name
    except LookupError:
        name = value
    if name not in ENCODINGS:
        raise ValueError(
            f"{value!r} wordt niet ondersteund; kies uit {', '.join(sorted(ENCODINGS))}"
        )
    return name


class ColumnMapping(BaseModel):
    """Where our fields are in a call-log file, and how its values are written.

    `columns` maps our field names (see FIELDS) to a column: its header text when the file
    has a header row (matched without regard to case), its 0-based index or a name from
    `column_names` when it has none, a key for JSON Lines. Without a `duration`, it is taken
    from `end` - `start`, else 0; without an `answered` column, a call with a duration was
    answered. `agent_pattern` (one group) picks the agent out of a value like a channel name.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["csv", "jsonl"]
    delimiter: str = ","
    quotechar: str = '"'
    header: bool = True
    encoding: str | None = Field(
        default=None, description="utf-8, cp1252 or latin-1; None: recognised per file."
    )
    columns: dict[str, str | int]
    column_names: tuple[str, ...] = Field(
        default=(), description="Names for the columns of a file without a header row."
    )
    min_columns: int | None = Field(
        default=None, ge=1, description="Fewest cells a header-less row may have."
    )
    answered_values: tuple[str, ...] = ("answered", "ja", "yes", "1", "true")
    unanswered_values: tuple[str, ...] | None = Field(
        default=None,
        description="When set, an `answered` value in neither list is a bad row, not a 'no'.",
    )
    agent_pattern: str | None = None
    time_format: str | None = Field(
        default=None,
        description="strptime format; else ISO 8601, 'YYYY-MM-DD HH:MM:SS' or 'DD-MM-YYYY HH:MM'.",
    )
    timezone: str = Field(default="Europe/Amsterdam", description="For times without offset.")

    @field_validator("delimiter", "quotechar")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if len(value) != 1 or value in "\r\n":
            raise ValueError(f"moet één teken zijn (geen regeleinde), niet {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        return None if value is None else encoding_name(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"{value!r} is geen bekende tijdzone (bijvoorbeeld Europe/Amsterdam)"
            ) from exc
        return value

    @field_validator("agent_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            groups = re.compile(value).groups
        except re.error as exc:
            raise ValueError(f"is geen geldige reguliere expressie: {exc}") from exc
        if groups != 1:
            raise ValueError(f"moet precies één groep hebben (de medewerker), niet {groups}")
        return value

    @field_validator("time_format")
    @classmethod
    def _time_format(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError(f"{value!r} is geen strptime-formaat (bijvoorbeeld '%d-%m-%Y %H:%M')")
        return value

    @model_validator(mode="after")
    def _columns(self) -> ColumnMapping:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise ValueError(
                f"onbekende velden {unknown} in columns; bekende velden: {', '.join(FIELDS)}"
            )
        missing = [name for name in REQUIRED_FIELDS if name not in self.columns]
        if missing:
            raise ValueError(f"columns moet een kolom geven voor {', '.join(missing)}")
        for name, column in self.columns.items():
            if self.format == "jsonl" or self.header:
                if not isinstance(column, str):
                    what = "een sleutel" if self.format == "jsonl" else "een naam uit de kopregel"
                    raise ValueError(f"de kolom van {name!r} moet {what} zijn, niet {column!r}")
            elif isinstance(column, int):
                if column < 0:
                    raise ValueError(f"de kolom van {name!r} moet een index >= 0 zijn")
            elif column not in self.column_names:
                raise ValueError(
                    f"kolom {column!r} van {name!r} staat niet in column_names (het bestand "
                    "heeft geen kopregel: geef een index, of geef de kolommen een naam)"
                )
        return self

    def index_of(self, column: str | int) -> int:
        """The 0-based index of a column in a header-less file."""
        return column if isinstance(column, int) else self.column_names.index(column)


# --------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------

# Asterisk cdr_csv (Master.csv): no header; uniqueid and userfield only with loguniqueid and
# loguserfield in cdr.conf. Times are local unless usegmtime=yes (then set timezone: UTC).
ASTERISK_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)

ASTERISK_CDR = ColumnMapping(
    format="csv",
    header=False,
    column_names=ASTERISK_COLUMNS,
    min_columns=16,
    columns={
        "call_id": "uniqueid",
        "caller": "src",
        "caller_name": "clid",
        "called": "dst",
        "start": "start",
        # billsec is the conversation; duration also counts the ringing.
        "duration": "billsec",
        "answered": "disposition",
        "agent": "dstchannel",
        # Agents type their notes into the userfield (CDR(userfield) from the dialplan).
        "notes": "userfield",
    },
    answered_values=("ANSWERED",),
    unanswered_values=("NO ANSWER", "BUSY", "FAILED", "CONGESTION"),
    # SIP/201-0000001a -> 201, PJSIP/anna-00000012 -> anna, Local/201@queue-0000002b;2 -> 201
    agent_pattern=r"^[A-Za-z0-9_]+/([^@;/]+?)(?:@[^;]*)?-[0-9a-fA-F]+(?:;\d+)?$",
)

DUTCH_CSV = ColumnMapping(
    format="csv",
    delimiter=";",
    header=True,
    columns={
        "caller": "Beller",
        "called": "Gebeld nummer",
        "start": "Starttijd",
        "duration": "Duur",
        "answered": "Beantwoord",
        "agent": "Medewerker",
        "notes": "Notities",
        "call_id": "Gesprek-ID",
    },
    answered_values=("ja", "j", "yes"),
    unanswered_values=("nee", "n", "no"),
)

JSONL = ColumnMapping(
    format="jsonl",
    columns={
        "call_id": "call_id",
        "caller": "caller",
        "caller_name": "caller_name",
        "called": "called",
        "start": "start",
        "duration": "duration_s",
        "answered": "answered",
        "agent": "agent",
        "notes": "notes",
    },
    answered_values=("true",),
    unanswered_values=("false",),
)

PRESETS: Mapping[str, ColumnMapping] = {
    "asterisk": ASTERISK_CDR,
    "nl-csv": DUTCH_CSV,
    "jsonl": JSONL,
}


@dataclass(frozen=True)
class Layout:
    """How to read call logs, as asked for, and who asked (the import says so).

    `mapping` None: the format is recognised per file (see adapters.phone.sniff). `encoding`
    None: the mapping's encoding if it names one, else recognised per file.
    """

    mapping: ColumnMapping | None = None
    format_name: str = ""  # a preset's name or the mapping file's name
    chosen_by: str = ""  # Dutch: "--format jsonl", "phone.format in de instellingen"
    encoding: str | None = None
    encoding_by: str = ""


def requested_layout(
    format: str | None,
    mapping_file: Path | None,
    encoding: str | None = None,
    *,
    from_settings: bool = False,
) -> Layout:
    """The layout asked for: a YAML mapping file, else a preset by name, else recognise each
    file; raises ConfigError for an unknown format or encoding or an unusable mapping file.

    `from_settings`: the format and mapping file come from settings.yaml (phone.format,
    phone.mapping_file), not from the command line; only the wording differs.
    """
    where = "in de instellingen"
    mapping: ColumnMapping | None = None
    name = chosen_by = ""
    if mapping_file is not None:
        try:
            data = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
            mapping = ColumnMapping.model_validate(data)
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigError(f"{mapping_file}: not a usable column mapping: {exc}") from exc
        name = mapping_file.name
        chosen_by = f"phone.mapping_file {where}" if from_settings else f"--mapping {mapping_file}"
    elif format is not None:
        if format not in PRESETS:
            raise ConfigError(
                f"onbekend formaat {format!r} voor belgegevens: kies uit "
                f"{', '.join(sorted(PRESETS))}, of geef --mapping BESTAND"
            )
        mapping, name = PRESETS[format], format
        chosen_by = f"phone.format {where}" if from_settings else f"--format {format}"
    if encoding is None:
        return Layout(mapping, name, chosen_by)
    try:
        codec = encoding_name(encoding)
    except ValueError as exc:
        raise ConfigError(f"--encoding: {exc}") from exc
    return Layout(mapping, name, chosen_by, codec, f"--encoding {encoding}")

"""Call logs (Asterisk CDR, Dutch CSV export, JSON Lines) into CallRecords and Reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from adapters.phone.calllog import (
    CallLogError,
    ParsedLog,
    RowProblem,
    parse_call_log,
    read_call_log,
    stable_call_id,
)
from adapters.phone.mapping import ASTERISK_CDR, DUTCH_CSV, JSONL, PRESETS, ColumnMapping
from adapters.phone.records import CallRecord, call_to_report
from adapters.phone.rows import MAX_RECORD_LINES
from bot.directory import Directory, OrganisationsFile
from bot.models import Channel, Report

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "phone"
HEADER = "Beller;Gebeld nummer;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def parse(name: str, mapping: ColumnMapping) -> ParsedLog:
    return parse_call_log((DATA / name).read_bytes(), name, mapping)


def nl_csv(*rows: str) -> bytes:
    return "\n".join((HEADER, *rows)).encode("utf-8")


def asterisk_row(start: str, **changes: str) -> str:
    cells = {
        "accountcode": "",
        "src": "0501234567",
        "dst": "0307600290",
        "dcontext": "from-trunk",
        "clid": '"Anja de Vries" <0501234567>',
        "channel": "SIP/kpn-trunk-00000001",
        "dstchannel": "SIP/201-00000002",
        "lastapp": "Dial",
        "lastdata": "SIP/201,30,tT",
        "start": start,
        "answer": start,
        "end": start,
        "duration": "65",
        "billsec": "60",
        "disposition": "ANSWERED",
        "amaflags": "DOCUMENTATION",
    } | changes
    return ",".join('"' + value.replace('"', '""') + '"' for value in cells.values())


def only_call(log: ParsedLog) -> CallRecord:
    assert log.problems == []
    assert len(log.calls) == 1
    return log.calls[0]


def make_call(**changes: object) -> CallRecord:
    fields: dict[str, object] = {
        "call_id": "1795423267.26",
        "caller": "050-1234567",
        "caller_e164": "+31501234567",
        "caller_name": "Anja de Vries",
        "called": "030-7600290",
        "started_at": utc(2026, 11, 23, 8, 41, 7),
        "duration_s": 400,
        "answered": True,
        "agent": "201",
        "notes": "Niemand kan inloggen.\nFoutmelding na het wachtwoord.",
        "source": "Master.csv:2",
    }
    return CallRecord.model_validate(fields | changes)


# --------------------------------------------------------------------------------------------
# Asterisk Master.csv
# --------------------------------------------------------------------------------------------


def test_asterisk_master_csv() -> None:
    log = parse("Master.csv", ASTERISK_CDR)
    assert [str(p) for p in log.problems] == [
        "Master.csv:6: 5 velden, terwijl een regel er minstens 16 nodig heeft (ontbreekt er een "
        "veld, of staat er een los aanhalingsteken?)"
    ]
    assert [c.source for c in log.calls] == [
        f"Master.csv:{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 10)
    ]
    by_line = {int(c.source.rpartition(":")[2]): c for c in log.calls}

    anja = by_line[2]
    assert anja.call_id == "1795423267.26"
    assert (anja.caller, anja.caller_e164, anja.caller_name) == (
        "0501234567",
        "+31501234567",
        "Anja de Vries",
    )
    assert anja.called == "0307600290"
    assert anja.started_at == utc(2026, 11, 23, 8, 41, 7)  # 09:41:07 CET
    assert (anja.duration_s, anja.answered, anja.agent) == (400, True, "201")
    assert anja.notes.startswith("Niemand bij Zorggroep Noord kan inloggen")
    assert anja.raw["disposition"] == "ANSWERED"
    assert anja.raw["dstchannel"] == "SIP/201-0000001b"
    assert not anja.ambiguous_time

    no_answer, busy = by_line[3], by_line[4]
    assert (no_answer.answered, no_answer.duration_s, no_answer.agent) == (False, 0, "202")
    assert no_answer.notes == ""
    assert (busy.answered, busy.raw["disposition"]) == (False, "BUSY")

    comma = by_line[5]  # clid "Vries, Anja de" <0501234567>: the comma is inside quotes
    assert comma.caller_name == "Vries, Anja de"
    assert comma.agent == "anna"  # PJSIP/anna-00000021
    assert comma.ticket_refs == (1042,)

    queue = by_line[7]  # Local/203@from-queue-00000024;2
    assert queue.agent == "203"
    assert queue.ticket_refs == (7,)

    assert by_line[8].caller_name == ""  # the network sent the number as the name
    withheld = by_line[9]
    assert (withheld.caller, withheld.caller_e164, withheld.answered) == ("anonymous", None, False)
    assert withheld.agent == ""


def test_asterisk_ambiguous_night_call() -> None:
    """Master.csv line 1 is at 02:30 on 25 October 2026, which Amsterdam lives through twice."""
    night = parse("Master.csv", ASTERISK_CDR).calls[0]
    assert night.ambiguous_time
    assert night.started_at == utc(2026, 10, 25, 0, 30)  # first occurrence: 02:30 CEST
    assert night.agent == "storing"


@pytest.mark.parametrize(
    ("dstchannel", "agent"),
    [
        ("SIP/201-0000001a", "201"),
        ("PJSIP/anna-00000012", "anna"),
        ("PJSIP/jan-de-vries-0000000f", "jan-de-vries"),
        ("IAX2/helpdesk-2-7f3a", "helpdesk-2"),
        ("Local/203@from-queue-00000024;2", "203"),
        ("", ""),
        ("Unrecognised", "Unrecognised"),  # kept as written rather than lost
    ],
)
def test_asterisk_agent_from_dstchannel(dstchannel: str, agent: str) -> None:
    data = asterisk_row("2026-11-24 10:00:00", dstchannel=dstchannel).encode()
    assert only_call(parse_call_log(data, "Master.csv", ASTERISK_CDR)).agent == agent


def test_asterisk_row_with_uniqueid_but_no_userfield() -> None:
    row = asterisk_row("2026-11-24 10:00:00") + ',"1795515600.5"'
    call = only_call(parse_call_log(row.encode(), "Master.csv", ASTERISK_CDR))
    assert (call.call_id, call.notes) == ("1795515600.5", "")


def test_asterisk_utc_logs() -> None:
    """With usegmtime=yes in cdr.conf the times are UTC: set the mapping's timezone."""
    mapping = ASTERISK_CDR.model_copy(update={"timezone": "UTC"})
    data = asterisk_row("2026-11-24 10:00:00").encode()
    assert only_call(parse_call_log(data, "Master.csv", mapping)).started_at == utc(
        2026, 11, 24, 10
    )


def test_asterisk_unknown_disposition_is_a_problem() -> None:
    data = asterisk_row("2026-11-24 10:00:00", disposition="MAYBE").encode()
    log = parse_call_log(data, "Master.csv", ASTERISK_CDR)
    assert log.calls == []
    message = log.problems[0].message
    assert "onbekende waarde 'MAYBE' voor beantwoord" in message
    assert "'ANSWERED', 'NO ANSWER', 'BUSY'" in message


def test_asterisk_too_many_columns() -> None:
    data = (asterisk_row("2026-11-24 10:00:00") + ',"1.1","note","extra"').encode()
    log = parse_call_log(data, "Master.csv", ASTERISK_CDR)
    assert [(p.line, p.message.split(" (")[0]) for p in log.problems] == [
        (1, "19 velden, terwijl er hoogstens 18 verwacht worden")
    ]


# --------------------------------------------------------------------------------------------
# Dutch CSV export
# --------------------------------------------------------------------------------------------


def test_dutch_csv_export() -> None:
    raw = (DATA / "export_nl.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # Excel's "CSV UTF-8"
    log = parse("export_nl.csv", DUTCH_CSV)
    assert [str(p) for p in log.problems] == [
        "export_nl.csv:7: geen nummer van de beller",
        # The note of this row spans lines 8-9: the problem points at where the row starts.
        "export_nl.csv:8: starttijd '31-11-2026 10:15' is geen geldige tijd "
        "(die dag bestaat niet in die maand)",
        "export_nl.csv:10: 9 velden, terwijl er hoogstens 8 verwacht worden (een ';' in een veld "
        "zonder aanhalingstekens?)",
    ]
    assert [c.source for c in log.calls] == [f"export_nl.csv:{n}" for n in (2, 3, 4, 11)]
    first, missed, multi, no_id = log.calls

    assert first.call_id == "NL-000101"
    assert (first.caller, first.caller_e164) == ("050-1234567", "+31501234567")
    assert first.started_at == utc(2026, 11, 23, 8, 40)  # 09:40 local
    assert (first.duration_s, first.answered, first.agent) == (400, True, "Sanne")
    assert first.raw["Beller"] == "050-1234567"  # the BOM is not part of the first header

    assert (missed.answered, missed.duration_s, missed.agent, missed.notes) == (False, 0, "", "")

    assert multi.notes == (
        'Export naar Excel geeft een foutmelding ("bestand beschadigd").\n'
        "Workaround: exporteren via CSV werkt wel.\n"
        "Belt terug als het morgen nog niet werkt."
    )
    assert multi.caller_e164 == "+31407654321"
    assert multi.duration_s == 4 * 60 + 12  # "4:12" is MM:SS

    assert no_id.call_id.startswith("sha256:")  # empty Gesprek-ID: a stable generated id
    assert no_id.ticket_refs == (1,)


def test_dutch_csv_header_without_a_mapped_column() -> None:
    data = b"Beller;Starttijd;Duur\n0501234567;26-11-2026 14:05;60\n"
    with pytest.raises(CallLogError) as caught:
        parse_call_log(data, "calls.csv", DUTCH_CSV)
    assert str(caught.value) == (
        "calls.csv:1: de kopregel heeft geen kolom 'Gebeld nummer' (voor called); "
        "de kolommen zijn: 'Beller', 'Starttijd', 'Duur'"
    )


def test_dutch_csv_header_with_a_column_twice() -> None:
    data = f"{HEADER};Beller\n".encode()
    with pytest.raises(
        CallLogError, match=r"^c\.csv:1: de kopregel heeft de kolom 'Beller' twee keer$"
    ):
        parse_call_log(data, "c.csv", DUTCH_CSV)


def test_header_is_matched_without_regard_to_case_or_spaces() -> None:
    header = "beller ; GEBELD NUMMER;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID"
    data = f"{header}\n0501234567;0307600290;26-11-2026 14:05;60;JA;Sanne;Test;X1\n".encode()
    call = only_call(parse_call_log(data, "calls.csv", DUTCH_CSV))
    assert (call.call_id, call.answered, call.duration_s) == ("X1", True, 60)


def test_unclosed_quote_is_reported_where_the_row_starts() -> None:
    data = nl_csv(
        "0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Eerste;X1",
        '0612345678;0307600290;26-11-2026 14:10;60;ja;Sanne;"Notitie zonder eind;X2',
        "0102223344;0307600290;26-11-2026 14:15;60;ja;Sanne;Derde;X3",
    )
    log = parse_call_log(data, "calls.csv", DUTCH_CSV)
    assert [c.call_id for c in log.calls] == ["X1", "X3"]  # the next row is kept
    assert [p.line for p in log.problems] == [3]
    assert log.problems[0].message == (
        "een aanhalingsteken wordt niet gesloten: het veld loopt door in regel 4, die een "
        "eigen regel is; de regels erna zijn los gelezen"
    )
    assert log.problems[0].raw == (
        '0612345678;0307600290;26-11-2026 14:10;60;ja;Sanne;"Notitie zonder eind;X2'
    )


@pytest.mark.parametrize(
    ("rows", "kept", "bad", "message"),
    [
        # The last row: the file ends inside the quote.
        (['0612345678;0307600290;26-11-2026 14:10;60;ja;Sanne;"Open;X2'], [], [3], "nooit"),
        # A note over two lines whose second line is a row: the first line is bad.
        (
            [
                '0612345678;0307600290;26-11-2026 14:10;60;ja;Sanne;"Open;X2',
                '0102223344;0307600290;26-11-2026 14:15;60;ja;Sanne;Monitor 24";X3',
            ],
            ["X3"],
            [3],
            "het veld loopt door in regel 4",
        ),
        # The quote closes on a line that is not a row, with the wrong number of cells.
        (
            [
                '0612345678;0307600290;26-11-2026 14:10;60;ja;"Open;X2',
                'nog een regel";X9',
                "0102223344;0307600290;26-11-2026 14:15;60;ja;Sanne;Derde;X3",
            ],
            ["X3"],
            [3, 4],
            "het veld loopt door tot regel 4 (7 velden, terwijl de kopregel er 8 heeft)",
        ),
        # Text after the closing quote, two lines on: the first line is bad, the rest re-read.
        (
            [
                '0612345678;0307600290;26-11-2026 14:10;60;ja;Sanne;"Open',
                'dicht"x;X2',
                "0102223344;0307600290;26-11-2026 14:15;60;ja;Sanne;Derde;X3",
            ],
            ["X3"],
            [3, 4],
            "na een sluitend aanhalingsteken '\"' hoort ';' te staan (regel 4)",
        ),
    ],
)
def test_an_unbalanced_quote_costs_only_its_own_row(
    rows: list[str], kept: list[str], bad: list[int], message: str
) -> None:
    first = "0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Eerste;X1"
    log = parse_call_log(nl_csv(first, *rows), "c.csv", DUTCH_CSV)
    assert [c.call_id for c in log.calls] == ["X1", *kept]
    assert [p.line for p in log.problems] == bad
    assert message in log.problems[0].message
    assert "aanhalingsteken" in log.problems[0].message


def test_a_note_over_many_lines_is_one_row_up_to_a_limit() -> None:
    note = "\n".join(f"regel {n}" for n in range(MAX_RECORD_LINES - 1))
    row = f'0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;"{note}";X1'
    assert only_call(parse_call_log(nl_csv(row), "c.csv", DUTCH_CSV)).notes == note
    longer = note + "\nnog een\nen nog een"
    row = f'0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;"{longer}";X1'
    log = parse_call_log(nl_csv(row), "c.csv", DUTCH_CSV)
    assert log.calls == []
    assert log.problems[0].line == 2 and "aanhalingsteken" in log.problems[0].message
    # Every line is accounted for: the first as the open quote, the others on their own.
    assert len(log.problems) == MAX_RECORD_LINES + 1


def test_text_after_a_closing_quote_is_a_problem() -> None:
    data = nl_csv('0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;"Notitie"x;X1')
    log = parse_call_log(data, "c.csv", DUTCH_CSV)
    assert [str(p) for p in log.problems] == [
        "c.csv:2: geen geldige CSV: na een sluitend aanhalingsteken '\"' hoort ';' te staan"
    ]


def test_blank_and_empty_rows_are_skipped() -> None:
    data = nl_csv(
        "",
        "0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Eerste;X1",
        ";;;;;;;",
        "   ",
        "0612345678;0307600290;26-11-2026 14:10;60;ja;Sanne;Tweede;X2",
    )
    log = parse_call_log(data, "calls.csv", DUTCH_CSV)
    assert log.problems == []
    assert [c.source for c in log.calls] == ["calls.csv:3", "calls.csv:6"]


def test_too_few_fields() -> None:
    log = parse_call_log(nl_csv("0501234567;0307600290;26-11-2026 14:05"), "c.csv", DUTCH_CSV)
    assert [str(p) for p in log.problems] == [
        "c.csv:2: 3 velden, terwijl de kopregel er 8 heeft (ontbreekt er een veld, of staat er "
        "een los aanhalingsteken?)"
    ]


def test_trailing_empty_fields_are_fine() -> None:
    row = "0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Test;X1;;"
    assert only_call(parse_call_log(nl_csv(row), "c.csv", DUTCH_CSV)).call_id == "X1"


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", "Ik krijg een foutmelding bij het ophalen van één rapport".encode()),
        ("cp1252", "Ik krijg een foutmelding bij het ophalen van één rapport".encode("cp1252")),
        ("utf-8-sig", b"\xef\xbb\xbf" + "één rapport".encode()),
        ("cp1252", b"\xef\xbb\xbf" + "één rapport".encode()),  # a BOM means UTF-8, always
    ],
)
def test_encodings(encoding: str, data: bytes) -> None:
    mapping = ColumnMapping(
        format="csv", columns={"caller": "a", "start": "b", "notes": "c"}, encoding=encoding
    )
    text = b"a,b,c\n0501234567,2026-11-24 10:00:00," + data.removeprefix(b"\xef\xbb\xbf")
    if data.startswith(b"\xef\xbb\xbf"):
        text = b"\xef\xbb\xbf" + text
    assert "één" in only_call(parse_call_log(text, "c.csv", mapping)).notes


def test_bytes_that_do_not_decode_are_a_row_problem() -> None:
    cp1252 = "0612345678;0307600290;26-11-2026 14:10;60;ja;René;Tweede;X2".encode("cp1252")
    data = nl_csv("0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Eerste;X1") + b"\n" + cp1252
    utf8 = DUTCH_CSV.model_copy(update={"encoding": "utf-8"})  # asked for: not recognised
    log = parse_call_log(data, "c.csv", utf8)
    assert [c.call_id for c in log.calls] == ["X1"]
    assert [p.line for p in log.problems] == [3]
    assert log.problems[0].message == (
        "kolom 'Medewerker' bevat bytes die geen geldige utf-8 zijn (komt het bestand uit "
        "Excel, probeer dan --encoding cp1252; zonder --encoding wordt de tekenset herkend)"
    )
    # Not asked for, the encoding is recognised from the whole file: cp1252.
    assert [c.agent for c in parse_call_log(data, "c.csv", DUTCH_CSV).calls] == ["Sanne", "René"]


def test_utf16_is_refused_as_a_whole() -> None:
    with pytest.raises(
        CallLogError,
        match=r"^c\.csv: het bestand is UTF-16; exporteer het als UTF-8 \(of cp1252\)$",
    ):
        parse_call_log(HEADER.encode("utf-16"), "c.csv", DUTCH_CSV)


# --------------------------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------------------------


def test_jsonl_file() -> None:
    log = parse("calls.jsonl", JSONL)
    assert [(p.line, p.message) for p in log.problems] == [
        (6, "geen geldige JSON: een tekst tussen aanhalingstekens wordt niet gesloten (kolom 150)"),
        (7, "de regel is geen JSON-object maar een lijst"),
        (
            9,
            "starttijd 2027-03-28 02:30 bestaat niet in Europe/Amsterdam "
            "(de klok slaat dat uur over)",
        ),
        (10, "negatieve duur '-12'"),
        (11, "geen nummer van de beller"),
    ]
    assert [c.source for c in log.calls] == [f"calls.jsonl:{n}" for n in (1, 2, 3, 5, 8)]
    offset, local, zulu, no_id, night = log.calls
    assert offset.started_at == utc(2026, 11, 23, 8, 40)  # +01:00 taken as is
    assert offset.ticket_refs == (1,)
    assert offset.caller_name == "Anja de Vries"
    assert local.started_at == utc(2026, 11, 23, 9, 2, 44)  # no offset: Amsterdam, CET
    assert (local.answered, local.raw["answered"], local.raw["duration_s"]) == (False, "false", "0")
    assert zulu.started_at == utc(2026, 11, 24, 10, 15)
    assert zulu.called == "+31307600290"
    assert zulu.notes == "Instelling: beoordelingsperiode aanpassen\nvoor afdeling HR."
    assert no_id.call_id.startswith("sha256:")
    assert (night.ambiguous_time, night.started_at) == (True, utc(2026, 10, 25, 0, 30))


def test_jsonl_missing_optional_keys_and_crlf() -> None:
    data = b'{"caller": "0501234567", "start": "2026-11-24T10:00:00+01:00"}\r\n\r\n'
    call = only_call(parse_call_log(data, "c.jsonl", JSONL))
    assert (call.called, call.agent, call.notes, call.duration_s, call.answered) == (
        "",
        "",
        "",
        0,
        False,
    )


def test_jsonl_line_separator_inside_a_string_is_not_a_line_break() -> None:
    data = '{"caller": "0501234567", "start": "2026-11-24T10:00:00Z", "notes": "a\u2028b"}\n'
    assert only_call(parse_call_log(data.encode(), "c.jsonl", JSONL)).notes == "a\u2028b"


def test_jsonl_lone_surrogate_is_a_problem() -> None:
    data = b'{"caller": "0501234567", "start": "2026-11-24T10:00:00Z", "notes": "\\ud800"}\n'
    log = parse_call_log(data, "c.jsonl", JSONL)
    assert (log.calls, [p.line for p in log.problems]) == ([], [1])
    assert log.problems[0].message.startswith("kolom 'notes' bevat bytes die geen geldige utf-8")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"caller": "0501234567" "start": "x"}', "hier wordt een ',' verwacht (kolom 25)"),
        ('{"caller": }', "hier wordt een waarde verwacht (kolom 12)"),
        ("{caller: 1}", "hier wordt een naam tussen dubbele aanhalingstekens verwacht (kolom 2)"),
        ('{"caller": "0501234567"} x', "er staat nog iets na het JSON-object (kolom 26)"),
        ("[" * 100_000, "te diep genest"),
    ],
)
def test_jsonl_errors_are_explained_in_dutch(line: str, message: str) -> None:
    log = parse_call_log(line.encode(), "c.jsonl", JSONL)
    assert [(p.line, p.message) for p in log.problems] == [(1, f"geen geldige JSON: {message}")]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('"0501234567"', "een tekst"),
        ("42", "een getal"),
        ("true", "een waarheidswaarde (true/false)"),
        ("null", "null"),
    ],
)
def test_jsonl_line_that_is_not_an_object(line: str, kind: str) -> None:
    log = parse_call_log(line.encode(), "c.jsonl", JSONL)
    assert [p.message for p in log.problems] == [f"de regel is geen JSON-object maar {kind}"]


# --------------------------------------------------------------------------------------------
# Times, durations, answered
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "data"),
    [
        (ASTERISK_CDR, asterisk_row("2026-10-25 02:30:00").encode()),
        (DUTCH_CSV, nl_csv("0501234567;0307600290;25-10-2026 02:30;60;ja;Sanne;Nacht;X1")),
        (JSONL, b'{"caller": "0501234567", "start": "2026-10-25T02:30:00"}'),
    ],
    ids=["asterisk", "nl-csv", "jsonl"],
)
def test_ambiguous_local_time_is_the_first_occurrence(mapping: ColumnMapping, data: bytes) -> None:
    call = only_call(parse_call_log(data, "log", mapping))
    assert call.ambiguous_time
    assert call.started_at == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not 02:30 CET


@pytest.mark.parametrize(
    ("mapping", "data", "line"),
    [
        (ASTERISK_CDR, asterisk_row("2027-03-28 02:30:00").encode(), 1),
        (DUTCH_CSV, nl_csv("0501234567;0307600290;28-03-2027 02:30;60;ja;Sanne;Test;X1"), 2),
        (JSONL, b'{"caller": "0501234567", "start": "2027-03-28T02:30:00"}', 1),
    ],
    ids=["asterisk", "nl-csv", "jsonl"],
)
def test_nonexistent_local_time_is_a_problem(
    mapping: ColumnMapping, data: bytes, line: int
) -> None:
    log = parse_call_log(data, "log", mapping)
    assert log.calls == []
    assert [(p.line, p.message) for p in log.problems] == [
        (
            line,
            "starttijd 2027-03-28 02:30 bestaat niet in Europe/Amsterdam "
            "(de klok slaat dat uur over)",
        )
    ]


@pytest.mark.parametrize(
    ("start", "expected", "ambiguous"),
    [
        ("2026-11-26 14:05:00", utc(2026, 11, 26, 13, 5), False),
        ("2026-07-01 14:05:00", utc(2026, 7, 1, 12, 5), False),  # summer time
        ("2026-11-26T14:05", utc(2026, 11, 26, 13, 5), False),
        ("2026-11-26T14:05:00+02:00", utc(2026, 11, 26, 12, 5), False),  # offset as is
        ("2026-10-25T02:30:00+01:00", utc(2026, 10, 25, 1, 30), False),  # offset settles it
        ("2026-11-26T13:05:00Z", utc(2026, 11, 26, 13, 5), False),
        ("26-11-2026 14:05", utc(2026, 11, 26, 13, 5), False),
        ("6-1-2026 9:05", utc(2026, 1, 6, 8, 5), False),
        ("26-11-2026 14:05:30", utc(2026, 11, 26, 13, 5, 30), False),
        ("2026-10-25 01:59:59", utc(2026, 10, 24, 23, 59, 59), False),
        ("2026-10-25 02:00:00", utc(2026, 10, 25, 0, 0), True),
        ("2026-10-25 02:59:59", utc(2026, 10, 25, 0, 59, 59), True),
        ("2026-10-25 03:00:00", utc(2026, 10, 25, 2, 0), False),
    ],
)
def test_start_times(start: str, expected: datetime, ambiguous: bool) -> None:
    data = f"caller,start\n0501234567,{start}\n".encode()
    mapping = ColumnMapping(format="csv", columns={"caller": "caller", "start": "start"})
    call = only_call(parse_call_log(data, "c.csv", mapping))
    assert (call.started_at, call.ambiguous_time) == (expected, ambiguous)
    assert call.started_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (
            "morgen om tien uur",
            "starttijd 'morgen om tien uur' is geen tijd (verwacht: ISO 8601, "
            "'JJJJ-MM-DD UU:MM:SS' of 'DD-MM-JJJJ UU:MM')",
        ),
        # a date without a time is not a call's start
        ("2026-11-26", "starttijd '2026-11-26' is geen tijd"),
        (
            "2026-13-01 10:00:00",
            "'2026-13-01 10:00:00' is geen geldige tijd (de maand moet 1 tot en met 12 zijn)",
        ),
        (
            "2026-11-26 25:00:00",
            "'2026-11-26 25:00:00' is geen geldige tijd (het uur moet 0 tot en met 23 zijn)",
        ),
        (
            "2026-11-26 10:00:00 uur",
            "'2026-11-26 10:00:00 uur' is geen geldige tijd (geen geldige ISO 8601-tijd)",
        ),
        ("1899-11-26 10:00:00", "'1899-11-26 10:00:00': het jaar 1899 valt buiten"),
        ("2026-03-29 02:15:00", "2026-03-29 02:15 bestaat niet in Europe/Amsterdam"),
        ("", "geen starttijd"),
    ],
)
def test_bad_start_times(start: str, message: str) -> None:
    data = f"caller,start\n0501234567,{start}\n".encode()
    mapping = ColumnMapping(format="csv", columns={"caller": "caller", "start": "start"})
    log = parse_call_log(data, "c.csv", mapping)
    assert log.calls == []
    assert message in log.problems[0].message


def test_time_format() -> None:
    mapping = ColumnMapping(
        format="csv",
        columns={"caller": "caller", "start": "start"},
        time_format="%d/%m/%Y %H.%M",
    )
    data = b"caller,start\n0501234567,26/11/2026 14.05\n0501234567,2026-11-26 14:05:00\n"
    log = parse_call_log(data, "c.csv", mapping)
    assert [c.started_at for c in log.calls] == [utc(2026, 11, 26, 13, 5)]
    assert log.problems[0].message == (
        "starttijd '2026-11-26 14:05:00' is geen geldige tijd "
        "(past niet bij het formaat '%d/%m/%Y %H.%M')"
    )


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [("0", 0), ("125", 125), ("125.0", 125), ("2:05", 125), ("0:02:05", 125), ("1:02:05", 3725)],
)
def test_durations(duration: str, seconds: int) -> None:
    data = nl_csv(f"0501234567;0307600290;26-11-2026 14:05;{duration};ja;Sanne;Test;X1")
    assert only_call(parse_call_log(data, "c.csv", DUTCH_CSV)).duration_s == seconds


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("-5", "negatieve duur '-5'"),
        ("-0:05", "negatieve duur '-0:05'"),
        ("2:75", "duur '2:75' is geen kloktijd (U:MM:SS of MM:SS)"),
        ("1:75:00", "duur '1:75:00' is geen kloktijd"),
        ("twee minuten", "duur 'twee minuten' is geen aantal seconden, U:MM:SS of MM:SS"),
        ("999999999", "duur '999999999' is langer dan een week"),
    ],
)
def test_bad_durations(duration: str, message: str) -> None:
    data = nl_csv(f"0501234567;0307600290;26-11-2026 14:05;{duration};ja;Sanne;Test;X1")
    log = parse_call_log(data, "c.csv", DUTCH_CSV)
    assert log.calls == []
    assert message in log.problems[0].message


def test_duration_from_end_and_answered_from_duration() -> None:
    mapping = ColumnMapping(
        format="csv", columns={"caller": "from", "start": "start", "end": "end"}
    )
    data = (
        b"from,start,end\n"
        b"0501234567,2026-11-26 14:05:00,2026-11-26 14:07:30\n"
        b"0612345678,2026-11-26 14:10:00,2026-11-26 14:10:00\n"
        b"0102223344,2026-11-26 14:20:00,2026-11-26 14:19:00\n"
    )
    log = parse_call_log(data, "c.csv", mapping)
    assert [(c.duration_s, c.answered) for c in log.calls] == [(150, True), (0, False)]
    assert [(p.line, p.message) for p in log.problems] == [
        (4, "het gesprek eindigt voordat het begint")
    ]


def test_empty_answered_cell_means_not_answered() -> None:
    data = nl_csv("0501234567;0307600290;26-11-2026 14:05;0;;;;X1")
    assert only_call(parse_call_log(data, "c.csv", DUTCH_CSV)).answered is False


# --------------------------------------------------------------------------------------------
# Stable ids
# --------------------------------------------------------------------------------------------


def test_generated_ids_are_stable_across_reparse_and_a_grown_file() -> None:
    data = (DATA / "Master_no_uniqueid.csv").read_bytes()
    full = parse_call_log(data, "Master.csv", ASTERISK_CDR)
    again = parse_call_log(data, "elsewhere/Master.csv", ASTERISK_CDR)
    ids = [c.call_id for c in full.calls]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert all(i.startswith("sha256:") and len(i) == 7 + 64 for i in ids)
    assert [c.call_id for c in again.calls] == ids
    lines = data.splitlines(keepends=True)
    for n in range(1, len(lines)):
        earlier = parse_call_log(b"".join(lines[:n]), "Master.csv", ASTERISK_CDR)
        assert [c.call_id for c in earlier.calls] == ids[:n]


def test_generated_id_is_the_documented_hash() -> None:
    call = parse("Master_no_uniqueid.csv", ASTERISK_CDR).calls[0]
    assert call.call_id == stable_call_id(
        "+31501234567", utc(2026, 11, 23, 8, 41, 7), "0307600290", "201"
    )


def test_same_call_in_other_formats_gets_the_same_generated_id() -> None:
    """The id hashes the normalised number and UTC time, not how the file writes them."""
    csv_call = only_call(
        parse_call_log(
            nl_csv("050-1234567;0307600290;26-11-2026 14:05;60;ja;Sanne;;"), "a", DUTCH_CSV
        )
    )
    line = (
        '{"caller": "+31 50 123 4567", "called": "0307600290", "agent": "Sanne", '
        '"start": "2026-11-26T13:05:00Z"}'
    )
    json_call = only_call(parse_call_log(line.encode(), "b", JSONL))
    assert csv_call.call_id == json_call.call_id


def test_two_calls_in_the_same_minute_keep_distinct_stable_ids() -> None:
    rows = (
        "0501234567;0307600290;26-11-2026 14:05;0:20;ja;Sanne;Verbinding viel weg;",
        "0501234567;0307600290;26-11-2026 14:05;3:10;ja;Sanne;Opnieuw gebeld;",
    )
    log = parse_call_log(nl_csv(*rows), "c.csv", DUTCH_CSV)
    assert log.problems == []
    first, second = (c.call_id for c in log.calls)
    assert second == first + ".2"
    assert [c.call_id for c in parse_call_log(nl_csv(*rows), "c.csv", DUTCH_CSV).calls] == [
        first,
        second,
    ]


@pytest.mark.parametrize("call_id", ["", "X1"])
def test_duplicate_rows_are_reported_once(call_id: str) -> None:
    row = f"0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Test;{call_id}"
    log = parse_call_log(nl_csv(row, row), "c.csv", DUTCH_CSV)
    assert len(log.calls) == 1
    assert [str(p) for p in log.problems] == [
        "c.csv:3: hetzelfde gesprek als regel 2 (een dubbele regel)"
    ]


def test_reused_call_id_is_reported() -> None:
    rows = (
        "0501234567;0307600290;26-11-2026 14:05;60;ja;Sanne;Eerste;X1",
        "0612345678;0307600290;26-11-2026 15:05;60;ja;Sanne;Ander gesprek;X1",
    )
    log = parse_call_log(nl_csv(*rows), "c.csv", DUTCH_CSV)
    assert [c.notes for c in log.calls] == ["Eerste"]
    assert [str(p) for p in log.problems] == ["c.csv:3: gesprek-ID 'X1' is al gebruikt op regel 2"]


# --------------------------------------------------------------------------------------------
# Ticket references
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notes", "refs"),
    [
        ("Belt over ticket #1", (1,)),
        ("zie #123 en #45", (123, 45)),
        ("Ticket 77: nog steeds kapot", (77,)),
        ("n.a.v. melding 1042", (1042,)),
        ("Meldingnummer 12, ook ticketnr. 13", (12, 13)),
        ("ticket #5, nogmaals #5", (5,)),
        ("Foutmelding 502 bij inloggen", ()),
        ("meldingen 3 keer gedaan", ()),
        ("C#3 en &#123;", ()),
        ("", ()),
    ],
)
def test_ticket_refs(notes: str, refs: tuple[int, ...]) -> None:
    assert make_call(notes=notes).ticket_refs == refs


# --------------------------------------------------------------------------------------------
# call_to_report
# --------------------------------------------------------------------------------------------


def test_call_to_report() -> None:
    report = call_to_report(make_call(notes="Niemand kan inloggen (ticket #1).\nFoutmelding 502."))
    assert isinstance(report, Report)
    assert report.channel is Channel.PHONE
    assert report.sender == "+31501234567"
    assert report.sender_name == "Anja de Vries"
    assert report.received_at == utc(2026, 11, 23, 8, 41, 7)
    assert report.subject == "Telefoon: Niemand kan inloggen (ticket #1)."
    assert report.body == "Niemand kan inloggen (ticket #1).\nFoutmelding 502."
    assert report.source_key == "phone:1795423267.26"
    assert report.notes == (
        "agent: 201",
        "duration: 6:40 (400 s)",
        "called: 030-7600290",
        "mentions ticket #1",
        "source: Master.csv:2",
    )


def test_missed_call_to_report() -> None:
    call = make_call(answered=False, duration_s=0, notes="", caller_name="", agent="202")
    report = call_to_report(call)
    assert report.subject == "Telefoon: gemiste oproep"
    assert (
        report.body
        == "Gemiste oproep van 050-1234567 op 23-11-2026 om 09:41; er zijn geen notities."
    )
    assert report.notes[:2] == ("not answered (rang: 202)", "duration: 0:00 (0 s)")


def test_answered_call_without_notes_to_report() -> None:
    report = call_to_report(make_call(notes="", duration_s=3725))
    assert report.subject == "Telefoon (geen notities)"
    assert report.body == (
        "Telefoongesprek met Anja de Vries (050-1234567) op 23-11-2026 om 09:41 (1:02:05), "
        "aangenomen door 201; er zijn geen notities gemaakt."
    )


def test_unknown_number_and_ambiguous_time_in_report_notes() -> None:
    call = make_call(
        caller="anonymous",
        caller_e164=None,
        started_at=utc(2026, 10, 25, 0, 30),
        ambiguous_time=True,
    )
    report = call_to_report(call)
    assert report.sender == "anonymous"
    assert "caller 'anonymous' is not a phone number we can match to a contact" in report.notes
    assert (
        "ambiguous local time 2026-10-25 02:30: it happened twice (clocks went back); "
        "read as the first occurrence (UTC+02:00)"
    ) in report.notes


def test_long_first_line_is_shortened_in_the_subject() -> None:
    notes = (
        "Bij het invullen van de evaluaties voor het team Zorg Noord krijgt iedereen een "
        "foutmelding en gaat het formulier verloren\ntweede regel"
    )
    report = call_to_report(make_call(notes=notes))
    assert report.subject.startswith("Telefoon: Bij het invullen van de evaluaties")
    assert report.subject.endswith("…")
    assert len(report.subject) <= len("Telefoon: ") + 70
    assert report.body == notes


def test_every_fixture_call_becomes_a_report() -> None:
    for name, mapping in [
        ("Master.csv", ASTERISK_CDR),
        ("export_nl.csv", DUTCH_CSV),
        ("calls.jsonl", JSONL),
    ]:
        for call in parse(name, mapping).calls:
            report = call_to_report(call)
            assert report.source_key == f"phone:{call.call_id}"
            assert report.received_at == call.started_at


# --------------------------------------------------------------------------------------------
# ColumnMapping, presets, the sample and read_call_log
# --------------------------------------------------------------------------------------------


def test_presets() -> None:
    assert PRESETS == {"asterisk": ASTERISK_CDR, "nl-csv": DUTCH_CSV, "jsonl": JSONL}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"format": "csv", "columns": {"caller": "a"}}, "columns moet een kolom geven voor start"),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b", "caler": "c"}},
            r"onbekende velden \['caler'\] in columns; bekende velden: call_id, caller,",
        ),
        (
            {"format": "csv", "columns": {"caller": 0, "start": "b"}},
            "de kolom van 'caller' moet een naam uit de kopregel zijn, niet 0",
        ),
        (
            {"format": "jsonl", "columns": {"caller": 0, "start": "b"}},
            "de kolom van 'caller' moet een sleutel zijn, niet 0",
        ),
        (
            {"format": "csv", "header": False, "columns": {"caller": -1, "start": 1}},
            "de kolom van 'caller' moet een index >= 0 zijn",
        ),
        (
            {"format": "csv", "header": False, "columns": {"caller": "src", "start": 9}},
            "kolom 'src' van 'caller' staat niet in column_names",
        ),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b"}, "delimiter": ";;"},
            "moet één teken zijn",
        ),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b"}, "encoding": "utf-16"},
            "'utf-16' wordt niet ondersteund; kies uit cp1252,",
        ),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b"}, "timezone": "Europe/Adam"},
            "'Europe/Adam' is geen bekende tijdzone",
        ),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b"}, "agent_pattern": "x"},
            "moet precies één groep hebben",
        ),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b"}, "agent_pattern": "(x"},
            "is geen geldige reguliere expressie",
        ),
        (
            {"format": "csv", "columns": {"caller": "a", "start": "b"}, "time_format": "dd-mm"},
            "'dd-mm' is geen strptime-formaat",
        ),
        ({"format": "csv", "columns": {"caller": "a", "start": "b"}, "sep": ";"}, "sep"),
        ({"format": "xml", "columns": {"caller": "a", "start": "b"}}, "format"),
    ],
)
def test_column_mapping_validation(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ColumnMapping.model_validate(fields)


def test_column_mapping_from_yaml() -> None:
    text = """
format: csv
delimiter: ";"
header: false
encoding: CP1252
columns: {caller: 0, start: 1, notes: 3}
answered_values: [ja]
"""
    mapping = ColumnMapping.model_validate(yaml.safe_load(text))
    assert mapping.encoding == "cp1252"
    data = "0501234567;26-11-2026 14:05;x;Één".encode("cp1252")
    call = only_call(parse_call_log(data, "c.csv", mapping))
    assert (call.notes, call.raw) == (
        "Één",
        {"0": "0501234567", "1": "26-11-2026 14:05", "2": "x", "3": "Één"},
    )


def test_sample_calls_for_the_demo() -> None:
    log = read_call_log(REPO / "samples" / "phone" / "calls.csv", DUTCH_CSV)
    assert log.problems == []
    assert len(log.calls) == 5
    assert all(utc(2026, 11, 23) <= c.started_at < utc(2026, 11, 28) for c in log.calls)
    assert [c.answered for c in log.calls].count(False) == 1
    assert [c.ticket_refs for c in log.calls if c.ticket_refs] == [(1,)]
    config = yaml.safe_load((REPO / "config" / "organisations.yaml").read_text("utf-8"))
    directory = Directory(OrganisationsFile.model_validate(config).organisations)
    unknown = [c for c in log.calls if directory.by_phone(c.caller_e164 or "").contact is None]
    assert [c.caller for c in unknown] == ["020-5558899"]
    assert all(call_to_report(c).channel is Channel.PHONE for c in log.calls)


def test_read_call_log(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b'{"caller": "0501234567", "start": "2026-11-24T10:00:00Z"}\n{')
    log = read_call_log(path, JSONL)
    assert log.calls[0].source == f"{path}:1"
    assert log.problems == [RowProblem(str(path), 2, log.problems[0].message)]
    missing = tmp_path / "missing.csv"
    with pytest.raises(CallLogError) as caught:
        read_call_log(missing, DUTCH_CSV)
    assert str(caught.value) == (
        f"{missing}: kan de belregistratie niet lezen: het bestand bestaat niet"
    )

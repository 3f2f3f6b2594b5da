"""Call logs as they arrive, through `triage ingest phone` into a real store: the format and
the encoding recognised per file, an unbalanced quote that costs only its own row, and a log
read as a stream and committed in batches while it is still being written.

Every bad row ends up once in quarantine with its reason, every good one once in the store;
importing the same file again adds nothing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.phone.intake import BATCH_CALLS, PhoneIntake
from adapters.phone.mapping import DUTCH_CSV
from app.bootstrap import Paths, load_setup
from app.cli import main
from bot.desk import Desk
from bot.store import Store
from tests.conftest import REPO

HEADER = "Beller;Gebeld nummer;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID"
ASTERISK_TAIL = '"ANSWERED","DOCUMENTATION"'


def ingest(
    db: Path, log: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, str]:
    """`triage ingest phone LOG` against this repository's config and rules: (status, output)."""
    status = main(
        [
            "ingest",
            "phone",
            str(log),
            *options,
            "--db",
            str(db),
            "--config-dir",
            str(REPO / "config"),
            "--rules-dir",
            str(REPO / "rules"),
        ]
    )
    return status, capsys.readouterr().out


def nl_row(call_id: str, notes: str = "Vraag over de export", minute: int = 0) -> str:
    return f"050-1234567;030-7600290;24-11-2026 10:{minute:02};0:03:00;ja;Sanne;{notes};{call_id}"


def asterisk_row(call_id: str, notes: str = "Vraag over de export", minute: int = 0) -> str:
    start = f"2026-11-24 10:{minute:02}:00"
    return (
        f'"","0501234567","0307600290","from-trunk","""Anja de Vries"" <0501234567>",'
        f'"SIP/kpn-00000001","SIP/201-00000002","Dial","SIP/201,30","{start}","{start}",'
        f'"{start}",65,60,{ASTERISK_TAIL},"{call_id}",{notes}'
    )


def nl_rows(prefix: str, count: int, notes: str = "Scherm blijft wit") -> list[str]:
    """`count` calls with distinct times (one a minute, from 1 December 09:00)."""
    return [
        f"050-1234567;030-7600290;{1 + n // 480:02}-12-2026 {9 + n % 480 // 60:02}:{n % 60:02};"
        f"0:03:00;ja;Sanne;{notes};{prefix}{n}"
        for n in range(count)
    ]


def stored_calls(db: Path, *call_ids: str) -> list[str]:
    """Which of these call ids the store holds a report of."""
    with Store(db) as store:
        return [c for c in call_ids if store.is_stored(f"phone:{c}")]


def jsonl_call(call_id: str, notes: str) -> str:
    return json.dumps(
        {
            "call_id": call_id,
            "caller": "+31501234567",
            "start": "2026-11-24T10:00:00+01:00",
            "duration_s": 180,
            "answered": True,
            "agent": "sanne",
            "notes": notes,
        }
    )


# --------------------------------------------------------------------------------------------
# The format, recognised per file
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "content", "read_as"),
    [
        # JSON Lines by its extension and its content (issue 12: was read as Asterisk CSV).
        (
            "calls.jsonl",
            jsonl_call("J1", "Export faalt") + "\n" + jsonl_call("J2", "Vraag") + "\n",
            "jsonl",
        ),
        # By content alone: an export saved as .txt, one with no extension at all.
        (
            "export.txt",
            jsonl_call("J1", "Export faalt") + "\n" + jsonl_call("J2", "Vraag") + "\n",
            "jsonl",
        ),
        ("vandaag.csv", "\n".join((HEADER, nl_row("J1"), nl_row("J2", minute=5))) + "\n", "nl-csv"),
        ("Master", asterisk_row("J1") + "\n" + asterisk_row("J2", minute=5) + "\n", "asterisk"),
    ],
)
def test_the_format_is_recognised_without_format(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file_name: str,
    content: str,
    read_as: str,
) -> None:
    db, log = tmp_path / "t.db", tmp_path / file_name
    log.write_text(content, encoding="utf-8")
    status, out = ingest(db, log, capsys)
    assert status == 0, out
    assert f"{log}: gelezen als {read_as} (herkend aan " in out
    assert "2 gesprekken" in out and "0 onleesbare regels" in out
    assert stored_calls(db, "J1", "J2") == ["J1", "J2"]


def test_an_explicit_format_still_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, log = tmp_path / "t.db", tmp_path / "calls.jsonl"
    log.write_text(jsonl_call("J1", "Export faalt") + "\n", encoding="utf-8")
    status, out = ingest(db, log, capsys, "--format", "asterisk")
    assert status == 2
    assert f"{log}: gelezen als asterisk (--format asterisk)" in out
    assert "1 onleesbare regel" in out and "dit lijkt JSON Lines: probeer --format jsonl" in out
    assert stored_calls(db, "J1") == []
    with Store(db) as store:
        assert len(store.quarantined()) == 1  # the row, with its reason

    # The format set in the settings is explicit too; --format beats it.
    settings = tmp_path / "config"
    shutil.copytree(REPO / "config", settings)
    with (settings / "settings.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\nphone:\n  format: asterisk\n")
    common = ["--db", str(db), "--config-dir", str(settings), "--rules-dir", str(REPO / "rules")]
    assert main(["ingest", "phone", str(log), *common]) == 2
    assert "gelezen als asterisk (phone.format in de instellingen)" in capsys.readouterr().out
    assert main(["ingest", "phone", str(log), "--format", "jsonl", *common]) == 0
    assert "gelezen als jsonl (--format jsonl)" in capsys.readouterr().out
    assert stored_calls(db, "J1") == ["J1"]


# --------------------------------------------------------------------------------------------
# The encoding, recognised per file
# --------------------------------------------------------------------------------------------


def test_a_cp1252_log_needs_no_mapping_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, log = tmp_path / "t.db", tmp_path / "export.csv"
    # Excel's 'CSV (;)' writes cp1252: é is one byte (0xE9), € is 0x80; here only in the
    # last row, past the first 64 KiB (so a look at the start of the file cannot tell).
    rows = nl_rows("W", 1000)
    rows.append(nl_row("W1000", '"René vraagt of de € 12,50 per gebruiker klopt; één factuur"'))
    log.write_bytes(("\r\n".join((HEADER, *rows)) + "\r\n").encode("cp1252"))

    status, out = ingest(db, log, capsys)
    assert status == 0, out
    assert f"{log}: gelezen als nl-csv (herkend aan " in out
    assert "tekenset cp1252 (herkend: geen geldige UTF-8)" in out
    with Store(db) as store:
        assert store.count("reports") == 1001
        ticket = store.ticket_of_source("phone:W1000")
        assert ticket is not None
        assert "René vraagt of de € 12,50" in store.report_of(ticket).body

    # Asked for explicitly, UTF-8 is used as asked: the cp1252 row is a bad row that says how.
    other = tmp_path / "other.db"
    status, out = ingest(other, log, capsys, "--encoding", "utf-8")
    assert status == 2
    assert "tekenset utf-8 (--encoding utf-8)" in out
    assert "geen geldige utf-8" in out and "--encoding cp1252" in out
    assert stored_calls(other, "W1", "W1000") == ["W1"]

    # An encoding we do not read is refused before anything is read.
    status, out = ingest(other, log, capsys, "--encoding", "utf-16")
    assert status == 1


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\xef\xbb\xbf" + "één".encode(), "tekenset utf-8-sig (herkend: UTF-8 met BOM)"),
        ("één".encode(), "tekenset utf-8 (herkend)"),
        # 0x81 is no character in cp1252: latin-1 reads every byte.
        (b"\x81 \xe9\xe9n", "tekenset latin-1 (herkend: geen geldige UTF-8 en geen cp1252)"),
    ],
)
def test_utf8_with_and_without_bom_and_the_latin1_fallback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, said: str
) -> None:
    db, log = tmp_path / "t.db", tmp_path / "calls.csv"
    bom = data.startswith(b"\xef\xbb\xbf")
    head = b"\xef\xbb\xbf" if bom else b""
    body = data.removeprefix(b"\xef\xbb\xbf")
    log.write_bytes(
        head + f"{HEADER}\n{nl_row('E1', 'x')}\n".encode().replace(b";x;", b";" + body + b";")
    )
    status, out = ingest(db, log, capsys)
    assert status == 0, out
    assert said in out
    assert stored_calls(db, "E1") == ["E1"]


# --------------------------------------------------------------------------------------------
# An unbalanced quote costs its own row, not the rows after it
# --------------------------------------------------------------------------------------------


def test_an_unbalanced_quote_quarantines_its_row_and_keeps_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, log = tmp_path / "t.db", tmp_path / "calls.csv"
    bad = nl_row("Q2", '"Scherm van 15', minute=10)  # the quote is never closed
    rows = [
        nl_row("Q1", minute=5),
        bad,
        # This note's stray quote would have closed the one above: Q3 swallowed Q2, silently.
        nl_row("Q3", 'Monitor van 24"', minute=15),
        nl_row("Q4", minute=20),
        nl_row("Q5", 'Klant zegt "werkt weer"', minute=25),
        nl_row("Q6", minute=30),
        # A quoted note over two lines is fine, and stays one call.
        nl_row("Q7", '"Eerste regel\nTweede regel"', minute=35),
        nl_row("Q8", '"Nooit gesloten', minute=40),
        nl_row("Q9", minute=45),
    ]
    log.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    ids = [f"Q{n}" for n in range(1, 10)]

    status, out = ingest(db, log, capsys)
    assert status == 2
    assert stored_calls(db, *ids) == ["Q1", "Q3", "Q4", "Q5", "Q6", "Q7", "Q9"]
    with Store(db) as store:
        quarantined = store.quarantined()
        ticket = store.ticket_of_source("phone:Q7")
        assert ticket is not None
        assert store.report_of(ticket).body == "Eerste regel\nTweede regel"
    # Each bad row once, with the reason and where it is; its whole line is kept.
    assert [q.reason.split(": ")[0] for q in quarantined] == [f"{log}:3", f"{log}:10"]
    assert all("aanhalingsteken" in q.reason for q in quarantined)
    assert quarantined[0].size == len(bad.encode())
    assert f"{log}:3: " in out and f"{log}:10: " in out

    # The same file again: nothing new in the store or in quarantine.
    status, again = ingest(db, log, capsys)
    assert status == 2 and "0 nieuwe tickets" in again and "7 al eerder ingelezen" in again
    with Store(db) as store:
        assert store.quarantined() == quarantined
        assert store.count("reports") == 7


def test_an_unbalanced_quote_in_an_asterisk_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, log = tmp_path / "t.db", tmp_path / "Master.csv"
    rows = [
        asterisk_row("A1", '"Vraag"', 1),
        asterisk_row("A2", '"Monitor van 24', 2),  # the userfield's quote is never closed
        asterisk_row("A3", '"Vraag"', 3),
        asterisk_row("A4", '"Vraag"', 4),
    ]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status, out = ingest(db, log, capsys)
    assert status == 2
    assert "gelezen als asterisk" in out
    assert stored_calls(db, "A1", "A2", "A3", "A4") == ["A1", "A3", "A4"]
    with Store(db) as store:
        [quarantined] = store.quarantined()
    assert quarantined.reason.startswith(f"{log}:2: ") and "aanhalingsteken" in quarantined.reason


def test_an_open_quote_at_the_end_of_a_growing_log_is_quarantined_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The phone system keeps appending: the open quote first meets the end of the file, on
    the next read the row written after it. Its reason changes; it is still one bad row."""
    db, log = tmp_path / "t.db", tmp_path / "calls.csv"
    log.write_text(
        "\n".join((HEADER, nl_row("G1"), nl_row("G2", '"Nooit gesloten', 5))) + "\n",
        encoding="utf-8",
    )
    assert ingest(db, log, capsys, "--format", "nl-csv")[0] == 2
    with log.open("a", encoding="utf-8") as handle:
        handle.write(nl_row("G3", minute=10) + "\n")
    status, out = ingest(db, log, capsys, "--format", "nl-csv")
    assert status == 2 and f"{log}:3: een aanhalingsteken wordt niet gesloten" in out
    assert stored_calls(db, "G1", "G2", "G3") == ["G1", "G3"]
    with Store(db) as store:
        [quarantined] = store.quarantined()
    assert quarantined.reason.startswith(f"{log}:3: ")


def test_a_log_whose_header_does_not_fit_is_quarantined_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, log = tmp_path / "t.db", tmp_path / "calls.csv"
    log.write_text("Beller;Starttijd;Duur\n0501234567;26-11-2026 14:05;60\n", encoding="utf-8")
    for _ in range(2):
        status, out = ingest(db, log, capsys, "--format", "nl-csv")
        assert status == 2 and "de kopregel heeft geen kolom 'Gebeld nummer'" in out
    with Store(db) as store:
        [quarantined] = store.quarantined()
        assert store.count("reports") == 0
    assert quarantined.size == log.stat().st_size  # the file (its start) is kept


# --------------------------------------------------------------------------------------------
# Streaming, and commits in batches
# --------------------------------------------------------------------------------------------


def test_a_log_is_stored_in_batches_while_it_is_still_being_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log is read as a stream (a FIFO here: the phone system still writing it) and the
    calls are committed in batches: the first batch is in the store, visible to another
    connection, before the file has ended. Reading the whole file first never gets there."""
    db, fifo = tmp_path / "t.db", tmp_path / "calls.csv"
    Store(db).close()  # created before the import and the watcher below both open it
    os.mkfifo(fifo)
    first = BATCH_CALLS * 2 + 7
    rows = nl_rows("S", first + 40)
    stored_while_writing: list[int] = []

    def write() -> None:
        with fifo.open("w", encoding="utf-8") as handle:
            handle.write("\n".join((HEADER, *rows[:first])) + "\n")
            handle.flush()
            with Store(db) as store:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if (count := store.count("reports")) >= BATCH_CALLS:
                        stored_while_writing.append(count)
                        break
                    time.sleep(0.05)
            handle.write("\n".join(rows[first:]) + "\n")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        status, out = ingest(db, fifo, capsys, "--format", "nl-csv")
    finally:
        writer.join()
    assert status == 0, out
    assert stored_while_writing and BATCH_CALLS <= stored_while_writing[0] <= first
    with Store(db) as store:
        assert store.count("reports") == len(rows)


class _FailsHalfway(io.BytesIO):
    """A file that cannot be read past a point (a network share that went away)."""

    def __init__(self, data: bytes, readable: int) -> None:
        super().__init__(data)
        self.limit = readable

    def read(self, size: int | None = -1) -> bytes:
        left = self.limit - self.tell()
        if left <= 0:
            raise OSError(5, "Input/output error")
        return super().read(left if size is None or size < 0 else min(size, left))

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def test_a_read_error_half_way_keeps_what_was_read_and_loses_nothing(tmp_path: Path) -> None:
    setup = load_setup(Paths(REPO / "config", REPO / "rules", tmp_path / "t.db"))
    rows = nl_rows("R", 600)
    data = ("\n".join((HEADER, *rows)) + "\n").encode()
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    with Store(tmp_path / "t.db") as store:
        desk = Desk(setup.triage, store, lambda: setup.triage.engine.rule_set.reminders)
        intake = PhoneIntake(desk)
        summary = intake.ingest(_FailsHalfway(data, len(data) // 2), "calls.csv", DUTCH_CSV, now)
        assert summary.problems and "kan niet verder lezen" in summary.problems[-1]
        halfway = store.count("reports")
        assert BATCH_CALLS <= halfway < len(rows)
        assert store.quarantined() == []  # a read error is no bad row: the file is still there

        again = intake.ingest(data, "calls.csv", DUTCH_CSV, now)
        assert again.problems == []
        assert again.count("duplicate") == halfway
        assert store.count("reports") == len(rows)

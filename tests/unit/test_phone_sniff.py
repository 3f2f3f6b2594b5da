"""A call log's format and encoding, recognised from the file (adapters/phone/sniff.py)."""

from __future__ import annotations

import io
import os

import pytest

from adapters.phone.rows import CallLogError
from adapters.phone.sniff import HEAD_BYTES, head_of, recognise_encoding, recognise_format

HEADER = "Beller;Gebeld nummer;Starttijd;Duur;Beantwoord;Medewerker;Notities;Gesprek-ID"
ASTERISK = (
    '"","0501234567","0307600290","from-trunk","""Anja"" <0501234567>","SIP/kpn-01",'
    '"SIP/201-02","Dial","SIP/201,30","2026-11-24 10:00:00","2026-11-24 10:00:05",'
    '"2026-11-24 10:01:05",65,60,"ANSWERED","DOCUMENTATION"'
)


@pytest.mark.parametrize(
    ("head", "file_name", "name", "why"),
    [
        ('{"caller": "0501234567"}\n', "calls.csv", "jsonl", "de eerste regel is een JSON-object"),
        ("\n\n  {broken\n", "x", "jsonl", "JSON-object"),
        ("\ufeff" + HEADER + "\n", "export.txt", "nl-csv", "kopregel van de Nederlandse export"),
        (HEADER.upper().replace(";", " ; ") + "\n", "x", "nl-csv", "Nederlandse export"),
        (ASTERISK + "\n", "calls.jsonl", "asterisk", "Master.csv-regel van Asterisk"),
        (ASTERISK + ',"1700000000.1","notitie"\n', "Master", "asterisk", "Asterisk"),
        ("", "calls.jsonl", "jsonl", "herkend aan de extensie .jsonl"),
        ("", "calls.NDJSON", "jsonl", "herkend aan de extensie .ndjson"),
        ("a,b,c\n1,2,3\n", "calls.csv", "asterisk", "niet herkend aan de inhoud"),
    ],
)
def test_recognise_format(head: str, file_name: str, name: str, why: str) -> None:
    guess = recognise_format(head.encode(), file_name)
    assert guess.name == name and why in guess.why


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"plain ascii\n", "utf-8"),
        ("één\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "één".encode(), "utf-8-sig"),
        ("René € 12,50".encode("cp1252"), "cp1252"),
        (b"\x81\xe9", "latin-1"),  # 0x81 is no character in cp1252
        # Valid UTF-8 up to the last byte, which starts a character that never comes.
        ("één".encode() + b"\xc3", "cp1252"),
        # The one non-UTF-8 byte far past the start (and past a chunk) is found all the same.
        (b"a" * (3 * 1024 * 1024) + b"\xe9", "cp1252"),
    ],
)
def test_recognise_encoding(data: bytes, name: str) -> None:
    handle = io.BytesIO(data)
    handle.seek(0)
    assert recognise_encoding(handle, head_of(handle)).name == name
    assert handle.tell() == 0  # left where it was, for the reading that follows


def test_utf16_is_refused() -> None:
    data = "Beller;Starttijd\n".encode("utf-16")
    with pytest.raises(CallLogError, match="UTF-16"):
        recognise_encoding(io.BytesIO(data), data)


def test_a_pipe_is_judged_by_its_start() -> None:
    read, write = os.pipe()
    os.write(write, "René".encode("cp1252") + b"\n")
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        head = head_of(handle)
        assert head == "René\n".encode("cp1252") and len(head) <= HEAD_BYTES
        guess = recognise_encoding(handle, head)
        assert (guess.name, guess.why) == (
            "cp1252",
            "herkend aan het begin van de stroom: geen geldige UTF-8",
        )
        assert handle.read() == head  # nothing was consumed

"""A call log's format and encoding, recognised from the file itself, and why (in Dutch).

The format from its first line (a JSON object, the Dutch export's header, a row with
Asterisk's columns), else from its extension (.jsonl, .ndjson), else Asterisk, which is what
the phone system writes. The encoding from a BOM, else by reading the whole file once in
chunks: UTF-8 when all of it is valid UTF-8, else cp1252 (what Excel writes on Windows) when
it has no byte cp1252 leaves undefined, else latin-1, which reads any byte. A stream that
cannot be read twice (a pipe) is judged by its first HEAD_BYTES.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from adapters.phone.mapping import ASTERISK_CDR, DUTCH_CSV
from adapters.phone.rows import CallLogError

HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
# The five bytes cp1252 has no character for.
_NOT_CP1252 = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_ASTERISK_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class Guess:
    """A format or encoding name, and how it was chosen (Dutch, for the import summary)."""

    name: str
    why: str


def head_of(handle: BinaryIO) -> bytes:
    """The first HEAD_BYTES of a file, leaving it where it was (a pipe: what is buffered)."""
    if handle.seekable():
        start = handle.tell()
        head = handle.read(HEAD_BYTES)
        handle.seek(start)
        return head
    if isinstance(handle, io.BufferedReader):
        return handle.peek(HEAD_BYTES)[:HEAD_BYTES]
    return b""


def recognise_format(head: bytes, file_name: str) -> Guess:
    """The preset (asterisk, nl-csv, jsonl) that fits the start of a file."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((line.strip() for line in re.split(r"\r\n|\r|\n", text) if line.strip()), "")
    if first.startswith("{"):
        return Guess("jsonl", "herkend aan de inhoud: de eerste regel is een JSON-object")
    cells = [cell.strip().casefold() for cell in first.split(DUTCH_CSV.delimiter)]
    dutch = {str(DUTCH_CSV.columns[key]).casefold() for key in ("caller", "start")}
    if dutch <= set(cells):
        return Guess("nl-csv", "herkend aan de kopregel van de Nederlandse export")
    asterisk = next(csv.reader([first]), [])
    start = ASTERISK_CDR.index_of(ASTERISK_CDR.columns["start"])
    least = ASTERISK_CDR.min_columns or len(ASTERISK_CDR.column_names)
    if least <= len(asterisk) <= len(ASTERISK_CDR.column_names) and _ASTERISK_TIME.fullmatch(
        asterisk[start].strip()
    ):
        return Guess("asterisk", "herkend aan de inhoud: een Master.csv-regel van Asterisk")
    suffix = PurePath(file_name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return Guess("jsonl", f"herkend aan de extensie {suffix}")
    return Guess(
        "asterisk", "niet herkend aan de inhoud; aangenomen, geef anders --format of --mapping"
    )


def bom_encoding(head: bytes) -> Guess | None:
    """The encoding a byte order mark at the start settles, whatever was asked for (Excel's
    "CSV UTF-8" starts with one); None without a BOM.

    Raises CallLogError for UTF-16, which is not a text the csv reader can take.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CallLogError("het bestand is UTF-16; exporteer het als UTF-8 (of cp1252)")
    if head.startswith(codecs.BOM_UTF8):
        return Guess("utf-8-sig", "het bestand begint met een UTF-8-BOM")
    return None


def recognise_encoding(handle: BinaryIO, head: bytes) -> Guess:
    """The encoding of a file (see the module docstring); the file is left where it was.

    Raises CallLogError for UTF-16 (see bom_encoding).
    """
    if (marked := bom_encoding(head)) is not None:
        return Guess(marked.name, "herkend: UTF-8 met BOM")
    judge = _Judge()
    whole = handle.seekable()
    if whole:
        start = handle.tell()
        try:
            while (chunk := handle.read(_CHUNK)) and judge.see(chunk):
                pass
            judge.end()
        except OSError:
            pass  # judged by what could be read; reading the rows will meet the error and say so
        finally:
            handle.seek(start)
    else:
        judge.see(head)
    after = "" if whole else " aan het begin van de stroom"
    if judge.utf8:
        return Guess("utf-8", f"herkend{after}")
    if judge.cp1252:
        return Guess("cp1252", f"herkend{after}: geen geldige UTF-8")
    return Guess("latin-1", f"herkend{after}: geen geldige UTF-8 en geen cp1252")


class _Judge:
    """What a file's bytes can still be, as they go by: UTF-8, cp1252 (else latin-1)."""

    def __init__(self) -> None:
        self.utf8 = self.cp1252 = True
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def see(self, chunk: bytes) -> bool:
        """One more piece of the file; False when there is nothing left to learn."""
        if self.utf8:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.utf8 = False
        if self.cp1252 and any(byte in chunk for byte in _NOT_CP1252):
            self.cp1252 = False
        return self.utf8 or self.cp1252

    def end(self) -> None:
        """The whole file was seen: it must not end inside a UTF-8 character."""
        if self.utf8:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False

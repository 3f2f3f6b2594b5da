"""What the CLI prints never drives the terminal: control characters become visible escapes.

A subject, an outage reason, a file name or a call-log row is text from outside. Written raw,
ESC sequences in it clear the operator's screen or set the window title, a carriage return or
backspace overwrites what was printed before it, and a right-to-left override reverses it.
`printable` shows each such character as a JSON-style escape (ESC as `\\u001b`), so a JSON line
stays valid JSON with the same values, and `terminal_streams` routes everything the CLI writes
(our output, argparse's messages, log lines) through it.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO, cast

# DEL, C1, and the invisible characters that reorder or break lines: Arabic letter mark,
# LRM/RLM, LRE..RLO, LRI..PDI, line and paragraph separators. Plus C0 (tab and LF: see below).
_OTHER = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile("\r\n|[\x00-\x1f" + _OTHER + "]")
_UNSAFE_MULTILINE = re.compile("\r\n|[\x00-\x08\x0b-\x1f" + _OTHER + "]")
# On one line (a table cell), line breaks and tabs become a space: readable, layout kept.
_BREAKS = frozenset(("\r\n", *"\t\n\r\x0b\x0c\u2028\u2029"))


def printable(text: str, newlines: bool = False) -> str:
    """`text` safe for a terminal: control characters as `\\u001b`-style escapes.

    With `newlines` (a whole block of output) new lines and tabs stay and CR LF becomes LF;
    without (one line, such as a table cell) they become a space.
    """
    pattern = _UNSAFE_MULTILINE if newlines else _UNSAFE
    if pattern.search(text) is None:
        return text
    if newlines:
        return pattern.sub(lambda m: "\n" if m[0] == "\r\n" else _escape(m[0]), text)
    return pattern.sub(lambda m: " " if m[0] in _BREAKS else _escape(m[0]), text)


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}"


class TerminalStream(io.TextIOBase):
    """A text stream that passes everything through `printable` (new lines kept)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(printable(text, newlines=True))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        """Nothing to close or flush: every write went straight through, and the wrapped
        stream belongs to whoever made it (also when this wrapper is garbage-collected)."""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # the wrapped stream's, never None
        return self.stream.encoding


@contextmanager
def terminal_streams() -> Iterator[tuple[TextIO, TextIO]]:
    """Route sys.stdout and sys.stderr through `printable` while the CLI runs a command:
    our own output, argparse's messages and log lines alike. Yields (stdout, stderr)."""
    saved = sys.stdout, sys.stderr
    out, err = TerminalStream(saved[0]), TerminalStream(saved[1])
    sys.stdout, sys.stderr = cast(TextIO, out), cast(TextIO, err)
    try:
        yield sys.stdout, sys.stderr
    finally:
        sys.stdout, sys.stderr = saved

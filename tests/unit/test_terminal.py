"""app/render/terminal.py: control characters shown as escapes, layout and JSON kept."""

from __future__ import annotations

import json
import logging

import pytest

from app.render.terminal import TerminalStream, printable


@pytest.mark.parametrize(
    ("text", "one_line", "block"),
    [
        ("gewoon tekst, ëé ✓ 日本", "gewoon tekst, ëé ✓ 日本", "gewoon tekst, ëé ✓ 日本"),
        ("\x1b[2Jweg", "\\u001b[2Jweg", "\\u001b[2Jweg"),
        ("\x1b]0;titel\x07", "\\u001b]0;titel\\u0007", "\\u001b]0;titel\\u0007"),
        ("a\x9b31mb\x7f", "a\\u009b31mb\\u007f", "a\\u009b31mb\\u007f"),
        ("vals\x08\x08\x08goed", "vals\\u0008\\u0008\\u0008goed", "vals\\u0008\\u0008\\u0008goed"),
        ("abc\u202edef\u2066", "abc\\u202edef\\u2066", "abc\\u202edef\\u2066"),
        (
            "regel 1\nregel 2\r\n\tregel 3",
            "regel 1 regel 2  regel 3",
            "regel 1\nregel 2\n\tregel 3",
        ),
        ("over\rschrijven", "over schrijven", "over\\u000dschrijven"),
        ("\x00", "\\u0000", "\\u0000"),
    ],
)
def test_printable(text: str, one_line: str, block: str) -> None:
    assert printable(text) == one_line
    assert printable(text, newlines=True) == block


def test_json_through_the_stream_is_the_same_json() -> None:
    value = {"subject": "\x1b[2J\x9b\u202e\x7f\u2028x\n", "n": 1}
    written: list[str] = []

    class Sink:
        def write(self, text: str) -> int:
            written.append(text)
            return len(text)

    stream = TerminalStream(Sink())  # type: ignore[arg-type]
    stream.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    out = "".join(written)
    assert json.loads(out) == value
    assert all(c == "\n" or " " <= c < "\x7f" or c > "\x9f" for c in out)
    assert "\u202e" not in out and "\u2028" not in out


def test_log_lines_through_the_stream(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    handler = logging.StreamHandler(TerminalStream(sys.stderr))
    logger = logging.getLogger("test.terminal")
    logger.addHandler(handler)
    try:
        logger.warning("email quarantined: %s", "\x1b]0;pwned\x07")
    finally:
        logger.removeHandler(handler)
    assert capsys.readouterr().err == "email quarantined: \\u001b]0;pwned\\u0007\n"

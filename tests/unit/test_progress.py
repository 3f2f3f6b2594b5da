"""The progress line: drawn on a real terminal (a pty), never on a pipe or with `--quiet`, its
label escaped while its carriage return gets through, and always ended with a new line."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator

import pytest

from app.render.progress import Progress, progress
from app.render.terminal import TerminalStream


class Terminal:
    """A pseudo-terminal: the stream we write to, and what a person would see."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        self.stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115

    def read(self) -> str:
        self.stream.flush()
        chunks = []
        os.set_blocking(self.master, False)
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        # The terminal turns "\n" into "\r\n" (onlcr); what we wrote is what is left.
        return b"".join(chunks).decode().replace("\r\n", "\n")

    def close(self) -> None:
        self.stream.close()
        os.close(self.master)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal()
    yield term
    term.close()


def ticking(step: float = 0.25) -> Callable[[], float]:
    """A clock that moves `step` seconds per reading (no wall-clock time in tests)."""
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


def test_a_terminal_sees_the_line_redrawn_and_finished(terminal: Terminal) -> None:
    items = list(range(8))
    shown = Progress(
        items, len(items), "Meldingen beoordelen", stream=terminal.stream, clock=ticking()
    )
    assert list(shown) == items  # every item, in order
    screen = terminal.read()
    drawings = screen.split("\r")[1:]
    assert len(drawings) >= 2  # redrawn in place, not one line per item
    assert drawings[0].startswith("Meldingen beoordelen [##------------------]  12 %  1 van 8")
    last = drawings[-1]
    assert last.startswith("Meldingen beoordelen [####################] 100 %  8 van 8  klaar in ")
    assert last.endswith("\n") and screen.count("\n") == 1


def test_big_numbers_are_dutch_and_an_estimate_is_given(terminal: Terminal) -> None:
    shown = Progress(range(2400), 2400, "Gesprekken", stream=terminal.stream, clock=ticking(0.01))
    for index, _ in enumerate(shown):
        if index == 1200:  # the 1.200 before it are done
            break
    screen = terminal.read()
    assert "  50 %  1.200 van 2.400  klaar in " in screen  # closed where it stopped
    assert "nog ca. 0:" in screen


def test_nothing_on_a_pipe_or_a_file() -> None:
    stream = io.StringIO()
    assert list(progress(range(5), 5, "Beoordelen", stream=stream)) == [0, 1, 2, 3, 4]
    assert stream.getvalue() == ""


def test_nothing_with_quiet(terminal: Terminal) -> None:
    assert list(progress(range(5), 5, "Beoordelen", quiet=True, stream=terminal.stream)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    assert terminal.read() == ""


def test_the_label_is_escaped_but_the_redraw_gets_through(terminal: Terminal) -> None:
    # The CLI's stderr escapes control characters; the line still redraws on the terminal.
    stream = TerminalStream(terminal.stream)
    list(progress(range(3), 3, "Gesprekken uit \x1b]0;pwned\x07.csv", stream=stream))  # type: ignore[arg-type]
    screen = terminal.read()
    assert "\x1b" not in screen and "\\u001b]0;pwned\\u0007.csv" in screen
    assert screen.startswith("\rGesprekken uit ")


def test_an_unknown_total_counts(terminal: Terminal) -> None:
    list(progress(iter(range(3)), None, "Lezen", stream=terminal.stream))
    screen = terminal.read()
    assert screen.split("\r")[-1].startswith("Lezen  3  klaar in ")


def test_as_a_context_manager_for_work_that_is_not_one_loop(terminal: Terminal) -> None:
    with Progress((), 2, "Stappen", stream=terminal.stream) as steps:
        steps.advance()
        steps.advance()
    screen = terminal.read()
    assert "100 %  2 van 2" in screen and screen.endswith("\n")

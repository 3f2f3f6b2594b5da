"""A progress line on the terminal for long work: `for x in progress(items, total, label, quiet)`.

Shown on stderr, and only when stderr is a terminal and the caller was not asked to be
`--quiet`: a script that reads stdout, a pipe, a log file and a test see nothing. The line is
redrawn in place (a carriage return) at most ten times a second and always at the end, when it
is finished with the time it took and a new line, so what is printed next starts on its own line:

    Meldingen beoordelen [##########----------]  50 %  1.200 van 2.400  nog ca. 0:04

The label goes through `printable` like everything else on the terminal; the carriage return
that redraws the line is written past it, to the terminal itself.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Generic, TextIO, TypeVar

from app.render.terminal import TerminalStream, printable
from bot.nl import nl_number

T = TypeVar("T")
BAR_WIDTH = 20
REDRAW_EVERY = 0.1  # seconds between two drawings of the line


class Progress(Generic[T]):
    """Iterate `items` and show how far along it is; also a context manager (`with`) for
    work that is not one loop: call `advance()` yourself."""

    def __init__(
        self,
        items: Iterable[T],
        total: int | None,
        label: str,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.items, self.total, self.label = items, total, printable(label)
        self.done = 0
        self._clock = clock
        target = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(target)
        # Our own stderr escapes control characters; the carriage return must get through.
        self._out = target.stream if isinstance(target, TerminalStream) else target
        self._started = clock()
        self._drawn_at: float | None = None
        self._width = 0
        self._closed = False

    def __iter__(self) -> Iterator[T]:
        try:
            for item in self.items:
                yield item
                self.advance()
        finally:
            self.close()

    def __enter__(self) -> Progress[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, amount: int = 1) -> None:
        """`amount` more items done; redraw when it is time to."""
        self.done += amount
        if not self.enabled:
            return
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= REDRAW_EVERY or self._at_end():
            self._draw(now)

    def close(self) -> None:
        """Draw the final line (with the time it took) and end it; once."""
        if self._closed:
            return
        self._closed = True
        if not self.enabled:
            return
        now = self._clock()
        self._draw(now, final=True)
        self._out.write("\n")
        self._out.flush()

    def line(self, now: float, final: bool = False) -> str:
        """The text of the progress line at `now` (without the carriage return)."""
        elapsed = now - self._started
        parts = [self.label]
        if self.total:
            share = min(1.0, self.done / self.total)
            filled = round(share * BAR_WIDTH)
            parts.append(f" [{'#' * filled}{'-' * (BAR_WIDTH - filled)}]")
            parts.append(f" {round(share * 100):3d} %")
            parts.append(f"  {nl_number(self.done)} van {nl_number(self.total)}")
            if final:
                parts.append(f"  klaar in {_clock_time(elapsed)}")
            elif 0 < self.done < self.total and elapsed >= 1:
                left = elapsed / self.done * (self.total - self.done)
                parts.append(f"  nog ca. {_clock_time(left)}")
        else:
            parts.append(f"  {nl_number(self.done)}")
            if final:
                parts.append(f"  klaar in {_clock_time(elapsed)}")
        return "".join(parts)

    def _at_end(self) -> bool:
        return self.total is not None and self.done >= self.total

    def _draw(self, now: float, final: bool = False) -> None:
        text = self.line(now, final)
        # Pad with spaces over what a longer previous line left behind.
        self._out.write("\r" + text.ljust(self._width))
        self._out.flush()
        self._width = max(self._width, len(text))
        self._drawn_at = now


def progress(
    items: Iterable[T],
    total: int | None,
    label: str,
    quiet: bool = False,
    stream: TextIO | None = None,
) -> Progress[T]:
    """Iterate `items` (`total` of them, None if unknown) with a progress line on stderr when
    it is a terminal and not `quiet`."""
    return Progress(items, total, label, quiet, stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: no line
        return False


def _clock_time(seconds: float) -> str:
    """0:04, 1:30, 1:02:03."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

"""A progress bar for long work on a terminal: one line on stderr, redrawn in place.

Only when stderr is a terminal (a pipe, a file or a cron mail gets nothing) and not asked to be
quiet (`--quiet`). The bar is our own text, so it may use a carriage return to redraw itself:
it writes below `TerminalStream`, which would show that as an escape. When the work is done
the line is wiped, so what the command prints afterwards starts on a clean line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from bot.nl import nl_number

WIDTH = 24  # characters of the bar itself
REDRAW = 0.1  # seconds between redraws: fast enough to look alive, cheap for the work


class Progress:
    """`advance(n)` as work gets done; `close()` (or leaving the `with` block) wipes the line."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        label: str,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.label, self.clock = total, label, clock
        self.done = 0
        # TerminalStream (app/render/terminal.py) keeps the stream it wraps as `.stream`.
        self._out: TextIO = getattr(stream, "stream", stream)
        self.shown = not quiet and total > 0 and _is_tty(stream)
        self._started = clock()
        self._drawn_at: float | None = None
        self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, amount: int) -> None:
        """`amount` more items are done; redraws at most every REDRAW seconds (and at the end)."""
        self.done = min(self.total, self.done + amount)
        if not self.shown:
            return
        now = self.clock()
        if self._drawn_at is None or now - self._drawn_at >= REDRAW or self.done == self.total:
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """The bar as it reads now: 'rules diff ██████░░░ 25 % 12.500/50.000, nog ± 9 s'."""
        share = self.done / self.total if self.total else 1.0
        filled = round(WIDTH * share)
        text = (
            f"{self.label} {'█' * filled}{'░' * (WIDTH - filled)} {round(100 * share):3d} % "
            f"{nl_number(self.done)}/{nl_number(self.total)}"
        )
        elapsed = (self.clock() if now is None else now) - self._started
        if 0 < self.done < self.total and elapsed >= 1:
            left = elapsed * (self.total - self.done) / self.done
            text += f", nog ± {nl_number(left)} s"
        return text

    def _draw(self, now: float) -> None:
        text = self.line(now)
        # Pad over a longer previous line (the time left can get shorter).
        self._out.write("\r" + text.ljust(self._width))
        self._out.flush()
        self._width = max(self._width, len(text))
        self._drawn_at = now

    def close(self) -> None:
        """Wipe the bar's line, if one was drawn."""
        if self._drawn_at is not None:
            self._out.write("\r" + " " * self._width + "\r")
            self._out.flush()
            self._drawn_at = None


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or stream-like object without a terminal
        return False

"""The watched folder (`phone.watch_dir`): which call logs are new or grew, and reading them.

The phone system writes its logs into a folder and keeps appending to them. A file is read
again whenever its size or modification time changes; the calls already stored are skipped by
their call id (see `PhoneIntake.ingest`), so reading a grown file again adds only its new calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from adapters.phone.intake import ImportSummary, PhoneIntake
from adapters.phone.mapping import requested_layout

# The service's logger: these lines belong with the rest of what `triage run` logs.
log = logging.getLogger("triage.run")


class CallLogWatcher:
    """Imports the call logs in one folder that are new or changed since the last check."""

    def __init__(
        self, folder: Path, intake: PhoneIntake, format: str | None, mapping_file: Path | None
    ) -> None:
        self.folder, self.intake = folder, intake
        # path -> (size, mtime_ns) when it was last read.
        self._seen: dict[Path, tuple[int, int]] = {}
        # A bad format or mapping file fails at start, not at the first log that arrives.
        # Without either, each file's format and encoding are recognised when it is read.
        self.layout = requested_layout(format, mapping_file, from_settings=True)

    def check(self, clock: Callable[[], datetime]) -> Iterator[ImportSummary]:
        """Import each file that is new or changed, in name order; one summary per file.

        Lazy on purpose: a file is imported when the loop reaches it, so the caller handles
        one file's summary before the next file is read. Hidden files are left alone; a
        folder that does not exist (yet) holds nothing. A file is read as a stream.
        """
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            stat = path.stat()
            signature = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(path) == signature:
                continue
            with path.open("rb") as handle:
                summary = self.intake.ingest(handle, str(path), self.layout, clock())
            self._seen[path] = signature
            if summary.read_as:
                log.info("phone log %s read as %s", path, summary.read_as)
            for problem in summary.problems:
                log.warning("phone log row skipped: %s", problem)
            yield summary

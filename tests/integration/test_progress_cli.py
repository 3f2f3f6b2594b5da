"""Long work shows progress on a terminal: the real `triage` command as a subprocess with its
stderr on a pseudo-terminal (what a person at a terminal sees), a pipe (a script), or with
`--quiet`. What goes to stdout is the same in every case."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.store import Store
from tests.conftest import REPO

EVAL = ["rules", "eval", str(REPO / "tests" / "data" / "triage_tuning.jsonl")]
PHONE = [
    "ingest",
    "phone",
    str(REPO / "tests" / "data" / "phone" / "export_nl.csv"),
    "--format",
    "nl-csv",
]
YEAR = ["report", "sla", "--from", "2026-01-01", "--to", "2026-12-31"]
STAND = re.compile(r"stand per \w+ \d+ \w+ \d{4} \d\d:\d\d")


def run(db: Path, args: list[str], stderr_on_terminal: bool) -> tuple[int, str, str]:
    """Run `triage`; stdout is always a pipe, stderr a pseudo-terminal or a pipe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    command = [sys.executable, "-m", "app.cli", "--db", str(db), *args]
    if not stderr_on_terminal:
        proc = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, timeout=300, check=False
        )
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    master, slave = os.openpty()
    seen: list[bytes] = []

    def drain() -> None:  # a full terminal buffer would block the command
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other side closed: EIO on Linux
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=300,
            check=False,
        )
    finally:
        os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(seen).decode().replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("args", "label", "total"),
    [
        pytest.param(EVAL, "Meldingen beoordelen", "173 van 173", id="rules-eval"),
        # A call log is read as a stream: no total is known, the line counts the calls.
        pytest.param(PHONE, "Gesprekken uit export_nl.csv", None, id="ingest-phone"),
        pytest.param(YEAR, "SLA-rapport 01-01-2026 t/m 31-12-2026", "12 van 12", id="report"),
    ],
)
def test_progress_on_a_terminal_and_never_for_scripts(
    tmp_path: Path, args: list[str], label: str, total: str | None
) -> None:
    # Each case on a fresh store: an import is only new once.
    outputs = []
    for case, on_terminal, extra in (
        ("terminal", True, []),
        ("pipe", False, []),
        ("quiet", True, ["--quiet"]),
    ):
        db = tmp_path / f"{case}.db"
        Store(db).close()
        status, out, err = run(db, [*args, *extra], on_terminal)
        assert status in (0, 1, 2), err
        outputs.append(out)
        if case == "terminal" and total is None:
            final = err.split("\r")[-1]
            assert err.startswith(f"\r{label}  "), err
            assert final.startswith(f"{label}  4  klaar in "), err
        elif case == "terminal":
            final = err.split("\r")[-1]
            assert err.startswith(f"\r{label} ["), err
            assert final.startswith(f"{label} [####################] 100 %  "), err
            assert total in final and "klaar in " in final and final.endswith("\n"), err
        else:
            assert label not in err, err
    # What a script reads on stdout does not depend on where stderr goes. A report says when
    # it was made ("stand per ma 30 nov 2026 20:56"): three runs may straddle a minute.
    same = [STAND.sub("stand per <nu>", out) for out in outputs]
    assert same[0] == same[1] == same[2]

"""Issue 12 item 10: what a customer or a file wrote never drives the operator's terminal.

A subject with escape sequences (clear the screen, set the window title, ring the bell, C1
controls, a right-to-left override) was printed raw by `triage tickets`. Everything the CLI
prints now shows such characters as visible escapes (`\\u001b`); JSON output stays JSON with
the same values. Each test runs the real `triage` command as a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Clear screen + cursor home, an OSC window title ended by BEL, an 8-bit CSI (C1), DEL,
# a backspace, a carriage return, and a right-to-left override that reverses what follows.
NASTY = "\x1b[2J\x1b[HFactuur\x1b]0;pwned\x07 klopt \x9b31mniet\x7f\x08\rXX\u202eztol\x1b[0m\x00"
# What must never reach a terminal raw: C0 (but new line), DEL, C1, bidirectional controls.
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def triage(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the CLI; its output decoded as written (text mode would turn a raw CR into LF)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "--db", str(db), *args],
        cwd=REPO,
        env={**env, "PYTHONIOENCODING": "utf-8"},
        input=stdin.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def stored_ticket(tmp_path: Path) -> Path:
    db = tmp_path / "t.db"
    line = json.dumps(
        {
            "channel": "email",
            "received_at": "2026-11-24T10:00:00+01:00",
            "sender": "a.devries@zorggroepnoord.nl",
            "subject": NASTY,
            "body": "De export werkt niet. " + NASTY,
        }
    )
    proc = triage(db, "classify", "--batch", "--store", stdin=line + "\n")
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROL.search(proc.stdout + proc.stderr)
    return db


def test_tickets_shows_control_characters_as_visible_escapes(tmp_path: Path) -> None:
    db = stored_ticket(tmp_path)
    proc = triage(db, "tickets")
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROL.search(proc.stdout), repr(proc.stdout)
    lines = proc.stdout.splitlines()
    assert len(lines) == 4  # header, rule, the one ticket, the footnote: layout intact
    assert "\\u001b[2J\\u001b[HFactuur" in lines[2]


def test_tickets_json_keeps_the_subject_exactly(tmp_path: Path) -> None:
    db = stored_ticket(tmp_path)
    proc = triage(db, "tickets", "--json")
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROL.search(proc.stdout), repr(proc.stdout)
    assert json.loads(proc.stdout)["subject"] == NASTY


def test_outage_reason_in_list_and_availability_report(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    reason = NASTY.replace("\x00", "")  # a command-line argument cannot hold NUL
    added = triage(db, "outage", "add", "--start", "2026-11-03T10:00", "--end", "2026-11-03T11:00")
    assert added.returncode == 2  # --reason is required: argparse's usage error
    added = triage(
        db,
        "outage",
        "add",
        "--start",
        "2026-11-03T10:00",
        "--end",
        "2026-11-03T11:00",
        "--reason",
        reason,
    )
    assert added.returncode == 0, added.stderr
    for args in (["outage", "list"], ["report", "availability", "--month", "2026-11"]):
        proc = triage(db, *args)
        assert proc.returncode == 0, proc.stderr
        assert not RAW_CONTROL.search(proc.stdout), repr(proc.stdout)
        assert "\\u001b]0;pwned\\u0007" in proc.stdout


def test_error_messages_are_escaped_too(tmp_path: Path) -> None:
    proc = triage(tmp_path / "\x1b]0;pwned\x07.db", "tickets")
    assert proc.returncode == 1
    assert "er is geen database op" in proc.stderr
    assert not RAW_CONTROL.search(proc.stderr), repr(proc.stderr)

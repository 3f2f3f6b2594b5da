"""`triage rules diff`: stored tickets replayed through a copy of the rules in which one word
moved from one factor value to another. The tickets are stored by `triage classify --batch
--store` (the desk, as every intake stores them) and one priority is changed by the team
through the desk, as a Slack click does; the command runs through `main`, like a shell."""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Paths, load_setup
from app.cli import main
from bot.desk import Desk
from bot.models import Priority
from bot.store import Store
from tests.conftest import REPO, RULES_ALONE
from tests.rules_edit import move_word

# What an edit of the rule files changes on its own: the rules decide alone (conftest).
pytestmark = pytest.mark.usefixtures("rules_alone")


WORD = "meerdere collega*"  # moved from omvang: enkele to omvang: groot-deel
SENDER = "a.devries@zorggroepnoord.nl"  # Zorggroep Noord, not an agreed contact: email only


def report(body: str, at: str, channel: str = "email") -> dict[str, Any]:
    sender = SENDER if channel == "email" else "U02JOOST"
    return {"channel": channel, "received_at": at, "sender": sender, "subject": "", "body": body}


# In order of ticket number. The moved word turns "some users" into "a large group" where a
# core function fails: Middel -> Hoog, with Hoog's deadlines. Elsewhere it changes nothing:
# the export has a workaround, a question stays a question.
REPORTS = [
    report("Meerdere collega's kunnen niet inloggen.", "2026-11-24T10:00:00+01:00"),  # 1
    report(
        "Bij meerdere collega's geeft de export naar Excel een foutmelding. Via CSV lukt het wel.",
        "2026-11-24T10:05:00+01:00",
    ),  # 2: the word, but a workaround
    report(
        "Ik kan niet inloggen sinds vanochtend, ik krijg een foutmelding.",
        "2026-11-24T10:10:00+01:00",
    ),
    report(
        "Meerdere collega's vragen hoe ze een doel kunnen kopiëren.", "2026-11-24T10:15:00+01:00"
    ),
    report(
        "Meerdere collega's kunnen geen evaluaties invullen.", "2026-11-24T10:20:00+01:00", "slack"
    ),  # 5: the team already made it Hoog
    report(
        "Meerdere collega's kunnen geen doelen aanmaken: je klikt op opslaan en er gebeurt niets.",
        "2026-10-01T14:00:00+02:00",
    ),  # 6: before --since
]
CHANGING = {1, 5, 6}


@pytest.fixture(scope="module")
def store_with_tickets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tickets, stored once for the module: `rules diff` only reads the store."""
    db = tmp_path_factory.mktemp("store") / "triage.db"
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REPORTS)
    args = ["--config-dir", str(REPO / "config"), "--rules-dir", str(REPO / "rules")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(RULES_ALONE, "false")
        patch.setattr(sys, "stdin", io.StringIO(lines))
        assert main([*args, "--db", str(db), "classify", "--batch", "--store"]) == 0
        setup = load_setup(Paths(REPO / "config", REPO / "rules", db))
    with Store(db) as store:
        desk = Desk(setup.triage, store, lambda: setup.rule_set.reminders, slack=False)
        now = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
        desk.set_priority(5, Priority.HOOG, "U0ANNA", now, "hele team geraakt")
    return db


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rules = tmp_path_factory.mktemp("edited") / "rules"
    shutil.copytree(REPO / "rules", rules)
    move_word(rules / "20-omvang-en-functie.yaml", WORD, "enkele", "groot-deel")
    return rules


def diff(
    db: Path, rules: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    status = main(
        ["--config-dir", str(REPO / "config"), "--db", str(db), "rules", "diff", str(rules), *extra]
    )
    out, err = capsys.readouterr()
    return status, out, err


def test_moved_word_lists_exactly_the_tickets_that_change(
    store_with_tickets: Path, moved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = diff(store_with_tickets, moved, capsys, "--json")
    assert status == 0 and err == ""  # no progress bar when stderr is not a terminal
    result = json.loads(out)
    assert result["replayed"] == 6
    assert {c["ticket"] for c in result["changes"]} == CHANGING
    # Priority and with it the deadlines; not the exemption: by email and Slack both Middel
    # and Hoog are exempt until an agreed contact phones (SLA 4.D).
    assert result["counts"] == {
        "priority": 3,
        "category": 0,
        "exempt": 0,
        "recognised": 0,
        "deadlines": 3,
        "rules": 0,
    }
    assert result["transitions"][0] == {
        "aspect": "priority",
        "before": "middel",
        "after": "hoog",
        "count": 3,
    }
    assert result["team_changed"] == 1
    first = next(c for c in result["changes"] if c["ticket"] == 1)
    assert (first["before"]["priority"], first["after"]["priority"]) == ("middel", "hoog")
    assert first["rows"] == {
        "before": "storing-met-beperkingen",
        "after": "grote-groep-kernfunctie",
    }
    assert first["factors"] == [
        {
            "name": "omvang",
            "before": "enkele",
            "after": "groot-deel",
            "words_before": [WORD],
            "words_after": [WORD],
        }
    ]
    # The baseline is the rules' first decision, not the team's Hoog: ticket 5 changes, and
    # the replayed rules now give what the team chose.
    fifth = next(c for c in result["changes"] if c["ticket"] == 5)
    assert fifth["before"]["priority"] == "middel"
    assert fifth["team"] == {"priority": "hoog", "category": "storing"}


def test_unchanged_rules_change_nothing(
    store_with_tickets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = diff(store_with_tickets, REPO / "rules", capsys, "--json")
    result = json.loads(out)
    assert status == 0 and result["replayed"] == 6 and result["changes"] == []


def test_since_text_output_and_two_workers(
    store_with_tickets: Path, moved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, one, _ = diff(store_with_tickets, moved, capsys, "--since", "2026-11-01", "--jobs", "1")
    status, two, _ = diff(store_with_tickets, moved, capsys, "--since", "2026-11-01", "--jobs", "2")
    assert status == 0 and one == two
    assert "Opnieuw beoordeeld: 5 tickets" in one and "ontvangen sinds zo 1 nov 2026" in one
    assert "zouden 2 van 5 tickets anders beoordelen: 2× Middel → Hoog" in one
    assert "Door het team gewijzigd sinds de eerste beoordeling: 1 ticket." in one
    assert "#1 " in one and "#5 " in one and "#6 " not in one
    assert "beslisregel storing-met-beperkingen → grote-groep-kernfunctie" in one
    assert "omvang: enkele («meerdere collega*») → groot-deel («meerdere collega*»)" in one
    assert "het team koos: Hoog, storing (de regels geven dat nu ook)" in one


def test_a_bad_date_is_a_dutch_error(
    store_with_tickets: Path, moved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = diff(store_with_tickets, moved, capsys, "--since", "1-11-2026")
    assert status == 1 and "--since verwacht een datum als 2026-11-01" in err


def test_progress_bar_only_on_a_terminal_and_not_when_quiet(
    store_with_tickets: Path, moved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def stderr_on_a_terminal(*extra: str) -> str:
        parent, child = os.openpty()
        saved = sys.stderr
        with open(child, "w", encoding="utf-8", closefd=True) as terminal:
            sys.stderr = terminal
            try:
                status, _, _ = diff(store_with_tickets, moved, capsys, "--jobs", "1", *extra)
            finally:
                sys.stderr = saved
        assert status == 0
        shown = b""
        while select.select([parent], [], [], 0.5)[0]:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # EIO: the terminal side is closed and all was read (Linux)
                break
            if not chunk:
                break
            shown += chunk
        os.close(parent)
        return shown.decode("utf-8")

    bar = stderr_on_a_terminal()
    assert "Tickets opnieuw beoordelen" in bar and "100 %" in bar and "6 van 6" in bar
    # The last line stays, with the time it took.
    assert "klaar in " in bar.rsplit("\r", 2)[-2] and bar.endswith("\r\n")
    assert stderr_on_a_terminal("--quiet") == ""


def test_with_the_text_model_an_edit_shows_where_the_model_keeps_its_answer(
    tmp_path: Path,
    moved: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the model on (the default), the rules' new Hoog for "meerdere collega's kunnen
    niet inloggen" is overruled by the model: the diff says so instead of staying silent."""
    monkeypatch.delenv(RULES_ALONE)
    db = tmp_path / "triage.db"
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REPORTS[:1])
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    args = ["--config-dir", str(REPO / "config"), "--rules-dir", str(REPO / "rules")]
    assert main([*args, "--db", str(db), "classify", "--batch", "--store"]) == 0
    capsys.readouterr()
    status, out, _ = diff(db, moved, capsys, "--json")
    assert status == 0
    [change] = json.loads(out)["changes"]
    assert change["aspects"] == ["rules"]
    assert change["before"]["priority"] == change["after"]["priority"] == "middel"
    assert json.loads(out)["transitions"] == [
        {"aspect": "rules", "before": "middel storing", "after": "hoog storing", "count": 1}
    ]
    status, out, _ = diff(db, moved, capsys)
    assert "regels middel storing → hoog storing, het taalmodel houdt het" in out

"""The command line's own mistakes (a missing option, an unknown value) are told in Dutch, with
the usage line above them and exit status 2, as argparse does."""

from __future__ import annotations

import pytest

from app.arguments import dutch
from app.cli import main


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["outage", "add", "--start", "2026-11-24T10:00"],
            "triage outage add: fout: dit ontbreekt nog: --reason",
        ),
        (
            ["rules", "frobnicate"],
            "triage rules: fout: ACTION: 'frobnicate' bestaat niet (kies uit 'check', 'test', "
            "'eval', 'suggest', 'diff')",
        ),
        (["rules", "suggest", "--top", "veel"], "--top: 'veel' is geen geheel getal"),
        (["rules", "eval", "--min", "x"], "--min: 'x' is geen getal"),
        (["report", "sla", "--month"], "--month: hier hoort een waarde achter"),
        (["tickets", "--bla"], "triage: fout: onbekend: --bla"),
        (
            ["outage", "add", "--start", "x", "--reason", "y", "--planned", "--force-majeure"],
            "--force-majeure en --planned gaan niet samen",
        ),
    ],
)
def test_usage_errors_are_dutch(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: triage")
    assert said in err


def test_an_unknown_message_is_left_as_it_is() -> None:
    assert dutch("something new in a later Python") == "something new in a later Python"

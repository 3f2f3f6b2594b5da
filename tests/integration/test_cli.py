"""The `triage` command as other tools and people use it: the CLI contract."""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from bot.store import Store
from tests.conftest import REPO


def triage(
    args: list[str],
    stdin: str = "",
    monkeypatch: pytest.MonkeyPatch | None = None,
    capsys: pytest.CaptureFixture[str] | None = None,
) -> tuple[int, str, str]:
    assert monkeypatch is not None and capsys is not None
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def repo_args(tmp_path: Path) -> list[str]:
    return [
        "--config-dir",
        str(REPO / "config"),
        "--rules-dir",
        str(REPO / "rules"),
        "--db",
        str(tmp_path / "t.db"),
    ]


GOOD = {
    "channel": "email",
    "received_at": "2026-11-24T14:00:00+01:00",
    "sender": "a.devries@zorggroepnoord.nl",
    "subject": "Export",
    "body": "Het exporteren naar Excel geeft een foutmelding.",
}


def test_batch_contract(
    repo_args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = {**GOOD, "channel": "phone", "sender": "+31 50 123 4567"}
    lines = [json.dumps(GOOD), json.dumps(phone), json.dumps({**GOOD, "priority": "laag"})]
    status, out, _ = triage(
        [*repo_args, "classify", "--batch"], "\n".join(lines) + "\n", monkeypatch, capsys
    )
    assert status == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 3
    for result in results:
        assert set(result) == {
            "priority",
            "category",
            "exempt",
            "exempt_reason",
            "reaction_due",
            "resolution_due",
            "rules",
            "organisation",
            "needs_triage",
            "decision",
            "factors",
        }
        assert result["organisation"] == "zorggroep-noord"
    email, by_phone, confirmed = results
    assert email["category"] == "storing"
    assert email["priority"] in {"hoog", "middel"}
    assert email["exempt"] is True and "4.D" in email["exempt_reason"]
    assert by_phone["exempt"] is False and by_phone["exempt_reason"] is None
    assert email["reaction_due"].endswith("+01:00")
    assert confirmed["priority"] == "laag" and confirmed["reaction_due"] is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"channel": "email", "body": ', "geen geldige JSON"),
        ("[1, 2]", "verwacht een JSON-object"),
        ("", "lege regel"),
        (
            json.dumps({**GOOD, "received_at": "2026-11-24T14:00:00"}),
            "received_at '2026-11-24T14:00:00' heeft geen UTC-verschil",
        ),
        (json.dumps({**GOOD, "received_at": "gisteren"}), "is geen ISO 8601-tijd"),
        (
            json.dumps({**GOOD, "channel": "fax"}),
            "onbekende channel 'fax' (verwacht 'email', 'widget', 'slack' of 'phone')",
        ),
        (json.dumps({**GOOD, "priority": "urgent"}), "onbekende priority 'urgent'"),
        (json.dumps({**GOOD, "body": "", "subject": ""}), "the report is empty"),
        (json.dumps({**GOOD, "body": "  \n "}), None),  # subject still has text: fine
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "received_at"}),
            "received_at ontbreekt",
        ),
        (json.dumps({**GOOD, "onderwerp": "x"}), "onbekende sleutel 'onderwerp'"),
        (json.dumps({**GOOD, "body": 42}), "body: Input should be a valid string"),
        # These three crashed the whole batch before they were validated:
        (
            '{"channel": "phone", "sender": "\\ud800", "received_at": "2026-11-24T14:00:00+01:00", '
            '"body": "niemand kan inloggen"}',
            "sender: contains an invalid character",
        ),
        (json.dumps({**GOOD, "received_at": "9999-12-31T10:00:00+01:00"}), "year 9999 is outside"),
        (json.dumps({**GOOD, "received_at": 1700000000}), "not a number"),
    ],
)
def test_bad_line_gets_a_specific_error_and_the_rest_goes_on(
    repo_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    line: str,
    message: str | None,
) -> None:
    stdin = "\n".join([json.dumps(GOOD), line, json.dumps(GOOD)]) + "\n"
    status, out, _ = triage([*repo_args, "classify", "--batch"], stdin, monkeypatch, capsys)
    results = [json.loads(x) for x in out.splitlines()]
    assert len(results) == 3
    assert results[0]["category"] == results[2]["category"] == "storing"
    if message is None:
        assert status == 0 and "error" not in results[1]
    else:
        assert status == 2
        assert results[1]["line"] == 2
        assert message in results[1]["error"], results[1]["error"]


def test_fifty_thousand_character_body(
    repo_args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = ("Goedemorgen, een lange mail. " * 2000)[
        :49_000
    ] + " Inloggen lukt niet, niemand kan inloggen."
    assert len(body) > 49_000
    status, out, _ = triage(
        [*repo_args, "classify", "--batch"],
        json.dumps({**GOOD, "body": body}) + "\n",
        monkeypatch,
        capsys,
    )
    assert status == 0
    assert json.loads(out)["category"] == "storing"


def test_single_report_from_flags(
    repo_args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = triage(
        [
            *repo_args,
            "classify",
            "--channel",
            "phone",
            "--sender",
            "06-12345678",
            "--at",
            "2026-12-24T14:00:00+01:00",
            "--subject",
            "AFAS",
            "De koppeling met AFAS werkt niet meer",
        ],
        "",
        monkeypatch,
        capsys,
    )
    assert status == 0
    result = json.loads(out)
    assert result["organisation"] == "zorggroep-noord"
    assert result["exempt"] is False
    # Christmas Eve (Thursday) 14:00 + 1 working day skips Christmas and the weekend.
    if result["priority"] == "middel":
        assert result["reaction_due"] == "2026-12-28T14:00:00+01:00"


def test_single_report_from_stdin_with_naive_time(
    repo_args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = triage(
        [*repo_args, "classify", "--at", "2026-11-24T10:00"], "kapot", monkeypatch, capsys
    )
    assert status == 1
    assert "heeft geen UTC-verschil" in err


def test_classify_store_is_idempotent(
    repo_args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stdin = json.dumps(GOOD) + "\n"
    for _ in range(2):
        assert (
            triage([*repo_args, "classify", "--batch", "--store"], stdin, monkeypatch, capsys)[0]
            == 0
        )
    status, out, _ = triage([*repo_args, "tickets", "--json"], "", monkeypatch, capsys)
    assert status == 0
    [ticket] = [json.loads(x) for x in out.splitlines()]
    assert ticket["organisation"] == "zorggroep-noord" and ticket["status"] == "open"
    status, out, _ = triage([*repo_args, "tickets"], "", monkeypatch, capsys)
    assert "zorggroep-noord" in out


def test_rules_check_ok_and_broken(
    tmp_path: Path,
    repo_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = triage([*repo_args, "rules", "check"], "", monkeypatch, capsys)
    assert status == 0 and out.startswith("OK: ")
    broken = tmp_path / "rules"
    shutil.copytree(REPO / "rules", broken)
    (broken / "50-broken.yaml").write_text(
        "rules:\n  - name: x\n    description: d\n    then: {priority: urgent, colour: red}\n"
        "  - name: y\n    description: d\n    when: {text: {any: [kapot}\n",
        encoding="utf-8",
    )
    status, out, _ = triage([*repo_args, "rules", "check", str(broken)], "", monkeypatch, capsys)
    assert status == 1
    assert f"{broken / '50-broken.yaml'}:" in out
    assert "1 probleem gevonden, elk met bestand:regel" in out


def test_rules_check_each_kind_of_error(
    tmp_path: Path,
    repo_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "rules"
    shutil.copytree(REPO / "rules", broken)
    target = broken / "50-broken.yaml"
    head = "rules:\n  - name: x\n    description: d\n"
    cases = {
        head + "    then: {priority: urgent}\n": "50-broken.yaml:4: onbekende prioriteit 'urgent'",
        head + "    then: {priority: hoog, kleur: rood}\n": (
            "50-broken.yaml:4: onbekende sleutel 'kleur' in rules[0].then (wel: category, "
            "priority, override)"
        ),
        head + "    then: {priority: hoog\n": (
            "50-broken.yaml:4: de { op deze regel wordt niet gesloten: zet } aan het eind"
        ),
    }
    for text, expected in cases.items():
        target.write_text(text, encoding="utf-8")
        status, out, _ = triage(
            [*repo_args, "rules", "check", str(broken)], "", monkeypatch, capsys
        )
        assert status == 1
        assert expected in out, out


def test_rules_test_passes_on_shipped_rules_and_reports_failures(
    tmp_path: Path,
    repo_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = triage([*repo_args, "rules", "test"], "", monkeypatch, capsys)
    assert status == 0, out
    assert " 0 mislukt" in out
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "90-wrong.yaml").write_text(
        "examples:\n"
        "  - report: {subject: Inloggen, body: 'Niemand kan inloggen, alles ligt plat'}\n"
        "    expect: {category: wens, priority: laag, reaction_due: none}\n",
        encoding="utf-8",
    )
    status, out, _ = triage([*repo_args, "rules", "test", str(rules)], "", monkeypatch, capsys)
    assert status == 1
    assert f"{rules / '90-wrong.yaml'}:2: voorbeeld 'Inloggen Niemand kan inloggen" in out
    assert "category: verwacht wens, triage gaf storing" in out
    assert "reaction_due: verwacht geen, triage gaf 2026-11-24" in out
    assert "1 mislukt" in out


def test_demo_runs_on_the_bundled_samples(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    status, out, _ = triage(["demo"], "", monkeypatch, capsys)
    assert status == 0
    assert "GEEN GARANTIE" in out
    assert "instelling" in out
    assert not (REPO / "var" / "demo.db").exists()


def test_quarantine_listing(
    repo_args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A mistyped --db is an error, not an empty quarantine (nor an empty database created).
    status, _, err = triage([*repo_args, "quarantine"], "", monkeypatch, capsys)
    db = Path(repo_args[-1])
    assert status == 1 and "er is geen database" in err and not db.exists()
    Store(db).close()
    status, out, _ = triage([*repo_args, "quarantine"], "", monkeypatch, capsys)
    assert status == 0 and "quarantine is empty" in out


def test_invalid_settings_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text("calendar:\n  openig: '08:00'\n", encoding="utf-8")
    status, _, err = triage(
        [
            "--config-dir",
            str(config),
            "--rules-dir",
            str(REPO / "rules"),
            "classify",
            "kapot",
            "--at",
            "2026-11-24T10:00:00+01:00",
        ],
        "",
        monkeypatch,
        capsys,
    )
    assert status == 1
    assert "calendar.openig: unknown key" in err


def test_environment_overrides_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRIAGE_CALENDAR__OPENING", "10:00")
    monkeypatch.setenv("TRIAGE_RULES_DIR", str(REPO / "rules"))
    monkeypatch.setenv("TRIAGE_CONFIG_DIR", str(REPO / "config"))
    status, out, _ = triage(
        [
            "classify",
            "--channel",
            "phone",
            "--sender",
            "+31501234567",
            "--at",
            "2026-11-24T08:00:00+01:00",
            "De koppeling met AFAS werkt niet, handmatig lukt wel",
        ],
        "",
        monkeypatch,
        capsys,
    )
    assert status == 0
    result = json.loads(out)
    if result["reaction_due"] is not None and result["priority"] == "middel":
        # 10:00-17:00: a working day is 7 hours; from Tuesday's opening to its closing.
        assert result["reaction_due"] == "2026-11-24T17:00:00+01:00"


def test_ten_thousand_reports_in_one_batch(tmp_path: Path) -> None:
    lines = []
    for i in range(10_000):
        lines.append(
            json.dumps(
                {
                    **GOOD,
                    "body": f"Melding {i}: de export werkt niet",
                    "received_at": f"2026-11-{1 + i % 28:02d}T10:00:00+01:00",
                }
            )
        )
    lines[5_000] = "{broken"
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "classify", "--batch"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == 10_000
    assert json.loads(out[5_000]) == {"line": 5_001, "error": json.loads(out[5_000])["error"]}
    assert sum(1 for line in out if '"error"' in line) == 1


def test_jobs_two_gives_the_same_lines_in_the_same_order(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                **GOOD,
                "body": f"Melding {i}: "
                + ("de export werkt niet" if i % 3 else "hoe maak ik een doel aan?"),
                "received_at": f"2026-11-{1 + i % 28:02d}T1{i % 10}:00:00+01:00",
            }
        )
        for i in range(700)
    ]
    lines[123] = '{"channel": "fax"}'
    stdin = "\n".join(lines) + "\n"
    outputs = []
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "--db",
                str(tmp_path / f"{jobs}.db"),
                "classify",
                "--batch",
                "--jobs",
                jobs,
                "--store",
            ],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[1].splitlines()) == 700
    assert json.loads(outputs[1].splitlines()[123])["line"] == 124
    import sqlite3

    for jobs in ("1", "2"):
        db = sqlite3.connect(tmp_path / f"{jobs}.db")
        assert db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 699
        db.close()


def test_password_in_settings_file_is_refused(tmp_path: Path) -> None:
    from bot.errors import ConfigError
    from bot.settings import load_settings

    (tmp_path / "settings.yaml").write_text(
        "imap:\n  host: imap.example.nl\n  username: support\n  password: hunter2\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert "TRIAGE_IMAP__PASSWORD" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_password_from_dotenv_file(tmp_path: Path) -> None:
    from bot.settings import load_settings

    (tmp_path / "settings.yaml").write_text(
        "imap:\n  host: imap.example.nl\n  username: support\n", encoding="utf-8"
    )
    env_file = tmp_path / ".env"
    env_file.write_text("TRIAGE_IMAP__PASSWORD=s3cret\nTRIAGE_IMAP__PORT=1993\n", encoding="utf-8")
    settings = load_settings(tmp_path, env_file)
    assert settings.imap is not None
    assert settings.imap.host == "imap.example.nl"  # the file and the .env are merged
    assert settings.imap.port == 1993
    assert settings.imap.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_batch_answers_each_line_before_the_next_arrives() -> None:
    """Another tool may write one line and wait for its answer: no buffering deadlock."""
    # Not PYTHONUNBUFFERED: the bot must flush by itself, as it must in production.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with subprocess.Popen(
        [sys.executable, "-m", "app.cli", "classify", "--batch"],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for _ in range(3):
            proc.stdin.write(json.dumps(GOOD) + "\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 20)
            if not ready:
                proc.kill()
                raise AssertionError("no answer within 20 s: the output is buffered")
            assert json.loads(proc.stdout.readline())["category"] == "storing"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


def test_global_options_also_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "after.db"
    status, _, _ = triage(
        ["classify", "--batch", "--store", "--db", str(db)],
        json.dumps(GOOD) + "\n",
        monkeypatch,
        capsys,
    )
    assert status == 0 and db.exists()
    status, out, _ = triage(["tickets", "--json", "--db", str(db)], "", monkeypatch, capsys)
    ticket = json.loads(out)
    # Times are shown in business local time, like classify's output.
    assert ticket["received_at"] == "2026-11-24T14:00:00+01:00"
    assert ticket["reaction_due"].endswith("+01:00")


def test_too_many_rules_is_a_check_error(
    tmp_path: Path,
    repo_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    many = "rules:\n" + "".join(
        f"  - name: r{i}\n    description: d\n    when: {{text: {{any: [w{i}]}}}}\n"
        f"    then: {{priority: laag}}\n"
        for i in range(400)
    )
    (rules / "90-many.yaml").write_text(many, encoding="utf-8")
    status, out, _ = triage([*repo_args, "rules", "check", str(rules)], "", monkeypatch, capsys)
    assert status == 1
    assert "regels: de engine kan er hoogstens 400 aan" in out

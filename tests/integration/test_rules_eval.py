"""`triage rules eval`: agreement of the shipped rules with labelled reports, from a file or
from the team's own decisions in the store (SLA 4.G).

The labelled file is written here. Two of its labels are deliberately not what any sensible
rule set says (a harmless typo labelled Hoog, a settings request labelled a wish), so the
run always has misses. The expected numbers are counted from the labels and what the same
pipeline decides for each report on its own; the command must add them up the same way.
"""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import Paths, load_setup
from app.cli import main
from bot.desk import Desk
from bot.evaluation import LabelError, evaluate, parse_cases
from bot.models import Category, Channel, Priority, Report
from bot.nl import nl_number
from bot.store import Store
from tests.conftest import REPO
from tests.unit.triage_setup import build_triage

SENDER = "a.devries@zorggroepnoord.nl"
AT = "2026-11-24T10:00:00+01:00"


def case(
    ident: str, body: str, priority: str, category: str | None, **extra: Any
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": ident,
        "channel": "email",
        "received_at": AT,
        "sender": SENDER,
        "body": body,
        "expected_priority": priority,
        **extra,
    }
    if category is not None:
        line["expected_category"] = category
    return line


CASES = [
    case(
        "uitval",
        "Goedemorgen,\n\nSinds vanochtend kan niemand van ons inloggen, iedereen krijgt een "
        "foutmelding.\n\nGroet,\nAnja",
        "hoog",
        "storing",
        subject="Niemand kan inloggen",
    ),
    case(
        "wens",
        "Het zou fijn zijn als we doelen konden kopiëren naar de volgende cyclus.",
        "laag",
        "wens",
        why="een wens",
    ),
    case(
        "vraag",
        "Hoe kan ik een evaluatie die per ongeluk is afgerond weer openzetten?",
        "laag",
        "vraag",
        channel="widget",
    ),
    # Deliberately wrong label: nobody is bothered by a typo; no rule set should say Hoog.
    case(
        "typfout",
        "Op de knop staat een typfout: Opslann in plaats van Opslaan. Niemand heeft er last van.",
        "hoog",
        "storing",
        subject="Typfout op knop",
    ),
    # Deliberately wrong category: a request to switch a module on is 3.G, not a wish.
    case(
        "module",
        "Kunnen jullie de module 360-feedback voor ons aanzetten? Dat kunnen wij niet zelf.",
        "laag",
        "wens",
        subject="Module aanzetten",
    ),
    # No category label: only the priority counts.
    case("telefoon", "Hallo, ik heb een nieuwe telefoon gekocht.", "laag", None, note="n.v.t."),
]
MISLABELLED = {"typfout", "module"}


def triage(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def repo_args(db: Path) -> list[str]:
    return [
        "--config-dir",
        str(REPO / "config"),
        "--rules-dir",
        str(REPO / "rules"),
        "--db",
        str(db),
    ]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), "utf-8")
    return path


@pytest.fixture(scope="module")
def decided() -> dict[str, tuple[str, str, bool]]:
    """(priority, category, needs_triage) per case, each report decided on its own."""
    setup = load_setup(Paths(REPO / "config", REPO / "rules", Path("unused.db")))
    out = {}
    for line in CASES:
        report = Report(
            channel=Channel(line.get("channel", "email")),
            received_at=datetime.fromisoformat(line["received_at"]),
            sender=line["sender"],
            subject=line.get("subject", ""),
            body=line["body"],
        )
        decision = setup.triage.decide(report)
        out[line["id"]] = (
            decision.priority.value,
            decision.category.value,
            decision.needs_triage,
        )
    return out


def expected_counts(decided: dict[str, tuple[str, str, bool]]) -> dict[str, Any]:
    priority_agree = category_agree = category_n = hoog_expected = hoog_found = 0
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for line in CASES:
        got_priority, got_category, _ = decided[line["id"]]
        p_ok = got_priority == line["expected_priority"]
        c_ok = "expected_category" not in line or got_category == line["expected_category"]
        priority_agree += p_ok
        if "expected_category" in line:
            category_n += 1
            category_agree += c_ok
        if line["expected_priority"] == "hoog":
            hoog_expected += 1
            hoog_found += got_priority == "hoog"
        confusion[(line["expected_priority"], got_priority)] += 1
        if not (p_ok and c_ok):
            misses.append(line["id"])
    return {
        "n": len(CASES),
        "priority_agree": priority_agree,
        "category_agree": category_agree,
        "category_n": category_n,
        "hoog_expected": hoog_expected,
        "hoog_found": hoog_found,
        "needs_triage": sum(nt for _, _, nt in decided.values()),
        "confusion": confusion,
        "misses": misses,
    }


# -- a labelled file -----------------------------------------------------------------------------


def test_json_output_adds_up_the_cases(
    repo_args: list[str],
    labelled: Path,
    decided: dict[str, tuple[str, str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = triage(
        [*repo_args, "rules", "eval", str(labelled), "--json"], monkeypatch, capsys
    )
    assert status == 0
    result = json.loads(out)
    assert {
        "n",
        "priority_agree",
        "category_agree",
        "hoog_expected",
        "hoog_found",
        "confusion",
        "misses",
    } <= set(result)
    want = expected_counts(decided)
    for key in ("n", "priority_agree", "category_agree", "category_n", "hoog_expected"):
        assert result[key] == want[key], key
    assert result["hoog_found"] == want["hoog_found"]
    assert result["needs_triage"] == want["needs_triage"]
    assert result["priority_pct"] == round(100 * want["priority_agree"] / want["n"], 1)
    levels = ["hoog", "middel", "laag"]
    assert set(result["confusion"]) == set(levels)
    for expected in levels:
        assert set(result["confusion"][expected]) == set(levels)
        for got in levels:
            assert result["confusion"][expected][got] == want["confusion"][(expected, got)]
    assert sum(sum(row.values()) for row in result["confusion"].values()) == len(CASES)
    assert [m["id"] for m in result["misses"]] == want["misses"]
    # The deliberately wrong labels are misses whatever the rules' tuning.
    assert {m["id"] for m in result["misses"]} >= MISLABELLED
    assert result["hoog_expected"] == 2
    assert result["category_n"] == len(CASES) - 1


def test_a_miss_shows_labels_outcome_decision_and_factors(
    repo_args: list[str],
    labelled: Path,
    decided: dict[str, tuple[str, str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = triage([*repo_args, "rules", "eval", str(labelled), "--json"], monkeypatch, capsys)
    misses = {m["id"]: m for m in json.loads(out)["misses"]}
    typo = misses["typfout"]
    assert typo["subject"] == "Typfout op knop"
    assert (typo["expected_priority"], typo["expected_category"]) == ("hoog", "storing")
    assert (typo["priority"], typo["category"]) == decided["typfout"][:2]
    assert typo["needs_triage"] is decided["typfout"][2]
    if typo["decision"] is not None:
        assert typo["rules"][0] == typo["decision"]
    # Factors carry the words that set them, as written in the rule files.
    assert typo["factors"]
    for factor in typo["factors"].values():
        assert factor["value"] != "onbekend"
        assert factor["words"]
    module = misses["module"]
    assert module["expected_category"] == "wens"
    assert module["category"] != "wens"


def test_text_output_is_dutch_with_the_matrix_and_every_miss(
    repo_args: list[str],
    labelled: Path,
    decided: dict[str, tuple[str, str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = triage([*repo_args, "rules", "eval", str(labelled)], monkeypatch, capsys)
    assert status == 0
    want = expected_counts(decided)
    n = want["n"]
    lines = out.splitlines()
    assert lines[0] == f"Beoordeeld: {n} meldingen uit {labelled}"
    pct = nl_number(100 * want["priority_agree"] / n)
    assert f"Prioriteit gelijk: {want['priority_agree']} van {n} ({pct} %)" in out
    assert f"{want['category_agree']} van {want['category_n']}" in out
    assert f"Hoog gevonden:     {want['hoog_found']} van {want['hoog_expected']}" in out
    assert f"Niet herkend:      {want['needs_triage']}" in out
    assert "Verwacht (rij) tegen triage (kolom):" in out
    header = lines.index("Verwacht (rij) tegen triage (kolom):")
    assert lines[header + 1].split() == ["hoog", "middel", "laag"]
    for offset, expected in enumerate(["hoog", "middel", "laag"], start=2):
        row = lines[header + offset].split()
        assert row[0] == expected
        assert [int(x) for x in row[1:]] == [
            want["confusion"][(expected, got)] for got in ["hoog", "middel", "laag"]
        ]
    assert f"Verschillen ({len(want['misses'])}):" in out
    miss_lines = [line for line in lines if line.startswith("- ")]
    assert [line.split()[1] for line in miss_lines] == want["misses"]
    typo = next(line for line in miss_lines if line.startswith("- typfout "))
    got_priority, got_category, _ = decided["typfout"]
    assert "«Typfout op knop»" in typo
    assert f"verwacht hoog/storing, triage {got_priority}/{got_category}" in typo
    typo_at = lines.index(typo)
    assert lines[typo_at + 1].strip().startswith("factoren: ")


def test_min_sets_the_exit_status(
    repo_args: list[str],
    labelled: Path,
    decided: dict[str, tuple[str, str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    want = expected_counts(decided)
    pct = 100 * want["priority_agree"] / want["n"]
    assert pct < 100  # the mislabelled typo makes sure
    args = [*repo_args, "rules", "eval", str(labelled)]
    status, out, _ = triage([*args, "--min", "0"], monkeypatch, capsys)
    assert status == 0 and "Onder de grens" not in out
    status, out, _ = triage([*args, "--min", repr(pct)], monkeypatch, capsys)
    assert status == 0, "exactly at the bound is not below it"
    status, out, _ = triage([*args, "--min", "100"], monkeypatch, capsys)
    assert status == 1
    assert f"Onder de grens: prioriteit {nl_number(pct)} % < 100 %" in out
    status, out, _ = triage([*args, "--min", "100", "--json"], monkeypatch, capsys)
    assert status == 1
    assert json.loads(out)["n"] == want["n"]  # --json stays one JSON object


def test_all_agreeing_passes_min_100(
    repo_args: list[str],
    tmp_path: Path,
    decided: dict[str, tuple[str, str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Label each report with what the rules say: full agreement.
    path = tmp_path / "eens.jsonl"
    lines = []
    for line in CASES:
        priority, category, _ = decided[line["id"]]
        lines.append(
            json.dumps({**line, "expected_priority": priority, "expected_category": category})
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, _ = triage(
        [*repo_args, "rules", "eval", str(path), "--json", "--min", "100"], monkeypatch, capsys
    )
    assert status == 0
    result = json.loads(out)
    assert result["priority_agree"] == result["n"] == len(CASES)
    assert result["category_agree"] == result["category_n"] == len(CASES)
    assert result["misses"] == []


GOOD_LINE = json.dumps(CASES[1])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"channel": "email", "body": ', "geen JSON"),
        ("[1, 2]", "JSON-object"),
        (json.dumps({k: v for k, v in CASES[1].items() if k != "expected_priority"}), "ontbreekt"),
        (json.dumps({**CASES[1], "expected_priority": "urgent"}), "expected_priority"),
        (json.dumps({**CASES[1], "expected_category": "klacht"}), "expected_category"),
        (json.dumps({k: v for k, v in CASES[1].items() if k != "received_at"}), "received_at"),
        (json.dumps({**CASES[1], "channel": "fax"}), "fax"),
        (json.dumps({**CASES[1], "onderwerp": "x"}), "onderwerp"),
    ],
)
def test_a_bad_line_is_a_clear_error_naming_the_line(
    repo_args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad: str,
    message: str,
) -> None:
    path = tmp_path / "labels.jsonl"
    # A blank line still counts: the bad line is line 3 of the file.
    path.write_text(f"{GOOD_LINE}\n\n{bad}\n{GOOD_LINE}\n", encoding="utf-8")
    status, out, err = triage([*repo_args, "rules", "eval", str(path)], monkeypatch, capsys)
    assert status == 1
    assert out == ""
    assert "regel 3" in err
    assert message in err
    assert "Traceback" not in err


def test_a_missing_file_is_a_clear_error(
    repo_args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "nergens.jsonl"
    status, _, err = triage([*repo_args, "rules", "eval", str(missing)], monkeypatch, capsys)
    assert status == 1
    assert str(missing) in err


@pytest.mark.parametrize("extra", [[], ["FILE", "--from-store"]])
def test_exactly_one_source_of_labels(
    repo_args: list[str],
    labelled: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
) -> None:
    args = [str(labelled) if a == "FILE" else a for a in extra]
    status, out, err = triage([*repo_args, "rules", "eval", *args], monkeypatch, capsys)
    assert status == 1
    assert out == ""
    assert "--from-store" in err


# -- the team's decisions as labels -------------------------------------------------------------


def record(store: Store, desk: Desk, subject: str, body: str, at: datetime) -> int:
    report = Report(
        channel=Channel.EMAIL,
        received_at=at,
        sender=SENDER,
        subject=subject,
        body=body,
        source_key=f"email:<{subject}@zorggroepnoord.nl>",
    )
    recorded = store.record(report, desk.triage.decide(report), at)
    assert recorded.ticket_id is not None
    return recorded.ticket_id


@contextmanager
def desk_on(db: Path) -> Iterator[tuple[Store, Desk]]:
    """The store at `db` and a desk over the shipped rules, as the bot records tickets."""
    setup = load_setup(Paths(REPO / "config", REPO / "rules", db))
    with Store(db) as store:
        yield store, Desk(setup.triage, store, lambda: setup.rule_set.reminders, slack=False)


def other_level(priority: Priority) -> Priority:
    return Priority.HOOG if priority is not Priority.HOOG else Priority.LAAG


def test_from_store_uses_the_teams_final_priorities(
    repo_args: list[str],
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    at = datetime.fromisoformat(AT)
    with desk_on(db) as (store, desk):
        changed = record(
            store, desk, "Export", "Het exporteren naar Excel geeft een foutmelding.", at
        )
        provisional = record(store, desk, "Inloggen", "Sinds vanochtend kan niemand inloggen.", at)
        confirmed = record(store, desk, "Vraag", "Hoe kan ik een evaluatie weer openzetten?", at)
        before = store.ticket_view(changed)
        new_priority = other_level(before.priority)
        desk.set_priority(
            changed, new_priority, "U0LEAD", at + timedelta(minutes=5), reason="raakt iedereen"
        )
        desk.set_priority(confirmed, None, "U0LEAD", at + timedelta(minutes=6))
        assert store.ticket_view(changed).provisional is False
        assert store.ticket_view(provisional).provisional is True
        kept = store.ticket_view(confirmed)
        assert kept.provisional is False

    status, out, _ = triage(
        [*repo_args, "rules", "eval", "--from-store", "--json"], monkeypatch, capsys
    )
    assert status == 0
    result = json.loads(out)
    # The provisional ticket is no label: nobody has looked at it yet.
    assert result["n"] == 2
    # The confirmed ticket agrees (the team kept what the rules said); the changed one not.
    assert result["priority_agree"] == 1
    assert result["category_agree"] == result["category_n"] == 2
    [miss] = result["misses"]
    assert miss["id"] == f"#{changed}"
    assert miss["expected_priority"] == new_priority.value
    assert miss["priority"] == before.priority.value
    assert miss["expected_category"] == before.category.value
    assert miss["subject"] == "Export"
    assert result["confusion"][new_priority.value][before.priority.value] == 1
    assert result["confusion"][kept.priority.value][kept.priority.value] == 1
    assert result["hoog_expected"] == (new_priority is Priority.HOOG) + (
        kept.priority is Priority.HOOG
    )

    status, out, _ = triage([*repo_args, "rules", "eval", "--from-store"], monkeypatch, capsys)
    assert status == 0
    assert (
        out.splitlines()[0] == f"Beoordeeld: 2 meldingen uit de beslissingen van het team in {db}"
    )
    assert f"- #{changed} «Export»: verwacht {new_priority.value}/" in out
    assert f"#{provisional}" not in out
    status, _, _ = triage(
        [*repo_args, "rules", "eval", "--from-store", "--min", "60"], monkeypatch, capsys
    )
    assert status == 1  # 1 of 2


def test_the_teams_labels_export_as_a_labelled_set_that_eval_reads_back(
    repo_args: list[str],
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    at = datetime.fromisoformat(AT)
    with desk_on(db) as (store, desk):
        changed = record(store, desk, "Export", "Het exporteren naar Excel geeft een fout.", at)
        record(store, desk, "Inloggen", "Sinds vanochtend kan niemand inloggen.", at)
        desk.set_priority(
            changed, Priority.HOOG, "U0LEAD", at + timedelta(minutes=5), reason="iedereen"
        )
    export = tmp_path / "team.jsonl"
    status, out, _ = triage(
        [*repo_args, "rules", "eval", "--from-store", "--export", str(export)], monkeypatch, capsys
    )
    assert status == 0
    assert f"1 gelabelde meldingen geschreven naar {export}" in out
    [line] = [json.loads(x) for x in export.read_text(encoding="utf-8").splitlines()]
    assert line["id"] == f"#{changed}" and line["subject"] == "Export"
    assert (line["expected_priority"], line["channel"]) == ("hoog", "email")
    assert datetime.fromisoformat(line["received_at"]) == at
    # The file is a labelled set: eval reads it back with the same label.
    status, out, _ = triage(
        [*repo_args, "rules", "eval", str(export), "--json"], monkeypatch, capsys
    )
    assert json.loads(out)["n"] == 1 and json.loads(out)["hoog_expected"] == 1
    # Never over an existing file, and only with --from-store.
    status, _, err = triage(
        [*repo_args, "rules", "eval", "--from-store", "--export", str(export)], monkeypatch, capsys
    )
    assert status != 0 and "bestaat al" in err
    status, _, err = triage(
        [*repo_args, "rules", "eval", str(export), "--export", str(tmp_path / "x.jsonl")],
        monkeypatch,
        capsys,
    )
    assert status != 0 and "--from-store" in err and not (tmp_path / "x.jsonl").exists()


def test_from_store_with_no_decisions_by_people(
    repo_args: list[str],
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = load_setup(Paths(REPO / "config", REPO / "rules", db))
    with Store(db) as store:
        desk = Desk(setup.triage, store, lambda: setup.rule_set.reminders, slack=False)
        record(
            store, desk, "Export", "De export geeft een foutmelding.", datetime.fromisoformat(AT)
        )
    status, out, _ = triage(
        [*repo_args, "rules", "eval", "--from-store", "--json"], monkeypatch, capsys
    )
    assert status == 0
    result = json.loads(out)
    assert (result["n"], result["priority_agree"], result["misses"]) == (0, 0, [])


def test_from_store_refuses_a_missing_database(
    repo_args: list[str],
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = triage([*repo_args, "rules", "eval", "--from-store"], monkeypatch, capsys)
    assert status == 1
    assert out == ""
    assert str(db) in err
    assert not db.exists()


def test_the_category_label_of_a_store_ticket_is_its_current_category(
    db: Path,
) -> None:
    at = datetime.fromisoformat(AT)
    with desk_on(db) as (store, desk):
        ticket = record(store, desk, "Export", "De export geeft een foutmelding.", at)
        current = store.ticket_view(ticket)
        target = other_level(current.priority)
        desk.set_priority(ticket, target, "U0LEAD", at + timedelta(minutes=1), reason="zo")
        [(label_id, report, priority, category)] = store.team_labels()
    assert label_id == ticket
    assert report.subject == "Export"
    assert report.body == "De export geeft een foutmelding."
    assert priority is target
    assert category is current.category
    assert isinstance(category, Category)


# -- parse_cases and evaluate on a tiny rule set ------------------------------------------------
# tests/unit/triage_setup.py: "niemand" -> storing/hoog, "kapot" -> storing/middel,
# "typfout" -> storing/laag, "hoe" -> vraag, "zou fijn zijn" -> wens (wens and vraag: laag).


def labelled_line(body: str, priority: str, category: str | None = None, **extra: Any) -> str:
    line: dict[str, Any] = {
        "channel": "email",
        "received_at": AT,
        "sender": "jan@acme.nl",
        "body": body,
        "expected_priority": priority,
        **extra,
    }
    if category is not None:
        line["expected_category"] = category
    return json.dumps(line)


def test_parse_cases_reads_labels_ids_and_ignores_notes() -> None:
    cases = parse_cases(
        [
            labelled_line("niemand kan werken", "hoog", "storing", id="a1", why="uitval"),
            "",
            "   ",
            labelled_line("de knop is kapot", "middel", note="geen categorie"),
        ]
    )
    assert [c.id for c in cases] == ["a1", "4"]  # without an id: the line number
    first, second = cases
    assert (first.priority, first.category) == (Priority.HOOG, Category.STORING)
    assert first.report.body == "niemand kan werken"
    assert first.report.sender == "jan@acme.nl"
    assert (second.priority, second.category) == (Priority.MIDDEL, None)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("nee", "regel 2: geen JSON"),
        ('"tekst"', "regel 2: verwacht een JSON-object"),
        (labelled_line("kapot", "urgent"), "regel 2: onbekende expected_priority"),
        (labelled_line("kapot", "hoog", "klacht"), "regel 2: onbekende expected_category"),
        (json.dumps({"channel": "email", "received_at": AT, "body": "x"}), "regel 2: "),
        (labelled_line("", "hoog"), "regel 2: "),
    ],
)
def test_parse_cases_names_the_bad_line(bad: str, message: str) -> None:
    with pytest.raises(LabelError) as caught:
        parse_cases([labelled_line("kapot", "middel"), bad, labelled_line("kapot", "middel")])
    assert str(caught.value).startswith(message)


def test_evaluate_counts_agreement_recall_confusion_and_misses(tmp_path: Path) -> None:
    cases = parse_cases(
        [
            labelled_line("niemand kan werken", "hoog", "storing", id="uitval"),
            labelled_line("de knop is kapot", "hoog", "storing", id="onderschat"),
            labelled_line("een typfout", "laag", "storing", id="typfout"),
            labelled_line("hoe werkt dit", "laag", "wens", id="vraag-als-wens"),
            labelled_line("het zou fijn zijn", "laag", id="wens"),
            labelled_line("goedemorgen", "middel", "vraag", id="leeg"),
        ]
    )
    result = evaluate(build_triage(tmp_path), cases)
    assert result.n == 6
    assert result.priority_agree == 4  # onderschat (middel) and leeg (laag) differ
    assert (result.category_agree, result.category_n) == (4, 5)
    assert (result.hoog_expected, result.hoog_found) == (2, 1)
    assert result.needs_triage == 1  # "goedemorgen": no rule
    assert result.confusion == Counter(
        {("hoog", "hoog"): 1, ("hoog", "middel"): 1, ("laag", "laag"): 3, ("middel", "laag"): 1}
    )
    assert [m.case.id for m in result.misses] == ["onderschat", "vraag-als-wens", "leeg"]
    as_json = result.as_json()
    assert as_json["priority_pct"] == round(100 * 4 / 6, 1)
    assert as_json["category_pct"] == 80.0
    assert as_json["confusion"]["hoog"] == {"hoog": 1, "middel": 1, "laag": 0}
    assert as_json["confusion"]["middel"] == {"hoog": 0, "middel": 0, "laag": 1}
    leeg = as_json["misses"][2]
    assert leeg["needs_triage"] is True
    assert (leeg["priority"], leeg["category"], leeg["decision"]) == ("laag", "vraag", None)
    vraag = as_json["misses"][1]
    assert (vraag["expected_category"], vraag["category"]) == ("wens", "vraag")
    assert vraag["rules"] == ["vraag"]


def test_evaluate_of_nothing_is_zero_not_an_error(tmp_path: Path) -> None:
    result = evaluate(build_triage(tmp_path), [])
    assert (result.n, result.priority_pct, result.category_pct) == (0, 0.0, 0.0)
    assert result.as_json()["misses"] == []

"""Triage quality on the labelled sets in tests/data, through `triage rules eval --min`.

Two kinds of sets (see rules/README.md, "Measuring"):
- the tuning parts, which the rules were tuned on: triage_tuning*.jsonl, triage_validation*.jsonl
  (each measured once fresh before it was tuned on) and triage_seen_heldout1.jsonl (the first
  held-back part, looked at after three whole-set runs). Together they must agree on the
  priority in at least 97 % and find every Hoog but two.
- the held-back part, triage_heldout2.jsonl: written and judged by Bijlage 1 by someone who
  never saw the rules, and never tuned on (its differences have not been looked at). Its
  floor is just below its fifth and sixth whole-set runs (84.6 %, see the closing note of
  issue 11): a regression guard, far below the issue's 95 % target, which the rules do not
  reach yet.
- the second held-back part, triage_heldout3.jsonl (110 reports, 30 Nov 2026): written and
  judged the same way by another helper; measured once, by totals only (82 of 110, 74.5 %;
  category 91; Hoog 19 of 24). Its floor guards against regressions the same way. With the
  Hoog text model (bot/hoogmodel.py): 86, category 92, Hoog 23 of 24 (two more runs, totals).
- the third held-back part, triage_heldout4.jsonl (110 reports, 30 Nov 2026 evening): written
  and judged blind by a helper after the Hoog model and the faster matcher existed (the one
  convention it missed, settings requests being Laag, was applied to all 14 of them from the
  labels alone); measured once, by totals: 96 of 110 (87.3 %), category 95, Hoog 23 of 25
  (the rules alone, also once: 94, 94, 21 of 25).
The text model is trained on the tuning parts only (tools/train_hoog_model.py skips every
triage_heldout<N>.jsonl by name).
An independent second judge relabelled triage_heldout2.jsonl blind, by Bijlage 1 alone, and
agreed on all 104 priorities and categories: the gap to 95 % is the rules, not the labels.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import REPO

DATA = REPO / "tests" / "data"
TUNING = sorted(
    [
        *DATA.glob("triage_tuning*.jsonl"),
        *DATA.glob("triage_validation*.jsonl"),
        *DATA.glob("triage_seen_heldout*.jsonl"),
    ]
)
HELD_BACK = DATA / "triage_heldout2.jsonl"
HELD_BACK_3 = DATA / "triage_heldout3.jsonl"
HELD_BACK_4 = DATA / "triage_heldout4.jsonl"
TUNING_MIN = 97.0
# Floors against regressions, not targets; measured by totals only, never tuned on.
HELD_BACK_MIN = 85.0  # 30 Nov 2026: 80 .. 88 of 104 by rules; 91 (87.5 %) with the Hoog model
HELD_BACK_3_MIN = 76.0  # 30 Nov 2026: 82 of 110 by rules; 86 (78.2 %) with the Hoog model
# Written blind after the Hoog model and the faster matcher; measured once: 96 of 110 (87.3 %).
HELD_BACK_4_MIN = 85.0


def evaluate(
    path: Path,
    minimum: float,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, dict[str, object]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status = main(
        [
            "--config-dir",
            str(REPO / "config"),
            "--rules-dir",
            str(REPO / "rules"),
            "--db",
            str(tmp_path / "t.db"),
            "rules",
            "eval",
            str(path),
            "--json",
            "--min",
            str(minimum),
        ]
    )
    out, _ = capsys.readouterr()
    return status, json.loads(out)


def test_the_tuning_parts_agree_with_the_support_lead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(TUNING) >= 8, "the labelled tuning parts are missing"
    combined = tmp_path / "tuning.jsonl"
    combined.write_text(
        "".join(path.read_text(encoding="utf-8") for path in TUNING), encoding="utf-8"
    )
    status, result = evaluate(combined, TUNING_MIN, tmp_path, monkeypatch, capsys)
    assert result["n"] >= 900
    assert status == 0, f"priority agreement {result['priority_pct']} % < {TUNING_MIN} %"
    assert result["category_pct"] >= 95.0
    assert result["hoog_found"] >= result["hoog_expected"] - 2


def test_the_held_back_part_stays_above_its_measured_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = evaluate(HELD_BACK, HELD_BACK_MIN, tmp_path, monkeypatch, capsys)
    assert result["n"] >= 100
    assert status == 0, f"priority agreement {result['priority_pct']} % < {HELD_BACK_MIN} %"


def test_the_second_held_back_part_stays_above_its_measured_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = evaluate(HELD_BACK_3, HELD_BACK_3_MIN, tmp_path, monkeypatch, capsys)
    assert result["n"] >= 100
    assert status == 0, f"priority agreement {result['priority_pct']} % < {HELD_BACK_3_MIN} %"


def test_the_third_held_back_part_stays_above_its_measured_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = evaluate(HELD_BACK_4, HELD_BACK_4_MIN, tmp_path, monkeypatch, capsys)
    assert result["n"] >= 100
    assert status == 0, f"priority agreement {result['priority_pct']} % < {HELD_BACK_4_MIN} %"

"""Triage quality on the labelled sets in tests/data, through `triage rules eval --min`.

Two kinds of sets (see rules/README.md, "Measuring"):
- the tuning parts, which the rules were tuned on and the text model is trained on:
  triage_tuning*.jsonl, triage_validation*.jsonl (each measured once fresh before it was
  tuned on) and triage_seen_heldout1.jsonl. Together they must agree on the priority in at
  least 97 % and find every Hoog but two.
- the held-back parts, triage_heldout<N>.jsonl: each written and judged by Bijlage 1 by a
  helper who read only the SLA and SPEC.md, never the rules, the model or another set; never
  tuned or trained on (tools/train_text_model.py skips them by name), and measured by totals
  only (tools/heldout_totals.py, `make quality`), their misses never looked at.

What the held-back parts gave, each line one measurement (priority agreement, category, Hoog):
- part 2 (104): rules 80-88; + Hoog model 91 (87.5 %), 91, 21/21;
  text model deciding (17 sets) 98 (94.2 %), 98, 21/21; (22 sets) 98, 97, 21/21.
- part 3 (110): rules 82 (74.5 %), 91, 19/24; + Hoog model 86, 92, 23/24;
  text model (17 sets) 91, 105, 24/24; (22 sets) 92, 107, 24/24. Its writer had labelled the
  12 settings requests Middel; after that run they were set to Laag by the project's
  convention from the labels alone (as part 4's were before its first run): 103 (93.6 %).
- part 4 (110): rules 94, 94, 21/25; + Hoog model 96 (87.3 %), 95, 23/25;
  text model (17 sets) 103, 106, 25/25; (22 sets) 105 (95.5 %), 106, 25/25.
- parts 5 and 6 (111, 110), written for the text model before it was built:
  (17 sets) 102 (91.9 %), 109, 24/24 and 100 (90.9 %), 104, 23/24;
  (22 sets) 105 (94.6 %), 109, 24/24 and 102 (92.7 %), 104, 23/24.
- parts 7 and 8 (112, 112), written with five new training sets (tuning8-12), measured once
  with the model trained on them: 106 (94.6 %), 111, 24/24 and 110 (98.2 %), 111, 25/25.
  All seven then: 729 of 769 (94.8 %), category 96.9 %, Hoog 166 of 167.
- parts 9 and 10 (112, 114), written with five more training sets (tuning13-17), measured
  once with the model trained on all 27 sets and no binding rows (the ten newest tuning sets
  showed binding rows cost 1.6 points and found no extra Hoog): 110 (98.2 %), 112, 24/24 and
  110 (96.5 %), 113, 24/24. The same run on the older parts: 2: 101 (97.1 %), 99, 21/21;
  3: 107 (97.3 %), 109, 24/24; 4: 107 (97.3 %), 108, 25/25; 5: 108 (97.3 %), 111, 24/24;
  6: 105 (95.5 %), 108, 23/24; 7: 109 (97.3 %), 110, 24/24; 8: 112 (100 %), 112, 25/25.
All ten: 969 of 995 (97.4 %), category 98.7 %, Hoog 214 of 215 (the one missed is in part 6).
Once more after the model learnt to read a repeated sentence once (a 49,000-character mail of
one greeting repeated hid its outage, tests/integration/test_cli.py): the same per part but
part 4, 108; all ten 970 of 995 (97.5 %), category 98.7 %, Hoog 214 of 215.
- part 11 (110), written blind with four more training sets (tuning18-21), measured first with
  the shipped 27-set model, before those sets were trained on: 109 (99.1 %), 107, 24/24; all
  eleven 1,079 of 1,105 (97.6 %), category 98.6 %, Hoog 238 of 239. Then with the model
  trained on 31 sets (tuning18-21 added; first measured before training on them: 418 of 442,
  94.6 %, Hoog 113 of 116): 2: 102, 100, 21/21; 3: 108, 109, 24/24; 4: 108, 108, 25/25;
  5: 108, 111, 24/24; 6: 105, 108, 23/24; 7: 109, 110, 24/24; 8: 112, 112, 25/25;
  9: 110, 112, 24/24; 10: 112, 114, 24/24; 11: 109, 108, 24/24; all eleven 1,083 of 1,105
  (98.0 %), category 98.8 %, Hoog 238 of 239 (still the one in part 6, never looked at).
  Then with Hoog from P >= 0.35 instead of 0.4 (chosen leaving one set out of 31: Hoog 828
  instead of 824 of 837, 75 instead of 69 false Hoog; chosen knowing, from the totals, that
  part 6 missed one Hoog, so this run is weaker evidence than a first one): 2: 102, 100,
  21/21; 3: 108, 109, 24/24; 4: 108, 108, 25/25; 5: 108, 111, 24/24; 6: 106, 108, 24/24;
  7: 108, 110, 24/24; 8: 112, 112, 25/25; 9: 110, 112, 24/24; 10: 109, 113, 24/24;
  11: 109, 108, 24/24; all eleven 1,080 of 1,105 (97.7 %), category 98.7 %, Hoog 239 of 239.
- parts 12 and 13 (111, 111), written blind after every choice above and measured once with
  that model (31 sets, Hoog from 0.35): 109 (98.2 %), 109, 24/24 and 105 (94.6 %), 110, 23/24.
  All thirteen: 1,294 of 1,327 (97.5 %), category 98.7 %, Hoog 286 of 287.
  Then with the model trained on 34 sets (tuning22-24 added, written blind; first measured
  before training on them: 318 of 333, 95.5 %, Hoog 71 of 73): 2: 102, 101, 21/21; 3: 109,
  109, 24/24; 4: 107, 107, 25/25; 5: 109, 111, 24/24; 6: 107, 108, 24/24; 7: 108, 110, 24/24;
  8: 112, 112, 25/25; 9: 110, 112, 24/24; 10: 111, 113, 24/24; 11: 109, 108, 24/24; 12: 109,
  109, 24/24; 13: 106 (95.5 %), 110, 24/24; all thirteen 1,299 of 1,327 (97.9 %), category
  98.7 %, Hoog 287 of 287.
- parts 14 and 15 (110, 110), written blind after the last choice and measured once with the
  shipped model (34 sets, Hoog from 0.35): 109 (99.1 %), 109, 24/24 and 105 (95.5 %), 108,
  25/25. All fifteen: 1,513 of 1,547 (97.8 %), category 98.7 %, Hoog 336 of 336.
The floors below guard against regressions a little under these figures.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from app.cli import main
from bot.evaluation import HELD_BACK_NAME
from tests.conftest import REPO

DATA = REPO / "tests" / "data"
TUNING = sorted(
    [
        *DATA.glob("triage_tuning*.jsonl"),
        *DATA.glob("triage_validation*.jsonl"),
        *DATA.glob("triage_seen_heldout*.jsonl"),
    ]
)
TUNING_MIN = 97.0
# Floors against regressions, not targets (see above): part -> (minimum %, Hoog it may miss).
HELD_BACK = {
    "triage_heldout2.jsonl": (95.0, 0),
    "triage_heldout3.jsonl": (95.0, 0),
    "triage_heldout4.jsonl": (95.0, 0),
    "triage_heldout5.jsonl": (95.0, 0),
    "triage_heldout6.jsonl": (95.0, 0),
    "triage_heldout7.jsonl": (95.0, 0),
    "triage_heldout8.jsonl": (97.0, 0),
    "triage_heldout9.jsonl": (96.0, 0),
    "triage_heldout10.jsonl": (95.0, 0),
    "triage_heldout11.jsonl": (96.0, 0),
    "triage_heldout12.jsonl": (96.0, 0),
    "triage_heldout13.jsonl": (94.0, 0),
    "triage_heldout14.jsonl": (97.0, 0),
    "triage_heldout15.jsonl": (94.0, 0),
}


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


@pytest.mark.parametrize("name", sorted(HELD_BACK))
def test_each_held_back_part_stays_above_its_measured_floor(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    minimum, hoog_missed = HELD_BACK[name]
    status, result = evaluate(DATA / name, minimum, tmp_path, monkeypatch, capsys)
    assert result["n"] >= 100
    assert status == 0, f"priority agreement {result['priority_pct']} % < {minimum} %"
    assert result["category_pct"] >= 94.0
    assert result["hoog_found"] >= result["hoog_expected"] - hoog_missed


def test_every_held_back_part_is_tested_and_none_is_trained_on() -> None:
    on_disk = {p.name for p in DATA.glob("triage_heldout*.jsonl")}
    assert on_disk == set(HELD_BACK)
    # tools/train_text_model.py skips exactly these names (HELD_BACK_NAME).
    assert all(HELD_BACK_NAME.search(name) for name in on_disk)
    assert not any(HELD_BACK_NAME.search(p.name) for p in TUNING)

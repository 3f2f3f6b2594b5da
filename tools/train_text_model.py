"""Train the text model (bot/textmodel.py) from the labelled sets: app/data/taalmodel.json.gz.

Reads every tests/data/triage_*.jsonl except the held-back parts (triage_heldout<N>.jsonl,
which no tuning or training may see), splits each report as the rules read it
(bot/reading.py: subject + newest text + forwarded content; no quotes, signatures or
disclaimers), and fits TF-IDF (word 1-2-grams and character 4-grams, each L2-normalised,
sublinear tf, n-grams in at least 2 reports) with a multinomial logistic regression over the
six outcomes (C=30, lbfgs; deterministic). The model is exported as plain data; before
writing, the probabilities bot/textmodel.py computes from that data are checked against
scikit-learn's on every training report.

`--loso` first measures the recipe leaving one labelled set out at a time (each set was
written by a different writer at a different time, so this is the nearest thing to mail the
model has not seen): per set, the model's priority and category agreement and its Hoog
recall with the shipped `--hoog-threshold`.

How C and the Hoog threshold were chosen (leaving one set out, 2,074 reports, 477 Hoog; the
rules as they were when each set was new, i.e. blind):

    blind rules alone                          priority 78.2 %  category 77.8 %  Hoog 312
    model, C=4, most likely outcome            priority 96.3 %  category 97.7 %  Hoog 465
    model, C=30, most likely outcome           priority 97.1 %  category 98.0 %  Hoog 466
    model, C=30, Hoog at P >= 0.4              priority 97.0 %  category 98.0 %  Hoog 469
    ... and the rules' security row binding    priority 96.5 %  category 97.7 %  Hoog 471

Binding rows were then measured on the ten sets the rules were never tuned on (tuning8-17,
1,111 reports, each predicted by a model trained on the other 26 sets): model 94.0 %, Hoog
239 of 244; with the security, data-exposure and platform rows binding 92.3 %, still 239. So
no shipped row is binding.
With the five sets added on 30 Nov 2026 (22 sets, 2,632 reports, 599 Hoog), the model alone:
priority 96.6 %, category 97.9 %, Hoog 586 of 599, 41 false Hoog; with five more (27 sets,
3,185 reports, 721 Hoog): 96.1 %, 97.7 %, 706 of 721, 60 false Hoog; reading each sentence
once (bot/textmodel.py model_text): 96.1 %, 97.7 %, 705 of 721, 59 false Hoog; with four
more (tuning18-21, 31 sets, 3,627 reports, 837 Hoog): 96.2 %, 97.8 %, 824 of 837, 69 false
Hoog. The Hoog threshold on those 31 sets:

    Hoog at P >= 0.4     priority 96.2 %  category 97.8 %  Hoog 824 of 837   69 false Hoog
    Hoog at P >= 0.35    priority 96.1 %  category 97.8 %  Hoog 828 of 837   75 false Hoog
    Hoog at P >= 0.3     priority 95.7 %  category 97.6 %  Hoog 828 of 837   89 false Hoog
    Hoog at P >= 0.25    priority 95.1 %  category 97.4 %  Hoog 832 of 837  116 false Hoog

0.35 ships: four more outages and leaks found for six more false alarms (a missed Hoog waits
a working day for a reaction, a false one costs the team a click). With three more sets
(tuning22-24, 34 sets, 3,960 reports, 910 Hoog), at 0.35: 96.3 %, 97.8 %, Hoog 894 of 910,
74 false Hoog.

Needs scikit-learn (`pip install -e '.[train]'`); the bot itself does not.

    .venv/bin/python tools/train_text_model.py [--loso | --loso-only] [--hoog-threshold 0.35]
        [--unsure-below 0.5] [--add team-labels.jsonl ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.evaluation import HELD_BACK_NAME  # noqa: E402
from bot.reading import read_report  # noqa: E402
from bot.textmodel import (  # noqa: E402
    CHAR_SIZES,
    HOOG,
    TextModel,
    char_ngrams,
    model_text,
    outcome_name,
    parse_outcome,
    word_ngrams,
)

DATA = REPO / "tests" / "data"
OUT = REPO / "app" / "data" / "taalmodel.json.gz"
HELD_BACK = HELD_BACK_NAME
C = 30.0
MIN_DF = 2


def labelled_sets(extra: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """Every labelled set but the held-back parts, and the `extra` files (e.g. the team's
    labels from `triage rules eval --from-store --export`): name -> reports with `text` and
    `label`."""
    sets: dict[str, list[dict[str, Any]]] = {}
    for path in [*sorted(DATA.glob("triage_*.jsonl")), *extra]:
        if HELD_BACK.search(path.name):
            continue  # held back: never read
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                read = read_report(case.get("subject") or "", case.get("body") or "")
                label = f"{case['expected_priority']} {case['expected_category']}"
                parse_outcome(label)  # a Middel vraag in a labelled set is a labelling error
                rows.append({**case, "text": model_text(read), "label": label})
        sets[path.stem] = rows
    return sets


class Fitted:
    """The two vectorisers and the regression, as scikit-learn objects."""

    def __init__(self, texts: list[str], labels: list[str]) -> None:
        self.words = TfidfVectorizer(analyzer=word_ngrams, min_df=MIN_DF, sublinear_tf=True)
        self.chars = TfidfVectorizer(
            analyzer=partial(char_ngrams, sizes=CHAR_SIZES), min_df=MIN_DF, sublinear_tf=True
        )
        x = self._stack(texts, fit=True)
        self.regression = LogisticRegression(C=C, max_iter=5000, random_state=0)
        self.regression.fit(x, np.array(labels))

    def _stack(self, texts: list[str], fit: bool = False) -> csr_matrix:
        parts = [self.words, self.chars]
        if fit:
            return hstack([part.fit_transform(texts) for part in parts]).tocsr()
        return hstack([part.transform(texts) for part in parts]).tocsr()

    def probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        rows = self.regression.predict_proba(self._stack(texts))
        return [dict(zip(self.regression.classes_, map(float, row), strict=True)) for row in rows]

    def export(self, hoog_threshold: float, unsure_below: float, version: str) -> dict[str, Any]:
        coef = self.regression.coef_
        split = len(self.words.vocabulary_)

        def part(vectoriser: TfidfVectorizer, offset: int) -> dict[str, list[float]]:
            return {
                gram: [
                    round(float(vectoriser.idf_[i]), 6),
                    *(round(float(w), 6) for w in coef[:, offset + i]),
                ]
                for gram, i in sorted(vectoriser.vocabulary_.items())
            }

        return {
            "version": version,
            "outcomes": [str(c) for c in self.regression.classes_],
            "intercepts": [round(float(b), 6) for b in self.regression.intercept_],
            "hoog_threshold": hoog_threshold,
            "unsure_below": unsure_below,
            "word": part(self.words, 0),
            "char": part(self.chars, split),
            "char_sizes": list(CHAR_SIZES),
        }


def answer(probabilities: dict[str, float], hoog_threshold: float) -> str:
    """What the model answers (bot/textmodel.py TextModel.opinion, on label names)."""
    hoog = outcome_name(HOOG)
    if probabilities.get(hoog, 0.0) >= hoog_threshold:
        return hoog
    return max(probabilities, key=probabilities.__getitem__)


def loso(sets: dict[str, list[dict[str, Any]]], hoog_threshold: float) -> None:
    """Leave one set out: the model alone, per set and in all."""
    print(f"leaving one set out: C {C:g}, Hoog at P >= {hoog_threshold}")
    print(f"{'set':24} {'n':>4} {'priority':>9} {'category':>9} {'Hoog':>9} {'false Hoog':>11}")
    total = np.zeros(6, dtype=int)
    for name, rows in sets.items():
        train = [r for other, rs in sets.items() if other != name for r in rs]
        fitted = Fitted([r["text"] for r in train], [r["label"] for r in train])
        said = [answer(p, hoog_threshold) for p in fitted.probabilities([r["text"] for r in rows])]
        hoog = outcome_name(HOOG)
        row = np.array(
            [
                len(rows),
                sum(
                    s.split()[0] == r["expected_priority"] for s, r in zip(said, rows, strict=True)
                ),
                sum(
                    s.split()[1] == r["expected_category"] for s, r in zip(said, rows, strict=True)
                ),
                sum(r["label"] == hoog for r in rows),
                sum(s == hoog and r["label"] == hoog for s, r in zip(said, rows, strict=True)),
                sum(s == hoog and r["label"] != hoog for s, r in zip(said, rows, strict=True)),
            ]
        )
        total += row
        n, prio, cat, expected, found, false = row
        print(f"{name:24} {n:4} {prio / n:9.1%} {cat / n:9.1%} {found:4}/{expected:<4} {false:11}")
    n, prio, cat, expected, found, false = total
    print(f"{'all':24} {n:4} {prio / n:9.1%} {cat / n:9.1%} {found:4}/{expected:<4} {false:11}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hoog-threshold", type=float, default=0.35)
    parser.add_argument("--unsure-below", type=float, default=0.5)
    parser.add_argument("--loso-only", action="store_true", help="measure, write no model")
    parser.add_argument("--loso", action="store_true", help="measure leaving one set out first")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--add",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="another labelled set to learn from, e.g. the team's labels exported by "
        "`triage rules eval --from-store --export FILE` (repeatable)",
    )
    args = parser.parse_args()
    sets = labelled_sets(args.add)
    if args.loso or args.loso_only:
        loso(sets, args.hoog_threshold)
    if args.loso_only:
        return 0
    rows = [r for rs in sets.values() for r in rs]
    texts = [r["text"] for r in rows]
    fitted = Fitted(texts, [r["label"] for r in rows])
    hoog = sum(r["label"] == outcome_name(HOOG) for r in rows)
    version = f"{len(sets)} sets, {len(rows)} reports, {hoog} Hoog"
    data = fitted.export(args.hoog_threshold, args.unsure_below, version)
    model = TextModel.from_json(data)
    worst = 0.0
    for text, theirs in zip(texts, fitted.probabilities(texts), strict=True):
        ours = model.probabilities_of(text)
        for outcome, p in ours.items():
            worst = max(worst, abs(p - theirs[outcome_name(outcome)]))
    if worst > 1e-3:
        print(f"bot/textmodel.py differs from scikit-learn by {worst:.2g}: not written")
        return 1
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # mtime 0: the same data gives the same file.
    # Whole or not at all: a running `triage run` reads the file as soon as it changes.
    partial = args.out.with_name(args.out.name + ".part")
    partial.write_bytes(gzip.compress(blob.encode("utf-8"), mtime=0))
    partial.replace(args.out)
    print(
        f"{args.out}: {version}, {len(data['word'])} word and {len(data['char'])} character "
        f"n-grams, Hoog at P >= {args.hoog_threshold}, unsure below {args.unsure_below}; "
        f"largest difference with scikit-learn {worst:.1g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

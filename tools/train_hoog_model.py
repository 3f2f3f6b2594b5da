"""Train the Hoog model (bot/hoogmodel.py) from the labelled sets: app/data/hoog-model.json.gz.

Reads every tests/data/triage_*.jsonl except the held-back parts (triage_heldout<N>.jsonl,
which no tuning or training may see), splits each report as the rules read it
(bot/reading.py: subject + newest text + forwarded content; no quotes, signatures or
disclaimers), and fits TF-IDF (word 1-2-grams and character 4-grams, each L2-normalised,
sublinear tf, n-grams in at least 2 reports; `--chars 3-5` or `none`, `--min-df` for others)
with a logistic regression of Hoog against the rest (C=4, lbfgs; deterministic). The model is
exported as plain data; before writing, the probabilities bot/hoogmodel.py computes from that
data are checked against scikit-learn's on every training report.

`--loso` first measures the same recipe leaving one labelled set out at a time: per set, how
many Hoog reports the model alone finds and how many it calls Hoog wrongly, and what the
shipped step (raise to Hoog at the threshold) does on top of today's rules. Today's rules were
tuned on all these sets, so that last figure is optimistic about the rules; the README of this
directory describes the blind comparison.

Character 4-grams alone: leaving one set out they find as many Hoog reports as 3-5-grams at
the shipped threshold (370 of 477, 2 false; words only: 322), with a third of the n-grams to
count per report, which is most of the model's time in `triage classify`.

Needs scikit-learn (`pip install -e '.[train]'`); the bot itself does not.

    .venv/bin/python tools/train_hoog_model.py [--loso | --loso-only] [--threshold 0.6]
        [--chars 4-4] [--min-df 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.hoogmodel import CHAR_SIZES, HoogModel, char_ngrams, model_text, word_ngrams  # noqa: E402
from bot.reading import read_report  # noqa: E402

DATA = REPO / "tests" / "data"
OUT = REPO / "app" / "data" / "hoog-model.json.gz"
HELD_BACK = re.compile(r"triage_heldout\d+\.jsonl$")
C = 4.0


def labelled_sets() -> dict[str, list[dict[str, Any]]]:
    """Every labelled set but the held-back parts: name -> reports with `text` and `hoog`."""
    sets: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(DATA.glob("triage_*.jsonl")):
        if HELD_BACK.search(path.name):
            continue  # held back: never read
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                read = read_report(case.get("subject") or "", case.get("body") or "")
                rows.append(
                    {**case, "text": model_text(read), "hoog": case["expected_priority"] == "hoog"}
                )
        sets[path.stem] = rows
    return sets


@dataclass(frozen=True)
class Recipe:
    """What is fitted: character n-gram sizes (None: words only) and the vocabulary floor."""

    char_sizes: tuple[int, int] | None = (4, 4)
    min_df: int = 2

    def __str__(self) -> str:
        chars = "words only" if self.char_sizes is None else "chars {}-{}".format(*self.char_sizes)
        return f"{chars}, min_df {self.min_df}"


class Fitted:
    """The two vectorisers and the regression, as scikit-learn objects."""

    def __init__(self, texts: list[str], hoog: list[bool], recipe: Recipe) -> None:
        self.recipe = recipe
        self.words = TfidfVectorizer(analyzer=word_ngrams, min_df=recipe.min_df, sublinear_tf=True)
        sizes = recipe.char_sizes
        self.chars = (
            None
            if sizes is None
            else TfidfVectorizer(
                analyzer=partial(char_ngrams, sizes=sizes), min_df=recipe.min_df, sublinear_tf=True
            )
        )
        x = self._stack(texts, fit=True)
        self.regression = LogisticRegression(C=C, max_iter=5000, random_state=0)
        self.regression.fit(x, np.array(hoog))

    def _stack(self, texts: list[str], fit: bool = False) -> csr_matrix:
        parts = [self.words] if self.chars is None else [self.words, self.chars]
        if fit:
            return hstack([part.fit_transform(texts) for part in parts]).tocsr()
        return hstack([part.transform(texts) for part in parts]).tocsr()

    def probabilities(self, texts: list[str]) -> list[float]:
        return [float(p) for p in self.regression.predict_proba(self._stack(texts))[:, 1]]

    def export(self, threshold: float, version: str) -> dict[str, Any]:
        coef = self.regression.coef_[0]
        split = len(self.words.vocabulary_)

        def part(vectoriser: TfidfVectorizer, offset: int) -> dict[str, list[float]]:
            return {
                gram: [round(float(vectoriser.idf_[i]), 6), round(float(coef[offset + i]), 6)]
                for gram, i in sorted(vectoriser.vocabulary_.items())
            }

        return {
            "version": version,
            "threshold": threshold,
            "intercept": round(float(self.regression.intercept_[0]), 6),
            "word": part(self.words, 0),
            "char": {} if self.chars is None else part(self.chars, split),
            "char_sizes": list(self.recipe.char_sizes or CHAR_SIZES),
        }


def loso(sets: dict[str, list[dict[str, Any]]], threshold: float, recipe: Recipe) -> None:
    """Leave one set out: the model alone, and the shipped step on top of today's rules."""
    from app.bootstrap import Paths, load_setup
    from bot.evaluation import parse_cases

    triage = load_setup(Paths(REPO / "config", REPO / "rules", Path("unused.db"))).triage
    triage.hoog_model = None  # the rules alone; the step is added below from the left-out fit
    total = np.zeros(12, dtype=int)
    print(f"leaving one set out: {recipe}, threshold {threshold}")
    print(
        f"{'set':24} {'n':>4} {'Hoog':>5} model@0.5: found false @thr: found false | rules: "
        "found false agree -> +step: found false agree"
    )
    for name, rows in sets.items():
        train = [r for other, rs in sets.items() if other != name for r in rs]
        fitted = Fitted([r["text"] for r in train], [r["hoog"] for r in train], recipe)
        probs = fitted.probabilities([r["text"] for r in rows])
        lines = (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        decisions = [triage.decide(c.report) for c in parse_cases(lines)]
        model_found = sum(p >= 0.5 and r["hoog"] for p, r in zip(probs, rows, strict=True))
        model_false = sum(p >= 0.5 and not r["hoog"] for p, r in zip(probs, rows, strict=True))
        at_found = sum(p >= threshold and r["hoog"] for p, r in zip(probs, rows, strict=True))
        at_false = sum(p >= threshold and not r["hoog"] for p, r in zip(probs, rows, strict=True))
        agree = after = found = false = step_found = step_false = 0
        for p, r, d in zip(probs, rows, decisions, strict=True):
            agree += d.priority.value == r["expected_priority"]
            found += d.priority.value == "hoog" and r["hoog"]
            false += d.priority.value == "hoog" and not r["hoog"]
            raised = "hoog" if p >= threshold else d.priority.value
            after += raised == r["expected_priority"]
            step_found += raised == "hoog" and r["hoog"]
            step_false += raised == "hoog" and not r["hoog"]
        hoog = sum(r["hoog"] for r in rows)
        row = np.array(
            [
                *(len(rows), hoog, model_found, model_false, at_found, at_false),
                *(found, false, agree, step_found, step_false, after),
            ]
        )
        total += row
        print(
            f"{name:24} {len(rows):4} {hoog:5} {model_found:16} {model_false:5} {at_found:11} "
            f"{at_false:5} | {found:6} {false:5} {agree / len(rows):6.1%} -> {step_found:13} "
            f"{step_false:5} {after / len(rows):6.1%}"
        )
    n, hoog, mfound, mfalse, afound, afalse, found, false, agree, sfound, sfalse, after = total
    print(
        f"{'all':24} {n:4} {hoog:5} {mfound:16} {mfalse:5} {afound:11} {afalse:5} | {found:6} "
        f"{false:5} {agree / n:6.1%} -> {sfound:13} {sfalse:5} {after / n:6.1%}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument(
        "--chars",
        default="4-4",
        help="character n-gram sizes, e.g. 3-5 or 4-4; 'none' for words only",
    )
    parser.add_argument(
        "--min-df", type=int, default=2, help="n-grams in at least this many reports"
    )
    parser.add_argument("--loso-only", action="store_true", help="measure, write no model")
    parser.add_argument("--loso", action="store_true", help="measure leaving one set out first")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sizes = None if args.chars == "none" else tuple(int(n) for n in args.chars.split("-"))
    recipe = Recipe(sizes, args.min_df)  # type: ignore[arg-type]
    sets = labelled_sets()
    if args.loso or args.loso_only:
        loso(sets, args.threshold, recipe)
    if args.loso_only:
        return 0
    rows = [r for rs in sets.values() for r in rs]
    texts = [r["text"] for r in rows]
    fitted = Fitted(texts, [r["hoog"] for r in rows], recipe)
    version = f"{len(sets)} sets, {len(rows)} reports, {sum(r['hoog'] for r in rows)} Hoog"
    data = fitted.export(args.threshold, version)
    model = HoogModel.from_json(data)
    ours = np.array([model.probability_of(t) for t in texts])
    theirs = np.array(fitted.probabilities(texts))
    worst = float(np.abs(ours - theirs).max())
    if worst > 1e-3:
        print(f"bot/hoogmodel.py differs from scikit-learn by {worst:.2g}: not written")
        return 1
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # mtime 0: the same data gives the same file.
    args.out.write_bytes(gzip.compress(blob.encode("utf-8"), mtime=0))
    print(
        f"{args.out}: {version}, {len(data['word'])} word and {len(data['char'])} character "
        f"n-grams ({recipe}), threshold {args.threshold}; largest difference with "
        f"scikit-learn {worst:.1g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

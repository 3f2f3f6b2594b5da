"""Catastrophic regular expressions in a rule file: refused by `rules check`, or classified fast.

Issue 12 item 4: with Python's `re`, `'/(a+)+$/'` in a word rule passed `rules check`, and a
message of forty a's and a "!" then took hours to classify. Team leads' patterns now run on
RE2 (bot/engine/patterns.py). For each pattern below, the shipped rules plus one word rule with
that pattern are loaded the way `rules check` loads them (bot.engine.loader.load_rules); a
refused pattern prints the reason `rules check` gives. An accepted one is run through the real
pipeline (`Triage.decide`, as `triage classify` and the bot do) on two messages built to make a
backtracking matcher explode: 40 and 10,000 characters. The target: refused, or classified in
under 100 ms. For contrast, the same pattern on the same kind of text of 22 characters with
Python's `re`, in a child process stopped after 10 s.

Run from the repository root:
    .venv/bin/python bench/hardening_regex.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from app.bootstrap import Paths, load_setup
from bot.errors import RuleSetInvalid
from bot.models import Channel, Report

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0
CONTRAST_CHARS = 22
CONTRAST_LIMIT_S = 10.0

# (pattern, attack text of n characters): the classic ReDoS shapes, the two of the issue first.
PATTERNS: list[tuple[str, str]] = [
    (r"(a+)+$", "a+!"),
    (r"^(\w+\s?)+$", "a+!"),
    (r"(a|aa)+$", "a+!"),
    (r"(a|a?)+$", "a+!"),
    (r"(.*a){20}$", "a+!"),
    (r"([a-z]+)*$", "a+!"),
    (r"(x+x+)+y", "x+"),
    (r"^(([a-z])+.)+[A-Z]([a-z])+$", "a+!"),
    (r"^([a-z0-9])(([\-.]|[_]+)?([a-z0-9]+))*(@)[a-z0-9]+[.]([a-z]{2,3})$", "a+!"),
    (r"(\d+)+\.$", "1+x"),
    # What RE2 cannot express: refused by `rules check`.
    (r"^(a+)\1+$", "a+!"),
    (r"(?=(a+)+$)b", "a+!"),
    (r"(?<!b)(a+)+$", "a+!"),
    (r"(?>a+)+$", "a+!"),
    (r"(a+)++$", "a+!"),
]


def attack(shape: str, length: int) -> str:
    """`a+!` -> 'aaa…a!' of `length` characters."""
    if shape.endswith("+"):
        return shape[0] * length
    char, tail = shape[0], shape[2:]
    return char * (length - len(tail)) + tail


def rule_file(pattern: str) -> str:
    quoted = "'/" + pattern.replace("'", "''") + "/'"
    return (
        "rules:\n  - name: bench-regex\n    description: een patroon uit de bench\n"
        f"    when:\n      text:\n        any: [{quoted}]\n    then: {{priority: laag}}\n"
    )


def python_re_seconds(pattern: str, text: str) -> str:
    """The old matcher on `text`, in a child process (it may never finish)."""
    code = (
        "import re, sys, time\n"
        "p = re.compile(sys.argv[1])\n"
        "t = time.perf_counter(); p.search(sys.argv[2]); print(time.perf_counter() - t)\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, pattern, text.lower()],
            capture_output=True,
            text=True,
            timeout=CONTRAST_LIMIT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"> {CONTRAST_LIMIT_S:.0f} s"
    if proc.returncode != 0:
        return "-"
    return f"{float(proc.stdout):.3f} s"


def classify_ms(setup_rules: Path, texts: list[str]) -> list[float] | str:
    """Milliseconds to classify each text (the best of 3), or the problems `rules check` gives."""
    try:
        setup = load_setup(Paths(REPO / "config", setup_rules, Path("unused.db")))
    except RuleSetInvalid as exc:
        return "; ".join(p.message for p in exc.problems)
    received = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    result = []
    for text in texts:
        report = Report(channel=Channel.EMAIL, received_at=received, subject=text, body=text)
        setup.triage.decide(report)  # warm-up: the engine's first call pays for set-up
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            setup.triage.decide(report)
            best = min(best, time.perf_counter() - start)
        result.append(best * 1000)
    setup.triage.engine.close()
    return result


def main() -> int:
    print(
        f"{'pattern':<44} {'rules check':<11} {'40 chars':>9} {'10,000 chars':>13}  "
        f"target  (Python re, {CONTRAST_CHARS} chars)"
    )
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        shutil.copytree(REPO / "rules", rules)
        for pattern, shape in PATTERNS:
            (rules / "90-bench.yaml").write_text(rule_file(pattern), encoding="utf-8")
            outcome = classify_ms(rules, [attack(shape, 40), attack(shape, 10_000)])
            contrast = python_re_seconds(pattern, attack(shape, CONTRAST_CHARS))
            shown = pattern if len(pattern) <= 44 else pattern[:41] + "..."
            if isinstance(outcome, str):
                print(f"{shown:<44} {'refused':<11} {'':>9} {'':>13}  met     ({contrast})")
                print(f"    {outcome}")
                continue
            short, long = outcome
            ok = max(short, long) < TARGET_MS
            failures += not ok
            print(
                f"{shown:<44} {'accepted':<11} {short:>6.1f} ms {long:>10.1f} ms  "
                f"{'met' if ok else 'MISSED':<7} ({contrast})"
            )
    print(f"\ntarget: refused, or classified in under {TARGET_MS:.0f} ms; missed: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

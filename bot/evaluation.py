"""How well the rules agree with people: a labelled set in, agreement and every miss out.

A labelled case is a report (the `triage classify` input keys) with the priority and category
a support lead gave it under Bijlage 1. The labels can also come from the store: the team's
final priorities, confirmed or changed in Slack (SLA 4.G).

Pure: the caller reads the file (or the store) and passes the triage pipeline in.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.classify_io import describe_validation_error, parse_report
from bot.errors import ReportError
from bot.models import Category, Decision, Priority, Report
from bot.pipeline import Triage

LABEL_KEYS = ("expected_priority", "expected_category")
# The file names of held-back labelled parts (tests/data): never tuned or trained on, measured
# by totals only (rules/README.md, "Measuring").
HELD_BACK_NAME = re.compile(r"triage_heldout\d+\.jsonl$")
# Keys a labelled line may carry besides the report and its labels (ignored by the rules).
EXTRA_KEYS = ("id", "why", "note")


@dataclass(frozen=True)
class Case:
    """One labelled report."""

    id: str
    report: Report
    priority: Priority
    category: Category | None


@dataclass(frozen=True)
class Miss:
    """A case where the rules and the label differ."""

    case: Case
    decision: Decision

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "subject": self.case.report.subject,
            "expected_priority": self.case.priority.value,
            "expected_category": self.case.category.value if self.case.category else None,
            "priority": self.decision.priority.value,
            "category": self.decision.category.value,
            "needs_triage": self.decision.needs_triage,
            "decision": self.decision.decision,
            "rules": list(self.decision.rules),
            "factors": {
                f.name: {"value": f.value, "words": list(f.words)} for f in self.decision.factors
            },
        }


@dataclass
class Evaluation:
    """Agreement of the rules with the labels over a set of cases."""

    n: int = 0
    priority_agree: int = 0
    category_agree: int = 0
    category_n: int = 0
    hoog_expected: int = 0
    hoog_found: int = 0
    needs_triage: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    @property
    def priority_pct(self) -> float:
        return 100.0 * self.priority_agree / self.n if self.n else 0.0

    @property
    def category_pct(self) -> float:
        return 100.0 * self.category_agree / self.category_n if self.category_n else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "priority_agree": self.priority_agree,
            "priority_pct": round(self.priority_pct, 1),
            "category_agree": self.category_agree,
            "category_n": self.category_n,
            "category_pct": round(self.category_pct, 1),
            "hoog_expected": self.hoog_expected,
            "hoog_found": self.hoog_found,
            "needs_triage": self.needs_triage,
            "confusion": {
                expected: {got: self.confusion[(expected, got)] for got in _LEVELS}
                for expected in _LEVELS
            },
            "misses": [miss.as_json() for miss in self.misses],
        }


_LEVELS = [p.value for p in Priority]


class LabelError(ReportError):
    """A labelled line that cannot be read; the message names the line and the problem."""


def labelled_line(case: Case) -> dict[str, Any] | None:
    """A case as a line of a labelled set (what `parse_cases` reads back and
    tools/train_text_model.py learns from), or None when it has no category to label."""
    if case.category is None:
        return None
    report = case.report
    return {
        "id": case.id,
        "channel": report.channel.value,
        "received_at": report.received_at.isoformat(),
        "sender": report.sender,
        "subject": report.subject,
        "body": report.body,
        "expected_priority": case.priority.value,
        "expected_category": case.category.value,
    }


def parse_cases(lines: Iterable[str]) -> list[Case]:
    """Labelled cases from JSON Lines; LabelError names the first bad line."""
    cases: list[Case] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelError(f"regel {number}: geen JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise LabelError(f"regel {number}: verwacht een JSON-object")
        try:
            priority = Priority(data.pop("expected_priority"))
        except KeyError as exc:
            raise LabelError(f"regel {number}: expected_priority ontbreekt") from exc
        except ValueError as exc:
            raise LabelError(f"regel {number}: onbekende expected_priority") from exc
        raw_category = data.pop("expected_category", None)
        try:
            category = Category(raw_category) if raw_category is not None else None
        except ValueError as exc:
            raise LabelError(f"regel {number}: onbekende expected_category") from exc
        ident = str(data.pop("id", number))
        for key in EXTRA_KEYS:
            data.pop(key, None)
        try:
            report = parse_report(data)
        except ReportError as exc:
            raise LabelError(f"regel {number}: {exc}") from exc
        except ValidationError as exc:  # pragma: no cover - parse_report wraps these
            raise LabelError(f"regel {number}: {describe_validation_error(exc)}") from exc
        cases.append(Case(ident, report, priority, category))
    return cases


def evaluate(triage: Triage, cases: Iterable[Case]) -> Evaluation:
    """Run every case through the pipeline and compare with its labels."""
    result = Evaluation()
    for case in cases:
        decision = triage.decide(case.report)
        result.n += 1
        priority_ok = decision.priority is case.priority
        category_ok = case.category is None or decision.category is case.category
        result.priority_agree += priority_ok
        if case.category is not None:
            result.category_n += 1
            result.category_agree += category_ok
        if case.priority is Priority.HOOG:
            result.hoog_expected += 1
            result.hoog_found += decision.priority is Priority.HOOG
        result.needs_triage += decision.needs_triage
        result.confusion[(case.priority.value, decision.priority.value)] += 1
        if not (priority_ok and category_ok):
            result.misses.append(Miss(case, decision))
    return result

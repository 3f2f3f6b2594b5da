"""`triage rules test`: run the examples of the rule files through the real pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from bot.classify_io import describe_validation_error
from bot.engine.loader import LoadedExample
from bot.engine.schema import UNKNOWN
from bot.models import Decision, Report
from bot.pipeline import Triage
from bot.text import one_line


@dataclass(frozen=True)
class ExampleFailure:
    """One example whose outcome differs from what its file expects."""

    file: str
    line: int
    report: str
    differences: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{self.file}:{self.line}: voorbeeld {self.report}"]
        lines.extend(f"    {d}" for d in self.differences)
        return "\n".join(lines)


def _short(report: Report) -> str:
    # A fixed cut (67 characters and '...'), not bot.text.shorten's cut at a word with '…':
    # this is what `triage rules test` has always shown for a failing example.
    text = one_line(report.subject + " " + report.body)
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _time(value: datetime | str | None) -> str:
    if value is None or value == "none":
        return "geen"
    assert isinstance(value, datetime)
    return value.isoformat()


def compare(loaded: LoadedExample, decision: Decision) -> list[str]:
    """Differences between an example's expectation and a decision, one line each."""
    expect = loaded.example.expect
    diffs: list[str] = []
    for key in ("priority", "category", "exempt", "organisation", "needs_triage", "decision"):
        if key in expect.model_fields_set:
            wanted, got = getattr(expect, key), getattr(decision, key)
            if wanted != got:
                diffs.append(f"{key}: verwacht {_plain(wanted)}, triage gaf {_plain(got)}")
    read = {factor.name: factor.value for factor in decision.factors}
    for name, wanted_value in (expect.factors or {}).items():
        got_value = read.get(name, UNKNOWN)
        if got_value != wanted_value:
            diffs.append(f"factor {name}: verwacht {wanted_value}, triage gaf {got_value}")
    if expect.rules is not None and tuple(expect.rules) != decision.rules:
        diffs.append(f"rules: verwacht {list(expect.rules)}, triage gaf {list(decision.rules)}")
    for name in expect.rules_include or ():
        if name not in decision.rules:
            diffs.append(
                f"rules: verwacht dat {name!r} afgaat, afgegaan zijn {list(decision.rules)}"
            )
    for name in expect.rules_exclude or ():
        if name in decision.rules:
            diffs.append(f"rules: verwacht dat {name!r} niet afgaat, maar hij ging af")
    for key in ("reaction_due", "resolution_due"):
        if key in expect.model_fields_set:
            wanted_t: datetime | str | None = getattr(expect, key)
            got_t: datetime | None = getattr(decision, key)
            same = (wanted_t in (None, "none") and got_t is None) or (
                isinstance(wanted_t, datetime) and got_t is not None and wanted_t == got_t
            )
            if not same:
                shown = (
                    got_t.astimezone(wanted_t.tzinfo)
                    if (isinstance(wanted_t, datetime) and got_t is not None)
                    else got_t
                )
                diffs.append(f"{key}: verwacht {_time(wanted_t)}, triage gaf {_time(shown)}")
    return diffs


def _plain(value: object) -> str:
    return str(getattr(value, "value", value))


def run_examples(triage: Triage, examples: tuple[LoadedExample, ...]) -> list[ExampleFailure]:
    """Every failing example, in file order."""
    failures = []
    for loaded in examples:
        spec = loaded.example.report
        try:
            report = Report.model_validate(spec.model_dump())
        except ValidationError as exc:
            problem = describe_validation_error(exc)
            failures.append(ExampleFailure(loaded.file, loaded.line, "(ongeldig)", (problem,)))
            continue
        diffs = compare(loaded, triage.decide(report))
        if diffs:
            failures.append(ExampleFailure(loaded.file, loaded.line, _short(report), tuple(diffs)))
    return failures

"""The factors and the decision table of a rules directory, checked, with file:line problems.

Factors may be defined in any file, each once; decision rows keep file and row order (the
first row that fits decides, see compiler.py). A row's `when` names factors with one value or
a list of values (`onbekend`: no word set the factor), and may also test `channel` and
`organisation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.engine.problems import Broken
from bot.engine.schema import UNKNOWN, DecisionRow, FactorSpec, FactorValue, RuleFile
from bot.engine.words import TermError, parse_term
from bot.engine.yamlfile import YamlDocument
from bot.errors import RuleProblem
from bot.models import Channel

CONTEXT_KEYS = ("channel", "organisation")


@dataclass(frozen=True)
class LoadedDecision:
    """A decision-table row with where it came from and its place in the global order."""

    row: DecisionRow
    file: str
    line: int
    index: int

    @property
    def name(self) -> str:
        return self.row.name


def load_tables(
    parsed_files: list[tuple[str, YamlDocument, RuleFile]],
    lists: Mapping[str, tuple[str, ...]],
    known_orgs: set[str] | None,
    problems: list[RuleProblem],
    broken: Broken | None = None,
) -> tuple[dict[str, FactorSpec], tuple[LoadedDecision, ...]]:
    """Factors (with @lists expanded) and decision rows of all files, checked; names in
    `broken` (items left out for their own problems) are not reported again as unknown."""
    broken = broken or Broken()
    factors: dict[str, FactorSpec] = {}
    where: dict[str, tuple[str, int]] = {}
    for name, doc, parsed in parsed_files:
        for factor, spec in parsed.factors.items():
            line = doc.line_of(("factors", factor))
            if factor in factors:
                other = where[factor]
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        f"factor {factor!r} staat er twee keer (ook in {other[0]}:{other[1]})",
                    )
                )
                continue
            factors[factor] = _expanded(factor, spec, lists, doc, problems, broken.lists)
            where[factor] = (name, line)
    decisions: list[LoadedDecision] = []
    seen: dict[str, LoadedDecision] = {}
    for name, doc, parsed in parsed_files:
        for position, row in enumerate(parsed.decisions):
            line = doc.line_of(("decisions", position))
            loaded = LoadedDecision(row, name, line, len(decisions))
            if row.name in seen:
                first = seen[row.name]
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        f"beslisregel {row.name!r} staat er twee keer "
                        f"(ook in {first.file}:{first.line})",
                    )
                )
                continue
            seen[row.name] = loaded
            decisions.append(loaded)
            _check_row(loaded, factors, doc, position, known_orgs, problems, broken.factors)
    return factors, tuple(decisions)


def _expanded(
    factor: str,
    spec: FactorSpec,
    lists: Mapping[str, tuple[str, ...]],
    doc: YamlDocument,
    problems: list[RuleProblem],
    broken_lists: set[str],
) -> FactorSpec:
    values: dict[str, FactorValue] = {}
    for value, definition in spec.values.items():
        words: list[str] = []
        for i, word in enumerate(definition.words):
            line = doc.line_of(("factors", factor, "values", value, "words", i))
            if word.startswith("@"):
                found = lists.get(word[1:])
                if found is None:
                    if word[1:] in broken_lists:
                        continue
                    known = ", ".join(f"@{n}" for n in sorted(lists)) or "geen"
                    problems.append(
                        RuleProblem(
                            doc.file,
                            line,
                            f"factor {factor!r}, waarde {value!r}: onbekende woordenlijst "
                            f"{word} (bekend: {known})",
                        )
                    )
                    continue
                words.extend(found)
                continue
            try:
                parse_term(word)
            except TermError as exc:
                problems.append(
                    RuleProblem(doc.file, line, f"factor {factor!r}, waarde {value!r}: {exc}")
                )
                continue
            words.append(word)
        values[value] = definition.model_copy(update={"words": tuple(words)})
    return spec.model_copy(update={"values": values})


def _check_row(
    loaded: LoadedDecision,
    factors: Mapping[str, FactorSpec],
    doc: YamlDocument,
    position: int,
    known_orgs: set[str] | None,
    problems: list[RuleProblem],
    broken_factors: set[str],
) -> None:
    row = loaded.row
    for key, values in row.when.items():
        line = doc.line_of(("decisions", position, "when", key))
        if key == "channel":
            allowed: set[str] | None = {c.value for c in Channel}
        elif key == "organisation":
            allowed = known_orgs
        elif key in factors:
            allowed = {*factors[key].values, UNKNOWN}
        elif key in broken_factors:
            continue
        else:
            known = ", ".join([*sorted(factors), *CONTEXT_KEYS])
            problems.append(
                RuleProblem(
                    loaded.file,
                    line,
                    f"beslisregel {row.name!r}: onbekende factor {key!r} (bekend: {known})",
                )
            )
            continue
        if not values:
            problems.append(
                RuleProblem(loaded.file, line, f"beslisregel {row.name!r}: {key} zonder waarde")
            )
        for value in values:
            if allowed is not None and value not in allowed:
                problems.append(
                    RuleProblem(
                        loaded.file,
                        line,
                        f"beslisregel {row.name!r}: {key} kan niet {value!r} zijn "
                        f"(wel: {', '.join(sorted(allowed))})",
                    )
                )

"""A rules directory -> a checked RuleSet; every problem is reported as file:line.

Files are read in name order (`10-categorie.yaml` before `20-prioriteit.yaml`) and rules keep
their order within a file; that global order is the order in which rules are listed and in
which "first rule wins" is decided (see compiler.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.engine.factors import FactorReader
from bot.engine.problems import Broken, explain, names_in_unreadable, validate_file
from bot.engine.schema import Example, RuleFile, RuleSpec, SlaSpec
from bot.engine.tables import LoadedDecision, load_tables
from bot.engine.text import TermError, TermMatcher, compile_term
from bot.engine.yamlfile import YamlDocument, parse_yaml
from bot.errors import RuleProblem, RuleSetInvalid
from bot.reminders import ReminderPolicy

RULE_FILE_GLOBS = ("*.yaml", "*.yml")
# durable-rules fails at 512 rules and hangs above (shared/DURABLE_RULES_NOTES.md); the
# catch-all needs one, and assert cost grows with the count: stay well below.
MAX_RULES = 400


@dataclass(frozen=True)
class LoadedRule:
    """A rule with where it came from and its place in the global order."""

    spec: RuleSpec
    file: str
    line: int
    index: int

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def phase(self) -> int:
        """1: decides categories; 2: tests the category decided in phase 1."""
        return 2 if self.spec.when.category else 1

    def groups(self) -> Iterable[tuple[str, ...]]:
        """The word groups this rule tests: `any`, each item of `all`, `none`."""
        text = self.spec.when.text
        if text is None:
            return
        if text.any:
            yield tuple(text.any)
        for item in text.all:
            yield (item,) if isinstance(item, str) else tuple(item)
        if text.none:
            yield tuple(text.none)

    def terms(self) -> Iterable[str]:
        text = self.spec.when.text
        if text is not None:
            yield from text.terms()


@dataclass(frozen=True)
class LoadedExample:
    """An example and where it stands, for `rules test` failures."""

    example: Example
    file: str
    line: int


@dataclass(frozen=True)
class RuleSet:
    """Everything in a rules directory, checked and ready to compile."""

    rules: tuple[LoadedRule, ...]
    sla: SlaSpec
    reminders: ReminderPolicy
    examples: tuple[LoadedExample, ...]
    version: str
    files: tuple[str, ...]
    matcher: TermMatcher = field(compare=False)
    decisions: tuple[LoadedDecision, ...] = ()
    factors: FactorReader = field(default_factory=lambda: FactorReader({}), compare=False)

    def by_name(self) -> dict[str, LoadedRule]:
        return {rule.name: rule for rule in self.rules}


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a directory, in name order."""
    if not directory.is_dir():
        raise RuleSetInvalid([RuleProblem(str(directory), 0, "deze map met regels bestaat niet")])
    found = {p for glob in RULE_FILE_GLOBS for p in directory.glob(glob) if p.is_file()}
    return sorted(found, key=lambda p: p.name)


def load_rules(directory: Path, organisations: Iterable[str] | None = None) -> RuleSet:
    """Read and check every rule file in `directory`; raise RuleSetInvalid listing all problems."""
    sources = {str(path): path.read_bytes() for path in rule_files(directory)}
    return check_sources(sources, organisations)


def check_sources(
    sources: Mapping[str, bytes], organisations: Iterable[str] | None = None
) -> RuleSet:
    """Check rule file contents (name -> bytes, in order) without touching the disk."""
    problems: list[RuleProblem] = []
    rules: list[LoadedRule] = []
    examples: list[LoadedExample] = []
    sla: tuple[SlaSpec, str, int] | None = None
    reminders: tuple[ReminderPolicy, str, int] | None = None
    first_seen: dict[str, LoadedRule] = {}
    known_orgs = set(organisations) if organisations is not None else None
    broken = Broken()  # items left out for their own problems: no follow-up problems

    if not sources:
        raise RuleSetInvalid([RuleProblem("rules", 0, "geen regelbestanden (*.yaml) gevonden")])

    parsed_files: list[tuple[str, YamlDocument, RuleFile]] = []
    for name, raw in sources.items():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                RuleProblem(
                    name,
                    1,
                    f"geen UTF-8-tekst (byte {exc.start}): sla het bestand op als UTF-8",
                )
            )
            continue
        doc, syntax = parse_yaml(text, name)
        problems.extend(syntax)
        if doc is None:
            broken.update(names_in_unreadable(text))
            continue
        checked = validate_file(doc, problems)
        if checked is not None:
            doc, parsed, left_out = checked
            broken.update(left_out)
            parsed_files.append((name, doc, parsed))

    # Word lists first: a rule may use a list defined in any file.
    lists: dict[str, tuple[tuple[str, ...], str, int]] = {}
    for name, doc, parsed in parsed_files:
        for list_name, words in parsed.lists.items():
            line = doc.line_of(("lists", list_name))
            if list_name in lists:
                _, other_file, other_line = lists[list_name]
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        f"woordenlijst {list_name!r} staat er twee keer "
                        f"(ook in {other_file}:{other_line})",
                    )
                )
                continue
            nested = [w for w in words if w.startswith("@")]
            if nested:
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        f"woordenlijst {list_name!r} noemt {nested[0]}: een lijst kan geen "
                        "andere lijst bevatten; schrijf de woorden uit",
                    )
                )
            lists[list_name] = (words, name, line)

    factors, decisions = load_tables(
        parsed_files, {k: v[0] for k, v in lists.items()}, known_orgs, problems, broken
    )
    for name, doc, parsed in parsed_files:
        for position, spec in enumerate(parsed.rules):
            line = doc.line_of(("rules", position))
            spec = _expand_lists(
                spec, {k: v[0] for k, v in lists.items()}, doc, position, problems, broken
            )
            rule = LoadedRule(spec, name, line, len(rules))
            if spec.name in first_seen:
                other = first_seen[spec.name]
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        f"woordregel {spec.name!r} staat er twee keer "
                        f"(ook in {other.file}:{other.line})",
                    )
                )
                continue
            first_seen[spec.name] = rule
            rules.append(rule)
            _check_rule(rule, doc, position, known_orgs, problems)
        for position, example in enumerate(parsed.examples):
            examples.append(LoadedExample(example, name, doc.line_of(("examples", position))))
        if parsed.sla is not None:
            line = doc.line_of(("sla",))
            if sla is not None:
                problems.append(
                    RuleProblem(
                        name, line, f"een tweede sla-blok (het eerste staat in {sla[1]}:{sla[2]})"
                    )
                )
            else:
                sla = (parsed.sla, name, line)
        if parsed.reminders is not None:
            line = doc.line_of(("reminders",))
            if reminders is not None:
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        f"een tweede reminders-blok (het eerste staat in "
                        f"{reminders[1]}:{reminders[2]})",
                    )
                )
            else:
                try:
                    reminders = (ReminderPolicy.model_validate(parsed.reminders), name, line)
                except ValidationError as exc:
                    for error in exc.errors():
                        error["loc"] = ("reminders", *error["loc"])
                        problems.append(
                            RuleProblem(name, doc.line_of(error["loc"]), explain(error))
                        )

    decision_names = {d.name for d in decisions}
    for loaded in examples:
        expect = loaded.example.expect
        if (
            expect.decision is not None
            and expect.decision not in decision_names
            and expect.decision not in broken.decisions
        ):
            problems.append(
                RuleProblem(
                    loaded.file,
                    loaded.line,
                    f"voorbeeld noemt onbekende beslisregel {expect.decision!r}",
                )
            )
        for factor in expect.factors or {}:
            if factor not in factors and factor not in broken.factors:
                problems.append(
                    RuleProblem(
                        loaded.file, loaded.line, f"voorbeeld noemt onbekende factor {factor!r}"
                    )
                )
        for listed in (
            (expect.rules or ()) + (expect.rules_include or ()) + (expect.rules_exclude or ())
        ):
            if listed not in first_seen and listed not in broken.rules:
                problems.append(
                    RuleProblem(
                        loaded.file, loaded.line, f"voorbeeld noemt onbekende woordregel {listed!r}"
                    )
                )

    if len(rules) + len(decisions) > MAX_RULES:
        last = rules[-1] if rules else decisions[-1]
        problems.append(
            RuleProblem(
                last.file,
                last.line,
                f"{len(rules) + len(decisions)} regels: de engine kan er hoogstens {MAX_RULES} "
                "aan (beslisregels tellen mee; bij ~512 loopt durable-rules vast); voeg regels "
                "samen met woordenlijsten (@naam)",
            )
        )
    if sla is None and not problems:
        problems.append(
            RuleProblem(
                next(iter(sources)),
                1,
                "geen enkel bestand heeft een sla-blok: de SLA-termijnen (Bijlage 1) ontbreken",
            )
        )
    if problems or sla is None:
        raise RuleSetInvalid(problems)
    digest = hashlib.sha256()
    for name, raw in sources.items():
        digest.update(Path(name).name.encode() + b"\0" + raw + b"\0")
    return RuleSet(
        rules=tuple(rules),
        sla=sla[0],
        reminders=reminders[0] if reminders else ReminderPolicy(),
        examples=tuple(examples),
        version="rules-" + digest.hexdigest()[:10],
        files=tuple(sources),
        matcher=TermMatcher(
            (term for rule in rules for term in rule.terms()),
            (group for rule in rules for group in rule.groups()),
        ),
        decisions=decisions,
        factors=FactorReader(factors),
    )


def _expand_lists(
    spec: RuleSpec,
    lists: dict[str, tuple[str, ...]],
    doc: YamlDocument,
    position: int,
    problems: list[RuleProblem],
    broken: Broken,
) -> RuleSpec:
    """Replace @name references by the words of that list (in `all`: one group)."""
    text = spec.when.text
    if text is None or not any(t.startswith("@") for t in text.terms()):
        return spec

    def words(term: str, group: str, index: int) -> tuple[str, ...]:
        if not term.startswith("@"):
            return (term,)
        found = lists.get(term[1:])
        if found is None:
            if term[1:] in broken.lists:
                return ()
            line = doc.line_of(("rules", position, "when", "text", group, index))
            known = ", ".join(f"@{n}" for n in sorted(lists)) or "geen"
            problems.append(
                RuleProblem(
                    doc.file,
                    line,
                    f"woordregel {spec.name!r}: onbekende woordenlijst {term} (bekend: {known})",
                )
            )
            return ()
        return found

    any_terms = tuple(w for i, t in enumerate(text.any) for w in words(t, "any", i))
    none_terms = tuple(w for i, t in enumerate(text.none) for w in words(t, "none", i))
    all_items: list[str | tuple[str, ...]] = []
    for i, item in enumerate(text.all):
        if isinstance(item, str):
            expanded = words(item, "all", i)
            all_items.append(expanded if item.startswith("@") else item)
        else:
            all_items.append(tuple(w for t in item for w in words(t, "all", i)))
    new_text = text.model_copy(
        update={"any": any_terms, "all": tuple(all_items), "none": none_terms}
    )
    return spec.model_copy(update={"when": spec.when.model_copy(update={"text": new_text})})


def _check_rule(
    rule: LoadedRule,
    doc: YamlDocument,
    position: int,
    known_orgs: set[str] | None,
    problems: list[RuleProblem],
) -> None:
    text = rule.spec.when.text
    if text is not None:
        for group in ("any", "all", "none"):
            for i, item in enumerate(getattr(text, group)):
                for term in (item,) if isinstance(item, str) else item:
                    try:
                        compile_term(term)
                    except TermError as exc:
                        line = doc.line_of(("rules", position, "when", "text", group, i))
                        problems.append(
                            RuleProblem(rule.file, line, f"woordregel {rule.name!r}: {exc}")
                        )
    if known_orgs is not None:
        for i, org in enumerate(rule.spec.when.organisation):
            if org not in known_orgs:
                line = doc.line_of(("rules", position, "when", "organisation", i))
                problems.append(
                    RuleProblem(
                        rule.file,
                        line,
                        f"woordregel {rule.name!r}: onbekende organisatie {org!r} "
                        "(niet in config/organisations.yaml)",
                    )
                )

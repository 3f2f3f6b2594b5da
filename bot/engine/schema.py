"""What a rule file may contain: pydantic models with every unknown key forbidden.

A rule file (rules/*.yaml) has these top-level sections, each optional:
    factors:    named factors of Bijlage 1 (scope, function, workaround, ...) and the words
                that set each of their values
    decisions:  the decision table: factor values -> category and priority, first row wins
    rules:      ordered word rules (name, description, when, then), the older form
    lists:      named word lists, used as @name
    examples:   reports with their expected outcome, run by `triage rules test`
    sla:        the SLA targets of Bijlage 1, 3.G and the phone rule of 4.D (one file only)
    reminders:  the reminder policy (one file only)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.models import Category, Channel, Priority

# Examples without a time are received on an ordinary Tuesday morning.
DEFAULT_EXAMPLE_TIME = datetime.fromisoformat("2026-11-24T10:00:00+01:00")

_NAME = r"^[a-z0-9][a-z0-9_.-]*$"


def _as_list(value: object) -> object:
    """Let a team lead write `channel: email` as well as `channel: [email, widget]`."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


ListOf = BeforeValidator(_as_list)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Group = tuple[str, ...]


class TextCondition(_Strict):
    """Words or phrases in the report; case- and accent-insensitive, whole words.

    An item of `all` may itself be a list: "one of these" (so `all: [[a, b], [c, d]]` reads
    "a or b, and c or d"). `@name` refers to a word list from a `lists:` section; in `all`
    it stands for one group. `in` picks the part read: `text` (subject and newest body, the
    default), `subject`, or `body` (the newest body only; quoted mail, signatures and
    disclaimers are never read).
    """

    in_: Literal["text", "subject", "body"] = Field(default="text", alias="in")

    any: Annotated[tuple[str, ...], ListOf] = ()
    all: Annotated[tuple[str | Group, ...], ListOf] = ()
    none: Annotated[tuple[str, ...], ListOf] = ()

    def terms(self) -> list[str]:
        """Every term, groups flattened, in order."""
        flat: list[str] = [*self.any]
        for item in self.all:
            flat.extend([item] if isinstance(item, str) else item)
        return [*flat, *self.none]

    @model_validator(mode="after")
    def _not_empty(self) -> TextCondition:
        if not (self.any or self.all or self.none):
            raise ValueError("text heeft minstens een van any, all of none nodig")
        return self


class When(_Strict):
    """All listed conditions must hold; within a list, any value matches."""

    channel: Annotated[tuple[Channel, ...], ListOf] = ()
    organisation: Annotated[tuple[str, ...], ListOf] = ()
    category: Annotated[tuple[Category, ...], ListOf] = ()
    text: TextCondition | None = None


class Then(_Strict):
    """The outcome of a rule: a category, a priority, or both."""

    category: Category | None = None
    priority: Priority | None = None
    override: bool = Field(
        default=False,
        description="Use this priority even when another rule gave a more severe one.",
    )

    @model_validator(mode="after")
    def _something(self) -> Then:
        if self.category is None and self.priority is None:
            raise ValueError("then heeft een category, een priority of allebei nodig")
        if self.override and self.priority is None:
            raise ValueError("override heeft alleen zin met een priority")
        return self


class RuleSpec(_Strict):
    """One rule as a team lead writes it."""

    name: Annotated[str, Field(pattern=_NAME, max_length=80)]
    description: Annotated[str, Field(min_length=1)]
    when: When = When()
    then: Then

    @model_validator(mode="after")
    def _no_category_loop(self) -> RuleSpec:
        if self.when.category and self.then.category is not None:
            raise ValueError(
                "een regel die de categorie test kan hem niet ook zetten (eerst wordt de "
                "categorie bepaald, daarna lopen de regels die hem testen)"
            )
        return self


class ExampleReport(_Strict):
    """The report part of an example; only `body` (or `subject`) is required."""

    channel: Channel = Channel.EMAIL
    sender: str = ""
    subject: str = ""
    body: str = ""
    received_at: AwareDatetime = DEFAULT_EXAMPLE_TIME
    priority: Priority | None = None


class ExampleExpect(_Strict):
    """Expected outcome; only the keys given are compared."""

    priority: Priority | None = None
    category: Category | None = None
    needs_triage: bool | None = None
    decision: str | None = Field(default=None, description="The decision-table row that decided.")
    factors: dict[str, str] | None = Field(
        default=None, description="These factors have these values (others are not compared)."
    )
    exempt: bool | None = None
    organisation: str | None = None
    rules: tuple[str, ...] | None = Field(default=None, description="Exactly these rules fired.")
    rules_include: tuple[str, ...] | None = Field(
        default=None, description="At least these rules fired."
    )
    rules_exclude: tuple[str, ...] | None = Field(
        default=None, description="None of these rules fired."
    )
    reaction_due: AwareDatetime | Literal["none"] | None = None
    resolution_due: AwareDatetime | Literal["none"] | None = None

    @model_validator(mode="after")
    def _something(self) -> ExampleExpect:
        if not self.model_fields_set:
            raise ValueError("expect heeft minstens een sleutel nodig om te vergelijken")
        return self


class Example(_Strict):
    """A report and what the rules must make of it."""

    name: str | None = None
    report: ExampleReport
    expect: ExampleExpect


_DURATION = re.compile(
    r"^\s*(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>"
    r"business minutes?|werkminuten|werkminuut|"
    r"business hours?|werkuren|werkuur|"
    r"working days?|werkdagen|werkdag)\s*$",
    re.IGNORECASE,
)
_UNITS: dict[str, Literal["minutes", "hours", "working_days"]] = {
    "business minute": "minutes",
    "werkminuut": "minutes",
    "werkminuten": "minutes",
    "business hour": "hours",
    "werkuur": "hours",
    "werkuren": "hours",
    "working day": "working_days",
    "werkdag": "working_days",
    "werkdagen": "working_days",
}


class Target(_Strict):
    """A reaction or resolution target: none, an amount of business time, or the next release."""

    kind: Literal["none", "business", "next_release"]
    amount: float = 0.0
    unit: Literal["minutes", "hours", "working_days"] = "minutes"

    @classmethod
    def parse(cls, value: object) -> Target:
        """Parse '15 business minutes', '1 werkdag', 'next release', 'none' and friends."""
        if isinstance(value, Target):
            return value
        if value is None:
            return cls(kind="none")
        if not isinstance(value, str):
            raise ValueError(f"een termijn is tekst zoals '1 werkdag', niet {value!r}")
        text = value.strip().lower()
        if text in {"none", "geen", "-"}:
            return cls(kind="none")
        if text in {"next release", "volgende release", "eerstvolgende release"}:
            return cls(kind="next_release")
        match = _DURATION.match(text)
        if not match:
            raise ValueError(
                f"termijn {value!r} is niet te lezen: schrijf bijvoorbeeld '15 werkminuten', "
                "'4 werkuren', '1 werkdag', 'volgende release' of 'geen'"
            )
        word = match["unit"].lower()
        unit = _UNITS.get(word) or _UNITS[word.removesuffix("s")]
        return cls(kind="business", amount=float(match["n"].replace(",", ".")), unit=unit)

    def describe(self) -> str:
        """Dutch text for users: 'binnen 1 werkdag', 'bij de volgende release', 'geen'."""
        if self.kind == "none":
            return "geen"
        if self.kind == "next_release":
            return "bij de eerstvolgende release"
        amount = f"{self.amount:g}"
        unit = {"minutes": "werkminuten", "hours": "werkuren", "working_days": "werkdagen"}[
            self.unit
        ]
        if self.amount == 1:
            unit = {"werkminuten": "werkminuut", "werkuren": "werkuur", "werkdagen": "werkdag"}[
                unit
            ]
        return f"binnen {amount} {unit}"


TargetField = Annotated[Target, BeforeValidator(Target.parse)]


class SlaTarget(_Strict):
    """Reaction and resolution target for one category/priority."""

    reaction: TargetField
    resolution: TargetField
    clause: str = Field(default="", description="Where in the SLA this comes from, for humans.")


class Defaults(_Strict):
    """What a report gets when no rule decides."""

    category: Category = Category.VRAAG
    priority: Priority = Priority.LAAG


class PhoneRule(_Strict):
    """SLA 4.D: these reports are only guaranteed when an agreed contact phones them in."""

    categories: Annotated[tuple[Category, ...], ListOf] = (Category.STORING,)
    priorities: Annotated[tuple[Priority, ...], ListOf] = (Priority.HOOG, Priority.MIDDEL)


class SlaSpec(_Strict):
    """The SLA as data: defaults, fixed priorities, targets and the phone rule."""

    defaults: Defaults = Defaults()
    fixed_priority: dict[Category, Priority] = Field(default_factory=dict)
    targets: dict[Category, dict[Priority | Literal["any"], SlaTarget]]
    phone_rule: PhoneRule = PhoneRule()
    unrecognised: SlaTarget | None = Field(
        default=None,
        description="Targets for a report no rule recognised (a person decides, SLA 4.G).",
    )

    @field_validator("targets")
    @classmethod
    def _complete(
        cls, value: dict[Category, dict[Priority | Literal["any"], SlaTarget]]
    ) -> dict[Category, dict[Priority | Literal["any"], SlaTarget]]:
        missing = []
        for category in Category:
            per = value.get(category, {})
            for priority in Priority:
                if priority not in per and "any" not in per:
                    missing.append(f"{category.value}/{priority.value}")
        if missing:
            raise ValueError(
                "er ontbreken termijnen voor "
                + ", ".join(missing)
                + " (vul ze aan, of geef een 'any'-regel)"
            )
        return value

    def target(self, category: Category, priority: Priority) -> SlaTarget:
        """The target for a category and priority (an explicit priority beats 'any')."""
        per = self.targets[category]
        return per.get(priority) or per["any"]


ListName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


FactorName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
UNKNOWN = "onbekend"  # the value of a factor that no word set


def _words(value: object) -> object:
    """A team lead may write a number (`500`) as a word without quotes."""
    listed = _as_list(value)
    if isinstance(listed, list):
        return [
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in listed
        ]
    return listed


class FactorValue(_Strict):
    """One value of a factor and the words that set it."""

    words: Annotated[tuple[str, ...], BeforeValidator(_words)] = Field(min_length=1)
    negated: FactorName | None = Field(
        default=None,
        description="The value meant when one of the words is negated ('niet iedereen').",
    )
    anywhere: bool = Field(
        default=False,
        description="These words count in any sentence, also for a factor with `near` "
        "('het lijkt organisatiebreed te zijn' is about the fault wherever it stands).",
    )


class FactorSpec(_Strict):
    """A factor of Bijlage 1: its values in order of precedence (the first found counts)."""

    description: str = ""
    values: dict[FactorName, FactorValue] = Field(min_length=1)
    group: FactorName | None = Field(
        default=None,
        description="Factors of one group (e.g. what kind of report it is) are read from the "
        "subject only when the body sets none of them.",
    )
    near: Annotated[tuple[FactorName, ...], ListOf] = Field(
        default=(),
        description="Only words in (or next to) a sentence that also sets one of these other "
        "factors count: the scope of the fault, not of a remark elsewhere in the mail.",
    )
    pick: Literal["order", "first"] = Field(
        default="order",
        description="order: of the values found, the first listed wins; first: the value "
        "whose word comes first in the text wins.",
    )
    negation: Literal["drop", "keep"] = Field(
        default="drop",
        description="drop: a negated word sets nothing (unless its value names `negated`); "
        "keep: negation does not matter for this factor (e.g. which function is meant).",
    )

    @model_validator(mode="after")
    def _known_negated(self) -> FactorSpec:
        for name, value in self.values.items():
            if value.negated is not None and value.negated not in self.values:
                raise ValueError(
                    f"waarde {name!r}: negated: {value.negated!r} is geen waarde van deze factor"
                )
        if UNKNOWN in self.values:
            raise ValueError(
                f"{UNKNOWN!r} is de waarde van een factor die geen woord zette; noem hem niet"
            )
        return self


class DecisionThen(_Strict):
    """What a row of the decision table decides."""

    category: Category
    priority: Priority | None = None


class DecisionRow(_Strict):
    """One row of the decision table: when these factor values hold, this outcome."""

    name: Annotated[str, Field(pattern=_NAME, max_length=80)]
    description: Annotated[str, Field(min_length=1)]
    when: dict[str, Annotated[tuple[str, ...], ListOf]] = Field(default_factory=dict)
    then: DecisionThen
    binding: bool = Field(
        default=False,
        description="The text model may not overrule this row (bot/pipeline.py): for a row a "
        "team lead wants absolute.",
    )


class RuleFile(_Strict):
    """One YAML file in rules/."""

    factors: dict[FactorName, FactorSpec] = Field(default_factory=dict)
    decisions: tuple[DecisionRow, ...] = ()

    lists: dict[ListName, tuple[str, ...]] = Field(
        default_factory=dict, description="Named word lists, used as @name in text conditions."
    )
    rules: tuple[RuleSpec, ...] = ()
    examples: tuple[Example, ...] = ()
    sla: SlaSpec | None = None
    # Checked by the loader against bot.reminders.ReminderPolicy (which builds on this module).
    reminders: dict[str, Any] | None = None

"""Learning from the team's corrections: how often the team changed the provisional decision.

Every ticket starts with a provisional decision: the rules', or the text model's where it
overruled them. It stays provisional until a person confirms or changes it in Slack (SLA
4.G). A `Correction` is one ticket's first (provisional) decision next to the team's last
word on it, as the store knew it at some moment. From those, per month of receipt:

    provisional   tickets whose first decision was a provisional one
    decided       of those, how many a person confirmed or changed
    priority / category changed   of those, how many got another priority / category

and what had decided the tickets the team changed (a decision-table row, word rules, the
text model, or "niet herkend"): what a team lead should look at first. `triage rules suggest`
(bot/suggest.py) goes one step further and looks for the words that set the changed tickets
apart.

Pure: the store hands the corrections in (Store.corrections), the caller passes `tz`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.models import Category, Priority
from bot.nl import LONG_MONTHS, MONTHS, nl_number
from bot.textmodel import STEP, decided_by_model

UNRECOGNISED = "niet herkend"
MODEL = STEP  # "taalmodel"


@dataclass(frozen=True)
class Correction:
    """One ticket: its first (provisional) decision and the team's last decision on it (if any)."""

    ticket_id: int
    received_at: datetime
    subject: str
    body: str
    priority: Priority  # the provisional decision (the rules' or the text model's)
    category: Category
    decision_row: str | None
    rules: tuple[str, ...]
    needs_triage: bool
    team_priority: Priority | None = None  # None: no person decided (yet)
    team_category: Category | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def decided(self) -> bool:
        return self.team_priority is not None

    @property
    def priority_changed(self) -> bool:
        return self.team_priority is not None and self.team_priority is not self.priority

    @property
    def category_changed(self) -> bool:
        return self.team_category is not None and self.team_category is not self.category

    @property
    def changed(self) -> bool:
        return self.priority_changed or self.category_changed

    @property
    def decided_first_by(self) -> str:
        """What decided the first time: nothing recognised it, the text model (where it
        overruled the rules, its step fired), the decision-table row, or the word rules.

        A correction of the model's answer is the model's: naming the row the rules chose
        would send a team lead to edit a rule that did not decide."""
        if self.needs_triage and not self.decision_row:
            return UNRECOGNISED
        if decided_by_model(self.rules):
            return MODEL
        if self.decision_row:
            return f"beslisregel {self.decision_row}"
        if not self.rules:
            return UNRECOGNISED
        return "woordregel " + ", ".join(self.rules)


@dataclass(frozen=True)
class MonthCorrections:
    """One month of receipt: the rules' provisional decisions and what the team did with them."""

    month: str  # YYYY-MM
    provisional: int = 0
    decided: int = 0
    priority_changed: int = 0
    category_changed: int = 0
    changed: int = 0

    @property
    def short_label(self) -> str:
        year, number = self.month.split("-")
        return f"{MONTHS[int(number) - 1]} {year[2:]}"

    @property
    def label(self) -> str:
        year, number = self.month.split("-")
        return f"{LONG_MONTHS[int(number) - 1]} {year}"

    @property
    def priority_pct(self) -> float | None:
        """Share of the decided tickets whose priority the team changed (None: none decided)."""
        return 100.0 * self.priority_changed / self.decided if self.decided else None

    def priority_text(self) -> str:
        """'2 van 31 (6 %)': priorities changed of the decided tickets; '-' when none."""
        pct = self.priority_pct
        if pct is None:
            return "-"
        return f"{self.priority_changed} van {self.decided} ({nl_number(pct)} %)"

    def as_json(self) -> dict[str, Any]:
        pct = self.priority_pct
        return {
            "month": self.month,
            "provisional": self.provisional,
            "decided": self.decided,
            "priority_changed": self.priority_changed,
            "category_changed": self.category_changed,
            "changed": self.changed,
            "priority_changed_pct": round(pct, 1) if pct is not None else None,
        }


@dataclass(frozen=True)
class Involved:
    """A row (or rule) that decided tickets first: how many the team changed, of how many
    it decided on."""

    name: str
    changed: int
    decided: int

    def text(self) -> str:
        """'beslisregel x (2 van 9)': changed of decided."""
        return f"{self.name} ({self.changed} van {self.decided})"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "changed": self.changed, "decided": self.decided}


@dataclass(frozen=True)
class CorrectionTrend:
    """Month by month (oldest first), and the rows most involved in the changes."""

    months: tuple[MonthCorrections, ...]
    involved: tuple[Involved, ...]
    directions: tuple[tuple[str, int], ...]  # "laag → hoog", how often (priority changes)

    @property
    def last(self) -> MonthCorrections | None:
        return self.months[-1] if self.months else None

    @property
    def empty(self) -> bool:
        return not any(m.provisional for m in self.months)

    def as_json(self) -> dict[str, Any]:
        return {
            "months": [m.as_json() for m in self.months],
            "involved": [i.as_json() for i in self.involved],
            "priority_directions": dict(self.directions),
        }


def month_key(moment: datetime, tz: ZoneInfo) -> str:
    """'2026-11': the local month of a moment."""
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def month_keys(last: str, count: int) -> list[str]:
    """`count` months ending with `last` ('2026-11'), oldest first."""
    year, number = (int(part) for part in last.split("-"))
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return keys[::-1]


def correction_trend(
    corrections: Iterable[Correction],
    tz: ZoneInfo,
    months: list[str] | None = None,
    involved_months: Iterable[str] | None = None,
    top: int = 5,
) -> CorrectionTrend:
    """The trend over `months` (default: every month with a ticket), and the rows most
    involved in the changes of `involved_months` (default: the same months)."""
    per: dict[str, Counter[str]] = {}
    chosen = list(corrections)
    for item in chosen:
        counts = per.setdefault(month_key(item.received_at, tz), Counter())
        counts["provisional"] += 1
        counts["decided"] += item.decided
        counts["priority_changed"] += item.priority_changed
        counts["category_changed"] += item.category_changed
        counts["changed"] += item.changed
    keys = months if months is not None else sorted(per)
    rows = tuple(MonthCorrections(key, **dict(per.get(key, Counter()))) for key in keys)
    window = set(involved_months if involved_months is not None else keys)
    changed: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    directions: Counter[str] = Counter()
    for item in chosen:
        if month_key(item.received_at, tz) not in window or not item.decided:
            continue
        decided[item.decided_first_by] += 1
        if item.changed:
            changed[item.decided_first_by] += 1
        if item.priority_changed and item.team_priority is not None:
            directions[f"{item.priority.value} → {item.team_priority.value}"] += 1
    involved = tuple(
        Involved(name, count, decided[name])
        for name, count in sorted(changed.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    )
    ranked = tuple(sorted(directions.items(), key=lambda kv: (-kv[1], kv[0])))
    return CorrectionTrend(rows, involved, ranked)

"""`triage rules eval` for a person: agreement, the confusion matrix and every miss, in Dutch;
with `--from-store` also how often the team changed the provisional priority, per month."""

from __future__ import annotations

from app.render.terminal import printable
from bot.corrections import CorrectionTrend
from bot.evaluation import Evaluation, Miss
from bot.models import Priority
from bot.nl import nl_number

_LEVELS = [p.value for p in Priority]


def _pct(part: int, whole: int) -> str:
    return f"{nl_number(100.0 * part / whole)} %" if whole else "-"


def evaluation_text(result: Evaluation, where: str) -> str:
    """The report of one evaluation run."""
    lines = [
        f"Beoordeeld: {result.n} meldingen uit {where}",
        f"Prioriteit gelijk: {result.priority_agree} van {result.n} "
        f"({_pct(result.priority_agree, result.n)})",
        f"Categorie gelijk:  {result.category_agree} van {result.category_n} "
        f"({_pct(result.category_agree, result.category_n)})",
        f"Hoog gevonden:     {result.hoog_found} van {result.hoog_expected}",
        f"Niet herkend:      {result.needs_triage}",
        "",
        "Verwacht (rij) tegen triage (kolom):",
        f"{'':>10}" + "".join(f"{level:>8}" for level in _LEVELS),
    ]
    for expected in _LEVELS:
        counts = "".join(f"{result.confusion[(expected, got)]:>8}" for got in _LEVELS)
        lines.append(f"{expected:>10}{counts}")
    if result.misses:
        lines += ["", f"Verschillen ({len(result.misses)}):"]
        lines += [line for miss in result.misses for line in _miss(miss)]
    return "\n".join(lines)


def _miss(miss: Miss) -> list[str]:
    case, decision = miss.case, miss.decision
    expected = f"{case.priority.value}/{case.category.value if case.category else '?'}"
    got = f"{decision.priority.value}/{decision.category.value}"
    why = f"beslisregel {decision.decision}" if decision.decision else "niet herkend"
    if decision.decision is None and decision.rules:
        why = "regels " + ", ".join(decision.rules)
    subject = case.report.subject or case.report.body[:60].replace("\n", " ")
    lines = [
        f"- {printable(case.id)} «{printable(subject)}»: verwacht {expected}, triage {got} ({why})"
    ]
    if decision.factors:
        factors = "; ".join(
            f"{f.name}={f.value} ({', '.join(f.words[:3])})" for f in decision.factors
        )
        lines.append(f"    factoren: {printable(factors)}")
    return lines


def trend_text(trend: CorrectionTrend) -> str:
    """The team's corrections of the rules of the time, month by month, and the rows most
    involved."""
    lines = [
        "Zo vaak veranderde het team de voorlopige prioriteit (van de regels van toen), per maand "
        "van ontvangst:"
    ]
    for month in trend.months:
        waiting = month.provisional - month.decided
        lines.append(
            f"  {month.short_label}: {month.priority_text()}"
            + (f", categorie veranderd: {month.category_changed}" if month.category_changed else "")
            + (f"; {waiting} nog zonder oordeel" if waiting else "")
        )
    if trend.involved:
        lines.append("Meest betrokken: " + ", ".join(printable(i.text()) for i in trend.involved))
    if trend.directions:
        lines.append("Zo veranderd: " + ", ".join(f"{w} ({n} keer)" for w, n in trend.directions))
    return "\n".join(lines)

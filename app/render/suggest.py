"""`triage rules suggest` for a team lead: per change the team made, the phrases that set those
tickets apart, as lines to paste under a factor value's `words:` in rules/*.yaml, each with its
counts; and the same as JSON for scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from app.render.terminal import printable
from bot.corrections import MODEL
from bot.nl import count
from bot.suggest import ChangeGroup, Phrase, Suggestions

# Where the words of a factor value stand in the rule files (see rules/30-omstandigheden.yaml).
WORDS_INDENT = " " * 8
ITEM_INDENT = " " * 10
_KIND = {"priority": "Prioriteit", "category": "Categorie"}
SHOWN_TICKETS = 10


def rule_line(words: str) -> str:
    """A phrase as an item of a `words:` list, quoted where YAML needs it ("500", "no")."""
    dumped: str = yaml.safe_dump([words], allow_unicode=True, default_flow_style=False)
    return dumped.strip()


def suggestions_text(found: Suggestions, where: str, already: Callable[[str], str | None]) -> str:
    """The suggestions in Dutch; `already` names what a phrase sets in today's rules."""
    lines = [
        f"Voorstellen uit de correcties van het team in {where}: "
        f"{count(found.changed, 'ticket', 'tickets')} waarvan het team de prioriteit of "
        f"categorie veranderde, tegen {count(found.unchanged, 'ticket', 'tickets')} waar het "
        "niets aan veranderde.",
        "Niets hiervan wordt vanzelf toegepast. Zet de woorden die kloppen onder `words:` bij de "
        "factor en waarde waar ze bij horen (rules/*.yaml) en draai daarna `triage rules test` "
        "en `triage rules eval --from-store`.",
    ]
    if not found.groups:
        lines += ["", "Het team heeft nog geen voorlopige prioriteit of categorie veranderd."]
    for group in found.groups:
        lines += ["", *_group(group, found, already)]
    return "\n".join(printable(line) for line in lines)


def _group(
    group: ChangeGroup, found: Suggestions, already: Callable[[str], str | None]
) -> list[str]:
    shown = ", ".join(f"#{t}" for t in group.tickets[:SHOWN_TICKETS])
    more = len(group.tickets) - SHOWN_TICKETS
    if more > 0:
        shown += f" en {more} meer"
    lines = [
        f"{_KIND[group.kind]} {group.before} → {group.after}: "
        f"{count(len(group.tickets), 'ticket', 'tickets')} ({shown})",
        "Eerst beslist door: " + ", ".join(f"{name} ({n} keer)" for name, n in group.decided_by),
    ]
    by_model = dict(group.decided_by).get(MODEL, 0)
    if by_model:
        lines.append(
            f"Het taalmodel koos hier {count(by_model, 'keer', 'keer')} de voorlopige uitkomst: "
            "woorden in de regels veranderen die niet (de regels verklaren alleen). Leer het "
            "model de keuzes van het team: `triage rules eval --from-store --export "
            "team.jsonl`, dan `python tools/train_text_model.py --add team.jsonl --loso`."
        )
    if not group.phrases:
        lines.append(
            f"Geen woorden die in minstens {found.min_count} van deze tickets staan en duidelijk "
            "vaker dan in de andere."
        )
        return lines
    width = max(len(rule_line(p.words)) for p in group.phrases)
    lines.append(f"{WORDS_INDENT}words:")
    for phrase in group.phrases:
        item = rule_line(phrase.words).ljust(width)
        counts = _counts(phrase, len(group.tickets), found.unchanged, already)
        lines.append(f"{ITEM_INDENT}{item}  # {counts}")
    return lines


def _counts(
    phrase: Phrase, changed: int, unchanged: int, already: Callable[[str], str | None]
) -> str:
    text = (
        f"in {phrase.changed} van de {changed} gewijzigde, {phrase.unchanged} van de "
        f"{unchanged} ongewijzigde tickets"
    )
    sets = already(phrase.words)
    if sets:
        text += f"; zet nu al {sets}"
    return text


def suggestions_json(found: Suggestions, already: Callable[[str], str | None]) -> dict[str, Any]:
    """The suggestions as one JSON object."""
    return {
        "changed": found.changed,
        "unchanged": found.unchanged,
        "min_count": found.min_count,
        "groups": [
            {
                "kind": group.kind,
                "from": group.before,
                "to": group.after,
                "tickets": list(group.tickets),
                "first_decided_by": dict(group.decided_by),
                "phrases": [
                    {
                        **phrase.as_json(),
                        "rule_line": rule_line(phrase.words),
                        "sets_now": already(phrase.words),
                    }
                    for phrase in group.phrases
                ],
            }
            for group in found.groups
        ],
    }

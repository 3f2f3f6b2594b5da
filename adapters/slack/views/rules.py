"""Rules changes in the team channel: an edit is active (what changed, and what it would change
in recent tickets), or it was refused (why)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.slack.blocks import (
    SECTION_MAX,
    SlackMessage,
    clip,
    code,
    context,
    escape,
    fallback,
    section,
)
from bot.engine.changes import FACTOR, WordMove
from bot.engine.reload import ReloadResult
from bot.errors import RuleProblem
from bot.intents import ReplaySummary, RulesRefused, RulesReloaded
from bot.nl import replay_change, replay_verdict, short_date

MAX_PROBLEMS = 20  # rule problems listed when a rules change is refused
MAX_WORDS = 15  # moved words listed in a reload announcement


def reloaded_message(intent: RulesReloaded) -> SlackMessage:
    """A valid rules edit is active: exactly the rules added, changed and removed (by
    content), the words that moved between factor values, and what the edit would have
    changed in the last days' tickets, with a pointer to `triage rules diff`."""
    parts = []
    for word, names in (
        ("toegevoegd", intent.added),
        ("gewijzigd", intent.changed),
        ("verwijderd", intent.removed),
    ):
        if names:
            parts.append(f"{word} {', '.join(_rule_name(n) for n in names)}")
    if intent.reordered:
        parts.append("volgorde van de beslistabel gewijzigd")
    if intent.sla_changed:
        parts.append("SLA gewijzigd")
    if intent.reminders_changed:
        parts.append("herinneringen gewijzigd")
    summary = "; ".join(parts) if parts else "geen inhoudelijke wijzigingen"
    text = f"🔄 Regels bijgewerkt: {summary}"
    blocks = [section(text)]
    if intent.words:
        lines = [_word_move(move) for move in intent.words[:MAX_WORDS]]
        if len(intent.words) > MAX_WORDS:
            lines.append(f"…en nog {len(intent.words) - MAX_WORDS} woorden")
        blocks.append(section("\n".join(lines)))
    replay = intent.replay
    if replay is not None:
        blocks.append(section(replay_sentence(replay, "deze wijziging")))
        if replay.changed:
            blocks.append(
                context(f"Per ticket: `triage rules diff --since {replay.since.isoformat()}`")
            )
    files = intent.files
    shown = ", ".join(f"`{escape(f)}`" for f in files[:10])
    if len(files) > 10:
        shown += f" en nog {len(files) - 10}"
    version = f"Versie {escape(intent.version)}"
    if files:
        version += f" · bestanden: {shown}"
    blocks.append(context(version))
    return SlackMessage(fallback(text), blocks)


def replay_sentence(replay: ReplaySummary, subject: str) -> str:
    """'Tickets van de laatste 30 dagen (sinds ma 2 nov) opnieuw beoordeeld: <subject> zou 4
    van 212 tickets anders beoordelen: 2× Middel → Hoog, …'."""
    verdict = replay_verdict(
        replay.changed,
        replay.replayed,
        [(c.count, replay_change(c.aspect, c.before, c.after)) for c in replay.counts],
    )
    return (
        f"Tickets van de laatste {replay.days} dagen (sinds {short_date(replay.since)}) "
        f"opnieuw beoordeeld: {subject} {verdict}."
    )


def _rule_name(name: str) -> str:
    """A changed rule as the team lead knows it: `naam`, or factor `naam`."""
    if name.startswith(FACTOR):
        return f"factor `{escape(name.removeprefix(FACTOR))}`"
    return f"`{escape(name)}`"


def _word_move(move: WordMove) -> str:
    """'• `meerdere collega*` (omvang): enkele → groot-deel'."""
    where = f"• `{escape(move.word)}` ({escape(move.factor)}): "
    if move.before is None:
        return where + f"nieuw, zet {escape(move.after or '')}"
    if move.after is None:
        return where + f"weggehaald uit {escape(move.before)}"
    return where + f"{escape(move.before)} → {escape(move.after)}"


def refused_message(intent: RulesRefused) -> SlackMessage:
    """A broken rules edit was refused; the problems as file:line: message, capped."""
    problems = intent.problems
    head = "⛔ Regelwijziging geweigerd, de vorige regels blijven actief"
    lines = [str(p) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"…en nog {len(problems) - MAX_PROBLEMS} problemen")
    body = "\n".join(lines) or "(geen details)"
    # Leave room for the backticks and escaping within the section limit.
    listing = code(clip(body, SECTION_MAX - 200))
    while len(listing) > SECTION_MAX:
        body = clip(body, len(body) - (len(listing) - SECTION_MAX) - 10)
        listing = code(body)
    blocks = [
        section(f"{head} (versie {escape(intent.version)})."),
        section(listing),
        context("Pas het bestand aan; de regels worden opnieuw geladen zodra het klopt."),
    ]
    count = len(problems)
    noun = "probleem" if count == 1 else "problemen"
    return SlackMessage(f"{head}: {count} {noun}", blocks)


def rules_reloaded_message(result: ReloadResult, files: Sequence[str]) -> SlackMessage:
    """The announcement of a reload: what changed, or why it was refused."""
    if not result.loaded:
        return rules_refused_message(result.problems, result.version)
    return reloaded_message(RulesReloaded.of(result.version, result.changes, files))


def rules_refused_message(problems: Sequence[RuleProblem], active_version: str) -> SlackMessage:
    """A broken rules edit was refused (see `refused_message`)."""
    return refused_message(RulesRefused.of(problems, active_version))

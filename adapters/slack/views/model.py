"""The text model in the team channel: another model is active (which, instead of which, and
what it would change in recent tickets), or a new model file was refused (why)."""

from __future__ import annotations

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
from adapters.slack.views.rules import replay_sentence
from bot.intents import ModelRefused, ModelReloaded

MAX_PROBLEMS = 10  # reasons listed when a model file is refused


def _version(version: str | None) -> str:
    return (
        f"versie `{escape(version)}`"
        if version is not None
        else "geen taalmodel (de regels alleen)"
    )


def model_reloaded_message(intent: ModelReloaded) -> SlackMessage:
    """Another text model decides from now on: the config folder's own or the shipped one."""
    source = "het eigen model uit de configuratiemap" if intent.own else "het meegeleverde model"
    text = f"🔄 Taalmodel vervangen: {source}, {_version(intent.version)}"
    blocks = [section(f"{text} (was {_version(intent.previous)}).")]
    if intent.replay is not None:
        blocks.append(section(replay_sentence(intent.replay, "dit model")))
    blocks.append(
        context(
            "Hoe het met de keuzes van het team overeenkomt: `triage rules eval --from-store`. "
            "Terug naar het meegeleverde model: verwijder `taalmodel.json.gz` uit de "
            "configuratiemap."
        )
    )
    return SlackMessage(fallback(text), blocks)


def model_refused_message(intent: ModelRefused) -> SlackMessage:
    """A new model file was refused; the model in use stays, and why."""
    head = "⛔ Nieuw taalmodel geweigerd"
    stays = _version(intent.version)
    lines = list(intent.problems[:MAX_PROBLEMS])
    if len(intent.problems) > MAX_PROBLEMS:
        lines.append(f"…en nog {len(intent.problems) - MAX_PROBLEMS}")
    blocks = [
        section(f"{head} (`{escape(intent.file)}`); in gebruik blijft {stays}."),
        section(code(clip("\n".join(lines) or "(geen details)", SECTION_MAX - 200))),
        context("Vervang of verwijder het bestand; het wordt opnieuw gelezen zodra het verandert."),
    ]
    return SlackMessage(fallback(f"{head}: {stays} blijft in gebruik"), blocks)

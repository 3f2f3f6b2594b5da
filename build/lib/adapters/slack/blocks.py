"""Slack's building blocks: `SlackMessage`, mrkdwn escaping and clipping, Block Kit primitives.

The views in adapters/slack/views/ build every message and view from these; nothing here
reads the clock, the store or the network. User text (subjects, reports, names) goes through
`escape`, so a subject like "<!channel>" or "@here" cannot ping anyone or break the layout,
and the primitives clip every text to Slack's limits. `render_text` shows blocks as plain
text, for the console demo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]

# -- Slack limits (Block Kit reference) ---------------------------------------------------
HEADER_MAX = 150  # header block text
SECTION_MAX = 3000  # section text
FIELD_MAX = 2000  # one section field
CONTEXT_MAX = 2000  # one context element
MAX_BLOCKS = 50  # blocks in a message
MAX_VIEW_BLOCKS = 100  # blocks in a modal or home tab
CONFIRM_TEXT_MAX = 300  # text of a confirm dialog
FALLBACK_MAX = 3000  # our own cap on the notification text (Slack truncates at 40,000)


_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_MASS_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SlackMessage:
    """A message for chat.postMessage: `text` is the notification/fallback, `blocks` the body."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# -- text helpers -------------------------------------------------------------------------
def escape(text: str) -> str:
    """User text made safe for mrkdwn: &, <, > as entities, and @channel/@here defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A zero-width space after "@" keeps the word readable but stops Slack from parsing it.
    return _MASS_MENTION.sub(lambda m: "@\u200b" + m.group(1), text)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def clip_mrkdwn(text: str, limit: int) -> str:
    """Like `clip`, but never cuts through an entity (&amp;) or a mention (<@U1>)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp, semi = cut.rfind("&"), cut.rfind(";")
    if amp > semi:
        cut = cut[:amp]
    lt, gt = cut.rfind("<"), cut.rfind(">")
    if lt > gt:
        cut = cut[:lt]
    # An odd number of ``` would leave a code block open.
    if cut.count("```") % 2:
        cut = cut[: cut.rfind("```")]
    return cut.rstrip() + "…"


def user(ref: str | None) -> str:
    """A Slack user id as a mention (<@U1>); anything else as escaped text."""
    if not ref:
        return "onbekend"
    return f"<@{ref}>" if _USER_ID.match(ref) else escape(ref)


def is_user(ref: str | None) -> bool:
    """True for a Slack user id (U1..., W1...), which `user` shows as a mention."""
    return bool(ref and _USER_ID.match(ref))


def quote(text: str) -> str:
    """Escaped `text` as a mrkdwn block quote."""
    return "\n".join(f"> {line}".rstrip() for line in escape(text).splitlines())


def code(text: str) -> str:
    """`text` as an escaped code block (triple backticks inside are defused)."""
    return "```\n" + escape(text).replace("```", "'''") + "\n```"


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    """A plain_text object (emoji on), clipped to `limit`."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    """A mrkdwn text object, clipped to `limit` without cutting an entity or mention."""
    # verbatim: Slack does no automatic parsing of names and mentions; ours are explicit.
    return {"type": "mrkdwn", "text": clip_mrkdwn(text, limit), "verbatim": True}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(text: str) -> Block:
    """A section block with one mrkdwn text."""
    return {"type": "section", "text": mrkdwn(text)}


def fields(*texts: str) -> Block:
    """A section block of up to ten mrkdwn fields (shown in two columns)."""
    return {"type": "section", "fields": [mrkdwn(t, FIELD_MAX) for t in texts[:10]]}


def context(*texts: str) -> Block:
    """A context block (small grey text) of up to ten mrkdwn elements."""
    return {"type": "context", "elements": [mrkdwn(t, CONTEXT_MAX) for t in texts[:10]]}


def divider() -> Block:
    """A divider block."""
    return {"type": "divider"}


def fallback(text: str) -> str:
    """The notification text of a message, capped at FALLBACK_MAX."""
    return clip_mrkdwn(text, FALLBACK_MAX)


# -- console rendering ----------------------------------------------------------------------
_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_MENTION = re.compile(r"<[@#!]([^<>|]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def _unmrkdwn(text: str) -> str:
    """mrkdwn as console text: mentions as @U1, links as 'label (url)', no bold markers."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    text = _BOLD.sub(r"\1", text)
    text = text.replace("\u200b", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    return _unmrkdwn(text) if obj.get("type") == "mrkdwn" else text


def _render_block(block: Block) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text_of(block.get("text"))
        return [title, "=" * len(title)]
    if kind == "section":
        lines = [_text_of(block["text"])] if "text" in block else []
        lines.extend(_text_of(f) for f in block.get("fields", ()))
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            lines.append(f"[{_text_of(accessory.get('text'))}]")
        return lines
    if kind == "context":
        return [" · ".join(_text_of(e) for e in block.get("elements", ()))]
    if kind == "actions":
        return [
            " ".join(
                f"[{_text_of(e.get('text') or e.get('placeholder'))}]"
                for e in block.get("elements", ())
            )
        ]
    if kind == "divider":
        return ["-" * 40]
    if kind == "input":
        optional = "" if block.get("optional") else " *"
        return [f"{_text_of(block.get('label'))}{optional}: [____________]"]
    return [f"({kind})"]


def render_text(message: SlackMessage | dict[str, Any]) -> str:
    """Blocks (of a message or a view) as readable plain text, for the console demo."""
    if isinstance(message, SlackMessage):
        blocks, fallback_text, view = message.blocks, message.text, None
    else:
        blocks = list(message.get("blocks", ()))
        fallback_text = str(message.get("text", ""))
        view = message if message.get("type") in ("modal", "home") else None
    lines: list[str] = []
    if view is not None and "title" in view:
        title = _text_of(view["title"])
        lines += [f"[ {title} ]"]
    for block in blocks:
        lines.extend(_render_block(block))
    if view is not None:
        buttons = [f"[{_text_of(view[k])}]" for k in ("submit", "close") if k in view]
        if buttons:
            lines.append(" ".join(buttons))
    if not blocks:
        lines.append(_unmrkdwn(fallback_text))
    return "\n".join(lines)

"""Slack messages and views the support team reads: pure Block Kit builders, in Dutch.

Every builder takes the data and `now` and returns a `SlackMessage` (or a view dict); nothing
here reads the clock, the store or the network. User text (subjects, reports, names) is
escaped for mrkdwn, so a subject like "<!channel>" or "@here" cannot ping anyone or break
the layout, and every text is clipped to Slack's limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.calendar import BusinessCalendar
from bot.deadlines import CHANNEL_NL
from bot.engine.reload import ReloadResult
from bot.errors import RuleProblem
from bot.models import Category, Priority
from bot.nl import DAYS, MONTHS, business_duration, when
from bot.tickets import HistoryEntry, TicketView

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

# -- ids the Slack adapter dispatches on ----------------------------------------------------
ACTION_CONFIRM = "confirm"
ACTION_PRIORITY = {
    Priority.HOOG: "prio_hoog",
    Priority.MIDDEL: "prio_middel",
    Priority.LAAG: "prio_laag",
}
ACTION_ASSIGN = "assign"
ACTION_OUTAGE = "outage_start"
ACTION_RESOLVE = "resolve"
TICKET_BLOCK_PREFIX = "ticket:"
REASON_CALLBACK = "prio_reason"
REASON_BLOCK = "reason"
REASON_ACTION = "reason"
REASON_MAX = 500

EXCERPT_POST_MAX = 600  # excerpt shown in the ticket post
REPLY_BODY_MAX = 1500  # customer's reply copied into the thread
SUBJECT_LINE_MAX = 80  # subject in one-line lists
MAX_PROBLEMS = 20  # rule problems listed when a rules change is refused
HOME_LIST_MAX = 20  # tickets per list on the home tab

DEADLINE_NL = {"reaction": "reactietermijn", "resolution": "oplostermijn"}
REMINDER_KINDS = ("percent", "before", "breach", "overdue", "outside_hours")
STATUS_NL = {"open": "open", "resolved": "opgelost"}

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


def _is_user(ref: str | None) -> bool:
    return bool(ref and _USER_ID.match(ref))


def _quote(text: str) -> str:
    """Escaped `text` as a mrkdwn block quote."""
    return "\n".join(f"> {line}".rstrip() for line in escape(text).splitlines())


def _code(text: str) -> str:
    """`text` as an escaped code block (triple backticks inside are defused)."""
    return "```\n" + escape(text).replace("```", "'''") + "\n```"


def _plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def _mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    # verbatim: Slack does no automatic parsing of names and mentions; ours are explicit.
    return {"type": "mrkdwn", "text": clip_mrkdwn(text, limit), "verbatim": True}


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(text, HEADER_MAX)}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _fields(*texts: str) -> Block:
    return {"type": "section", "fields": [_mrkdwn(t, FIELD_MAX) for t in texts[:10]]}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(t, CONTEXT_MAX) for t in texts[:10]]}


def _divider() -> Block:
    return {"type": "divider"}


def _fallback(text: str) -> str:
    return clip_mrkdwn(text, FALLBACK_MAX)


def _day(value: datetime, calendar: BusinessCalendar) -> str:
    """'di 24 nov' in local time."""
    local = value.astimezone(calendar.tz)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"


def _time(value: datetime, calendar: BusinessCalendar) -> str:
    return f"{value.astimezone(calendar.tz):%H:%M}"


def _label(value: object) -> str:
    """A priority value ('hoog') as its label ('Hoog'); anything else as text."""
    try:
        return Priority(str(value)).label
    except ValueError:
        return str(value)


# -- durations and countdowns ---------------------------------------------------------------
def business_span(amount: timedelta, calendar: BusinessCalendar) -> str:
    """A business duration for people: '3 werkuren' up to one working day, then
    '2 werkdagen en 3 werkuren' (minutes dropped, they do not matter at that scale)."""
    amount = abs(amount)
    day = calendar.working_day
    if amount <= day:
        return business_duration(amount)
    days, rest = divmod(amount, day)
    hours = int(rest.total_seconds() // 3600)
    text = f"{days} {'werkdag' if days == 1 else 'werkdagen'}"
    if hours:
        text += f" en {hours} {'werkuur' if hours == 1 else 'werkuren'}"
    return text


def _minutes(amount: timedelta) -> int:
    return round(amount.total_seconds() / 60)


def countdown(due: datetime | None, now: datetime, calendar: BusinessCalendar) -> str:
    """'over 3 werkuren', '2 werkuren te laat', 'nu', 'verstreken' or 'geen' (no deadline).

    Counted in business time, so Friday 16:00 to Monday 10:00 is 2 werkuren. A deadline
    passed outside business hours is 'verstreken' until the clock runs again.
    """
    if due is None:
        return "geen"
    span = calendar.business_time_between(now, due)
    if due >= now:
        return f"over {business_span(span, calendar)}" if _minutes(span) else "nu"
    return f"{business_span(span, calendar)} te laat" if _minutes(span) else "verstreken"


def _deadline_state(
    due: datetime | None, done_at: datetime | None, now: datetime, calendar: BusinessCalendar
) -> str:
    """Countdown while running; 'gehaald' / 'niet gehaald (… te laat)' once done."""
    if due is None:
        return "geen"
    if done_at is None:
        return countdown(due, now, calendar)
    if done_at <= due:
        return "gehaald"
    late = calendar.business_time_between(due, done_at)
    return (
        f"niet gehaald ({business_span(late, calendar)} te laat)"
        if _minutes(late)
        else ("niet gehaald")
    )


def _deadline_text(
    due: datetime | None, done_at: datetime | None, now: datetime, calendar: BusinessCalendar
) -> str:
    if due is None:
        return "geen"
    return f"{when(due, calendar.tz)} ({_deadline_state(due, done_at, now, calendar)})"


def _overdue(deadline: str, due: datetime, now: datetime, calendar: BusinessCalendar) -> str:
    """'reactietermijn 4 werkuren overschreden' (or 'verstreken om …' outside hours)."""
    span = calendar.business_time_between(due, now)
    if _minutes(span):
        return f"{DEADLINE_NL[deadline]} {business_span(span, calendar)} overschreden"
    return f"{DEADLINE_NL[deadline]} verstreken om {when(due, calendar.tz)}"


def next_deadline(ticket: TicketView) -> tuple[str, datetime | None]:
    """The deadline that matters now: reaction until Dialog reacted, then resolution."""
    if ticket.reacted_at is None and ticket.reaction_due is not None:
        return "reaction", ticket.reaction_due
    return "resolution", ticket.resolution_due


def by_deadline(tickets: Iterable[TicketView]) -> list[TicketView]:
    """Open tickets, nearest deadline first; tickets without a deadline last."""

    def key(ticket: TicketView) -> tuple[bool, float, int]:
        due = next_deadline(ticket)[1]
        return (due is None, due.timestamp() if due else 0.0, ticket.id)

    return sorted((t for t in tickets if t.is_open), key=key)


def breaches(ticket: TicketView, now: datetime) -> list[tuple[str, datetime]]:
    """The deadlines of an open ticket that have passed without being met."""
    found: list[tuple[str, datetime]] = []
    if ticket.reacted_at is None and ticket.reaction_due is not None and ticket.reaction_due < now:
        found.append(("reaction", ticket.reaction_due))
    if ticket.is_open and ticket.resolution_due is not None and ticket.resolution_due < now:
        found.append(("resolution", ticket.resolution_due))
    return found


# -- the ticket post ------------------------------------------------------------------------
def _title(ticket: TicketView) -> str:
    return f"#{ticket.id} {ticket.subject.strip() or '(geen onderwerp)'}"


def _reporter(ticket: TicketView) -> str:
    sender = ticket.sender.strip()
    shown_sender = user(sender) if _is_user(sender) else escape(sender)
    if ticket.reporter_name and sender:
        return f"{escape(ticket.reporter_name)} ({shown_sender})"
    return escape(ticket.reporter_name or "") or shown_sender or "onbekend"


def _organisation(ticket: TicketView) -> str:
    return escape(ticket.organisation_name or ticket.organisation or "onbekende organisatie")


def _priority_text(ticket: TicketView) -> str:
    text = f"*Prioriteit:* {ticket.priority.label}"
    if ticket.provisional:
        text += " (voorlopig)"
    elif _is_user(ticket.decided_by):
        text += f", bevestigd door {user(ticket.decided_by)}"
    if ticket.decision_reason:
        text += f"\n*Reden:* {escape(ticket.decision_reason)}"
    return text


def _sla_text(ticket: TicketView) -> str:
    if ticket.exempt:
        return f"⚠️ Geen SLA-garantie: {escape(ticket.exempt_reason or 'zie SLA 4.D')}"
    if ticket.reaction_due is None and ticket.resolution_due is None:
        return "SLA: geen reactie- of oplostermijn voor deze prioriteit en categorie"
    if ticket.sla_start is not None:
        return (
            "☎️ SLA-garantie: ja, sinds de telefonische melding door een afgesproken "
            "contactpersoon (SLA 4.D); de termijnen lopen vanaf dat telefoontje"
        )
    return "SLA-garantie: ja"


def _resolved_text(ticket: TicketView, calendar: BusinessCalendar, resolved_by: str | None) -> str:
    who = resolved_by or ticket.assignee
    by = f" door {user(who)}" if who else ""
    at = f" op {when(ticket.resolved_at, calendar.tz)}" if ticket.resolved_at else ""
    return f"✅ Opgelost{by}{at}"


def _button(action_id: str, text: str, ticket_id: int, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(text, 75),
        "value": str(ticket_id),
    }
    if style:
        button["style"] = style
    return button


def _actions(ticket: TicketView) -> Block:
    """The buttons of an open ticket (block_id 'ticket:<id>', value the ticket id)."""
    buttons = []
    if ticket.provisional:
        buttons.append(_button(ACTION_CONFIRM, "Prioriteit bevestigen", ticket.id))
    for priority, action_id in ACTION_PRIORITY.items():
        if priority is not ticket.priority:
            style = "danger" if priority is Priority.HOOG else None
            buttons.append(_button(action_id, priority.label, ticket.id, style))
    if ticket.assignee is None:
        buttons.append(_button(ACTION_ASSIGN, "Ik pak dit op", ticket.id))
    resolve = _button(ACTION_RESOLVE, "Opgelost", ticket.id, "primary")
    resolve["confirm"] = {
        "title": _plain("Ticket oplossen?", 100),
        "text": _plain(
            f"{clip(_title(ticket), 150)} markeren als opgelost? Het verdwijnt dan uit de "
            "herinneringen en het dagoverzicht.",
            CONFIRM_TEXT_MAX,
        ),
        "confirm": _plain("Opgelost", 30),
        "deny": _plain("Annuleren", 30),
    }
    buttons.append(resolve)
    if ticket.priority is Priority.HOOG and ticket.category is Category.STORING:
        # A Hoog storing may be an outage: its window counts against availability (SLA 1).
        buttons.append(_button(ACTION_OUTAGE, "Storingsvenster starten", ticket.id))
    return {"type": "actions", "block_id": f"{TICKET_BLOCK_PREFIX}{ticket.id}", "elements": buttons}


def _ticket_blocks(
    ticket: TicketView,
    now: datetime,
    calendar: BusinessCalendar,
    *,
    actions: bool,
    resolved_by: str | None = None,
) -> list[Block]:
    tz = calendar.tz
    blocks: list[Block] = [
        _header(_title(ticket)),
        _section(
            f"*Melder:* {_reporter(ticket)} · *Organisatie:* {_organisation(ticket)}\n"
            f"*Gemeld via* {CHANNEL_NL[ticket.channel]} op {when(ticket.received_at, tz)}"
            + (
                f" · *telefonisch gemeld* op {when(ticket.sla_start, tz)}"
                if ticket.sla_start is not None
                else ""
            )
        ),
        _fields(
            f"{_priority_text(ticket)}\n*Categorie:* {ticket.category.value}",
            _sla_text(ticket),
            f"*Reactie:* {_deadline_text(ticket.reaction_due, ticket.reacted_at, now, calendar)}",
            f"*Oplossing:* "
            f"{_deadline_text(ticket.resolution_due, ticket.resolved_at, now, calendar)}",
        ),
    ]
    if ticket.excerpt.strip():
        blocks.append(_section(_quote(clip(ticket.excerpt.strip(), EXCERPT_POST_MAX))))
    why = ", ".join(escape(r) for r in ticket.rules) or "geen regel, standaardwaarden"
    blocks.append(_context(f"Waarom: {why}"))
    if not ticket.is_open:
        blocks.append(_section(_resolved_text(ticket, calendar, resolved_by)))
        return blocks
    holder = f"Opgepakt door {user(ticket.assignee)}" if ticket.assignee else "Nog niet opgepakt"
    blocks.append(_context(f"{holder} · Status: {STATUS_NL.get(ticket.status, ticket.status)}"))
    if actions:
        blocks.append(_actions(ticket))
    return blocks


def _post_fallback(ticket: TicketView, now: datetime, calendar: BusinessCalendar) -> str:
    head = escape(_title(ticket))
    if not ticket.is_open:
        return _fallback(f"✅ {head} is opgelost")
    provisional = " (voorlopig)" if ticket.provisional else ""
    kind, due = next_deadline(ticket)
    if due is None:
        deadline = "geen termijn"
    else:
        deadline = f"{DEADLINE_NL[kind]} {when(due, calendar.tz)} ({countdown(due, now, calendar)})"
    return _fallback(
        f"{head} — {ticket.priority.label} {ticket.category.value}{provisional}, {deadline}"
    )


def triage_post(
    ticket: TicketView,
    now: datetime,
    calendar: BusinessCalendar,
    *,
    resolved_by: str | None = None,
) -> SlackMessage:
    """The post per ticket in the team channel, with buttons while the ticket is open.

    `resolved_by` names who resolved it (the ticket view does not carry it); without it a
    resolved ticket credits its assignee.
    """
    blocks = _ticket_blocks(ticket, now, calendar, actions=True, resolved_by=resolved_by)
    return SlackMessage(_post_fallback(ticket, now, calendar), blocks)


# -- the reason modal -------------------------------------------------------------------
def reason_modal(ticket_id: int, priority: Priority, subject: str) -> dict[str, Any]:
    """The views.open modal asking why the priority changes (SLA 4.G keeps the reason)."""
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "private_metadata": json.dumps({"ticket": ticket_id, "priority": priority.value}),
        "title": _plain("Prioriteit wijzigen", 24),
        "submit": _plain("Wijzigen", 24),
        "close": _plain("Annuleren", 24),
        "blocks": [
            _section(
                f"*#{ticket_id} {escape(clip(subject.strip(), 200))}*\n"
                f"Nieuwe prioriteit: *{priority.label}*"
            ),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": False,
                "label": _plain("Reden", 2000),
                "hint": _plain("De reden wordt bewaard in de geschiedenis van het ticket.", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": True,
                    "max_length": REASON_MAX,
                    "placeholder": _plain("Waarom verandert de prioriteit?", 150),
                },
            },
        ],
    }


def parse_reason_metadata(private_metadata: str) -> tuple[int, Priority]:
    """(ticket id, new priority) from the modal's private_metadata; ValueError if malformed."""
    try:
        data = json.loads(private_metadata)
        return int(data["ticket"]), Priority(data["priority"])
    except (TypeError, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed private_metadata: {private_metadata!r}") from exc


# -- reminders ------------------------------------------------------------------------------
def reminder_message(
    ticket: TicketView,
    deadline: str,
    kind: str,
    due: datetime,
    now: datetime,
    calendar: BusinessCalendar,
) -> SlackMessage:
    """A reminder in the ticket's thread, mentioning the assignee (or that nobody has it).

    `deadline` is "reaction" or "resolution"; `kind` one of REMINDER_KINDS.
    """
    if deadline not in DEADLINE_NL:
        raise ValueError(f"unknown deadline {deadline!r}; expected reaction or resolution")
    if kind not in REMINDER_KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}; expected one of {REMINDER_KINDS}")
    word = DEADLINE_NL[deadline]
    label = f"{ticket.priority.label} {ticket.category.value}"
    if ticket.exempt:
        label += " (geen SLA-garantie)"
    at = when(due, calendar.tz)
    if kind in ("percent", "before"):
        head = f"⏰ #{ticket.id} {label}: {word} verstrijkt {countdown(due, now, calendar)} ({at})"
    elif kind == "breach":
        head = f"🚨 #{ticket.id} {label}: {word} verstreken om {at}"
    elif kind == "overdue":
        head = f"🚨 #{ticket.id} {label}: {_overdue(deadline, due, now, calendar)}"
    else:
        head = (
            f"🔴 Nieuwe {ticket.priority.label}-melding buiten kantoortijd: "
            f"#{ticket.id} {escape(clip(ticket.subject.strip(), 150))} — {word} verstrijkt {at}"
        )
    who = f"{user(ticket.assignee)}" if ticket.assignee else "nog niemand heeft dit opgepakt"
    text = f"{head} — {who}"
    return SlackMessage(_fallback(text), [_section(text)])


# -- one-line tickets and lists ----------------------------------------------------------------
def ticket_line(ticket: TicketView, now: datetime, calendar: BusinessCalendar) -> str:
    """'*#12* Export kapot — Middel storing (voorlopig) · reactie over 3 werkuren (…) · …'."""
    subject = escape(clip(ticket.subject.strip() or "(geen onderwerp)", SUBJECT_LINE_MAX))
    provisional = " (voorlopig)" if ticket.provisional else ""
    kind, due = next_deadline(ticket)
    if due is None:
        deadline = "geen termijn"
    else:
        name = "reactie" if kind == "reaction" else "oplossing"
        deadline = f"{name} {countdown(due, now, calendar)} ({when(due, calendar.tz)})"
    parts = [
        f"*#{ticket.id}* {subject} — {ticket.priority.label} {ticket.category.value}{provisional}",
        deadline,
    ]
    if ticket.exempt:
        parts.append("geen SLA-garantie")
    parts.append(user(ticket.assignee) if ticket.assignee else "niet opgepakt")
    return " · ".join(parts)


def _more(count: int) -> Block:
    return _context(f"…en nog {count} {'ticket' if count == 1 else 'tickets'}")


def _ticket_sections(
    tickets: Sequence[TicketView], now: datetime, calendar: BusinessCalendar, budget: int
) -> list[Block]:
    """One section per ticket, at most `budget` blocks (the last one then says how many more)."""
    if budget <= 0:
        return []
    if len(tickets) <= budget:
        return [_section(ticket_line(t, now, calendar)) for t in tickets]
    shown = max(budget - 1, 0)
    blocks = [_section(ticket_line(t, now, calendar)) for t in tickets[:shown]]
    return [*blocks, _more(len(tickets) - shown)]


def _packed(title: str, lines: Sequence[str], more: str = "tickets") -> Block:
    """A titled list in one section, cut at the section limit with '…en nog N …'."""
    text = title
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = f"\n…en nog {rest} {more}"
        if len(text) + 1 + len(line) + len(tail) > SECTION_MAX and index:
            return _section(text + tail)
        text += "\n" + line
    return _section(text)


# -- digest ---------------------------------------------------------------------------------
def digest_message(
    tickets: Sequence[TicketView],
    now: datetime,
    calendar: BusinessCalendar,
    release: datetime | None,
) -> SlackMessage:
    """The daily digest: open tickets by nearest deadline, breaches, exempt ones waiting, and
    the Middel-storingen that must ship with today's release."""
    ordered = by_deadline(tickets)
    blocks: list[Block] = [_header(f"☀️ Dagoverzicht {_day(now, calendar)}")]
    if not ordered:
        text = "Geen open tickets. Een rustige start van de dag! 🎉"
        blocks.append(_section(text))
        return SlackMessage(f"Dagoverzicht {_day(now, calendar)}: {text}", blocks)

    breached = [(t, b) for t in ordered if (b := breaches(t, now))]
    waiting = [t for t in ordered if t.exempt and t.reacted_at is None]
    summary = (
        f"*{len(ordered)} open {'ticket' if len(ordered) == 1 else 'tickets'}*, "
        f"{len(breached)} met een verstreken termijn, "
        f"{len(waiting)} zonder SLA-garantie wachtend op reactie"
    )
    blocks.append(_section(summary))

    if breached:
        lines = [
            f"• *#{t.id}* {escape(clip(t.subject.strip(), SUBJECT_LINE_MAX))} — "
            + ", ".join(_overdue(kind, due, now, calendar) for kind, due in found)
            + f" · {user(t.assignee) if t.assignee else 'niet opgepakt'}"
            for t, found in breached
        ]
        blocks.append(_packed(f"🚨 *Termijn verstreken ({len(breached)})*", lines))
    if waiting:
        lines = [
            f"• *#{t.id}* {escape(clip(t.subject.strip(), SUBJECT_LINE_MAX))} — "
            f"{t.priority.label} {t.category.value}, ontvangen {when(t.received_at, calendar.tz)}"
            for t in waiting
        ]
        blocks.append(_packed(f"⚠️ *Zonder SLA-garantie, nog geen reactie ({len(waiting)})*", lines))
    if release is not None:
        due_now = [
            t for t in ordered if t.priority is Priority.MIDDEL and t.resolution_due == release
        ]
        count = len(due_now)
        noun = "Middel-storing moet" if count == 1 else "Middel-storingen moeten"
        title = (
            f"🚀 *Release vandaag om {_time(release, calendar)}: {count} {noun} "
            "daarin opgelost zijn*"
        )
        lines = [
            f"• *#{t.id}* {escape(clip(t.subject.strip(), SUBJECT_LINE_MAX))} · "
            f"{user(t.assignee) if t.assignee else 'niet opgepakt'}"
            for t in due_now
        ]
        blocks.append(_packed(title, lines))

    blocks.append(_divider())
    blocks.append(_section("📋 *Open tickets, eerst aflopend bovenaan*"))
    blocks.extend(_ticket_sections(ordered, now, calendar, MAX_BLOCKS - len(blocks)))
    text = (
        f"Dagoverzicht {_day(now, calendar)}: {len(ordered)} open, "
        f"{len(breached)} termijn verstreken"
    )
    return SlackMessage(text, blocks)


# -- slash command answers ---------------------------------------------------------------------
def ticket_list(
    tickets: Sequence[TicketView], now: datetime, calendar: BusinessCalendar
) -> SlackMessage:
    """`/triage list` (ephemeral): open tickets, nearest deadline first."""
    ordered = by_deadline(tickets)
    if not ordered:
        text = "Geen open tickets. 🎉"
        return SlackMessage(text, [_section(text)])
    title = f"*Open tickets ({len(ordered)}), eerst aflopend bovenaan*"
    blocks = [_section(title), *_ticket_sections(ordered, now, calendar, MAX_BLOCKS - 1)]
    count = len(ordered)
    return SlackMessage(f"{count} open {'ticket' if count == 1 else 'tickets'}", blocks)


def history_line(entry: HistoryEntry, calendar: BusinessCalendar) -> str:
    """'di 24 nov 10:15 — <@U1> wijzigde prioriteit Hoog → Middel (reden: …)'."""
    actor = user(entry.actor) if entry.actor else "triage"
    data = entry.data
    if entry.kind == "created":
        what = "melding ontvangen, ticket aangemaakt"
        if data.get("channel"):
            what += f" (via {escape(str(data['channel']))})"
    elif entry.kind == "confirmed":
        priority = f" {_label(data['priority'])}" if data.get("priority") else ""
        what = f"{actor} bevestigde prioriteit{priority}"
    elif entry.kind == "priority":
        what = (
            f"{actor} wijzigde prioriteit {_label(data.get('from', '?'))} → "
            f"{_label(data.get('to', '?'))}"
        )
        if data.get("reason"):
            what += f" (reden: {escape(clip(str(data['reason']), REASON_MAX))})"
    elif entry.kind == "assigned":
        what = f"{actor} pakte het ticket op"
    elif entry.kind == "resolved":
        what = f"{actor} markeerde het ticket als opgelost"
    elif entry.kind == "reply":
        what = f"reactie van de melder: {escape(clip(str(data.get('subject', '')), 150))}"
        body = " ".join(str(data.get("body", "")).split())
        if body:
            what += f" — “{escape(clip(body, 200))}”"
    elif entry.kind == "phone_link":
        who = data.get("contact") or data.get("caller") or data.get("number") or data.get("call")
        what = "telefonisch gemeld door een afgesproken contactpersoon"
        if who:
            what += f" ({escape(str(who))})"
        what += ": vanaf dat gesprek valt het ticket onder de SLA-garantie (4.D)"
    elif entry.kind == "phone_call":
        what = f"telefoongesprek met {escape(str(entry.actor or 'onbekend nummer'))}"
        if data.get("guaranteed") is False and data.get("reason"):
            what += f"; geen SLA-garantie: {escape(str(data['reason']))}"
    elif entry.kind == "outage":
        what = f"{actor} startte storingsvenster #{escape(str(data.get('outage', '?')))}"
    else:
        what = f"{actor}: {escape(entry.kind)}"
    return f"{when(entry.at, calendar.tz)} — {what}"


def ticket_detail(
    ticket: TicketView,
    history: Sequence[HistoryEntry],
    now: datetime,
    calendar: BusinessCalendar,
) -> SlackMessage:
    """`/triage show N` (ephemeral): the ticket as in its post, then its history.

    Without buttons: the ephemeral copy cannot be updated when someone acts on it, so the
    post in the team channel stays the one place to act.
    """
    blocks = _ticket_blocks(ticket, now, calendar, actions=False)
    blocks.append(_divider())
    if history:
        lines = [history_line(e, calendar) for e in sorted(history, key=lambda e: e.at)]
        blocks.append(_packed("*Geschiedenis*", lines, "regels"))
    else:
        blocks.append(_section("*Geschiedenis*\nNog geen geschiedenis."))
    return SlackMessage(_post_fallback(ticket, now, calendar), blocks[:MAX_BLOCKS])


def help_message(*, phone: bool = False) -> SlackMessage:
    """`/triage help`: the commands (`phone` adds `telefoon` once phone intake is live)."""
    lines = [
        "*Triage-commando's*",
        "• `/triage list` — open tickets, eerst aflopend bovenaan",
        "• `/triage show N` — ticket N met de geschiedenis",
        "• `/triage prio N hoog|middel|laag reden` — prioriteit van ticket N wijzigen, "
        "met een reden (die wordt bewaard)",
        "• `/triage storing start [reden]` / `/triage storing einde [N]` — een "
        "storingsvenster voor de beschikbaarheid (SLA 1) openen of sluiten",
        "• `/triage help` — deze uitleg",
    ]
    if phone:
        lines.append("• `/triage telefoon` — een telefonische melding vastleggen")
    lines.append("Knoppen bij elk ticket: prioriteit bevestigen of wijzigen, oppakken, oplossen.")
    text = "\n".join(lines)
    return SlackMessage("Triage-commando's: list, show, prio, help", [_section(text)])


def not_allowed_message() -> str:
    """The ephemeral refusal when someone outside the support team tries to change a ticket."""
    return (
        "Sorry, alleen het supportteam kan tickets wijzigen. Bekijken mag wel; "
        "vraag een collega van support als er iets moet veranderen."
    )


def home_view(
    user_id: str,
    mine: Sequence[TicketView],
    soonest: Sequence[TicketView],
    now: datetime,
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    """The App Home (views.publish): the user's tickets and the ones that expire first."""
    blocks: list[Block] = [
        _header("Triage"),
        _context(f"Hallo {user(user_id)} · bijgewerkt {when(now, calendar.tz)}"),
        _section("*Mijn tickets*"),
    ]
    mine_open = by_deadline(mine)
    if mine_open:
        blocks.extend(_ticket_sections(mine_open, now, calendar, HOME_LIST_MAX))
    else:
        blocks.append(_context("Je hebt geen open tickets opgepakt."))
    blocks.append(_divider())
    blocks.append(_section("*Eerst aflopend*"))
    first = by_deadline(soonest)
    if first:
        blocks.extend(_ticket_sections(first, now, calendar, HOME_LIST_MAX))
    else:
        blocks.append(_context("Geen open tickets met een termijn."))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def reply_message(
    ticket_id: int, sender: str, subject: str, body: str, channel_label: str
) -> SlackMessage:
    """A customer's reply, copied into the ticket's thread."""
    head = f"💬 Reactie van {escape(sender.strip() or 'onbekend')} via {escape(channel_label)}"
    blocks: list[Block] = [_section(f"{head} op #{ticket_id}")]
    if subject.strip():
        blocks.append(_context(f"Onderwerp: {escape(clip(subject.strip(), 300))}"))
    text = body.strip()
    blocks.append(_section(_quote(clip(text, REPLY_BODY_MAX)) if text else "_(geen tekst)_"))
    return SlackMessage(_fallback(f"{head} op #{ticket_id}"), blocks)


# -- rules reload ---------------------------------------------------------------------------
def rules_reloaded_message(result: ReloadResult, files: Sequence[str]) -> SlackMessage:
    """A valid rules edit is active: which rules were added, changed, removed."""
    if not result.loaded:
        return rules_refused_message(result.problems, result.version)
    changes = result.changes
    parts = []
    for word, names in (
        ("toegevoegd", changes.added),
        ("gewijzigd", changes.changed),
        ("verwijderd", changes.removed),
    ):
        if names:
            parts.append(f"{word} {', '.join(f'`{escape(n)}`' for n in names)}")
    if changes.sla_changed:
        parts.append("SLA gewijzigd")
    # getattr: reminders_changed is newer than the rest of RuleChanges.
    if getattr(changes, "reminders_changed", False):
        parts.append("herinneringen gewijzigd")
    summary = "; ".join(parts) if parts else "geen inhoudelijke wijzigingen"
    text = f"🔄 Regels bijgewerkt: {summary}"
    blocks = [_section(text)]
    shown = ", ".join(f"`{escape(f)}`" for f in files[:10])
    if len(files) > 10:
        shown += f" en nog {len(files) - 10}"
    context = f"Versie {escape(result.version)}"
    if files:
        context += f" · bestanden: {shown}"
    blocks.append(_context(context))
    return SlackMessage(_fallback(text), blocks)


def rules_refused_message(problems: Sequence[RuleProblem], active_version: str) -> SlackMessage:
    """A broken rules edit was refused; the problems as file:line: message, capped."""
    head = "⛔ Regelwijziging geweigerd, de vorige regels blijven actief"
    lines = [str(p) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"…en nog {len(problems) - MAX_PROBLEMS} problemen")
    body = "\n".join(lines) or "(geen details)"
    # Leave room for the backticks and escaping within the section limit.
    code = _code(clip(body, SECTION_MAX - 200))
    while len(code) > SECTION_MAX:
        body = clip(body, len(body) - (len(code) - SECTION_MAX) - 10)
        code = _code(body)
    blocks = [
        _section(f"{head} (versie {escape(active_version)})."),
        _section(code),
        _context("Pas het bestand aan; de regels worden opnieuw geladen zodra het klopt."),
    ]
    count = len(problems)
    noun = "probleem" if count == 1 else "problemen"
    return SlackMessage(f"{head}: {count} {noun}", blocks)


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
        return [" ".join(f"[{_text_of(e.get('text'))}]" for e in block.get("elements", ()))]
    if kind == "divider":
        return ["-" * 40]
    if kind == "input":
        optional = "" if block.get("optional") else " *"
        return [f"{_text_of(block.get('label'))}{optional}: [____________]"]
    return [f"({kind})"]


def render_text(message: SlackMessage | dict[str, Any]) -> str:
    """Blocks (of a message or a view) as readable plain text, for the console demo."""
    if isinstance(message, SlackMessage):
        blocks, fallback, view = message.blocks, message.text, None
    else:
        blocks = list(message.get("blocks", ()))
        fallback = str(message.get("text", ""))
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
        lines.append(_unmrkdwn(fallback))
    return "\n".join(lines)

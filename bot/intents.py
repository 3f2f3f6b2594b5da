"""Typed outgoing messages ("intents"): what the core and the intakes ask a transport to send.

An intent holds data, never rendered text: "post ticket 12", "remind ticket 12 of its reaction
deadline", "a Hoog storing was phoned in by ... at ...". The transport renders it when it sends
it (Block Kit in adapters/slack/, email in adapters/email/), from the ticket as it is then.

The outbox stores an intent as a JSON dict (`to_payload`) whose "op" key names its type;
`from_payload` reads one back. The op names and field names are those of the untyped payloads
queued before intents existed, so rows already in a database still parse; the generic
`Message` (op "message", pre-rendered Slack text) stays for those rows and for texts the Slack
adapter writes itself. Email acknowledgements were stored without an op: a row of kind
"email" without one reads as an `Acknowledgement`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal, TypeAlias, get_args

from pydantic import (
    AliasChoices,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
)

from bot.engine.changes import RuleChanges, WordMove
from bot.errors import RuleProblem
from bot.reminders import DeadlineName, ReminderKind

# Stored as `datetime.isoformat()`, as before intents: the store compares a reminder's "at"
# with SQL on that text (Store.newer_due, Store.reminder_sent).
Moment = Annotated[AwareDatetime, PlainSerializer(lambda v: v.isoformat(), return_type=str)]


# Outbox kinds: which transport delivers a row.
SLACK = "slack"
EMAIL = "email"


class _Intent(BaseModel):
    """Base of every intent: immutable, and no unknown fields (a typo is an error)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# -- about one ticket: rendered from the ticket as it is when sent -------------------------
class TicketPost(_Intent):
    """The triage post of a new ticket in the team channel."""

    op: Literal["post"] = "post"
    ticket: int


class TicketUpdate(_Intent):
    """Refresh a ticket's post after a change (priority, assignee, resolved)."""

    op: Literal["update"] = "update"
    ticket: int


class TicketResolved(_Intent):
    """Say in the ticket's thread who resolved it and when (the post itself is updated too):
    the thread is where the team follows a ticket, and a thread reply notifies its followers."""

    op: Literal["resolved"] = "resolved"
    ticket: int
    by: str  # a Slack user id, or the operator's name from the command line
    at: Moment


class ThreadReply(_Intent):
    """A reporter's reply (or a call about the ticket), copied into the ticket's thread."""

    op: Literal["reply"] = "reply"
    ticket: int
    sender: str = ""  # "Name (address)" or the address
    channel: str = ""  # a Channel value ("email", "phone", ...) or a free label
    subject: str = ""
    body: str = ""


class DeadlineReminder(_Intent):
    """A reminder in the ticket's thread about one deadline, made for the decision it names
    (a newer decision makes it stale)."""

    op: Literal["remind"] = "remind"
    ticket: int
    decision: int
    deadline: DeadlineName
    kind: ReminderKind
    due: Moment
    at: Moment | None = None  # the moment it was planned for; rows before it had only "due"


# -- team channel posts ---------------------------------------------------------------------
class DailyDigest(_Intent):
    """The morning overview of open tickets for `day` (local date)."""

    op: Literal["digest"] = "digest"
    day: date


class MonthlyReport(_Intent):
    """Last month's SLA and availability figures; `month` is 'YYYY-MM'."""

    op: Literal["report"] = "report"
    month: str = Field(pattern=r"^\d{4}-\d{2}$")


class MaintenanceAnnouncement(_Intent):
    """A draft announcement of the release at `release` (SLA 2.B), for the team to review."""

    op: Literal["maintenance"] = "maintenance"
    release: Moment
    expected_minutes: int = Field(default=2, ge=1)


class EmergencyMaintenance(_Intent):
    """An outage started at `since`: the SLA 2.C text for informing customers at once."""

    op: Literal["emergency"] = "emergency"
    since: Moment
    cause: str | None = None


class OutageEnded(_Intent):
    """An outage window was closed by `by` (a Slack user id)."""

    op: Literal["outage_end"] = "outage_end"
    outage: int
    by: str
    start: Moment
    end: Moment
    reason: str


class HoogCall(_Intent):
    """A Hoog storing phoned in: announced loudly at once, since its reaction is "direct".

    `mention` is who to ping as configured (slack.hoog_mention); None leaves it to the
    transport's default.
    """

    op: Literal["hoog_call"] = "hoog_call"
    ticket: int
    caller: str  # the number as logged
    contact: str | None = None  # the agreed contact's name, None for an unknown number
    called_at: Moment
    exempt: bool  # not an agreed contact (SLA 3.C): no guarantee
    mention: str | None = None


class MissedCall(_Intent):
    """A call nobody answered: no report yet and no SLA deadline, but someone should call back."""

    op: Literal["missed_call"] = "missed_call"
    call_id: str
    caller: str
    organisation: str | None = None  # the caller's organisation, None for an unknown number
    called_at: Moment
    agent: str = ""  # who the call was for, when the log says so


class PhoneImportSummary(_Intent):
    """A call log was imported and needs attention (bad rows, unknown callers, late calls).

    `summary` is the plain-text overview as `triage ingest phone` prints it.
    """

    op: Literal["phone_import"] = "phone_import"
    summary: str


Aspect: TypeAlias = Literal["priority", "category", "exempt", "recognised", "deadlines", "rules"]


class ReplayCount(_Intent):
    """How many replayed tickets go from `before` to `after` in one respect.

    `aspect`: priority, category (values as stored), exempt ("ja"/"nee"), recognised
    ("ja"/"nee": a rule recognised the report) or deadlines (only the deadlines moved).
    """

    aspect: Aspect
    before: str = ""
    after: str = ""
    count: int = Field(ge=1)


class ReplaySummary(_Intent):
    """Stored tickets received on or after `since` (a local date), replayed through the rules
    before and after an edit: how many, and how many the edit would judge differently."""

    since: date
    days: int
    replayed: int
    changed: int
    counts: tuple[ReplayCount, ...] = ()


class RulesReloaded(_Intent):
    """A valid edit of the rules is active: which rules changed, by content, and what the
    edit would have changed in the last days' tickets (`replay`; None when not replayed)."""

    op: Literal["rules_reloaded"] = "rules_reloaded"
    version: str
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    sla_changed: bool = False
    reminders_changed: bool = False
    reordered: bool = False  # the decision rows kept their content but not their order
    words: tuple[WordMove, ...] = ()  # in the changed factors
    files: tuple[str, ...] = ()  # the rule files now in use (names)
    replay: ReplaySummary | None = None

    @classmethod
    def of(
        cls,
        version: str,
        changes: RuleChanges,
        files: Sequence[str],
        replay: ReplaySummary | None = None,
    ) -> RulesReloaded:
        return cls(
            version=version,
            added=changes.added,
            changed=changes.changed,
            removed=changes.removed,
            sla_changed=changes.sla_changed,
            reminders_changed=changes.reminders_changed,
            reordered=changes.reordered,
            words=changes.words,
            files=tuple(files),
            replay=replay,
        )


class RulesRefused(_Intent):
    """A broken edit of the rules was refused; the rules of `version` stay active."""

    op: Literal["rules_refused"] = "rules_refused"
    version: str
    problems: tuple[RuleProblem, ...] = ()

    @classmethod
    def of(cls, problems: Iterable[RuleProblem], version: str) -> RulesRefused:
        return cls(version=version, problems=tuple(problems))


class ModelReloaded(_Intent):
    """Another text model is active: the config folder's own file, or the shipped one again
    (`own`); its version, the one before (None: the rules decided alone), and what it would
    have changed in the last days' tickets (`replay`; None when not replayed)."""

    op: Literal["model_reloaded"] = "model_reloaded"
    version: str
    own: bool
    previous: str | None = None
    replay: ReplaySummary | None = None


class ModelRefused(_Intent):
    """A new text model file was refused (unreadable, or the rules' examples fail with it);
    the model of `version` stays active (None: the rules decide alone)."""

    op: Literal["model_refused"] = "model_refused"
    file: str
    problems: tuple[str, ...]
    version: str | None = None


class Message(_Intent):
    """Slack text rendered by the Slack adapter itself (a reply in a reporter's thread), and
    the form of every team-channel text queued before intents were typed."""

    op: Literal["message"] = "message"
    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    channel: str | None = None  # None: the team channel
    thread_ts: str | None = None


# -- email ----------------------------------------------------------------------------------
class Acknowledgement(_Intent):
    """The acknowledgement of a new ticket to its reporter, ready to send (plain text)."""

    op: Literal["email"] = "email"
    # "from" is the stored key (and a Python keyword): the field is called sender here.
    sender: str = Field(validation_alias=AliasChoices("from", "sender"), serialization_alias="from")
    from_name: str = ""
    to: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # For the operator's log line when it is sent; rows queued before they existed lack them.
    ticket: int | None = None
    language: str | None = None
    exempt: bool | None = None


Intent: TypeAlias = Annotated[
    TicketPost
    | TicketUpdate
    | TicketResolved
    | ThreadReply
    | DeadlineReminder
    | DailyDigest
    | MonthlyReport
    | MaintenanceAnnouncement
    | EmergencyMaintenance
    | OutageEnded
    | HoogCall
    | MissedCall
    | PhoneImportSummary
    | RulesReloaded
    | RulesRefused
    | ModelReloaded
    | ModelRefused
    | Message
    | Acknowledgement,
    Field(discriminator="op"),
]

_ADAPTER: TypeAdapter[Intent] = TypeAdapter(Intent)
# Every op, from the union itself: adding an intent to `Intent` is all it takes.
OPS: tuple[str, ...] = tuple(
    sorted(model.model_fields["op"].default for model in get_args(get_args(Intent)[0]))
)


class UnknownIntent(ValueError):
    """An outbox payload whose "op" names no intent (or that has none)."""


def to_payload(intent: Intent) -> dict[str, Any]:
    """The dict the outbox stores: JSON types only, "op" first, fields that are None left out
    (every optional field defaults to None, so nothing is lost)."""
    return intent.model_dump(mode="json", by_alias=True, exclude_none=True)


def from_payload(payload: Mapping[str, Any], kind: str | None = None) -> Intent:
    """The intent a stored payload describes.

    Raises UnknownIntent for a missing or unknown "op", and pydantic's ValidationError (also
    a ValueError) when the fields do not fit the op. `kind` is the outbox row's kind: an
    "email" row without an op is an acknowledgement (they were stored without one).
    """
    op = payload.get("op")
    if op is None and kind == "email":
        payload = {"op": "email", **payload}
        op = "email"
    if op not in OPS:
        raise UnknownIntent(
            f"unknown outbox operation {op!r}: expected one of {', '.join(OPS)}"
            if op is not None
            else "outbox payload without an operation (no 'op' key)"
        )
    return _ADAPTER.validate_python(dict(payload))

"""The acknowledgement email for a new ticket, in the reporter's language, sent via outbox.

The wording is in config/messages/: acknowledgement.yaml (Dutch, the default) and
acknowledgement.<language>.yaml for the others (English). Every file is read and checked
when the bot starts. What the mail says depends on the decision:
- guaranteed (the SLA binds us): "we reageren uiterlijk op ..." and says it is guaranteed;
- exempt (SLA 4.D: a Hoog/Middel storing not phoned in by an agreed contact) or not
  recognised (a person still has to decide): the same times as aims, and for exempt the
  notice of why they are no guarantee and whom to call to get one;
- no reaction time (Laag, questions, wishes): says so.
Every mail has the ticket number in the subject, how to add information (reply) and how to
escalate (the helpdesk phone, for agreed contacts).
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from adapters.email.greeting import clean_name, first_name
from bot.directory import normalise_email
from bot.errors import ConfigError
from bot.language import DEFAULT, LANGUAGES, Language, language_of
from bot.models import Category, Channel, Decision, Priority, Report
from bot.store import OutboxItem

MESSAGES = Path("messages")
COMMON = {
    "ticket",
    "subject",
    "name",
    "priority",
    "category",
    "reaction_due",
    "resolution_due",
    "channel",
    "helpdesk_phone",
    "helpdesk_email",
}
# The texts below filled in, for the body only.
BODY_ONLY = {
    "greeting",
    "reaction_line",
    "resolution_line",
    "exempt_notice",
    "escalation",
    "priority_note",
}
# A body without these would hide what the SLA promises or how to escalate.
BODY_REQUIRED = ("reaction_line", "resolution_line", "exempt_notice", "escalation")
WHEN_FIELDS = {"weekday", "day", "month", "year", "time"}
LINE_WIDTH = 76  # plain text mail: keep lines short (RFC 5322 asks for at most 78)


def ack_file(language: Language) -> Path:
    """Where a language's texts are, relative to the config directory."""
    suffix = "" if language == DEFAULT else f".{language}"
    return MESSAGES / f"acknowledgement{suffix}.yaml"


def _placeholders(value: str, allowed: set[str]) -> str:
    template = Template(value)
    if not template.is_valid():
        raise ValueError("has a '$' that is not a placeholder (write $$ for a dollar sign)")
    unknown = set(template.get_identifiers()) - allowed
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(allowed))}"
        )
    return value


class AckLabels(BaseModel):
    """The words the texts fill in: priorities, categories, channels and dates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    priorities: dict[Priority, str]
    categories: dict[Category, str]
    channels: dict[Channel, str]
    weekdays: tuple[str, str, str, str, str, str, str]
    months: tuple[str, str, str, str, str, str, str, str, str, str, str, str]
    when: str  # a date and time, from $weekday $day $month $year $time
    no_subject: str  # $subject of a report without one
    undecided: str  # $priority and $category while a person still has to decide

    @field_validator("priorities", "categories", "channels")
    @classmethod
    def _complete(cls, value: dict[Any, str], info: Any) -> dict[Any, str]:
        kind = {"priorities": Priority, "categories": Category, "channels": Channel}
        missing = [m.value for m in kind[info.field_name] if m not in value]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return value

    @field_validator("when")
    @classmethod
    def _when(cls, value: str) -> str:
        return _placeholders(value, WHEN_FIELDS)

    def moment(self, value: datetime, tz: ZoneInfo) -> str:
        """A time for customers: 'woensdag 25 november 2026 om 14:00'."""
        local = value.astimezone(tz)
        return Template(self.when).substitute(
            weekday=self.weekdays[local.weekday()],
            day=str(local.day),
            month=self.months[local.month - 1],
            year=str(local.year),
            time=f"{local:%H:%M}",
        )


class AckText(BaseModel):
    """The texts of one language's acknowledgement file, checked for unknown placeholders."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    body: str
    greeting: str  # when the first name is known ($first_name)
    greeting_neutral: str  # when it is not
    reaction: str  # a guaranteed reaction time
    reaction_aim: str  # a reaction time we aim for (exempt, or not yet recognised)
    no_reaction: str
    resolution: str  # a guaranteed resolution time
    resolution_aim: str
    no_resolution: str = ""
    exempt: str  # SLA 4.D: why the times are no guarantee, and whom to call
    escalate: str  # how to escalate, when `exempt` does not already say it
    provisional: str  # the rules chose the priority; a person confirms it (SLA 4.G)
    needs_triage: str  # nothing recognised the report: a person decides
    labels: AckLabels

    @field_validator(
        "subject",
        "body",
        "greeting",
        "greeting_neutral",
        "reaction",
        "reaction_aim",
        "no_reaction",
        "resolution",
        "resolution_aim",
        "no_resolution",
        "exempt",
        "escalate",
        "provisional",
        "needs_triage",
    )
    @classmethod
    def _known(cls, value: str, info: Any) -> str:
        extra = {"body": BODY_ONLY, "greeting": {"first_name"}}.get(info.field_name, set())
        return _placeholders(value, COMMON | extra)

    @model_validator(mode="after")
    def _body_says_it_all(self) -> AckText:
        used = set(Template(self.body).get_identifiers())
        missing = [f"${name}" for name in BODY_REQUIRED if name not in used]
        if missing:
            raise ValueError(f"body: must contain {', '.join(missing)}")
        return self


@dataclass(frozen=True)
class AckTemplates:
    """The acknowledgement texts of every language, by language."""

    texts: dict[Language, AckText]

    def for_language(self, language: Language) -> AckText:
        return self.texts.get(language) or self.texts[DEFAULT]


def load_ack_templates(config_dir: Path) -> AckTemplates:
    """Read and check every language's texts; ConfigError names the file and the problem."""
    return AckTemplates({lang: _load(config_dir / ack_file(lang)) for lang in LANGUAGES})


def _load(path: Path) -> AckText:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return AckText.model_validate(data)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the acknowledgement texts: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc


@dataclass(frozen=True)
class AckSender:
    """Who acknowledgements come from, and the helpdesk details they mention."""

    from_address: str
    from_name: str
    helpdesk_phone: str
    helpdesk_email: str


def should_acknowledge(report: Report, sender: AckSender) -> bool:
    """Never answer ourselves (no mail loops) or a message without a usable address."""
    address = normalise_email(report.sender)
    ours = {normalise_email(sender.from_address), normalise_email(sender.helpdesk_email)}
    return "@" in address and address not in ours


def ack_message_id(ticket_id: int, report: Report, sender: AckSender) -> str:
    """A stable Message-ID for the acknowledgement (retries send the same one)."""
    domain = sender.from_address.rpartition("@")[2] or "localhost"
    seed = f"{ticket_id}:{report.message_id or report.received_at.isoformat()}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:12]
    return f"<triage.{ticket_id}.ack.{digest}@{domain}>"


def render(
    ticket_id: int,
    report: Report,
    decision: Decision,
    text: AckText,
    sender: AckSender,
    tz: ZoneInfo,
) -> tuple[str, str]:
    """The subject and body of the acknowledgement in the language of `text`."""
    labels = text.labels
    undecided = decision.needs_triage
    values = {
        "ticket": str(ticket_id),
        "subject": report.subject or labels.no_subject,
        "name": clean_name(report.sender_name),
        "priority": labels.undecided if undecided else labels.priorities[decision.priority],
        "category": labels.undecided if undecided else labels.categories[decision.category],
        "reaction_due": labels.moment(decision.reaction_due, tz) if decision.reaction_due else "",
        "resolution_due": (
            labels.moment(decision.resolution_due, tz) if decision.resolution_due else ""
        ),
        "channel": labels.channels[report.channel],
        "helpdesk_phone": sender.helpdesk_phone,
        "helpdesk_email": sender.helpdesk_email,
    }

    def fill(template: str, **extra: str) -> str:
        return Template(template).substitute({**values, **extra})

    # Only a decision the SLA binds us to is called guaranteed; an exempt report (4.D) and
    # one nobody recognised yet get the same times as what we aim for.
    guaranteed = not decision.exempt and not undecided
    first = first_name(report.sender_name)
    body = fill(
        text.body,
        greeting=fill(text.greeting, first_name=first) if first else fill(text.greeting_neutral),
        reaction_line=fill(
            (text.reaction if guaranteed else text.reaction_aim)
            if decision.reaction_due
            else text.no_reaction
        ),
        resolution_line=fill(
            (text.resolution if guaranteed else text.resolution_aim)
            if decision.resolution_due
            else text.no_resolution
        ),
        exempt_notice=fill(text.exempt) if decision.exempt else "",
        # The exempt notice already says whom to call: once is enough.
        escalation="" if decision.exempt else fill(text.escalate),
        priority_note=fill(
            text.needs_triage if undecided else text.provisional if decision.provisional else ""
        ),
    )
    subject = fill(text.subject)
    if f"[#{ticket_id}]" not in subject:  # replies are threaded by this tag
        subject = f"[#{ticket_id}] {subject}"
    return subject, _tidy(body)


def acknowledgement(
    ticket_id: int,
    report: Report,
    decision: Decision,
    templates: AckTemplates,
    sender: AckSender,
    tz: ZoneInfo,
) -> OutboxItem:
    """The outbox item that acknowledges a new ticket to its reporter, in their language."""
    language = language_of(report.subject, report.body)
    subject, body = render(
        ticket_id, report, decision, templates.for_language(language), sender, tz
    )
    message_id = ack_message_id(ticket_id, report, sender)
    references = [*report.references, *([report.message_id] if report.message_id else [])]
    payload = {
        "from": sender.from_address,
        "from_name": sender.from_name,
        "to": normalise_email(report.sender),
        "subject": subject,
        "body": body,
        "message_id": message_id,
        "in_reply_to": report.message_id,
        "references": references,
        # For the operator's log line when it is sent (bot/outbox.py): no customer text.
        "ticket": ticket_id,
        "language": language,
        "exempt": decision.exempt,
    }
    return OutboxItem(
        kind="email", dedupe_key=f"ack:{ticket_id}", payload=payload, message_id=message_id
    )


def _tidy(text: str) -> str:
    """Collapse the blank lines left by empty optional texts; wrap lines over LINE_WIDTH."""
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() and lines and not lines[-1].strip():
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines.extend(
            textwrap.wrap(
                line.rstrip(),
                LINE_WIDTH,
                subsequent_indent=indent,
                break_long_words=False,  # an address or a link stays whole
                break_on_hyphens=False,
            )
            or [""]
        )
    return "\n".join(lines).strip() + "\n"

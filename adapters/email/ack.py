"""The acknowledgement email for a new ticket: wording from config/messages, sent via outbox."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot import nl
from bot.directory import normalise_email
from bot.errors import ConfigError
from bot.models import Decision, Report
from bot.nl import CATEGORY_NL, CHANNEL_NL
from bot.store import OutboxItem

ACK_FILE = Path("messages") / "acknowledgement.yaml"
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
BODY_ONLY = {"reaction_line", "resolution_line", "exempt_notice"}


class AckTemplates(BaseModel):
    """The texts of config/messages/acknowledgement.yaml, checked for unknown placeholders."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    body: str
    reaction: str
    no_reaction: str
    resolution: str
    no_resolution: str = ""
    exempt: str

    @field_validator("*")
    @classmethod
    def _placeholders(cls, value: str, info: object) -> str:
        template = Template(value)
        if not template.is_valid():
            raise ValueError("has a '$' that is not a placeholder (write $$ for a dollar sign)")
        allowed = COMMON | (BODY_ONLY if getattr(info, "field_name", "") == "body" else set())
        unknown = set(template.get_identifiers()) - allowed
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(allowed))}"
            )
        return value


def load_ack_templates(config_dir: Path) -> AckTemplates:
    """Read and check the acknowledgement texts; ConfigError names the file and the problem."""
    path = config_dir / ACK_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return AckTemplates.model_validate(data)
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


def acknowledgement(
    ticket_id: int,
    report: Report,
    decision: Decision,
    templates: AckTemplates,
    sender: AckSender,
    tz: ZoneInfo,
) -> OutboxItem:
    """The outbox item that acknowledges a new ticket to its reporter."""
    values = {
        "ticket": str(ticket_id),
        "subject": report.subject or "(geen onderwerp)",
        "name": report.sender_name or "klant",
        "priority": decision.priority.label,
        "category": CATEGORY_NL.get(decision.category.value, decision.category.value),
        "reaction_due": nl.long_when(decision.reaction_due, tz) if decision.reaction_due else "",
        "resolution_due": (
            nl.long_when(decision.resolution_due, tz) if decision.resolution_due else ""
        ),
        "channel": CHANNEL_NL[report.channel],
        "helpdesk_phone": sender.helpdesk_phone,
        "helpdesk_email": sender.helpdesk_email,
    }

    def fill(text: str, extra: dict[str, str] | None = None) -> str:
        return Template(text).substitute({**values, **(extra or {})})

    body = fill(
        templates.body,
        {
            "reaction_line": fill(
                templates.reaction if decision.reaction_due else templates.no_reaction
            ),
            "resolution_line": fill(
                templates.resolution if decision.resolution_due else templates.no_resolution
            ),
            "exempt_notice": fill(templates.exempt) if decision.exempt else "",
        },
    )
    subject = fill(templates.subject)
    if f"[#{ticket_id}]" not in subject:  # replies are threaded by this tag
        subject = f"[#{ticket_id}] {subject}"
    message_id = ack_message_id(ticket_id, report, sender)
    references = [*report.references, *([report.message_id] if report.message_id else [])]
    payload = {
        "from": sender.from_address,
        "from_name": sender.from_name,
        "to": normalise_email(report.sender),
        "subject": subject,
        "body": _tidy(body),
        "message_id": message_id,
        "in_reply_to": report.message_id,
        "references": references,
    }
    return OutboxItem(
        kind="email", dedupe_key=f"ack:{ticket_id}", payload=payload, message_id=message_id
    )


def _tidy(text: str) -> str:
    """Collapse the blank lines left by empty optional texts."""
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() and lines and not lines[-1].strip():
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"

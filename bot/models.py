"""Pydantic models at the core's boundary: Report in, Decision out, and their vocabularies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

# A body longer than this is refused with a clear error instead of being matched for seconds;
# a long email (50,000 characters and more) is well below it.
MAX_TEXT_CHARS = 1_000_000
# Receipt times outside these years are typos; the calendars also cannot work at the edges.
MIN_YEAR, MAX_YEAR = 1990, 2200


class Channel(StrEnum):
    """How a report reached Dialog (SLA 3.C, 3.D)."""

    EMAIL = "email"
    WIDGET = "widget"
    SLACK = "slack"
    PHONE = "phone"


class Priority(StrEnum):
    """The three priorities of Bijlage 1."""

    HOOG = "hoog"
    MIDDEL = "middel"
    LAAG = "laag"

    @property
    def severity(self) -> int:
        """Higher is more severe: hoog 3, middel 2, laag 1."""
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        """The Dutch label users read ("Hoog")."""
        return self.value.capitalize()


_SEVERITY = {Priority.HOOG: 3, Priority.MIDDEL: 2, Priority.LAAG: 1}


class Category(StrEnum):
    """What kind of report it is: a Storing, a question, a wish, a settings request (3.G)."""

    STORING = "storing"
    VRAAG = "vraag"
    WENS = "wens"
    INSTELLING = "instelling"


class Attachment(BaseModel):
    """An attachment recorded by name, type and size (its content is not kept in the ticket)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    content_type: str
    size: int = Field(ge=0)


class Report(BaseModel):
    """One normalised report (melding), whatever channel it came through."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    channel: Channel
    received_at: AwareDatetime = Field(
        description="When Dialog received it: IMAP INTERNALDATE, message time, call start."
    )
    sender: str = Field(default="", description="Email address, Slack user id or phone number.")
    subject: str = ""
    body: str = ""
    priority: Priority | None = Field(
        default=None, description="A priority confirmed by Dialog (4.G); overrides the rules."
    )
    source_key: str | None = Field(
        default=None, description="Idempotency key from the source (Message-ID, event id, call id)."
    )
    sender_name: str = Field(default="", description="Display name of the sender, if known.")
    rules_text: str | None = Field(
        default=None,
        description="What the rules read when the adapter trimmed the body (quoted replies, "
        "signatures); the full body is kept in `body`.",
    )
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = Field(default=None, description="Email Message-ID, for threading.")
    references: tuple[str, ...] = Field(
        default=(), description="Message-IDs this report replies to (In-Reply-To, References)."
    )
    notes: tuple[str, ...] = Field(
        default=(), description="Notes from the adapter for people, e.g. 'truncated at 1 MB'."
    )

    @field_validator("subject", "body")
    @classmethod
    def _not_huge(cls, value: str) -> str:
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(
                f"text is {len(value):,} characters long; the limit is {MAX_TEXT_CHARS:,}"
            )
        return value

    @field_validator("subject", "body", "sender", "sender_name")
    @classmethod
    def _encodable(cls, value: str) -> str:
        # A lone surrogate (from JSON "\ud800") cannot be stored or printed as UTF-8.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"contains an invalid character at position {exc.start}") from exc
        return value

    @field_validator("received_at", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        if isinstance(value, int | float):
            raise ValueError("must be an ISO 8601 time with offset, not a number")
        return value

    @field_validator("received_at")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"year {value.year} is outside {MIN_YEAR}-{MAX_YEAR}")
        return value

    @model_validator(mode="after")
    def _has_text(self) -> Report:
        if not self.body.strip() and not self.subject.strip():
            raise ValueError("the report is empty: body and subject have no text to triage")
        return self

    @property
    def text(self) -> str:
        """Subject and body (or the adapter's trimmed text): what the rules look at."""
        body = self.body if self.rules_text is None else self.rules_text
        return f"{self.subject}\n{body}" if self.subject else body


RuleName = Annotated[str, Field(min_length=1)]


class Factor(BaseModel):
    """One factor of Bijlage 1 as read from a report: its value and the words that set it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: str
    words: tuple[str, ...] = ()
    part: str = Field(default="", description="body or subject: where the words were found.")
    negated: bool = Field(default=False, description="Set by a negated word ('niet iedereen').")


class Decision(BaseModel):
    """What the core decided for a report, with everything needed to explain it later."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: Priority
    category: Category
    provisional: bool = Field(description="True when the rules chose the priority (4.G).")
    exempt: bool = Field(description="True when SLA 4.D releases Dialog from the reaction time.")
    exempt_reason: str | None
    unagreed_caller: bool = Field(
        default=False, description="A phone report from someone who is not an agreed contact."
    )
    reaction_due: datetime | None
    resolution_due: datetime | None
    rules: tuple[RuleName, ...] = Field(description="Rules that fired, in order.")
    organisation: str | None
    rules_version: str
    calendar_version: str
    needs_triage: bool = Field(
        default=False,
        description="The rules recognised nothing, or an unsure text model contradicts them: "
        "the priority and category are only a guess, and a person must decide.",
    )
    decision: str | None = Field(
        default=None,
        description="The decision-table row the rules chose (the text model may have overruled "
        "it: then `rules` ends with its step).",
    )
    factors: tuple[Factor, ...] = Field(default=(), description="Factors read from the report.")

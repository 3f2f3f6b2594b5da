"""Organisations and their agreed contacts (SLA 3.C): who is reporting, and may they phone?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_NON_DIGITS = re.compile(r"[^\d+]")


def normalise_phone(number: str, country_code: str = "31") -> str | None:
    """E.164 form of a phone number ('030-7600290' -> '+31307600290'), or None if not one.

    Dutch habits are understood: spaces, dashes, dots and brackets are ignored, a leading
    '00' is the international prefix, a single leading '0' is a national number, and
    '+31 (0)30' drops the '(0)'.
    """
    text = number.strip().replace("(0)", "")
    compact = _NON_DIGITS.sub("", text)
    if compact.count("+") > 1 or ("+" in compact and not compact.startswith("+")):
        return None
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    elif compact.startswith("0"):
        digits = country_code + compact[1:]
    else:
        return None
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


def normalise_email(address: str) -> str:
    """Lower-cased address without surrounding space or angle brackets."""
    return address.strip().strip("<>").strip().lower()


class Contact(BaseModel):
    """An agreed contact of an organisation: may phone the helpdesk (3.C)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    email: str | None = None
    phone: str | None = None
    slack_user: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        address = normalise_email(value)
        if "@" not in address:
            raise ValueError(f"{value!r} is not an email address")
        return address

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        e164 = normalise_phone(value)
        if e164 is None:
            raise ValueError(f"{value!r} is not a phone number (use E.164: +31301234567)")
        return e164


class Organisation(BaseModel):
    """A customer organisation (opdrachtgever)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    domains: tuple[str, ...] = ()
    phone_not_required: bool = Field(
        default=False,
        description="The contract waives SLA 4.D: Hoog/Middel are guaranteed by any channel.",
    )
    contacts: tuple[Contact, ...] = ()

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.strip().lower().lstrip("@") for d in value)


class OrganisationsFile(BaseModel):
    """config/organisations.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisations: tuple[Organisation, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> OrganisationsFile:
        seen: set[str] = set()
        for org in self.organisations:
            if org.id in seen:
                raise ValueError(f"organisation id {org.id!r} appears twice")
            seen.add(org.id)
        return self


@dataclass(frozen=True)
class Match:
    """Who sent a report: the organisation and, when known, the agreed contact."""

    organisation: Organisation | None = None
    contact: Contact | None = None


class Directory:
    """Lookups of organisations by email address or domain, phone number, Slack user id."""

    def __init__(self, organisations: tuple[Organisation, ...] = ()) -> None:
        self.organisations = {org.id: org for org in organisations}
        self._email: dict[str, Match] = {}
        self._phone: dict[str, Match] = {}
        self._slack: dict[str, Match] = {}
        self._domain: dict[str, Organisation] = {}
        for org in organisations:
            for domain in org.domains:
                self._domain[domain] = org
            for contact in org.contacts:
                match = Match(org, contact)
                if contact.email:
                    self._email[contact.email] = match
                if contact.phone:
                    self._phone[contact.phone] = match
                if contact.slack_user:
                    self._slack[contact.slack_user] = match

    def by_email(self, address: str) -> Match:
        """A contact's own address first, then the domain (or a parent domain) of any address."""
        address = normalise_email(address)
        if address in self._email:
            return self._email[address]
        domain = address.rpartition("@")[2]
        while domain:
            if domain in self._domain:
                return Match(self._domain[domain])
            domain = domain.partition(".")[2]
        return Match()

    def by_phone(self, number: str) -> Match:
        """The agreed contact with this number, if any."""
        e164 = normalise_phone(number)
        return self._phone.get(e164, Match()) if e164 else Match()

    def by_slack(self, user_id: str) -> Match:
        """The contact with this Slack user id, if any."""
        return self._slack.get(user_id.strip(), Match())

    def identify(self, channel: str, sender: str) -> Match:
        """Who sent a report on `channel` (email, widget, slack, phone)."""
        if not sender:
            return Match()
        if channel == "phone":
            return self.by_phone(sender)
        if "@" in sender:
            return self.by_email(sender)
        return self.by_slack(sender)

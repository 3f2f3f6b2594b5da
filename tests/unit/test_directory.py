"""Organisations and agreed contacts: phone and email normalisation, lookups."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.directory import Directory, OrganisationsFile, normalise_phone
from tests.unit.triage_setup import ORGANISATIONS


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("030-7600290", "+31307600290"),
        ("+31 30 760 0290", "+31307600290"),
        ("0031307600290", "+31307600290"),
        ("+31 (0)30 7600290", "+31307600290"),
        ("06-12345678", "+31612345678"),
        ("(030) 760.02.90", "+31307600290"),
        ("+44 20 7946 0958", "+442079460958"),
        ("12345", None),
        ("", None),
        ("anoniem", None),
        ("+31+30", None),
    ],
)
def test_normalise_phone(raw: str, e164: str | None) -> None:
    assert normalise_phone(raw) == e164


@pytest.fixture
def directory() -> Directory:
    return Directory(OrganisationsFile.model_validate(ORGANISATIONS).organisations)


def test_email_contact_domain_and_subdomain(directory: Directory) -> None:
    assert directory.by_email(" <JAN@Acme.NL> ").contact is not None
    match = directory.by_email("piet@acme.nl")
    assert match.organisation is not None and match.organisation.id == "acme"
    assert match.contact is None
    assert directory.by_email("x@mail.acme.nl").organisation is not None
    assert directory.by_email("x@notacme.nl").organisation is None


def test_phone_lookup_normalises(directory: Directory) -> None:
    match = directory.by_phone("0031 30 1234567")
    assert match.contact is not None and match.contact.name == "Jan"
    assert directory.by_phone("+31 30 7654321").contact is None


def test_identify_by_channel(directory: Directory) -> None:
    assert directory.identify("phone", "030-1234567").contact is not None
    assert directory.identify("email", "jan@acme.nl").contact is not None
    assert directory.identify("slack", "U999").organisation is None
    assert directory.identify("email", "").organisation is None


def test_invalid_organisations_file() -> None:
    with pytest.raises(ValidationError, match="not a phone number"):
        OrganisationsFile.model_validate(
            {
                "organisations": [
                    {"id": "a", "name": "A", "contacts": [{"name": "x", "phone": "abc"}]}
                ]
            }
        )
    with pytest.raises(ValidationError, match="appears twice"):
        OrganisationsFile.model_validate(
            {"organisations": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}
        )
    with pytest.raises(ValidationError, match="Extra inputs"):
        OrganisationsFile.model_validate({"organisations": [{"id": "a", "name": "A", "x": 1}]})

"""The first name an acknowledgement greets by, read from the sender's display name."""

from __future__ import annotations

import pytest

from adapters.email.greeting import clean_name, first_name


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Anja de Vries", "Anja"),
        ("de Vries, Anja", "Anja"),  # Outlook's "Last, First"
        ("Vries, Anja de", "Anja"),
        ('"Anja de Vries"', "Anja"),
        ("Mw. Anja de Vries", "Anja"),
        ("Dr. Jan Jansen", "Jan"),
        ("ANJA DE VRIES", "Anja"),
        ("anja de vries", "Anja"),
        ("Anja de Vries (Zorggroep Noord)", "Anja"),
        ("Anja de Vries | Zorggroep Noord", "Anja"),
        ("J.W. (Jan-Willem) de Boer", "Jan-Willem"),  # the name in brackets is what they use
        ("Anne-Marie Jansen", "Anne-Marie"),
        ("Fatima el Amrani", "Fatima"),
        ("Émile Dupont", "Émile"),
        ("Anja", "Anja"),  # one capitalised word: a first name
        # No first name to tell: the neutral greeting.
        ("A. de Vries", None),  # initials only
        ("A de Vries", None),
        ("de Vries, A.J.", None),
        ("Dr. A. Jansen", None),
        ("de Vries", None),  # a surname
        ("de heer Jansen", None),
        ("adevries", None),  # a login name
        ("ICT", None),
        ("a.devries@zorggroepnoord.nl", None),  # an address as the name
        ("Support Zorggroep Noord", None),  # a shared mailbox
        ("Gemeente Lindendaal", None),  # an organisation
        ("Helpdesk", None),
        ("R2-D2", None),
        ("", None),
        ("   ", None),
    ],
)
def test_first_name(display: str, expected: str | None) -> None:
    assert first_name(display) == expected


def test_clean_name_keeps_the_name_as_written() -> None:
    assert clean_name('  "Anja  de Vries" ') == "Anja de Vries"
    assert clean_name("") == ""

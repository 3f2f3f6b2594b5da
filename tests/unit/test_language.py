"""The language of a report: Dutch unless the newest text is clearly English."""

from __future__ import annotations

import pytest

from bot.language import language_of, language_of_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Export not working\nThe export to Excel gives an error since this morning.", "en"),
        ("Login not working", "en"),
        ("Hi, can you please tell me how I add a goal?", "en"),
        ("Dear support, nobody in our team can log in. Kind regards, Tom", "en"),
        ("When I click Opslaan in the Doelen tab, nothing happens.", "en"),
        ("I can\u2019t open the evaluations page", "en"),  # a typographic apostrophe
        ("Export werkt niet\nDe export naar Excel geeft een foutmelding.", "nl"),
        ("Hoi, de export is kapot. Groet, Anja", "nl"),
        ("Inloggen lukt niet", "nl"),
        # A pasted English error message does not make a Dutch mail English.
        (
            'Ik krijg de melding "The file could not be uploaded because it is too large" '
            "bij het opslaan.",
            "nl",
        ),
        ("Ik krijg: Error: the file could not be uploaded", "nl"),
        # Too little to tell: Dutch, the default.
        ("Help!", "nl"),
        ("Export error", "nl"),
        ("", "nl"),
        ("Hi, het werkt niet", "nl"),
        ("The", "nl"),
    ],
)
def test_language_of_text(text: str, expected: str) -> None:
    assert language_of_text(text) == expected


def test_only_the_newest_text_counts() -> None:
    dutch_reply = (
        "Het probleem is er nog steeds, ook na het opnieuw inloggen.\n\n"
        "On Tue, 24 Nov 2026 at 10:00, Support <support@dialog.nl> wrote:\n"
        "> Thank you for your report. We have registered it as ticket #12.\n"
        "> We aim to respond by Wednesday 25 November 2026 at 14:00.\n"
    )
    assert language_of("Re: [#12] Export", dutch_reply) == "nl"
    english_signature = (
        "The export does not work since this morning.\n\n"
        "Met vriendelijke groet,\nAnja de Vries\nZorggroep Noord\n"
    )
    assert language_of("Export", english_signature) == "en"

"""bot/reading.py: which words of a report are the customer's report.

Every test feeds a whole mail body through `read_report` and checks where each part ends up:
the newest text (and a forwarded report) in `body`, older mail in `quoted`, the sign-off and
what follows in `signature`, legal boilerplate in `disclaimer`. Words that must not reach the
rules ("workaround" in a quoted reply, a job title, "storing" in a disclaimer) are checked to
be absent from `body` and present in the part they belong to, so nothing silently disappears.
"""

from __future__ import annotations

import pytest

from bot.reading import ReadText, read_report

ELLIPSIS = "\u2026"


def words(text: str) -> list[str]:
    return text.split()


# -- plain reports ---------------------------------------------------------------------------


def test_a_plain_report_is_all_body() -> None:
    body = "De export naar Excel geeft een foutmelding.\nHet gaat om alle teams."
    read = read_report("Export", body)
    assert read.body == body
    assert (read.quoted, read.forwarded, read.signature, read.disclaimer) == ("", "", "", "")


def test_subject_whitespace_is_normalised_and_text_joins_subject_and_body() -> None:
    read = read_report("  Inloggen \t lukt\nniet ", "Niemand kan inloggen.")
    assert read.subject == "Inloggen lukt niet"
    assert read.text == "Inloggen lukt niet\nNiemand kan inloggen."
    assert read_report("", "Niemand kan inloggen.").text == "Niemand kan inloggen."


def test_windows_and_old_mac_line_endings_are_lines_too() -> None:
    body = "Het lukt niet.\r\n\r\nMet vriendelijke groet,\r\nJan\r\nFunctioneel beheerder"
    read = read_report("", body)
    assert read.body == "Het lukt niet."
    assert "Functioneel beheerder" in read.signature
    assert "\r" not in read.body + read.signature
    old_mac = read_report("", "Het lukt niet.\r> oude tekst met workaround")
    assert old_mac.body == "Het lukt niet."
    assert "workaround" in old_mac.quoted


# -- quoted history ----------------------------------------------------------------------------


def test_dutch_reply_header_and_everything_below_is_quoted() -> None:
    body = (
        "Hallo,\n\nHet werkt nog steeds niet, bij niemand.\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support Dialog <support@dialog.nl>:\n"
        "> Kunt u voorlopig de workaround via CSV gebruiken?\n"
        "> Groet, Support"
    )
    read = read_report("RE: export", body)
    assert read.body == "Hallo,\n\nHet werkt nog steeds niet, bij niemand."
    assert read.quoted.startswith("Op di 10 nov. 2026 om 09:12 schreef Support Dialog")
    assert "workaround" in read.quoted
    assert "workaround" not in read.body


def test_a_reply_header_wrapped_over_two_lines_is_still_a_header() -> None:
    body = (
        "Het werkt nog steeds niet.\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support Dialog <\n"
        "support@dialog.nl>:\n\n"
        "Kunt u de workaround gebruiken?"
    )
    read = read_report("", body)
    assert read.body == "Het werkt nog steeds niet."
    assert "support@dialog.nl>:" in read.quoted
    assert "workaround" in read.quoted and "workaround" not in read.body


def test_the_long_dutch_form_heeft_het_volgende_geschreven() -> None:
    body = (
        "Nog steeds kapot.\n\n"
        "Op 10 nov. 2026 heeft Support Dialog <s@dialog.nl> het volgende geschreven:\n\n"
        "> Er is een workaround."
    )
    read = read_report("", body)
    assert read.body == "Nog steeds kapot."
    assert read.quoted.startswith("Op 10 nov. 2026 heeft Support Dialog")


def test_english_reply_header() -> None:
    body = (
        "Still broken for the whole team.\n\n"
        "On Tue, 10 Nov 2026 at 09:12, Support <support@dialog.nl> wrote:\n"
        "> Please try the workaround."
    )
    read = read_report("", body)
    assert read.body == "Still broken for the whole team."
    assert read.quoted.startswith("On Tue, 10 Nov 2026")
    assert "workaround" in read.quoted


@pytest.mark.parametrize(
    ("van", "verzonden", "aan", "onderwerp"),
    [
        (
            "Van: Support Dialog <support@dialog.nl>",
            "Verzonden: dinsdag 10 november 2026 09:12",
            "Aan: Jan de Vries",
            "Onderwerp: RE: storing",
        ),
        (
            "From: Support Dialog <support@dialog.nl>",
            "Sent: Tuesday, November 10, 2026 9:12 AM",
            "To: Jan de Vries",
            "Subject: RE: outage",
        ),
        (
            "*Van:* Support Dialog <support@dialog.nl>",
            "*Verzonden:* dinsdag 10 november 2026 09:12",
            "*Aan:* Jan de Vries",
            "*Onderwerp:* RE: storing",
        ),
    ],
)
def test_outlook_header_block_starts_the_quoted_history(
    van: str, verzonden: str, aan: str, onderwerp: str
) -> None:
    body = (
        f"Nog steeds kapot, niemand kan werken.\n\n{van}\n{verzonden}\n{aan}\n{onderwerp}\n\n"
        "Er is een workaround: gebruik de CSV-export.\n\nMet vriendelijke groet,\nSupport"
    )
    read = read_report("", body)
    assert read.body == "Nog steeds kapot, niemand kan werken."
    assert read.quoted.startswith(van)
    assert "workaround" in read.quoted
    assert "workaround" not in read.body


def test_outlook_web_header_on_one_line() -> None:
    body = (
        "Nog steeds kapot.\n\n"
        "Van: Support <s@dialog.nl> Verzonden: dinsdag 10 november 2026 09:12 Aan: Jan "
        "Onderwerp: RE: storing\n\nEr is een workaround."
    )
    read = read_report("", body)
    assert read.body == "Nog steeds kapot."
    assert "workaround" in read.quoted


def test_a_van_line_without_a_date_below_is_not_a_header() -> None:
    # "Van:" alone is how people start a line too; only with a Verzonden/Date below is it
    # an Outlook block.
    body = "Van: Piet, onze planner\nDe export werkt niet meer sinds de update."
    read = read_report("", body)
    assert read.body == body
    assert read.quoted == ""


@pytest.mark.parametrize(
    "separator",
    [
        "-----Oorspronkelijk bericht-----",
        "----- Original Message -----",
        "-----Origineel bericht-----",
    ],
)
def test_original_message_separator(separator: str) -> None:
    body = f"Nog steeds kapot.\n\n{separator}\nVan: Support\nEr is een workaround."
    read = read_report("", body)
    assert read.body == "Nog steeds kapot."
    assert read.quoted.startswith(separator)
    assert "workaround" in read.quoted


def test_angle_bracket_lines_are_quoted_wherever_they_stand() -> None:
    body = "Het lukt niet.\n> Er is een workaround beschikbaar.\n>> nog ouder\nZie boven."
    read = read_report("", body)
    assert "workaround" not in read.body
    assert "Het lukt niet." in read.body and "Zie boven." in read.body
    assert "> Er is een workaround beschikbaar." in read.quoted
    assert ">> nog ouder" in read.quoted


def test_inline_answers_between_quotes_are_the_senders_words() -> None:
    body = (
        "Zie mijn antwoorden hieronder.\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support <support@dialog.nl>:\n"
        "> Bij hoeveel gebruikers speelt het?\n"
        "Bij iedereen, het hele bedrijf.\n"
        "> Is er een workaround?\n"
        "Nee, er is geen alternatief.\n"
    )
    read = read_report("", body)
    assert "Zie mijn antwoorden hieronder." in read.body
    assert "Bij iedereen, het hele bedrijf." in read.body
    assert "Nee, er is geen alternatief." in read.body
    # The questions stay history, with their header.
    assert "Bij hoeveel gebruikers" not in read.body
    assert "Is er een workaround?" not in read.body
    assert "> Bij hoeveel gebruikers speelt het?" in read.quoted
    assert "> Is er een workaround?" in read.quoted
    assert read.quoted.startswith("Op di 10 nov. 2026")


def test_a_signature_after_inline_answers_is_still_a_signature() -> None:
    body = (
        "Antwoorden hieronder.\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support <support@dialog.nl>:\n"
        "> Bij hoeveel gebruikers?\n"
        "Bij iedereen.\n\n"
        "Groet,\nJan\nTeamleider Storingen"
    )
    read = read_report("", body)
    assert "Bij iedereen." in read.body
    assert "Teamleider" not in read.body
    assert "Teamleider Storingen" in read.signature


def test_text_of_an_outlook_quoted_mail_below_its_own_quotes_is_still_history() -> None:
    # The Outlook block quotes Support's earlier answer, which itself quoted the customer
    # with '>' and answered below it. No line below the Outlook header is the sender's new
    # text: "workaround" there is Support's word, not the customer's.
    body = (
        "Nog steeds kapot.\n\n"
        "Van: Support Dialog <support@dialog.nl>\n"
        "Verzonden: dinsdag 10 november 2026 09:12\n"
        "Aan: Jan\n\n"
        "> De export werkt niet\n"
        "Gebruik voorlopig de workaround via CSV.\n"
    )
    read = read_report("", body)
    assert read.body == "Nog steeds kapot."
    assert "workaround" in read.quoted


# -- forwards ----------------------------------------------------------------------------------


def test_forwarded_report_is_the_body_without_its_headers() -> None:
    body = (
        "Zie hieronder, kunnen jullie helpen?\n\n"
        "---------- Forwarded message ---------\n"
        "From: Piet Jansen <piet@acme.nl>\n"
        "Date: Tue, 10 Nov 2026 at 08:55\n"
        "Subject: Storing\n"
        "To: Jan <jan@acme.nl>\n\n"
        "Niemand kan inloggen sinds vanochtend.\n\n"
        "Groeten,\nPiet\nTeamleider HR"
    )
    read = read_report("Fwd: Storing", body)
    assert read.forwarded == "Niemand kan inloggen sinds vanochtend."
    assert "Zie hieronder, kunnen jullie helpen?" in read.body
    assert "Niemand kan inloggen sinds vanochtend." in read.body
    # The newest words come first, then the report passed on.
    assert read.body.index("Zie hieronder") < read.body.index("Niemand kan inloggen")
    for header in ("piet@acme.nl", "Date:", "Subject:", "To:", "Forwarded message"):
        assert header not in read.body
    assert "Teamleider HR" in read.signature
    assert "Teamleider" not in read.body
    assert read.quoted == ""


@pytest.mark.parametrize(
    "marker",
    [
        "-------- Doorgestuurd bericht --------",
        "Begin doorgestuurd bericht:",
        "Begin forwarded message:",
    ],
)
def test_dutch_and_apple_forward_markers(marker: str) -> None:
    body = (
        f"Ter info.\n\n{marker}\n"
        "Onderwerp: Storing\nDatum: 10 november 2026 09:00\nVan: Piet <piet@acme.nl>\n"
        "Aan: Jan <jan@acme.nl>\n\n"
        "De export werkt bij niemand.\n"
    )
    read = read_report("", body)
    assert read.forwarded == "De export werkt bij niemand."
    assert "De export werkt bij niemand." in read.body
    assert "Ter info." in read.body
    assert "piet@acme.nl" not in read.body


def test_a_forward_of_a_forward_keeps_the_report_at_the_bottom() -> None:
    body = (
        "Zie onder.\n\n"
        "---------- Forwarded message ---------\nFrom: Anna <anna@acme.nl>\nDate: today\n\n"
        "---------- Forwarded message ---------\nFrom: Piet <piet@acme.nl>\nDate: yesterday\n\n"
        "Niemand kan inloggen."
    )
    read = read_report("", body)
    assert read.forwarded == "Niemand kan inloggen."
    assert "Niemand kan inloggen." in read.body
    assert "Forwarded message" not in read.body
    assert "anna@acme.nl" not in read.body and "piet@acme.nl" not in read.body


def test_a_forward_that_quotes_older_mail_keeps_that_as_history() -> None:
    body = (
        "Graag hulp.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Piet <piet@acme.nl>\nDate: Tue, 10 Nov 2026\n\n"
        "Het werkt nog steeds niet.\n\n"
        "On Mon, 9 Nov 2026 at 10:00, Support <s@dialog.nl> wrote:\n"
        "> Gebruik de workaround."
    )
    read = read_report("", body)
    assert read.forwarded == "Het werkt nog steeds niet."
    assert "workaround" in read.quoted
    assert "workaround" not in read.body + read.forwarded


def test_a_reply_above_a_forward_marker_below_it_is_a_reply() -> None:
    # The reply header comes first: what is below it, forward marker included, is history.
    body = (
        "Nog steeds kapot.\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support <s@dialog.nl>:\n"
        "> ---------- Forwarded message ---------\n"
        "> Er is een workaround."
    )
    read = read_report("", body)
    assert read.body == "Nog steeds kapot."
    assert read.forwarded == ""
    assert "workaround" in read.quoted


# -- signatures and disclaimers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sign_off",
    [
        "Met vriendelijke groet,",
        "Vriendelijke groeten,",
        "Groeten,",
        "Groet,",
        "Mvg,",
        "Hartelijke groet,",
        "Kind regards,",
        "Best regards,",
        "Regards,",
        "Alvast bedankt!",
    ],
)
def test_signature_starts_at_the_sign_off(sign_off: str) -> None:
    body = (
        "Niemand kan inloggen.\n\n"
        f"{sign_off}\n\nJan de Vries\nStoringscoordinator ICT\nAcme B.V.\n06-12345678"
    )
    read = read_report("", body)
    assert read.body == "Niemand kan inloggen."
    assert read.signature.startswith(sign_off)
    assert "Storingscoordinator" in read.signature


def test_dash_dash_space_line_starts_the_signature() -> None:
    read = read_report("", "Export werkt niet.\nEen tweede zin.\n-- \nJan\nStoring-coordinator")
    assert read.body == "Export werkt niet.\nEen tweede zin."
    assert "Storing-coordinator" in read.signature


@pytest.mark.parametrize(
    "mobile", ["Verzonden vanaf mijn iPhone", "Sent from my iPhone", "Verstuurd vanaf mijn Samsung"]
)
def test_mobile_footer_is_signature(mobile: str) -> None:
    read = read_report("", f"Export werkt niet.\n\n{mobile}")
    assert read.body == "Export werkt niet."
    assert read.signature == mobile


def test_a_sign_off_followed_by_a_long_text_is_not_a_signature() -> None:
    # A signature is short: a "Groet," above twelve lines of text is the report going on.
    rest = "\n".join(f"Stap {i}: de pagina blijft leeg bij team {i}." for i in range(12))
    read = read_report("", f"Het lukt niet.\n\nGroet,\n{rest}")
    assert "Stap 11: de pagina blijft leeg bij team 11." in read.body
    assert read.signature == ""


@pytest.mark.parametrize(
    "report",
    [
        "Helaas is het probleem terug: niemand kan inloggen.",
        # People do not always end a line with a full stop.
        "Helaas is het probleem terug, niemand kan inloggen",
        "Export weer kapot.",
    ],
)
def test_thanks_before_the_report_is_not_a_sign_off(report: str) -> None:
    # "Bedankt!" at the top thanks for earlier help; the report follows. Only the real
    # sign-off at the end starts the signature.
    body = f"Hoi,\n\nBedankt!\n\n{report}\n\nGroet,\nJan\nTeamleider"
    read = read_report("", body)
    assert report in read.body
    assert read.signature.startswith("Groet,")
    assert "Teamleider" in read.signature


@pytest.mark.parametrize(
    "footer", ["Verzonden vanaf mijn iPhone", "Sent from my iPhone", "Outlook voor iOS downloaden"]
)
def test_a_mobile_footer_below_a_sign_off_does_not_pull_the_signature_into_the_body(
    footer: str,
) -> None:
    body = f"Export werkt niet.\n\nGroet,\nJan\nTeamleider Storingen\n\n{footer}"
    read = read_report("", body)
    assert read.body == "Export werkt niet."
    assert "Teamleider Storingen" in read.signature
    assert footer in read.signature


def test_bilingual_sign_off_is_one_sign_off() -> None:
    body = "Export werkt niet.\n\nMet vriendelijke groet / Kind regards,\nJan\nTeamleider"
    read = read_report("", body)
    assert read.body == "Export werkt niet."
    assert read.signature.startswith("Met vriendelijke groet / Kind regards,")


@pytest.mark.parametrize(
    "disclaimer",
    [
        "Dit bericht kan vertrouwelijke informatie bevatten. Bent u niet de beoogde ontvanger, "
        "verwijder het dan. Aan dit bericht kunnen geen rechten worden ontleend bij storing.",
        "This email and any attachments are confidential. If you are not the intended "
        "recipient, please delete it; outages of our mail server are not our liability.",
    ],
)
def test_disclaimer_is_kept_apart_from_body_and_signature(disclaimer: str) -> None:
    body = f"Export werkt niet.\n\nGroet,\nJan\n\n{disclaimer}"
    read = read_report("", body)
    assert read.body == "Export werkt niet."
    assert read.signature == "Groet,\nJan"
    assert read.disclaimer == disclaimer


def test_disclaimer_without_a_sign_off() -> None:
    disclaimer = "Aan dit e-mailbericht kunnen geen rechten worden ontleend."
    read = read_report("", f"De koppeling met AFAS geeft een foutmelding.\n\n{disclaimer}")
    assert read.body == "De koppeling met AFAS geeft een foutmelding."
    assert read.disclaimer == disclaimer


@pytest.mark.parametrize(
    "report",
    [
        # A data exposure report: the customer's own words, not boilerplate.
        "In het dashboard zien onze medewerkers vertrouwelijke informatie van een andere "
        "organisatie.",
        "De disclaimer onder het evaluatieformulier is verdwenen.",
        "This email is to let you know that nobody can log in since this morning.",
    ],
)
def test_the_customers_own_words_are_not_a_disclaimer(report: str) -> None:
    read = read_report("", f"Goedemorgen,\n\n{report}\n\nGroet,\nJan")
    assert report in read.body
    assert read.disclaimer == ""


# -- the heart of the newest text ---------------------------------------------------------------


@pytest.mark.parametrize(
    "greeting",
    ["Goedemorgen,", "Beste Jan,", "Hallo allemaal,", "Hi team,", "Dear support,", "Hoi!"],
)
def test_heart_skips_a_greeting_line(greeting: str) -> None:
    read = read_report("", f"{greeting}\n\nSinds vanochtend kan niemand inloggen.\n\nGroet,\nJan")
    assert read.heart() == "Sinds vanochtend kan niemand inloggen."


def test_heart_skips_several_greeting_lines_and_joins_the_rest_on_one_line() -> None:
    read = read_report(
        "", "Beste support,\nGoedemorgen,\n\nDe export werkt niet.\nOok CSV   geeft een fout."
    )
    assert read.heart() == "De export werkt niet. Ook CSV geeft een fout."


def test_heart_drops_a_greeting_that_ends_with_an_exclamation_mark_on_the_same_line() -> None:
    assert read_report("", "Hallo! De export werkt niet.").heart() == "De export werkt niet."


@pytest.mark.parametrize(
    "line",
    [
        "Goedemorgen, de export werkt niet.",
        "Beste Jan, de export werkt niet.",
        "Hi John, de export werkt niet.",
    ],
)
def test_heart_drops_a_greeting_on_the_same_line_as_the_report(line: str) -> None:
    assert read_report("", line).heart() == "de export werkt niet."


def test_heart_does_not_take_an_ordinary_first_word_for_a_greeting() -> None:
    text = "Dag in dag uit loopt de planning vast."
    assert read_report("", text).heart() == text


def test_heart_never_shows_quoted_mail_or_the_signature() -> None:
    body = (
        "Goedemorgen,\n\nExport kapot.\n\nGroet,\nJan\nTeamleider\n\n"
        "Op di 10 nov. 2026 om 09:12 schreef Support <s@dialog.nl>:\n> Probeer de workaround"
    )
    heart = read_report("", body).heart()
    assert heart == "Export kapot."


def test_heart_keeps_short_text_whole_and_cuts_long_text_at_a_word() -> None:
    sentence = "Het rooster van team {n} blijft leeg na het opslaan."
    long_text = " ".join(sentence.format(n=n) for n in range(40))
    read = read_report("", f"Hallo,\n\n{long_text}")
    full = read.heart(limit=10_000)
    assert full == long_text
    for limit in (40, 100, 300):
        heart = read.heart(limit)
        assert len(heart) <= limit
        assert heart.endswith(ELLIPSIS)
        kept = heart.removesuffix(ELLIPSIS)
        assert long_text.startswith(kept)
        # Cut between words: the next character of the full text is a space.
        assert long_text[len(kept)] == " "
        assert len(kept) > limit // 2
    assert read.heart() == read.heart(300)


def test_heart_of_one_huge_word_is_cut_hard() -> None:
    read = read_report("", "x" * 500)
    heart = read.heart(100)
    assert len(heart) == 100
    assert heart == "x" * 99 + ELLIPSIS


def test_heart_of_a_report_that_is_only_a_greeting_is_empty() -> None:
    assert read_report("Vraag", "Goedemorgen,").heart() == ""


def test_read_text_is_a_value() -> None:
    read = read_report("S", "Het lukt niet.")
    assert read == ReadText(subject="S", body="Het lukt niet.")
    with pytest.raises(AttributeError):
        read.body = "iets anders"  # type: ignore[misc]

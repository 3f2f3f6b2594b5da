"""Email parsing: hand-written messages for charsets, MIME structure, HTML, quotes, signatures,
auto-replies, threading ids, truncation and input that is not an email at all."""

from __future__ import annotations

import base64
import dataclasses
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.email.html_text import html_to_text
from adapters.email.parse import EMPTY_BODY, EmailParseError, ParsedEmail, parse_email, to_report
from adapters.email.quoting import trim_reply
from bot.errors import AdapterError
from bot.models import MAX_TEXT_CHARS, Attachment, Channel, Report

RECEIVED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

HEADERS = """\
From: Jan Jansen <Jan.Jansen@Klant.NL>
To: support@dialog.nl
Subject: Inloggen lukt niet
Date: Tue, 24 Nov 2026 10:00:00 +0100
Message-ID: <abc123@klant.nl>
"""


def mail(text: str, *, encoding: str = "utf-8") -> bytes:
    """A message written as text with '\\n' line ends, sent with CRLF like on the wire."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding)


def plain(body: str, *, headers: str = HEADERS, extra: str = "") -> bytes:
    """A text/plain utf-8 (8bit) message with the default headers."""
    return mail(
        f"{headers}{extra}MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        f"{body}"
    )


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


# --------------------------------------------------------------------------------------------
# Plain text, headers, charsets
# --------------------------------------------------------------------------------------------


def test_plain_utf8_message() -> None:
    parsed = parse_email(
        plain("Beste Dialog,\n\nIk kan niet inloggen, ook niet met één ander account.\n")
    )

    assert parsed.from_address == "jan.jansen@klant.nl"
    assert parsed.from_name == "Jan Jansen"
    assert parsed.subject == "Inloggen lukt niet"
    assert parsed.message_id == "<abc123@klant.nl>"
    assert parsed.date_header == datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert parsed.body == "Beste Dialog,\n\nIk kan niet inloggen, ook niet met één ander account."
    assert parsed.rules_text == parsed.body
    assert parsed.attachments == ()
    assert parsed.auto_reply is False
    assert parsed.auto_reply_reason is None
    assert parsed.ticket_tag is None
    assert parsed.truncated is False
    assert parsed.in_reply_to == ()
    assert parsed.references == ()
    assert parsed.notes == ()


def test_parsed_email_is_frozen() -> None:
    parsed = parse_email(plain("Hallo"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.subject = "anders"  # type: ignore[misc]


def test_quoted_printable_latin1_dutch() -> None:
    raw = mail(
        HEADERS + "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "Er is =E9=E9n probleem met mijn priv=E9-instellingen, en dat is een heel lange regel=\n"
        " die door quoted-printable is afgebroken.\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == (
        "Er is één probleem met mijn privé-instellingen, en dat is een heel lange regel "
        "die door quoted-printable is afgebroken."
    )
    assert parsed.notes == ()


def test_base64_utf8_body() -> None:
    text = "Privé-gegevens zijn zichtbaar voor één collega."
    raw = mail(
        HEADERS + "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: base64\n\n" + b64(text.encode())
    )
    assert parse_email(raw).body == text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "=?UTF-8?B?U3RvcmluZzogw6nDqW4gc2NoZXJtIGlzIHppd2FydA==?=",
            "Storing: één scherm is ziwart",
        ),
        ("=?iso-8859-1?Q?Priv=E9_instellingen_kwijt?=", "Privé instellingen kwijt"),
        ("=?utf-8?q?caf=C3=A9?= en =?utf-8?b?w6nDqW4=?= woord", "café en één woord"),
        ("Re: =?utf-8?q?Storing?=\n   =?utf-8?q?_dringend?=", "Re: Storing dringend"),
        ("  Veel\t   spaties \n   en een vouw  ", "Veel spaties en een vouw"),
    ],
    ids=["base64", "q-latin1", "mixed", "folded", "whitespace"],
)
def test_rfc2047_subject(header: str, expected: str) -> None:
    headers = HEADERS.replace("Subject: Inloggen lukt niet", f"Subject: {header}")
    assert parse_email(plain("tekst", headers=headers)).subject == expected


def test_missing_subject_is_empty() -> None:
    headers = HEADERS.replace("Subject: Inloggen lukt niet\n", "")
    assert parse_email(plain("tekst", headers=headers)).subject == ""


@pytest.mark.parametrize(
    ("from_header", "address", "name"),
    [
        ("Jan Jansen <JAN@Klant.nl>", "jan@klant.nl", "Jan Jansen"),
        ('"Jansen, Jan" <jan@klant.nl>', "jan@klant.nl", "Jansen, Jan"),
        ("jan@klant.nl (Jan Jansen)", "jan@klant.nl", "Jan Jansen"),
        ("=?utf-8?q?Ren=C3=A9e_de_Vries?= <renee@klant.nl>", "renee@klant.nl", "Renée de Vries"),
        ("<jan@klant.nl>", "jan@klant.nl", ""),
        ("undisclosed-recipients:;", "", ""),
    ],
)
def test_from_header(from_header: str, address: str, name: str) -> None:
    headers = HEADERS.replace("From: Jan Jansen <Jan.Jansen@Klant.NL>", f"From: {from_header}")
    parsed = parse_email(plain("tekst", headers=headers))
    assert (parsed.from_address, parsed.from_name) == (address, name)


def test_raw_latin1_bytes_in_from_header_are_decoded() -> None:
    raw = plain("tekst").replace(b"From: Jan Jansen", "From: Ingo Lütkebohle".encode("latin-1"))
    parsed = parse_email(raw)
    assert parsed.from_name == "Ingo Lütkebohle"
    assert parsed.from_address == "jan.jansen@klant.nl"


def test_unparseable_date_is_none() -> None:
    headers = HEADERS.replace("Date: Tue, 24 Nov 2026 10:00:00 +0100", "Date: gisteren")
    assert parse_email(plain("tekst", headers=headers)).date_header is None


@pytest.mark.parametrize(
    ("charset", "payload", "body", "note"),
    [
        (
            "x-unknown",
            "privé".encode("latin-1"),
            "privé",
            "charset 'x-unknown' unknown, decoded as windows-1252",
        ),
        ("x-unknown", "privé".encode(), "privé", "charset 'x-unknown' unknown, decoded as utf-8"),
        ("base64", b"priv\xe9", "privé", "charset 'base64' unknown, decoded as windows-1252"),
        (
            "utf-8",
            "privé".encode("latin-1"),
            "privé",
            "text is not valid utf-8, decoded as windows-1252",
        ),
        (
            "us-ascii",
            "privé".encode("latin-1"),
            "privé",
            "text is not valid us-ascii, decoded as windows-1252",
        ),
        ("us-ascii", "privé".encode(), "privé", "text is not valid us-ascii, decoded as utf-8"),
        ("iso-8859-1", b"kost \x80 5", "kost € 5", None),
        (
            "x-unknown",
            b"\x81\x8d\xe9",
            "\x81\x8dé",
            "charset 'x-unknown' unknown, decoded as latin-1",
        ),
        (
            "utf-8",
            "één Привет мир, всё хорошо".encode() + b"\xff",
            "één Привет мир, всё хорошо\ufffd",
            "text is not valid utf-8, decoded as utf-8 (invalid bytes replaced)",
        ),
        (
            "euc-jp",
            b"\xa4\xb3\xff\xff",
            "こ\ufffd\ufffd",
            "text is not valid euc-jp; invalid bytes were replaced",
        ),
    ],
    ids=[
        "unknown-latin1",
        "unknown-utf8",
        "non-text-codec",
        "utf8-declared-latin1-sent",
        "ascii-declared-latin1-sent",
        "ascii-declared-utf8-sent",
        "latin1-is-windows-1252",
        "undefined-in-windows-1252",
        "mostly-utf8",
        "broken-multibyte",
    ],
)
def test_bad_charsets_never_raise(
    charset: str, payload: bytes, body: str, note: str | None
) -> None:
    raw = mail(HEADERS + f'Content-Type: text/plain; charset="{charset}"\n\n') + payload
    parsed = parse_email(raw)
    assert parsed.body == body
    if note is None:
        assert parsed.notes == ()
    else:
        assert note in parsed.notes


def test_no_charset_with_8bit_text() -> None:
    raw = mail(HEADERS + "\n") + "Werkt één ding niet".encode()
    assert parse_email(raw).body == "Werkt één ding niet"


def test_format_flowed_is_unwrapped() -> None:
    raw = mail(
        HEADERS + "Content-Type: text/plain; charset=utf-8; format=flowed\n\n"
        "Het rooster laat \nniet alle lessen \nzien.\n"
        "> Oude \n> tekst\n"
        "-- \n"
        "Jan\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "Het rooster laat niet alle lessen zien.\n> Oude tekst\n-- \nJan"
    assert parsed.rules_text == "Het rooster laat niet alle lessen zien."


# --------------------------------------------------------------------------------------------
# HTML and MIME structure
# --------------------------------------------------------------------------------------------

HTML = """\
<!DOCTYPE html>
<html><head><title>Mailtitel</title>
<style>p { color: red; } .x { display: none }</style>
<script type="text/javascript">alert("hallo & dag");</script>
</head>
<body>
<!-- een commentaar -->
<p>Beste   Dialog,</p>
<p>Het <b>rooster</b> werkt&nbsp;niet &amp; de export<br>geeft een fout:
&lt;500&gt; &euro;&#8364;&#x20AC;</p>
<ul><li>eerste</li><li>tweede</li></ul>
<table><tr><td>Naam</td><td>Waarde</td></tr><tr><td>a</td><td>b</td></tr></table>
<div>Groet,</div><div>Jan</div>
</body></html>
"""


def test_html_only_message() -> None:
    raw = mail(HEADERS + "Content-Type: text/html; charset=utf-8\n\n" + HTML)
    parsed = parse_email(raw)
    assert parsed.body == (
        "Beste Dialog,\n\n"
        "Het rooster werkt niet & de export\n"  # &nbsp; is a space to the rules
        "geeft een fout: <500> €€€\n\n"
        "- eerste\n"
        "- tweede\n\n"
        "Naam Waarde\n"
        "a b\n\n"
        "Groet,\n"
        "Jan"
    )
    assert "HTML converted to text" in parsed.notes
    assert "alert" not in parsed.body
    assert "color" not in parsed.body
    assert "Mailtitel" not in parsed.body
    assert "commentaar" not in parsed.body
    assert parsed.rules_text.endswith("a b")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<pre>  x = 1\n  y = 2</pre>", "x = 1\n  y = 2"),
        ("<blockquote>oud<br>bericht</blockquote><p>nieuw</p>", "> oud\n> bericht\n\nnieuw"),
        ("<p>Unclosed <b>bold <i>italic", "Unclosed bold italic"),
        ("<style>never closed", ""),
        ("<p>a &unknown; b &amp;amp;</p>", "a &unknown; b &amp;"),
        ("<![CDATA[x]]><!weird><?php echo 1 ?>tekst", "tekst"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    "hostile",
    ["<a " * 50_000, "<!--" * 50_000, "</" * 50_000, "<![" * 50_000, "<b>" * 50_000],
    ids=["unclosed-tags", "unclosed-comments", "unclosed-end-tags", "unclosed-cdata", "tags"],
)
def test_hostile_html_is_converted_in_linear_time(hostile: str) -> None:
    # Python 3.11's HTMLParser needs minutes for 150 KB of unclosed '<a ' (quadratic rescans).
    started = time.perf_counter()
    text = html_to_text(hostile + "<p>einde</p>")
    assert time.perf_counter() - started < 5
    assert text.endswith("einde") or not text


def test_unclosed_comment_hides_the_rest_like_a_browser() -> None:
    assert html_to_text("<p>zichtbaar</p><!-- verborgen <p>ook</p>") == "zichtbaar"
    assert html_to_text("a <!-- x --> b <!-- y --> c") == "a b c"
    assert html_to_text("if a < b then") == "if a < b then"


def test_alternative_prefers_plain_text() -> None:
    raw = mail(
        HEADERS + "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="ALT"\n\n'
        "--ALT\nContent-Type: text/plain; charset=utf-8\n\nPlatte tekst\n"
        "--ALT\nContent-Type: text/html; charset=utf-8\n\n<p>HTML <b>tekst</b></p>\n"
        "--ALT--\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "Platte tekst"
    assert "HTML converted to text" not in parsed.notes


def test_alternative_with_empty_plain_uses_html() -> None:
    raw = mail(
        HEADERS + "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="ALT"\n\n'
        "--ALT\nContent-Type: text/plain; charset=utf-8\n\n\n"
        "--ALT\nContent-Type: text/html; charset=utf-8\n\n<p>Alleen <b>HTML</b></p>\n"
        "--ALT--\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "Alleen HTML"
    assert "HTML converted to text" in parsed.notes


PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100

NESTED = f"""\
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="OUTER"

This is a multi-part message in MIME format.
--OUTER
Content-Type: multipart/alternative; boundary="ALT"

--ALT
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Zie de bijlage: de factuur klopt niet.=0A

--ALT
Content-Type: multipart/related; boundary="REL"

--REL
Content-Type: text/html; charset=utf-8

<p>Zie de bijlage: de factuur klopt niet.</p><img src="cid:logo">
--REL
Content-Type: image/png; name="logo.png"
Content-ID: <logo>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

{b64(PNG)}
--REL--

--ALT--

--OUTER
Content-Type: application/pdf; name="factuur.pdf"
Content-Disposition: attachment; filename="factuur.pdf"
Content-Transfer-Encoding: base64

{b64(PDF)}
--OUTER
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=utf-8''rapport%20%C3%A9%C3%A9n.xlsx
Content-Transfer-Encoding: base64

{b64(b"xlsx")}
--OUTER
Content-Type: text/csv; charset=utf-8
Content-Disposition: attachment

a;b
1;2
--OUTER
Content-Type: message/rfc822

From: collega@klant.nl
Subject: Eerdere melding

Dit is het doorgestuurde bericht.
--OUTER--
"""


def test_nested_multipart_with_attachments() -> None:
    parsed = parse_email(mail(HEADERS + NESTED))
    assert parsed.body == "Zie de bijlage: de factuur klopt niet."
    names = [attachment.name for attachment in parsed.attachments]
    assert names == [
        "logo.png",
        "factuur.pdf",
        "rapport één.xlsx",
        "unnamed.csv",
        "Eerdere melding.eml",
    ]
    by_name = {attachment.name: attachment for attachment in parsed.attachments}
    assert by_name["factuur.pdf"] == Attachment(
        name="factuur.pdf", content_type="application/pdf", size=len(PDF)
    )
    assert by_name["logo.png"] == Attachment(
        name="logo.png", content_type="image/png", size=len(PNG)
    )
    assert by_name["rapport één.xlsx"].size == 4
    assert by_name["unnamed.csv"] == Attachment(
        name="unnamed.csv", content_type="text/csv", size=len(b"a;b\r\n1;2")
    )
    assert by_name["Eerdere melding.eml"].content_type == "message/rfc822"
    assert by_name["Eerdere melding.eml"].size > 0
    for leaked in ("PDF", "JVBER", "doorgestuurde", "a;b", "multi-part message"):
        assert leaked not in parsed.body


def test_inline_text_part_with_filename_is_body() -> None:
    # mutt and Apple Mail send the typed text as an inline part with a filename.
    raw = mail(
        HEADERS + 'Content-Type: multipart/mixed; boundary="B"\n\n'
        '--B\nContent-Type: text/plain\nContent-Disposition: inline; filename="msg.txt"\n\n'
        "De app start niet.\n--B--\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "De app start niet."
    assert parsed.attachments == ()


def test_text_attachment_is_not_body() -> None:
    raw = mail(
        HEADERS + 'Content-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nZie log.\n"
        '--B\nContent-Type: text/plain\nContent-Disposition: attachment; filename="app.log"\n\n'
        "ERROR 500 at line 1\n--B--\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "Zie log."
    assert parsed.attachments == (
        Attachment(name="app.log", content_type="text/plain", size=len(b"ERROR 500 at line 1")),
    )


def test_forwarded_message_as_whole_body_is_an_attachment() -> None:
    raw = mail(
        "From: jan@klant.nl\nSubject: Fwd: melding\nContent-Type: message/rfc822\n\n"
        "From: piet@klant.nl\nSubject: Storing\n\nAlles ligt plat.\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == ""
    assert [(a.name, a.content_type) for a in parsed.attachments] == [
        ("Storing.eml", "message/rfc822")
    ]


def test_mime_defects_become_notes_not_errors() -> None:
    raw = mail(
        HEADERS + 'Content-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nDe laatste grens ontbreekt.\n"
    )
    parsed = parse_email(raw)
    assert parsed.body == "De laatste grens ontbreekt."
    assert "MIME defects: CloseBoundaryNotFoundDefect" in parsed.notes


def test_multipart_without_boundary_is_read_as_text() -> None:
    raw = mail(HEADERS + "Content-Type: multipart/mixed\n\nToch leesbaar.\n")
    parsed = parse_email(raw)
    assert parsed.body == "Toch leesbaar."
    assert "multipart/mixed without parts was read as plain text" in parsed.notes
    assert any(note.startswith("MIME defects: ") for note in parsed.notes)


def test_missing_header_body_separator() -> None:
    raw = mail("From: jan@klant.nl\nSubject: Geen lege regel\nDit hoort bij de body.\n")
    parsed = parse_email(raw)
    assert parsed.body == "Dit hoort bij de body."
    assert "MIME defects: MissingHeaderBodySeparatorDefect" in parsed.notes


# --------------------------------------------------------------------------------------------
# What the rules read: quotes and signatures
# --------------------------------------------------------------------------------------------

REPLY_NL = """\
Dat werkt nog steeds niet.

Op di 24 nov 2026 om 10:00 schreef Jan <jan@x.nl>:
> Kunt u het opnieuw proberen?
>
> > Het rooster is leeg.
"""


@pytest.mark.parametrize(
    ("body", "rules_text"),
    [
        (REPLY_NL, "Dat werkt nog steeds niet."),
        (
            "Dat werkt nog steeds niet.\n\nOp di 24 nov 2026 om 10:00 schreef Jan de Vries <\n"
            "jan@x.nl>:\n\n> Kunt u het opnieuw proberen?\n",
            "Dat werkt nog steeds niet.",
        ),
        (
            "Nog steeds kapot.\n\nOp 24 nov. 2026 om 10:00 heeft Jan <jan@x.nl> het volgende "
            "geschreven:\n\n> Opgelost?\n",
            "Nog steeds kapot.",
        ),
        (
            "Still broken.\n\nOn Tue, Nov 24, 2026 at 10:00 AM Jan <jan@x.nl> wrote:\n> Fixed?\n",
            "Still broken.",
        ),
        (
            "Nee.\n\n-----Oorspronkelijk bericht-----\nVan: Dialog\nAan: Jan\n\nOpgelost?\n",
            "Nee.",
        ),
        (
            "No.\n\n-----Original Message-----\nFrom: Dialog\nTo: Jan\n\nFixed?\n",
            "No.",
        ),
        (
            "Op 24 nov schreef Jan:\n> Werkt het?\nNee, nog niet.\n> En de export?\nOok niet.\n",
            "Nee, nog niet.\nOok niet.",
        ),
        (
            "Gewoon een bericht.\n> een citaat middenin\nmeer tekst\n",
            "Gewoon een bericht.\nmeer tekst",
        ),
    ],
    ids=[
        "nl-gmail",
        "nl-wrapped",
        "nl-apple",
        "en",
        "oorspronkelijk",
        "original",
        "interleaved",
        "inline",
    ],
)
def test_reply_quotes_are_trimmed(body: str, rules_text: str) -> None:
    parsed = parse_email(plain(body))
    assert parsed.body == body.strip()
    assert parsed.rules_text == rules_text


OUTLOOK_NL = """\
Het probleem is nog niet opgelost, de koppeling geeft nog steeds een 500.

________________________________
Van: Dialog Support <support@dialog.nl>
Verzonden: dinsdag 24 november 2026 10:00
Aan: Jan Jansen <jan@klant.nl>
Onderwerp: RE: [#42] Koppeling

Beste Jan, kunt u het opnieuw proberen?
"""

OUTLOOK_EN = """\
Still failing.

From: Dialog Support <support@dialog.nl>
Sent: Tuesday, November 24, 2026 10:00 AM
To: Jan Jansen <jan@klant.nl>
Subject: RE: Koppeling

Could you try again?
"""


@pytest.mark.parametrize(
    ("body", "rules_text"),
    [
        (OUTLOOK_NL, "Het probleem is nog niet opgelost, de koppeling geeft nog steeds een 500."),
        (OUTLOOK_EN, "Still failing."),
        (
            "Kapot.\n\n*From:* Dialog *Sent:* Tuesday *To:* Jan *Subject:* RE: x\n\nOud.\n",
            "Kapot.",
        ),
    ],
    ids=["van-verzonden", "from-sent", "one-line"],
)
def test_outlook_blocks_are_trimmed(body: str, rules_text: str) -> None:
    parsed = parse_email(plain(body))
    assert parsed.body == body.strip()
    assert parsed.rules_text == rules_text


def test_html_reply_quote_is_trimmed() -> None:
    html = (
        "<div>Nog steeds kapot.</div><br><div class=gmail_quote>"
        "<div>Op di 24 nov 2026 om 10:00 schreef Dialog &lt;support@dialog.nl&gt;:</div>"
        "<blockquote>Opgelost?</blockquote></div>"
    )
    raw = mail(HEADERS + "Content-Type: text/html; charset=utf-8\n\n" + html)
    parsed = parse_email(raw)
    assert "> Opgelost?" in parsed.body
    assert parsed.rules_text == "Nog steeds kapot."


@pytest.mark.parametrize(
    ("body", "rules_text"),
    [
        ("De export faalt.\n\n-- \nJan Jansen\n06-12345678\n", "De export faalt."),
        (
            "De export faalt.\n\nMet vriendelijke groet,\n\nJan Jansen\nKlant B.V.\n020-1234567\n",
            "De export faalt.",
        ),
        ("De export faalt.\nGroet,\nPiet", "De export faalt."),
        ("De export faalt.\n\nKind regards,\nJohn Smith\nAcme Ltd.", "De export faalt."),
        ("De export faalt.\n\nMvg\nPiet", "De export faalt."),
        ("De export faalt.\nAlvast bedankt!\nPiet", "De export faalt."),
        # Not signatures: a sign-off followed by real text, a greeting inside a sentence.
        (
            "Groeten,\n\nhier volgt een lange uitleg van het probleem die langer is dan een "
            "handtekening ooit zou zijn, want het rooster laat geen lessen meer zien.",
            None,
        ),
        ("Groeten uit Amsterdam, waar de app niet werkt.", None),
        ("Twee streepjes\n--\nen daarna nog veel meer tekst\n" + "regel\n" * 10, None),
    ],
    ids=[
        "dash-dash-space",
        "met-vriendelijke-groet",
        "groet",
        "kind-regards",
        "mvg",
        "alvast-bedankt",
        "long-after-sign-off",
        "greeting-in-sentence",
        "bare-dashes-divider",
    ],
)
def test_signature_is_trimmed(body: str, rules_text: str | None) -> None:
    parsed = parse_email(plain(body))
    assert parsed.body == body.strip()
    assert parsed.rules_text == (parsed.body if rules_text is None else rules_text)


def test_forwarded_message_keeps_the_forwarded_text() -> None:
    body = (
        "Zie hieronder.\n\n"
        "-----Original Message-----\n"
        "From: Klant <k@klant.nl>\n"
        "Sent: maandag 23 november 2026\n\n"
        "Het rooster is leeg!\n"
    )
    headers = HEADERS.replace("Subject: Inloggen lukt niet", "Subject: FW: rooster leeg")
    parsed = parse_email(plain(body, headers=headers))
    assert parsed.rules_text == parsed.body


def test_only_quote_falls_back_to_the_whole_body() -> None:
    body = "> Alleen een citaat\n> zonder eigen tekst"
    parsed = parse_email(plain(body))
    assert parsed.rules_text == body
    assert (
        "trimming quotes and signature left no text; the rules read the whole body" in parsed.notes
    )


def test_trim_reply_returns_body_itself_when_nothing_changes() -> None:
    body = "Gewoon tekst\nzonder citaten"
    assert trim_reply(body) is body


def test_huge_line_does_not_slow_trimming() -> None:
    body = "Op " + "x" * 100_000 + " schreef:\n> oud"
    assert trim_reply(body) == "Op " + "x" * 100_000 + " schreef:"


# --------------------------------------------------------------------------------------------
# Auto-replies and bounces
# --------------------------------------------------------------------------------------------


BOUNCE = """\
From: Mail Delivery System <MAILER-DAEMON@mx.klant.nl>
To: support@dialog.nl
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.
--R
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.klant.nl

Final-Recipient: rfc822; jan@klant.nl
Action: failed
Status: 5.1.1
--R
Content-Type: text/rfc822-headers

From: support@dialog.nl
Subject: [#42] Uw melding
--R--
"""


@pytest.mark.parametrize(
    ("extra", "subject", "from_header", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", None, None, "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated; owner-email=x@y\n", None, None, "Auto-Submitted"),
        ("X-Autoreply: yes\n", None, None, "X-Autoreply: yes"),
        ("X-Autorespond: Ik ben afwezig\n", None, None, "X-Autorespond"),
        ("Precedence: bulk\n", None, None, "Precedence: bulk"),
        ("Precedence: JUNK\n", None, None, "Precedence: junk"),
        ("Precedence: list\n", None, None, "Precedence: list"),
        ("Precedence: auto_reply\n", None, None, "Precedence: auto_reply"),
        ("", None, "MAILER-DAEMON@mx.klant.nl", "sent by mailer-daemon@mx.klant.nl"),
        ("", None, "Postmaster <postmaster@klant.nl>", "sent by postmaster@klant.nl"),
        ("", "Automatisch antwoord: Inloggen lukt niet", None, "subject starts with"),
        ("", "Auto: Inloggen lukt niet", None, "subject starts with 'Auto:'"),
        ("", "AUTO:Inloggen", None, "subject starts with 'AUTO:'"),
        ("", "Automatic reply: Inloggen", None, "subject starts with"),
        ("", "Out of Office: tot 1 december", None, "subject starts with"),
        ("", "Afwezig: Inloggen", None, "subject starts with"),
        ("", "Undeliverable: Inloggen", None, "subject starts with"),
        ("", "Mail delivery failed: returning message", None, "subject starts with"),
        ("", "Delivery Status Notification (Failure)", None, "subject starts with"),
    ],
)
def test_auto_replies(
    extra: str, subject: str | None, from_header: str | None, reason: str
) -> None:
    headers = HEADERS
    if subject is not None:
        headers = headers.replace("Subject: Inloggen lukt niet", f"Subject: {subject}")
    if from_header is not None:
        headers = headers.replace("From: Jan Jansen <Jan.Jansen@Klant.NL>", f"From: {from_header}")
    parsed = parse_email(plain("Ik ben afwezig tot maandag.", headers=headers, extra=extra))
    assert parsed.auto_reply is True
    assert parsed.auto_reply_reason is not None
    assert reason in parsed.auto_reply_reason


def test_multipart_report_bounce() -> None:
    parsed = parse_email(mail(BOUNCE))
    assert parsed.auto_reply is True
    assert parsed.auto_reply_reason == "sent by mailer-daemon@mx.klant.nl"
    assert parsed.body == (
        "I'm sorry to have to inform you that your message could not be delivered."
    )
    assert [a.content_type for a in parsed.attachments] == [
        "message/delivery-status",
        "text/rfc822-headers",
    ]


def test_multipart_report_from_a_person_address_is_still_a_bounce() -> None:
    raw = mail(BOUNCE.replace("MAILER-DAEMON@mx.klant.nl", "jan@klant.nl"))
    parsed = parse_email(raw)
    assert parsed.auto_reply_reason == "Content-Type multipart/report (a bounce or delivery report)"


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: no\n",
        "Auto-Submitted: No\n",
        "X-Auto-Response-Suppress: All\n",
        "X-Auto-Response-Suppress: OOF\n",
        "Precedence: first-class\n",
        "X-Autoreply: no\n",
        "",
    ],
)
def test_normal_messages_are_not_auto_replies(extra: str) -> None:
    parsed = parse_email(plain("Het rooster werkt niet.", extra=extra))
    assert parsed.auto_reply is False
    assert parsed.auto_reply_reason is None


@pytest.mark.parametrize(
    "subject",
    [
        "Afwezigheid van leerlingen niet zichtbaar",
        "Re: Out of Office-melding komt bij ons binnen",
        "Automatisering van de export",
        "Autorisatie werkt niet",
        "Undeliverables in de export",
        "Inloggen: Out of Office",
    ],
)
def test_subjects_that_only_resemble_auto_replies(subject: str) -> None:
    headers = HEADERS.replace("Subject: Inloggen lukt niet", f"Subject: {subject}")
    assert parse_email(plain("tekst", headers=headers)).auto_reply is False


# --------------------------------------------------------------------------------------------
# Ticket tags, threading ids, truncation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "tag"),
    [
        ("Re: [#42] Inloggen", 42),
        ("[#7]", 7),
        ("Inloggen [# 1234 ] nog steeds", 1234),
        ("Re: Re: [#42] Inloggen [#43]", 42),
        ("Inloggen #42", None),
        ("[#abc] Inloggen", None),
        ("[42] Inloggen", None),
        ("[#" + "9" * 50 + "]", None),
    ],
)
def test_ticket_tag(subject: str, tag: int | None) -> None:
    headers = HEADERS.replace("Subject: Inloggen lukt niet", f"Subject: {subject}")
    assert parse_email(plain("tekst", headers=headers)).ticket_tag == tag


def test_in_reply_to_and_references() -> None:
    extra = "In-Reply-To: <b@dialog.nl>\nReferences: <a@dialog.nl>\n <b@dialog.nl>\t<a@dialog.nl>\n"
    parsed = parse_email(plain("tekst", extra=extra))
    assert parsed.in_reply_to == ("<b@dialog.nl>",)
    assert parsed.references == ("<a@dialog.nl>", "<b@dialog.nl>")
    report = to_report(parsed, RECEIVED, "email:<abc123@klant.nl>")
    assert report.references == ("<b@dialog.nl>", "<a@dialog.nl>")


def test_message_ids_without_angle_brackets() -> None:
    parsed = parse_email(plain("tekst", extra="In-Reply-To: b@dialog.nl (Dialog)\n"))
    assert parsed.in_reply_to == ("b@dialog.nl",)


def test_message_id_is_stripped_and_kept_in_brackets() -> None:
    headers = HEADERS.replace("Message-ID: <abc123@klant.nl>", "Message-ID:   <abc123@klant.nl>  ")
    assert parse_email(plain("tekst", headers=headers)).message_id == "<abc123@klant.nl>"


def test_missing_message_id() -> None:
    headers = HEADERS.replace("Message-ID: <abc123@klant.nl>\n", "")
    parsed = parse_email(plain("tekst", headers=headers))
    assert parsed.message_id is None
    assert to_report(parsed, RECEIVED, "email-sha256:x").message_id is None


def test_huge_body_is_truncated() -> None:
    body = "Het rooster is leeg. " * 15_000  # 315,000 characters
    parsed = parse_email(plain(body))
    assert parsed.truncated is True
    assert len(parsed.body) == 200_000
    assert parsed.body == body.strip()[:200_000]
    assert "body truncated at 200,000 characters (it had 314,999)" in parsed.notes
    report = to_report(parsed, RECEIVED, "k")
    assert len(report.body) == 200_000


def test_max_body_chars() -> None:
    parsed = parse_email(plain("0123456789abcdef"), max_body_chars=10)
    assert (parsed.body, parsed.truncated) == ("0123456789", True)
    assert parse_email(plain("0123456789"), max_body_chars=10).truncated is False


@pytest.mark.parametrize("limit", [0, -1, MAX_TEXT_CHARS + 1])
def test_max_body_chars_must_fit_a_report(limit: int) -> None:
    with pytest.raises(ValueError, match="max_body_chars"):
        parse_email(plain("tekst"), max_body_chars=limit)


def test_huge_subject_is_cut() -> None:
    headers = HEADERS.replace("Subject: Inloggen lukt niet", "Subject: " + "lang " * 2_000)
    parsed = parse_email(plain("tekst", headers=headers))
    assert len(parsed.subject) == 1_000
    assert "subject truncated at 1,000 characters" in parsed.notes


# --------------------------------------------------------------------------------------------
# Input that cannot become a report
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty input (0 bytes)"),
        (b"  \r\n\r\n\t", "input is only whitespace"),
        (bytes(range(256)) * 8, "not an email"),
        (b"\x00\x01\x02garbage\xff\xfe", "not an email"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an email"),
        (b"Hallo, dit is geen e-mail maar gewoon tekst.\n", "not an email"),
        (b"Note: dit lijkt een header\n\nmaar is het niet", "not an email"),
        (b"To: support@dialog.nl\r\n\r\n", "no sender, no subject and no body text"),
        (b"To: support@dialog.nl\r\n\r\n \r\n\t\r\n", "no sender, no subject and no body text"),
        (
            b"Content-Type: application/pdf; name=a.pdf\r\n\r\n%PDF",
            "no sender, no subject and no body text (only 1 attachment(s))",
        ),
    ],
    ids=[
        "empty",
        "whitespace",
        "binary",
        "control-bytes",
        "png",
        "plain-text",
        "fake-header",
        "headers-only",
        "blank-body",
        "attachment-only",
    ],
)
def test_input_that_is_not_a_report_is_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(EmailParseError) as caught:
        parse_email(raw)
    assert reason in str(caught.value)
    assert caught.value.reason == str(caught.value)
    assert isinstance(caught.value, AdapterError)


@pytest.mark.parametrize(
    "raw",
    [
        b"From: jan@klant.nl\r\n\r\n",
        b"Subject: alleen een onderwerp\r\n\r\n",
        b"Content-Type: text/plain\r\n\r\nAlleen een body",
    ],
    ids=["only-from", "only-subject", "only-body"],
)
def test_one_of_sender_subject_body_is_enough(raw: bytes) -> None:
    parsed = parse_email(raw)
    report = to_report(parsed, RECEIVED, "k")
    assert report.body.strip() or report.subject.strip()


# --------------------------------------------------------------------------------------------
# to_report
# --------------------------------------------------------------------------------------------


def test_to_report_maps_every_field() -> None:
    raw = mail(
        HEADERS.replace("Subject: Inloggen lukt niet", "Subject: Re: [#42] Inloggen")
        + "In-Reply-To: <r@dialog.nl>\n"
        + NESTED.replace(
            "Zie de bijlage: de factuur klopt niet.=0A",
            "Zie de bijlage.=0A=0AOp 23 nov schreef Dialog:=0A> Stuur de factuur?",
        )
    )
    parsed = parse_email(raw)
    report = to_report(parsed, RECEIVED, "email:<abc123@klant.nl>")
    assert isinstance(report, Report)
    assert report.channel is Channel.EMAIL
    assert report.received_at == RECEIVED
    assert report.sender == "jan.jansen@klant.nl"
    assert report.sender_name == "Jan Jansen"
    assert report.subject == "Re: [#42] Inloggen"
    assert report.body == "Zie de bijlage.\n\nOp 23 nov schreef Dialog:\n> Stuur de factuur?"
    assert report.rules_text == "Zie de bijlage."
    assert report.text == "Re: [#42] Inloggen\nZie de bijlage."
    assert report.attachments == parsed.attachments
    assert len(report.attachments) == 5
    assert report.source_key == "email:<abc123@klant.nl>"
    assert report.message_id == "<abc123@klant.nl>"
    assert report.references == ("<r@dialog.nl>",)
    assert report.notes == parsed.notes
    assert report.priority is None
    assert parsed.ticket_tag == 42


def test_to_report_leaves_rules_text_unset_when_nothing_was_trimmed() -> None:
    report = to_report(parse_email(plain("Gewoon tekst.")), RECEIVED, "k")
    assert report.rules_text is None
    assert report.body == "Gewoon tekst."


def test_to_report_of_an_email_without_subject_and_body() -> None:
    parsed = parse_email(b"From: Jan <jan@klant.nl>\r\nMessage-ID: <x@y>\r\n\r\n")
    assert (parsed.subject, parsed.body) == ("", "")
    report = to_report(parsed, RECEIVED, "k")
    assert report.body == EMPTY_BODY == "(lege e-mail)"
    assert report.rules_text is None
    assert report.sender == "jan@klant.nl"
    assert any("no subject and no body text" in note for note in report.notes)


def test_to_report_never_passes_an_oversized_body() -> None:
    parsed = dataclasses.replace(parse_email(plain("x")), body="x" * (MAX_TEXT_CHARS + 5))
    report = to_report(parsed, RECEIVED, "k")
    assert len(report.body) == MAX_TEXT_CHARS
    assert any(note.startswith("body truncated at 1,000,000") for note in report.notes)


def test_to_report_refuses_a_naive_received_at() -> None:
    with pytest.raises(ValueError, match="timezone"):
        to_report(parse_email(plain("x")), datetime(2026, 11, 24, 9, 30), "k")


def test_parsed_email_type() -> None:
    assert isinstance(parse_email(plain("x")), ParsedEmail)


def test_message_id_with_encoded_line_break_is_cleaned() -> None:
    """A CR/LF smuggled into the Message-ID would end up in our In-Reply-To header."""
    raw = b"From: a@b.nl\r\nSubject: x\r\nMessage-ID: =?utf-8?q?<a=0D=0Ab@x>?=\r\n\r\nhallo\r\n"
    parsed = parse_email(raw)
    assert parsed.message_id == "<ab@x>"

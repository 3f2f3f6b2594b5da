"""What three ways of trimming a report keep as "the newest text the customer wrote".

Issue 11, item 1: evaluate `mail-parser-reply` (it knows Dutch) against today's trimming.

    reading    bot.reading.read_report(subject, body).body (newest text + forwarded report)
    trim       adapters.email.quoting.trim_reply(body, forwarded=is_forward(subject)), as
               adapters.email.parse calls it
    mpr-latest EmailReplyParser(languages=["nl", "en"]).parse_reply(body) of mail-parser-reply:
               its "latest reply", which still carries signature and disclaimer
    mpr-body   the same first reply's `.body` (its signature and disclaimers removed)
    mpr-lists  `.body` with keep_hyphen_lists=True (by default a "- item" line is a signature)

Inputs: all of ../shared/corpora/email/ (through adapters.email.parse), the subject/body of
tests/data/triage_tuning.jsonl (the held-out and validation sets are never read) and OWN_TEXT,
hand-written mails with client formats the other two lack. TRUTH is hand-checked: per message
the phrases the newest text MUST keep (the customer's new words; for a forward also the
forwarded report) and MUST drop (quoted history, signature names and job titles, disclaimers,
mobile footers), compared case-insensitively with whitespace collapsed. Printed per approach:
TRUTH messages keeping all must-keep phrases, dropping all must-drop phrases, both; inputs it
changed; messages/s over all inputs; then every TRUTH failure.

Needs `.venv/bin/pip install mail-parser-reply` (not a project dependency). From the repo root:
    .venv/bin/python bench/reading_compare.py
    .venv/bin/python bench/reading_compare.py --show t064 own:o08   # each approach's text
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mailparser_reply import EmailMessage, EmailReplyParser

from adapters.email.headers import is_forward
from adapters.email.parse import EmailParseError, parse_email
from adapters.email.quoting import trim_reply
from bot.reading import read_report

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora" / "email"
TUNING = REPO / "tests" / "data" / "triage_tuning.jsonl"
LANGUAGES = ["nl", "en"]
MIN_SECONDS = 0.5  # time each approach for at least this long

# Hand-written mails (id "own:oNN"), each after a line "=== oNN | subject".
OWN_TEXT = """\
=== o01 | RE: Nmbrs-koppeling
Goedemiddag,
De koppeling met Nmbrs geeft sinds vanochtend weer "401 Unauthorized".

Met vriendelijke groet,
Peter de Groot
Functioneel beheerder | Gemeente Westerveld
T 0521 123 456

________________________________
Van: Dialog Support <support@dialog.nl>
Verzonden: dinsdag 3 november 2026 10:14
Aan: Peter de Groot <p.degroot@westerveld.nl>
Onderwerp: RE: Nmbrs-koppeling

Beste Peter, de koppeling is weer actief.
=== o02 | RE: Export
Hoi,
Ook vandaag weer: de export naar Excel blijft hangen op 99%.

Groet,
Ilse

-----Oorspronkelijk bericht-----
Van: Dialog Support <support@dialog.nl>
Verzonden: vrijdag 30 oktober 2026 15:02
Aan: Ilse Meijer
Onderwerp: RE: Export

Hallo Ilse, kun je het morgen nog eens proberen? Het zou opgelost moeten zijn.
=== o03 | Re: 360
Nog steeds geen toegang tot de 360-resultaten, ook niet na uitloggen.

Verstuurd vanaf mijn iPhone

Op 2 nov. 2026 om 14:03 heeft Dialog Support <support@dialog.nl> het volgende
geschreven:
> Hallo Kim,
> Kun je het nog een keer proberen na opnieuw inloggen?
=== o04 | Re: Gesprekken leeg
Het probleem is terug: de gesprekken van team Zuid zijn leeg.

Op ma 2 nov. 2026 om 09:12 schreef Dialog Support <
support@dialog.nl>:
> Beste Anna,
> Het probleem is verholpen.
=== o05 | Re: Laadtijd
Op di 3 nov. 2026 om 11:00 schreef Dialog Support <support@dialog.nl>:
> Welke browser gebruiken jullie?

Edge, versie 130.

> Bij hoeveel gebruikers speelt het?

Bij de hele afdeling Financiën, 12 mensen.
=== o06 | Nieuwe cyclus
Hallo,
Bij het aanmaken van een nieuwe cyclus gaat het volgende mis:
- de sjablonen worden niet gekopieerd
- de deadlines staan allemaal op 1 januari

Groet,
Sanne
=== o07 | Fwd: Dialog app
Zie hieronder, kunnen jullie hiernaar kijken?

Met vriendelijke groet,
Rob Dekker
HR Business Partner

Begin doorgestuurd bericht:
Van: Tim Bos <t.bos@hofstede.nl>
Onderwerp: Dialog app
Datum: 4 november 2026 om 08:15:22 CET
Aan: Rob Dekker <r.dekker@hofstede.nl>

Hoi Rob, de app logt me elke vijf minuten uit, ook als ik bezig ben met een verslag.
Tim
=== o08 | RE: Evaluaties Emmen
Klopt, het gaat om alle 40 medewerkers van locatie Emmen.

Van: Dialog Support <support@dialog.nl> Verzonden: maandag 2 november 2026 10:00 \
Aan: Lotte Smit <l.smit@zorg.nl> Onderwerp: RE: Evaluaties Emmen

Gaat het om alle medewerkers van Emmen of een deel?
=== o09 | Re: Seite
Die Seite lädt immer noch nicht.
Am Mo., 2. Nov. 2026 um 10:00 Uhr schrieb Dialog Support <support@dialog.nl>:
> Bitte versuchen Sie es noch einmal.
=== o10 | Taal
Goedemorgen,
Kunnen jullie de taal van onze omgeving op Engels zetten?

Mvg,
Jan Visser
Teamleider ICT

De informatie verzonden met dit e-mailbericht is uitsluitend bestemd voor de geadresseerde.
=== o11 | Inloggen
Niemand kan inloggen, ook niet via de app!!

Outlook voor iOS downloaden<https://aka.ms/o0ukef>
=== o12 | Re: Scores
Hallo,
Bedankt!
Maar nu zie ik dat de scores van vorig jaar weg zijn.

Groet,
Fleur
=== o13 | Fwd: Payroll export
Hi support, see below from our finance team.

Regards,
Nadia Rahman
Security Officer

---------- Forwarded message ---------
From: Mark de Wit <m.dewit@brightlane.com>
Date: Tue, 3 Nov 2026 at 09:41
Subject: Payroll export
To: Nadia Rahman <n.rahman@brightlane.com>

Nadia, the payroll export from Dialog has been empty since Monday.
Mark
=== o14 | Rapportage
Goedemiddag,
De rapportage voortgang doelen toont voor team Noord geen cijfers meer.

Met vriendelijke groet / Kind regards,
Sanne Peters
HR-adviseur | Kinderopvang De Zon
=== o15 | Datalek?
Hallo,
Sinds de release zien medewerkers vertrouwelijke informatie van collega's in hun dashboard.

Groet,
Kim
=== o16 | Re: Export
Hallo,
Dit bericht is een aanvulling op mijn melding van gisteren: ook de PDF-export faalt.

Groet,
Kim
=== o17 | Fwd: Fwd: Verslag
Zie onderstaande keten.

---------- Doorgestuurd bericht ---------
Van: Rik Hofman <r.hofman@lindendaal.nl>
Datum: di 3 nov 2026 om 10:02
Onderwerp: Fwd: Verslag
---------- Doorgestuurd bericht ---------
Van: Tom Kok <t.kok@lindendaal.nl>
Datum: di 3 nov 2026 om 09:40
Onderwerp: Verslag

Mijn gespreksverslag verdwijnt na het opslaan.
"""

_DISC_LD = "niet aansprakelijk"  # Lindendaal's and Bakker's disclaimers
_DISC_ZN = "uitsluitend bestemd"  # Zorggroep Noord's disclaimer

# id: (must keep, must drop). Tuning ids are "tNNN", corpus ids "folder/file".
TRUTH: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # corpora: replies, forwards, signatures, bounces, list footers
    "flanker/from-encoding.eml": (("Isn't that the case for almost every other",), ("real uid",)),
    "flanker/mailgun-pic.eml": (("\u041c\u0435\u0439\u043b\u0433\u0430\u043d!",), ("Alex",)),
    "flanker/multi-received-headers.eml": (("Forward please",), ("Regards,",)),
    "flanker/quoted-printable.eml": (("long links", "mailgun.com/signup"), ("Thanks, Bob",)),
    "flanker/relative.eml": (("This is html and text message, thanks",), ("Regards, Bob",)),
    "flanker/spam_broken-ctype.eml": (("seeking for a serious relationship",), ("Dinna",)),
    "flanker/bounce_gmail-no-dns.eml": (("DNS Error: Domain name not found",), ("boundary=",)),
    "flanker/bounce_broken-mime.eml": (("Delivery failed 10 attempts",), ("Hey there",)),
    "flanker/message-external-body.eml": (("Actual work on", "New Internet-Draft is"), ()),
    "cpython/msg_02.txt": (("Today's Topics",), ("Ppp mailing list Ppp@zzz.org",)),
    "cpython/msg_16.txt": (("Your message cannot be delivered", "reached disk quota"), ()),
    "cpython/msg_38.txt": (("much breakage of MIME parsers",), ("happy childhood",)),
    "cpython/msg_39.txt": ((), ("happy childhood",)),
    "cpython/msg_43.txt": (("blocked by our Spam Firewall", "Spam Firewall is set to block"), ()),
    # tuning: signatures (with and without a sign-off) and disclaimers
    "t001": (("SSO-domein van onze omgeving",), ("ICT-coördinator", "Disclaimer")),
    "t002": (("evaluatie weer openzetten",), ("P&O-adviseur", _DISC_LD)),
    "t003": (("Exporteer naar Excel", "Excel echt nodig"), ("HR-adviseur", _DISC_ZN)),
    "t008": (("Internal Server Error", "met spoed"), ("Applicatiebeheerder", "050 123", _DISC_ZN)),
    "t014": (("organisatienaam niet aanpassen",), ("Applicatiebeheerder", _DISC_ZN)),
    "t015": (("code E-4021", "call me back"), ("HR Manager", "222 3344", "intended recipient")),
    "t018": (("niemand een nieuw doel aanmaken", "snel weer werkt"), ("HR-adviseur", _DISC_ZN)),
    "t030": (("Afspraken en ontwikkeling", "geen officieel stuk"), ("HR Business Partner",)),
    "t031": (("Android-app crasht",), ("Teamleider Storingsdienst", "geen rechten worden")),
    "t036": (("without logging in", "security incident"), ("Information Security", _DISC_ZN)),
    "t052": (("niemand meer evaluaties kan openen", "factuur"), ("Urgentie & Acute", _DISC_ZN)),
    "t054": (("User not found", "B2B guests"), ("Security Officer",)),
    "t082": (("kalibratieweergave", "evaluatie van het eerste jaar"), ("Urgentie & Acute",)),
    "t107": (("een uur te vroeg", "daar te kijken"), ("HR Manager", _DISC_LD)),
    "t127": (("resetlink van gebruiker A", "per omgaande contact"), ("CISO", _DISC_ZN)),
    "t137": (("500-fout op GET /api/v2/employees",), ("Developer",)),
    # tuning: replies and forwards
    "t026": (("verklaring sturen van de oorzaak",), ("Graag met spoed", "ICT-coördinator")),
    "t037": (("op dit moment een", "zelfevaluatie", "vrijdag"), ("P&O-adviseur", _DISC_LD)),
    "t064": (("nog niet opgelost", "zijn laptop"), ("aanpassing gedaan", "Controller", _DISC_LD)),
    "t093": (("alleen bij haar te spelen", "laadt heel traag"), (_DISC_ZN,)),
    "t106": (("Het is weer mis", "AADSTS50011"), ("Excuses voor het ongemak", _DISC_LD)),
    "t109": (("deze vraag beantwoorden", "doelen van vorig jaar terugzien"), (_DISC_ZN,)),
    "t118": (("blijven de antwoorden",), ("verholpen", "misgegaan", "HR Manager", _DISC_LD)),
    "t120": (("Export mislukt", "Voorlopig exporteer ik"), ("fix uitgerold",)),
    "t121": (("nobody can complete", "thrown back to the first question"), ("Disclaimer",)),
    "t156": (("openbare statuspagina",), ("Het is weer mis", "Disclaimer")),
    "t166": (("Jaargesprek 2027",), ("'Jaargesprek 2026' staat op vergrendeld", "Disclaimer")),
    # own set
    "own:o01": (("401 Unauthorized",), ("Functioneel beheerder", "weer actief")),
    "own:o02": (("blijft hangen op 99%",), ("opgelost moeten zijn",)),
    "own:o03": (("geen toegang tot de 360-resultaten",), ("Verstuurd vanaf", "opnieuw inloggen")),
    "own:o04": (("team Zuid zijn leeg",), ("Het probleem is verholpen",)),
    "own:o05": (("Edge, versie 130", "afdeling Financiën, 12 mensen"), ("Welke browser",)),
    "own:o06": (("niet gekopieerd", "allemaal op 1 januari"), ("Sanne",)),
    "own:o07": (("hiernaar kijken", "elke vijf minuten uit"), ("HR Business Partner",)),
    "own:o08": (("alle 40 medewerkers",), ("of een deel",)),
    "own:o09": (("immer noch nicht",), ("noch einmal",)),
    "own:o10": (("op Engels zetten",), ("Teamleider ICT", "uitsluitend bestemd")),
    "own:o11": (("Niemand kan inloggen",), ("Outlook voor iOS",)),
    "own:o12": (("scores van vorig jaar weg",), ("Fleur",)),
    "own:o13": (("see below", "empty since Monday"), ("Security Officer",)),
    "own:o14": (("geen cijfers meer",), ("Sanne Peters", "HR-adviseur")),
    "own:o15": (("vertrouwelijke informatie van collega's",), ("Kim",)),
    "own:o16": (("ook de PDF-export faalt",), ("Kim",)),
    "own:o17": (("onderstaande keten", "verdwijnt na het opslaan"), ()),
}


def load_messages() -> dict[str, tuple[str, str]]:
    """id -> (subject, body) for every input message (corpora, tuning, own)."""
    messages: dict[str, tuple[str, str]] = {}
    for path in sorted(CORPORA.glob("*/*")):
        if path.name in {"LICENSE", "README.md"}:
            continue
        try:
            parsed = parse_email(path.read_bytes())
        except EmailParseError:
            continue  # quarantined: no text to trim
        messages[f"{path.parent.name}/{path.name}"] = (parsed.subject, parsed.body)
    with TUNING.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            messages[row["id"]] = (row.get("subject") or "", row["body"])
    for chunk in OWN_TEXT.split("=== ")[1:]:
        head, _, body = chunk.partition("\n")
        key, _, subject = head.partition(" | ")
        messages[f"own:{key}"] = (subject, body)
    return messages


def _mpr_body(keep_hyphen_lists: bool) -> Callable[[str, str], str]:
    def newest(_subject: str, body: str) -> str:
        message = EmailMessage(
            text=body, languages=list(LANGUAGES), keep_hyphen_lists=keep_hyphen_lists
        ).read()
        return message.replies[0].body if message.replies else ""

    return newest


_PARSER = EmailReplyParser(languages=list(LANGUAGES))

APPROACHES: dict[str, Callable[[str, str], str]] = {
    "reading": lambda subject, body: read_report(subject, body).body,
    "trim": lambda subject, body: trim_reply(body, forwarded=is_forward(subject)),
    "mpr-latest": lambda _subject, body: _PARSER.parse_reply(body) or "",
    "mpr-body": _mpr_body(keep_hyphen_lists=False),
    "mpr-lists": _mpr_body(keep_hyphen_lists=True),
}


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def judge(text: str, keep: tuple[str, ...], drop: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(must-keep phrases missing from `text`, must-drop phrases still in it)."""
    seen = _norm(text)
    return (
        [phrase for phrase in keep if _norm(phrase) not in seen],
        [phrase for phrase in drop if _norm(phrase) in seen],
    )


def speed(approach: Callable[[str, str], str], messages: list[tuple[str, str]]) -> float:
    """Messages/s over all inputs, repeated for at least MIN_SECONDS."""
    done, start = 0, time.perf_counter()
    while True:
        for subject, body in messages:
            approach(subject, body)
        done += len(messages)
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    cli.add_argument("--show", nargs="*", default=[], metavar="ID", help="print the texts kept")
    args = cli.parse_args(argv)
    messages = load_messages()
    missing = sorted(set(TRUTH) - set(messages))
    if missing:
        print(f"truth ids without a message: {missing}", file=sys.stderr)
        return 1
    for key in args.show:
        subject, body = messages[key]
        print(f"===== {key}  subject={subject!r}\n{body}\n")
        for name, approach in APPROACHES.items():
            print(f"--- {name}:\n{approach(subject, body)}\n")
    if args.show:
        return 0

    inputs = list(messages.values())
    own = sum(key.startswith("own:") for key in messages)
    corpora = sum("/" in key for key in messages)
    print(
        f"inputs: {len(inputs)} messages ({corpora} corpora, {len(inputs) - own - corpora}", end=""
    )
    print(f" tuning, {own} own); truth set: {len(TRUTH)} messages\n")
    header = f"{'approach':<11} {'keep all':>9} {'drop all':>9} {'both':>6} {'changed':>8} msg/s"
    print(header + "\n" + "-" * len(header))
    failures: dict[str, list[str]] = {}
    for name, approach in APPROACHES.items():
        keep_ok = drop_ok = both_ok = 0
        failures[name] = []
        for key, (keep, drop) in TRUTH.items():
            lost, left = judge(approach(*messages[key]), keep, drop)
            keep_ok += not lost
            drop_ok += not left
            both_ok += not lost and not left
            if lost or left:
                failures[name].append(f"  {key}: lost {lost}  kept {left}")
        changed = sum(_norm(approach(s, b)) != _norm(b) for s, b in inputs)
        rate = speed(approach, inputs)
        n = len(TRUTH)
        print(
            f"{name:<11} {keep_ok:>4} / {n:<2} {drop_ok:>4} / {n:<2} {both_ok:>3}/{n:<2}"
            f" {changed:>8} {rate:>9,.0f}"
        )
    print("\n(changed: inputs whose newest text differs from the whole body)")
    for name, lines in failures.items():
        print(f"\n{name}: {len(lines)} truth messages not right")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Realistic synthetic support reports for the benchmarks in this folder (not a benchmark itself).

`make_reports(n, seed, rule_set, directory)` returns `n` report dicts (the input of
`triage classify --batch`): Dutch and English support emails of roughly 300-800 characters that
mix words the loaded rules react to (taken from the rule set at run time, so new rules are
picked up) with a fixed vocabulary of typical support phrases and filler. Channels, senders
(agreed contacts, colleagues at known domains, unknown people), receipt times (November and
December 2026, +01:00) and the occasional confirmed priority are drawn from a seeded
`random.Random`, so the same seed gives the same reports.
"""

from __future__ import annotations

import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from app.bootstrap import Paths, Setup, load_setup
from bot.directory import Directory
from bot.engine.loader import RuleSet
from bot.errors import RuleSetInvalid

CET = timezone(timedelta(hours=1))
START = datetime(2026, 11, 1, tzinfo=CET)
DAYS = 61  # November and December 2026

CHANNELS = ("email", "widget", "slack", "phone")
CHANNEL_WEIGHTS = (50, 25, 15, 10)

# Phrases a support desk for an HR / appraisal platform sees; several are the kind of words the
# rule files react to (outages, errors, questions, wishes, settings requests).
SIGNAL_NL = (
    "kan niet inloggen",
    "niemand kan inloggen",
    "het platform is onbereikbaar",
    "we krijgen een foutmelding",
    "er verschijnt een 500 error",
    "de koppeling met AFAS synchroniseert niet",
    "de export naar Excel geeft een foutmelding",
    "de herinneringen worden niet verstuurd",
    "het systeem is erg traag",
    "de pagina blijft laden",
    "het wachtwoord resetten werkt niet",
    "er staat een typfout in de knop",
    "de evaluaties zijn verdwenen",
    "doelen aanmaken lukt niet",
    "er is niets kapot",
    "hoe kan ik een doel kopiëren",
    "waar vind ik het gesprekkenoverzicht",
    "hoe plan ik een voortgangsgesprek in",
    "het zou fijn zijn als we kunnen exporteren naar PDF",
    "een idee: evaluaties in het Engels",
    "kunnen jullie single sign-on instellen",
    "graag een nieuwe beheerder aanmaken",
    "kunnen jullie de rechten aanpassen",
    "de hele afdeling kan niet verder",
    "alle medewerkers zijn geblokkeerd",
    "de app crasht bij het openen",
    "workaround via CSV lukt wel",
    "spoed, dit is urgent",
    "de ideeën pagina laat niets zien",
    "de beoordelingsformulieren zijn leeg",
)
SIGNAL_EN = (
    "nobody can log in",
    "we get an error message",
    "the platform is down",
    "the export is broken",
    "the page is very slow",
    "how do I copy a goal",
    "it would be nice to export to PDF",
    "please enable single sign-on for us",
    "reminders are not being sent",
    "the integration stopped syncing",
    "password reset does not work",
    "there is a typo on the button",
    "this is urgent",
    "can you change the permissions",
)
FILLER_NL = (
    "Goedemorgen,",
    "Beste supportafdeling,",
    "Hallo team,",
    "Sinds vanochtend hebben wij hier last van.",
    "Het gaat om meerdere collega's op de afdeling personeelszaken.",
    "We hebben de browser al opnieuw opgestart en de cache geleegd.",
    "Dit speelt zowel in Chrome als in Edge.",
    "Kunnen jullie hier even naar kijken?",
    "Volgende week starten de jaargesprekken, dus het is belangrijk dat dit werkt.",
    "In de bijlage een schermafbeelding van wat we zien.",
    "Ik hoor graag wanneer we een reactie kunnen verwachten.",
    "Het probleem begon na de laatste update.",
    "Een collega van de financiële administratie heeft hetzelfde gemeld.",
    "Bij ons team in Groningen lijkt alles wel normaal te werken.",
    "Wij gebruiken de omgeving dagelijks met ongeveer tweehonderd medewerkers.",
    "Alvast bedankt voor de moeite.",
    "Met vriendelijke groet,",
    "Groeten van de afdeling HR.",
)
FILLER_EN = (
    "Good morning,",
    "Hi support team,",
    "Since this morning several colleagues have reported this.",
    "We already cleared the browser cache and tried another laptop.",
    "It happens in Chrome as well as Firefox.",
    "Could you please have a look at this?",
    "Our annual reviews start next week, so this matters to us.",
    "A screenshot is attached to this message.",
    "The problem started after the latest release.",
    "Thanks in advance for your help.",
    "Kind regards,",
    "Best regards from the HR department.",
)
TERM_TEMPLATES_NL = (
    "Het gaat om {}.",
    "Kort gezegd: {}.",
    "Een collega meldt ook: {}.",
    "Zie het onderwerp, {}.",
    "Wij zien dit: {}, al sinds gisteren.",
)
TERM_TEMPLATES_EN = (
    "In short: {}.",
    "A colleague mentions {} as well.",
    "We see this: {}, since yesterday.",
)
NAMES = ("Anja", "Pieter", "Fatima", "Joost", "Sanne", "Mehmet", "Lotte", "Daan", "Eva", "Bram")
UNKNOWN_DOMAINS = ("gmail.com", "outlook.com", "hotmail.nl", "zorgplus.nl", "example.org")
SUBJECTS_NL = ("Probleem", "Vraag", "Storing", "Idee", "Verzoek", "Melding", "Hulp nodig")
SUBJECTS_EN = ("Problem", "Question", "Issue", "Idea", "Request", "Help needed")

_REGEX_TERM = re.compile(r"^/.*/$")


def rule_phrases(rule_set: RuleSet) -> list[str]:
    """Every term of the loaded rules written as a text would contain it (wildcards filled)."""
    phrases = []
    for term in rule_set.matcher.ids:
        raw = term.strip()
        if _REGEX_TERM.match(raw):
            continue  # a regular expression: no literal text to insert
        words = []
        for word in raw.split():
            core = word.strip("*")
            if word.startswith("*"):
                core = "inlog" + core
            if word.endswith("*"):
                core += "en"
            words.append(core)
        if words:
            phrases.append(" ".join(words))
    return phrases


def senders(directory: Directory) -> dict[str, list[str]]:
    """Known senders per channel from config/organisations.yaml, plus unknown ones."""
    emails, phones, slack = [], [], []
    for org in directory.organisations.values():
        for domain in org.domains:
            emails.append(f"{random.Random(domain).choice(NAMES).lower()}@{domain}")
        for contact in org.contacts:
            if contact.email:
                emails.append(contact.email)
            if contact.phone:
                phones.append(contact.phone)
                # the same number written the Dutch way: 0xx-xxxxxxx
                phones.append("0" + contact.phone[3:5] + "-" + contact.phone[5:])
            if contact.slack_user:
                slack.append(contact.slack_user)
    return {"email": emails, "phone": phones, "slack": slack}


def _sender(rng: random.Random, channel: str, known: dict[str, list[str]]) -> str:
    use_known = rng.random() < 0.6
    if channel == "phone":
        if use_known and known["phone"]:
            return rng.choice(known["phone"])
        return f"+31 6 {rng.randrange(10_000_000, 99_999_999)}"
    if channel == "slack":
        if use_known and known["slack"]:
            return rng.choice(known["slack"])
        return f"U0{rng.randrange(10**6, 10**7):X}"
    if channel == "widget" and rng.random() < 0.1:
        return ""  # anonymous widget report
    if use_known and known["email"]:
        return rng.choice(known["email"])
    name = rng.choice(NAMES).lower()
    return f"{name}.{rng.randrange(100)}@{rng.choice(UNKNOWN_DOMAINS)}"


def _received_at(rng: random.Random) -> str:
    day = START + timedelta(days=rng.randrange(DAYS))
    business = rng.random() < 0.8  # mostly during business hours
    minute = rng.randrange(8 * 60, 18 * 60) if business else rng.randrange(24 * 60)
    return (day + timedelta(minutes=minute, seconds=rng.randrange(60))).isoformat()


def _body(rng: random.Random, english: bool, rule_terms: list[str]) -> str:
    signal = SIGNAL_EN if english else SIGNAL_NL
    filler = FILLER_EN if english else FILLER_NL
    target = rng.randint(260, 660)
    parts = [rng.choice(filler[:3])]
    length = len(parts[0])
    while length < target:
        roll = rng.random()
        if roll < 0.3 and rule_terms:
            template = rng.choice(TERM_TEMPLATES_EN if english else TERM_TEMPLATES_NL)
            sentence = template.format(rng.choice(rule_terms))
        elif roll < 0.55:
            sentence = rng.choice(signal).capitalize() + "."
        else:
            sentence = rng.choice(filler[3:-2])
        parts.append(sentence)
        length += len(sentence) + 1
    parts.append(rng.choice(filler[-2:]))
    parts.append(rng.choice(NAMES))
    return " ".join(parts)


def make_reports(
    n: int, seed: int, rule_set: RuleSet, directory: Directory
) -> list[dict[str, Any]]:
    """`n` report dicts in the `classify --batch` input format, the same for the same seed."""
    rng = random.Random(seed)
    rule_terms = rule_phrases(rule_set)
    known = senders(directory)
    reports = []
    for _ in range(n):
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        english = rng.random() < 0.25
        subjects = SUBJECTS_EN if english else SUBJECTS_NL
        subject = rng.choice(subjects)
        if rule_terms and rng.random() < 0.5:
            subject += ": " + rng.choice(rule_terms)
        reports.append(
            {
                "channel": channel,
                "received_at": _received_at(rng),
                "sender": _sender(rng, channel, known),
                "subject": "" if channel == "slack" else subject,
                "body": _body(rng, english, rule_terms),
                "priority": rng.choice(("hoog", "middel")) if rng.random() < 0.02 else None,
            }
        )
    return reports


def load_bench_setup(config_dir: Path, rules_dir: Path) -> Setup | None:
    """The real pipeline for a benchmark; prints the problems and returns None if invalid."""
    try:
        # load_setup never opens the store, so the database path is only a placeholder.
        return load_setup(Paths(config_dir, rules_dir, Path("unused.db")))
    except RuleSetInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"the rules in {rules_dir} are invalid: fix them first", file=sys.stderr)
        return None

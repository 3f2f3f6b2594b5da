"""Realistic synthetic support reports for the benchmarks in this folder (not a benchmark itself).

`make_reports(n, seed, rule_set, directory)` returns `n` report dicts (the input of
`triage classify --batch`): Dutch and English support messages that mix the words the loaded
rules react to with a fixed vocabulary of typical support phrases and filler. The rule words are
taken from the rule set at run time, so new rules are picked up: the factor words
(`rule_set.factors.words()`, what the decision table reads) and the terms of the word rules
(`rule_set.matcher.ids`, when the rule set has word rules). Each report is about a few factors
(drawn in proportion to how many words a factor has, so faults are common and security reports
rare); its rule-word sentences come from those factors, now and then negated ("geen ...") or
with one typing error, as customers write them.

The newest text is 260-660 characters in lines and paragraphs; email and widget messages also
carry what bot/reading.py has to split off: a sign-off and a signature (sometimes with a job
title that contains a rule word), now and then a legal disclaimer, quoted earlier mail ("Op ...
schreef ...:" with "> " lines) or a forwarded message. Ticket and employee numbers and times
keep adding words the matchers have not seen before, as real traffic does. Channels, senders
(agreed contacts, colleagues at known domains, unknown people), receipt times (November and
December 2026, +01:00) and the occasional confirmed priority are drawn from a seeded
`random.Random`, so the same seed gives the same reports.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
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
    "Wat we merken is dat {}.",
    "Vanochtend om {time} zagen we: {}.",
)
TERM_TEMPLATES_EN = (
    "In short: {}.",
    "A colleague mentions {} as well.",
    "We see this: {}, since yesterday.",
    "At {time} this morning: {}.",
)
# The rule word negated in its clause, as customers write it ("er is geen storing").
NEGATED_TEMPLATES_NL = (
    "Het is niet zo dat {}.",
    "Er is geen sprake van {}.",
    "Gelukkig niet {}.",
)
NEGATED_TEMPLATES_EN = ("It is not {}.", "There is no {} here.")
NUMBER_TEMPLATES_NL = (
    "Het gaat om medewerkernummer {number}.",
    "Ons eerdere ticket {number} ging over iets vergelijkbaars.",
    "Het is begonnen om {time}.",
)
NUMBER_TEMPLATES_EN = ("Our earlier ticket {number} was about something similar.",)
GAP_WORDS = ("nu", "hier", "echt", "ook", "sinds gisteren", "bij ons", "helemaal", "weer")
SUFFIXES = ("", "en", "s")  # for a term word written with a trailing '*'
PREFIXES = ("inlog", "beheer", "team")  # for a term word written with a leading '*'
TYPO_SHARE = 0.08  # rule-word sentences with one typing error in a word of 6+ letters
NEGATED_SHARE = 0.1  # rule-word sentences in which the rule word is negated
FACTORS_PER_REPORT = (2, 4)  # a report is about this many factors (at least one)
NAMES = ("Anja", "Pieter", "Fatima", "Joost", "Sanne", "Mehmet", "Lotte", "Daan", "Eva", "Bram")
UNKNOWN_DOMAINS = ("gmail.com", "outlook.com", "hotmail.nl", "zorgplus.nl", "example.org")
SUBJECTS_NL = ("Probleem", "Vraag", "Storing", "Idee", "Verzoek", "Melding", "Hulp nodig")
SUBJECTS_EN = ("Problem", "Question", "Issue", "Idea", "Request", "Help needed")
SURNAMES = ("de Vries", "Bakker", "Jansen", "el Amrani", "Visser", "Smit", "Mulder", "de Boer")
JOB_TITLES = (
    "HR-adviseur",
    "Teamleider personeelszaken",
    "Functioneel beheerder",
    "Medewerker storingsdienst",
    "Coördinator applicatiebeheer",
    "HR business partner",
    "Office manager",
)
DISCLAIMER_NL = (
    "Dit bericht kan vertrouwelijke informatie bevatten en is uitsluitend bestemd voor de "
    "geadresseerde. Bent u niet de beoogde ontvanger, verwijder het bericht dan en meld het de "
    "afzender. Aan dit bericht kunnen geen rechten worden ontleend."
)
DISCLAIMER_EN = (
    "This e-mail and any attachments are confidential and intended solely for the addressee. "
    "If you have received this message in error, please delete it and notify the sender."
)
SUPPORT_REPLY = (
    "Dank voor je melding, we hebben er een ticket van gemaakt.",
    "Kun je ons laten weten om welke medewerkers het gaat?",
    "We hebben de instelling aangepast, kun je het opnieuw proberen?",
    "Thanks for your message, we are looking into it.",
)
WEEKDAYS_NL = ("ma", "di", "wo", "do", "vr")
QUOTE_SHARE = 0.2  # email and widget messages that quote earlier mail
FORWARD_SHARE = 0.05  # email messages that pass on a colleague's report
SIGNATURE_SHARE = 0.6  # email messages with a signature block under the name
DISCLAIMER_SHARE = 0.15  # email messages with a legal disclaimer

_REGEX_TERM = re.compile(r"^/.*/$")


@dataclass(frozen=True)
class RuleWords:
    """The words of the loaded rules a generated report can contain, per factor."""

    by_factor: dict[str, list[str]]  # factor -> its words (rule_set.factors.words())
    weights: list[int]  # per factor of by_factor: how many words it has
    rule_terms: list[str]  # the word rules' terms (rule_set.matcher.ids), regexes left out

    def story(self, rng: random.Random) -> list[str]:
        """The words a report can draw from: a few factors' words, and the word-rule terms."""
        pool: list[str] = []
        if self.by_factor:
            names = list(self.by_factor)
            low, high = FACTORS_PER_REPORT
            count = min(len(names), rng.randint(low, high))
            chosen: set[str] = set()
            while len(chosen) < count:
                chosen.add(rng.choices(names, self.weights)[0])
            pool = [w for name in names if name in chosen for w in self.by_factor[name]]
        if self.rule_terms and (not pool or rng.random() < 0.5):
            pool = pool + self.rule_terms if pool else list(self.rule_terms)
        return pool


def rule_words(rule_set: RuleSet) -> RuleWords:
    """The factor words (grouped by factor) and the word-rule terms of the loaded rules."""
    words = set(rule_set.factors.words())
    by_factor: dict[str, list[str]] = {}
    for name, spec in rule_set.factors.factors.items():
        found = [w for value in spec.values.values() for w in value.words if w in words]
        if found:
            by_factor[name] = list(dict.fromkeys(found))
    terms = [t for t in rule_set.matcher.ids if t.strip() and not _REGEX_TERM.match(t.strip())]
    return RuleWords(by_factor, [len(w) for w in by_factor.values()], terms)


def phrase(rng: random.Random, term: str) -> str:
    """A term written as a text would contain it: wildcards filled, a `...` gap filled."""
    out = []
    for word in term.strip().split():
        if word == "...":
            out.append(rng.choice(GAP_WORDS))
            continue
        core = word.strip("*")
        if word.startswith("*"):
            core = rng.choice(PREFIXES) + core
        if word.endswith("*"):
            core += rng.choice(SUFFIXES)
        out.append(core)
    return " ".join(out)


def typo(rng: random.Random, text: str) -> str:
    """`text` with one typing error (a letter dropped, doubled, swapped or replaced) inside one
    of its words of six letters or more; unchanged when it has none."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)  # never the first letter
    kind = rng.randrange(4)
    if kind == 0:
        word = word[:at] + word[at + 1 :]
    elif kind == 1:
        word = word[:at] + word[at] + word[at:]
    elif kind == 2:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        word = word[:at] + rng.choice("aeiourstnl") + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def _time(rng: random.Random) -> str:
    return f"{rng.randrange(7, 18):02d}:{rng.randrange(60):02d}"


def _rule_sentence(rng: random.Random, english: bool, pool: list[str]) -> str:
    text = phrase(rng, rng.choice(pool))
    if rng.random() < TYPO_SHARE:
        text = typo(rng, text)
    if rng.random() < NEGATED_SHARE:
        template = rng.choice(NEGATED_TEMPLATES_EN if english else NEGATED_TEMPLATES_NL)
    else:
        template = rng.choice(TERM_TEMPLATES_EN if english else TERM_TEMPLATES_NL)
    return template.replace("{time}", _time(rng)).format(text)


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


def _newest(rng: random.Random, english: bool, pool: list[str]) -> list[str]:
    """The customer's own lines: greeting, paragraphs of sentences, sign-off and name."""
    signal = SIGNAL_EN if english else SIGNAL_NL
    filler = FILLER_EN if english else FILLER_NL
    numbers = NUMBER_TEMPLATES_EN if english else NUMBER_TEMPLATES_NL
    target = rng.randint(260, 660)
    lines = [rng.choice(filler[:3]), ""]
    paragraph: list[str] = []
    length = len(lines[0])
    while length < target:
        roll = rng.random()
        if roll < 0.3 and pool:
            sentence = _rule_sentence(rng, english, pool)
        elif roll < 0.5:
            sentence = rng.choice(signal).capitalize() + "."
        elif roll < 0.58:
            sentence = rng.choice(numbers).format(
                number=rng.randrange(10_000, 999_999), time=_time(rng)
            )
        else:
            sentence = rng.choice(filler[3:-2])
        paragraph.append(sentence)
        length += len(sentence) + 1
        if len(paragraph) >= rng.randint(2, 4):
            lines += [" ".join(paragraph), ""]
            paragraph = []
    if paragraph:
        lines += [" ".join(paragraph), ""]
    lines.append(rng.choice(filler[-2:]))
    return lines


def _signature(rng: random.Random, name: str, domain: str) -> list[str]:
    return [
        f"{name} {rng.choice(SURNAMES)}",
        rng.choice(JOB_TITLES),
        f"T 06-{rng.randrange(10_000_000, 99_999_999)}",
        f"www.{domain}",
    ]


def _quote(rng: random.Random, english: bool, pool: list[str]) -> list[str]:
    """Earlier mail quoted under the reply: a support answer over the customer's first mail."""
    day = START + timedelta(days=rng.randrange(DAYS))
    if english:
        header = f"On {day:%a %d %b %Y} at {_time(rng)}, Dialog Support <support@dialog.nl> wrote:"
    else:
        weekday = WEEKDAYS_NL[day.weekday() % 5]
        month = "dec." if day.month == 12 else "nov."
        header = f"Op {weekday} {day.day} {month} 2026 om {_time(rng)} schreef Dialog Support:"
    earlier = [rng.choice(SUPPORT_REPLY), _rule_sentence(rng, english, pool) if pool else ""]
    earlier += [rng.choice(FILLER_EN if english else FILLER_NL[3:-2])]
    return ["", header, *(f"> {line}" for line in earlier if line), ">", "> Dialog Support"]


def _forward(rng: random.Random, english: bool, pool: list[str], domain: str) -> list[str]:
    """A colleague's report passed on: forward separator, headers, the colleague's text."""
    name = rng.choice(NAMES)
    marker = "Forwarded message" if english else "Doorgestuurd bericht"
    return [
        "",
        f"---------- {marker} ---------",
        f"Van: {name} <{name.lower()}@{domain}>",
        f"Datum: {rng.randrange(1, 28)} november 2026 {_time(rng)}",
        f"Onderwerp: {rng.choice(SUBJECTS_EN if english else SUBJECTS_NL)}",
        "",
        *_newest(rng, english, pool)[2:],
        name,
    ]


def _body(rng: random.Random, english: bool, pool: list[str], channel: str, sender: str) -> str:
    name = rng.choice(NAMES)
    domain = sender.rpartition("@")[2] or "example.org"
    lines = _newest(rng, english, pool)
    if channel in ("slack", "phone"):
        return " ".join(line for line in [*lines, name] if line)  # one chat line, a call note
    lines.append(name)
    mail = channel == "email"
    if mail and rng.random() < FORWARD_SHARE:
        lines += _forward(rng, english, pool, domain)
    if mail and rng.random() < SIGNATURE_SHARE:
        lines[-1:] = _signature(rng, name, domain)
    if mail and rng.random() < DISCLAIMER_SHARE:
        lines += ["", DISCLAIMER_EN if english else DISCLAIMER_NL]
    if rng.random() < QUOTE_SHARE:
        lines += _quote(rng, english, pool)
    return "\n".join(lines)


def make_reports(
    n: int, seed: int, rule_set: RuleSet, directory: Directory
) -> list[dict[str, Any]]:
    """`n` report dicts in the `classify --batch` input format, the same for the same seed."""
    rng = random.Random(seed)
    words = rule_words(rule_set)
    known = senders(directory)
    reports = []
    for _ in range(n):
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        english = rng.random() < 0.25
        pool = words.story(rng)
        subjects = SUBJECTS_EN if english else SUBJECTS_NL
        subject = rng.choice(subjects)
        if pool and rng.random() < 0.5:
            subject += ": " + phrase(rng, rng.choice(pool))
        sender = _sender(rng, channel, known)
        reports.append(
            {
                "channel": channel,
                "received_at": _received_at(rng),
                "sender": sender,
                "subject": "" if channel == "slack" else subject,
                "body": _body(rng, english, pool, channel, sender),
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

"""The first name to greet a reporter by, read from the display name of their address.

People greet each other by first name ("Beste Anja", "Dear Anja"), so that is what the
acknowledgement does when the display name tells it: "Anja de Vries", "de Vries, Anja",
"Mw. Anja de Vries", "ANJA DE VRIES" and "Anja de Vries (Zorggroep Noord)" all give "Anja".
When it does not, the template's neutral greeting is used instead of a guess:
- initials only ("A. de Vries", "de Vries, A.J."): "Beste A. de Vries" reads like a form
  letter and "Beste A." is wrong, so neutral;
- a bare surname or an address ("de Vries", "a.devries@zorggroepnoord.nl", "adevries");
- a shared mailbox or an organisation ("Support Zorggroep Noord", "Gemeente Lindendaal").
A single capitalised word ("Anja") is taken as a first name: people who set one word as
their name mostly choose their first name.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles and forms of address before a name (compared without dots, lower case).
_TITLES = _words("dhr mevr mevrouw mw mr mrs ms miss mx dr drs ir ing prof ds")
# Words that make a display name a mailbox, a department or an organisation, not a person.
_NOT_A_PERSON = _words(
    """
    support helpdesk servicedesk service info informatie team afdeling gemeente stichting
    zorggroep vereniging administratie noreply no-reply admin beheer ict secretariaat
    receptie facilitair bv b.v. nv n.v. vof company department office sales finance
    """
)
# Dutch (and a few other) name particles: a name that starts with one has no first name.
_PARTICLES = _words("van de der den het ter ten te 't la le du von el al")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?\.?|[^\W\d_]")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*")
_BRACKETS = re.compile(r"\(([^)]*)\)|\[[^]]*\]")
_SEPARATOR = re.compile(r"\s+[|/\u2013\u2014-]\s+")


def clean_name(display_name: str) -> str:
    """The display name as it is written, without quotes and surrounding space."""
    return " ".join(display_name.strip().strip("\"'").split())


def first_name(display_name: str) -> str | None:
    """The first name in a display name, or None when it cannot be told (see the module)."""
    name = clean_name(display_name)
    if not name or "@" in name:
        return None
    # "J.W. (Jan-Willem) de Boer": the bracketed word is what the person is called.
    nickname = next((m.group(1).strip() for m in _BRACKETS.finditer(name) if m.group(1)), "")
    name = _SEPARATOR.split(_BRACKETS.sub(" ", name))[0]
    words = name.replace(",", " , ").split()
    if any(w.lower().strip(".,") in _NOT_A_PERSON for w in words):
        return None
    if "," in words:  # "de Vries, Anja": the first name comes after the comma
        at = words.index(",")
        words = words[at + 1 :]
    while words and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    if not words:
        return None
    first = words[0]
    if _INITIALS.fullmatch(first):
        return _as_first_name(nickname, single=True) if nickname else None
    if first.lower() in _PARTICLES:
        return None
    return _as_first_name(first, single=len(words) == 1)


def _as_first_name(word: str, single: bool) -> str | None:
    """The word written as a first name, or None when it does not look like one."""
    if not _NAME_WORD.fullmatch(word) or word.lower() in _NOT_A_PERSON:
        return None
    if single and (word.islower() or (word.isupper() and len(word) <= 3)):
        return None  # alone, "adevries" is a login name and "ICT" an abbreviation
    if word.islower() or word.isupper():  # "ANJA DE VRIES", "anja de vries"
        word = "-".join(part.capitalize() for part in word.split("-"))
    return word

"""Which language a report is written in (Dutch or English), to answer the reporter in it.

A word-frequency heuristic over the newest text (subject and body without quoted history,
forwarded headers, signature or disclaimer, see `bot.reading`): it counts the common
function words of each language. Dialog is a Dutch company, so Dutch is the answer unless
the text is clearly English: at least two English words and more than twice as many English
as Dutch ones. That keeps a Dutch mail Dutch when it pastes an English error message, and it
needs no model or package (short support mails are where statistical detectors are weakest).
"""

from __future__ import annotations

import re
from typing import Literal

from bot.reading import read_report

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
DEFAULT: Language = "nl"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent words that belong to one language only. Words both languages use ("in", "is",
# "we", "was", "had", "of", "over", "me", and Dutch "even" and "want", which are English words
# too) are left out: they prove nothing.
_DUTCH = _words(
    """
    de het een en van ik je jij jullie u uw wij ons onze mijn niet niets niks geen dat die
    dit deze er op te met voor maar ook als bij nog wel kan kunnen kun wordt worden werd
    naar om uit aan heb hebt hebben heeft ben zijn zou zouden moet moeten wil willen graag
    hoe wat waarom wanneer waar welke werkt werken lukt sinds vanochtend vandaag gisteren
    bedankt dank groet groeten alvast hoi hallo beste goedemorgen goedemiddag iemand
    niemand iedereen alle meer krijg krijgen krijgt gaat gaan doet doen zie zien toch
    nu dan dus omdat alleen weer mee zonder tussen tijdens na kapot foutmelding
    """
)
_ENGLISH = _words(
    """
    the a an and to i you your yours our ours my not no nothing none it its that this these
    those be been being are were will would should could can cannot can't don't doesn't
    didn't isn't aren't won't i'm it's there their they them on with for but also if at as
    from by into because just still any some please how what why when where which working
    works work since today yesterday morning thanks thank regards hello hi dear anyone
    nobody everyone all get getting gets got have has having do does did see any more
    now then so only again without between during after broken
    """
)
# Quoted text is often a pasted error message or a button's label: another voice.
_QUOTED = re.compile("\"[^\"\n]*\"|\u201c[^\u201d\n]*\u201d|\u2018[^\u2019\n]*\u2019|'[^'\n]{3,}'")
_WORD = re.compile(r"[a-zà-ÿ]+(?:'[a-z]+)?")


def language_of_text(text: str) -> Language:
    """'en' when the text is clearly English, else 'nl' (see the module docstring)."""
    words = _WORD.findall(_QUOTED.sub(" ", text.lower().replace("\u2019", "'")))
    english = sum(word in _ENGLISH for word in words)
    dutch = sum(word in _DUTCH for word in words)
    return "en" if english >= 2 and english > 2 * dutch else DEFAULT


def language_of(subject: str, body: str) -> Language:
    """The language of a report's newest text: its subject and body without the history."""
    return language_of_text(read_report(subject, body).text)

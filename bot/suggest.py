"""`triage rules suggest`: the words that set apart the tickets whose outcome the team changed.

The team changes a provisional priority or a category in Slack when the rules got it wrong
(bot/corrections.py). The tickets of one change ("laag → hoog") often share words the rules
do not know yet: "gegevens van een andere klant" in a report the rules took for a cosmetic
fault. Those words are what a team lead would add to a factor.

How, plainly:
- the text read is what the rules read: subject and newest body (bot/reading.py), folded like
  the matcher folds it (case and accents do not matter), cut into clauses at punctuation;
- the candidates are the phrases of one to three words in a clause, not starting or ending
  with a small word ("de", "van", "een", ...), without long numbers (years, ticket numbers);
- each change is compared with the tickets the team did not change (confirmed, or not
  looked at yet): a phrase in `a` of the `A` changed tickets and `b` of the `B` others scores
  its smoothed log odds ratio, ln((a+0.5)/(A-a+0.5)) - ln((b+0.5)/(B-b+0.5)), divided by its
  standard error, sqrt(1/(a+0.5) + 1/(A-a+0.5) + 1/(b+0.5) + 1/(B-b+0.5)): how sure it is
  that the phrase is more common among the changed tickets. It must occur in at least
  `min_count` changed tickets and score at least `min_z` (1.96: not likely chance), so a
  word that every kind of ticket has ("typfout" in all of them) is no finding. The phrases
  that pass are ranked by the low end of that interval, ratio - 1.96 x standard error: how
  much more common they are at least. The ratio alone would put a phrase seen in a few
  changed tickets and never elsewhere above one in nearly all of them and a few others; z
  alone would favour frequent words ("andere" over "andere klant");
- of phrases inside each other with the same changed tickets, only the best is kept
  ("andere klant", not also "klant"; on a tie the longer, more precise one).

Nothing is applied: the result is a list for a person to judge. Pure; the caller passes the
corrections (Store.corrections).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.corrections import Correction
from bot.engine.words import fold
from bot.reading import read_report

# Small words that say nothing on their own: a phrase neither starts nor ends with one.
# (Not "niet" and "geen": "geen toegang" is a finding.)
_STOPWORD_TEXT = """
de het een en of maar dat die dit deze dan als om op in aan van voor met bij naar uit over door
tot te is zijn was waren wordt worden word werd kan kunnen kon moet moeten wil willen zou zouden
heb hebben heeft had hadden ben bent er hier daar ook nog al wel nu toen wat wie waar
hoe ik je jij u we wij ze zij hij haar hem hun ons onze mijn jouw uw zich me mij jullie men iets
iemand zo zoals dus want omdat erg heel veel meer zeer even graag alvast hoi hallo beste
goedemorgen goedemiddag groet groeten dank bedankt alstublieft aub svp mvg vriendelijke
the a an and or but that this these those to of in on at for with by from is are was were be
been it its we you they i our your my me us can could would should will have has had do does
did so as if then than there here please hi hello thanks regards
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# A clause ends at punctuation, a new line, or a dash between spaces ("-", en dash).
_CLAUSES = re.compile('[.!?;:,()\\[\\]"\n]+|\\s[-\u2013]\\s')
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_LONG_NUMBER = re.compile(r"^\d{4,}$")


@dataclass(frozen=True)
class Phrase:
    """A phrase and how it separates one change from the unchanged tickets."""

    words: str
    changed: int  # changed tickets (of this change) with the phrase
    unchanged: int  # unchanged tickets with it
    score: float  # the log odds ratio
    z: float  # the score over its standard error
    low: float  # the low end of the score's 95 % interval: what it is at least
    tickets: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "score": round(self.score, 2),
            "z": round(self.z, 2),
            "low": round(self.low, 2),
            "tickets": list(self.tickets),
        }


@dataclass(frozen=True)
class ChangeGroup:
    """The tickets of one change (kind, before, after) and the phrases that set them apart."""

    kind: str  # "priority" or "category"
    before: str
    after: str
    tickets: tuple[int, ...]
    decided_by: tuple[tuple[str, int], ...]  # what decided them first, most often first
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class Suggestions:
    """Every change the team made, each with its phrases; `unchanged` is the comparison set."""

    groups: tuple[ChangeGroup, ...]
    changed: int
    unchanged: int
    min_count: int


def phrases_of(subject: str, body: str, longest: int = 3) -> set[str]:
    """The candidate phrases of one report's text (as the rules read it)."""
    text = fold(read_report(subject, body).text)
    found: set[str] = set()
    for clause in _CLAUSES.split(text):
        words = _WORD.findall(clause)
        for size in range(1, longest + 1):
            for start in range(len(words) - size + 1):
                gram = words[start : start + size]
                if gram[0] in STOPWORDS or gram[-1] in STOPWORDS:
                    continue
                if any(len(w) < 2 or _LONG_NUMBER.match(w) for w in gram):
                    continue
                found.add(" ".join(gram))
    return found


def log_odds(a: int, total_a: int, b: int, total_b: int) -> tuple[float, float]:
    """Smoothed log odds ratio of a phrase in a of total_a against b of total_b tickets, and
    its standard error (never 0: every cell has its half)."""
    cells = (a + 0.5, total_a - a + 0.5, b + 0.5, total_b - b + 0.5)
    ratio = math.log(cells[0] / cells[1]) - math.log(cells[2] / cells[3])
    return ratio, math.sqrt(sum(1 / c for c in cells))


def suggest(
    corrections: Iterable[Correction],
    min_count: int = 2,
    top: int = 8,
    longest: int = 3,
    min_z: float = 1.96,
    each: Callable[[list[Correction]], Iterable[Correction]] | None = None,
) -> Suggestions:
    """Per change the team made, the `top` phrases that best set its tickets apart from the
    unchanged ones. `each` wraps the unchanged tickets as they are read (progress)."""
    chosen = list(corrections)
    changes: dict[tuple[str, str, str], list[Correction]] = {}
    unchanged: list[Correction] = []
    for item in chosen:
        if item.priority_changed and item.team_priority is not None:
            key = ("priority", item.priority.value, item.team_priority.value)
            changes.setdefault(key, []).append(item)
        if item.category_changed and item.team_category is not None:
            key = ("category", item.category.value, item.team_category.value)
            changes.setdefault(key, []).append(item)
        if not item.changed:
            unchanged.append(item)

    grams: dict[int, set[str]] = {}
    in_change: dict[tuple[str, str, str], Counter[str]] = {}
    for key, items in changes.items():
        counts: Counter[str] = Counter()
        for item in items:
            if item.ticket_id not in grams:
                grams[item.ticket_id] = phrases_of(item.subject, item.body, longest)
            counts.update(grams[item.ticket_id])
        in_change[key] = Counter({g: n for g, n in counts.items() if n >= min_count})
    # One pass over the unchanged tickets, counting only what some change could use.
    wanted = set().union(*in_change.values()) if in_change else set()
    elsewhere: Counter[str] = Counter()
    for item in each(unchanged) if each is not None else unchanged:
        if wanted:
            elsewhere.update(wanted & phrases_of(item.subject, item.body, longest))

    groups = []
    for key in sorted(changes, key=lambda k: (-len(changes[k]), k)):
        items = changes[key]
        total_b = len(unchanged)
        scored = []
        for gram, a in in_change[key].items():
            b = elsewhere[gram]
            ratio, error = log_odds(a, len(items), b, total_b)
            if ratio / error < min_z:
                continue
            tickets = tuple(i.ticket_id for i in items if gram in grams[i.ticket_id])
            low = ratio - 1.96 * error
            scored.append(Phrase(gram, a, b, ratio, ratio / error, low, tickets))
        # On a tie the longer phrase: it says the same about these tickets, more precisely.
        scored.sort(key=lambda p: (-p.low, -p.changed, -len(p.words.split()), p.words))
        kept: list[Phrase] = []
        for phrase in scored:
            if len(kept) == top:
                break
            if not any(_same_finding(phrase, other) for other in kept):
                kept.append(phrase)
        first = Counter(i.decided_first_by for i in items)
        groups.append(
            ChangeGroup(
                kind=key[0],
                before=key[1],
                after=key[2],
                tickets=tuple(i.ticket_id for i in items),
                decided_by=tuple(sorted(first.items(), key=lambda kv: (-kv[1], kv[0]))),
                phrases=tuple(kept),
            )
        )
    changed_tickets = {t for group in groups for t in group.tickets}
    return Suggestions(tuple(groups), len(changed_tickets), len(unchanged), min_count)


def _same_finding(phrase: Phrase, other: Phrase) -> bool:
    """One phrase inside the other, found in no other changed tickets: the same finding."""
    inside = f" {phrase.words} " in f" {other.words} " or f" {other.words} " in f" {phrase.words} "
    return inside and set(phrase.tickets) <= set(other.tickets)

"""The small Python step before the engine: which terms of the rule files occur in a text.

durable-rules' own regex operator gives wrong answers (shared/DURABLE_RULES_NOTES.md), so the
engine never sees text. Instead every distinct term of every rule file gets a number, and the
fact asserted into the engine carries the list of numbers of the terms found in the report;
the rules test that list with the engine's plain `$iany` / `$iall` operators.

Matching rules, for team leads:
- case- and accent-insensitive: "Wachtwoord" matches "wachtwoord", "ideeën" matches "ideeen";
- whole words: "log" does not match inside "inloggen";
- a trailing `*` matches any ending ("evaluatie*": "evaluaties", "evaluatieformulier"), a
  leading `*` any beginning ("*wachtwoord": "inlogwachtwoord");
- a phrase matches its words in order, separated by any whitespace ("kan niet inloggen");
- a term written between slashes is a regular expression (Python syntax) tested against the
  lower-cased, accent-free text: "/wacht ?woord/".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

# Term id 0 is always present in a fact: the engine's `$iall` is false on an empty list, and
# a "none of" condition must hold for a text that matched nothing.
SENTINEL_TERM = 0

_WORD = re.compile(r"\w+")
_SIMPLE = re.compile(r"^(\*?)(\w+)(\*?)$")


# Typographic quotes and dashes as people type them on phones and in Word, folded to ASCII.
_PUNCTUATION = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def fold(text: str) -> str:
    """Casefold and strip accents (NFKD, combining marks dropped): the form all matching uses.

    Typographic apostrophes and quotes become ASCII ones, so `can't` also matches the U+2019 form.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


class TermError(ValueError):
    """A term cannot be used (empty, only wildcards, a regular expression that does not compile)."""


@dataclass(frozen=True)
class _Simple:
    word: str
    prefix: bool  # trailing * : word is a prefix
    suffix: bool  # leading * : word is a suffix


def _word_pattern(word: str) -> str:
    lead, core, trail = word.startswith("*"), word.strip("*"), word.endswith("*")
    if not core:
        raise TermError(f"{word!r} has no letters besides '*'")
    body = re.escape(core)
    return (r"\w*" if lead else r"(?<!\w)") + body + (r"\w*" if trail else r"(?!\w)")


def compile_term(term: str) -> re.Pattern[str] | _Simple:
    """Turn one term into a matcher; raises TermError with a reason a team lead understands."""
    raw = term.strip()
    if not raw:
        raise TermError("empty term")
    if len(raw) >= 2 and raw.startswith("/") and raw.endswith("/"):
        try:
            return re.compile(raw[1:-1])
        except re.error as exc:
            raise TermError(f"regular expression {raw} does not compile: {exc}") from exc
    folded = fold(raw)
    simple = _SIMPLE.match(folded)
    if simple:
        return _Simple(simple[2], prefix=bool(simple[3]), suffix=bool(simple[1]))
    words = folded.split()
    if "*" in "".join(w.strip("*") for w in words):
        raise TermError(f"{term!r}: '*' is only allowed at the start or end of a word")
    return re.compile(r"\s+".join(_word_pattern(w) for w in words))


class TermMatcher:
    """All terms of a rule set, numbered from 1; finds which of them occur in a text.

    Single words (the common case) are looked up in the set of words of the text; prefixes and
    suffixes by binary search in the sorted words; phrases and regular expressions by `re`.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.ids: dict[str, int] = {}
        self._exact: dict[str, list[int]] = {}
        self._prefix: list[tuple[str, int]] = []
        self._suffix: list[tuple[str, int]] = []
        self._infix: list[tuple[str, int]] = []
        self._regex: list[tuple[re.Pattern[str], int]] = []
        for term in terms:
            if term in self.ids:
                continue
            term_id = len(self.ids) + 1
            self.ids[term] = term_id
            matcher = compile_term(term)
            if isinstance(matcher, _Simple):
                if matcher.prefix and matcher.suffix:
                    self._infix.append((matcher.word, term_id))
                elif matcher.prefix:
                    self._prefix.append((matcher.word, term_id))
                elif matcher.suffix:
                    self._suffix.append((matcher.word[::-1], term_id))
                else:
                    self._exact.setdefault(matcher.word, []).append(term_id)
            else:
                self._regex.append((matcher, term_id))

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, text: str) -> list[int]:
        """Sorted ids of the terms found in `text`, always starting with SENTINEL_TERM."""
        folded = fold(text)
        words = set(_WORD.findall(folded))
        found: set[int] = set()
        for word in words & self._exact.keys():
            found.update(self._exact[word])
        if self._prefix:
            found.update(_affix_hits(sorted(words), self._prefix))
        if self._suffix:
            found.update(_affix_hits(sorted(w[::-1] for w in words), self._suffix))
        for part, term_id in self._infix:
            if any(part in w for w in words):
                found.add(term_id)
        for pattern, term_id in self._regex:
            if pattern.search(folded):
                found.add(term_id)
        return [SENTINEL_TERM, *sorted(found)]


def _affix_hits(sorted_words: list[str], affixes: list[tuple[str, int]]) -> Iterable[int]:
    for start, term_id in affixes:
        index = bisect_left(sorted_words, start)
        if index < len(sorted_words) and sorted_words[index].startswith(start):
            yield term_id

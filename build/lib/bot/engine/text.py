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
- a term written between slashes is a regular expression tested against the lower-cased,
  accent-free text: "/wacht ?woord/". It runs on RE2 (patterns.py), in time linear in the
  text whatever the pattern; what RE2 cannot express is refused when the rules are loaded.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.patterns import NOT_WORD, SPACE, WORD, Pattern, PatternRefused, compile_pattern
from bot.engine.patterns import escape as escape_literal
from bot.engine.words import fold

# Term id 0 is always present in a fact: the engine's `$iall` is false on an empty list, and
# a "none of" condition must hold for a text that matched nothing.
SENTINEL_TERM = 0

# Words, and runs of punctuation between them: two words are separated by whitespace only
# exactly when they are neighbours in this stream.
_STREAM = re.compile(r"\w+|[^\w\s]+")
_SIMPLE = re.compile(r"^(\*?)(\w+)(\*?)$")


class TermError(ValueError):
    """A term cannot be used (empty, only wildcards, a regular expression that does not compile)."""


@dataclass(frozen=True)
class _Simple:
    word: str
    prefix: bool  # trailing * : word is a prefix
    suffix: bool  # leading * : word is a suffix

    def fits(self, token: str) -> bool:
        """Does one word of the text match this word of a term?"""
        if self.prefix and self.suffix:
            return self.word in token
        if self.prefix:
            return token.startswith(self.word)
        if self.suffix:
            return token.endswith(self.word)
        return token == self.word


@dataclass(frozen=True)
class _Phrase:
    """Several plain words (each may carry a `*`) that must follow each other."""

    words: tuple[_Simple, ...]


def _word_pattern(word: str, first: bool, last: bool) -> str:
    """One word of a term with punctuation, as RE2 syntax for *finding* the term.

    Whole words: the first word may not follow a letter, the last may not be followed by
    one (RE2 has no lookaround, so the neighbour is consumed; only found-or-not matters). A
    `*` at an end of the term drops that check (`\\w*` there adds nothing to finding).
    Between words whitespace stands, which already separates them.
    """
    lead, core, trail = word.startswith("*"), word.strip("*"), word.endswith("*")
    if not core:
        raise TermError(f"{word!r} heeft geen letters naast '*'")
    before = (WORD + "*") if lead and not first else ""
    if first and not lead:
        before = f"(?:^|{NOT_WORD})"
    after = (WORD + "*") if trail and not last else ""
    if last and not trail:
        after = f"(?:{NOT_WORD}|$)"
    return before + escape_literal(core) + after


def words_pattern(words: list[str]) -> str:
    """The RE2 pattern that finds a term of several words with punctuation inside."""
    last = len(words) - 1
    return f"{SPACE}+".join(_word_pattern(word, i == 0, i == last) for i, word in enumerate(words))


def compile_term(term: str) -> Pattern | _Simple | _Phrase:
    """Turn one term into a matcher; raises TermError with a reason a team lead understands."""
    raw = term.strip()
    if not raw:
        raise TermError("leeg woord")
    if len(raw) >= 2 and raw.startswith("/") and raw.endswith("/"):
        try:
            return compile_pattern(raw[1:-1])
        except PatternRefused as exc:
            raise TermError(f"patroon {raw}: {exc}") from exc
    folded = fold(raw)
    simple = _SIMPLE.match(folded)
    if simple:
        return _Simple(simple[2], prefix=bool(simple[3]), suffix=bool(simple[1]))
    words = folded.split()
    if "*" in "".join(w.strip("*") for w in words):
        raise TermError(f"{term!r}: '*' mag alleen aan het begin of eind van een woord")
    parts = [_SIMPLE.match(w) for w in words]
    if all(parts):
        return _Phrase(tuple(_Simple(p[2], bool(p[3]), bool(p[1])) for p in parts if p))
    # Words with punctuation inside ("e-mail", "can't") are matched by a regular expression.
    return compile_pattern(words_pattern(words))


class TermMatcher:
    """All terms of a rule set, numbered from 1; finds which of them occur in a text.

    Single words (the common case) are looked up in the set of words of the text; prefixes and
    suffixes by binary search in the sorted words; phrases by finding where their first word
    occurs and checking the words after it (separated by whitespace only); words with
    punctuation and regular expressions by RE2, one linear scan each. No step scans the text
    once per word or phrase, so a rule set with hundreds of phrases stays fast.
    """

    def __init__(self, terms: Iterable[str], groups: Iterable[tuple[str, ...]] = ()) -> None:
        self.ids: dict[str, int] = {}
        self.group_ids: dict[frozenset[int], int] = {}
        self._groups_of_term: dict[int, list[int]] = {}
        self._exact: dict[str, list[int]] = {}
        self._prefix: list[tuple[str, int]] = []
        self._suffix: list[tuple[str, int]] = []
        self._infix: list[tuple[str, int]] = []
        self._regex: list[tuple[Pattern, int]] = []
        # Phrases indexed by their first word when it is a plain word (nearly always).
        self._phrases_by_word: dict[str, list[tuple[_Phrase, int]]] = {}
        self._phrases_by_pair: dict[tuple[str, str], list[tuple[_Phrase, int]]] = {}
        # Phrases starting with a word with `*`, grouped by that first word.
        self._phrases: dict[_Simple, list[tuple[_Phrase, int]]] = {}
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
            elif isinstance(matcher, _Phrase):
                first, second = matcher.words[0], matcher.words[1]
                entry = (matcher, term_id)
                if first.prefix or first.suffix:
                    self._phrases.setdefault(first, []).append(entry)
                elif second.prefix or second.suffix:
                    self._phrases_by_word.setdefault(first.word, []).append(entry)
                else:
                    self._phrases_by_pair.setdefault((first.word, second.word), []).append(entry)
            else:
                self._regex.append((matcher, term_id))

        for group in groups:
            self._register_group(group)

    def _register_group(self, terms: tuple[str, ...]) -> int:
        members = frozenset(self.ids[t] for t in terms)
        found = self.group_ids.get(members)
        if found is None:
            found = self.group_ids[members] = len(self.group_ids) + 1
            for term_id in members:
                self._groups_of_term.setdefault(term_id, []).append(found)
        return found

    def group(self, terms: tuple[str, ...]) -> int:
        """The number of a group of terms registered at construction."""
        return self.group_ids[frozenset(self.ids[t] for t in terms)]

    def __len__(self) -> int:
        return len(self.ids)

    def features(self, text: str) -> list[int]:
        """Sorted numbers of the groups with a term in `text`, always starting with 0."""
        groups = {g for t in self.match(text)[1:] for g in self._groups_of_term.get(t, ())}
        return [SENTINEL_TERM, *sorted(groups)]

    def match(self, text: str) -> list[int]:
        """Sorted ids of the terms found in `text`, always starting with SENTINEL_TERM."""
        folded = fold(text)
        stream = _STREAM.findall(folded)
        words = set(stream)
        ordered = sorted(words)
        found: set[int] = set()
        for word in words & self._exact.keys():
            found.update(self._exact[word])
        if self._prefix:
            found.update(_affix_hits(ordered, self._prefix))
        if self._suffix:
            found.update(_affix_hits(sorted(w[::-1] for w in words), self._suffix))
        for part, term_id in self._infix:
            if any(part in w for w in words):
                found.add(term_id)
        if self._phrases or self._phrases_by_word or self._phrases_by_pair:
            index = _Tokens.of(stream)
            # Most phrases start with two plain words: look up that pair, then check the rest.
            for pair in index.pairs.keys() & self._phrases_by_pair.keys():
                for phrase, term_id in self._phrases_by_pair[pair]:
                    if term_id not in found and any(
                        _phrase_at(i, phrase.words, index, 2) for i in index.pairs[pair]
                    ):
                        found.add(term_id)
            for word in words & self._phrases_by_word.keys():
                for phrase, term_id in self._phrases_by_word[word]:
                    if term_id not in found and any(
                        _phrase_at(i, phrase.words, index, 1) for i in index.positions[word]
                    ):
                        found.add(term_id)
            for first, entries in self._phrases.items():
                places = list(_candidates(first, index, ordered))
                if not places:
                    continue
                for phrase, term_id in entries:
                    if term_id not in found and any(
                        _phrase_at(i, phrase.words, index, 1) for i in places
                    ):
                        found.add(term_id)
        if self._regex:
            encoded = folded.encode("utf-8", "replace")
            found.update(term_id for pattern, term_id in self._regex if pattern.found_in(encoded))
        return [SENTINEL_TERM, *sorted(found)]


@dataclass
class _Tokens:
    """The word stream of a folded text, where each word occurs, and neighbouring pairs."""

    texts: list[str]
    positions: dict[str, list[int]]
    pairs: dict[tuple[str, str], list[int]]

    @classmethod
    def of(cls, stream: list[str]) -> _Tokens:
        positions: dict[str, list[int]] = {}
        pairs: dict[tuple[str, str], list[int]] = {}
        for index, word in enumerate(stream):
            positions.setdefault(word, []).append(index)
        for index, pair in enumerate(itertools.pairwise(stream)):
            pairs.setdefault(pair, []).append(index)
        return cls(stream, positions, pairs)


def _candidates(first: _Simple, tokens: _Tokens, ordered: list[str]) -> Iterable[int]:
    """Positions where the first word of a phrase occurs."""
    if first.prefix and not first.suffix:
        for word in ordered[bisect_left(ordered, first.word) :]:
            if not word.startswith(first.word):
                break
            yield from tokens.positions[word]
    elif first.prefix or first.suffix:
        for word, places in tokens.positions.items():
            if first.fits(word):
                yield from places
    else:
        yield from tokens.positions.get(first.word, ())


def _phrase_at(start: int, words: tuple[_Simple, ...], tokens: _Tokens, checked: int) -> bool:
    """Do the phrase's words follow word `start` (the first `checked` are known to match)?"""
    if start + len(words) > len(tokens.texts):
        return False
    for offset in range(checked, len(words)):
        index = start + offset
        if not words[offset].fits(tokens.texts[index]):
            return False
    return True


def _affix_hits(sorted_words: list[str], affixes: list[tuple[str, int]]) -> Iterable[int]:
    for start, term_id in affixes:
        index = bisect_left(sorted_words, start)
        if index < len(sorted_words) and sorted_words[index].startswith(start):
            yield term_id

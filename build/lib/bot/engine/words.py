"""Finding a team lead's plain words in a report: tolerant of typos, aware of negation.

A term is what a team lead writes in a factor: a word (`storing`), a word with a wildcard
(`evaluatie*` for plurals and compounds, `*wachtwoord`), a phrase (`kan niet inloggen`), or a
phrase with a gap (`workaround ... niet mogelijk`: up to six words between, same sentence).

How a report's words are compared, so that the team lead does not have to list variants:
- case, accents and typographic quotes do not matter (`Évaluatie` = `evaluatie`);
- whole words: `log` does not match inside `inloggen`;
- one typing error is forgiven in words of six letters or more as typed (a letter
  missing, extra, wrong or two swapped: `inlogen`, `foutmeldig`, `evalautie`), never in the
  first letter (so "iemand" is not "niemand"); a wildcard word is compared on its fixed part;
- the text is cut into clauses (at . ! ? ; : , ( ) a new line, and words like "maar" /
  "but"); a word is *negated* when "niet", "geen", "niets", "not", "no", "never", "nooit",
  "nergens" or an English "n't" stands just before it, or with at most two small words
  ("zo dat", "echt", "the") in between, in the same clause, and is not part of the term
  itself: "het platform ligt NIET overal plat" negates `overal` and `plat`, while the term
  `niemand kan` in "niemand kan inloggen" is simply found. What a negated word means is the
  factor's business (factors.py).

Every distinct word is resolved once (memoised), so a report costs one dictionary look-up
per word plus the phrase checks; no step scans the text once per term.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

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
# Words (an English "n't" kept on its word) and punctuation: sentences end at . ! ? and new
# lines; clauses also at ; : , ( ).
_TOKENS = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\w+(?:'t\b)?|[.!?\n]|[;:,()]")
# Number words a team lead can write: `#veel medewerkers` matches "300 medewerkers" and
# "1.400 medewerkers", `#paar collega's` matches "3 collega's".
NUMBER_CLASSES = {"#veel": (20, None), "#paar": (2, 15)}
_SENTENCE_ENDS = frozenset(".!?\n")
_TERM_WORD = re.compile(r"^(\*?)(\w+(?:'t)?)(\*?)$")
_CLAUSE_WORDS = frozenset({"maar", "but", "echter", "however", "hoewel", "although", "terwijl"})
NEGATORS = frozenset(
    {"niet", "geen", "niets", "niks", "not", "no", "never", "nooit", "nothing", "cannot", "nergens"}
)
# Small words that may stand between a negator and what it negates.
_NEGATION_FILLERS = frozenset(
    {
        "zo",
        "dat",
        "de",
        "het",
        "een",
        "echt",
        "helemaal",
        "wel",
        "meer",
        "eens",
        "altijd",
        "overal",
        "allemaal",
        "the",
        "a",
        "an",
        "really",
        "quite",
        "so",
        "that",
        "everywhere",
    }
)
# Prepositions may stand in between only when the negator opens its clause ("..., maar niet
# bij iedereen"); after a verb the negation is the verb's ("lukt niet voor de hele afdeling").
_NEGATION_PREPOSITIONS = frozenset({"bij", "voor", "in", "op", "for", "at", "with", "to"})
GAP = "..."
MAX_GAP = 6  # words a `...` may stand for
NEGATION_WINDOW = 3  # words before a term in which a negator counts
TYPO_MIN = 6  # words this long (and longer) forgive one typing error
_CACHE_LIMIT = 200_000


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Casefold and strip accents; typographic quotes and dashes become ASCII."""
    if text.isascii():
        return text.lower()
    return strip_accents(text).casefold()


def strip_accents(text: str) -> str:
    """Strip accents (NFKD, marks removed); typographic quotes and dashes become ASCII."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    return _COMBINING.sub("", decomposed)


def token_spans(text: str) -> list[tuple[int, int]] | None:
    """Where each token that `WordMatcher.find` counts stands in `text` itself: (start, end)
    character offsets, so that a hit's token positions can be shown in the original text
    (`triage explain`). None when folding cannot be traced back character by character."""
    if text.isascii():
        return [m.span() for m in _TOKENS.finditer(text.lower())]
    pieces: list[str] = []
    origin: list[int] = []  # the original offset of every folded character
    for index, char in enumerate(text):
        folded = fold(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    joined = "".join(pieces)
    if joined != fold(text):
        # NFKD may reorder combining marks it does not strip across characters: then the
        # offsets cannot be trusted, and the caller shows the text without marks.
        return None
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in _TOKENS.finditer(joined)]


class TermError(ValueError):
    """A term cannot be used; the message says why, for a team lead."""


@dataclass(frozen=True)
class _Word:
    """One word of a term: exact, or with a wildcard at the end (prefix) or start (suffix)."""

    text: str
    prefix: bool
    suffix: bool


class Hit(NamedTuple):
    """A term found in a text: which term, where (token positions), and whether negated."""

    term: str
    start: int
    end: int
    negated: bool
    sentence: int = 0  # which sentence (cut at . ! ? and new lines) the term stands in


def parse_term(term: str) -> tuple[_Word | None, ...]:
    """A term -> its words; None stands for a `...` gap."""
    raw = fold(term.strip())
    if not raw:
        raise TermError("leeg woord")
    if len(raw) > 2 and raw.startswith("/") and raw.endswith("/"):
        # Read as words, '/(a+)+$/' would silently become the word "a".
        raise TermError(
            f"{term.strip()}: een patroon tussen slashes kan alleen in woordregels (rules:, "
            "text:), niet bij de woorden van een factor"
        )
    words: list[_Word | None] = []
    for piece in raw.split():
        if piece in NUMBER_CLASSES:
            words.append(_Word(piece, prefix=False, suffix=False))
            continue
        if "*" in piece.strip("*"):
            raise TermError(f"{term!r}: '*' mag alleen aan het begin of eind van een woord")
        if piece == GAP:
            if not words or words[-1] is None:
                raise TermError(f"{term!r}: '...' staat tussen twee woorden")
            words.append(None)
            continue
        for part in re.findall(r"[^\W]+(?:'t)?\*?|\*\w+(?:'t)?\*?|[^\w\s*]+", piece):
            if not re.search(r"\w", part):
                continue  # punctuation inside a term ("e-mail") only separates words
            match = _TERM_WORD.match(part)
            if match is None:
                raise TermError(f"{term!r}: '*' mag alleen aan het begin of eind van een woord")
            words.append(_Word(match[2], prefix=bool(match[3]), suffix=bool(match[1])))
    if not words or words[-1] is None:
        raise TermError(f"{term!r}: geen woorden (of '...' aan het eind)")
    return tuple(words)


def _number(token: str) -> int | None:
    """The value of a number token ("300", "1.400", "2,000"), or None."""
    digits = token.replace(".", "").replace(",", "")
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


class WordMatcher:
    """All terms of a rule set, compiled once; `find` returns the terms present in a text."""

    def __init__(self, terms: Iterable[str], typos: bool = True) -> None:
        self.terms: dict[str, tuple[int | None, ...]] = {}
        self.typos = typos
        words: dict[_Word, int] = {}
        parsed: dict[str, tuple[_Word | None, ...]] = {}
        for term in terms:
            if term in parsed:
                continue
            parsed[term] = parse_term(term)
            for word in parsed[term]:
                if word is not None and word not in words:
                    words[word] = len(words)
        self._words = list(words)
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        self._infix: list[tuple[str, int]] = []
        # Typo look-up (symmetric deletes): a variant -> the word ids it may stand for.
        self._typo: dict[str, set[int]] = {}
        for word, wid in words.items():
            if word.prefix and word.suffix:
                self._infix.append((word.text, wid))
            elif word.prefix:
                self._prefix.setdefault(word.text, []).append(wid)
            elif word.suffix:
                self._suffix.setdefault(word.text, []).append(wid)
            else:
                self._exact.setdefault(word.text, []).append(wid)
            if typos and len(word.text) >= TYPO_MIN and not word.suffix and "'" not in word.text:
                for variant in {word.text, *_deletes(word.text)}:
                    self._typo.setdefault(variant, set()).add(wid)
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        self._suffix_lengths = sorted({len(s) for s in self._suffix})
        # Terms indexed by their first word, with the set of all their words: a term whose
        # words do not all occur in a text is skipped without walking it.
        self._single: dict[int, list[str]] = {}
        # Phrases indexed by their longest word (the rarest in a text, as a rule): a text is
        # only searched for the phrases whose anchor it contains and all of whose words it has.
        self._anchored: dict[int, list[tuple[str, tuple[int | None, ...], frozenset[int]]]] = {}
        for term, term_words in parsed.items():
            ids = tuple(None if w is None else words[w] for w in term_words)
            self.terms[term] = ids
            first = ids[0]
            assert first is not None
            if len(ids) == 1:
                self._single.setdefault(first, []).append(term)
                continue
            needed = frozenset(i for i in ids if i is not None)
            anchor = max(needed, key=lambda i: (len(self._words[i].text), -i))
            self._anchored.setdefault(anchor, []).append((term, ids, needed))
        self._cache: dict[str, frozenset[int]] = {}

    def _resolve(self, token: str) -> frozenset[int]:
        """The ids of the term words this word of a text matches (memoised)."""
        found = self._cache.get(token)
        if found is not None:
            return found
        ids: set[int] = set(self._exact.get(token, ()))
        for length in self._prefix_lengths:
            if length > len(token):
                break
            ids.update(self._prefix.get(token[:length], ()))
        for length in self._suffix_lengths:
            if length > len(token):
                break
            ids.update(self._suffix.get(token[-length:], ()))
        for text, wid in self._infix:
            if text in token:
                ids.add(wid)
        if token[0].isdigit():
            number = _number(token)
            for word, (low, high) in NUMBER_CLASSES.items():
                if number is not None and number >= low and (high is None or number <= high):
                    ids.update(self._exact.get(word, ()))
        elif self.typos and len(token) >= TYPO_MIN and not ids:
            ids.update(self._typo_ids(token))
        result = frozenset(ids)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = result
        return result

    def _typo_ids(self, token: str) -> set[int]:
        candidates: set[int] = set()
        # Whole words: the token, or the token with one letter dropped, as an indexed variant.
        for variant in (token, *_deletes(token)):
            candidates.update(self._typo.get(variant, ()))
        # Wildcard words: compare their fixed part with the token's start of about that length.
        for length in self._prefix_lengths:
            if length < TYPO_MIN or length - 1 > len(token):
                continue
            for cut in (length - 1, length, length + 1):
                head = token[:cut]
                for variant in (head, *_deletes(head)):
                    candidates.update(self._typo.get(variant, ()))
        result = set()
        for wid in candidates:
            word = self._words[wid]
            if word.text[0] != token[0]:
                continue  # people mistype inside a word; a different first letter is a word
            if word.prefix:
                if any(
                    one_edit(token[:cut], word.text)
                    for cut in (len(word.text) - 1, len(word.text), len(word.text) + 1)
                    if cut <= len(token)
                ):
                    result.add(wid)
            elif one_edit(token, word.text):
                result.add(wid)
        return result

    def find(self, text: str) -> list[Hit]:
        """Every occurrence of every term in `text`, in text order.

        Punctuation stays in the token stream as tokens that match nothing: two neighbouring
        words of a phrase are then never split by a comma, a gap stops at the end of a
        sentence, and negation looks back only within its clause. Positions count tokens.
        """
        tokens: list[str] = _TOKENS.findall(fold(text))
        cache, resolve = self._cache, self._resolve
        resolved = [r if (r := cache.get(t)) is not None else resolve(t) for t in tokens]
        present: frozenset[int] = frozenset().union(*resolved)
        if not present:
            return []
        hits: list[tuple[str, int, int]] = []
        single, anchored = self._single, self._anchored
        last = len(resolved) - 1
        positions: dict[int, list[int]] = {}
        for start, ids in enumerate(resolved):
            for wid in ids:
                positions.setdefault(wid, []).append(start)
                for term in single.get(wid, ()):
                    hits.append((term, start, start + 1))
        for anchor in present:
            for term, term_ids, needed in anchored.get(anchor, ()):
                if not needed <= present:
                    continue
                second = term_ids[1]
                for start in positions[term_ids[0]]:  # type: ignore[index]
                    # Most starts fail on the second word: test it before the full walk.
                    if second is not None and (start == last or second not in resolved[start + 1]):
                        continue
                    end = _match_rest(term_ids, start, resolved, tokens)
                    if end is not None:
                        hits.append((term, start, end))
        hits.sort(key=lambda hit: (hit[1], hit[2]))
        if not hits:
            return []
        # Where sentences end (a run of ". \n\n" is one end): a hit's sentence is its count.
        ends = [
            i
            for i, token in enumerate(tokens)
            if token in _SENTENCE_ENDS and (i == 0 or tokens[i - 1] not in _SENTENCE_ENDS)
        ]
        return [
            Hit(term, start, end, _negated(start, tokens), bisect_left(ends, start))
            for term, start, end in hits
        ]


def _match_rest(
    term_ids: tuple[int | None, ...],
    start: int,
    resolved: list[frozenset[int]],
    tokens: list[str],
) -> int | None:
    """End position (exclusive) when the term's later words follow `start`, else None.

    Neighbouring words must be neighbours (a comma in between is a token that matches
    nothing); a `...` gap may cross a comma or a bracket, not the end of a sentence."""
    position = start + 1
    gap = False
    count = len(resolved)
    for wid in term_ids[1:]:
        if wid is None:
            gap = True
            continue
        if not gap:
            if position >= count or wid not in resolved[position]:
                return None
        else:
            skipped = 0  # words (not punctuation) the gap has passed
            while True:
                if position >= count or tokens[position] in _SENTENCE_ENDS:
                    return None
                if wid in resolved[position]:
                    break
                if tokens[position][0].isalnum() or tokens[position][0] == "_":
                    skipped += 1
                    if skipped > MAX_GAP:
                        return None
                position += 1
        position += 1
        gap = False
    return position


def _negated(start: int, tokens: list[str]) -> bool:
    """Is the term at `start` negated: a negator just before it, with at most
    two small words ("zo dat", "echt", "the") in between, in its clause?

    "niet iedereen", "niet zo dat niemand", "maar niet bij iedereen" are negated; in "lukt
    niet voor de hele afdeling" and "not possible for all managers" the negation belongs to
    the verb, not to the group. A negator inside the term ("kan niet inloggen", "geen
    enkele") is the term's own."""
    preposition = False
    for position in range(start - 1, max(-1, start - NEGATION_WINDOW - 1), -1):
        token = tokens[position]
        if token in NEGATORS or token.endswith("n't"):
            if not preposition or position == 0:
                return True
            before = tokens[position - 1]
            return before in _CLAUSE_WORDS or not (before[0].isalnum() or before[0] == "_")
        if token in _NEGATION_PREPOSITIONS:
            preposition = True
        elif token not in _NEGATION_FILLERS:
            return False
    return False

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

All terms are compiled into one tree over term words (`WordMatcher`), and every distinct word
of a text is resolved once (memoised) to the term words it matches and the terms it can
start: a report costs one dictionary look-up per word plus a short walk from the words that
start a phrase; no step scans the text once per term.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, pairwise
from operator import itemgetter
from typing import Any, NamedTuple

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
_PUNCTUATION_PAIRS = tuple((chr(code), str(char)) for code, char in _PUNCTUATION.items())
# Words (an English "n't" kept on its word) and punctuation: sentences end at . ! ? and new
# lines; clauses also at ; : , ( ).
# (Each alternative starts with one character class, so that the regex engine skips the
# spaces between tokens quickly: `\d\d{0,2}` is `\d{1,3}`, `\w\w*` is `\w+`.)
_TOKENS = re.compile(r"\d\d{0,2}(?:[.,]\d{3})+(?!\d)|\w\w*(?:'t\b)?|[.!?\n;:,()]")
# The same for ASCII text (as folded text nearly always is): there `\w`, `\d` and `\b` mean
# the same in both modes, and the ASCII ones are much cheaper to test.
_ASCII_TOKENS = re.compile(_TOKENS.pattern, re.ASCII)
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
# Every word _negated looks at or past: a hit after any other word is not negated.
_NEGATION_WORDS = NEGATORS | _NEGATION_FILLERS | _NEGATION_PREPOSITIONS
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
    # str.translate with a table is slow on non-ASCII text; most texts hold none of these.
    for char, ascii_char in _PUNCTUATION_PAIRS:
        if char in text:
            text = text.replace(char, ascii_char)
    decomposed = unicodedata.normalize("NFKD", text)
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
    """All terms of a rule set, compiled once; `find` returns the terms present in a text.

    The terms are compiled into one tree over term words: a path is a term's words (a `...`
    gap is an edge of its own), a node lists the terms that end there. Each distinct word of
    a text is resolved once (memoised) to the term words it matches and the places in the
    tree where it starts a term; `find` then walks the tree along the words that follow.
    """

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
        # A word's start and end of each of those lengths.
        self._prefix_cuts = [slice(length) for length in self._prefix_lengths]
        self._suffix_cuts = [slice(-length, None) for length in self._suffix_lengths]
        # Terms whose second word follows the first directly start in `_root` (as do the
        # single words), terms with a gap after their first word in `_gap_root`.
        self._root: dict[int, _Node] = {}
        self._gap_root: dict[int, _Node] = {}
        anchored: dict[int, int] = {}  # anchor -> phrases anchored on it so far
        for term, term_words in parsed.items():
            ids = tuple(None if w is None else words[w] for w in term_words)
            self.terms[term] = ids
            first = ids[0]
            assert first is not None
            tree = self._gap_root if len(ids) > 1 and ids[1] is None else self._root
            node = tree.setdefault(first, _Node())
            if len(ids) == 1:
                node.singles.append(term)
                continue
            needed = frozenset(i for i in ids if i is not None)
            anchor = max(needed, key=lambda i: (len(self._words[i].text), -i))
            phrase = _Phrase(term, anchor, anchored.get(anchor, 0))
            anchored[anchor] = phrase.order + 1
            gap = False
            for step in ids[1:]:
                if step is None:
                    gap = True
                    continue
                node = (node.gap if gap else node.next).setdefault(step, _Node())
                gap = False
            node.phrases.append(phrase)
        for node in [*self._root.values(), *self._gap_root.values()]:
            node.seal()
        # Each distinct word of a text, resolved once (emptied by `forget`).
        self._cache = _Memo(self._resolve)

    def forget(self) -> None:
        """Empty the memo of resolved words, as in a fresh process (for benchmarks)."""
        self._cache.clear()

    def _resolve(self, token: str) -> _Resolved:
        """What a word of a text can be: the term words it matches; the single-word terms it
        is, in the order of its own set of ids (the order such hits have always come in);
        the tree's nodes where it starts a phrase, with the next word right after it or after
        a `...` gap."""
        ids = self._word_ids(token)
        roots = [node for wid in ids if (node := self._root.get(wid)) is not None]
        singles = tuple(term for node in roots for term in node.singles)
        starts = tuple(node.next for node in roots if node.next)
        gapped = tuple(node for wid in ids if (node := self._gap_root.get(wid)) is not None)
        return ids, singles, starts, gapped

    def _word_ids(self, token: str) -> frozenset[int]:
        """The ids of the term words this word of a text matches."""
        ids: set[int] = set(self._exact.get(token, ()))
        # The token's start (end) of each length a wildcard word has, up to its own length,
        # shortest first; their ids in that order.
        size = len(token)
        starts = self._prefix_cuts[: bisect_right(self._prefix_lengths, size)]
        ids.update(*filter(None, map(self._prefix.get, map(token.__getitem__, starts))))
        if self._suffix_cuts:
            ends = self._suffix_cuts[: bisect_right(self._suffix_lengths, size)]
            ids.update(*filter(None, map(self._suffix.get, map(token.__getitem__, ends))))
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
        return frozenset(ids)

    def _typo_ids(self, token: str) -> set[int]:
        # Whole words: the token, or the token with one letter dropped, as an indexed variant.
        variants = [token, *_deletes(token)]
        # Wildcard words: compare their fixed part with the token's start of about that length
        # (each distinct start once).
        heads = {
            token[:cut]
            for length in self._prefix_lengths
            if length >= TYPO_MIN and length - 1 <= len(token)
            for cut in (length - 1, length, length + 1)
        }
        for head in heads:
            variants.append(head)
            variants.extend(_deletes(head))
        # The word ids of the variants that are indexed, in the variants' order.
        candidates: set[int] = set()
        candidates.update(*filter(None, map(self._typo.get, variants)))
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
        Hits of the same span come in a fixed order: single words in the order of the word's
        own id set, phrases as `_Phrase` says.
        """
        folded = fold(text)
        tokens: list[str] = (_ASCII_TOKENS if folded.isascii() else _TOKENS).findall(folded)
        count = len(tokens)
        words = list(map(self._cache.__getitem__, tokens))
        resolved: list[frozenset[int]] = list(map(_IDS, words))
        found: list[tuple[int, int, str]] = []
        phrases: list[tuple[int, int, _Phrase]] = []
        present: frozenset[int] | None = None  # every term word in the text, when needed
        # Only the words that match a term word are visited (compress skips the empty sets).
        for start in compress(range(count), resolved):
            _ids, singles, starts, gapped = words[start]
            for term in singles:
                found.append((start, start + 1, term))
            if starts and start + 1 < count and (following := resolved[start + 1]):
                for children in starts:
                    for wid in following:
                        child = children.get(wid)
                        if child is not None:
                            _reached(child, start, start + 1, resolved, tokens, phrases)
            if gapped:
                if present is None:
                    present = frozenset().union(*resolved)
                for node in gapped:
                    # A gap is walked word by word: only when a word after it is there at all.
                    if not node.after_gap.isdisjoint(present):
                        for child, at in _after_gap(node.gap, start + 1, resolved, tokens):
                            _reached(child, start, at, resolved, tokens, phrases)
        if phrases:
            phrases.sort(key=_SPAN)
            if any(a[:2] == b[:2] for a, b in pairwise(phrases)):
                # The same span: the order such hits have always come in (see `_Phrase`).
                if present is None:
                    present = frozenset().union(*resolved)
                rank = {wid: place for place, wid in enumerate(present)}
                phrases.sort(key=lambda p: (p[0], p[1], rank[p[2].anchor], p[2].order))
            found += [(start, end, phrase.term) for start, end, phrase in phrases]
            found.sort(key=_SPAN)
        if not found:
            return []
        # Where sentences end (a run of ". \n\n" is one end): a hit's sentence is its count.
        marks = list(compress(range(count), map(_SENTENCE_ENDS.__contains__, tokens)))
        ends = [m for k, m in enumerate(marks) if k == 0 or marks[k - 1] != m - 1]
        return [
            _new_hit(
                Hit,
                (
                    term,
                    start,
                    end,
                    # Most hits follow a word that neither negates nor may stand between.
                    start > 0
                    and (tokens[start - 1] in _NEGATION_WORDS or tokens[start - 1].endswith("n't"))
                    and _negated(start, tokens),
                    bisect_left(ends, start),
                ),
            )
            for start, end, term in found
        ]


class _Phrase(NamedTuple):
    """A term of several words, and its place among hits of the same span: by its anchor (its
    longest word), ranked as the anchor stands in the set of all term words of the text, then
    in the order of the terms (the order such hits have always come in)."""

    term: str
    anchor: int  # the id of its longest word
    order: int  # its place among the phrases with that anchor, in the order of the terms


class _Node:
    """A place in the tree of terms: the terms that end here and where the next word leads."""

    __slots__ = ("after_gap", "deeper", "gap", "next", "phrases", "singles")

    def __init__(self) -> None:
        self.singles: list[str] = []  # single-word terms (at the first word only)
        self.phrases: list[_Phrase] = []  # phrases that end here
        self.next: dict[int, _Node] = {}  # the next word, right after this one
        self.gap: dict[int, _Node] = {}  # the next word after a `...` gap
        self.deeper = False  # is there a next word or a gap at all
        self.after_gap: frozenset[int] = frozenset()  # the words after the gap

    def seal(self) -> None:
        """After the last term is in: set `deeper`, here and below."""
        children = [*self.next.values(), *self.gap.values()]
        self.deeper = bool(children)
        self.after_gap = frozenset(self.gap)
        for child in children:
            child.seal()


# One word of a text, resolved: its term words, its single-word terms, and where it starts
# phrases in the tree (the next words right after it; the nodes with a gap after it).
_Resolved = tuple[frozenset[int], tuple[str, ...], tuple[dict[int, _Node], ...], tuple[_Node, ...]]
# Builds a Hit as the NamedTuple's own __new__ does, without that Python-level call.
_new_hit = tuple.__new__
_IDS = itemgetter(0)
_SPAN = itemgetter(0, 1)


class _Memo(dict[Any, Any]):
    """A dict that computes a missing key's value once (bounded: emptied when full)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self._compute(key)
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


def _reached(
    node: _Node,
    start: int,
    at: int,
    resolved: list[frozenset[int]],
    tokens: list[str],
    phrases: list[tuple[int, int, _Phrase]],
) -> None:
    """A phrase that starts at `start` has reached `node` with the word at `at`: record the
    phrases that end here and follow the words after it."""
    for phrase in node.phrases:
        phrases.append((start, at + 1, phrase))
    if not node.deeper:
        return
    position = at + 1
    if node.next and position < len(resolved):
        for wid in resolved[position]:
            child = node.next.get(wid)
            if child is not None:
                _reached(child, start, position, resolved, tokens, phrases)
    if node.gap:
        for child, where in _after_gap(node.gap, position, resolved, tokens):
            _reached(child, start, where, resolved, tokens, phrases)


def _after_gap(
    children: dict[int, _Node], position: int, resolved: list[frozenset[int]], tokens: list[str]
) -> list[tuple[_Node, int]]:
    """Where each word a `...` gap may lead to first occurs from `position` on: a gap passes
    up to MAX_GAP words and crosses commas and brackets, not the end of a sentence."""
    steps: list[tuple[_Node, int]] = []
    seen: set[int] = set()
    skipped = 0  # words (not punctuation) the gap has passed
    count = len(resolved)
    while position < count and tokens[position] not in _SENTENCE_ENDS:
        for wid in resolved[position]:
            child = children.get(wid)
            if child is not None and wid not in seen:
                seen.add(wid)
                steps.append((child, position))
        if tokens[position][0].isalnum() or tokens[position][0] == "_":
            skipped += 1
            if skipped > MAX_GAP:
                break
        position += 1
    return steps


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

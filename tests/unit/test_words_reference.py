"""bot/engine/words.py and bot/reading.py against plain reference versions of their rules.

The matcher compiles every term into one tree over term words and walks it only from the
words that start a phrase; reading runs its slow patterns only on text that can match them.
Both exist for speed and must decide exactly what the plain versions decide. Here a
deliberately naive matcher (every term tried at every position, each word compared with
every term word, the old tokenizer pattern) and the plain pattern calls are run side by side
with the real code on tricky texts: typing errors, negation, word boundaries, accents and
case, gaps, numbers, hits of the same span, and some thousands of seeded random mixes.
"""

from __future__ import annotations

import random
import re

import pytest

from bot import reading
from bot.engine.words import (
    MAX_GAP,
    NUMBER_CLASSES,
    TYPO_MIN,
    WordMatcher,
    _negated,
    _Word,
    fold,
    one_edit,
    parse_term,
)

# The tokenizer pattern as first written; words.py spells it so the regex engine runs faster.
OLD_TOKENS = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\w+(?:'t\b)?|[.!?\n]|[;:,()]")
ENDS = frozenset(".!?\n")

TERMS = [
    "inloggen",
    "kan niet inloggen",
    "kan niet inlog*",
    "niemand kan",
    "niemand",
    "iedereen",
    "niet iedereen",
    "alle medewerkers",
    "#veel medewerkers",
    "#paar collega's",
    "evaluatie*",
    "evaluaties",
    "*evaluatie*",
    "*wachtwoord",
    "wachtwoord resetten",
    "foutmelding",
    "workaround ... niet mogelijk",
    "workaround ... onmogelijk",
    "werkt ... niet meer",
    "werkt niet",
    "niet meer",
    "niet meer zichtbaar",
    "plat",
    "overal",
    "can't log in",
    "log",
    "e-mail",
    "storing",
    "geen storing",
    "ideeën",
    "één gebruiker",
    "500",
    "de hele afdeling",
    "all managers",
    "module",
]

TRICKY = [
    "Niemand kan inloggen. Iedereen ziet een foutmelding!",
    "Het platform ligt NIET overal plat; niet iedereen merkt het.",
    "Ik kan niet inlogen en mijn inlogwachtwoord resetten lukt niet",
    "De evalautie en de EVALUATIES en het zelfevaluatieformulier zijn weg",
    "Een workaround, zoals CSV (handmatig), is niet mogelijk. Workaround? Onmogelijk.",
    "workaround w1 w2 w3 w4 w5 w6 onmogelijk, workaround w1 w2 w3 w4 w5 w6 w7 onmogelijk",
    "Het werkt, sinds de update, niet meer. De knop is niet meer zichtbaar",
    "I can\u2019t log in, we don't log in and the log is empty",
    "Er is geen storing maar wel een storing bij 1.400 medewerkers en 3 collega's",
    "300 medewerkers, 20 medewerkers, 19 medewerkers, 5000 medewerkers, 2,000 medewerkers",
    "Ideeen? IDEEËN! Één gebruiker, een gebruiker, e-mail en email",
    "doelen aanmaken lukt niet voor de hele afdeling; not possible for all managers",
    "Het werkt, maar niet bij iedereen. niet echt overal plat, niet echt helemaal overal plat",
    "de modulle laadt niet, de modle ook niet, foutmeldign, fuotmeldign",
    "iemand kan niet inloggen\n\nniemand\nkan inloggen",
    "kan niet inloggen kan niet inloggen kan niet inloggen",
    "",
    "...",
    "500 errors, 5000 gebruikers, 500.",
    "werkt niet werkt ... niet meer werkt niet meer",
]


class Reference:
    """The matcher's rules written as plainly as possible."""

    def __init__(self, terms: list[str], typos: bool = True) -> None:
        self.terms = {term: parse_term(term) for term in dict.fromkeys(terms)}
        self.words = list({w: None for ws in self.terms.values() for w in ws if w is not None})
        self.typos = typos

    def matches(self, token: str) -> set[_Word]:
        found = {w for w in self.words if _plain(w, token)}
        if token[0].isdigit():
            digits = token.replace(".", "").replace(",", "")
            number = int(digits) if digits.isdigit() and len(digits) <= 9 else None
            for name, (low, high) in NUMBER_CLASSES.items():
                if number is not None and number >= low and (high is None or number <= high):
                    found |= {w for w in self.words if w == _Word(name, False, False)}
        elif self.typos and len(token) >= TYPO_MIN and not found:
            found = {w for w in self.words if _typo(w, token)}
        return found

    def find(self, text: str) -> list[tuple[str, int, int, bool, int]]:
        tokens = OLD_TOKENS.findall(fold(text))
        matched = [self.matches(token) for token in tokens]
        hits = []
        for term, words in self.terms.items():
            for start in range(len(tokens)):
                end = _match_at(words, start, matched, tokens)
                if end is not None:
                    sentence = sum(
                        1
                        for i in range(start)
                        if tokens[i] in ENDS and (i == 0 or tokens[i - 1] not in ENDS)
                    )
                    hits.append((term, start, end, _negated(start, tokens), sentence))
        return sorted(hits)


def _plain(word: _Word, token: str) -> bool:
    if word.prefix and word.suffix:
        return word.text in token
    if word.prefix:
        return token.startswith(word.text)
    if word.suffix:
        return token.endswith(word.text)
    return token == word.text


def _typo(word: _Word, token: str) -> bool:
    text = word.text
    if len(text) < TYPO_MIN or word.suffix or "'" in text or text[0] != token[0]:
        return False
    if word.prefix:
        cuts = (len(text) - 1, len(text), len(text) + 1)
        return any(one_edit(token[:cut], text) for cut in cuts if cut <= len(token))
    return one_edit(token, text)


def _match_at(
    words: tuple[_Word | None, ...], start: int, matched: list[set[_Word]], tokens: list[str]
) -> int | None:
    position, gap = start, False
    for word in words:
        if word is None:
            gap = True
            continue
        if not gap:
            if position >= len(tokens) or word not in matched[position]:
                return None
        else:
            skipped = 0
            while True:
                if position >= len(tokens) or tokens[position] in ENDS:
                    return None
                if word in matched[position]:
                    break
                if tokens[position][0].isalnum() or tokens[position][0] == "_":
                    skipped += 1
                    if skipped > MAX_GAP:
                        return None
                position += 1
        position += 1
        gap = False
    return position


def _random_text(rng: random.Random) -> str:
    """A mix of term words (some mistyped, recased, accented), negators, fillers, numbers and
    punctuation."""
    vocabulary = [w for term in TERMS for w in term.replace("*", "").split()]
    vocabulary += ["niet", "geen", "not", "no", "n't", "zo", "dat", "echt", "de", "bij", "voor"]
    vocabulary += ["maar", "but", "1.400", "25", "3", "x7", "één", "ë", "ideeën", "Ïets"]
    pieces = []
    for _ in range(rng.randint(1, 40)):
        word = rng.choice(vocabulary)
        roll = rng.random()
        if roll < 0.1 and len(word) > 3:  # one typing error
            i = rng.randrange(1, len(word) - 1)
            word = rng.choice(
                [
                    word[:i] + word[i + 1 :],  # a letter missing
                    word[:i] + "x" + word[i:],  # one extra
                    word[:i] + "x" + word[i + 1 :],  # one wrong
                    word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :],  # two swapped
                ]
            )
        elif roll < 0.2:
            word = word.upper()
        elif roll < 0.25:
            word = word.replace("e", "é")
        pieces.append(word)
        pieces.append(rng.choice([" ", " ", " ", ", ", ". ", "\n", "; ", " (", ") ", "\u2019t "]))
    return "".join(pieces)


@pytest.fixture(scope="module")
def pair() -> tuple[WordMatcher, Reference]:
    return WordMatcher(TERMS), Reference(TERMS)


@pytest.mark.parametrize("text", TRICKY)
def test_the_matcher_finds_what_the_plain_rules_find(
    pair: tuple[WordMatcher, Reference], text: str
) -> None:
    matcher, reference = pair
    hits = [tuple(hit) for hit in matcher.find(text)]
    assert sorted(hits) == reference.find(text)
    assert [h[1:3] for h in hits] == sorted(h[1:3] for h in hits)  # in text order


def test_the_matcher_agrees_on_random_mixes(pair: tuple[WordMatcher, Reference]) -> None:
    matcher, reference = pair
    rng = random.Random(20261130)
    for _ in range(1500):
        text = _random_text(rng)
        assert sorted(tuple(hit) for hit in matcher.find(text)) == reference.find(text), text


def test_without_typo_tolerance_too() -> None:
    matcher, reference = WordMatcher(TERMS, typos=False), Reference(TERMS, typos=False)
    for text in TRICKY:
        assert sorted(tuple(hit) for hit in matcher.find(text)) == reference.find(text)


def test_the_same_answer_after_forgetting_the_memo(pair: tuple[WordMatcher, Reference]) -> None:
    matcher, _reference = pair
    first = [matcher.find(text) for text in TRICKY]
    matcher.forget()
    assert [matcher.find(text) for text in TRICKY] == first


@pytest.mark.parametrize(
    ("terms", "text", "order"),
    [
        # Hits of the same span keep the order they have always come in (the factors list
        # the words that set them in this order).
        (
            ["kan niet inloggen", "kan niet inlog*"],
            "Ik kan niet inloggen.",
            ["kan niet inloggen", "kan niet inlog*"],
        ),
        (
            ["kan niet inlog*", "kan niet inloggen"],
            "Ik kan niet inloggen.",
            ["kan niet inlog*", "kan niet inloggen"],
        ),
        (
            ["evaluaties", "evaluatie*", "*evaluatie*"],
            "De evaluaties zijn weg",
            ["evaluaties", "evaluatie*", "*evaluatie*"],
        ),
        (
            ["*evaluatie*", "evaluatie*", "evaluaties"],
            "De evaluaties zijn weg",
            ["*evaluatie*", "evaluatie*", "evaluaties"],
        ),
        (
            ["niet ... inloggen", "niet inloggen", "niet inlog*"],
            "wij kunnen niet inloggen",
            ["niet ... inloggen", "niet inloggen", "niet inlog*"],
        ),
    ],
)
def test_hits_of_the_same_span_keep_their_order(
    terms: list[str], text: str, order: list[str]
) -> None:
    assert [hit.term for hit in WordMatcher(terms).find(text)] == order


@pytest.mark.parametrize(
    "text",
    [
        "Dit is 1.400 keer 1,400,000 of 12.3456 en 1.40 of 1.4000",
        "I can't, you don't, they won't: isn't it? o'neill 't is",
        "snake_case_word __init__ x_1 ٣٤٥ ²³ 1.٣٤٥",
        "(haakjes); punt. vraag? uitroep! komma, dubbele: punt\n\nnieuwe regel",
        "ascii controls\x1c\x1d\x1e\x1fare not spaces to \\w, \x7f, ~`^|\\",
        "tab\there \u2014 dash \u2013 \u2018quote\u2019 \u201cdouble\u201d non\u00a0breaking",
    ],
)
def test_the_tokenizer_splits_as_the_first_pattern_did(text: str) -> None:
    from bot.engine.words import _ASCII_TOKENS, _TOKENS

    folded = fold(text)
    assert _TOKENS.findall(folded) == OLD_TOKENS.findall(folded)
    ascii_only = folded.encode("ascii", "ignore").decode()
    assert _ASCII_TOKENS.findall(ascii_only) == OLD_TOKENS.findall(ascii_only)


def test_folding_without_str_translate_folds_as_before() -> None:
    table = str.maketrans(
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
    import unicodedata

    def old_fold(text: str) -> str:
        if text.isascii():
            return text.lower()
        decomposed = unicodedata.normalize("NFKD", text.translate(table))
        return re.sub(
            "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+", "", decomposed
        ).casefold()

    for text in [
        "Ideeën \u201cx\u201d \u2013 y\u2019s \u2018z\u2019 \u02bc\u00a0Straße ÉÉN ǖ ﬁ",
        *TRICKY,
    ]:
        assert fold(text) == old_fold(text)


# -- reading: the slow patterns run only where they can match ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dit bericht kan vertrouwelijke informatie bevatten.",
        "DIT E-MAILBERICHT IS UITSLUITEND BESTEMD VOOR DE GEADRESSEERDE",
        "Disclaimer: niets",
        "  disclaimer",
        "This e-mail and any attachments may be confidential.",
        "If you have received this message in error, please delete it.",
        "Bent u niet de beoogde ontvanger, verwijder dit bericht dan.",
        "Indien u dit bericht per abuis hebt ontvangen",
        "Aan dit bericht kunnen geen rechten worden ontleend",
        "De informatie verzonden met dit e-mailbericht is vertrouwelijk",
        # Letters outside ASCII that the pattern folds to ASCII ones.
        "D\u0130T BER\u0130CHT KAN VERTROUWELIJKE INFORMATIE BEVATTEN",
        "d\u0131t ber\u0131cht kan vertrouwel\u0131jke informatie bevatten",
        "Thi\u017f me\u017f\u017fage i\u017f \u017ftrictly confidential",
        "Aan dit bericht \u212aunnen geen rechten worden ontleend",
        "Ideeën voor het rapport: de export werkt niet",
        "Het bericht over de storing is verstuurd",
        "the intended audience is HR",
        "",
    ],
)
def test_the_disclaimer_check_answers_as_the_pattern(text: str) -> None:
    assert reading._has_disclaimer(text) is (reading._DISCLAIMER.search(text) is not None)


@pytest.mark.parametrize(
    "line",
    [
        "Verzonden vanaf mijn iPhone",
        "verstuurd met mijn Android",
        "Sent from my iPad",
        "\u017fent from my iPad",
        "Outlook voor iOS downloaden",
        "Get Outlook for Android",
        "Groeten, Anja",
        "",
        "  Verzonden vanaf mijn telefoon  ",
    ],
)
def test_the_mobile_footer_check_answers_as_the_pattern(line: str) -> None:
    stripped = line.strip()
    fast = stripped[:1].lower() in reading._MOBILE_FIRST and bool(
        reading._MOBILE.fullmatch(stripped)
    )
    assert fast is bool(reading._MOBILE.fullmatch(stripped))


@pytest.mark.parametrize(
    "line",
    [
        "Verzonden vanaf mijn iPhone",
        "VERSTUURD MET MIJN ANDROID",
        "\u017fent from my iPad",
        "SENT FROM MY PHONE",
        "Outloo\u212a voor iOS downloaden",
        "Get OUTLOOK for Android",
    ],
)
def test_a_mobile_footer_holds_one_of_the_words_the_text_is_checked_for(line: str) -> None:
    # _split_tail only looks for a _MOBILE line in a text with one of these words.
    assert reading._MOBILE.fullmatch(line.strip())
    assert any(word in reading._lowered(f"Tekst\n{line}") for word in reading._MOBILE_WORDS)


def test_header_lines_are_found_as_by_trying_every_line() -> None:
    rng = random.Random(7)
    kinds = [
        "Op di 10 nov. 2026 om 09:12 schreef Jan <jan@x.nl>:",
        "On Tue, 10 Nov 2026 at 09:12, Jan wrote:",
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "Begin doorgestuurd bericht:",
        "Van: Jan",
        "Verzonden: dinsdag",
        "* Van: *",
        "> quoted",
        "gewone regel",
        "",
        "   ",
        "x" * 500,
    ]
    for _ in range(300):
        lines = [rng.choice(kinds) for _ in range(rng.randint(0, 12))]
        forwards, replies = reading._header_starts(lines)
        assert reading._find(lines, reading._forward_size, forwards) == reading._find(
            lines, reading._forward_size
        )
        assert reading._find(lines, reading._reply_size, replies) == reading._find(
            lines, reading._reply_size
        )

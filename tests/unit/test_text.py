"""Text matching for rule terms: case, accents, whole words, wildcards, phrases, regexes."""

from __future__ import annotations

import pytest

from bot.engine.text import SENTINEL_TERM, TermError, TermMatcher, compile_term, fold


def hits(term: str, text: str) -> bool:
    matcher = TermMatcher([term])
    return matcher.match(text) == [SENTINEL_TERM, 1]


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("wachtwoord", "Mijn WACHTWOORD werkt niet", True),
        ("wachtwoord", "mijn wachtwoorden", False),
        ("log", "ik kan niet inloggen", False),
        ("log", "het log is leeg", True),
        ("log", "log.", True),
        ("inlog*", "Inloggen lukt niet", True),
        ("inlog*", "inlog", True),
        ("evaluatie*", "de evaluaties", True),
        ("evaluatie*", "het evaluatieformulier", True),
        ("evaluatie*", "zelfevaluatie", False),
        ("*evaluatie", "zelfevaluatie", True),
        ("*evaluatie*", "zelfevaluatieformulier", True),
        ("ideeën", "ideeen", True),
        ("ideeen", "Ideeën voor later", True),
        ("café", "CAFE", True),
        ("kan niet inloggen", "ik KAN   niet\ninloggen", True),
        ("kan niet inloggen", "kan niet meer inloggen", False),
        ("kan niet inlog*", "kan niet inloggen", True),
        ("niets kapot", "Er is niets kapot, maar een vraag", True),
        ("e-mail", "de e-mail komt niet aan", True),
        ("e-mail", "de email komt niet aan", False),
        ("/wacht ?woord/", "wacht woord", True),
        ("/wacht ?woord/", "wachtwoord", True),
        ("500", "een 500 error", True),
        ("500", "5000 gebruikers", False),
        ("straße", "STRASSE", True),
    ],
)
def test_term_matching(term: str, text: str, expected: bool) -> None:
    assert hits(term, text) is expected


def test_sentinel_always_present_and_ids_sorted() -> None:
    matcher = TermMatcher(["b", "a", "c"])
    assert matcher.match("niets") == [SENTINEL_TERM]
    assert matcher.match("c a") == [SENTINEL_TERM, 2, 3]


def test_duplicate_terms_share_one_id() -> None:
    matcher = TermMatcher(["kapot", "kapot", "stuk"])
    assert len(matcher) == 2
    assert matcher.ids == {"kapot": 1, "stuk": 2}


def test_two_terms_for_the_same_word_both_match() -> None:
    matcher = TermMatcher(["Kapot", "kapot"])
    assert matcher.match("kapot") == [SENTINEL_TERM, 1, 2]


@pytest.mark.parametrize("term", ["", "   ", "*", "**", "/([a-z/", "ka*pot"])
def test_unusable_terms_are_refused(term: str) -> None:
    with pytest.raises(TermError):
        compile_term(term)


def test_fold() -> None:
    assert fold("Ëën Çafé ÅB") == "een cafe ab"


def test_long_text_matches_near_its_end() -> None:
    matcher = TermMatcher(["kapot", "kan niet inloggen"])
    text = "bla " * 12_500 + "kan niet inloggen, alles kapot"
    assert len(text) > 50_000
    assert matcher.match(text) == [SENTINEL_TERM, 1, 2]


def test_phrase_matching_agrees_with_the_regular_expression_it_replaces() -> None:
    """Phrases are matched on words for speed; the reference is the plain regex form."""
    import random
    import re

    def word_pattern(word: str) -> str:  # the form phrases had before they were matched on words
        lead, core, trail = word.startswith("*"), word.strip("*"), word.endswith("*")
        return (r"\w*" if lead else r"(?<!\w)") + re.escape(core) + (r"\w*" if trail else r"(?!\w)")

    phrases = [
        "kan niet inloggen",
        "kan niet inlog*",
        "*log in",
        "niet *werk*",
        "export* werkt",
        "de de",
        "a b a",
    ]
    vocabulary = [
        "kan",
        "niet",
        "inloggen",
        "inlog",
        "log",
        "in",
        "export",
        "exports",
        "werkt",
        "meewerkt",
        "de",
        "a",
        "b",
        ",",
        ".",
        "\n",
        "  ",
    ]
    rng = random.Random(7)
    matcher = TermMatcher(phrases)
    references = [re.compile(r"\s+".join(word_pattern(w) for w in p.split())) for p in phrases]
    for _ in range(3000):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 12)))
        expected = [i + 1 for i, ref in enumerate(references) if ref.search(text.lower())]
        assert matcher.match(text) == [SENTINEL_TERM, *expected], text


def test_re2_agrees_with_python_re_on_patterns_both_accept() -> None:
    """Team leads' patterns moved from `re` to RE2 (issue 12): same answers where both apply."""
    import random

    patterns = [
        "/\\b(zie|ziet)\\b[^.?!\\n]{0,20}?\\bniet meer\\b/",
        "/(iedereen|niemand) kan/",
        "/wacht ?woord/",
        "/kan (ik|je) niet/",
        "/\\w+[^.?!\\n]{0,20}?\\bniet meer\\b/",
        "/\\bik\\b/",
        "/\\b(zie|ziet)\\b/",
        "/(ik|je)ziet/",
    ]
    words = [
        "zie",
        "ziet",
        "niet",
        "meer",
        "iedereen",
        "niemand",
        "kan",
        "wacht",
        "woord",
        "wachtwoord",
        "ik",
        "ikziet",
        "xzie",
        "je",
        ".",
        "x",
    ]
    matcher = TermMatcher(patterns)
    rng = random.Random(3)
    import re

    compiled = [re.compile(p[1:-1]) for p in patterns]
    for _ in range(2000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 10)))
        expected = [i + 1 for i, c in enumerate(compiled) if c.search(text)]
        assert matcher.match(text) == [SENTINEL_TERM, *expected], text

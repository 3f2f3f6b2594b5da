"""bot/engine/words.py: a team lead's plain words found in a report.

Whole words, case and accent folding, `*` wildcards, phrases, `a ... b` gaps, one typing
error in long words (never the first letter), and clause-level negation in Dutch and English.
"""

from __future__ import annotations

import pytest

from bot.engine.words import (
    MAX_GAP,
    NEGATION_WINDOW,
    TYPO_MIN,
    Hit,
    TermError,
    WordMatcher,
    fold,
    one_edit,
    parse_term,
)


def find(terms: list[str] | str, text: str, typos: bool = True) -> list[Hit]:
    return WordMatcher([terms] if isinstance(terms, str) else terms, typos).find(text)


def found(term: str, text: str, typos: bool = True) -> bool:
    return any(hit.term == term for hit in find(term, text, typos))


def negated(term: str, text: str) -> bool:
    """Whether the one hit of `term` in `text` is negated (the term must be found once)."""
    [hit] = [h for h in find(term, text) if h.term == term]
    return hit.negated


# -- whole words, folding, wildcards, phrases ----------------------------------------------


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("wachtwoord", "Mijn WACHTWOORD is verlopen", True),
        ("log", "ik kan niet inloggen", False),
        ("log", "het log is leeg", True),
        ("log", "zie het log.", True),
        ("kapot", "kapotte knop", False),
        ("ideeën", "Ideeen voor later", True),
        ("ideeen", "IDEEËN voor later", True),
        ("évaluatie", "de Evaluatie", True),
        ("can't", "I can\u2019t log in", True),
        ("500", "een 500 error", True),
        ("500", "5000 gebruikers", False),
        ("evaluatie*", "de evaluaties", True),
        ("evaluatie*", "het evaluatieformulier", True),
        ("evaluatie*", "evaluatie", True),
        ("evaluatie*", "zelfevaluatie", False),
        ("*wachtwoord", "het inlogwachtwoord", True),
        ("*wachtwoord", "wachtwoorden", False),
        ("*evaluatie*", "het zelfevaluatieformulier", True),
        ("e-mail", "de e-mail komt niet aan", True),
    ],
)
def test_whole_words_folding_and_wildcards(term: str, text: str, expected: bool) -> None:
    # typos=False: these are about the exact matching rules.
    assert found(term, text, typos=False) is expected


def test_fold_casefolds_strips_accents_and_typographic_quotes() -> None:
    assert fold("ÉVALUATIE Ideeën") == "evaluatie ideeen"
    assert fold("can\u2019t \u201cquote\u201d \u2013 dash") == 'can\'t "quote" - dash'
    assert fold("Straße") == "strasse"


def test_phrase_needs_its_words_in_order_and_adjacent() -> None:
    assert found("kan niet inloggen", "Ik KAN   niet\tinloggen vandaag")
    assert not found("kan niet inloggen", "ik kan niet meer inloggen")
    assert not found("kan niet inloggen", "inloggen kan niet")
    assert found("kan niet inlog*", "kan niet inloggen")


def test_phrase_does_not_cross_a_clause_break() -> None:
    assert not found("kan niet inloggen", "ik kan, niet inloggen")
    assert not found("werkt niet", "het werkt maar niet heus")
    assert not found("werkt niet", "het werkt. Niet")


def test_hits_come_in_text_order_and_span_their_words() -> None:
    hits = find(["niemand", "kan inloggen"], "Niemand kan inloggen, ook niemand anders.")
    assert [h.term for h in hits] == ["niemand", "kan inloggen", "niemand"]
    starts = [h.start for h in hits]
    assert starts == sorted(starts) and len(set(starts)) == 3
    first, phrase, second = hits
    assert first.end - first.start == 1
    assert phrase.start == first.end  # "kan" follows "Niemand"
    assert phrase.end - phrase.start == 2
    assert second.start > phrase.end  # past the comma and "ook"


def test_sentence_numbers_count_full_stops_question_marks_and_new_lines() -> None:
    hits = find(["a", "b"], "a. b! a? b\na; b, a")
    assert [(h.term, h.sentence) for h in hits] == [
        ("a", 0),
        ("b", 1),
        ("a", 2),
        ("b", 3),
        ("a", 4),
        ("b", 4),  # ; and , break clauses, not sentences
        ("a", 4),
    ]


def test_duplicate_terms_are_one_term() -> None:
    matcher = WordMatcher(["kapot", "kapot", "stuk"])
    assert list(matcher.terms) == ["kapot", "stuk"]
    assert [h.term for h in matcher.find("kapot")] == ["kapot"]


def test_the_same_matcher_gives_the_same_answer_twice() -> None:
    # Words are memoised: the second call must not differ from the first.
    matcher = WordMatcher(["inloggen", "evaluatie*"])
    text = "Inlogen lukt niet, de evaluaties ook niet."
    first = matcher.find(text)
    assert first == matcher.find(text)
    assert [h.term for h in first] == ["inloggen", "evaluatie*"]


# -- gaps ---------------------------------------------------------------------------------------


def test_gap_allows_up_to_six_words_between() -> None:
    assert MAX_GAP == 6
    for between in range(MAX_GAP + 1):
        text = "workaround " + " ".join(f"w{i}" for i in range(between)) + " onmogelijk"
        assert found("workaround ... onmogelijk", text), between
    too_far = "workaround " + " ".join(f"w{i}" for i in range(MAX_GAP + 1)) + " onmogelijk"
    assert not found("workaround ... onmogelijk", too_far)


def test_gap_may_also_be_empty_and_the_hit_spans_the_whole_phrase() -> None:
    [empty] = find("werkt ... niet", "Het werkt niet.")
    assert empty.end - empty.start == 2
    [two] = find("werkt ... niet", "Het werkt sinds gisteren niet.")
    assert two.start == empty.start
    assert two.end - two.start == 4


def test_gap_crosses_commas_and_brackets() -> None:
    assert found("workaround ... onmogelijk", "Een workaround, zoals CSV, is onmogelijk.")
    assert found("workaround ... onmogelijk", "Een workaround (CSV) is onmogelijk.")


def test_punctuation_in_a_gap_does_not_count_as_words() -> None:
    # "up to six words": commas and brackets between them are not words.
    assert found("workaround ... onmogelijk", "workaround (w1 w2) w3, w4 onmogelijk")
    six = "workaround, w1 w2 w3, w4 w5 w6 onmogelijk"
    assert found("workaround ... onmogelijk", six)


def test_gap_crosses_commas_before_a_phrase_of_several_words() -> None:
    # The words after the gap are a phrase of their own: "niet mogelijk" follows the gap.
    assert found("workaround ... niet mogelijk", "Een workaround is niet mogelijk.")
    assert found("workaround ... niet mogelijk", "Een workaround, zoals CSV, is niet mogelijk.")
    assert found("werkt ... niet meer", "Het werkt, sinds de update, niet meer.")


@pytest.mark.parametrize("end", [".", "!", "?", "\n"])
def test_gap_does_not_cross_the_end_of_a_sentence(end: str) -> None:
    assert not found("workaround ... onmogelijk", f"Er is een workaround{end} Dat is onmogelijk")


# -- typing errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "typo"),
    [
        ("inloggen", "inlogen"),  # a letter missing
        ("inloggen", "inlogggen"),  # a letter extra
        ("inloggen", "inloggan"),  # a letter wrong
        ("inloggen", "inlgogen"),  # two letters swapped
        ("foutmelding", "foutmeldig"),
        ("evaluatie", "evalautie"),
        ("storing", "stroing"),
    ],
)
def test_one_typing_error_is_forgiven_in_long_words(term: str, typo: str) -> None:
    assert len(term) >= TYPO_MIN
    text = f"Vandaag: {typo} werkt niet."
    assert found(term, text)
    assert not found(term, text, typos=False)


def test_typos_are_forgiven_in_typed_words_of_six_letters_or_more() -> None:
    # README: one typing error is forgiven "in words of six letters or more, counted as the
    # customer typed them". A five-letter word is never corrected: "delen" (to share) is a
    # word of its own, one letter from "doelen" (goals).
    assert len("module") == TYPO_MIN
    assert found("module", "de modulle laadt niet")
    assert not found("module", "de modle laadt niet")
    assert not found("doelen", "gegevens delen met HR")


def test_inlogen_matches_inloggen_in_a_phrase_too() -> None:
    assert found("kan niet inloggen", "ik kan niet inlogen")
    assert found("inloggen", "Niemand kan inlogen.")


def test_typo_in_a_wildcard_word_is_compared_on_its_fixed_part() -> None:
    assert found("evaluatie*", "het evalautieformulier")
    assert found("evaluatie*", "de evaluaties")


def test_two_typing_errors_are_too_many() -> None:
    assert not found("inloggen", "inlgogn")
    assert not found("foutmelding", "fuotmeldign")  # two swaps
    assert found("foutmelding", "foutmeldign")  # one swap


def test_short_words_get_no_typo_tolerance() -> None:
    term = "kapot"
    assert len(term) < TYPO_MIN
    assert not found(term, "kappot")
    assert not found(term, "kapt")
    assert not found("traag", "traagg")


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("niemand", "iemand heeft een vraag"),  # not "niemand": the opposite
        ("iemand", "niemand kan inloggen"),
        ("storing", "toring"),
        ("storing", "xtoring"),
    ],
)
def test_a_different_first_letter_is_a_different_word(term: str, text: str) -> None:
    assert not found(term, text)


def test_an_exact_word_is_not_also_a_typo_of_another() -> None:
    # "verkeerd" is a word of its own, one letter from "verkeerde": both listed, each found
    # only as itself.
    matcher = WordMatcher(["verkeerd", "verkeerde"])
    assert [h.term for h in matcher.find("verkeerde")] == ["verkeerde"]
    assert [h.term for h in matcher.find("verkeerd")] == ["verkeerd"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("inloggen", "inloggen", True),
        ("inloggen", "inlogen", True),
        ("inlogen", "inloggen", True),
        ("inloggen", "inlgogen", True),
        ("inloggen", "inloggan", True),
        ("inloggen", "inlgogne", False),
        ("abc", "abcde", False),
        ("ab", "ba", True),
        ("abcd", "badc", False),
        ("abcd", "acbd", True),
        ("abcd", "axcy", False),
        ("", "a", True),
    ],
)
def test_one_edit(a: str, b: str, expected: bool) -> None:
    assert one_edit(a, b) is expected
    assert one_edit(b, a) is expected


# -- negation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "negator",
    ["niet", "geen", "niets", "not", "no", "never", "nooit", "nergens", "cannot", "NIET"],
)
def test_each_negator_negates_a_following_word(negator: str) -> None:
    assert negated("iedereen", f"het is {negator} iedereen")


@pytest.mark.parametrize(
    "text",
    [
        "I can't log in",
        "I can\u2019t log in",
        "we don't log in",
        "it isn't log in",
        "you won't log in",
    ],
)
def test_english_nt_negates(text: str) -> None:
    assert negated("log", text)


def test_negation_reaches_three_words_back_over_small_words() -> None:
    assert NEGATION_WINDOW == 3
    assert negated("plat", "het ligt niet overal plat")  # niet, overal, plat: 2 back
    assert negated("plat", "niet echt overal plat")  # 3 back, two small words between
    assert not negated("plat", "niet echt helemaal overal plat")  # 4 back
    # Only small words: a verb or a noun in between ends the search.
    assert not negated("plat", "niet een twee plat")


def test_after_a_verb_the_negation_is_the_verbs() -> None:
    # "lukt niet voor de hele afdeling": it fails for the whole department.
    assert not negated("de hele", "doelen aanmaken lukt niet voor de hele afdeling")
    assert not negated("all managers", "signing is not possible for all managers")
    # At the start of a clause the preposition may stand in between: "not for everyone".
    assert negated("iedereen", "Het werkt, maar niet bij iedereen.")


def test_platform_not_down_everywhere_negates_both_words() -> None:
    hits = find(["overal", "plat"], "Het platform ligt NIET overal plat.")
    assert [(h.term, h.negated) for h in hits] == [("overal", True), ("plat", True)]


@pytest.mark.parametrize("brk", [".", "!", "?", ";", ":", ",", "(", ")", "\n"])
def test_negation_stops_at_a_punctuation_clause_break(brk: str) -> None:
    assert not negated("iedereen", f"het lukt niet{brk} iedereen")


@pytest.mark.parametrize(
    "word", ["maar", "but", "echter", "however", "hoewel", "although", "terwijl"]
)
def test_negation_stops_at_a_clause_word(word: str) -> None:
    assert not negated("iedereen", f"het lukt niet {word} iedereen")
    # ... and the word itself is no word of the text: a phrase cannot span it.
    assert not found("niet iedereen", f"niet {word} iedereen")


def test_niemand_kan_inloggen_is_an_outage_not_a_negation() -> None:
    hits = find(["niemand kan", "inloggen", "niemand"], "Niemand kan inloggen.")
    assert {h.term: h.negated for h in hits} == {
        "niemand kan": False,
        "inloggen": False,
        "niemand": False,
    }


def test_a_negator_inside_the_term_is_the_terms_own() -> None:
    assert not negated("kan niet inloggen", "Ik kan niet inloggen")
    assert not negated("geen storing", "Er is geen storing")
    assert not negated("niet meer zichtbaar", "De knop is niet meer zichtbaar")
    # The term without the negator is negated by it.
    assert negated("storing", "Er is geen storing")


def test_a_negator_inside_a_gap_is_the_terms_own() -> None:
    assert not negated("workaround ... mogelijk", "Een workaround is niet mogelijk")


def test_negation_before_a_phrase_is_looked_up_before_its_first_word() -> None:
    assert negated("alle medewerkers", "niet alle medewerkers")
    assert not negated("alle medewerkers", "alle medewerkers niet")


def test_negated_and_plain_hits_of_one_term_are_told_apart() -> None:
    hits = find("iedereen", "Niet iedereen kan inloggen. Iedereen ziet een foutmelding.")
    assert [(h.negated, h.sentence) for h in hits] == [(True, 0), (False, 1)]


# -- terms a team lead may write --------------------------------------------------------------


def test_parse_term_words_gaps_and_wildcards() -> None:
    words = parse_term("Workaround ... niet mogelijk")
    assert [None if w is None else w.text for w in words] == [
        "workaround",
        None,
        "niet",
        "mogelijk",
    ]
    [prefix] = parse_term("evaluatie*")
    assert (prefix.text, prefix.prefix, prefix.suffix) == ("evaluatie", True, False)
    [suffix] = parse_term("*wachtwoord")
    assert (suffix.text, suffix.prefix, suffix.suffix) == ("wachtwoord", False, True)
    [infix] = parse_term("*evaluatie*")
    assert (infix.prefix, infix.suffix) == (True, True)
    [word] = parse_term("Évaluatie")
    assert word.text == "evaluatie"


@pytest.mark.parametrize(
    "term",
    ["", "   ", "...", "... storing", "storing ...", "werkt ... ... niet", "*", "!!!"],
)
def test_unusable_terms_raise_term_error(term: str) -> None:
    with pytest.raises(TermError):
        parse_term(term)


@pytest.mark.parametrize("term", ["evalu*tie", "in*loggen"])
def test_a_wildcard_inside_a_word_is_an_error(term: str) -> None:
    # README: '*' stands at the start or the end of a word. In the middle it would silently
    # become a two-word phrase that no report contains.
    with pytest.raises(TermError):
        parse_term(term)


def test_a_bad_term_is_refused_when_the_matcher_is_built() -> None:
    with pytest.raises(TermError):
        WordMatcher(["storing", "werkt ..."])


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "many", "few"),
    [
        ("het gaat om 300 medewerkers", True, False),
        ("ruim 1.400 medewerkers kunnen niet inloggen", True, False),
        ("about 2,000 medewerkers", True, False),
        ("20 medewerkers", True, False),
        ("19 medewerkers", False, False),
        ("bij 3 medewerkers", False, True),
        ("15 medewerkers", False, True),
        ("1 medewerkers", False, False),
    ],
)
def test_number_words_match_by_value(text: str, many: bool, few: bool) -> None:
    assert found("#veel medewerkers", text) is many
    assert found("#paar medewerkers", text) is few


def test_a_thousands_separator_does_not_end_the_sentence() -> None:
    # "1.400" is one number: the words after it stand in the same sentence.
    [hit] = find("alle ... medewerkers", "Alle 1.400 medewerkers zijn getroffen.")
    assert hit.sentence == 0

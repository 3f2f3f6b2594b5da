"""A team lead's `/regex/` term runs on RE2 (linear time) or is refused with file:line and why.

Issue 12 item 4: `/(a+)+$/` passed `rules check` and froze intake for hours on forty a's. The
catastrophic patterns themselves are run in tests/integration (a subprocess that could hang);
here: what is refused, with which words, and that matching means what the README says.
"""

from __future__ import annotations

import random
import re

import pytest

from bot.engine.loader import check_sources
from bot.engine.text import SENTINEL_TERM, TermError, TermMatcher, compile_term
from bot.errors import RuleSetInvalid
from tests.unit.triage_setup import REPO

SLA = (REPO / "rules" / "00-sla.yaml").read_bytes()

RULE = """\
rules:
  - name: kapot
    description: iets is kapot
    when:
      text:
        any: [kapot, {term}]
    then:
      category: storing
      priority: middel
"""


def problems(term: str) -> list[str]:
    text = RULE.replace("{term}", term)
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "rules/10-x.yaml": text.encode()})
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a+)\1", "een terugverwijzing (\\1) kan RE2 niet"),
        (r"(?P<w>\w+) (?P=w)", "een terugverwijzing ((?P=...)) kan RE2 niet"),
        (r"kan(?! niet)", "vooruitkijken ((?!...) kan RE2 niet; woorden die niet mogen volgen"),
        (r"(?<!niet )kapot", "terugkijken ((?<!...) kan RE2 niet; gebruik \\b"),
        (r"(?>a+)b", "een atomaire groep ((?>...)) kent RE2 niet"),
        (r"a++b", "++ (bezittelijke herhaling) kent RE2 niet"),
        (r"kapot\Z", "gebruik \\z voor het einde van de tekst"),
        (r"(?x) kapot", "de vlag (?x kent RE2 niet"),
        (r"((a{100}){100}){100}", "herhaling {100} is te groot"),
        (r"([a-z]+", "een ( zonder )"),
        (r"[a-z", "een [ zonder ]"),
        (r"", "een leeg patroon past op elk bericht"),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_with_file_line_and_why(pattern: str, why: str) -> None:
    term = "'/" + pattern.replace("'", "''") + "/'"
    [found] = problems(term)
    assert found.startswith(f"rules/10-x.yaml:6: woordregel 'kapot': patroon /{pattern}/: ")
    assert why in found


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"^(\w+\s?)+$", r"(.*a){20}", r"(a|aa)+$"])
def test_catastrophic_patterns_of_the_issue_are_accepted_because_re2_runs_them(
    pattern: str,
) -> None:
    rule_set = check_sources(
        {"00-sla.yaml": SLA, "10-x.yaml": RULE.replace("{term}", f"'/{pattern}/'").encode()}
    )
    assert f"/{pattern}/" in rule_set.matcher.ids


def hits(term: str, text: str) -> bool:
    return TermMatcher([term]).match(text) == [SENTINEL_TERM, 1]


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("/wacht ?woord/", "Mijn WACHTWOORD", True),
        ("/WACHT ?WOORD/", "mijn wachtwoord", True),  # case never matters, not even here
        ("/café/", "CAFE", True),  # nor accents
        ("/straße/", "STRASSE", True),
        (r"/\bsso\b/", "de SSO-koppeling", True),
        (r"/\bsso\b/", "ssoportaal", False),
        (r"/\pL+tje/", "een plaatje", True),
        (r"/^(\w+\s?)+$/", "alles kapot", True),
        (r"/(a+)+$/", "aaa", True),
        (r"/(a+)+$/", "aaa!", False),
        (r"/kapot\z/", "het is kapot", True),
        (r"/\d{3} error/", "een 500 error", True),
    ],
)
def test_pattern_matching(term: str, text: str, expected: bool) -> None:
    assert hits(term, text) is expected


def test_compile_term_raises_term_error_for_a_refused_pattern() -> None:
    with pytest.raises(TermError, match="terugverwijzing"):
        compile_term(r"/(a)\1/")


def _reference(term: str) -> re.Pattern[str]:
    """What a term with punctuation meant when it was matched with Python's `re`."""
    parts = []
    for word in term.split():
        lead, core, trail = word.startswith("*"), word.strip("*"), word.endswith("*")
        parts.append(
            (r"\w*" if lead else r"(?<!\w)") + re.escape(core) + (r"\w*" if trail else r"(?!\w)")
        )
    return re.compile(r"\s+".join(parts))


def test_terms_with_punctuation_mean_what_they_meant_with_python_re() -> None:
    """Words with punctuation ("e-mail") now run on RE2 too; the old `re` form is the
    reference, on random texts with non-ASCII letters, digits and odd spaces."""
    terms = ["e-mail", "*e-mail", "e-mail*", "*e-mail*", "kan* e-mail", "can't", "-x", "a.b c"]
    vocabulary = [
        "e-mail",
        "email",
        "xe-mail",
        "e-mailx",
        "øe-mail",
        "e-mailß",
        "kan",
        "kannen",
        "can't",
        "-x",
        "x-x",
        "a.b",
        "ab",
        "c",
        "1",
        "_",
        "\u2003",
        "\n",
        ",",
    ]
    matcher = TermMatcher(terms)
    references = [_reference(t) for t in terms]
    rng = random.Random(12)
    for _ in range(3000):
        text = rng.choice(["", " "]).join(rng.choice(vocabulary) for _ in range(rng.randint(1, 8)))
        expected = [i + 1 for i, ref in enumerate(references) if ref.search(text.casefold())]
        assert matcher.match(text) == [SENTINEL_TERM, *expected], repr(text)


def test_a_pattern_in_factor_words_is_refused() -> None:
    factors = (
        "factors:\n  fout:\n    description: d\n    values:\n"
        "      ja:\n        words: [kapot, '/(a+)+$/']\n"
    )
    with pytest.raises(RuleSetInvalid) as caught:
        check_sources({"00-sla.yaml": SLA, "rules/20-f.yaml": factors.encode()})
    [found] = [str(p) for p in caught.value.problems]
    assert found.startswith("rules/20-f.yaml:6: factor 'fout', waarde 'ja': ")
    assert "/(a+)+$/" in found and "alleen in woordregels" in found

"""Regular expressions in rule terms run on RE2: time linear in the text, whatever the pattern.

Python's `re` backtracks: a team lead's `/(a+)+$/` against forty a's and a full stop takes
hours, and all that time it holds the interpreter lock, so no other intake runs and SIGTERM
waits. RE2 never backtracks. What it cannot express (backreferences, lookaround, atomic groups)
needs backtracking, so such a pattern is refused when the rules are loaded, with the reason in
Dutch; `rules check` and a running bot's reload then name it with file:line.

The same engine runs the patterns the matcher makes itself for terms with punctuation inside
("e-mail", "*e-mail"): with `re` a leading `*` made those quadratic in a long run of letters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from bot.engine.words import strip_accents

# Text is folded before matching (lower case, no accents), and a team lead's pattern gets the
# same treatment: case-insensitive, accents stripped. Errors go into our message, not stderr.
_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_OPTIONS.log_errors = False

# Python's `\w` and `\s` in RE2 terms (RE2's own are ASCII only): used in the patterns we write.
WORD = r"[\pL\pN_]"
NOT_WORD = r"[^\pL\pN_]"
SPACE = r"[\t\n\v\f\r \x{1c}-\x{1f}\x{85}\pZ]"


class PatternRefused(ValueError):
    """A pattern RE2 cannot run; the message says why, in Dutch, for a team lead."""


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern; `source` as written, for messages."""

    source: str
    _regexp: Any = field(repr=False, compare=False)

    def found_in(self, text: bytes) -> bool:
        """Does the pattern occur in `text` (folded, UTF-8)? Linear in len(text)."""
        return self._regexp.search(text) is not None


def compile_pattern(source: str) -> Pattern:
    """Compile a pattern for RE2; PatternRefused with a Dutch reason when that cannot be."""
    if not source:
        raise PatternRefused("een leeg patroon past op elk bericht")
    try:
        return Pattern(source, re2.compile(_normalise(source), _OPTIONS))
    except re2.error as exc:
        raise PatternRefused(_explain(exc)) from exc


def escape(literal: str) -> str:
    """A literal for use inside a pattern."""
    return str(re2.escape(literal))


def _normalise(source: str) -> str:
    """Fold the pattern's letters as the text is folded (accents off, "ß" -> "ss"); ASCII is
    left alone, so that escapes such as `\\W` keep their meaning."""
    if source.isascii():
        return source
    return "".join(c if c.isascii() else c.casefold() for c in strip_accents(source))


def _explain(exc: re2.error) -> str:
    """RE2's error (English, bytes) -> why, in Dutch, with the part of the pattern at fault."""
    raw = exc.args[0] if exc.args else b""
    message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    kind, _, part = message.partition(": ")
    if kind == "invalid perl operator":
        return _perl_operator(part)
    if kind == "invalid escape sequence":
        if part[1:2].isdigit() or part[1:2] in ("k", "g"):
            return _backreference(part)
        if part == "\\Z":
            return "\\Z kent RE2 niet: gebruik \\z voor het einde van de tekst"
        return f"onbekende escape {part}"
    if kind == "bad repetition operator":
        if part.endswith("+"):
            return (
                f"{part} (bezittelijke herhaling) kent RE2 niet en is niet nodig: RE2 zoekt "
                "nooit terug; laat de laatste + weg"
            )
        return f"twee herhalingen direct achter elkaar: {part}"
    simple = {
        "invalid repetition size": (
            f"herhaling {part} is te groot: hoogstens 1000, ook voor herhalingen in elkaar samen"
        ),
        "missing )": "een ( zonder )",
        "unexpected )": "een ) zonder (",
        "missing ]": "een [ zonder ]",
        "trailing \\": "eindigt op een losse \\",
        "no argument for repetition operator": f"herhaling {part} staat nergens achter",
        "invalid character class range": f"ongeldig bereik {part}",
        "invalid character class": f"ongeldige tekenklasse {part}",
        "invalid named capture group": f"ongeldige groepsnaam {part}",
        "pattern too large - compile failed": (
            "het patroon is te groot (te veel herhalingen in elkaar); maak het kleiner"
        ),
    }
    return simple.get(kind, f"RE2 kan het patroon niet lezen ({message})")


def _perl_operator(part: str) -> str:
    if part in ("(?=", "(?!"):
        return (
            f"vooruitkijken ({part}...) kan RE2 niet; woorden die niet mogen volgen gaan in "
            "'none:' van de regel"
        )
    if part in ("(?<=", "(?<!"):
        return (
            f"terugkijken ({part}...) kan RE2 niet; gebruik \\b voor het begin of eind van "
            "een woord"
        )
    if part == "(?P":
        return _backreference("(?P=...)")
    if part == "(?>":
        return (
            "een atomaire groep ((?>...)) kent RE2 niet en is niet nodig: RE2 zoekt nooit "
            "terug; schrijf (?:...)"
        )
    if part == "(?(":
        return "een voorwaardelijke groep ((?(...)) kan RE2 niet; maak er twee termen van"
    if part == "(?#":
        return "commentaar ((?#...)) kan niet in een patroon; zet het achter # in het bestand"
    if part.startswith("(?"):
        return f"de vlag {part} kent RE2 niet (wel i, m, s en U)"
    return f"RE2 kent {part} niet"


def _backreference(part: str) -> str:
    return (
        f"een terugverwijzing ({part}) kan RE2 niet: daarvoor moet de tekst steeds opnieuw "
        "doorzocht worden, en dat kan bij één bericht uren duren; schrijf de woorden uit"
    )

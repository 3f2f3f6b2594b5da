"""A YAML syntax error in plain Dutch: where it really is, and what to do about it.

PyYAML reports what its parser expected ("expected <block end>, but found '<block mapping
start>'"), which tells a team lead nothing, and often on the line *after* the mistake (a
missing colon shows up where the next key starts). Here each error is recognised by its kind
and the text around it, and turned into a line number and a hint: a tab, a missing colon, an
indent that does not line up, a word that starts with a character YAML reserves (`@list`,
`*word`, `` ` ``, `%`, `!`, `&`, `|`, `>`), a quote that is not closed or closes too early.

When the parser stops, the rest of the file is not read. So that one run shows every such
mistake, the lines after it are scanned for the same few mistakes that are certain from the
line alone (a tab in the indent, an unquoted `@list` or `*word`).
"""

from __future__ import annotations

import re

import yaml

from bot.errors import RuleProblem

# Characters that cannot start a plain (unquoted) YAML value, with what YAML makes of them.
_RESERVED = {
    "@": "YAML houdt @ vrij",
    "`": "YAML houdt ` vrij",
    "%": "YAML leest % als een opdracht aan de lezer",
    "*": "YAML leest * als een verwijzing naar een eerder stuk",
    "&": "YAML leest & als een naam voor dit stuk",
    "!": "YAML leest ! als een soort-aanduiding",
    "|": "YAML leest | als het begin van een tekstblok",
    ">": "YAML leest > als het begin van een tekstblok",
}
# A value that starts right after "- ", "key: ", "[" or ", " (a comment starts at " #").
_VALUE_START = re.compile(r"(?:^\s*-\s+|:\s+|\[\s*|,\s*)(?P<word>[@`*][^,\]}#]*)")
_BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


def explain_yaml_error(exc: yaml.YAMLError, text: str, file: str) -> list[RuleProblem]:
    """The problems a YAML error stands for: the error itself, in Dutch with a hint, then the
    same certain mistakes on later lines (which the parser never reached)."""
    lines = text.splitlines()
    if not isinstance(exc, yaml.MarkedYAMLError):
        return [RuleProblem(file, 1, f"YAML kan dit bestand niet lezen ({exc})")]
    line, message = _explain(exc, lines)
    problems = [RuleProblem(file, line, message)]
    stop = exc.problem_mark.line if exc.problem_mark is not None else 0
    for number, hint in _certain_mistakes(lines):
        if number > line and number > stop:
            problems.append(RuleProblem(file, number, hint))
    return problems


def _explain(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, str]:
    """(1-based line, Dutch message) for one parser error."""
    problem = exc.problem or ""
    mark = exc.problem_mark or exc.context_mark
    row = mark.line if mark is not None else 0
    col = mark.column if mark is not None else 0
    here = lines[row] if row < len(lines) else ""
    context_row = exc.context_mark.line if exc.context_mark is not None else row
    context_line = lines[context_row] if context_row < len(lines) else ""

    if "'\\t'" in problem or "\t" in _indent(here):
        return row + 1, _TAB
    if problem.startswith("found character") and col < len(here):
        return row + 1, _reserved(_word_at(here, col))
    if problem.startswith("found undefined alias") or "constructor for the tag" in problem:
        return row + 1, _reserved(_word_at(here, col))
    if exc.context == "while scanning a block scalar":
        return row + 1, _reserved(_word_at(here, _context_col(exc)))
    if exc.context == "while scanning a quoted scalar" and "end of stream" in problem:
        return context_row + 1, (
            "de aanhalingstekens die hier openen worden nergens gesloten: zet aan het eind "
            "van de waarde hetzelfde teken (\" of ')"
        )
    if "unknown escape character" in problem:
        return row + 1, (
            "tussen dubbele aanhalingstekens is \\ een escape-teken: zet een waarde met \\ "
            "(zoals een patroon) tussen enkele aanhalingstekens: '...'"
        )
    if _closed_too_early(here, col):
        return row + 1, (
            "een ' midden in een woord tussen enkele aanhalingstekens sluit het woord af: "
            "schrijf hem twee keer ('can''t') of zet het woord tussen dubbele "
            'aanhalingstekens ("can\'t")'
        )
    if exc.context in ("while parsing a flow sequence", "while parsing a flow mapping"):
        close = "]" if "sequence" in exc.context else "}"
        opener = "[" if close == "]" else "{"
        hint = (
            f"de {opener} op deze regel wordt niet gesloten: zet {close} aan het eind, "
            f"of zet een woord dat met {opener} begint tussen aanhalingstekens"
        )
        if "#" in context_line:
            hint += " (een # begint commentaar: zet '#veel ...' tussen aanhalingstekens)"
        return context_row + 1, hint
    if problem == "could not find expected ':'":
        key = context_line.strip().removeprefix("- ").split(" ")[0] or "sleutel"
        return context_row + 1, (
            f"hier ontbreekt een dubbele punt: schrijf '{key}: ...' (een dubbele punt en een "
            "spatie tussen sleutel en waarde)"
        )
    if problem == "mapping values are not allowed here":
        return _colon_out_of_place(lines, row, col)
    if problem.startswith("expected <block end>") or problem.startswith("did not find expected"):
        return row + 1, _indent_hint(lines, row)
    what = problem or exc.context or str(exc)
    return row + 1, (
        f"YAML kan dit niet lezen ({what}); controleer het inspringen, de dubbele punten en "
        "de aanhalingstekens op deze regel en de regel erboven"
    )


_TAB = (
    "deze regel springt in met een tab: YAML springt alleen in met spaties; vervang de tab "
    "door spaties"
)


def _context_col(exc: yaml.MarkedYAMLError) -> int:
    """The column where the construct the parser was reading began."""
    return exc.context_mark.column if exc.context_mark is not None else 0


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _word_at(line: str, col: int) -> str:
    if line[col : col + 1] == "!":  # a tag runs to the next space
        return line[col:].split()[0] if line[col:].strip() else "!"
    match = re.match(r"[^,\]}#]*", line[col:])
    word = match[0].strip() if match else ""
    return word or line[col : col + 1]


def _reserved(word: str) -> str:
    char = word[:1]
    why = _RESERVED.get(char, f"YAML houdt {char} vrij")
    if char == "@":
        return (
            f"'{word}' begint met @: zet een woordenlijst tussen aanhalingstekens, "
            f'"{word}" ({why})'
        )
    return f"'{word}' begint met {char}: zet het tussen aanhalingstekens, \"{word}\" ({why})"


def _closed_too_early(line: str, col: int) -> bool:
    """A single-quoted word closed by an apostrophe inside it ('can't): the parser stops on
    the letter right after that apostrophe."""
    return 0 < col < len(line) and line[col - 1] == "'" and line[col].isalpha()


def _colon_out_of_place(lines: list[str], row: int, col: int) -> tuple[int, str]:
    """'mapping values are not allowed here': a colon in a value, a colon missing on the
    line above, or a line indented under a key that already has a value."""
    here = lines[row] if row < len(lines) else ""
    before = here[:col]
    if re.search(r":\s", before):
        return row + 1, (
            "deze waarde bevat een dubbele punt met een spatie erachter: zet de hele waarde "
            "tussen aanhalingstekens"
        )
    above = _previous_content(lines, row)
    if above is not None:
        text = _strip_comment(lines[above]).strip()
        if text and ":" not in text and not text.startswith("- "):
            return above + 1, (
                f"hier ontbreekt een dubbele punt: schrijf '{text}:' (de sleutel van het "
                "blok eronder)"
            )
        return row + 1, (
            f"deze regel springt verder in dan regel {above + 1}, die al een waarde heeft: "
            "laat hem even ver inspringen als de sleutels ernaast, of zet de waarde van "
            f"regel {above + 1} op een eigen regel eronder"
        )
    return row + 1, "een dubbele punt op een plek waar YAML die niet verwacht"


def _indent_hint(lines: list[str], row: int) -> str:
    here = lines[row] if row < len(lines) else ""
    above = _previous_content(lines, row)
    mine = len(_indent(here))
    if above is None:
        return "deze regel springt anders in dan verwacht: controleer het inspringen"
    other = lines[above]
    theirs = len(_indent(other))
    if other.lstrip().startswith("- ") and not here.lstrip().startswith("- "):
        theirs += 2  # the keys of a list item line up with the text after "- "
    if mine != theirs:
        return (
            f"deze regel springt {mine} spaties in, regel {above + 1} springt {theirs} "
            "spaties in: wat bij elkaar hoort moet precies onder elkaar staan"
        )
    return (
        f"deze regel past niet onder regel {above + 1}: controleer het inspringen en of daar "
        "een dubbele punt of aanhalingsteken ontbreekt"
    )


def _previous_content(lines: list[str], row: int) -> int | None:
    """The nearest line above `row` with something besides a comment."""
    for index in range(min(row, len(lines)) - 1, -1, -1):
        if _strip_comment(lines[index]).strip():
            return index
    return None


def _strip_comment(line: str) -> str:
    cut = line.find(" #")
    if line.lstrip().startswith("#"):
        return ""
    return line if cut < 0 else line[:cut]


def _certain_mistakes(lines: list[str]) -> list[tuple[int, str]]:
    """Lines with a tab in the indent or an unquoted value starting with @ or * (outside
    text blocks): each is a certain error, also where the parser did not get to."""
    found: list[tuple[int, str]] = []
    block_indent: int | None = None
    for number, line in enumerate(lines, start=1):
        indent = len(_indent(line))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue  # inside a `|` or `>` text block: anything goes
            block_indent = None
        if "\t" in _indent(line) and line.strip():
            found.append((number, _TAB))
            continue
        code = _strip_comment(line)
        if _BLOCK_SCALAR.search(code):
            block_indent = indent
            continue
        match = _VALUE_START.search(code)
        if match:
            found.append((number, _reserved(match["word"].strip())))
    return found

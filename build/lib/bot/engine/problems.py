"""Schema problems of a rule file in Dutch, every one of them, each with its line.

pydantic names a problem in English and by type ("Input should be a valid string"); a team
lead needs to know what is wrong with the line in front of them: an unknown key (and which
one was probably meant), a value that is not allowed (and which are), an empty value (often
an unquoted `#` or `&`), a "key: value" where a word was meant.

A file with a schema problem is not thrown away whole: the items that are wrong (a factor, a
decision row, a rule, an example, a list, the sla or reminders section) are reported and left
out, and the rest of the file is checked as usual, so one run names every problem. What the
left-out items were called is kept (`Broken`), so that a decision row naming a factor that is
merely broken is not also reported as naming an unknown factor.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.engine.schema import RuleFile
from bot.engine.yamlfile import YamlDocument
from bot.errors import RuleProblem
from bot.reminders import ReminderPolicy

# Sections whose items are checked one by one: a wrong item leaves the others standing.
_ITEM_SECTIONS = ("factors", "decisions", "rules", "examples", "lists")
# Steps of a pydantic location that name a type tried in a union, not a key.
_TYPE_STEP = re.compile(r"^(str|int|float|bool|(tuple|list|dict|set)\[.*\]|function-.*|tagged.*)$")
_WORDS = {
    "priority": "prioriteit",
    "category": "categorie",
    "channel": "kanaal",
    "pick": "keuze",
    "negation": "ontkenning",
    "in": "tekstdeel",
}

# The keys are English; a team lead may well write them in Dutch.
_DUTCH_KEYS = {
    "factoren": "factors",
    "beslissingen": "decisions",
    "beslistabel": "decisions",
    "regels": "rules",
    "woordregels": "rules",
    "lijsten": "lists",
    "voorbeelden": "examples",
    "herinneringen": "reminders",
    "naam": "name",
    "omschrijving": "description",
    "beschrijving": "description",
    "wanneer": "when",
    "als": "when",
    "dan": "then",
    "prioriteit": "priority",
    "categorie": "category",
    "kanaal": "channel",
    "organisatie": "organisation",
    "tekst": "text",
    "woorden": "words",
    "waarden": "values",
    "groep": "group",
    "ontkenning": "negation",
    "ontkend": "negated",
    "melding": "report",
    "verwacht": "expect",
    "onderwerp": "subject",
    "afzender": "sender",
}


@dataclass
class Broken:
    """Names of the items left out because they are wrong (their problems are reported)."""

    factors: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    lists: set[str] = field(default_factory=set)

    def update(self, other: Broken) -> None:
        self.factors |= other.factors
        self.decisions |= other.decisions
        self.rules |= other.rules
        self.lists |= other.lists


def validate_file(
    doc: YamlDocument, problems: list[RuleProblem]
) -> tuple[YamlDocument, RuleFile, Broken] | None:
    """The file's sections, checked: every schema problem goes to `problems`, with its line,
    and the wrong items are left out of the document returned (None if nothing is left)."""
    if doc.data is None:
        return doc, RuleFile(), Broken()
    if not isinstance(doc.data, dict):
        problems.append(
            RuleProblem(
                doc.file,
                1,
                "een regelbestand bestaat uit blokken als factors:, decisions:, rules:, "
                "examples: en sla:, niet uit een losse lijst of tekst",
            )
        )
        return None
    try:
        return doc, RuleFile.model_validate(doc.data), Broken()
    except ValidationError as exc:
        errors = exc.errors()
    seen: set[tuple[int, str]] = set()
    for error in errors:
        problem = RuleProblem(doc.file, doc.line_of(_clean(error["loc"])), explain(error))
        if (problem.line, problem.message) not in seen:
            seen.add((problem.line, problem.message))
            problems.append(problem)
    paths = {_item_of(error["loc"]) for error in errors}
    pruned = doc.without(paths)
    try:
        parsed = RuleFile.model_validate(pruned.data)
    except ValidationError:  # pragma: no cover - every error's item was left out
        return None
    return pruned, parsed, _broken(doc.data, paths)


_SECTION = re.compile(r"^([A-Za-z_]+)\s*:")
_CHILD_KEY = re.compile(r"^(\s+)(['\"]?)([A-Za-z0-9][\w.-]*)\2\s*:")
_ITEM_NAME = re.compile(r"^\s*-\s+name\s*:\s*['\"]?([\w.-]+)")


def names_in_unreadable(text: str) -> Broken:
    """The names a file that YAML cannot read would have defined, read from its lines (the
    keys under `factors:` and `lists:`, the `- name:` of decisions and rules): so that what
    other files say about them is not reported as unknown on top of the syntax error."""
    found = Broken()
    section = ""
    keys: list[tuple[int, str]] = []

    def close() -> None:
        if section in ("factors", "lists") and keys:
            level = min(indent for indent, _ in keys)
            getattr(found, section).update(name for indent, name in keys if indent == level)
        keys.clear()

    for line in text.splitlines():
        top = _SECTION.match(line)
        if top:
            close()
            section = top[1]
            continue
        if section in ("factors", "lists"):
            child = _CHILD_KEY.match(line)
            if child:
                keys.append((len(child[1].expandtabs(8)), child[3]))
        elif section in ("decisions", "rules"):
            item = _ITEM_NAME.match(line)
            if item:
                getattr(found, section).add(item[1])
    close()
    return found


def _item_of(loc: Sequence[Any]) -> tuple[str | int, ...]:
    if len(loc) > 1 and loc[0] in _ITEM_SECTIONS:
        return (loc[0], loc[1])
    return (loc[0],)


def _broken(data: dict[str, Any], paths: Iterable[tuple[str | int, ...]]) -> Broken:
    broken = Broken()
    for path in paths:
        if len(path) != 2:
            continue
        section, item = path
        if section in ("factors", "lists"):
            getattr(broken, section).add(str(item))
        elif section in ("decisions", "rules") and isinstance(item, int):
            entry = data[section][item] if isinstance(data.get(section), list) else None
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                getattr(broken, section).add(entry["name"])
    return broken


def _clean(loc: Sequence[Any]) -> tuple[str | int, ...]:
    return tuple(p for p in loc if not (isinstance(p, str) and _TYPE_STEP.match(p)))


def explain(error: Any) -> str:
    """A pydantic error in words a team lead understands, with where it is."""
    loc = [p for p in _clean(error["loc"]) if p != "[key]"]
    is_key = "[key]" in error["loc"]
    where = _path(loc) or "het bestand"
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = _path(loc[:-1]) or "het bestand"
        hint = _did_you_mean(str(loc[-1]), _keys_at(loc[:-1]))
        return f"onbekende sleutel {loc[-1]!r} in {parent}{hint}"
    if kind == "missing":
        return f"verplichte sleutel {loc[-1]!r} ontbreekt in {_path(loc[:-1]) or 'het bestand'}"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", " of ")
        what = loc[-2] if isinstance(loc[-1], int) and len(loc) > 1 else loc[-1]
        if is_key:
            what = loc[-1]
        label = _WORDS.get(str(what), str(what))
        return f"onbekende {label} {value!r} bij {where} (kies uit {expected})"
    if kind == "string_type":
        return _not_text(value, where)
    if kind == "string_pattern_mismatch":
        what = "naam" if is_key or loc[-1] == "name" else "waarde"
        return (
            f"{what} {value!r} bij {where}: gebruik alleen kleine letters, cijfers en '-', "
            "zonder spaties, en begin met een letter"
        )
    if kind == "string_too_long":
        return f"{where} is te lang: hoogstens {ctx.get('max_length')} tekens"
    if kind in ("string_too_short", "too_short"):
        return f"{where} mag niet leeg zijn"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"bij {where} hoort een blok met sleutels (sleutel: waarde), niet {_shown(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"bij {where} hoort een lijst, niet {_shown(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"bij {where} hoort true of false, niet {_shown(value)}"
    if kind in ("int_parsing", "int_type", "float_parsing", "float_type"):
        return f"bij {where} hoort een getal, niet {_shown(value)}"
    if kind in (
        "timezone_aware",
        "datetime_parsing",
        "datetime_type",
        "datetime_from_date_parsing",
    ):
        return (
            f"bij {where} hoort een tijd met tijdzone, zoals 2026-11-24T10:00:00+01:00, "
            f"niet {_shown(value)}"
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": ("minstens", "ge"),
            "greater_than": ("meer dan", "gt"),
            "less_than_equal": ("hoogstens", "le"),
            "less_than": ("minder dan", "lt"),
        }[kind]
        return f"bij {where} hoort {bound[0]} {ctx.get(bound[1])}, niet {_shown(value)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _not_text(value: object, where: str) -> str:
    if value is None:
        return (
            f"lege waarde bij {where}: staat er niets achter de dubbele punt of het streepje, "
            "of begint het woord met # of &? Zet zo'n woord tussen aanhalingstekens"
        )
    if isinstance(value, dict):
        first = next(iter(value), "")
        return (
            f"bij {where} hoort een woord, maar YAML las '{first}: ...' als sleutel met waarde: "
            "een dubbele punt met een spatie erachter doet dat; zet het woord tussen "
            "aanhalingstekens"
        )
    if isinstance(value, bool):
        return (
            f"bij {where} las YAML een ja/nee-waarde ({'true' if value else 'false'}): "
            "zet woorden als yes, no, on en off tussen aanhalingstekens ('no')"
        )
    return f"bij {where} hoort tekst, niet {_shown(value)}"


def _shown(value: object) -> str:
    if value is None:
        return "niets"
    if isinstance(value, dict):
        return "een blok met sleutels"
    if isinstance(value, list):
        return "een lijst"
    return repr(value)


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    dutch = _DUTCH_KEYS.get(key.lower())
    if dutch in known:
        return f" (de sleutels zijn Engels: bedoel je {dutch!r}?)"
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f" (bedoel je {close[0]!r}?)"
    if known:
        return f" (wel: {', '.join(known)})"
    return ""


def _keys_at(loc: Sequence[Any]) -> list[str]:
    """The keys allowed in the block at `loc` (for 'did you mean')."""
    annotation: Any = RuleFile
    for part in loc:
        model = _model_in(annotation)
        if model is RuleFile and part == "reminders":
            annotation = ReminderPolicy
            continue
        if model is not None and isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            continue
        annotation = _item_type(annotation)
        if annotation is None:
            return []
    model = _model_in(annotation)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in _args(annotation):
        found = _model_in(arg) if typing.get_origin(arg) not in (tuple, dict, list) else None
        if found is not None:
            return found
    return None


def _item_type(annotation: Any) -> Any:
    """The type of one item of a tuple or list, or of one value of a dict."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (tuple, list) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    for arg in _args(annotation):
        found = _item_type(arg)
        if found is not None:
            return found
    return None


def _args(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated or origin is typing.Union or origin is types.UnionType:
        return typing.get_args(annotation)
    return ()

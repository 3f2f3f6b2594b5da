"""Reading a rule file's YAML: libyaml where PyYAML has it, the same answer as the pure-Python
parser (data, the positions problems are reported at, duplicate keys, syntax errors)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.engine.yamlfile import parse_yaml
from bot.engine.yamlhints import explain_yaml_error
from tests.conftest import REPO

RULE_FILES = sorted((REPO / "rules").glob("*.yaml"))


def lines_of(node: yaml.Node) -> list[tuple[str, int, int]]:
    """Every node's kind and start position, in document order."""
    found = [(type(node).__name__, node.start_mark.line, node.start_mark.column)]
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found += lines_of(key) + lines_of(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += lines_of(item)
    return found


def test_libyaml_is_there() -> None:
    # Without it rule files are still read (by the pure-Python parser), only slower.
    assert getattr(yaml, "CSafeLoader", None) is not None


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_a_shipped_rule_file_reads_as_the_pure_python_parser_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document, problems = parse_yaml(text, "f.yaml")
    assert document is not None and problems == []
    assert document.data == yaml.load(text, Loader=yaml.SafeLoader)
    assert lines_of(document.root) == lines_of(yaml.compose(text, Loader=yaml.SafeLoader))


def test_a_duplicate_key_is_reported_at_its_line() -> None:
    document, problems = parse_yaml("a: 1\nb:\n  c: 2\n  c: 3\n", "f.yaml")
    assert document is not None and document.data == {"a": 1, "b": {"c": 3}}
    assert [(p.line, "'c'" in p.message) for p in problems] == [(4, True)]


def test_a_syntax_error_is_explained_as_before() -> None:
    text = "factors:\n  omvang:\n    values: [a, b\n  functie: x\n"
    document, problems = parse_yaml(text, "f.yaml")
    assert document is None and problems
    with pytest.raises(yaml.YAMLError) as raised:
        yaml.compose(text, Loader=yaml.SafeLoader)
    assert problems == explain_yaml_error(raised.value, text, "f.yaml")

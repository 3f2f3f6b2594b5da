"""Safe YAML loading that keeps line numbers, so rule problems can be reported as file:line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from bot.errors import RuleProblem


@dataclass
class YamlDocument:
    """Parsed data plus the node tree it came from (for line lookups)."""

    file: str
    data: Any
    root: yaml.Node | None

    def line_of(self, path: Sequence[str | int]) -> int:
        """1-based line of the deepest node along `path` that exists (the file's line 1 if none)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[RuleProblem]]:
    """Parse one YAML document safely (no tags that build objects, no code).

    Returns the document and a list of problems (syntax errors, duplicate keys); the
    document is None when the text is not valid YAML at all.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or str(exc)
        return None, [RuleProblem(file, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, [RuleProblem(file, 1, f"YAML error: {exc}")]
    problems: list[RuleProblem] = []
    if root is not None:
        _find_duplicate_keys(root, file, problems)
    return YamlDocument(file, data, root), problems


def _find_duplicate_keys(node: yaml.Node, file: str, problems: list[RuleProblem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    RuleProblem(file, line, f"duplicate key {key!r} (first on line {seen[key]})")
                )
            else:
                seen[key] = line
            _find_duplicate_keys(value_node, file, problems)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _find_duplicate_keys(item, file, problems)

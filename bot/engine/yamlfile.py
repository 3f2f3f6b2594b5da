"""Safe YAML loading that keeps line numbers, so rule problems can be reported as file:line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from bot.engine.yamlhints import explain_yaml_error
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

    def without(self, paths: Iterable[tuple[str | int, ...]]) -> YamlDocument:
        """This document with the items at `paths` (a top-level key, or a key and an item
        of a section) left out, from the data and the node tree alike, so that positions in
        what is left still find their lines."""
        whole: set[str | int] = set()
        drop: dict[str | int, set[str | int]] = {}
        for path in paths:
            if len(path) == 1:
                whole.add(path[0])
            elif path:
                drop.setdefault(path[0], set()).add(path[1])
        if not isinstance(self.data, dict) or not isinstance(self.root, yaml.MappingNode):
            return self
        data: dict[Any, Any] = {}
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in self.root.value:
            key = key_node.value
            if key not in self.data:
                continue
            if key in whole:
                continue
            items = drop.get(key)
            value = self.data[key]
            if items and isinstance(value, list) and isinstance(value_node, yaml.SequenceNode):
                keep = [i for i in range(len(value)) if i not in items]
                value = [value[i] for i in keep]
                value_node = yaml.SequenceNode(
                    value_node.tag,
                    [value_node.value[i] for i in keep if i < len(value_node.value)],
                    value_node.start_mark,
                    value_node.end_mark,
                )
            elif items and isinstance(value, dict) and isinstance(value_node, yaml.MappingNode):
                value = {k: v for k, v in value.items() if k not in items}
                value_node = yaml.MappingNode(
                    value_node.tag,
                    [(k, v) for k, v in value_node.value if k.value not in items],
                    value_node.start_mark,
                    value_node.end_mark,
                )
            data[key] = value
            pairs.append((key_node, value_node))
        root = yaml.MappingNode(self.root.tag, pairs, self.root.start_mark, self.root.end_mark)
        return YamlDocument(self.file, data, root)


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[RuleProblem]]:
    """Parse one YAML document safely (no tags that build objects, no code).

    Returns the document and a list of problems (syntax errors explained in Dutch, duplicate
    keys); the document is None when the text is not valid YAML at all.
    """
    try:
        root = _compose(text)
        # The data from the same nodes (what yaml.load does after composing): one parse.
        data = yaml.SafeLoader("").construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        return None, explain_yaml_error(exc, text, file)
    problems: list[RuleProblem] = []
    if root is not None:
        _find_duplicate_keys(root, file, problems)
    return YamlDocument(file, data, root), problems


def _compose(text: str) -> yaml.Node | None:
    """The document's nodes, by libyaml where PyYAML has it (the rule files hold thousands of
    words; the pure-Python parser took most of a CLI command's start-up). On an error the
    pure-Python parser reads it again, so that a team lead gets the messages and positions
    explain_yaml_error knows."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _find_duplicate_keys(node: yaml.Node, file: str, problems: list[RuleProblem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    RuleProblem(
                        file,
                        line,
                        f"sleutel {key!r} staat twee keer in hetzelfde blok (eerst op regel "
                        f"{seen[key]}): haal er een weg",
                    )
                )
            else:
                seen[key] = line
            _find_duplicate_keys(value_node, file, problems)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _find_duplicate_keys(item, file, problems)

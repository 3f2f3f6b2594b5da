"""Edits of a copy of the rule files, as a team lead makes them in an editor (text, comments
kept): used by the `rules diff` and reload tests and by bench/rules_diff.py."""

from __future__ import annotations

from pathlib import Path

VALUE_INDENT = 6  # `      name:` under a factor's `values:`


def move_word(path: Path, word: str, source: str, target: str) -> None:
    """Move the factor word `word` from value `source` to value `target` in the rule file
    `path` (two values of one factor, each written as `      name:` with a `words:` list)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    item = f"          - {word}\n"
    start = lines.index(" " * VALUE_INDENT + f"{source}:\n")
    lines.pop(lines.index(item, start, _block_end(lines, start)))
    at = lines.index(" " * VALUE_INDENT + f"{target}:\n")
    words = lines.index(" " * (VALUE_INDENT + 2) + "words:\n", at)
    lines.insert(words + 1, item)
    path.write_text("".join(lines), encoding="utf-8")


def _block_end(lines: list[str], start: int) -> int:
    """The first line after `start` that is no longer inside that value's block."""
    for i in range(start + 1, len(lines)):
        text = lines[i]
        if text.strip() and len(text) - len(text.lstrip(" ")) <= VALUE_INDENT:
            return i
    return len(lines)

"""The house plan holds: data crosses the three layers one way, and no module grows too large.

- bot/ (the core) imports nothing from adapters/ or app/;
- adapters/ import the core, never app/, and never each other (email, slack, phone, widget);
- no import circles between modules of bot/, adapters/ and app/;
- no module of those three folders is over 600 lines.

Imports are read with `ast` from the source, so the test also sees imports inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = ("bot", "adapters", "app")
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for layer in LAYERS:
        for path in sorted((REPO / layer).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Modules of this project that `module` imports (absolute and relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod when it exists.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name.split(".")[0] in LAYERS and name in MODULES:
                yield name


GRAPH = {module: set(_imports(module, path)) for module, path in MODULES.items()}


def _adapter(module: str) -> str | None:
    """The adapter a module belongs to (email, slack, phone, widget), or None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "adapters" and len(parts) > 1 else None


def test_the_layers_are_found() -> None:
    # A broken walk would make every other check here pass vacuously.
    assert {"bot.models", "bot.desk", "adapters.email.intake", "app.cli"} <= set(MODULES)
    assert "bot.models" in GRAPH["bot.pipeline"]


def test_core_imports_no_adapter_or_app() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == "bot"
        for target in targets
        if target.split(".")[0] != "bot"
    )
    assert wrong == []


def test_adapters_import_neither_app_nor_each_other() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == "adapters"
        for target in targets
        if target.split(".")[0] == "app"
        or (target.split(".")[0] == "adapters" and _adapter(target) != _adapter(module))
    )
    assert wrong == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target == node:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            # A package's __init__ re-exporting its own modules is not a circle of design.
            real = [m for m in component if not any(o.startswith(m + ".") for o in component)]
            if len(real) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_at_most_600_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(REPO)} has {lines} lines"

"""Imports run one way: app → dialogue → (grammar, explainers), with no cycle among the modules'
top-level imports (a submodule import counts its packages' ``__init__`` too, since Python runs
them first). Imports inside functions are not walked yet: several still hide cycles (issue 13).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dialogue", "grammar", "explainers")
# which of our packages each package may import (at any depth, in functions too)
MAY_IMPORT = {"grammar": {"grammar"}, "explainers": {"explainers"},
              "dialogue": {"dialogue", "grammar", "explainers"}}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _ours(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node: ast.AST) -> set[str]:
    """Our modules an import statement runs (packages' ``__init__`` included)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES
                 else node.module for alias in node.names]
    else:
        return set()
    out = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    return {m for m in map(_ours, out) if m}


def _top_level(path: Path) -> set[str]:
    return set().union(*(_imported(n) for n in ast.parse(path.read_text()).body))


def _anywhere(path: Path) -> set[str]:
    return set().union(*(_imported(n) for n in ast.walk(ast.parse(path.read_text()))))


def test_module_level_imports_have_no_cycle() -> None:
    graph = {name: _top_level(path) - {name} for name, path in MODULES.items()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None


def test_layers_import_only_downwards() -> None:
    wrong = []
    for name, path in MODULES.items():
        package = name.split(".")[0]
        for imported in _anywhere(path):
            if imported.split(".")[0] not in MAY_IMPORT[package]:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, "\n".join(sorted(wrong))

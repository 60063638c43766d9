"""Imports run one way: app → dialogue → (grammar, explainers), with no cycle among the modules
(a submodule import counts its packages' ``__init__`` too, since Python runs them first). Our own
modules are imported at the top of a file, never inside a function, so the graph below is the
whole truth; only third-party libraries that are heavy or optional (torch, shap, scikit-learn,
matplotlib, ...) may be imported where they are first needed.
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


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:``: never run, so they make no cycle."""
    return {id(node) for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)}


def _anywhere(path: Path) -> set[str]:
    """Our modules a file imports when it runs, at any depth."""
    tree = ast.parse(path.read_text())
    skipped = _type_checking_only(tree)
    return set().union(*(_imported(n) for n in ast.walk(tree) if id(n) not in skipped))


def _inside_functions(path: Path) -> list[str]:
    """``line: statement`` for each import of our packages inside a function."""
    tree = ast.parse(path.read_text())
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if _imported(node):
                    found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_imports_have_no_cycle() -> None:
    graph = {name: _anywhere(path) - {name} for name, path in MODULES.items()}
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


def test_our_modules_are_imported_at_the_top_of_a_file() -> None:
    inside = [f"{path.relative_to(ROOT)}:{found}" for path in [*MODULES.values(), ROOT / "app.py"]
              for found in _inside_functions(path)]
    assert not inside, "imports inside functions:\n" + "\n".join(sorted(inside))


def test_the_executor_knows_no_prose() -> None:
    """Results are typed facts; only the response layer turns them into words."""
    for name in ("dialogue.executor", "dialogue.results", "dialogue.metrics",
                 "dialogue.error_patterns"):
        assert "dialogue.responses" not in _anywhere(MODULES[name]), name


def test_no_module_imports_another_ones_private_names() -> None:
    private = []
    for name, path in [*MODULES.items(), ("app", ROOT / "app.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and _ours(node.module):
                private += [f"{name} imports {node.module}.{alias.name}"
                            for alias in node.names if alias.name.startswith("_")]
    assert not private, "\n".join(private)

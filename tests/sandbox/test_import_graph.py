"""The sandbox's modules import one another in one direction only: from the composition root down to the store.

The graph is read from the source with `ast`, so every import counts: at the top of a module,
inside a function, or under `TYPE_CHECKING` (a type that names a module above is a dependency too).
An import names the module it reads from; a package's `__init__` running first is how Python loads
a submodule, not a dependency of the importer, so it adds no edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dashboard.sandbox

PACKAGE = "dashboard.sandbox"
ROOT = Path(dashboard.sandbox.__file__).resolve().parent
# What the store may build on: the tables, the fixed reference data they name, and the URLs sessions carry.
BENEATH_THE_STORE = {"dashboard.sandbox.config", "dashboard.sandbox.models", "dashboard.sandbox.reference"}


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under `root`, by dotted name (a package by its own name, for its __init__)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join([package, *parts])] = path
    return names


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that `name` imports anywhere in its source."""
    here = name if _is_package(path) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
    return {target for target in found if target in modules and target != name}


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root, package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None when the graph is acyclic."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(name: str) -> list[str] | None:
        path.append(name)
        on_path.add(name)
        for target in sorted(graph[name]):
            if target in on_path:
                return [*path[path.index(target):], target]
            if target not in done and (cycle := visit(target)):
                return cycle
        on_path.discard(path.pop())
        done.add(name)
        return None

    for name in sorted(graph):
        if name not in done and (cycle := visit(name)):
            return cycle
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for target in graph[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def importers(graph: dict[str, set[str]], target: str) -> set[str]:
    return {name for name, targets in graph.items() if target in targets}


def test_the_sandbox_has_no_import_cycle():
    cycle = find_cycle(import_graph())

    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_store_builds_only_on_the_tables_and_the_urls():
    graph = import_graph()

    assert reachable(graph, "dashboard.sandbox.store") <= BENEATH_THE_STORE


def test_only_the_package_entry_points_import_the_composition_root():
    assert importers(import_graph(), "dashboard.sandbox.composition") == {"dashboard.sandbox", "dashboard.sandbox.__main__"}


def test_the_graph_reader_sees_every_kind_of_import(tmp_path):
    """The reader finds cycles through function-level, TYPE_CHECKING and relative imports."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "top.py").write_text("def later():\n    from pkg.sub import low\n")
    (package / "sub" / "__init__.py").write_text("from . import low\n")
    (package / "sub" / "low.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import top\n"
    )

    graph = import_graph(package, "pkg")

    assert graph["pkg.top"] == {"pkg.sub.low"}
    assert graph["pkg.sub"] == {"pkg.sub.low"}
    assert graph["pkg.sub.low"] == {"pkg.top"}
    assert find_cycle(graph) == ["pkg.sub.low", "pkg.top", "pkg.sub.low"]

"""How the modules depend on each other, read from their source with ``ast``.

Every import counts, also the ones inside functions (the lazy imports that keep
``import rag`` light) and under ``TYPE_CHECKING``: they all say which way a module leans.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("rag", "ui")
# The `rag` sub-command front ends: they stand beside each other and share rag.cli_args.
COMMAND_MODULES = ("rag.server", "rag.evaluate.cli")
ENTRY_POINT = "rag.cli"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from pkg import sub`` counts as ``pkg.sub``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    found.add(submodule)
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_modules(name, path, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_is_read_from_real_imports():
    graph = import_graph()
    assert {"rag.cli_args", "rag.server", "rag.evaluate.cli"} <= graph[ENTRY_POINT]
    assert "rag.facade" in graph["rag.server"] and "rag.errors" in graph["rag.api"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    assert find_cycle(import_graph()) is None


def test_front_ends_import_only_downwards():
    graph = import_graph()
    importers_of_cli = sorted(name for name, targets in graph.items() if ENTRY_POINT in targets)
    assert importers_of_cli == [], "only the console script may import rag.cli"
    for name in COMMAND_MODULES:
        others = set(COMMAND_MODULES) - {name}
        assert not graph[name] & others, f"{name} imports another front end"
        assert "rag.cli_args" in graph[name]

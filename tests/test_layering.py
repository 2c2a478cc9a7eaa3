"""The package's imports form a tree: no cycle, and none hidden in a function body.

Every module is parsed (not imported), so a cycle that Python happens to tolerate, because
the name needed is bound before the loop closes, still fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "blockbax_async"
ROOT = Path(__file__).parent.parent / PACKAGE
# Optional extras, imported where they are needed so that the package works without them.
LAZY_EXTRAS = {"nats", "numpy", "opentelemetry", "pandas", "rich"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name | ast.Attribute) and "TYPE_CHECKING" in ast.unparse(test)


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import run at import time or later, and whether it sits in a function body
    (imports under `if TYPE_CHECKING:` never run and are left out)."""

    def walk(
        node: ast.AST, in_function: bool
    ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                yield from walk_else(child, in_function)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            else:
                inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                yield from walk(child, inner)

    def walk_else(
        node: ast.AST, in_function: bool
    ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        assert isinstance(node, ast.If)
        for child in node.orelse:
            yield from walk(ast.Module(body=[child], type_ignores=[]), in_function)

    yield from walk(tree, False)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The modules of this package that an import names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        source = _absolute(module, node)
        names = [f"{source}.{alias.name}" for alias in node.names] + [source]
        names = [n for n in names[:-1] if n in MODULES] or [source]
    for name in names:
        while name and name not in MODULES:  # `import a.b.c` of a name, not a module
            name = name.rpartition(".")[0]
        if name.startswith(PACKAGE) and name != module:
            yield name


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    edges: dict[str, set[str]] = {module: set() for module in MODULES}
    hidden = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, in_function in _imports(tree):
            targets = set(_targets(module, node))
            edges[module] |= targets
            if in_function and not _lazy_extra(node):
                hidden.append(f"{module}:{node.lineno}: {ast.unparse(node)}")
    return edges, hidden


def _lazy_extra(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return not node.level and (node.module or "").split(".")[0] in LAZY_EXTRAS
    return all(alias.name.split(".")[0] in LAZY_EXTRAS for alias in node.names)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `edges` (module -> modules it imports), or `None`."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(edges):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


@pytest.mark.parametrize(
    ("edges", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_find_cycle(edges: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert find_cycle(edges) == cycle


def test_the_graph_sees_relative_and_function_level_imports() -> None:
    edges, _ = _graph()
    assert "blockbax_async.sync._client" in edges["blockbax_async.sync._official"]
    assert "blockbax_async.resources._raw" in edges["blockbax_async.resources.subjects"]
    assert "blockbax_async.sync" in edges["blockbax_async.dataframes"]


def test_imports_form_a_tree() -> None:
    edges, _ = _graph()
    assert find_cycle(edges) is None


def test_no_import_is_hidden_in_a_function() -> None:
    _, hidden = _graph()
    assert hidden == []

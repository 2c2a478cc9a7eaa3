"""Every ``python`` code block of the guides runs: each block alone (fresh namespace, fresh
emulator), as a reader copies it, and each page's blocks in order."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from blockbax_async.emulator import Emulator

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = sorted(p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text()))
BLOCKS = [
    (page, page.read_text().count("\n", 0, match.start()) + 2, match.group(1))
    for page in PAGES
    for match in BLOCK.finditer(page.read_text())
]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A fresh emulator, named by the environment variables the examples read."""
    with Emulator().in_thread() as emulator:
        monkeypatch.setenv("BLOCKBAX_BASE_URL", emulator.base_url)
        monkeypatch.setenv("BLOCKBAX_PROJECT_ID", emulator.project_id)
        monkeypatch.setenv("BLOCKBAX_ACCESS_TOKEN", emulator.api_key)
        yield emulator


def _run(code: str, filename: str) -> None:
    exec(compile(code, filename, "exec"), {"__name__": "__docs__"})


def test_pages_with_code_exist() -> None:
    assert {"quickstart.md", "errors.md", "testing.md"} <= {p.name for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.usefixtures("served")
def test_page_runs_in_order(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run("\n".join(BLOCK.findall(page.read_text())), str(page))
    assert capsys.readouterr().out.strip(), f"{page.name} printed nothing"


@pytest.mark.parametrize(
    ("page", "line", "code"), BLOCKS, ids=[f"{p.name}:{n}" for p, n, _ in BLOCKS]
)
@pytest.mark.usefixtures("served")
def test_block_runs_alone(page: Path, line: int, code: str) -> None:
    _run("\n" * (line - 1) + code, str(page))


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS.parent / "docs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<p>See <code>AsyncClient</code>.</p>", []),
        ("<p>See :class:<code>AsyncClient</code>.</p>", [":class:AsyncClient."]),
        ("<li>:meth:`close` ends it</li>", [":meth:`close` ends it"]),
        ("<p>a :py:func:<code>x</code></p>", [":py:func:x"]),
        ('<pre><code>":class:" on purpose</code></pre>', []),
        ("<p>ratio 1:2, a key: value</p>", []),
    ],
)
def test_rendering_check_finds_sphinx_roles(html: str, found: list[str]) -> None:
    assert _hooks().raw_roles(html) == found


ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|exc|data|mod|obj):`")
MODULES = sorted((DOCS.parent / "blockbax_async").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOCS.parent)))
def test_docstrings_use_markdown(path: Path) -> None:
    """Docstrings are Markdown (see mkdocs.yml): Sphinx roles would render as raw text."""
    docstrings = [
        ast.get_docstring(node) or ""
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert [line for d in docstrings for line in d.splitlines() if ROLE.search(line)] == []

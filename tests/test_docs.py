"""Every ``python`` code block of the guides runs, page by page, against a fresh emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blockbax_async.emulator import Emulator

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = sorted(p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text()))


def test_pages_with_code_exist() -> None:
    assert {"quickstart.md", "errors.md", "testing.md"} <= {p.name for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_guide_code_runs(
    page: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = "\n".join(BLOCK.findall(page.read_text()))
    with Emulator().in_thread() as emulator:
        monkeypatch.setenv("BLOCKBAX_BASE_URL", emulator.base_url)
        monkeypatch.setenv("BLOCKBAX_PROJECT_ID", emulator.project_id)
        monkeypatch.setenv("BLOCKBAX_ACCESS_TOKEN", emulator.api_key)
        exec(compile(code, str(page), "exec"), {"__name__": "__docs__"})
    assert capsys.readouterr().out.strip(), f"{page.name} printed nothing"

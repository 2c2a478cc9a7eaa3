"""mypy --strict on user-style code: ``user_code.py`` must pass, each line below must fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

HERE = Path(__file__).parent
ROOT = HERE.parent.parent

# One statement per case, inside ``async def case(client: AsyncClient, sync_client: Client)``,
# with the error code mypy must give it.
MUST_FAIL = [
    ('await client.property_types.create(name="A", external_id="a", data_type="VECTOR")',
     "call-overload"),
    ('await client.metrics.create(subject_type_id="t", data_type="NUMBER", external_id="m")',
     "call-overload"),  # no name
    ('await client.subjects.create(name="S", external_id="s")', "call-overload"),
    ("await client.subject_types.create()", "call-overload"),
    ('client.subjects.list(subject_ids_mode="EVERYTHING")', "arg-type"),
    ('client.alarms.list(statuses=["OPEN"])', "list-item"),
    ('client.events.list(event_levels=["CRITICAL"])', "list-item"),
    ('client.webhooks.list_responses("w", order="UP")', "arg-type"),
    ('client.with_options(timeout="5")', "arg-type"),
    ('(await client.subjects.with_raw_response.get("s")).parse().nmae', "attr-defined"),
    ('sync_client.metrics.create(subject_type_id="t", name="n", data_type="VECTOR", '
     'external_id="e")', "call-overload"),
]  # fmt: skip


def _bad_module() -> str:
    lines = [
        "from blockbax_async import AsyncClient",
        "from blockbax_async.sync import Client",
        "async def case(client: AsyncClient, sync_client: Client) -> None:",
    ]
    lines += [f"    {code}" for code, _ in MUST_FAIL]
    return "\n".join(lines) + "\n"


def test_mypy_accepts_user_code_and_refuses_wrong_calls(tmp_path: Path) -> None:
    bad = tmp_path / "bad_calls.py"
    bad.write_text(_bad_module())
    out, err, status = api.run(
        ["--strict", "--no-error-summary", "--show-error-codes", "--config-file",
         str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache"),
         str(HERE / "user_code.py"), str(bad)]
    )  # fmt: skip
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert not [e for e in errors if "user_code.py" in e], out + err
    found: dict[int, set[str]] = {}
    for line in errors:
        match = re.match(r".*bad_calls\.py:(\d+): error: .*\[([a-z-]+)\]$", line)
        assert match, line
        found.setdefault(int(match[1]), set()).add(match[2])
    for number, (code, expected) in enumerate(MUST_FAIL, start=4):
        assert expected in found.get(number, set()), f"mypy accepted: {code}\n{out}"
    assert status == 1

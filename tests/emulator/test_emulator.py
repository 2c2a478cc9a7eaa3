"""The emulator as a server: auth, paging rules, rate-limit headers, and its three faces."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import aiohttp
import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import DEFAULT_PROJECT_ID, Emulator, RateLimit


def _url(emulator: Emulator, path: str = "") -> str:
    return f"{emulator.base_url}/v1/projects/{emulator.project_id}{path}"


def _auth(emulator: Emulator) -> dict[str, str]:
    return {"Authorization": f"ApiKey {emulator.api_key}"}


async def test_requires_the_api_key(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(_url(emulator)) as response:
            assert response.status == 401
            assert "message" in await response.json()
        async with session.get(_url(emulator), headers={"Authorization": "ApiKey no"}) as response:
            assert response.status == 401


async def test_other_project_is_forbidden(emulator: Emulator) -> None:
    url = f"{emulator.base_url}/v1/projects/someone-else"
    async with aiohttp.ClientSession() as session, session.get(url, headers=_auth(emulator)) as r:
        assert r.status == 403


@pytest.mark.parametrize(
    ("query", "status"),
    [("?size=200", 200), ("?size=201", 400), ("?size=0", 400), ("?page=-1", 400), ("?page=x", 400)],
)
async def test_page_size_rules(emulator: Emulator, query: str, status: int) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(
            _url(emulator, "/propertyTypes" + query), headers=_auth(emulator)
        ) as r:
            assert r.status == status
            body = await r.json()
            assert ("count" in body) if status == 200 else ("details" in body)


async def test_rate_limit_headers_and_429(emulator: Emulator) -> None:
    emulator.rate_limit = RateLimit(limit=3, period=60)
    async with aiohttp.ClientSession() as session:
        remaining = []
        for _ in range(4):
            async with session.get(_url(emulator), headers=_auth(emulator)) as r:
                remaining.append((r.status, r.headers["X-RateLimit-Remaining"]))
                assert r.headers["X-RateLimit-Limit"] == "3"
                assert int(r.headers["X-RateLimit-Reset"]) > 0
    assert remaining == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]


def test_fixture_serves_sync_code(blockbax_emulator: Emulator) -> None:
    async def get_name() -> str:
        async with AsyncClient(
            blockbax_emulator.project_id,
            blockbax_emulator.api_key,
            base_url=blockbax_emulator.base_url,
        ) as client:
            return (await client.project.get()).name

    assert asyncio.run(get_name()) == "Emulated project"


def test_command_line_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "blockbax_async", "emulator", "--port", "0", "--api-key", "k"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"Blockbax emulator on (http://127\.0\.0\.1:\d+)", line)
        assert found is not None, line
        base_url = found.group(1)

        async def get_default() -> str:
            async with AsyncClient(DEFAULT_PROJECT_ID, "k", base_url=base_url) as client:
                return (await client.project.get()).name

        assert asyncio.run(get_default()) == "Emulated project"
    finally:
        process.terminate()
        process.communicate(timeout=10)

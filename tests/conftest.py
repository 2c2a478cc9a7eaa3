"""Fixtures: an emulator in the test's loop and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import pytest
from aiohttp import web

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator

ClientFactory = Callable[..., AsyncClient]


@pytest.fixture
def served() -> Iterator[Emulator]:
    """An emulator serving from a thread of its own, for sync code and subprocesses."""
    with Emulator().in_thread() as emulator:
        yield emulator


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as emu:
        yield emu


@pytest.fixture
def make_client(emulator: Emulator) -> ClientFactory:
    """Clients on the emulator with short back-off, so that retry tests stay quick."""

    def make(**options: Any) -> AsyncClient:
        options = {
            "project_id": emulator.project_id,
            "access_token": emulator.api_key,
            "base_url": emulator.base_url,
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            **options,
        }
        return AsyncClient(**options)

    return make


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[AsyncClient]:
    async with make_client() as c:
        yield c


@attrs.define
class Canned:
    """A loopback server answering every request with one fixed response, for cases the
    emulator cannot produce (aioresponses 0.7.9 does not work with aiohttp 3.14)."""

    status: int = 200
    body: str = "{}"
    content_type: str = "application/json"
    seen: list[web.Request] = attrs.Factory(list)
    base_url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append(request)
        return web.Response(status=self.status, text=self.body, content_type=self.content_type)


@pytest.fixture
async def canned() -> AsyncIterator[Canned]:
    server = Canned()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base_url = f"http://127.0.0.1:{port}"
    yield server
    await runner.cleanup()

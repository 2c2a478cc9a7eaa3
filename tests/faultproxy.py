"""A fault-injecting loopback proxy, for server misbehaviour the emulator does not produce.

It stands in front of an upstream server (the emulator) and forwards every request, unless a
rule says otherwise. Rules match by method and a regular expression searched in the path;
the first rule that matches (and has uses left) applies::

    async def test_redirect(fault_proxy: FaultProxy, make_client: ClientFactory) -> None:
        fault_proxy.redirect(302, method="POST", path="/measurements$")
        async with make_client(base_url=fault_proxy.base_url) as client:
            ...

    fault_proxy.answer(429, headers={"Retry-After": "inf"}, times=1)   # answer, not forwarded
    fault_proxy.rewrite(lambda reply: reply.set_json({...}), path="/measurements$")
    fault_proxy.drop(after=True, method="POST")    # forwarded (and stored), answer lost
    fault_proxy.drop(method="GET", times=2)        # dropped before forwarding
    fault_proxy.delay(0.5, path="/subjects")       # a stall, then forwarded

A rule applies to every match unless ``times`` is given; ``rule.hits`` counts its uses.
``fault_proxy.exchanges`` records each request (method, path, query, body) with the status
answered (0: dropped). Without an upstream (``FaultProxy()``), unmatched requests get a 404.

Use it from a test module by importing the fixture (``from tests.faultproxy import FaultProxy,
fault_proxy  # noqa: F401``) or from a conftest; it needs the ``emulator`` fixture of
``tests/conftest.py``. Point clients at ``fault_proxy.base_url``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import attrs
import orjson
import pytest
from aiohttp import web
from yarl import URL

from blockbax_async.emulator import Emulator

__all__ = ["Exchange", "FaultProxy", "Reply", "Rule", "fault_proxy"]

# Headers that describe one hop's framing: aiohttp sets its own.
_HOP_HEADERS = frozenset(
    {"connection", "content-length", "transfer-encoding", "content-encoding", "date", "server"}
)


@attrs.define
class Reply:
    """An answer on its way back to the client; a rewrite changes it in place."""

    status: int
    headers: dict[str, str] = attrs.Factory(dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body decoded as JSON."""
        return orjson.loads(self.body)

    def set_json(self, data: Any) -> None:
        """Replace the body with ``data`` encoded as JSON."""
        self.body = orjson.dumps(data)
        self.headers["Content-Type"] = "application/json"


@attrs.define
class Rule:
    """What to do with the requests it matches; see the module docstring."""

    method: str | None = None
    path: str | None = None
    times: int | None = None
    answer: Reply | None = None
    rewrite: Callable[[Reply], None] | None = None
    drop_before: bool = False
    drop_after: bool = False
    delay: float = 0.0
    hits: int = 0

    def matches(self, request: web.Request) -> bool:
        """Whether this rule applies to ``request`` (and has uses left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and request.method != self.method.upper():
            return False
        return self.path is None or re.search(self.path, request.path) is not None


@attrs.frozen
class Exchange:
    """One request the proxy received, and the status it answered (0: dropped)."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    status: int


class FaultProxy:
    """A loopback aiohttp server forwarding to ``upstream`` under the rules it is given."""

    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream.rstrip("/") if upstream else None
        self.rules: list[Rule] = []
        self.exchanges: list[Exchange] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def add(self, rule: Rule) -> Rule:
        """Append ``rule`` (after those already given) and return it."""
        self.rules.append(rule)
        return rule

    def answer(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
    ) -> Rule:
        """Answer matching requests with ``status`` (``body`` bytes, text or JSON-able data),
        without forwarding them."""
        reply = Reply(status, dict(headers or {}))
        if isinstance(body, bytes | str):
            reply.body = body.encode() if isinstance(body, str) else body
        elif body is not None:
            reply.set_json(body)
        return self.add(Rule(method, path, times, answer=reply))

    def redirect(
        self,
        status: int = 302,
        location: str = "http://127.0.0.1:9/elsewhere",
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
    ) -> Rule:
        """Answer matching requests with a redirect to ``location`` (by default a closed port)."""
        return self.answer(
            status, headers={"Location": location}, method=method, path=path, times=times
        )

    def rewrite(
        self,
        change: Callable[[Reply], None],
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
    ) -> Rule:
        """Forward matching requests, then let ``change`` edit the upstream's reply."""
        return self.add(Rule(method, path, times, rewrite=change))

    def drop(
        self,
        *,
        after: bool = False,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
    ) -> Rule:
        """Drop the connection of matching requests: before forwarding, or ``after`` it (the
        upstream handled the request, the answer is lost)."""
        return self.add(Rule(method, path, times, drop_before=not after, drop_after=after))

    def delay(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
    ) -> Rule:
        """Wait ``seconds`` before forwarding matching requests."""
        return self.add(Rule(method, path, times, delay=seconds))

    def clear(self) -> None:
        """Remove every rule: forward everything from now on."""
        self.rules.clear()

    async def start(self) -> None:
        """Serve on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._session = aiohttp.ClientSession(auto_decompress=False)

    async def stop(self) -> None:
        """Stop serving and close the upstream session."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        rule = next((r for r in self.rules if r.matches(request)), Rule())
        rule.hits += 1
        status = 0
        try:
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.drop_before:
                return await _drop(request)
            reply = rule.answer or await self._forward(request, body)
            if reply is None:
                return await _drop(request)
            if rule.drop_after:
                return await _drop(request)
            if rule.rewrite is not None:
                rule.rewrite(reply)
            status = reply.status
            return web.Response(status=reply.status, headers=reply.headers, body=reply.body)
        finally:
            query = dict(request.query)
            self.exchanges.append(Exchange(request.method, request.path, query, body, status))

    async def _forward(self, request: web.Request, body: bytes) -> Reply | None:
        """The upstream's reply; ``None`` when the upstream dropped the connection."""
        if self.upstream is None or self._session is None:
            return Reply(404, {"Content-Type": "application/json"}, b'{"message": "no upstream"}')
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        url = URL(self.upstream + request.rel_url.raw_path_qs, encoded=True)
        try:
            async with self._session.request(
                request.method, url, headers=headers, data=body or None, allow_redirects=False
            ) as response:
                raw = await response.read()
        except aiohttp.ClientError:
            return None
        kept = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS}
        return Reply(response.status, kept, raw)


async def _drop(request: web.Request) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


@pytest.fixture
async def fault_proxy(emulator: Emulator) -> AsyncIterator[FaultProxy]:
    """A :class:`FaultProxy` in front of the test's emulator (no rules yet)."""
    async with FaultProxy(emulator.base_url) as proxy:
        yield proxy

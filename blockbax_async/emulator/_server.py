"""The emulator's HTTP side: an aiohttp.web application speaking the Blockbax API."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator

import attrs
from aiohttp import web

from ._http import error_response
from ._routes import add_routes
from ._state import Invalid, State, now_iso

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_PROJECT_ID",
    "Emulator",
    "Faults",
    "RateLimit",
    "RequestRecord",
]

DEFAULT_PROJECT_ID = "715b6935-e3d8-48b1-86a3-a6e2a268e1f0"
DEFAULT_API_KEY = "emulator-api-key"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define
class Faults:
    """Seeded fault injection; each rate is a fraction of requests (0 to 1).

    `error_rate`: answered 502, 503 or 504 without being handled. `drop_rate`: the
    connection is dropped before the request is handled. `drop_after_rate`: the request is
    handled (and stored), then the connection is dropped instead of answering.
    `latency`: each request waits up to this many seconds first (exactly this many with
    `fixed_latency`, as over a network of that round trip). `methods` and `path`
    (a regular expression searched in the request path) narrow the faults to the requests
    they match, e.g. `Faults(drop_after_rate=0.5, methods=("POST",))` loses the answers of
    creates and measurement POSTs only; by default every request is subject to them.
    """

    error_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_rate: float = 0.0
    latency: float = 0.0
    fixed_latency: bool = False
    seed: int = 0
    methods: tuple[str, ...] = ()
    path: str | None = None
    rng: random.Random = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def applies(self, method: str, path: str) -> bool:
        """Whether a request for `method path` is subject to these faults."""
        if self.methods and method.upper() not in (m.upper() for m in self.methods):
            return False
        return self.path is None or re.search(self.path, path) is not None


@attrs.define
class RateLimit:
    """The per-key token bucket: `limit` requests, refilled evenly over `period` seconds."""

    limit: int = 5000
    period: float = 60.0


@attrs.define
class _Bucket:
    tokens: float
    updated: float


@attrs.frozen
class RequestRecord:
    """One request the emulator answered (or dropped: status 0)."""

    method: str
    path: str
    status: int


class Emulator:
    """A local Blockbax API on loopback, for tests, demos and users' own test suites.

    `async with Emulator() as emu:` starts it on a free port; point a client at
    `emu.base_url` with `emu.project_id` and `emu.api_key`. `emu.state` holds what
    was stored, `emu.requests` what was asked, and `emu.faults` can be changed at any time.
    With `time_rules`, it keeps the platform's rules on dates: a measurement dated at or
    before the latest of its series, or more than an hour ahead, is answered as ingested and
    not kept (`emu.not_retained` counts them).
    """

    def __init__(
        self,
        *,
        project_id: str = DEFAULT_PROJECT_ID,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: RateLimit | None = None,
        faults: Faults | None = None,
        record: bool = True,
        time_rules: bool = False,
    ) -> None:
        self.project_id = project_id
        self.api_key = api_key
        self.host = host
        self.port = port
        self.rate_limit = rate_limit or RateLimit()
        self.faults = faults or Faults()
        self.record = record
        self.time_rules = time_rules
        self.not_retained = 0
        self.requests: list[RequestRecord] = []
        now = now_iso()
        self.state = State(
            project={
                "id": project_id,
                "createdDate": now,
                "updatedDate": now,
                "name": "Emulated project",
                "description": "A project served by the blockbax_async emulator",
                "timezoneId": "Europe/Amsterdam",
                "organizationId": str(uuid.uuid5(uuid.NAMESPACE_URL, project_id)),
            }
        )
        self._buckets: dict[str, _Bucket] = {}
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """The server root to give a client as `base_url`."""
        return f"http://{self.host}:{self.port}"

    def statuses(self, status: int) -> int:
        """How many recorded requests were answered with `status`."""
        return sum(1 for r in self.requests if r.status == status)

    def app(self) -> web.Application:
        """The aiohttp application, for serving it some other way."""
        app = web.Application(
            middlewares=[self._record_mw, self._fault_mw, self._auth_mw, self._rate_mw],
            client_max_size=16 * 1024**2,
        )
        add_routes(self, app)
        return app

    async def start(self) -> None:
        """Start serving; the port is chosen by the system when it was 0."""
        self._runner = web.AppRunner(
            self.app(), access_log=None, handle_signals=False, shutdown_timeout=0.25
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[Emulator]:
        """Serve from a thread of its own, for sync code and tests: `with emu.in_thread():`."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="blockbax-emulator", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result()
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    async def serve_forever(self) -> None:
        """Serve until cancelled (the `emulator` command)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @web.middleware
    async def _record_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        status = 0
        try:
            response = await handler(request)
            status = response.status
            return response
        finally:
            if self.record:
                self.requests.append(RequestRecord(request.method, request.path, status))

    @web.middleware
    async def _fault_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        faults = self.faults
        if not faults.applies(request.method, request.path):
            return await handler(request)
        if faults.latency:
            fixed = faults.fixed_latency
            await asyncio.sleep(faults.latency if fixed else faults.rng.uniform(0, faults.latency))
        if faults.drop_rate and faults.rng.random() < faults.drop_rate:
            return await _drop(request)
        if faults.error_rate and faults.rng.random() < faults.error_rate:
            status = faults.rng.choice((502, 503, 504))
            return error_response(status, "Injected fault")
        response = await handler(request)
        if faults.drop_after_rate and faults.rng.random() < faults.drop_after_rate:
            return await _drop(request)
        return response

    @web.middleware
    async def _auth_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"ApiKey {self.api_key}":
            return error_response(401, "Unauthorized: a valid API key is required")
        if request.match_info.get("project_id") not in (None, self.project_id):
            return error_response(403, "Forbidden: no access to this project")
        try:
            return await handler(request)
        except Invalid as exc:
            return error_response(exc.status, exc.message, exc.details)

    @web.middleware
    async def _rate_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path.endswith("/measurements"):
            return await handler(request)
        limit, rate = self.rate_limit.limit, self.rate_limit.limit / self.rate_limit.period
        now = time.monotonic()
        key = request.headers.get("Authorization", "")
        bucket = self._buckets.setdefault(key, _Bucket(float(limit), now))
        bucket.tokens = min(float(limit), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1
        if allowed:
            bucket.tokens -= 1
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(int(bucket.tokens)),
            "X-RateLimit-Reset": str(math.ceil((limit - bucket.tokens) / rate)),
        }
        response: web.StreamResponse
        if not allowed:
            response = error_response(429, "Too many requests: the rate limit is exceeded")
        else:
            response = await handler(request)
        response.headers.update(headers)
        return response


async def _drop(request: web.Request) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError

"""The one request pipeline: auth, rate limiting, retries, error mapping and logging.

Only this module imports aiohttp's client; everything above it sees our error classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import platform
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

import aiohttp
import attrs
from yarl import URL

from . import _json
from ._config import ClientConfig
from ._hooks import Attempt, AttributeValue, Hooks, Operation, operation_of, run_hooks
from ._ratelimit import RateLimiter, parse_headers, retry_after
from ._response import Response
from ._retry import backoff, may_be_stored, retry_delay
from ._version import __version__
from .errors import (
    APIError,
    BlockbaxError,
    ClientStateError,
    ConnectError,
    RateLimitError,
    TimeoutError,
    TransportError,
    ValidationError,
    error_for_status,
)

__all__ = ["MAX_URL_LENGTH", "Transport", "encode_params", "request_url"]

T = TypeVar("T")
logger = logging.getLogger("blockbax_async")

USER_AGENT = (
    f"blockbax-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)

MAX_URL_LENGTH = 8000
"""The longest URL sent (scheme, host, path and query), in characters: servers refuse request
lines much over 8 KiB, so a longer one is refused here, before sending."""

# No connection could be opened, so nothing was sent (aiohttp 3.10 added the timeout class).
_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    getattr(aiohttp, "ConnectionTimeoutError", aiohttp.ClientConnectorError),
)

ParamValue = str | int | float | bool | datetime | UUID | list[Any] | tuple[Any, ...] | None


def _param(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(
                f"{_json.field_name(key)}: naive datetime {value!r}: give it a time zone"
            )
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, list | tuple):
        return ",".join(_param(key, v) for v in value)
    text = str(value)
    return text if text.isascii() else _json.check_text(_json.field_name(key), text)


def encode_params(params: Mapping[str, ParamValue] | None) -> dict[str, str]:
    """Query parameters as the API takes them: lists comma-joined, `None` left out; a
    string that cannot be encoded is a [`ValidationError`][blockbax_async.errors.ValidationError]
    naming its parameter."""
    return {k: _param(k, v) for k, v in (params or {}).items() if v is not None}


def request_url(root: str, path: str, query: Mapping[str, str]) -> URL:
    """The URL of `path` (each segment quoted) under `root` with `query`.

    A URL longer than `MAX_URL_LENGTH` is a
    [`ValidationError`][blockbax_async.errors.ValidationError] naming the longest parameter and how
    far to split it.
    """
    url = URL(root + "/".join(quote(part, safe="") for part in path.split("/")), encoded=True)
    if query:
        url = url.with_query(query)
    length = len(str(url))
    if length > MAX_URL_LENGTH:
        raise _too_long(query, length)
    return url


def _too_long(query: Mapping[str, str], length: int) -> ValidationError:
    if not query:
        return ValidationError(f"path: the URL would be {length} characters, over {MAX_URL_LENGTH}")
    name = max(query, key=lambda key: len(query[key]))
    value, count = query[name], query[name].count(",") + 1
    keep = max(len(value) - (length - MAX_URL_LENGTH), 0)
    how = "shorten it"
    if count > 1:
        per_call = max(count * keep // len(value), 1)
        how = f"split its {count} values over several calls, at most {per_call} per call"
    return ValidationError(
        f"{_json.field_name(name)}: the request URL would be {length} characters, over the "
        f"{MAX_URL_LENGTH} a server accepts (MAX_URL_LENGTH); {how}"
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out connecting" if isinstance(exc, _CONNECT_ERRORS) else "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _Shared:
    """What every view of one client's pipeline shares: the session, its loop, the limiter,
    the counters and the hooks (see `Transport.with_config`)."""

    def __init__(self, config: ClientConfig, session: aiohttp.ClientSession | None) -> None:
        self.session = session
        self.owns_session = session is None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.limiter = RateLimiter(enabled=config.rate_limit)
        self.requests = 0
        self.retries = 0
        self.hooks: list[Hooks] = []


class Transport:
    """Sends requests for one client over one aiohttp session, created in the running loop.

    `with_config` makes a view with other options over the same session, limiter,
    counters and hooks (`client.with_options`); `recording` one that also keeps
    every answer it gets (`with_raw_response`).
    """

    def __init__(
        self,
        config: ClientConfig,
        session: aiohttp.ClientSession | None = None,
        *,
        shared: _Shared | None = None,
        record: list[Response] | None = None,
    ):
        self.config = config
        self._shared = shared or _Shared(config, session)
        self._record = record
        self._headers = {
            "Authorization": f"ApiKey {config.access_token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        # A session we make carries the headers; one brought by the caller gets them per call.
        self._request_headers = None if self._shared.owns_session else self._headers
        self._root = f"{URL(config.base_url)}/v1/projects/{quote(str(config.project_id), safe='')}"

    def with_config(self, config: ClientConfig) -> Transport:
        """A view of this pipeline with `config` (timeouts, retries) for its requests."""
        return Transport(config, shared=self._shared)

    def recording(self, answers: list[Response]) -> Transport:
        """A view of this pipeline that appends every answer it gets to `answers`."""
        return Transport(self.config, shared=self._shared, record=answers)

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter, shared by every view of this pipeline."""
        return self._shared.limiter

    @property
    def requests(self) -> int:
        """Attempts sent so far (retries included), by every view of this pipeline."""
        return self._shared.requests

    @property
    def retries(self) -> int:
        """Retries so far, by every view of this pipeline."""
        return self._shared.retries

    @property
    def hooks(self) -> list[Hooks]:
        """The [`Hooks`][blockbax_async.Hooks] told of every attempt (add to it to observe)."""
        return self._shared.hooks

    @property
    def closed(self) -> bool:
        """Whether `aclose()` was called."""
        return self._shared.closed

    def session(self) -> aiohttp.ClientSession:
        """The session of this client, created on first use inside the running loop."""
        shared = self._shared
        if shared.closed:
            raise ClientStateError("the client is closed")
        loop = asyncio.get_running_loop()
        if shared.loop is None:
            shared.loop = loop
        elif shared.loop is not loop:
            raise ClientStateError(
                "the client is bound to another event loop than this one: a client belongs to "
                "the loop it was first used in. Create it inside the loop that uses it (in the "
                "app's lifespan or startup, or in a function-scoped fixture), not at import "
                "time or in a fixture that outlives the test's loop"
            )
        if shared.session is None:
            connector = aiohttp.TCPConnector(
                limit=self.config.connection_limit, ssl=self.config.ssl
            )
            shared.session = aiohttp.ClientSession(connector=connector, headers=self._headers)
        return shared.session

    async def aclose(self) -> None:
        """Close the session (when we made it); requests after this raise ClientStateError."""
        shared = self._shared
        shared.closed = True
        if shared.session is not None and shared.owns_session:
            await shared.session.close()

    def operation(
        self, name: str, attributes: Mapping[str, AttributeValue] | None = None
    ) -> contextlib.AbstractContextManager[Operation]:
        """A block of work of several requests, told to the hooks (tracing nests its
        requests under it); `as op`: `op.set(key, value)` adds what was learnt."""
        return operation_of(self._shared.hooks, name, attributes or {})

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        body: bytes | None = None,
        parse: Callable[[Any], T] | None = None,
        rate_limited: bool = True,
        timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool = True,
        deadline: float | None = None,
        on_retry: Callable[[BlockbaxError, float], object] | None = None,
    ) -> Any:
        """Send `method path` (relative to the project) and return the parsed answer.

        `parse` turns the decoded JSON into the result (a model); without it the JSON is
        returned. Transient failures are retried per the client's policy, `max_retries`
        overriding its count for this call. Every wait (limiter, 429 pause, back-off) ends
        by `deadline` (a `time.monotonic()` time; default: the policy's deadline from
        now). A request that is not `idempotent` (a create) is sent again only when it
        cannot have been handled (`may_be_stored`); otherwise
        it raises a [`TransportError`][blockbax_async.errors.TransportError] whose
        `outcome_unknown` is set. `on_retry` is told of each retry (the error, and the seconds
        until it is sent again), right after the client's hooks.
        """
        data = body if body is not None else (None if json is None else _json.dumps(json))
        url = request_url(self._root, path, encode_params(params))
        session = self.session()
        policy = self.config.retry
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=max_retries)
        if deadline is None:
            deadline = time.monotonic() + policy.deadline
        paced = rate_limited and self.limiter.enabled
        hooks = self._shared.hooks
        number = 0
        while True:
            number += 1
            attempt = Attempt(method, str(url), path, number, len(data or b""))
            try:
                return await self._attempt(
                    session, attempt, url, data, parse, paced, timeout, deadline
                )
            except BlockbaxError as error:
                if not idempotent and may_be_stored(error):
                    raise _outcome_unknown(error, method, path or str(url)) from error
                delay = None
                if not self._shared.closed:
                    delay = retry_delay(error, policy, number, deadline - time.monotonic())
                if delay is None:
                    raise
                self._shared.retries += 1
                run_hooks(hooks, "on_retry", attempt, error, delay)
                if on_retry is not None:
                    on_retry(error, delay)
                logger.warning(
                    "retrying %s %s in %.2f s after %s (retry %d of %d)",
                    method, path or "/", delay, error, number, policy.max_retries,
                )  # fmt: skip
                if not (paced and isinstance(error, RateLimitError)):
                    await asyncio.sleep(delay)

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        attempt: Attempt,
        url: URL,
        data: bytes | None,
        parse: Callable[[Any], T] | None,
        paced: bool,
        timeout: float | None,
        deadline: float,
    ) -> Any:
        method, path = attempt.method, attempt.path
        if paced:
            try:
                await self.limiter.acquire(deadline)
            except RateLimitError as error:
                error.method, error.path, error.url = method, path, attempt.url
                raise
        headers: Mapping[str, str] | None = None
        hooks = self._shared.hooks
        run_hooks(hooks, "on_request", attempt)
        started = time.perf_counter()
        client_timeout = aiohttp.ClientTimeout(
            total=timeout or self.config.timeout, connect=self.config.connect_timeout
        )
        try:
            self._shared.requests += 1
            async with session.request(
                method,
                url,
                data=data,
                headers=self._request_headers,
                timeout=client_timeout,
                allow_redirects=False,
            ) as answer:
                raw = await answer.read()
                status, headers = answer.status, answer.headers
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, RuntimeError) as exc:
            if self._shared.closed:
                raise ClientStateError(f"{method} {path}: the client was closed") from exc
            if isinstance(exc, RuntimeError):
                raise
            logger.debug(
                "%s %s -> %s (attempt %d)", method, path or "/", _describe(exc), attempt.number
            )
            failure = _transport_error(exc, method, path or attempt.url)
            run_hooks(hooks, "on_error", attempt, failure)
            raise failure from exc
        finally:
            if paced:
                self.limiter.release(headers)
        elapsed = time.perf_counter() - started
        response = Response(status, headers, raw, method, attempt.url, elapsed)
        logger.debug(
            "%s %s -> %d in %.1f ms (attempt %d)",
            method, path or "/", status, elapsed * 1000, attempt.number,
        )  # fmt: skip
        run_hooks(hooks, "on_response", attempt, response)
        if self._record is not None:
            self._record.append(response)
        if status == 429:
            wait = retry_after(headers) or backoff(self.config.retry, attempt.number)
            if paced:
                self.limiter.pause(wait)
            raise _error(response, path, retry_after=wait)
        if status >= 300:
            raise _error(response, path)
        return _decode(response, path, parse)


def _transport_error(exc: BaseException, method: str, path: str) -> TransportError:
    """Our error for aiohttp's `exc`: could not connect, timed out, or lost on the way."""
    text = f"{method} {path}: {_describe(exc)}"
    if isinstance(exc, _CONNECT_ERRORS):
        return ConnectError(text)
    if isinstance(exc, asyncio.TimeoutError):
        return TimeoutError(text)
    return TransportError(text)


def _outcome_unknown(error: BlockbaxError, method: str, path: str) -> TransportError:
    """The error of a create that may have been stored: it is not sent again."""
    cause = str(error).removeprefix(f"{method} {path}: ")
    unknown = (TimeoutError if isinstance(error, TimeoutError) else TransportError)(
        f"{method} {path}: the outcome is unknown ({cause}): it may have been stored, "
        "and was not sent again so as not to store it twice"
    )
    unknown.outcome_unknown = True
    return unknown


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    # Decoded answers and models hold no reference cycles, yet while a page of thousands of
    # them is made the cyclic collector keeps walking the heap (a fifth of a listing's time).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _decode(response: Response, path: str, parse: Callable[[Any], T] | None) -> Any:
    with _cyclic_gc_paused():
        return _decode_paused(response, path, parse)


def _decode_paused(response: Response, path: str, parse: Callable[[Any], T] | None) -> Any:
    raw = response.content
    if not raw.strip():
        data: Any = None
    else:
        try:
            data = _json.loads(raw)
        except _json.JSONDecodeError:
            snippet = raw[:200].decode("utf-8", "replace")
            raise _fault(response, path, f"the answer is not JSON: {snippet!r}", snippet) from None
    if parse is None:
        return data
    try:
        return parse(data)
    except Exception as exc:
        raise _fault(response, path, f"unexpected answer shape: {exc}", data) from exc


def _fault(response: Response, path: str, message: str, body: Any) -> APIError:
    """An answer that cannot be understood, whatever its status."""
    return APIError(
        response.status_code, message, body, method=response.method, path=path,
        url=response.url, response=response,
    )  # fmt: skip


def _error(response: Response, path: str, *, retry_after: float | None = None) -> APIError:
    raw, status = response.content, response.status_code
    try:
        body: Any = _json.loads(raw) if raw.strip() else None
    except _json.JSONDecodeError:
        body = raw[:500].decode("utf-8", "replace")
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = body if isinstance(body, str) and body else f"HTTP {status}"
    if 300 <= status < 400:
        location = response.headers.get("Location")
        message = f"a redirect to {location!r}, not followed (is base_url right?)"
    cls = error_for_status(status)
    error = cls(
        status, message, body, method=response.method, path=path, url=response.url,
        response=response,
    )  # fmt: skip
    if isinstance(error, RateLimitError):
        error.retry_after = retry_after
        info = parse_headers(response.headers)
        if info is not None:
            error.limit, error.remaining = info.limit, info.remaining
            error.reset_time_remaining = timedelta(seconds=info.reset)
    return error

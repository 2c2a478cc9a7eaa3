"""A token bucket fed by the API's X-RateLimit-* headers, shared by all tasks of a client.

The arithmetic lives in `TokenBucket` (pure, no awaits, tested with tables); the
`RateLimiter` around it only sleeps. The bucket holds at most `limit` tokens and
refills at `limit / window` per second, `window` being the longest reset the server has
announced. Every answer lowers the estimate to what the server says remains, minus the
requests still in flight, so the client spends the budget at the pace it refills instead of
bursting into 429s. Tokens are reserved: a task that finds the bucket empty gets its own
future slot, so waiting tasks leave one by one rather than all at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

import attrs

from .errors import RateLimitError

__all__ = [
    "MAX_WAIT",
    "RateLimitInfo",
    "RateLimiter",
    "TokenBucket",
    "parse_headers",
    "reset_seconds",
    "retry_after",
    "retry_after_seconds",
]

logger = logging.getLogger("blockbax_async")


MAX_WAIT = 3600.0
"""The longest wait any header can ask for, in seconds; more is read as this."""

_EPOCH_S = 1e9  # a "seconds until reset" this large is an epoch timestamp (2001 onwards)
_EPOCH_MS = 1e11  # ... and this large, one in milliseconds


@attrs.frozen
class RateLimitInfo:
    """What one answer's headers say of the budget."""

    limit: int
    remaining: int
    reset: float


def parse_headers(headers: Mapping[str, str], now: float | None = None) -> RateLimitInfo | None:
    """Read `X-RateLimit-Limit/Remaining/Reset`; `None` when absent or malformed.

    A limit below 1 is ignored; `remaining` is kept between 0 and the limit; the reset is
    read by `reset_seconds` (`now`: wall-clock epoch seconds, for tests).
    """
    try:
        limit = int(headers["X-RateLimit-Limit"])
        remaining = int(headers["X-RateLimit-Remaining"])
        reset = reset_seconds(headers["X-RateLimit-Reset"], now)
    except (KeyError, ValueError):
        return None
    if limit < 1 or reset is None:
        return None
    return RateLimitInfo(limit, min(max(remaining, 0), limit), reset)


def reset_seconds(raw: str, now: float | None = None) -> float | None:
    """Seconds until an `X-RateLimit-Reset` value, between 0 and `MAX_WAIT`.

    The API sends seconds until the reset; a value that can only be an epoch timestamp (in
    seconds or milliseconds) is read as one, relative to `now` (wall clock). `None`
    when it is not a finite number.
    """
    value = float(raw)
    if not math.isfinite(value):
        return None
    if value >= _EPOCH_S:
        value = (value / 1000 if value >= _EPOCH_MS else value) - _wall(now)
    return min(max(value, 0.0), MAX_WAIT)


def retry_after_seconds(raw: str, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` value asks for (a number or an HTTP date), between 0 and
    `MAX_WAIT`; `None` when it is neither."""
    try:
        value = float(raw)
    except ValueError:
        try:
            value = parsedate_to_datetime(raw).timestamp() - _wall(now)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(value):
        return None
    return min(max(value, 0.0), MAX_WAIT)


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds a 429 asks us to wait: `X-RateLimit-Reset`, else `Retry-After`; each read
    and bounded as `reset_seconds` and `retry_after_seconds` say."""
    for name, read in (("X-RateLimit-Reset", reset_seconds), ("Retry-After", retry_after_seconds)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            seconds = read(raw, now)
        except ValueError:
            continue
        if seconds is not None:
            return seconds
    return None


def _wall(now: float | None) -> float:
    return time.time() if now is None else now


@attrs.define
class TokenBucket:
    """The limiter's state; every method takes `now` so that it stays a pure calculation."""

    limit: int = 0
    window: float = 0.0
    tokens: float = 0.0
    updated: float = 0.0
    paused_until: float = 0.0

    @property
    def known(self) -> bool:
        """Whether the server has told us its budget yet."""
        return self.limit > 0

    @property
    def rate(self) -> float:
        """Tokens per second the bucket refills at."""
        return self.limit / self.window if self.window > 0 else float(self.limit)

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(float(self.limit), self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def observe(self, now: float, info: RateLimitInfo, others_in_flight: int) -> None:
        """Take in an answer's headers; `others_in_flight` excludes the answered request."""
        first = not self.known
        self.limit = info.limit
        self.window = max(self.window, info.reset, 1e-3)
        self._refill(now)
        server = float(info.remaining - others_in_flight)
        self.tokens = server if first else min(self.tokens, server)
        self.updated = now

    def pause(self, now: float, seconds: float) -> None:
        """After a 429: nothing is sent for `seconds`, then the bucket refills from empty."""
        self.paused_until = max(self.paused_until, now + seconds)
        self.tokens = min(self.tokens, 0.0)
        self.updated = max(self.updated, self.paused_until)

    def next_in(self, now: float) -> float:
        """Seconds until a request may go (0 when one may go now); takes nothing."""
        if now < self.paused_until:
            return self.paused_until - now
        if not self.known:
            return 0.0
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1.0 - self.tokens) / self.rate

    def reserve(self, now: float, within: float = math.inf) -> float | None:
        """Take a token; the seconds to wait before using it (0 when it is there now), or
        `None` (nothing taken) when that wait would be longer than `within` seconds.
        While paused nothing is taken: the wait is until the pause ends."""
        wait = self.next_in(now)
        if wait > within:
            return None
        if self.known and now >= self.paused_until:
            self.tokens -= 1.0
        return wait


class RateLimiter:
    """Paces rate-limited requests of one client; see the module docstring.

    Until the first answer has told the budget, one request goes at a time. When the server
    sends no rate-limit headers at all, nothing is paced.
    """

    def __init__(self, *, enabled: bool = True, jitter: float = 0.1) -> None:
        self.enabled = enabled
        self._bucket = TokenBucket()
        self._jitter = jitter
        self._in_flight = 0
        self._probing = False
        self._told = asyncio.Event()
        self._unlimited = False

    @property
    def bucket(self) -> TokenBucket:
        """The current state, for inspection and tests."""
        return self._bucket

    def _sleep_for(self, seconds: float) -> float:
        return seconds + random.uniform(0, min(self._jitter * seconds, 1.0))

    async def acquire(self, deadline: float | None = None) -> None:
        """Wait until a request may be sent; pair with `release`.

        `deadline` is a `time.monotonic()` time: when the wait would outlast it, a
        [`RateLimitError`][blockbax_async.errors.RateLimitError] is raised at once (nothing was
        sent).
        """
        if not self.enabled:
            self._in_flight += 1
            return
        probing = await self._await_budget(deadline)
        try:
            while True:
                now = time.monotonic()
                left = math.inf if deadline is None else deadline - now
                wait = self._bucket.reserve(now, left)
                if wait is None:
                    raise _too_late(self._bucket.next_in(now))
                if wait <= 0:
                    break
                paused = now < self._bucket.paused_until
                await asyncio.sleep(min(self._sleep_for(wait), left))
                if not paused and time.monotonic() >= self._bucket.paused_until:
                    break
        except BaseException:
            if probing:
                self._end_probe()
            raise
        self._in_flight += 1

    async def _await_budget(self, deadline: float | None) -> bool:
        """Until the first answer has told the budget, one request goes at a time; returns
        whether this one is that probe."""
        while not self._bucket.known and not self._unlimited:
            if not self._probing:
                self._probing = True
                return True
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            try:
                await asyncio.wait_for(self._told.wait(), left)
            except asyncio.TimeoutError:
                raise _too_late(None) from None
        return False

    def _end_probe(self) -> None:
        self._probing = False
        self._told.set()
        self._told = asyncio.Event()

    def release(self, headers: Mapping[str, str] | None) -> None:
        """Mark a request done and learn from its answer's headers (`None`: no answer)."""
        self._in_flight -= 1
        if headers is not None and self.enabled:
            info = parse_headers(headers)
            if info is not None:
                self._bucket.observe(time.monotonic(), info, self._in_flight)
            elif not self._bucket.known:
                self._unlimited = True
        if self._probing and (self._bucket.known or self._unlimited or headers is None):
            self._end_probe()

    def pause(self, seconds: float) -> None:
        """Hold every rate-limited request for `seconds` (after a 429)."""
        logger.warning("rate limited: pausing requests for %.2f s", seconds)
        self._bucket.pause(time.monotonic(), seconds)


def _too_late(wait: float | None) -> RateLimitError:
    """The error of a request the limiter would hold past its call's deadline."""
    why = "awaiting the first answer, which tells the budget"
    if wait is not None:
        why = f"the rate limit lets the next request go in {wait:.1f} s"
    error = RateLimitError(429, f"not sent: {why}, past this call's retry deadline")
    error.retry_after = wait
    return error

"""A token bucket fed by the API's X-RateLimit-* headers, shared by all tasks of a client.

The arithmetic lives in :class:`TokenBucket` (pure, no awaits, tested with tables); the
:class:`RateLimiter` around it only sleeps. The bucket holds at most ``limit`` tokens and
refills at ``limit / window`` per second, ``window`` being the longest reset the server has
announced. Every answer lowers the estimate to what the server says remains, minus the
requests still in flight, so the client spends the budget at the pace it refills instead of
bursting into 429s. Tokens are reserved: a task that finds the bucket empty gets its own
future slot, so waiting tasks leave one by one rather than all at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping

import attrs

__all__ = ["RateLimiter", "RateLimitInfo", "TokenBucket", "parse_headers"]

logger = logging.getLogger("blockbax_async")


@attrs.frozen
class RateLimitInfo:
    """What one answer's headers say of the budget."""

    limit: int
    remaining: int
    reset: float


def parse_headers(headers: Mapping[str, str]) -> RateLimitInfo | None:
    """Read ``X-RateLimit-Limit/Remaining/Reset``; ``None`` when absent or malformed."""
    try:
        return RateLimitInfo(
            limit=int(headers["X-RateLimit-Limit"]),
            remaining=int(headers["X-RateLimit-Remaining"]),
            reset=max(0.0, float(headers["X-RateLimit-Reset"])),
        )
    except (KeyError, ValueError):
        return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a 429 asks us to wait: ``X-RateLimit-Reset``, else ``Retry-After``."""
    for name in ("X-RateLimit-Reset", "Retry-After"):
        try:
            return max(0.0, float(headers[name]))
        except (KeyError, ValueError):
            continue
    return None


@attrs.define
class TokenBucket:
    """The limiter's state; every method takes ``now`` so that it stays a pure calculation."""

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
        """Take in an answer's headers; ``others_in_flight`` excludes the answered request."""
        first = not self.known
        self.limit = info.limit
        self.window = max(self.window, info.reset, 1e-3)
        self._refill(now)
        server = float(info.remaining - others_in_flight)
        self.tokens = server if first else min(self.tokens, server)
        self.updated = now

    def pause(self, now: float, seconds: float) -> None:
        """After a 429: nothing is sent for ``seconds``, then the bucket refills from empty."""
        self.paused_until = max(self.paused_until, now + seconds)
        self.tokens = min(self.tokens, 0.0)
        self.updated = max(self.updated, self.paused_until)

    def reserve(self, now: float) -> float:
        """Take a token; the seconds to wait before using it (0 when it is there now)."""
        if now < self.paused_until:
            return self.paused_until - now
        if not self.known:
            return 0.0
        self._refill(now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


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
        self._probe = asyncio.Lock()
        self._unlimited = False

    @property
    def bucket(self) -> TokenBucket:
        """The current state, for inspection and tests."""
        return self._bucket

    def _sleep_for(self, seconds: float) -> float:
        return seconds + random.uniform(0, min(self._jitter * seconds, 1.0))

    async def acquire(self) -> None:
        """Wait until a request may be sent; pair with :meth:`release`."""
        if not self.enabled:
            self._in_flight += 1
            return
        while not self._bucket.known and not self._unlimited:
            if not self._probe.locked():
                await self._probe.acquire()
                break
            async with self._probe:
                pass
        while True:
            now = time.monotonic()
            wait = self._bucket.reserve(now)
            if wait <= 0:
                break
            paused = now < self._bucket.paused_until
            await asyncio.sleep(self._sleep_for(wait))
            if not paused and time.monotonic() >= self._bucket.paused_until:
                break
        self._in_flight += 1

    def release(self, headers: Mapping[str, str] | None) -> None:
        """Mark a request done and learn from its answer's headers (``None``: no answer)."""
        self._in_flight -= 1
        if headers is not None and self.enabled:
            info = parse_headers(headers)
            if info is not None:
                self._bucket.observe(time.monotonic(), info, self._in_flight)
            elif not self._bucket.known:
                self._unlimited = True
        if self._probe.locked() and (self._bucket.known or self._unlimited or headers is None):
            self._probe.release()

    def pause(self, seconds: float) -> None:
        """Hold every rate-limited request for ``seconds`` (after a 429)."""
        logger.warning("rate limited: pausing requests for %.2f s", seconds)
        self._bucket.pause(time.monotonic(), seconds)

"""Adaptive concurrency of measurement POSTs, after Vector's adaptive request concurrency.

The API does not rate limit measurement POSTs, so nothing tells a client how many it may
have in flight: too few leave a distant server idle (at 20 ms a request, 8 in flight cap a
client at 200,000 measurements per second), too many only queue up in it. The limit starts
at `IngestSettings.lanes` and is decided once per window of one round trip: it doubles while
round trips stay flat and every slot was used (slow start, until the first back-off), then
grows by one; it shrinks by a tenth when the round trip rises beyond its usual spread and
by more than half (a queue that short at the server still raises throughput; Netflix's
concurrency-limits tolerate as much), or when an answer was a 503, a 429, a 5xx or a
timeout. `decide` is the whole policy, pure; `Limiter`
applies it.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

import attrs

__all__ = ["ALPHA", "DECREASE", "DEVIATIONS", "TOLERANCE", "Limiter", "Window", "decide"]

ALPHA = 0.4  # weight of the newest window in the running round-trip mean
DECREASE = 0.9  # the limit after a back-off, as a fraction
DEVIATIONS = 2.5  # a round trip this many mean deviations above the mean counts as rising
TOLERANCE = 0.5  # ... and only when it is also this fraction above the mean


@attrs.frozen
class Window:
    """What the limiter knows: the `limit` within `low..high`, the running round-trip
    mean and mean deviation (seconds; `None` before the first window), and whether it is
    still in slow start."""

    limit: int
    low: int = 1
    high: int = 64
    mean: float | None = None
    deviation: float = 0.0
    slow_start: bool = True


def decide(window: Window, rtt: float | None, saturated: bool, back_pressure: bool) -> Window:
    """The window after one round of answers: `rtt` their mean round trip (`None`: no
    answer came), `saturated` whether every slot was taken at some point, `back_pressure`
    whether an answer was a 429, a 5xx, a dropped connection or a timeout."""
    limit, mean = window.limit, window.mean
    rising = (
        rtt is not None
        and mean is not None
        and rtt > mean + max(DEVIATIONS * window.deviation, TOLERANCE * mean)
    )
    slow_start = window.slow_start
    if back_pressure or rising:
        limit = max(window.low, min(limit - 1, math.floor(limit * DECREASE)))
        slow_start = False
    elif saturated and rtt is not None:
        limit = min(window.high, limit * 2 if slow_start else limit + 1)
    if rtt is None:
        return attrs.evolve(window, limit=limit, slow_start=slow_start)
    if mean is None:
        return attrs.evolve(window, limit=limit, mean=rtt, slow_start=slow_start)
    deviation = window.deviation + ALPHA * (abs(rtt - mean) - window.deviation)
    return Window(
        limit, window.low, window.high, mean + ALPHA * (rtt - mean), deviation, slow_start
    )


class Limiter:
    """Slots for measurement POSTs, as many as `decide` allows; `adaptive=False`
    keeps the starting limit."""

    def __init__(self, start: int, high: int, adaptive: bool = True) -> None:
        start = max(1, min(start, high))
        self.window = Window(start, 1, high if adaptive else start)
        self.adaptive = adaptive
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._ends = 0.0  # when the current round ends (loop time)
        self._rtts = 0.0
        self._answers = 0
        self._saturated = False
        self._back_pressure = False

    @property
    def limit(self) -> int:
        return self.window.limit

    async def acquire(self) -> None:
        """Wait for a slot (each is freed when an answer or an error arrives)."""
        while self.in_flight >= self.window.limit:
            self._saturated = True
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass on the slot it was given
                raise
        self.in_flight += 1
        if self.in_flight >= self.window.limit:
            self._saturated = True

    def release(self, rtt: float | None, back_pressure: bool = False) -> None:
        """Free a slot: an answer after `rtt` seconds (`None`: no answer, an error)."""
        self.in_flight -= 1
        self.observe(rtt, back_pressure)
        self._wake()

    def observe(self, rtt: float | None, back_pressure: bool = False) -> None:
        """Count one answer (or a retry's failed attempt, with `back_pressure`)."""
        if not self.adaptive:
            return
        if rtt is not None:
            self._rtts += rtt
            self._answers += 1
        self._back_pressure = self._back_pressure or back_pressure
        now = asyncio.get_running_loop().time()
        if now < self._ends:
            return
        mean = self._rtts / self._answers if self._answers else None
        self.window = decide(self.window, mean, self._saturated, self._back_pressure)
        self._ends = now + (self.window.mean or 0.0)
        self._rtts, self._answers = 0.0, 0
        self._saturated = self.in_flight >= self.window.limit
        self._back_pressure = False

    def _wake(self) -> None:
        free = self.window.limit - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

"""Background mode and back-pressure: lanes send on their own, and `put()` waits for room."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

from .._transport import Transport
from ..errors import ClientStateError, QueueFullError, ValidationError
from ..models._common import Location
from ._lanes import Lane
from ._receipts import wait_event
from ._results import FlushResult
from ._sender import Sender
from ._settings import IngestSettings

__all__ = ["Background", "OnResult"]

logger = logging.getLogger("blockbax_async")

OnResult = Callable[[FlushResult], object]


class Background(Sender):
    """The sending queue, with background mode and the waiting `put()`."""

    def __init__(
        self,
        transport: Transport,
        settings: IngestSettings | None = None,
        subjects: object = None,
        metrics: object = None,
    ) -> None:
        super().__init__(transport, settings, subjects, metrics)
        self._background: asyncio.Task[None] | None = None
        self._on_result: OnResult | None = None
        self._auto_create = False

    async def put(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
        timeout: float | None = None,
    ) -> None:
        """Queue one measurement like `queue`, waiting while the queue is full.

        While it waits, the lanes send what they hold. `timeout` (seconds) bounds the wait;
        [`QueueFullError`][blockbax_async.errors.QueueFullError] when it passes.
        """
        date_ms, value = self._check(ingestion_id, number, location, text, date)
        if self._size >= self._max:
            await self._wait_for_room(timeout)
            if self._newest is not None and date_ms is not None:  # others queued meanwhile
                self._check_time(ingestion_id, date_ms, self._newest.get(ingestion_id))
        self._admit(ingestion_id).extend((ingestion_id, date_ms, value))
        self._size += 1
        self._remember(ingestion_id, date_ms)

    def start(
        self,
        *,
        flush_interval: float | None = None,
        on_result: OnResult | None = None,
        create_subjects: bool = False,
    ) -> None:
        """Send in the background: a lane's batch as soon as it is full, everything every
        `flush_interval` seconds. `on_result` gets the [`FlushResult`][blockbax_async.FlushResult]
        of each automatic send (without it, rejections and failures are logged as warnings); an
        async callable is awaited, and its lane sends on once it returned.
        Call from a running event loop; `stop` (or closing the client) ends it."""
        if self._closed:
            raise ClientStateError("the client is closed")
        if self._background is not None and not self._background.done():
            raise ClientStateError("background sending is already running")
        if flush_interval is not None and not flush_interval > 0:
            raise ValidationError(f"flush_interval: {flush_interval!r}: give seconds above 0")
        self._interval = flush_interval or self.settings.flush_interval
        self._on_result = on_result
        self._auto_create = create_subjects
        self._soft = min(self._max, self._size + self._batch)
        self._background = asyncio.get_running_loop().create_task(self._run_background())

    @property
    def running(self) -> bool:
        """Whether background sending is on."""
        return self._background is not None and not self._background.done()

    async def stop(self, *, timeout: float | None = None) -> FlushResult:
        """End background sending, then flush what is left (within `timeout` seconds)."""
        await self._stop_background()
        return await self.flush(timeout=timeout)

    async def _stop_background(self) -> None:
        task, self._background = self._background, None
        self._soft = self._max if not self._closed else -1
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run_background(self) -> None:
        loop = asyncio.get_running_loop()
        tick = loop.time() + self._interval
        while True:
            await wait_event(self._wake, max(0.0, tick - loop.time()))
            self._wake.clear()  # after waiting: a wake set before this task ran still counts
            self._tick()
            due = loop.time() >= tick
            if due:
                tick = loop.time() + self._interval
            self._start_drains(full_only=not due)

    def _start_drains(self, *, full_only: bool) -> float | None:
        """Start an automatic drain on every idle lane with something to send; returns the
        seconds until the first paused lane may be tried again, if any is paused."""
        now = time.monotonic()
        paused: float | None = None
        for lane in self._lanes:
            todo = len(lane)
            if full_only:
                todo -= todo % self._batch
            if not todo:
                continue
            if lane.idle(now):
                lane.task = asyncio.get_running_loop().create_task(self._auto_drain(lane, todo))
            elif lane.paused_until > now:
                wait = lane.paused_until - now
                paused = wait if paused is None else min(paused, wait)
        return paused

    async def _auto_drain(self, lane: Lane, todo: int) -> None:
        result = FlushResult()
        maker = self._maker(self._auto_create)
        try:
            await self._drain(lane, result, todo, None, maker)
        except Exception:  # nobody awaits this task: say it here, the batch stays queued
            logger.exception("sending lane %d failed unexpectedly", lane.index)
            lane.paused_until = time.monotonic() + self._interval  # not a busy loop
        finally:
            self._changed.set()
            if len(lane) >= self._batch:
                self._wake.set()
        result.pending = self._size
        await self._report(result)

    async def _report(self, result: FlushResult) -> None:
        if self._on_result is not None:
            try:
                told = self._on_result(result)
                if inspect.isawaitable(told):  # an async def: awaited here, the lane waits
                    await told
            except Exception:
                logger.exception("on_result raised; ingestion goes on")
            return
        for rejection in result.rejected.values():
            logger.warning(
                "measurements of %r not (fully) ingested: %s: %s",
                rejection.ingestion_id, rejection.reason.value, rejection.message,
            )  # fmt: skip

    async def _wait_for_room(self, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._size >= self._max:
            if self._closed:
                raise ClientStateError("the client is closed")
            wait = self._start_drains(full_only=False)
            if deadline is not None:
                left = deadline - time.monotonic()
                wait = left if wait is None else min(wait, left)
            self._changed.clear()
            await wait_event(self._changed, wait)
            if deadline is not None and time.monotonic() >= deadline and self._size >= self._max:
                raise QueueFullError(
                    f"the measurement queue stayed full ({self._max} measurements) for {timeout} s"
                )

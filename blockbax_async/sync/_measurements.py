"""The blocking measurement queue: staged in the caller's thread, admitted in the loop.

The async queue is not thread-safe, and a call through the portal per measurement would cost
far more than the measurement; so `queue()` checks a measurement in the caller's thread,
with the async queue's own check, and stages it. Staged measurements move to the async queue
in bulk, in the loop, before anything else the loop runs next.
"""

from __future__ import annotations

import builtins
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Any, TypeVar

import attrs

from ..errors import ClientStateError, QueueFullError
from ..ingest import FlushResult, IngestSettings, IngestStats, QueuedMeasurement, Receipt, Refusal
from ..ingest._values import check_ingestion_id, distinct_ids
from ..models import Location
from ..resources.measurements import MeasurementsResource
from ._namespaces import Namespace, blocking, blocking_list, in_loop
from ._portal import Portal

__all__ = ["MeasurementsNamespace", "SyncReceipt"]

R = TypeVar("R")

logger = logging.getLogger("blockbax_async")

_stagings: weakref.WeakSet[MeasurementsNamespace] = weakref.WeakSet()


def _forked() -> None:
    # In the child: the queue belongs to the parent, and the lock may be held by a lost thread.
    for staging in list(_stagings):
        staging._soft = -1
        staging._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


class SyncReceipt:
    """A [`Receipt`][blockbax_async.ingest.Receipt] for blocking code: `wait(timeout)` and
    `durable(timeout)` block; `done`, `accepted`, `refused` and `ok` as there."""

    def __init__(self, receipt: Receipt, portal: Portal) -> None:
        self._receipt = receipt
        self._portal = portal

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every covered measurement has its final outcome (at most
        `timeout` seconds); returns whether they all have."""
        if self._receipt.done:
            return True
        return self._portal.call(self._receipt.wait, timeout)

    def durable(self, timeout: float | None = None) -> bool:
        """Block until every covered measurement is on disk (with a spool; at most
        `timeout` seconds); returns whether they all are."""
        return self._portal.call(self._receipt.durable, timeout)

    @property
    def done(self) -> bool:
        """Whether every covered measurement has its final outcome."""
        return self._receipt.done

    @property
    def accepted(self) -> int:
        """How many of those it tells of the server ingested."""
        return self._receipt.accepted

    @property
    def refused(self) -> builtins.list[Refusal]:
        """The measurements it tells of that the server did not take as sent."""
        return list(self._receipt.refused)

    @property
    def ok(self) -> bool:
        """Done, and nothing refused."""
        return self._receipt.ok

    def __repr__(self) -> str:
        return f"sync.{self._receipt!r}"


class MeasurementsNamespace(Namespace[MeasurementsResource]):
    """`client.measurements`: queue, send and search measurements, blocking.

    `queue()` checks a measurement in the caller's thread and stages it; staged
    measurements move to the async queue in the event loop in bulk (the async queue is not
    thread-safe, and a hop to the loop per measurement would cost 100 times more). Every
    other method runs in the loop after what the same thread staged before it, so a
    `flush()` sends everything queued before it. `start()` sends in the background,
    from the loop thread (`on_result` is called there).
    """

    def __init__(self, target: MeasurementsResource, portal: Portal) -> None:
        super().__init__(target, portal)
        self._lock = threading.Lock()
        self._staged: list[Any] = []  # flat: ingestion_id, date, value, ingestion_id, ...
        self._known: set[str] = set()
        self._max = target.settings.max_queued
        self._soft = 3 * self._max  # queue() takes its fast path below this many records
        self._closed = False
        _stagings.add(self)

    def queue(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
    ) -> None:
        """Queue one measurement, as the async
        [`queue`][blockbax_async.resources.measurements.MeasurementsResource.queue] does.

        The async queue's own check, run here (under the lock, for the time rules).

        Raises:
            ValidationError: a value the API would not take, at once.
            QueueFullError: `max_queued` measurements wait.
            ClientStateError: the client or the queue is closed.
        """
        with self._lock:
            date_ms, value = self._target._check(ingestion_id, number, location, text, date)
            staged = self._staged
            if len(staged) >= self._soft or ingestion_id not in self._known:
                self._make_room([ingestion_id], 1)
            if not staged:
                self._portal.soon(self._admit)
            staged += (ingestion_id, date_ms, value)
            self._target._remember(ingestion_id, date_ms)

    def queue_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[datetime | int | str | None],
        values: Sequence[Any],
        *,
        checked: bool = False,
    ) -> int:
        """Queue many measurements at once, all or none; see
        [`queue_many`][blockbax_async.resources.measurements.MeasurementsResource.queue_many]."""
        count = len(ingestion_ids)
        with self._lock:
            dates_ms, checked_values = self._target._check_many(
                ingestion_ids, dates, values, checked
            )
            self._make_room(distinct_ids(ingestion_ids), count)
            if not self._staged:
                self._portal.soon(self._admit)
            self._staged += chain.from_iterable(
                zip(ingestion_ids, dates_ms, checked_values, strict=True)
            )
            self._target._remember_many(ingestion_ids, dates_ms)
        return count

    def _make_room(self, ingestion_ids: Iterable[str], count: int) -> None:
        """The slow path of staging (under the lock): refuse when closed, check new IDs, and
        make sure `count` more fit."""
        if self._closed or self._portal.closed or self._portal.forked:
            self._portal.check()
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        for ingestion_id in ingestion_ids:
            if not isinstance(ingestion_id, str) or ingestion_id not in self._known:
                self._known.add(check_ingestion_id(ingestion_id))
        staged = len(self._staged)
        room = self._max - len(self._target) - staged // 3
        if room < count:
            raise QueueFullError(
                f"the measurement queue holds {self._max - room} of at most {self._max} "
                "measurements: flush(), wait with put(), or raise IngestSettings.max_queued"
            )
        self._soft = staged + 3 * room

    def _admit(self) -> None:
        """In the loop: move what is staged to the async queue."""
        with self._lock:
            staged, self._staged = self._staged, []
            if self._soft >= 0:
                self._soft = 3 * (self._max - len(self._target)) - len(staged)
        if staged:
            try:
                self._target._admit_many(staged[0::3], staged[1::3], staged[2::3])
            except Exception:
                logger.exception("%d staged measurements could not be queued", len(staged) // 3)

    def _close_staging(self) -> None:
        with self._lock:
            self._closed = True
            self._soft = -1

    async def _admit_then(self, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
        self._admit()
        return await fn(*args, **kwargs)

    def checkpoint(self) -> SyncReceipt:
        """A receipt for every measurement queued so far (staged ones included).

        See [`checkpoint`][blockbax_async.resources.measurements.MeasurementsResource.checkpoint];
        here its `wait()` and `durable()` block."""
        return SyncReceipt(self._portal.call_sync(self._checkpoint), self._portal)

    def _checkpoint(self) -> Receipt:
        self._admit()
        return self._target.checkpoint()

    put = blocking(MeasurementsResource.put)
    flush = blocking(MeasurementsResource.flush)
    start = in_loop(MeasurementsResource.start)
    stop = blocking(MeasurementsResource.stop)

    def pending(self) -> builtins.list[QueuedMeasurement]:
        """A copy of what is queued; see
        [`pending`][blockbax_async.resources.measurements.MeasurementsResource.pending].

        Also after `close` (or the client's), to learn what could not be delivered."""
        if self._portal.closed and not self._portal.forked:  # no loop left to race with
            with self._lock:
                staged = self._staged[:]
            unsent = map(QueuedMeasurement, staged[0::3], staged[1::3], staged[2::3])
            return [*self._target.pending(), *unsent]
        return self._portal.call_sync(self._target.pending)

    list = blocking_list(MeasurementsResource.list)

    def close(self, timeout: float | None = None) -> FlushResult | None:
        """Flush within `timeout` seconds and refuse further measurements; see
        [`close`][blockbax_async.resources.measurements.MeasurementsResource.close]."""
        self._close_staging()
        return self._portal.call(self._admit_then, self._target.close, timeout)

    @property
    def running(self) -> bool:
        """Whether background sending is on."""
        return self._target.running

    @property
    def settings(self) -> IngestSettings:
        """How measurements are queued and sent."""
        return self._target.settings

    @property
    def stats(self) -> IngestStats:
        """The counters, to export to a metrics system (staged measurements count as queued)."""
        stats = self._target.stats
        return attrs.evolve(stats, queued=stats.queued + len(self._staged) // 3)

    @property
    def close_result(self) -> FlushResult | None:
        """What closing flushed, with what it could not deliver."""
        return self._target.close_result

    def __len__(self) -> int:
        return len(self._target) + len(self._staged) // 3

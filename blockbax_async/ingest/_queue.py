"""The queue: one check for every way in, lanes, admission, and recovery from the spool.

Each lane holds one flat list `[ingestion_id, date_ms, value, ingestion_id, ...]`: no object
per measurement besides the caller's value and date. An ingestion ID always maps to the lane of
its subject (the part before `$`), so one series lives in one lane.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from ..errors import ClientStateError, QueueFullError, ValidationError
from ..models._common import Location
from ._batches import QueuedMeasurement, lane_of
from ._lanes import Lane
from ._receipts import Tracker
from ._settings import IngestSettings
from ._spool import Spool
from ._values import (
    MAX_DATE_MS,
    check_any,
    check_ingestion_id,
    check_value,
    distinct_ids,
    few_fraction_digits,
    time_problem,
    to_epoch_ms,
)

__all__ = ["CLOSED", "Queue"]

logger = logging.getLogger("blockbax_async")

CLOSED = "the client is closed: measurements can no longer be queued"
_time_ns = time.time_ns
_monotonic = time.monotonic


class Queue:
    """The measurement queue of one client, and the one check of what goes in.

    Like the rest of the client it belongs to one event loop: call it from that loop's
    thread (`blockbax_async.sync` does the hop for blocking code).
    """

    def __init__(self, settings: IngestSettings | None = None) -> None:
        self.settings = settings = settings or IngestSettings()
        self._lanes = [Lane(i) for i in range(settings.lanes)]
        self._route: dict[str, list[Any]] = {}
        self._batch = settings.batch_size
        self._max = settings.max_queued
        self._size = 0
        self._soft = min(self._max, self._batch)  # queue() takes its fast path below this
        self._lenient = settings.lenient
        self._server_time = settings.server_time
        self._newest: dict[str, int] | None = {} if settings.time_rules else None
        self._refused_at_queue = 0
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._closed = False  # set when closing starts: no measurement is taken after it
        self._spool: Spool | None = None
        if settings.spool is not None:
            spool = Spool(settings.spool, settings.lanes, settings.spool_max_bytes)
            self._recover(spool)
            spool.on_error = self._spool_failed
            self._spool = spool
        self._tracker = Tracker(self._lanes, self._spool)

    def _check(
        self,
        ingestion_id: Any,
        number: Any,
        location: Any,
        text: Any,
        date: Any,
    ) -> tuple[int | None, Any]:
        """The one check of a measurement, for every way in (the blocking layer's too):
        `(date in epoch ms, value)` as queued. Raises
        [`ClientStateError`][blockbax_async.errors.ClientStateError] once closing started, and
        [`ValidationError`][blockbax_async.errors.ValidationError] naming the field and the
        value."""
        if self._closed:
            raise ClientStateError(CLOSED)
        try:
            if ingestion_id.__class__ is not str or ingestion_id not in self._route:
                check_ingestion_id(ingestion_id)
            # The fast path takes ms from 1970-04-26 on; to_epoch_ms checks the rest (seconds?).
            if date.__class__ is not int or not 10_000_000_000 <= date <= MAX_DATE_MS:
                date = self._date(date, ingestion_id)
            if (
                number.__class__ is not float
                or not -1e20 < number < 1e20
                or not ((number * 1e8).is_integer() or few_fraction_digits(number))
                or location is not None
                or text is not None
            ):
                number = check_value(ingestion_id, number, location, text, self._lenient)
            if self._newest is not None and date is not None:
                self._check_time(ingestion_id, date, self._newest.get(ingestion_id))
        except ValidationError:
            self._refused_at_queue += 1
            raise
        return date, number

    def _date(self, date: Any, ingestion_id: str) -> int | None:
        if date is None:
            return None if self._server_time else _time_ns() // 1_000_000
        return to_epoch_ms(date, ingestion_id)

    @staticmethod
    def _check_time(ingestion_id: str, date: int, newest: int | None) -> None:
        problem = time_problem(date, newest, _time_ns() // 1_000_000)
        if problem is not None:
            raise ValidationError(f"date: {date!r} (for {ingestion_id!r}): {problem} (time_rules)")

    def _remember(self, ingestion_id: str, date: int | None) -> None:
        """Note a queued date for the time rules (after the measurement was taken)."""
        if self._newest is not None and date is not None:
            self._newest[ingestion_id] = date

    def queue(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
    ) -> None:
        """Queue one measurement; give exactly one of `number`, `location`, `text`.

        `date` is an aware `datetime`, epoch milliseconds or an ISO 8601 string with an
        offset; `None` means now (or the server's time, with `IngestSettings.server_time`).
        Raises [`ValidationError`][blockbax_async.errors.ValidationError] for a value the API would
        not take (nothing queued before is affected),
        [`QueueFullError`][blockbax_async.errors.QueueFullError] when the queue holds
        `max_queued` measurements (or the spool cannot store more) and
        [`ClientStateError`][blockbax_async.errors.ClientStateError] once closing started.
        """
        # A guard that only proves the common case (a known ID, epoch ms, a float with few
        # fractional digits, room, no time rules) valid; all else takes the one check. A
        # float exact at 8 digits passes at once; one with binary noise (0.29 * 1e8 is not
        # whole) asks the digit rule itself, not the whole check.
        records = self._route.get(ingestion_id) if ingestion_id.__class__ is str else None
        if (
            records is None
            or date.__class__ is not int
            or not 10_000_000_000 <= date <= MAX_DATE_MS
            or number.__class__ is not float
            or not -1e20 < number < 1e20
            or not ((number * 1e8).is_integer() or few_fraction_digits(number))
            or location is not None
            or text is not None
            or self._size >= self._soft
            or self._newest is not None
        ):
            self._queue_checked(ingestion_id, number, location, text, date)
            return
        records.append(ingestion_id)
        records.append(date)
        records.append(number)
        self._size += 1

    def _queue_checked(
        self, ingestion_id: Any, number: Any, location: Any, text: Any, date: Any
    ) -> None:
        """`queue` through the one check (every case its guard does not prove valid)."""
        date, value = self._check(ingestion_id, number, location, text, date)
        records = self._route.get(ingestion_id)
        if records is None or self._size >= self._soft:
            records = self._admit(ingestion_id)
        records.append(ingestion_id)
        records.append(date)
        records.append(value)
        self._size += 1
        if self._newest is not None:
            self._remember(ingestion_id, date)

    def _admit(self, ingestion_id: str) -> list[Any]:
        """The lane records for one more measurement of `ingestion_id`, when the queue is
        open and has room (the slow path of `queue`: first sight of an ID, or a batch
        more queued)."""
        if self._closed:
            raise ClientStateError(CLOSED)
        if self._spool is not None and self._spool.error is not None:
            raise self._spool.failure()
        if self._size >= self._max:
            raise QueueFullError(
                f"the measurement queue holds its maximum of {self._max} measurements: "
                "flush(), wait with await put(), or raise IngestSettings.max_queued"
            )
        if self._size >= self._soft:
            self._soft = min(self._max, self._size + self._batch)
            self._wake.set()
            self._tick()
        records = self._route.get(ingestion_id)
        lane = self._lanes[lane_of(ingestion_id, len(self._lanes))]
        lane.stamp(_monotonic(), 1)
        if records is None:
            records = self._route[ingestion_id] = lane.records
        return records

    def _tick(self) -> None:
        """Stamp the lanes (for the age figure) and hand new records to the spool."""
        now = _monotonic()
        for lane in self._lanes:
            lane.stamp(now)
        if self._spool is not None:
            self._spool.write(self._lanes)

    def _check_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[datetime | int | str | None],
        values: Sequence[Any],
        checked: bool = False,
    ) -> tuple[Sequence[int | None], Sequence[Any]]:
        """`_check` of many measurements at once, all or none; with `checked` the
        caller vouches for the dates (epoch ms in range) and values (as `check_value`
        returns them), and only the state, the IDs and the time rules are checked."""
        if self._closed:
            raise ClientStateError(CLOSED)
        count = len(ingestion_ids)
        try:
            if len(dates) != count or len(values) != count:
                raise ValidationError(
                    f"ingestion_ids, dates, values: {count}, {len(dates)} and {len(values)} "
                    "items; give one date and one value per ingestion ID"
                )
            for ingestion_id in distinct_ids(ingestion_ids):
                if ingestion_id not in self._route:
                    check_ingestion_id(ingestion_id)
            if not checked:
                dates = [self._date(d, i) for i, d in zip(ingestion_ids, dates, strict=True)]
                lenient = self._lenient
                values = [
                    check_any(i, v, lenient) for i, v in zip(ingestion_ids, values, strict=True)
                ]
            if self._newest is not None:
                self._check_times(ingestion_ids, dates)  # type: ignore[arg-type]
        except ValidationError:
            self._refused_at_queue += count
            raise
        return dates, values  # type: ignore[return-value]

    def _check_times(self, ingestion_ids: Sequence[str], dates: Sequence[int | None]) -> None:
        assert self._newest is not None
        newest = self._newest
        seen: dict[str, int] = {}
        for ingestion_id, date in zip(ingestion_ids, dates, strict=True):
            if date is not None:
                self._check_time(
                    ingestion_id, date, seen.get(ingestion_id, newest.get(ingestion_id))
                )
                seen[ingestion_id] = date

    def _remember_many(self, ingestion_ids: Sequence[str], dates: Sequence[int | None]) -> None:
        """`_remember` of many."""
        if self._newest is not None:
            for ingestion_id, date in zip(ingestion_ids, dates, strict=True):
                if date is not None:
                    self._newest[ingestion_id] = date

    def queue_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[datetime | int | str | None],
        values: Sequence[Any],
        *,
        checked: bool = False,
    ) -> int:
        """Queue many measurements at once, in order: all of them, or none when one is
        invalid ([`ValidationError`][blockbax_async.errors.ValidationError]) or they do not all fit
        ([`QueueFullError`][blockbax_async.errors.QueueFullError]). Returns how many were queued.

        `values` holds one number, location or text per measurement. With `checked` the
        caller vouches that `dates` are epoch milliseconds in range and `values` are as
        `check_value` returns them (`blockbax_async.dataframes` checks whole columns).
        """
        checked_dates, checked_values = self._check_many(ingestion_ids, dates, values, checked)
        count = len(ingestion_ids)
        if self._size + count > self._max:
            raise QueueFullError(
                f"{count} measurements do not fit: the queue holds {self._size} of at most "
                f"{self._max}; flush() first, or raise IngestSettings.max_queued"
            )
        if self._spool is not None and self._spool.error is not None:
            raise self._spool.failure()
        self._admit_many(ingestion_ids, checked_dates, checked_values)
        self._remember_many(ingestion_ids, checked_dates)
        return count

    def _admit_many(
        self, ingestion_ids: Sequence[str], dates: Sequence[int | None], values: Sequence[Any]
    ) -> None:
        """Append checked measurements to their lanes, without a room check (the blocking
        layer checks room when it stages them)."""
        if self._closed:
            raise ClientStateError(CLOSED)
        lane_index = {id(lane.records): lane.index for lane in self._lanes}
        routes: dict[str, int] = {}
        for ingestion_id in distinct_ids(ingestion_ids):
            records = self._route.get(ingestion_id)
            if records is None:
                routes[ingestion_id] = lane_of(check_ingestion_id(ingestion_id), len(self._lanes))
            else:
                routes[ingestion_id] = lane_index[id(records)]
        by_id = {}
        for ingestion_id, index in routes.items():  # every ID is valid: nothing fails now
            by_id[ingestion_id] = self._route[ingestion_id] = self._lanes[index].records
        rows = zip(ingestion_ids, dates, values, strict=True)
        if len(set(routes.values())) == 1:
            next(iter(by_id.values())).extend(chain.from_iterable(rows))
        else:  # measured: faster than a pass per lane with itertools.compress
            for row in rows:
                by_id[row[0]].extend(row)
        self._size += len(ingestion_ids)
        self._tick()
        if self._size >= self._soft:
            self._soft = min(self._max, self._size + self._batch)
            self._wake.set()

    def _recover(self, spool: Spool) -> None:
        """Queue what an earlier process left in the spool, first and in its order."""
        rows = spool.recover()
        if rows:
            ids, dates, values = (list(column) for column in zip(*rows, strict=True))
            self._admit_many(ids, dates, values)
            self._remember_many(ids, dates)
            logger.info("recovered %d measurements from the spool %r", len(rows), spool.directory)
        spool.replace(self._lanes)

    def _spool_failed(self) -> None:
        self._soft = -1  # in the writer thread: the next queue() takes the slow path and says why

    def __len__(self) -> int:
        """How many measurements are queued (in flight included)."""
        return self._size

    def __bool__(self) -> bool:
        return True  # a namespace, even with an empty queue

    def pending(self) -> list[QueuedMeasurement]:
        """A copy of what is queued (in flight included), lane by lane, each series in order."""
        return [m for lane in self._lanes for m in lane.pending()]

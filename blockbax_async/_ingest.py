"""Measurement ingestion: a compact queue sharded over lanes, sent in batches of at most 500.

Each lane holds one flat list ``[ingestion_id, date_ms, value, ingestion_id, ...]``: no object
per measurement besides the caller's value and date. An ingestion ID always maps to the lane of
its subject (the part before ``$``), so one series lives in one lane. A lane sends one request
at a time and removes a batch only once the server answered it, so per-series order holds with
many lanes in flight, under retries and when a flush is cancelled; a batch that fails stays at
the front of its lane for the next flush. Delivery is at least once: a batch the server stored
before the connection dropped is sent again, and the API overwrites by ingestion ID and date.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Any

import attrs

from ._batches import (
    MAX_BATCH,
    SEVERITY,
    Answer,
    Batch,
    QueuedMeasurement,
    Rejection,
    RejectReason,
    build_body,
    count_wanted,
    cut_batch,
    keeps_batch,
    lane_of,
    read_answer,
)
from ._checks import check_int, check_number, validator
from ._retry import backoff, is_retryable
from ._transport import Transport
from ._values import (
    check_any,
    check_ingestion_id,
    check_ingestion_ids,
    check_value,
    distinct_ids,
    to_epoch_ms,
)
from .errors import (
    BlockbaxError,
    ClientStateError,
    QueueFullError,
    ValidationError,
)
from .models._common import Location

__all__ = [
    "BatchFailure",
    "FlushResult",
    "IngestSettings",
    "IngestStats",
    "Ingestor",
]

logger = logging.getLogger("blockbax_async")

_MAX_FAILURES_KEPT = 100
_UNKNOWN = RejectReason.UNKNOWN_INGESTION_ID
_time_ns = time.time_ns


@attrs.define
class BatchFailure:
    """A batch that failed after its retries.

    ``kept``: the measurements are still queued, at the front of their lane, and the next
    flush sends them again (network failures, 5xx, 401/403). Otherwise the server refused
    the batch itself (400, 413, 422), or its body could not be built (a ``ValidationError``):
    the measurements were taken out of the queue and are handed back in ``measurements``, so
    that one bad batch cannot block its lane.
    """

    error: BlockbaxError
    count: int
    ingestion_ids: list[str]
    kept: bool
    measurements: list[QueuedMeasurement] = attrs.Factory(list)


@attrs.define
class FlushResult:
    """What a flush did.

    ``accepted`` counts the measurements the server ingested, each once also when its batch
    was sent again; ``requests`` and ``retries`` count POSTs; ``rejected`` maps ingestion
    IDs the server named in 207 answers to their :class:`Rejection`; ``failures`` lists
    batches that failed after their retries (the first 100) and ``undelivered`` counts their
    measurements; ``pending`` is what was still queued when the flush ended (failed batches
    included); ``timed_out`` tells that the flush was cut short by its timeout;
    ``created_subjects`` names the subjects made with ``create_subjects``;
    ``unconfirmed`` counts measurements the server's answers neither counted as ingested
    nor named (their IDs are in ``rejected`` with reason ``OTHER``).
    """

    accepted: int = 0
    requests: int = 0
    retries: int = 0
    rejected: dict[str, Rejection] = attrs.Factory(dict)
    failures: list[BatchFailure] = attrs.Factory(list)
    pending: int = 0
    timed_out: bool = False
    created_subjects: list[str] = attrs.Factory(list)
    undelivered: int = 0
    unconfirmed: int = 0

    @property
    def ok(self) -> bool:
        """No batch failed, nothing was rejected or left unconfirmed, and the flush was not
        cut short."""
        return not (self.failures or self.rejected or self.timed_out or self.unconfirmed)

    def rejected_ids(self, reason: RejectReason | None = None) -> list[str]:
        """The rejected ingestion IDs, all or those of one ``reason``."""
        return [i for i, r in self.rejected.items() if reason is None or r.reason is reason]

    def raise_for_failures(self) -> None:
        """Raise the error of the first failed batch, if any batch failed."""
        if self.failures:
            raise self.failures[0].error

    def _reject(self, rejection: Rejection) -> None:
        old = self.rejected.get(rejection.ingestion_id)
        if old is not None:
            if SEVERITY[old.reason] > SEVERITY[rejection.reason]:
                rejection = attrs.evolve(old, sent=old.sent + rejection.sent)
            else:
                rejection = attrs.evolve(rejection, sent=old.sent + rejection.sent)
        self.rejected[rejection.ingestion_id] = rejection

    def _fail(self, failure: BatchFailure) -> None:
        self.undelivered += failure.count
        if len(self.failures) < _MAX_FAILURES_KEPT:
            self.failures.append(failure)

    def _then(self, later: FlushResult) -> None:
        """Add a later flush of what this one left queued: a batch this one kept counts as
        failed only when the later flush failed it again."""
        kept = sum(f.count for f in self.failures if f.kept)
        failures = [f for f in self.failures if not f.kept] + later.failures
        self.failures = failures[:_MAX_FAILURES_KEPT]
        self.undelivered += later.undelivered - kept
        for rejection in later.rejected.values():
            self._reject(rejection)
        self.accepted += later.accepted
        self.requests += later.requests
        self.retries += later.retries
        self.unconfirmed += later.unconfirmed
        self.created_subjects += later.created_subjects
        self.pending, self.timed_out = later.pending, later.timed_out


@attrs.frozen
class IngestStats:
    """Counters to export: ``queued`` and ``in_flight`` are measurements now waiting and now
    being sent; ``sent``, ``rejected``, ``retried``, ``requests`` and ``failed_batches``
    count since the client was made (``sent``: ingested by the server; ``rejected``: sent but
    not ingested; ``retried``: POSTs sent again)."""

    queued: int
    in_flight: int
    sent: int
    rejected: int
    retried: int
    requests: int
    failed_batches: int


@attrs.frozen
class IngestSettings:
    """How measurements are queued and sent.

    ``max_queued`` bounds the queue (``queue()`` raises :class:`QueueFullError` beyond it,
    ``await put()`` waits); ``lanes`` is how many POSTs may be in flight; ``batch_size``
    (at most 500) the measurements per POST; ``flush_interval`` the seconds between
    automatic flushes in background mode, and the pause of a lane after a failed batch;
    ``close_timeout`` the seconds closing the client may spend flushing. A wrong type or
    range raises :class:`~blockbax_async.errors.ValidationError` naming the setting;
    ``AsyncClient(ingest=...)`` also takes these as a mapping (``{"lanes": 2}``).
    """

    max_queued: int = attrs.field(default=1_000_000, validator=validator(check_int, minimum=1))
    lanes: int = attrs.field(default=8, validator=validator(check_int, minimum=1))
    batch_size: int = attrs.field(
        default=MAX_BATCH, validator=validator(check_int, minimum=1, maximum=MAX_BATCH)
    )
    flush_interval: float = attrs.field(default=1.0, validator=validator(check_number, above=0))
    close_timeout: float = attrs.field(default=30.0, validator=validator(check_number, minimum=0))


# -- the queue ----------------------------------------------------------------------------------


class _Lane:
    """One lane: flat records, of which those before ``head`` are sent already (dropping
    them from the list at once would move the whole list for every batch)."""

    __slots__ = ("head", "index", "lock", "paused_until", "records", "task")

    def __init__(self, index: int) -> None:
        self.index = index
        self.records: list[Any] = []
        self.head = 0
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self.paused_until = 0.0

    def __len__(self) -> int:
        return (len(self.records) - self.head) // 3

    def idle(self, now: float) -> bool:
        return (self.task is None or self.task.done()) and self.paused_until <= now

    def cut(self, limit: int, wanted: Collection[str] | None) -> Batch:
        return cut_batch(self.records, limit, wanted, self.head)

    def take(self, batch: Batch) -> None:
        """Drop a batch that was answered (or handed back) from the lane."""
        if batch.keep is None and batch.start == self.head:
            self.head = batch.end
            if self.head * 2 >= len(self.records):  # amortized: moves at most what was sent
                del self.records[: self.head]
                self.head = 0
        else:
            batch.remove_from(self.records)

    def put_front(self, records: list[Any]) -> None:
        """Queue ``records`` again ahead of everything in the lane."""
        if self.head >= len(records):
            self.head -= len(records)
            self.records[self.head : self.head + len(records)] = records
        else:
            self.records[self.head : self.head] = records

    def pending(self) -> list[QueuedMeasurement]:
        records, head = self.records, self.head
        return list(
            map(QueuedMeasurement, records[head::3], records[head + 1 :: 3], records[head + 2 :: 3])
        )


OnResult = Callable[[FlushResult], object]


class Ingestor:
    """The measurement queue of one client; ``client.measurements`` builds on it.

    Like the rest of the client it belongs to one event loop: call it from that loop's
    thread (``blockbax_async.sync`` does the hop for blocking code).
    """

    def __init__(self, transport: Transport, settings: IngestSettings | None = None) -> None:
        self._transport = transport
        self.settings = settings = settings or IngestSettings()
        self._lanes = [_Lane(i) for i in range(settings.lanes)]
        self._route: dict[str, list[Any]] = {}
        self._batch = settings.batch_size
        self._max = settings.max_queued
        self._size = 0
        self._soft = self._max  # queue() takes its fast path below this
        self._in_flight = 0
        self._sent = self._rejected = self._retried = self._requests = self._failed = 0
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._background: asyncio.Task[None] | None = None
        self._interval = settings.flush_interval
        self._on_result: OnResult | None = None
        self._auto_create = False
        self._closed = False  # set when closing starts: no measurement is taken after it
        self._finished = False  # set when closing ended
        self.close_result: FlushResult | None = None
        """What closing the client flushed, with what it could not deliver."""

    # -- queueing ------------------------------------------------------------------------------

    def queue(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
    ) -> None:
        """Queue one measurement; give exactly one of ``number``, ``location``, ``text``.

        ``date`` is an aware ``datetime``, epoch milliseconds or an ISO 8601 string with an
        offset; ``None`` means now. Raises :class:`~blockbax_async.errors.ValidationError`
        for a value the API would not take (nothing queued before is affected),
        :class:`~blockbax_async.errors.QueueFullError` when the queue holds
        ``max_queued`` measurements and :class:`~blockbax_async.errors.ClientStateError`
        once closing started.
        """
        try:
            records = self._route.get(ingestion_id)
        except TypeError:  # unhashable: _admit refuses it
            records = None
        if records is None or self._size >= self._soft:
            records = self._admit(ingestion_id)
        # The fast path takes ms from 1970-04-26 on; to_epoch_ms checks the rest (seconds?).
        if date.__class__ is not int or not 10_000_000_000 <= date <= 253402300799999:
            date = _time_ns() // 1_000_000 if date is None else to_epoch_ms(date, ingestion_id)
        if (
            number.__class__ is not float
            or not -1e20 < number < 1e20
            or not (number * 1e8).is_integer()
            or location is not None
            or text is not None
        ):
            number = check_value(ingestion_id, number, location, text)
        records.append(ingestion_id)
        records.append(date)
        records.append(number)
        self._size += 1

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
        """Queue one measurement like :meth:`queue`, waiting while the queue is full.

        While it waits, the lanes send what they hold. ``timeout`` (seconds) bounds the wait;
        :class:`~blockbax_async.errors.QueueFullError` when it passes.
        """
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        check_ingestion_id(ingestion_id)
        date_ms = _time_ns() // 1_000_000 if date is None else to_epoch_ms(date, ingestion_id)
        value = check_value(ingestion_id, number, location, text)
        if self._size >= self._max:
            await self._wait_for_room(timeout)
        self._admit(ingestion_id).extend((ingestion_id, date_ms, value))
        self._size += 1

    def _admit(self, ingestion_id: str) -> list[Any]:
        """The lane records for one more measurement of ``ingestion_id``, when the queue is
        open and has room (the slow path of :meth:`queue`: first sight of an ID, or a full
        batch more queued in background mode)."""
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        if not isinstance(ingestion_id, str):
            check_ingestion_id(ingestion_id)  # raises: not a str
        if self._size >= self._max:
            raise QueueFullError(
                f"the measurement queue holds its maximum of {self._max} measurements: "
                "flush(), wait with await put(), or raise IngestSettings.max_queued"
            )
        if self._size >= self._soft:
            self._soft = min(self._max, self._size + self._batch)
            self._wake.set()
        records = self._route.get(ingestion_id)
        if records is None:
            lane = self._lanes[lane_of(check_ingestion_id(ingestion_id), len(self._lanes))]
            records = self._route[ingestion_id] = lane.records
        return records

    def queue_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[datetime | int | str],
        values: Sequence[Any],
        *,
        checked: bool = False,
    ) -> int:
        """Queue many measurements at once, in order: all of them, or none when one is
        invalid (:class:`~blockbax_async.errors.ValidationError`) or they do not all fit
        (:class:`~blockbax_async.errors.QueueFullError`). Returns how many were queued.

        ``values`` holds one number, location or text per measurement. With ``checked`` the
        caller vouches that ``dates`` are epoch milliseconds in range and ``values`` are as
        :func:`check_value` returns them (``blockbax_async.dataframes`` checks whole columns).
        """
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        count = len(ingestion_ids)
        if len(dates) != count or len(values) != count:
            raise ValidationError(
                f"ingestion_ids, dates, values: {count}, {len(dates)} and {len(values)} items; "
                "give one date and one value per ingestion ID"
            )
        if not checked:
            dates = [to_epoch_ms(d, i) for i, d in zip(ingestion_ids, dates, strict=True)]
            values = [check_any(i, v) for i, v in zip(ingestion_ids, values, strict=True)]
        if self._size + count > self._max:
            raise QueueFullError(
                f"{count} measurements do not fit: the queue holds {self._size} of at most "
                f"{self._max}; flush() first, or raise IngestSettings.max_queued"
            )
        self._admit_many(ingestion_ids, dates, values)  # type: ignore[arg-type]
        return count

    def _admit_many(
        self, ingestion_ids: Sequence[str], dates: Sequence[int], values: Sequence[Any]
    ) -> None:
        """Append checked measurements to their lanes, without a room check (the blocking
        layer checks room when it stages them)."""
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
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
        if self._size >= self._soft:
            self._soft = min(self._max, self._size + self._batch)
            self._wake.set()

    # -- flushing ------------------------------------------------------------------------------

    async def flush(
        self,
        *,
        ingestion_ids: Iterable[str] | None = None,
        create_subjects: bool = False,
        timeout: float | None = None,
    ) -> FlushResult:
        """Send what is queued (of ``ingestion_ids`` only, when given: a collection of IDs,
        not one bare ``str``) and report.

        Batches of at most 500 go out on all lanes at once, one request in flight per lane.
        A batch that fails after its retries stays queued for the next flush (see
        :class:`BatchFailure`). With ``create_subjects``, subjects missing for unknown
        ingestion IDs ``<subject external ID>$<metric external ID>`` are created (type from
        the metric) and their measurements sent again. ``timeout`` (seconds) cuts the flush
        short; what was not sent stays queued.
        """
        if self._closed:
            raise ClientStateError("the client is closed")
        if ingestion_ids is not None:
            ingestion_ids = frozenset(check_ingestion_ids(ingestion_ids))
        return await self._flush(ingestion_ids, create_subjects, timeout)

    async def _flush(
        self, wanted: Collection[str] | None, create_subjects: bool, timeout: float | None
    ) -> FlushResult:
        maker = _SubjectMaker(self._transport) if create_subjects else None
        result = FlushResult()
        work = [(lane, count_wanted(lane.records, wanted, lane.head)) for lane in self._lanes]
        tasks = [
            asyncio.ensure_future(self._drain(lane, result, todo, wanted, maker))
            for lane, todo in work
            if todo
        ]
        await _run_all(tasks, timeout, result)
        result.pending = self._size
        return result

    async def _drain(
        self,
        lane: _Lane,
        result: FlushResult,
        todo: int,
        wanted: Collection[str] | None = None,
        maker: _SubjectMaker | None = None,
    ) -> None:
        async with lane.lock:
            while todo > 0 and len(lane):
                batch = lane.cut(min(self._batch, todo), wanted)
                if not batch.size:
                    break
                self._in_flight += batch.size
                try:
                    answer = await self._post(_body(batch), result)
                except BlockbaxError as error:
                    if self._failed_batch(lane, batch, error, result):
                        return
                    todo -= batch.size
                    continue
                finally:
                    self._in_flight -= batch.size
                lane.take(batch)
                self._size -= batch.size
                todo -= batch.size
                todo += await self._answered(lane, batch, answer, result, maker)
                self._changed.set()

    async def _answered(
        self,
        lane: _Lane,
        batch: Batch,
        answer: Any,
        result: FlushResult,
        maker: _SubjectMaker | None,
    ) -> int:
        """Count the answer to a sent batch; returns how many measurements were queued again."""
        if (
            answer.__class__ is dict
            and answer.get("numberOfIngestedMeasurements") == batch.size
            and not answer.get("detailedMessages")
        ):  # the usual answer: no need to count per ingestion ID
            accepted, rejections, unconfirmed = Answer(batch.size, [], 0)
        else:
            accepted, rejections, unconfirmed = read_answer(answer, batch.counts())
        self._sent += accepted
        self._rejected += batch.size - accepted
        result.accepted += accepted
        result.unconfirmed += unconfirmed
        again = 0
        unknown = [r.ingestion_id for r in rejections if r.reason is _UNKNOWN]
        if maker is not None and unknown:
            try:
                outcome = await maker.ensure(unknown, result)
            except asyncio.CancelledError:
                self._requeue_front(lane, batch, unknown)  # sent again, rejected again: safe
                raise
            ready = {i for i, problem in outcome.items() if problem is None}
            again = self._requeue_front(lane, batch, ready)
            rejections = [
                attrs.evolve(r, message=f"{r.message} Not created: {outcome[r.ingestion_id]}")
                if r.ingestion_id in outcome
                else r
                for r in rejections
                if r.ingestion_id not in ready
            ]
        for rejection in rejections:
            result._reject(rejection)
        return again

    def _requeue_front(self, lane: _Lane, batch: Batch, ready: Collection[str]) -> int:
        records: list[Any] = []
        for ingestion_id, date, value in zip(batch.ids, batch.dates, batch.values, strict=True):
            if ingestion_id in ready:
                records += (ingestion_id, date, value)
        lane.put_front(records)
        self._size += len(records) // 3
        return len(records) // 3

    def _failed_batch(
        self, lane: _Lane, batch: Batch, error: BlockbaxError, result: FlushResult
    ) -> bool:
        """Record a batch that failed; returns whether the lane must stop (batch kept)."""
        self._failed += 1
        kept = keeps_batch(error)
        failure = BatchFailure(error, batch.size, list(batch.counts()), kept)
        if not kept:
            failure.measurements = batch.measurements()
            lane.take(batch)
            self._size -= batch.size
            self._changed.set()
        else:
            lane.paused_until = time.monotonic() + self._interval
        result._fail(failure)
        logger.warning(
            "a batch of %d measurements failed (%s); %s",
            batch.size, error,
            "it stays queued" if kept else "it is handed back in the flush result",
        )  # fmt: skip
        return kept

    async def _post(self, body: bytes, result: FlushResult) -> Any:
        """POST one batch through the transport's retry loop, counting every attempt."""

        def count(error: BlockbaxError | None = None, delay: float = 0.0) -> None:
            self._requests += 1
            result.requests += 1
            if error is not None:
                self._retried += 1
                result.retries += 1

        count()
        try:
            return await self._transport.request(
                "POST", "/measurements", body=body, rate_limited=False, on_retry=count
            )
        except BlockbaxError:
            raise
        except Exception as unexpected:  # a bug below us: the batch stays, the lane pauses
            logger.exception("sending a batch of measurements failed unexpectedly")
            raise BlockbaxError(
                f"sending a batch failed unexpectedly: {unexpected!r}"
            ) from unexpected

    # -- background mode and back-pressure -----------------------------------------------------

    def start(
        self,
        *,
        flush_interval: float | None = None,
        on_result: OnResult | None = None,
        create_subjects: bool = False,
    ) -> None:
        """Send in the background: a lane's batch as soon as it is full, everything every
        ``flush_interval`` seconds. ``on_result`` gets the :class:`FlushResult` of each
        automatic send (without it, rejections and failures are logged as warnings).
        Call from a running event loop; :meth:`stop` (or closing the client) ends it."""
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
        """End background sending, then flush what is left (within ``timeout`` seconds)."""
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
            await _wait(self._wake, max(0.0, tick - loop.time()))
            self._wake.clear()  # after waiting: a wake set before this task ran still counts
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

    async def _auto_drain(self, lane: _Lane, todo: int) -> None:
        result = FlushResult()
        maker = _SubjectMaker(self._transport) if self._auto_create else None
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
        self._report(result)

    def _report(self, result: FlushResult) -> None:
        if self._on_result is not None:
            try:
                self._on_result(result)
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
            await _wait(self._changed, wait)
            if deadline is not None and time.monotonic() >= deadline and self._size >= self._max:
                raise QueueFullError(
                    f"the measurement queue stayed full ({self._max} measurements) for {timeout} s"
                )

    # -- state ---------------------------------------------------------------------------------

    @property
    def stats(self) -> IngestStats:
        """The counters, to export to a metrics system."""
        return IngestStats(
            queued=self._size - self._in_flight,
            in_flight=self._in_flight,
            sent=self._sent,
            rejected=self._rejected,
            retried=self._retried,
            requests=self._requests,
            failed_batches=self._failed,
        )

    def __len__(self) -> int:
        """How many measurements are queued (in flight included)."""
        return self._size

    def __bool__(self) -> bool:
        return True  # a namespace, even with an empty queue

    def pending(self) -> list[QueuedMeasurement]:
        """A copy of what is queued (in flight included), lane by lane, each series in order."""
        return [m for lane in self._lanes for m in lane.pending()]

    async def close(self, timeout: float | None = None) -> FlushResult | None:
        """Refuse further measurements, stop background sending and flush within ``timeout``
        seconds (default ``close_timeout``), trying failed batches again while time is
        left. What could not be delivered is logged as a warning and stays readable through
        :meth:`pending`. Measurements are refused from the start, also when closing is
        cancelled or times out; calling it again flushes what is left."""
        if self._finished:
            return self.close_result
        self._closed = True
        self._soft = -1
        await self._stop_background()
        result = None
        if self._size:
            limit = self.settings.close_timeout if timeout is None else timeout
            result = await self._flush_until(time.monotonic() + limit)
        tasks = [lane.task for lane in self._lanes if lane.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._size:
            failed = len(result.failures) if result else 0
            logger.warning(
                "closing with %d measurements not delivered (%d failed batches%s); "
                "they stay readable through client.measurements.pending()",
                self._size, failed, ", flush timed out" if result and result.timed_out else "",
            )  # fmt: skip
        self.close_result = result
        self._finished = True
        return result

    async def _flush_until(self, deadline: float) -> FlushResult:
        """Flush, and flush again after a pause while a lane stopped at a batch that failed
        for a transient reason (a drop, a 5xx, a 429) and the deadline leaves time."""
        policy = self._transport.config.retry
        result = FlushResult()
        while True:
            result._then(await self._flush(None, False, max(0.0, deadline - time.monotonic())))
            transient = any(f.kept and is_retryable(f.error) for f in result.failures)
            pause = min(backoff(policy, 1), deadline - time.monotonic())
            if not (self._size and transient) or result.timed_out or self._transport.closed:
                return result
            if pause <= 0:
                result.timed_out = True
                return result
            await asyncio.sleep(pause)

    def __del__(self) -> None:
        size = getattr(self, "_size", 0)
        if size and not getattr(self, "_finished", True):
            message = (
                f"a client was dropped with {size} measurements queued and never sent; "
                "close it (await client.aclose(), or async with) to flush them"
            )
            warnings.warn(message, ResourceWarning, stacklevel=1, source=self)
            logger.warning(message)


def _body(batch: Batch) -> bytes:
    """The POST body of a batch; a ``ValidationError`` (the batch is handed back, not kept)
    when it cannot be built, so that no measurement can block its lane."""
    try:
        return build_body(batch.ids, batch.dates, batch.values)
    except Exception as error:  # e.g. orjson's TypeError for a value queue() should have refused
        raise ValidationError(
            f"measurements: a batch of {batch.size} could not be encoded ({error})"
        ) from error


async def _wait(event: asyncio.Event, timeout: float | None) -> None:
    """Wait until ``event`` is set or ``timeout`` seconds pass. Not ``asyncio.wait_for``:
    before Python 3.12 it can lose a cancellation that races with the event."""
    timer = None
    if timeout is not None:
        timer = asyncio.get_running_loop().call_later(timeout, event.set)
    try:
        await event.wait()
    finally:
        if timer is not None:
            timer.cancel()


async def _run_all(
    tasks: Sequence[asyncio.Future[None]], timeout: float | None, result: FlushResult
) -> None:
    """Wait for the lane tasks; on timeout or cancellation they are cancelled, and nothing
    they held is lost (a batch leaves its lane only once answered)."""
    if not tasks:
        return
    try:
        done, running = await asyncio.wait(tasks, timeout=timeout)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        raise
    if running:
        result.timed_out = True
        for task in running:
            task.cancel()
        await asyncio.wait(running)
    for task in done:
        error = task.exception()
        if error is not None:
            raise error


class _SubjectMaker:
    """Creates the subjects of unknown ingestion IDs ``<subject ext. ID>$<metric ext. ID>``,
    with the subject type of the metric, for one flush, through the ``subjects`` and
    ``metrics`` namespaces."""

    def __init__(self, transport: Transport) -> None:
        from .resources.metrics import MetricsResource
        from .resources.subjects import SubjectsResource

        self._subjects = SubjectsResource(transport)
        self._metrics = MetricsResource(transport)
        self._types: dict[str, asyncio.Future[str | list[str]]] = {}
        self._tried: dict[str, str | None] = {}

    async def ensure(self, ingestion_ids: list[str], result: FlushResult) -> dict[str, str | None]:
        """``{ingestion_id: None}`` when its subject now exists with it, else why not."""
        return {i: await self._ensure(i, result) for i in ingestion_ids}

    async def _ensure(self, ingestion_id: str, result: FlushResult) -> str | None:
        if ingestion_id in self._tried:
            problem = self._tried[ingestion_id]
            return problem or "still unknown after its subject was created"
        try:
            problem = await self._create(ingestion_id, result)
        except BlockbaxError as error:
            problem = str(error)
        except Exception as error:  # a bug: the IDs are reported, the lane goes on
            logger.exception("creating the subject of %r failed unexpectedly", ingestion_id)
            problem = f"failed unexpectedly: {error!r}"
        self._tried[ingestion_id] = problem
        return problem

    async def _create(self, ingestion_id: str, result: FlushResult) -> str | None:
        subject_ext, _, metric_ext = ingestion_id.partition("$")
        if not subject_ext or not metric_ext:
            return "not of the form <subject external ID>$<metric external ID>"
        types = await self._subject_types(metric_ext)
        if isinstance(types, str):
            return types
        if len(types) != 1:
            return f"{len(types)} subject types have a metric with external ID {metric_ext!r}"
        found = await self._find(subject_ext)
        if found is not None:
            if ingestion_id in _ingestion_ids(found):
                return None
            return f"subject {subject_ext!r} exists without ingestion ID {ingestion_id!r}"
        try:
            created = await self._subjects.create(
                name=subject_ext, subject_type_id=types[0], external_id=subject_ext
            )
        except BlockbaxError:
            # Perhaps stored after all (its answer lost, then a retry found the external ID
            # in use), or made by someone else meanwhile: what counts is that it exists.
            created = await self._find(subject_ext)
            if created is None:
                raise
        result.created_subjects.append(subject_ext)
        logger.info("created subject %r for ingestion ID %r", subject_ext, ingestion_id)
        if ingestion_id not in _ingestion_ids(created):
            return f"created subject {subject_ext!r} has no ingestion ID {ingestion_id!r}"
        return None

    async def _find(self, external_id: str) -> Any:
        found = await self._subjects.list(external_id=external_id, limit=1).collect()
        return found[0] if found else None

    async def _subject_types(self, metric_ext: str) -> str | list[str]:
        future = self._types.get(metric_ext)
        if future is None:
            future = self._types[metric_ext] = asyncio.ensure_future(self._lookup(metric_ext))
        return await asyncio.shield(future)

    async def _lookup(self, metric_ext: str) -> str | list[str]:
        try:
            metrics = await self._metrics.list(external_id=metric_ext).collect()
        except BlockbaxError as error:
            return f"looking up metric {metric_ext!r} failed: {error}"
        if not metrics:
            return f"no metric has external ID {metric_ext!r}"
        return sorted({m.subject_type_id for m in metrics})


def _ingestion_ids(subject: Any) -> set[str]:
    return {e.ingestion_id for e in subject.ingestion_ids if e.ingestion_id}

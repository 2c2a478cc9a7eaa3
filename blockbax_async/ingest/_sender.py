"""Sending: lanes drain in batches through the transport's one retry loop, and each answer
is counted, reported and settled (receipts, spool) where it arrives.

A lane sends one request at a time and removes a batch only once the server answered it, so
per-series order holds with many lanes in flight, under retries and when a flush is
cancelled; a batch that fails stays at the front of its lane for the next flush. Delivery is
at least once: a batch the server stored before the connection dropped is sent again, and
the API overwrites by ingestion ID and date.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from .._retry import backoff, is_retryable
from .._transport import Transport
from ..errors import BlockbaxError, ClientStateError, ValidationError
from ._batches import (
    Answer,
    Batch,
    Rejection,
    RejectReason,
    build_body,
    count_wanted,
    keeps_batch,
    read_answer,
)
from ._lanes import Lane
from ._queue import Queue
from ._results import BatchFailure, FlushResult
from ._settings import IngestSettings
from ._subjects import SubjectMaker
from ._values import check_ingestion_ids

__all__ = ["Sender"]

logger = logging.getLogger("blockbax_async")

_UNKNOWN = RejectReason.UNKNOWN_INGESTION_ID
_LOSING = (RejectReason.UNKNOWN_INGESTION_ID, RejectReason.INVALID_VALUE, RejectReason.OTHER)


class Sender(Queue):
    """The queue, with the sending side: flushes, lane drains, answers and their counts."""

    def __init__(
        self,
        transport: Transport,
        settings: IngestSettings | None = None,
        subjects: Any = None,
        metrics: Any = None,
    ) -> None:
        super().__init__(settings)
        self._transport = transport
        self._namespaces = (subjects, metrics)
        self._interval = self.settings.flush_interval
        self._in_flight = 0
        self._sent = self._rejected = self._retried = self._requests = self._failed = 0
        self._handed_back = 0
        self._refused: dict[RejectReason, int] = dict.fromkeys(RejectReason, 0)

    def _maker(self, create_subjects: bool) -> SubjectMaker | None:
        if not create_subjects:
            return None
        subjects, metrics = self._namespaces
        if subjects is None or metrics is None:
            raise ValidationError("create_subjects: this queue has no subjects namespace")
        return SubjectMaker(subjects, metrics)

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
        maker = self._maker(create_subjects)
        result = FlushResult()
        self._tick()
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
        lane: Lane,
        result: FlushResult,
        todo: int,
        wanted: Collection[str] | None = None,
        maker: SubjectMaker | None = None,
    ) -> None:
        async with lane.lock:
            while todo > 0 and len(lane):
                batch = lane.cut(min(self._batch, todo), wanted)
                if not batch.size:
                    break
                self._in_flight += batch.size
                try:
                    count = {"blockbax.measurements.count": batch.size}
                    with self._transport.operation("blockbax.measurements.batch", count):
                        answer = await self._post(_body(batch), result)
                except BlockbaxError as error:
                    if self._failed_batch(lane, batch, error, result):
                        return
                    todo -= batch.size
                    continue
                finally:
                    self._in_flight -= batch.size
                todo -= batch.size
                todo += await self._answered(lane, batch, answer, result, maker)

    async def _answered(
        self,
        lane: Lane,
        batch: Batch,
        answer: Any,
        result: FlushResult,
        maker: SubjectMaker | None,
    ) -> int:
        """Count the answer to a sent batch and settle it; returns how many of its
        measurements stay queued to be sent again (their subjects were just created)."""
        if (
            answer.__class__ is dict
            and answer.get("numberOfIngestedMeasurements") == batch.size
            and not answer.get("detailedMessages")
        ):  # the usual answer: no need to count per ingestion ID
            accepted, rejections, unconfirmed = Answer(batch.size, [], 0)
        else:
            accepted, rejections, unconfirmed = read_answer(answer, batch.counts())
        again: set[str] = set()
        unknown = [r.ingestion_id for r in rejections if r.reason is _UNKNOWN]
        if maker is not None and unknown:
            # Cancelled here, the batch stays queued: sent again, answered again, safely.
            outcome = await maker.ensure(unknown, result)
            again = {i for i, problem in outcome.items() if problem is None}
            rejections = [
                attrs.evolve(r, message=f"{r.message} Not created: {outcome[r.ingestion_id]}")
                if r.ingestion_id in outcome
                else r
                for r in rejections
                if r.ingestion_id not in again
            ]
        counts = batch.counts() if again else None
        resent = sum(counts[i] for i in again) if counts else 0
        self._sent += accepted
        self._rejected += batch.size - accepted - resent
        result.accepted += accepted
        result.unconfirmed += unconfirmed
        for rejection in rejections:
            result._reject(rejection)
            self._refused[rejection.reason] += rejection.sent
        self._settle(lane, batch, again, {r.ingestion_id: r for r in rejections})
        return resent

    def _settle(
        self,
        lane: Lane,
        batch: Batch,
        again: Collection[str],
        rejections: Mapping[str, Rejection],
        whole: Rejection | None = None,
    ) -> None:
        """Take what has its outcome out of the lane, and tell the receipts and the spool."""
        chosen, ranges = lane.settle(batch, again)
        self._size -= batch.size if chosen is None else len(chosen)
        self._tracker.settled(lane, batch, chosen, ranges, rejections, whole)
        if self._spool is not None:
            self._spool.delete(lane, ranges)
        if not self._size:
            self._route.clear()  # the next measurement of each ID stamps its lane's age
        self._changed.set()

    def _failed_batch(
        self, lane: Lane, batch: Batch, error: BlockbaxError, result: FlushResult
    ) -> bool:
        """Record a batch that failed; returns whether the lane must stop (batch kept)."""
        self._failed += 1
        kept = keeps_batch(error)
        failure = BatchFailure(error, batch.size, list(batch.counts()), kept)
        if not kept:
            failure.measurements = batch.measurements()
            reason = (
                RejectReason.NOT_SENT
                if isinstance(error, ValidationError)
                else RejectReason.REFUSED_BATCH
            )
            self._handed_back += batch.size
            self._settle(lane, batch, (), {}, Rejection("", reason, str(error), batch.size))
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


def _body(batch: Batch) -> bytes:
    """The POST body of a batch; a ``ValidationError`` (the batch is handed back, not kept)
    when it cannot be built, so that no measurement can block its lane."""
    try:
        return build_body(batch.ids, batch.dates, batch.values)
    except Exception as error:  # e.g. orjson's TypeError for a value queue() should have refused
        raise ValidationError(
            f"measurements: a batch of {batch.size} could not be encoded ({error})"
        ) from error


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

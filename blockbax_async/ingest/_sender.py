"""Sending: lanes drain in batches through the transport's one retry loop, and each answer
is counted, reported and settled (receipts, spool) where it arrives.

A lane cuts a few bodies' worth at a time and sends them series-major, several at once when
they share no series (a body that continues a series waits for the answer to the one
before), within the adaptive limit of `_concurrency`. Measurements leave the lane only once
the server answered them, so per-series order holds with many POSTs in flight, under retries
and when a flush is cancelled; a body that fails stays in its lane for the next flush. Delivery is
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
    Batch,
    Cut,
    Part,
    QueuedMeasurement,
    Rejection,
    RejectReason,
    count_wanted,
    keeps_batch,
    read_answer,
)
from ._concurrency import Limiter
from ._lanes import Lane
from ._queue import Queue
from ._results import BatchFailure, FlushResult
from ._settings import IngestSettings
from ._subjects import SubjectMaker
from ._values import check_ingestion_ids

__all__ = ["Sender"]

logger = logging.getLogger("blockbax_async")

_UNKNOWN = RejectReason.UNKNOWN_INGESTION_ID
_NOT_SENT: Any = object()
BODIES_PER_CUT = 32  # a lane cuts this many bodies' worth at once, to send series-major


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
        settings = self.settings
        self._limiter = Limiter(settings.lanes, settings.max_in_flight, settings.adaptive)
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
        """Send what is queued (of `ingestion_ids` only, when given: a collection of IDs,
        not one bare `str`) and report.

        Batches of at most 500 go out on all lanes at once, series-major; a lane may have
        several in flight when they share no series (the limit adapts, see `IngestSettings`).
        A batch that fails after its retries stays queued for the next flush (see
        [`BatchFailure`][blockbax_async.BatchFailure]). With `create_subjects`, subjects missing
        for unknown ingestion IDs `<subject external ID>$<metric external ID>` are created (type
        from the metric) and their measurements sent again. `timeout` (seconds) cuts the flush
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
                batch = lane.cut(min(self._batch * BODIES_PER_CUT, todo), wanted)
                if not batch.size:
                    break
                cut = Cut(batch, self._batch)
                self._in_flight += batch.size
                try:
                    outcomes = await self._send_parts(cut, result)
                finally:
                    self._in_flight -= batch.size
                stay = [n for n, o in enumerate(outcomes) if o is _NOT_SENT or _kept(o)]
                todo -= batch.size
                todo += await self._answered(lane, cut, outcomes, result, maker, stay)
                if stay:  # a body failed for a reason that may pass: it and what follows stay
                    self._failed_batch(lane, [cut.parts[n] for n in stay], outcomes, result)
                    return

    async def _send_parts(self, cut: Cut, result: FlushResult) -> list[Any]:
        """Send the bodies of a batch, each as soon as a slot is free and (when it continues
        a series) the body before it was answered, without holding up the bodies after it;
        the answer or error of each, `_NOT_SENT` for one not sent (after an error that keeps
        the batch)."""
        outcomes: list[Any] = [_NOT_SENT] * len(cut.parts)
        tasks: list[asyncio.Task[None]] = []
        try:
            for n, part in enumerate(cut.parts):
                if any(map(_kept, outcomes)):
                    break
                if part[0][1] and tasks:  # continues the series the body before ends with
                    after = self._send_after(tasks[-1], cut, n, outcomes, result)
                    tasks.append(asyncio.ensure_future(after))
                    continue
                await self._limiter.acquire()
                tasks.append(asyncio.ensure_future(self._send_part(cut, n, outcomes, result)))
            if tasks:
                await asyncio.wait(tasks)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return outcomes

    async def _send_after(
        self,
        before: asyncio.Task[None],
        cut: Cut,
        n: int,
        outcomes: list[Any],
        result: FlushResult,
    ) -> None:
        """Body `n` once the body before it was answered (it continues a series of that
        one), taking a slot only then; not sent when that one has no answer or a body
        failed and stays queued."""
        await asyncio.wait([before])
        if outcomes[n - 1] is _NOT_SENT or any(map(_kept, outcomes)):
            return
        await self._limiter.acquire()
        await self._send_part(cut, n, outcomes, result)

    async def _send_part(self, cut: Cut, n: int, outcomes: list[Any], result: FlushResult) -> None:
        """POST body `n` of a batch (a slot is held), and tell the limiter how it went."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        rtt: float | None = None
        pressure = False
        size = _size(cut.parts[n])
        try:
            try:
                body = cut.body(n)
            except Exception as error:  # e.g. orjson's TypeError for what queue() should refuse
                outcomes[n] = ValidationError(
                    f"measurements: a batch of {size} could not be encoded ({error})"
                )
                return
            count = {"blockbax.measurements.count": size}
            with self._transport.operation("blockbax.measurements.batch", count):
                outcomes[n] = await self._post(body, result)
            rtt = loop.time() - started
        except BlockbaxError as error:
            outcomes[n] = error
            pressure = is_retryable(error)
        finally:
            self._limiter.release(rtt, pressure)

    async def _answered(
        self,
        lane: Lane,
        cut: Cut,
        outcomes: list[Any],
        result: FlushResult,
        maker: SubjectMaker | None,
        stay: Collection[int] = (),
    ) -> int:
        """Count the answers to the bodies of a sent batch and settle it, but the bodies
        `stay` (not sent, or failed for a reason that may pass); returns how many of its
        measurements stay queued (those, and those whose subjects were just created)."""
        accepted = answered = handed = 0
        refusals: dict[int, Rejection] = {}
        said: list[tuple[Part, list[Rejection]]] = []
        staying = [k for n in stay for k in cut.indices(n)]
        for n, (part, answer) in enumerate(zip(cut.parts, outcomes, strict=True)):
            if n in stay:
                continue
            size = _size(part)
            if isinstance(answer, BlockbaxError):  # refused as a whole: handed back
                handed += size
                whole = self._handed(cut, n, answer, result)
                refusals.update((k, whole) for k in cut.indices(n))
                continue
            answered += size
            if (
                answer.__class__ is dict
                and answer.get("numberOfIngestedMeasurements") == size
                and not answer.get("detailedMessages")
            ):  # the usual answer: no need to count per ingestion ID
                accepted += size
                continue
            told = read_answer(answer, {i: stop - first for i, first, stop in part})
            accepted += told.accepted
            result.unconfirmed += told.unconfirmed
            said.append((part, told.rejections))
        again: set[str] = set()
        unknown = [r.ingestion_id for _, found in said for r in found if r.reason is _UNKNOWN]
        outcome: dict[str, str | None] = {}
        if maker is not None and unknown:
            # Cancelled here, the batch stays queued: sent again, answered again, safely.
            outcome = await maker.ensure(list(dict.fromkeys(unknown)), result)
            held = {cut.batch.ids[k] for k in refusals} | {cut.batch.ids[k] for k in staying}
            again = {i for i, problem in outcome.items() if problem is None} - held
        for part, found in said:
            by_id: dict[str, Rejection] = {}
            for r in found:
                if r.ingestion_id in again:
                    continue
                if r.ingestion_id in outcome:
                    note = f"{r.message} Not created: {outcome[r.ingestion_id]}"
                    r = attrs.evolve(r, message=note)
                result._reject(r)
                self._refused[r.reason] += r.sent
                by_id[r.ingestion_id] = r
            for ingestion_id, first, stop in part:
                rejection = by_id.get(ingestion_id)
                if rejection is not None:
                    refusals.update((k, rejection) for k in cut.at[ingestion_id][first:stop])
        resent = sum(len(cut.at[i]) for i in again)
        self._sent += accepted
        self._rejected += answered - accepted - resent
        self._handed_back += handed
        result.accepted += accepted
        self._settle(lane, cut.batch, again, refusals, staying)
        return resent + len(staying)

    def _settle(
        self,
        lane: Lane,
        batch: Batch,
        again: Collection[str],
        refusals: Mapping[int, Rejection] | None = None,
        stay: Collection[int] = (),
    ) -> None:
        """Take what has its outcome out of the lane, and tell the receipts and the spool."""
        chosen, ranges = lane.settle(batch, again, frozenset(stay))
        self._size -= batch.size if chosen is None else len(chosen)
        self._tracker.settled(lane, batch, chosen, ranges, refusals)
        if self._spool is not None:
            self._spool.delete(lane, ranges)
        if not self._size:
            self._route.clear()  # the next measurement of each ID stamps its lane's age
        self._changed.set()

    def _handed(self, cut: Cut, n: int, error: BlockbaxError, result: FlushResult) -> Rejection:
        """Record a body the server refused as a whole (or that could not be built): its
        measurements are handed back in the flush result; returns their rejection."""
        self._failed += 1
        batch, indices = cut.batch, cut.indices(n)
        failure = BatchFailure(error, len(indices), [i for i, _, _ in cut.parts[n]], False)
        failure.measurements = [
            QueuedMeasurement(batch.ids[k], batch.dates[k], batch.values[k]) for k in indices
        ]
        result._fail(failure)
        logger.warning(
            "a batch of %d measurements failed (%s); it is handed back in the flush result",
            len(indices), error,
        )  # fmt: skip
        reason = (
            RejectReason.NOT_SENT
            if isinstance(error, ValidationError)
            else RejectReason.REFUSED_BATCH
        )
        return Rejection("", reason, str(error), len(indices))

    def _failed_batch(
        self, lane: Lane, parts: list[Part], outcomes: list[Any], result: FlushResult
    ) -> None:
        """Record the bodies of a batch that stay queued after one failed for a reason that
        may pass (a drop, a 5xx, 401/403); the lane pauses."""
        lane.paused_until = time.monotonic() + self._interval
        error = next((o for o in outcomes if _kept(o)), None)
        if error is None:  # not sent: cut short before their turn
            return
        self._failed += 1
        count = sum(map(_size, parts))
        ids = list(dict.fromkeys(i for part in parts for i, _, _ in part))
        result._fail(BatchFailure(error, count, ids, True))
        logger.warning("a batch of %d measurements failed (%s); it stays queued", count, error)

    async def _post(self, body: bytes, result: FlushResult) -> Any:
        """POST one batch through the transport's retry loop, counting every attempt."""

        def count(error: BlockbaxError | None = None, delay: float = 0.0) -> None:
            self._requests += 1
            result.requests += 1
            if error is not None:
                self._retried += 1
                result.retries += 1
                self._limiter.observe(None, is_retryable(error))

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


def _kept(outcome: Any) -> bool:
    return isinstance(outcome, BlockbaxError) and keeps_batch(outcome)


def _size(part: Part) -> int:
    return sum(stop - first for _, first, stop in part)


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

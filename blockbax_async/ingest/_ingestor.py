"""The measurement queue of one client as `client.measurements` offers it: the queue, the
sender and background mode, with receipts, the ledger and closing."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings

from .._transport import Transport
from ._background import Background
from ._batches import RejectReason
from ._receipts import Receipt
from ._results import FlushResult, IngestStats
from ._settings import IngestSettings

__all__ = ["Ingestor"]

logger = logging.getLogger("blockbax_async")


class Ingestor(Background):
    """The measurement queue of one client; `client.measurements` builds on it.

    Like the rest of the client it belongs to one event loop: call it from that loop's
    thread (`blockbax_async.sync` does the hop for blocking code). `subjects` and
    `metrics` are the client's namespaces, for `flush(create_subjects=True)`.
    """

    def __init__(
        self,
        transport: Transport,
        settings: IngestSettings | None = None,
        subjects: object = None,
        metrics: object = None,
    ) -> None:
        super().__init__(transport, settings, subjects, metrics)
        self._finished = False  # set when closing ended
        self.close_result: FlushResult | None = None
        """What closing the client flushed, with what it could not deliver."""

    def checkpoint(self) -> Receipt:
        """A receipt for every measurement queued so far; it sends nothing (flushes and
        background sending deliver), it tells: `await receipt.wait()`, `receipt.done`,
        `.accepted`, `.refused`, `.ok`, and with a spool `await receipt.durable()`."""
        return self._tracker.checkpoint()

    @property
    def stats(self) -> IngestStats:
        """The counters, to export to a metrics system."""
        now = time.monotonic()
        refused = self._refused
        return IngestStats(
            queued=self._size - self._in_flight,
            in_flight=self._in_flight,
            sent=self._sent,
            rejected=self._rejected,
            retried=self._retried,
            requests=self._requests,
            failed_batches=self._failed,
            truncated=refused[RejectReason.TRUNCATED],
            refused_unknown_id=refused[RejectReason.UNKNOWN_INGESTION_ID],
            refused_invalid_value=refused[RejectReason.INVALID_VALUE],
            refused_other=refused[RejectReason.OTHER],
            refused_at_queue=self._refused_at_queue,
            handed_back=self._handed_back,
            oldest_pending_age=max((lane.age(now) for lane in self._lanes), default=0.0),
        )

    async def close(self, timeout: float | None = None) -> FlushResult | None:
        """Refuse further measurements, stop background sending and flush within `timeout`
        seconds (default `close_timeout`), trying failed batches again while time is
        left. What could not be delivered is logged as a warning and stays readable through
        `pending` (and, with a spool, on disk for the next client). Measurements are
        refused from the start, also when closing is cancelled or times out; calling it
        again flushes what is left."""
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
                "they stay readable through client.measurements.pending()%s",
                self._size, failed, ", flush timed out" if result and result.timed_out else "",
                " and in the spool" if self._spool is not None else "",
            )  # fmt: skip
        if self._spool is not None:
            self._spool.write(self._lanes)
            await asyncio.to_thread(self._spool.stop)
        self._tracker.close()
        self.close_result = result
        self._finished = True
        return result

    def __del__(self) -> None:
        size = getattr(self, "_size", 0)
        if size and not getattr(self, "_finished", True):
            message = (
                f"a client was dropped with {size} measurements queued and never sent; "
                "close it (await client.aclose(), or async with) to flush them"
            )
            warnings.warn(message, ResourceWarning, stacklevel=1, source=self)
            logger.warning(message)

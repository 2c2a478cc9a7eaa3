"""The bridge: take deliveries from a source, queue their measurements, settle after delivery.

Each message's measurements are queued all or none, then a checkpoint is taken; a message is
acknowledged once its receipt says every measurement has a final outcome. Receipts cover
everything queued before them, so they are awaited in order. A message that can never be
delivered (not a measurement message, a value the client or the server refuses) goes to the
dead-letter place with the reason. Stopping: fetch nothing more, deliver and settle what was
fetched, then hand the work back to the other bridges.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import attrs

from ..errors import QueueFullError, ValidationError
from ..ingest import Refusal, RejectReason
from ._messages import BadMessage, Measurement, parse_message
from ._source import Delivery, Source

__all__ = ["Bridge", "BridgeStats", "refusal"]

logger = logging.getLogger("blockbax_async.bridge")


class _Receipt(Protocol):
    async def wait(self, timeout: float | None = None) -> bool: ...

    @property
    def refused(self) -> list[Refusal]: ...


class _Client(Protocol):
    @property
    def measurements(self) -> Any: ...


@attrs.frozen
class BridgeStats:
    """The figures to export: `received` messages, `acknowledged` ones, `dead_lettered`
    ones (counted since the bridge started); `unacknowledged`: received and not settled
    yet; `lag`: messages of the log waiting for the group; `partitions`: held now."""

    received: int
    acknowledged: int
    dead_lettered: int
    unacknowledged: int
    lag: int
    partitions: int


def refusal(refused: Iterable[Refusal], measurements: list[Measurement]) -> str | None:
    """Why measurements of one message were refused (`None`: none were); `refused` is
    the receipt of that message alone, matched on ingestion ID to be sure. A measurement
    stored rounded or cut (`TRUNCATED`) was delivered and does not count."""
    ids = {m.ingestion_id for m in measurements}
    reasons = sorted(
        {
            f"{r.ingestion_id}: {r.reason.value} ({r.message})"
            for r in refused
            if r.ingestion_id in ids and r.reason is not RejectReason.TRUNCATED
        }
    )
    return "refused: " + "; ".join(reasons) if reasons else None


class Bridge:
    """Delivers a source's messages into Blockbax through `client`, settling each after its
    receipt.

    `await bridge.run()` until `stop()`; it returns `True`
    when everything it took was settled, `False` when `stop_timeout` (seconds) passed first (the
    log delivers the rest again, to this or another bridge).
    """

    def __init__(self, client: _Client, source: Source, *, stop_timeout: float = 30.0) -> None:
        self._client = client
        self._source = source
        self._stop_timeout = stop_timeout
        self._stopping = asyncio.Event()
        self._pending: collections.deque[tuple[Delivery, list[Measurement], _Receipt]]
        self._pending = collections.deque()
        self._queued = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._received = self._acknowledged = self._dead = 0

    @property
    def stats(self) -> BridgeStats:
        """The figures now."""
        source = self._source.stats
        return BridgeStats(
            received=self._received,
            acknowledged=self._acknowledged,
            dead_lettered=self._dead,
            unacknowledged=self._received - self._acknowledged - self._dead,
            lag=source.lag,
            partitions=source.owned,
        )

    def stop(self) -> None:
        """Ask `run` to stop fetching and finish (safe from a signal handler)."""
        self._stopping.set()

    async def run(self) -> bool:
        """Bridge until `stop()`; see the class docstring."""
        measurements = self._client.measurements
        if not measurements.running:
            measurements.start()
        await self._source.start()
        settler = asyncio.create_task(self._settle())
        try:
            while not self._stopping.is_set():
                await self._take(await self._source.get(timeout=0.25))
                if settler.done():
                    settler.result()  # raises what stopped it
            await self._source.stop_fetching()
            await self._take(await self._source.get(timeout=0))
            return await self._finish(settler)
        finally:
            settler.cancel()
            await self._source.close()

    async def _finish(self, settler: asyncio.Task[None]) -> bool:
        """Wait until what was taken is settled, at most `stop_timeout` seconds."""
        idle = asyncio.create_task(self._idle.wait())
        done, _ = await asyncio.wait(
            (idle, settler), timeout=self._stop_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        idle.cancel()
        if settler in done:
            settler.result()  # raises what stopped it
        if not done:
            logger.warning("bridge: %d messages not settled at stop", len(self._pending))
        return bool(done)

    async def _take(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self._received += 1
            try:
                items = parse_message(delivery.data, delivery.stored_ms)
                await self._queue(items)
            except (BadMessage, ValidationError) as exc:
                await self._dead_letter(delivery, str(exc))
                continue
            self._pending.append((delivery, items, self._client.measurements.checkpoint()))
            self._idle.clear()
            self._queued.set()

    async def _queue(self, items: list[Measurement]) -> None:
        """Queue one message's measurements, all or none, waiting while the queue is full."""
        ids = [m.ingestion_id for m in items]
        dates = [m.date for m in items]
        values = [m.value for m in items]
        while True:
            try:
                self._client.measurements.queue_many(ids, dates, values)
                return
            except QueueFullError:
                await asyncio.sleep(0.05)

    async def _settle(self) -> None:
        """Settle messages in the order they were queued, each once its receipt is done."""
        while True:
            if not self._pending:
                self._queued.clear()
                await self._queued.wait()
                continue
            delivery, items, receipt = self._pending[0]
            if not await receipt.wait():
                return  # the client closed undelivered: the log delivers these again
            reason = refusal(receipt.refused, items)
            if reason is None:
                await delivery.ack()
                self._acknowledged += 1
            else:
                await self._dead_letter(delivery, reason)
            self._pending.popleft()
            if not self._pending:
                self._idle.set()

    async def _dead_letter(self, delivery: Delivery, reason: str) -> None:
        logger.warning("bridge: dead-lettered a message of %s: %s", delivery.key, reason)
        await delivery.dead_letter(reason)
        self._dead += 1

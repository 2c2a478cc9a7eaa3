"""Delivery receipts: what became of everything queued before a checkpoint.

A receipt holds one seq per lane (the lane's count at the checkpoint): it is done once every
lane's oldest pending measurement is at or past it, so there is no object per measurement.
Outcomes are told once: each answered measurement counts in the first open receipt that
covers it, or, when none does, in the next checkpoint taken (`accepted`, `refused`).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ._batches import Batch, Rejection, RejectReason
from ._lanes import Lane, Ranges, expand
from ._spool import Spool

__all__ = ["MAX_REFUSED", "Receipt", "Refusal", "Tracker", "wait_event"]

MAX_REFUSED = 100_000
_KEPT = (RejectReason.TRUNCATED,)  # stored, though altered


class Refusal(NamedTuple):
    """A measurement the server did not take as sent: `date` in epoch milliseconds,
    `reason` a [`RejectReason`][blockbax_async.RejectReason] (`TRUNCATED`: stored, rounded or cut),
    `message` what the server (or the client) said."""

    ingestion_id: str
    date: int | None
    value: Any
    reason: RejectReason
    message: str


class Receipt:
    """What became of every measurement queued before `checkpoint` made it.

    `done`: each has a final outcome (ingested, or refused by the server or before
    sending; a batch that keeps failing for a transient reason is not final). `accepted`
    counts those the server ingested and `refused` lists those it did not take as sent,
    among the measurements queued since the previous checkpoint (and outcomes no earlier
    receipt told). `ok`: done and nothing refused.
    """

    __slots__ = ("_done", "_event", "_tracker", "accepted", "refused", "targets")

    def __init__(self, tracker: Tracker, targets: list[int]) -> None:
        self._tracker = tracker
        self.targets = targets
        self.accepted = 0
        self.refused: list[Refusal] = []
        self._done = False
        self._event: asyncio.Event | None = None

    @property
    def done(self) -> bool:
        """Whether every covered measurement has its final outcome."""
        return self._done

    @property
    def ok(self) -> bool:
        """Done, and none of the measurements it tells of was refused."""
        return self._done and not self.refused

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait until `done` (at most `timeout` seconds); returns `done`.
        Sends nothing: flushes or background sending deliver. Returns `False` at once
        when the client closed with covered measurements undelivered."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done and not self._tracker.closed:
            if self._event is None:
                self._event = asyncio.Event()
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            await wait_event(self._event, left)
            self._event.clear()
        return self._done

    async def durable(self, timeout: float | None = None) -> bool:
        """Wait until every covered measurement is on disk and fsynced, or has its outcome
        (at most `timeout` seconds); returns whether it is. `True` at once without a
        spool. Raises the spool's error when it cannot write (a full disk)."""
        return await self._tracker.durable(self, timeout)

    def __repr__(self) -> str:
        state = "done" if self._done else "waiting"
        return f"<Receipt {state} accepted={self.accepted} refused={len(self.refused)}>"


class Tracker:
    """The open receipts of one queue, oldest first, and the outcomes not told yet."""

    def __init__(self, lanes: Sequence[Lane], spool: Spool | None) -> None:
        self._lanes = lanes
        self._spool = spool
        self._open: list[Receipt] = []
        self._first = 0  # those before it in `_open` are done: dropped in bulk, not one by one
        self._claimed = [0] * len(lanes)  # per lane: seqs below it are covered by a receipt
        self._pool = Receipt(self, [])  # outcomes of measurements no receipt covers yet
        self.active = False  # outcomes are counted once a first checkpoint was taken
        self.closed = False

    def checkpoint(self) -> Receipt:
        """A receipt covering everything queued so far."""
        targets = []
        for lane in self._lanes:
            lane.sync()
            targets.append(lane.entered)
        receipt = Receipt(self, targets)
        pool, self._pool = self._pool, Receipt(self, [])
        receipt.accepted, receipt.refused = pool.accepted, pool.refused
        self._claimed = list(targets)
        self.active = True
        self._open.append(receipt)
        self._resolve()
        return receipt

    def settled(
        self,
        lane: Lane,
        batch: Batch,
        chosen: list[int] | None,
        ranges: Ranges,
        refusals: Mapping[int, Rejection] | None = None,
    ) -> None:
        """Tell the receipts the outcome of measurements that left `lane`: `chosen` batch
        indices (`None`: all) with seqs `ranges`; refused: those whose batch index is in
        `refusals`."""
        if self.active:
            if refusals:
                self._refused(lane, batch, chosen, ranges, refusals)
            else:
                for first, count in ranges:
                    self._count(lane.index, first, count)
        self._resolve()

    def _covering(self, index: int, seq: int) -> int:
        """Where in `_open` the first open receipt covering `seq` of lane `index` is
        (`len(_open)`: none). Each lane's targets only grow along `_open`, so a binary
        search finds it: a checkpoint per message leaves many receipts open at once."""
        return bisect.bisect_right(
            self._open, seq, lo=self._first, key=lambda receipt: receipt.targets[index]
        )

    def _count(self, index: int, first: int, count: int) -> None:
        end, opened = first + count, self._open
        while first < end:
            at = self._covering(index, first)
            if at == len(opened):
                self._pool.accepted += end - first
                return
            receipt = opened[at]
            step = min(end, receipt.targets[index]) - first
            receipt.accepted += step
            first += step

    def _refused(
        self,
        lane: Lane,
        batch: Batch,
        chosen: list[int] | None,
        ranges: Ranges,
        refusals: Mapping[int, Rejection],
    ) -> None:
        indices = range(batch.size) if chosen is None else chosen
        for n, seq in zip(indices, expand(ranges), strict=True):
            receipt = self._receipt_of(lane.index, seq)
            rejection = refusals.get(n)
            if rejection is None or rejection.reason in _KEPT:
                receipt.accepted += 1
            if rejection is not None and len(receipt.refused) < MAX_REFUSED:
                receipt.refused.append(
                    Refusal(
                        batch.ids[n], batch.dates[n], batch.values[n], rejection.reason,
                        rejection.message,
                    )
                )  # fmt: skip

    def _receipt_of(self, index: int, seq: int) -> Receipt:
        at = self._covering(index, seq)
        return self._open[at] if at < len(self._open) else self._pool

    def _resolve(self) -> None:
        """Mark done the receipts whose lanes all moved past them (they go in order: a later
        receipt covers all an earlier one does)."""
        lanes, opened, first = self._lanes, self._open, self._first
        while first < len(opened) and all(
            lane.low() >= t for lane, t in zip(lanes, opened[first].targets, strict=True)
        ):
            receipt = opened[first]
            first += 1
            receipt._done = True
            if receipt._event is not None:
                receipt._event.set()
        if first > 1024 and 2 * first > len(opened):
            del opened[:first]
            first = 0
        self._first = first

    def close(self) -> None:
        """The queue closed: wake every waiter (what is not done stays not done)."""
        self.closed = True
        for receipt in self._open[self._first :]:
            if receipt._event is not None:
                receipt._event.set()

    def is_durable(self, receipt: Receipt) -> bool:
        if self._spool is None:
            return True
        durable = self._spool.durable
        return all(
            durable[lane.index] >= t or lane.low() >= t
            for lane, t in zip(self._lanes, receipt.targets, strict=True)
        )

    async def durable(self, receipt: Receipt, timeout: float | None) -> bool:
        spool = self._spool
        if spool is None:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        while not self.is_durable(receipt):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            event.clear()
            spool.wait_target(loop, event)
            spool.write(self._lanes)
            spool.commit()
            await wait_event(event, left)
            if spool.error is not None and not self.is_durable(receipt):
                raise spool.failure()
        return True


async def wait_event(event: asyncio.Event, timeout: float | None) -> None:
    """Wait until `event` is set or `timeout` seconds pass. Not `asyncio.wait_for`:
    before Python 3.12 it can lose a cancellation that races with the event."""
    timer = None
    if timeout is not None:
        timer = asyncio.get_running_loop().call_later(timeout, event.set)
    try:
        await event.wait()
    finally:
        if timer is not None:
            timer.cancel()

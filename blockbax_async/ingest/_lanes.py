"""A lane of the queue: flat records in queue order, and the sequence numbers that receipts,
the spool and the age figure count by.

Each measurement a lane takes gets the next number of that lane (its *seq*). `queue()` only
appends records; the numbers of what it appended are given lazily (`sync`), so the
hot path pays nothing for them. Records stay in seq order: a batch leaves the lane only once
answered, and what must be sent again stays where it was. So the pending seqs of a lane are a
few ascending runs, and "everything queued before seq N has an outcome" is one comparison.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Collection, Sequence
from typing import Any

from ._batches import Batch, QueuedMeasurement, cut_batch

__all__ = ["Lane", "Ranges", "expand"]

Ranges = list[tuple[int, int]]
"""Seq ranges as `(first, count)`."""


def expand(ranges: Ranges) -> list[int]:
    """Every seq of `ranges`, in order."""
    return [seq for first, count in ranges for seq in range(first, first + count)]


def _compress(seqs: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for seq in seqs:
        if runs and runs[-1][0] + runs[-1][1] == seq:
            runs[-1][1] += 1
        else:
            runs.append([seq, 1])
    return runs


class Lane:
    """One lane: flat records `[ingestion_id, date, value, ...]`, of which those before
    `head` are sent already (dropping them at once would move the whole list per batch)."""

    __slots__ = (
        "counted",
        "entered",
        "head",
        "index",
        "lock",
        "paused_until",
        "records",
        "runs",
        "spooled",
        "stamps",
        "task",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.records: list[Any] = []
        self.head = 0
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self.paused_until = 0.0
        self.runs: list[list[int]] = []  # [first seq, count] of the pending, in record order
        self.counted = 0  # pending measurements the runs account for
        self.entered = 0  # the seq the next measurement gets
        self.spooled = 0  # pending seqs below it were handed to the spool
        self.stamps: deque[tuple[int, float]] = deque()  # (entered, monotonic time)

    def __len__(self) -> int:
        return (len(self.records) - self.head) // 3

    def idle(self, now: float) -> bool:
        return (self.task is None or self.task.done()) and self.paused_until <= now

    def sync(self) -> None:
        """Number the measurements appended since the last call."""
        new = len(self) - self.counted
        if new:
            runs = self.runs
            if runs and runs[-1][0] + runs[-1][1] == self.entered:
                runs[-1][1] += new
            else:
                runs.append([self.entered, new])
            self.entered += new
            self.counted += new

    def low(self) -> int:
        """The seq of the oldest pending measurement; `entered` when none waits (what was
        appended since the last `sync` is numbered from `entered` on)."""
        return self.runs[0][0] if self.runs else self.entered

    def cut(self, limit: int, wanted: Collection[str] | None) -> Batch:
        return cut_batch(self.records, limit, wanted, self.head)

    def settle(
        self, batch: Batch, again: Collection[str] = (), stay: Collection[int] = ()
    ) -> tuple[list[int] | None, Ranges]:
        """Take an answered (or handed back) batch out of the lane, but the measurements of
        `again` and those at the batch indices `stay`, which stay where they are to be
        sent again. Returns the batch indices taken (`None`: all, in order) and their seqs,
        in batch order."""
        self.sync()
        if not again and not stay and batch.keep is None and batch.start == self.head:
            self.head = batch.end
            if self.head * 2 >= len(self.records):  # amortized: moves at most what was sent
                del self.records[: self.head]
                self.head = 0
            return None, self._settle_front(batch.size)
        positions = batch.positions or range(batch.start, batch.end, 3)
        chosen = [
            n
            for n, ingestion_id in enumerate(batch.ids)
            if ingestion_id not in again and n not in stay
        ]
        gone = {positions[n] for n in chosen}
        region = range(batch.start, batch.end, 3)
        indices = [(p - self.head) // 3 for p in region if p in gone]
        kept: list[Any] = []
        for p in region:
            if p not in gone:
                kept += self.records[p : p + 3]
        self.records[batch.start : batch.end] = kept
        return chosen, self._settle_at(indices)

    def _settle_front(self, count: int) -> Ranges:
        ranges: Ranges = []
        runs = self.runs
        self.counted -= count
        while count:
            first = runs[0]
            take = min(count, first[1])
            ranges.append((first[0], take))
            if take == first[1]:
                del runs[0]
            else:
                first[0] += take
                first[1] -= take
            count -= take
        return ranges

    def _settle_at(self, indices: list[int]) -> Ranges:
        """Settle the pending measurements at `indices` (ascending, from the head)."""
        if not indices:
            return []
        upto, rest = indices[-1] + 1, list(self.runs)
        prefix: list[int] = []
        while len(prefix) < upto:
            first, count = rest.pop(0)
            prefix += range(first, first + count)
        if len(prefix) > upto:
            rest.insert(0, [prefix[upto], len(prefix) - upto])
            del prefix[upto:]
        taken = set(indices)
        settled = [prefix[i] for i in indices]
        self.runs = _compress([s for i, s in enumerate(prefix) if i not in taken]) + [
            list(run) for run in rest
        ]
        self.counted -= len(indices)
        return [(s, c) for s, c in _compress(settled)]

    def unspooled(self) -> tuple[Ranges, list[Any]]:
        """The pending measurements not handed to the spool yet (a suffix of the records),
        as their seqs and flat records; they count as handed over from now on."""
        self.sync()
        ranges: Ranges = []
        count = 0
        for first, n in reversed(self.runs):
            if first + n <= self.spooled:
                break
            start = max(first, self.spooled)
            ranges.append((start, first + n - start))
            count += first + n - start
            if first < self.spooled:
                break
        ranges.reverse()
        self.spooled = self.entered
        return ranges, self.records[len(self.records) - 3 * count :] if count else []

    def stamp(self, now: float, coming: int = 0) -> None:
        """Note that what was queued so far, and the `coming` measurements about to be
        appended, were queued by `now` (for `age`)."""
        self.sync()
        stamps, entered = self.stamps, self.entered + coming
        if not stamps or stamps[-1][0] != entered:
            stamps.append((entered, now))
        low = self.low()
        while len(stamps) > 1 and stamps[1][0] <= low:
            stamps.popleft()

    def age(self, now: float) -> float:
        """Seconds since the oldest pending measurement was queued, to within the stamps."""
        if not len(self):
            return 0.0
        low = self.low()
        for entered, at in self.stamps:
            if entered > low:
                return now - at
        return 0.0

    def pending(self) -> list[QueuedMeasurement]:
        records, head = self.records, self.head
        return list(
            map(QueuedMeasurement, records[head::3], records[head + 1 :: 3], records[head + 2 :: 3])
        )

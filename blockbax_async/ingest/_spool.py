"""Store and forward: an on-disk journal of what is queued, until the server answered it.

The journal is one SQLite database in WAL mode (stdlib `sqlite3`, no dependency): a commit
appends checksummed frames to the write-ahead log, so a torn last write after a crash is
recognised and dropped on the next open, never a corrupt journal; `synchronous=FULL` makes
a commit an fsync; `locking_mode=EXCLUSIVE` holds the file's lock while the client is open,
so a second process (or client) gets [`ClientStateError`][blockbax_async.errors.ClientStateError].
Segment files would need all of that written and tested by hand.

The hot path never touches it: `queue()` appends to a lane in memory, and now and then (a
batch queued, a flush, `durable()`, background ticks) the new records of each lane are
handed in bulk to a writer thread, which commits whatever piled up in one transaction (group
commit) while the event loop goes on. Answered measurements are deleted the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any

import orjson

from ..errors import ClientStateError, QueueFullError
from ._lanes import Lane, Ranges

__all__ = ["JOURNAL", "Spool"]

logger = logging.getLogger("blockbax_async")

JOURNAL = "journal.sqlite3"
_PAGE = 4096
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS journal (lane INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "ingestion_id TEXT NOT NULL, date INTEGER, kind INTEGER NOT NULL, value, "
    "PRIMARY KEY (lane, seq)) WITHOUT ROWID"
)
_INSERT = "INSERT OR REPLACE INTO journal VALUES (?, ?, ?, ?, ?, ?)"
_DELETE = "DELETE FROM journal WHERE lane = ? AND seq >= ? AND seq < ?"
_PLAIN, _TEXT, _LOCATION, _DECIMAL, _BIG = 0, 1, 2, 3, 4
_INT64 = 2**63


def encode(value: Any) -> tuple[int, Any]:
    """(kind, column value) of a queued value."""
    cls = value.__class__
    if cls is float or (cls is int and -_INT64 <= value < _INT64):
        return _PLAIN, value
    if cls is str:
        return _TEXT, value
    if cls is dict:
        return _LOCATION, orjson.dumps(value).decode()
    if cls is int:
        return _BIG, str(value)
    return _DECIMAL, format(value, "f")


def decode(kind: int, value: Any) -> Any:
    """The queued value of a (kind, column value)."""
    if kind == _LOCATION:
        return orjson.loads(value)
    if kind == _DECIMAL:
        return Decimal(value)
    if kind == _BIG:
        return int(value)
    return value


def _rows(lane: int, ranges: Ranges, flat: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    seqs = chain.from_iterable(range(first, first + count) for first, count in ranges)
    for seq, at in zip(seqs, range(0, len(flat), 3), strict=True):
        kind, value = encode(flat[at + 2])
        yield lane, seq, flat[at], flat[at + 1], kind, value


class Spool:
    """The journal of one client; opened (and recovered) when the client is made."""

    def __init__(self, directory: str, lanes: int, max_bytes: int | None = None) -> None:
        self.directory = directory
        self.error: BaseException | None = None
        """Why the last commit failed (a full disk), until one succeeds."""
        self.durable = [0] * lanes  # per lane: pending seqs below it are committed
        self.on_error: Callable[[], None] = lambda: None
        self._db = _open(directory, max_bytes)
        self._ops: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    def failure(self) -> QueueFullError:
        """The error to raise while the journal cannot take more."""
        return QueueFullError(
            f"the spool at {self.directory!r} cannot store more measurements ({self.error}); "
            "free disk space (or raise IngestSettings.spool_max_bytes), then flush()"
        )

    def recover(self) -> list[tuple[str, int | None, Any]]:
        """What an earlier process left, lane by lane in queue order (each series in order)."""
        rows = self._db.execute(
            "SELECT ingestion_id, date, kind, value FROM journal ORDER BY lane, seq"
        ).fetchall()
        return [(i, date, decode(kind, value)) for i, date, kind, value in rows]

    def replace(self, lanes: Sequence[Lane]) -> None:
        """Write the lanes as the whole journal, at once (after `recover`)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM journal")
            for lane in lanes:
                ranges, flat = lane.unspooled()
                db.executemany(_INSERT, _rows(lane.index, ranges, flat))
                self.durable[lane.index] = lane.entered
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def write(self, lanes: Sequence[Lane]) -> None:
        """Hand what the lanes took since the last call to the writer thread."""
        if self._closed:
            return
        if self.error is not None:  # what the failed commit held is written again
            for lane in lanes:
                lane.spooled = min(lane.spooled, self.durable[lane.index])
        ops = []
        for lane in lanes:
            start = lane.spooled
            ranges, flat = lane.unspooled()
            if ranges:
                ops.append(("put", lane.index, start, lane.entered, ranges, flat))
        if ops:
            self._submit(ops)

    def delete(self, lane: Lane, ranges: Ranges) -> None:
        """Drop measurements that have their outcome."""
        if not self._closed and ranges and ranges[0][0] < lane.spooled:
            self._submit([("delete", lane.index, ranges)])

    def commit(self) -> None:
        """Ask for a commit now, even with nothing new (wakes waiters)."""
        self._submit([("commit",)])

    def wait_target(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        """Set `event` (in `loop`) after the next commit."""
        with self._lock:
            self._waiters.append((loop, event))

    def stop(self) -> None:
        """Commit what was handed over and release the journal (blocks until done: call it
        in a thread, after a last `write`)."""
        if self._closed:
            return
        self._submit([("stop",)])
        self._closed = True
        if self._thread is not None:
            self._thread.join()
        self._db.close()

    def _submit(self, ops: list[tuple[Any, ...]]) -> None:
        with self._lock:
            self._ops += ops
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="blockbax-spool", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                ops, self._ops = self._ops, []
                waiters, self._waiters = self._waiters, []
            advanced = self._apply(ops)
            for lane, upto in advanced:
                self.durable[lane] = max(self.durable[lane], upto)
            for loop, event in waiters:
                try:
                    loop.call_soon_threadsafe(event.set)
                except RuntimeError:  # that loop is closed: nobody waits any more
                    pass
            if any(op[0] == "stop" for op in ops):
                return

    def _apply(self, ops: list[tuple[Any, ...]]) -> list[tuple[int, int]]:
        """Run `ops` in one transaction; returns the durable marks it moved."""
        db, advanced = self._db, []
        durable = list(self.durable)
        try:
            db.execute("BEGIN IMMEDIATE")
            for op in ops:
                if op[0] == "put":
                    _, lane, start, upto, ranges, flat = op
                    db.executemany(_INSERT, _rows(lane, ranges, flat))
                    if start <= durable[lane]:  # contiguous with what is on disk
                        durable[lane] = upto
                        advanced.append((lane, upto))
                elif op[0] == "delete":
                    _, lane, ranges = op
                    db.executemany(_DELETE, [(lane, s, s + c) for s, c in ranges])
            db.execute("COMMIT")
        except Exception as error:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if self.error is None:
                logger.error("the spool at %r cannot store measurements: %s", self.directory, error)
            self.error = error
            self.on_error()
            return []
        self.error = None
        return advanced


def _open(directory: str, max_bytes: int | None) -> sqlite3.Connection:
    try:
        os.makedirs(directory, exist_ok=True)
        db = sqlite3.connect(
            os.path.join(directory, JOURNAL), timeout=0, isolation_level=None,
            check_same_thread=False,
        )  # fmt: skip
    except (OSError, sqlite3.Error) as error:
        raise ClientStateError(f"spool: {directory!r} cannot be opened: {error}") from None
    try:
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("BEGIN IMMEDIATE")  # takes the lock, held until the connection closes
        db.execute(_SCHEMA)
        db.execute("COMMIT")
        if max_bytes is not None:
            db.execute(f"PRAGMA max_page_count={max(16, max_bytes // _PAGE)}")
    except sqlite3.Error as error:
        db.close()
        if "locked" in str(error) or "busy" in str(error):
            raise ClientStateError(
                f"spool: {directory!r} is in use by another client; one process per spool"
            ) from None
        raise ClientStateError(f"spool: {directory!r} cannot be opened: {error}") from None
    return db

"""`ingest FILE`: stream a file of measurements to Blockbax.

Rows are checked against the project before they are sent (the metric's data type behind
each ingestion ID, the API's limits), so that a bad row is named by its line rather than
reported by the server for a whole ingestion ID. A fatal failure (the token refused, no
access, no such project, the server unreachable) stops the command at once; Ctrl-C stops it
and tells what got through.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Iterator
from typing import Any

from rich import filesize

from .. import AsyncClient, FlushResult
from ..errors import BlockbaxError
from ._catalog import UNKNOWN, Catalog, checked, measurement
from ._console import IngestProgress, stderr, stdout, table
from ._errors_file import ErrorsFile
from ._files import DELIMITERS, BadRow, Source, file_format, open_source, read_records
from ._messages import is_fatal
from ._report import NOT_DELIVERED, Refusals

__all__ = ["ingest"]

MAX_QUEUED = 100_000
SHOWN_LINES = 20


async def ingest(args: argparse.Namespace, client: AsyncClient) -> int:
    """Run the command; returns its exit status (0: all delivered, 1: something refused or
    not delivered, 130: interrupted)."""
    kind = file_format(args.file, args.format)
    with (
        open_source(args.file) as source,
        ErrorsFile.open(args.errors_file, kind, source) as errors,
    ):
        return await _Run(args, client, source, errors).go()


class _Run:
    """One ingest: counters, the refusals, and the tasks that read and send."""

    def __init__(
        self, args: argparse.Namespace, client: AsyncClient, source: Source, errors: ErrorsFile
    ) -> None:
        self.args, self.client, self.source, self.errors = args, client, source, errors
        self.format = file_format(args.file, args.format)
        self.refusals = Refusals()
        self.bad: list[BadRow] = []
        self.rows = self.queued = 0
        self.created: list[str] = []
        self.fatal: BlockbaxError | None = None
        self.working: asyncio.Task[Any] | None = None
        self.started = time.perf_counter()

    async def go(self) -> int:
        catalog = await Catalog.load(self.client)
        measurements = self.client.measurements
        if not self.args.dry_run:
            measurements.start(on_result=self.on_result, create_subjects=self.args.create_subjects)
        interrupted = False
        with IngestProgress(stderr(), self.source.size) as bar:
            ticker = asyncio.ensure_future(self._tick(bar))
            try:
                interrupted = await self._interruptible(self._feed(catalog))
                if not (interrupted or self.fatal or self.args.dry_run):
                    interrupted = await self._interruptible(self._finish())
            finally:
                ticker.cancel()
                self._show(bar)
        if interrupted or self.fatal:
            self.on_result(await measurements.close(timeout=0))
        self._report(interrupted)
        if self.fatal is not None:
            raise self.fatal
        if interrupted:
            return 130
        return 1 if self.refusals.total or len(measurements) else 0

    async def _interruptible(self, work: Awaitable[None]) -> bool:
        """Run `work` until done, a fatal failure or Ctrl-C; returns whether interrupted."""
        self.working = asyncio.ensure_future(work)
        interrupted = False

        def interrupt() -> None:
            nonlocal interrupted
            interrupted = True
            assert self.working is not None
            self.working.cancel()

        with _on_sigint(interrupt), contextlib.suppress(asyncio.CancelledError):
            await self.working
        return interrupted

    async def _feed(self, catalog: Catalog) -> None:
        put, create = self.client.measurements.put, self.args.create_subjects
        for item in read_records(
            self.source, self.format, DELIMITERS.get(self.args.delimiter or "")
        ):
            self.rows += 1
            if isinstance(item, BadRow):
                self._refuse(item)
                continue
            target = catalog.target(item.ingestion_id, create)
            if isinstance(target, str):
                message = f"{item.ingestion_id!r}: {target}"
                self._refuse(BadRow(item.line, UNKNOWN, message, item.raw, item.ingestion_id))
                continue
            values = measurement(item, target, self.source.delimiter)
            if isinstance(values, dict):
                values = checked(item, values)
            if isinstance(values, BadRow):
                self._refuse(values)
                continue
            if not self.args.dry_run:
                await put(item.ingestion_id, **values)
            self.queued += 1
            if not self.rows % 1000:
                await asyncio.sleep(0)  # let the bar and the lanes run while reading is fast

    async def _finish(self) -> None:
        measurements = self.client.measurements
        self.on_result(await measurements.flush(create_subjects=self.args.create_subjects))
        self.on_result(await measurements.close())

    def on_result(self, result: FlushResult | None) -> None:
        """Count what the server said; stop at once on a fatal failure."""
        if result is None:
            return
        self.refusals.add_result(result)
        self.created += result.created_subjects
        for failure in result.failures:
            if not failure.kept:
                self.errors.write_measurements(failure.measurements, str(failure.error))
            elif self.fatal is None and is_fatal(failure.error):
                self.fatal = failure.error
                if self.working is not None:
                    self.working.cancel()

    def _refuse(self, row: BadRow) -> None:
        self.refusals.add_row(row)
        self.errors.write_row(row)
        if len(self.bad) < SHOWN_LINES:
            self.bad.append(row)

    async def _tick(self, bar: IngestProgress) -> None:
        while True:
            self._show(bar)
            await asyncio.sleep(0.1)

    def _show(self, bar: IngestProgress) -> None:
        stats = self.client.measurements.stats
        bar.update(self.source.position, self.rows, self.queued, stats.sent, self.refusals.total)

    def _report(self, interrupted: bool) -> None:
        out, stats = stdout(), self.client.measurements.stats
        pending = len(self.client.measurements)
        seconds = time.perf_counter() - self.started
        size = filesize.decimal(self.source.position)
        out.print(f"read {self.rows:,} rows ({size}) of {self.source.name} in {seconds:.1f} s")
        if self.args.dry_run:
            out.print(f"dry run: {self.queued:,} measurements would be sent; nothing was sent")
        else:
            out.print(
                f"delivered {stats.sent:,} of {self.queued:,} measurements in "
                f"{stats.requests:,} requests ({stats.retried:,} retried)"
            )
        if self.created:
            out.print(f"created {len(self.created):,} subjects: {', '.join(self.created[:10])}")
        if pending and not self.fatal:
            self.refusals.add(NOT_DELIVERED, "queued or in flight", pending)
        self._refusal_table(out)
        for row in self.bad:
            out.print(f"line {row.line}: {row.message}")
        shown = len(self.bad)
        rows = sum(t.count for r, t in self.refusals.by_reason.items() if r != NOT_DELIVERED)
        if rows > shown and not self.args.errors_file:
            out.print(f"... and more: --errors-file F writes all {rows:,} refused rows")
        if interrupted:
            out.print(
                f"interrupted: {pending:,} measurements not delivered; sending the file "
                "again is safe (the API keeps one value per ingestion ID and date)"
            )

    def _refusal_table(self, out: Any) -> None:
        groups = self.refusals.groups()
        if not groups:
            return
        rows, hints = [], dict[str, list[str]]()
        for group in groups:
            more = f" (and {group.more:,} more)" if group.more else ""
            rows.append([group.reason, f"{group.count:,}", ", ".join(group.examples) + more])
            hints.setdefault(group.hint, []).append(group.reason)
        out.print(f"refused or not delivered: {self.refusals.total:,} measurements")
        out.print(table(None, ["reason", "measurements #", "ingestion IDs or lines"], rows))
        for hint, reasons in hints.items():
            out.print(f"  {', '.join(reasons)}: {hint}")
        if self.refusals.truncated:
            ids = ", ".join(list(self.refusals.truncated)[:10])
            out.print(f"stored, but rounded or cut by the server: {ids}")


@contextlib.contextmanager
def _on_sigint(handler: Any) -> Iterator[None]:
    """Call `handler` on the first Ctrl-C; a second one interrupts as usual. Where the
    loop cannot take signal handlers (Windows), Ctrl-C raises `KeyboardInterrupt`."""
    loop = asyncio.get_running_loop()

    def once() -> None:
        loop.remove_signal_handler(signal.SIGINT)
        handler()

    try:
        loop.add_signal_handler(signal.SIGINT, once)
    except (NotImplementedError, RuntimeError, ValueError):
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)

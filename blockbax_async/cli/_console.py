"""The terminal, through rich: reports and tables on stdout, progress on stderr. rich sizes
output to the terminal's width, drops colour and live bars where output is not a terminal
(a pipe, a file, CI), and speaks to Windows consoles."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from rich import filesize
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

__all__ = ["IngestProgress", "count_progress", "stderr", "stdout", "table"]


def stdout() -> Console:
    """The console of reports (no markup: file contents are shown as they are)."""
    return Console(highlight=False, markup=False, emoji=False, soft_wrap=True)


def stderr() -> Console:
    """The console of progress bars."""
    return Console(stderr=True, highlight=False, markup=False, emoji=False)


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A plain table; columns whose name ends in `#` are right-aligned numbers."""
    grid = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for name in columns:
        numeric = name.endswith("#")
        grid.add_column(name.rstrip("#").strip(), justify="right" if numeric else "left")
    for row in rows:
        grid.add_row(*row)
    return grid


def count_progress(console: Console, unit: str) -> Progress:
    """A bar counting `unit`s done of a known total."""
    return Progress(
        TextColumn(unit),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )


class IngestProgress:
    """Two bars: the file read (bytes, of its size when known) and the measurements the
    server ingested (of those sent so far)."""

    def __init__(self, console: Console, size: int | None) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._size = size
        self._read = self._progress.add_task("read", total=size, detail="")
        self._delivered = self._progress.add_task("delivered", total=0, detail="")

    def update(self, position: int, rows: int, queued: int, delivered: int, refused: int) -> None:
        """Show `position` bytes and `rows` read, `delivered` of `queued`."""
        size = f" of {filesize.decimal(self._size)}" if self._size else ""
        self._progress.update(
            self._read,
            completed=position,
            detail=f"{filesize.decimal(position)}{size}, {rows:,} rows",
        )
        note = f", {refused:,} refused" if refused else ""
        self._progress.update(
            self._delivered,
            completed=delivered,
            total=max(queued, 1),
            detail=f"{delivered:,} of {queued:,} measurements{note}",
        )

    def __enter__(self) -> IngestProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

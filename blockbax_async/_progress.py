"""A small progress bar for the command line, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "measurements") as bar: bar.advance(n)``; ``total`` may be 0
    when unknown (then only the count and rate are shown)."""

    def __init__(self, total: int, unit: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more done, redrawing at most ten times a second."""
        self.done += count
        now = time.perf_counter()
        if self._live and now - self._drawn >= 0.1:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self._started, 1e-9)
        if self.total:
            filled = int(30 * min(self.done / self.total, 1.0))
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,}"
        else:
            bar = f"{self.done:,}"
        self._stream.write(f"\r{bar} {self.unit} ({rate:,.0f}/s)")
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live:
            self._draw(time.perf_counter())
            self._stream.write("\n")
            self._stream.flush()

"""One figure of the benchmark table: ours beside a baseline and the official SDK."""

from __future__ import annotations

import attrs

__all__ = ["Figure"]


@attrs.frozen
class Figure:
    """A measured quantity for our client, the ``baseline`` (raw aiohttp unless the name
    says otherwise) and the official ``blockbax-sdk``; ``None`` where not measured."""

    name: str
    unit: str
    ours: float
    baseline: float | None = None
    official: float | None = None
    higher_is_better: bool = False

    def speedup(self, other: float | None) -> float | None:
        """How many times better ours is than ``other`` (above 1: ours is better)."""
        if other is None or not other or not self.ours:
            return None
        return self.ours / other if self.higher_is_better else other / self.ours

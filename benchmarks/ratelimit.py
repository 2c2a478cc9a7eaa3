"""What the rate limiter saves: 429 answers when many tasks share a small budget, paced by
the X-RateLimit-* headers (the default) and not paced (``rate_limit=False``, which still
retries each 429 after the wait the server asks for).

    python -m benchmarks.ratelimit
"""

from __future__ import annotations

import asyncio
import time

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator, RateLimit

from ._report import Figure

SCENARIOS = [(50, 20, 0.5), (50, 10, 1.0), (200, 50, 5.0)]  # tasks, budget, period (s)


async def run(tasks: int, limit: int, period: float, *, paced: bool) -> tuple[int, float]:
    """429 answers seen by the emulator, and seconds until every task had its answer."""
    async with Emulator(rate_limit=RateLimit(limit, period)) as emulator:
        async with AsyncClient(
            emulator.project_id, emulator.api_key, base_url=emulator.base_url,
            rate_limit=paced, max_retries=50, backoff_base=0.01, backoff_max=0.05,
        ) as client:  # fmt: skip
            started = time.perf_counter()
            await asyncio.gather(*(client.project.get() for _ in range(tasks)))
            elapsed = time.perf_counter() - started
        assert emulator.statuses(200) == tasks
        return emulator.statuses(429), elapsed


def figures(quick: bool = False) -> list[Figure]:
    """The rate-limit row of the ``python -m benchmarks`` table."""
    tasks, limit, period = SCENARIOS[0]
    paced, _ = asyncio.run(run(tasks, limit, period, paced=True))
    unpaced, _ = asyncio.run(run(tasks, limit, period, paced=False))
    name = f"429 answers, {tasks} tasks sharing {limit} requests per {period:g} s"
    name += " (baseline: not paced)"
    return [Figure(name, "answers", paced, unpaced)]


def main() -> None:
    print("| tasks | budget | 429s paced | 429s unpaced | seconds paced | seconds unpaced |")
    print("|---|---|---|---|---|---|")
    for tasks, limit, period in SCENARIOS:
        paced = asyncio.run(run(tasks, limit, period, paced=True))
        unpaced = asyncio.run(run(tasks, limit, period, paced=False))
        print(f"| {tasks} | {limit} per {period:g} s | {paced[0]} | {unpaced[0]} "
              f"| {paced[1]:.2f} | {unpaced[1]:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()

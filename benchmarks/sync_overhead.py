"""What the blocking layer costs: a GET (`project.get()`) against the emulator in its own
process, awaited in an event loop versus called through `sync.Client`, and `queue()` per
measurement, async versus sync versus `HttpClient.queue_measurement`.

A blocking call from a plain thread drives the client's loop in that thread; one made inside
a running loop (a notebook cell) is handed to the portal's thread. Both are timed, each
against the awaited GET in rounds of its own: blocks of each way interleaved, the median of
each round's ratio reported (pairing blocks run side by side cancels a shared machine's
drift). The total stays under the emulator's rate limit (5,000 requests a minute).

    .venv/bin/python -m benchmarks.sync_overhead
    .venv/bin/python -m benchmarks.sync_overhead --gets 1000 --queued 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from blockbax_async import AsyncClient, IngestSettings, sync

from ._emulator_process import emulator_process
from ._report import Figure

BLOCK = 20  # small blocks, interleaved, so that the machine's drift hits every way alike
ID = "subject-0$metric-0"


def _timed_calls(call: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return times


async def _timed_awaits(client: AsyncClient, count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        await client.project.get()
        times.append(time.perf_counter() - began)
    return times


def _gets(base_url: str, project_id: str, api_key: str, gets: int) -> dict[str, float]:
    """Median seconds of a GET each way, and the median over rounds of the sync ways' time
    relative to the awaited one in the same round. Round 1 pairs the awaited GET, raw aiohttp
    and a plain thread's blocking call; round 2 the awaited GET and a blocking call from
    inside a running loop (kept apart, so that its thread hand-offs do not disturb round 1)."""
    found: dict[str, list[float]] = {"async": [], "sync": [], "in_loop": [], "raw": []}
    ratios: dict[str, list[float]] = {"sync": [], "in_loop": []}
    options: dict[str, Any] = {"base_url": base_url, "rate_limit": False}
    loop = asyncio.new_event_loop()
    direct = AsyncClient(project_id, api_key, **options)
    with sync.Client(project_id, api_key, **options) as blocking:
        raw = loop.run_until_complete(_raw_session(api_key))
        url = f"{base_url}/v1/projects/{project_id}"
        rounds: list[dict[str, Callable[[], list[float]]]] = [
            {
                "raw": lambda: loop.run_until_complete(_timed_raw(raw, url, BLOCK)),
                "async": lambda: loop.run_until_complete(_timed_awaits(direct, BLOCK)),
                "sync": lambda: _timed_calls(blocking.project.get, BLOCK),
            },
            {
                "async": lambda: loop.run_until_complete(_timed_awaits(direct, BLOCK)),
                "in_loop": lambda: loop.run_until_complete(_in_loop(blocking.project.get)),
            },
        ]
        for ways in rounds:
            for way in ways.values():
                way()  # warm up: connections open, code paths hot
            for _ in range(max(1, gets // BLOCK)):
                block = {name: way() for name, way in ways.items()}
                for name, times in block.items():
                    found[name] += times
                baseline = statistics.median(block["async"])
                for name in ratios.keys() & block.keys():
                    ratios[name].append(statistics.median(block[name]) / baseline)
        loop.run_until_complete(raw.close())
    loop.run_until_complete(direct.aclose())
    loop.close()
    medians = {name: statistics.median(times) for name, times in found.items()}
    return medians | {f"{name}_ratio": statistics.median(r) for name, r in ratios.items()}


async def _in_loop(call: Callable[[], object]) -> list[float]:
    """Blocking calls made while this thread's loop runs, as in a notebook cell."""
    return _timed_calls(call, BLOCK)


async def _raw_session(api_key: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(headers={"Authorization": f"ApiKey {api_key}"})


async def _timed_raw(session: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        async with session.get(url) as response:
            await response.json()
        times.append(time.perf_counter() - began)
    return times


def _official_get(base_url: str, project_id: str, api_key: str, gets: int) -> float | None:
    """Median seconds of the official SDK's ``get_project_details()``, when installed."""
    try:
        from blockbax_sdk import HttpClient
    except ImportError:
        return None
    client = HttpClient(api_key, project_id, endpoint=base_url)
    return statistics.median(_timed_calls(client.get_project_details, gets))


def _queue_costs(count: int) -> dict[str, float]:
    """Seconds per ``queue()`` call, async, sync and through ``HttpClient`` (nothing sent)."""
    settings = IngestSettings(max_queued=count + 1)
    costs: dict[str, float] = {}

    async def queue_async() -> float:
        async with AsyncClient("p", "t", base_url="http://127.0.0.1:9", ingest=settings) as c:
            queue = c.measurements.queue
            began = time.perf_counter()
            for n in range(count):
                queue(ID, number=n * 0.5, date=1_700_000_000_000 + n)
            spent = time.perf_counter() - began
            await c.measurements.close(timeout=0)
            return spent

    costs["async"] = asyncio.run(queue_async()) / count
    blocking = sync.Client("p", "t", base_url="http://127.0.0.1:9", ingest=settings)
    queue = blocking.measurements.queue
    began = time.perf_counter()
    for n in range(count):
        queue(ID, number=n * 0.5, date=1_700_000_000_000 + n)
    costs["sync"] = (time.perf_counter() - began) / count
    blocking.measurements.close(timeout=0)
    blocking.close()
    compat = sync.HttpClient("t", "p", "http://127.0.0.1:9", ingest=settings)
    queue_measurement = compat.queue_measurement
    began = time.perf_counter()
    for n in range(count):
        queue_measurement(ID, date=1_700_000_000_000 + n, number=n * 0.5)
    costs["http_client"] = (time.perf_counter() - began) / count
    compat.client.measurements.close(timeout=0)
    compat.close()
    return costs


def run(*, gets: int = 1000, queued: int = 200_000) -> dict[str, Any]:
    """Median GET times (microseconds); the overhead of the sync call over the awaited one
    in percent (median over interleaved rounds); ``queue()`` cost per call (nanoseconds)."""
    with emulator_process() as server:
        medians = _gets(server.base_url, server.project_id, server.api_key, gets)
        official = _official_get(server.base_url, server.project_id, server.api_key, gets // 5)
    costs = _queue_costs(queued)
    return {
        "gets_each": max(1, gets // BLOCK) * BLOCK,
        "get_async_us": round(medians["async"] * 1e6, 1),
        "get_sync_us": round(medians["sync"] * 1e6, 1),
        "get_sync_in_loop_us": round(medians["in_loop"] * 1e6, 1),
        "get_raw_aiohttp_us": round(medians["raw"] * 1e6, 1),
        "sync_overhead_pct": round((medians["sync_ratio"] - 1) * 100, 1),
        "sync_in_loop_overhead_pct": round((medians["in_loop_ratio"] - 1) * 100, 1),
        "queue_async_ns": round(costs["async"] * 1e9),
        "queue_sync_ns": round(costs["sync"] * 1e9),
        "queue_http_client_ns": round(costs["http_client"] * 1e9),
        "get_official_us": None if official is None else round(official * 1e6, 1),
    }


def paired(found: dict[str, Any], overhead: str) -> float:
    """A sync GET's time as the awaited GET's median times the median ratio of the rounds
    (the overhead figure): medians pooled over all rounds would carry the machine's drift
    between rounds into the ratio."""
    return float(found["get_async_us"] * (1 + found[overhead] / 100))


def figures(quick: bool = False) -> list[Figure]:
    """The sync rows of the ``python -m benchmarks`` table (median µs per GET)."""
    found = run(gets=200 if quick else 600, queued=50_000 if quick else 200_000)
    return [
        Figure("GET the project, awaited", "µs", found["get_async_us"],
               found["get_raw_aiohttp_us"], found["get_official_us"]),
        Figure("GET the project, sync.Client (baseline: the awaited GET, paired rounds)", "µs",
               paired(found, "sync_overhead_pct"), found["get_async_us"],
               found["get_official_us"]),
        Figure("GET the project, sync.Client in a running loop (baseline: awaited, paired)",
               "µs", paired(found, "sync_in_loop_overhead_pct"), found["get_async_us"],
               found["get_official_us"]),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=1000, help="GETs per way (default 1000)")
    parser.add_argument("--queued", type=int, default=200_000, help="queue() calls per way")
    args = parser.parse_args()
    print(json.dumps(run(gets=args.gets, queued=args.queued), indent=2))


if __name__ == "__main__":
    main()

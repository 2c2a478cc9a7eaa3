"""Ingestion benchmarks, against an emulator in its own process.

1. ``queue()``: time per call and memory per queued measurement over 1,000,000 calls, in
   memory and with the spool on.
2. End to end: N number measurements over 1,000 ingestion IDs through ``queue()`` +
   ``flush()``: plain, with receipts (a checkpoint every 2,000, all waited for) and with the
   spool (store and forward on disk), beside raw aiohttp posting the same measurements as
   pre-serialized 500-measurement bodies with the same concurrency, and beside the official
   ``blockbax-sdk`` (``queue_measurement()`` + ``send_measurements()``; skipped when it is not
   installed).

    .venv/bin/python -m benchmarks.ingest             # the full run, a minute or two
    .venv/bin/python -m benchmarks.ingest --quick     # a smaller smoke run
    .venv/bin/python -m benchmarks.ingest --part e2e  # one part: queue or e2e
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import orjson

from blockbax_async import AsyncClient, IngestSettings
from blockbax_async.ingest._batches import lane_of

from ._emulator_process import EmulatorProcess, emulator_process, seed_subjects
from ._report import Figure

BASE_MS = 1_700_000_000_000
SUBJECTS, METRICS = 250, 4  # 1,000 ingestion IDs
Row = tuple[str, float, float]

IDS = [f"subject-{s}$metric-{m}" for s in range(SUBJECTS) for m in range(METRICS)]

# queue() is timed in CPU time of this thread: on a shared machine, wall time also counts
# the moments other processes had the core. End to end is wall time, as a user sees it.
_clock = time.thread_time


def _offline_client(max_queued: int, spool: str | None = None) -> AsyncClient:
    return AsyncClient(
        "benchmark", "benchmark-token", base_url="http://127.0.0.1:9",
        ingest=IngestSettings(max_queued=max_queued, spool=spool, close_timeout=0),
    )  # fmt: skip


def _drop(client: AsyncClient) -> None:
    """Let an offline client go without sending (and release its spool)."""
    asyncio.run(client.aclose())


# -- 1. queue() -----------------------------------------------------------------------------------


def _loop(calls: int, call: Callable[..., Any] | None) -> float:
    """Seconds for ``calls`` iterations making the values a caller makes, calling ``call``."""
    ids, n = IDS, len(IDS)
    gc.collect()
    started = _clock()
    if call is None:
        for i in range(calls):
            ids[i % n], float(i % 1000) + 0.5, BASE_MS + i
    else:
        for i in range(calls):
            call(ids[i % n], number=float(i % 1000) + 0.5, date=BASE_MS + i)
    return _clock() - started


def bench_queue_time(calls: int, repeat: int, spool: bool = False) -> tuple[float, float]:
    """(µs per call of the caller's loop with queue(), µs of that spent in queue())."""
    totals, bases = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as directory:
            client = _offline_client(calls, directory if spool else None)
            totals.append(_loop(calls, client.measurements.queue))
            _drop(client)
        bases.append(_loop(calls, None))
    total, base = min(totals), min(bases)
    return total / calls * 1e6, (total - base) / calls * 1e6


def bench_queue_memory(calls: int) -> float:
    """Bytes held per queued measurement, its value and date objects included."""
    client = _offline_client(calls)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _loop(calls, client.measurements.queue)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(client.measurements) == calls
    _drop(client)
    return held / calls


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_queue_rss(calls: int) -> float | None:
    """MB of resident memory the process grows by while ``calls`` measurements are queued
    (values and dates made by the caller's loop included); ``None`` without /proc."""
    if not os.path.exists("/proc/self/statm"):
        return None
    client = _offline_client(calls)
    gc.collect()
    before = _rss()
    _loop(calls, client.measurements.queue)
    grown = _rss() - before
    assert len(client.measurements) == calls
    _drop(client)
    return grown / 1e6


def bench_queue_variants(calls: int) -> list[Row]:
    """µs per queue() call for other argument kinds (the caller's loop subtracted)."""
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    dates = [now + timedelta(milliseconds=i) for i in range(1000)]
    isos = [d.isoformat(timespec="milliseconds") for d in dates]
    location = {"lat": 52.1, "lon": 4.3}
    variants: list[tuple[str, Callable[[Callable[..., Any], int], None]]] = [
        ("number, date=None (now)", lambda q, i: q(IDS[i % 1000], number=1.5)),
        ("number, aware datetime", lambda q, i: q(IDS[i % 1000], number=1.5, date=dates[i % 1000])),
        ("number, ISO 8601 string", lambda q, i: q(IDS[i % 1000], number=1.5, date=isos[i % 1000])),
        ("int number, epoch ms", lambda q, i: q(IDS[i % 1000], number=7, date=BASE_MS + i)),
        ("location, epoch ms", lambda q, i: q(IDS[i % 1000], location=location, date=BASE_MS + i)),
        ("text, epoch ms", lambda q, i: q(IDS[i % 1000], text="open", date=BASE_MS + i)),
    ]
    rows: list[Row] = []
    for name, make in variants:
        totals, bases = [], []
        for _ in range(3):
            client = _offline_client(calls)
            totals.append(_timed(calls, make, client.measurements.queue))
            _drop(client)
            bases.append(_timed(calls, make, _nothing))
        total, base = min(totals), min(bases)
        rows.append((name, total / calls * 1e6, (total - base) / calls * 1e6))
    return rows


def _timed(
    calls: int, make: Callable[[Callable[..., Any], int], None], call: Callable[..., Any]
) -> float:
    gc.collect()
    started = _clock()
    for i in range(calls):
        make(call, i)
    return _clock() - started


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def bench_official_queue(calls: int) -> float | None:
    """µs per ``queue_measurement()`` call of the official SDK (loop included)."""
    try:
        from blockbax_sdk import HttpClient
    except ImportError:
        return None
    client = HttpClient("benchmark-token", "benchmark", endpoint="http://127.0.0.1:9")
    started = _clock()
    for i in range(calls):
        client.queue_measurement(IDS[i % 1000], date=BASE_MS + i, number=float(i % 1000) + 0.5)
    return (_clock() - started) / calls * 1e6


# -- 2. end to end ---------------------------------------------------------------------------------


def measurements(count: int) -> list[tuple[str, int, float]]:
    """``count`` number measurements, round robin over the 1,000 ingestion IDs."""
    n = len(IDS)
    return [(IDS[k % n], BASE_MS + k, float(k % 97) + 0.25) for k in range(count)]


def bodies(data: Sequence[tuple[str, int, float]], size: int = 500) -> list[bytes]:
    """The measurements as pre-serialized 500-measurement bodies, cut in queue order."""
    return [_body(data[start : start + size]) for start in range(0, len(data), size)]


def lane_bodies(data: Sequence[tuple[str, int, float]], lanes: int) -> list[bytes]:
    """The bodies blockbax_async sends: cut per lane (by subject), lanes interleaved."""
    per_lane: list[list[tuple[str, int, float]]] = [[] for _ in range(lanes)]
    for measurement in data:
        per_lane[lane_of(measurement[0], lanes)].append(measurement)
    cut = [bodies(lane) for lane in per_lane]
    return [body for row in itertools.zip_longest(*cut) for body in row if body is not None]


def _body(batch: Sequence[tuple[str, int, float]]) -> bytes:
    series: dict[str, list[dict[str, Any]]] = {}
    for ingestion_id, date, number in batch:
        series.setdefault(ingestion_id, []).append({"date": date, "number": number})
    return orjson.dumps(
        {"series": [{"ingestionId": i, "measurements": m} for i, m in series.items()]}
    )


CHECKPOINT_EVERY = 2_000
LATENCY = 0.020  # seconds added to each request in the "real network" rows


async def run_ours(
    server: EmulatorProcess,
    data: Sequence[tuple[str, int, float]],
    lanes: int,
    mode: str = "plain",
    settings: IngestSettings | None = None,
) -> float:
    """One run; ``mode`` is ``plain``, ``receipts`` (a checkpoint every 2,000 measurements,
    each waited for after the flush) or ``spool`` (a fresh spool directory)."""
    server.call("clear_measurements")
    with tempfile.TemporaryDirectory() as directory:
        settings = settings or IngestSettings(
            lanes=lanes, max_queued=max(len(data), 1),
            spool=directory if mode == "spool" else None,
        )  # fmt: skip
        async with AsyncClient(
            server.project_id, server.api_key, base_url=server.base_url, ingest=settings
        ) as client:
            queue = client.measurements.queue
            checkpoint = client.measurements.checkpoint
            receipts = []
            gc.collect()
            started = time.perf_counter()
            if mode == "receipts":
                for n, (ingestion_id, date, number) in enumerate(data, 1):
                    queue(ingestion_id, number=number, date=date)
                    if not n % CHECKPOINT_EVERY:
                        receipts.append(checkpoint())
            else:
                for ingestion_id, date, number in data:
                    queue(ingestion_id, number=number, date=date)
            result = await client.measurements.flush()
            for receipt in receipts:
                assert await receipt.wait(timeout=0) and receipt.ok
            elapsed = time.perf_counter() - started
    assert result.accepted == len(data) and result.ok, result
    assert server.call("count_measurements") == len(data)
    return elapsed


async def run_raw(
    server: EmulatorProcess, payloads: Sequence[bytes], count: int, concurrency: int
) -> float:
    server.call("clear_measurements")
    url = f"{server.base_url}/v1/projects/{server.project_id}/measurements"
    headers = {"Authorization": f"ApiKey {server.api_key}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        todo = iter(payloads)

        async def worker() -> None:
            for body in todo:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status

        gc.collect()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    assert server.call("count_measurements") == count
    return elapsed


def run_official(server: EmulatorProcess, data: Sequence[tuple[str, int, float]]) -> float | None:
    try:
        from blockbax_sdk import HttpClient
    except ImportError:
        return None
    server.call("clear_measurements")
    client = HttpClient(server.api_key, server.project_id, endpoint=server.base_url)
    gc.collect()
    started = time.perf_counter()
    for ingestion_id, date, number in data:
        client.queue_measurement(ingestion_id, date=date, number=number)
    client.send_measurements()
    elapsed = time.perf_counter() - started
    assert server.call("count_measurements") == len(data)
    return elapsed


async def bench_end_to_end(
    server: EmulatorProcess, count: int, lanes: int, repeat: int, official: bool
) -> dict[str, list[float]]:
    """Seconds per run of each client, runs interleaved so that drift hits all alike."""
    data = measurements(count)
    same, in_order = lane_bodies(data, lanes), bodies(data)
    await run_raw(server, same, count, lanes)  # warm both sides up once
    runs: dict[str, list[float]] = {
        "ours": [], "receipts": [], "spool": [], "raw_same": [], "raw_order": [], "official": [],
    }  # fmt: skip
    for _ in range(repeat):
        runs["ours"].append(await run_ours(server, data, lanes))
        runs["receipts"].append(await run_ours(server, data, lanes, "receipts"))
        runs["spool"].append(await run_ours(server, data, lanes, "spool"))
        runs["raw_same"].append(await run_raw(server, same, count, lanes))
        runs["raw_order"].append(await run_raw(server, in_order, count, lanes))
    if official:
        seconds = run_official(server, data)
        if seconds is not None:
            runs["official"].append(seconds)
    return runs


# -- 3. the outside workload ----------------------------------------------------------------------

OUTSIDE_IDS = [f"subject-{s}$metric-0" for s in range(1000)]


def outside_data(timestamps: int = 100) -> list[tuple[str, int, float]]:
    """1,000 IDs (one metric each) at ``timestamps`` times a second apart, queued timestamp
    by timestamp, two-decimal numbers: the workload of an outside run (issue 14)."""
    return [
        (ingestion_id, BASE_MS + t * 1000, round((t * 7 + n) % 1000 / 100 + 0.01, 2))
        for t in range(timestamps)
        for n, ingestion_id in enumerate(OUTSIDE_IDS)
    ]


def outside_bodies(data: Sequence[tuple[str, int, float]]) -> list[bytes]:
    """What the outside run's raw client posts: bodies of 5 series of 100 (of 500 at most)."""
    by_id: dict[str, list[tuple[str, int, float]]] = {}
    for measurement in data:
        by_id.setdefault(measurement[0], []).append(measurement)
    flat = [m for series in by_id.values() for m in series]
    return bodies(flat)


async def bench_outside(
    server: EmulatorProcess, timestamps: int, repeat: int, official: bool
) -> dict[str, list[float]]:
    """Seconds per run of the outside workload: ours with the default settings, raw aiohttp
    posting the pre-serialized bodies on 8 connections, and the official SDK (once)."""
    data = outside_data(timestamps)
    payloads = outside_bodies(data)
    await run_raw(server, payloads, len(data), 8)
    runs: dict[str, list[float]] = {"ours": [], "raw": [], "official": []}
    for _ in range(repeat):
        runs["ours"].append(await run_ours(server, data, 8, settings=IngestSettings()))
        runs["raw"].append(await run_raw(server, payloads, len(data), 8))
    if official:
        seconds = run_official(server, data)
        if seconds is not None:
            runs["official"].append(seconds)
    return runs


def outside_figures(quick: bool, latency: float) -> list[Figure]:
    """The outside workload's row, on loopback or with ``latency`` seconds per request."""
    timestamps, repeat = (20, 2) if quick else (100, 5 if not latency else 3)
    with emulator_process(seed=seed_subjects, seed_args=(1000, 1), latency=latency) as server:
        runs = asyncio.run(bench_outside(server, timestamps, repeat, official=True))
    count = timestamps * 1000
    rate = {k: count / statistics.median(v) for k, v in runs.items() if v}
    where = f"{latency * 1000:.0f} ms per request" if latency else "loopback"
    return [
        Figure(
            f"ingest {count:,}: 1,000 IDs x {timestamps} times, {where} "
            "(baseline: pre-serialized 5x100 bodies, 8 connections)",
            "measurements/s",
            rate["ours"],
            rate["raw"],
            rate.get("official"),
            higher_is_better=True,
        )
    ]


# -- report ----------------------------------------------------------------------------------------


def report_queue(calls: int, official: bool) -> None:
    """Print the queue() tables."""
    per_call, in_queue = bench_queue_time(calls, 5)
    _, spooled_queue = bench_queue_time(calls, 3, spool=True)
    memory = bench_queue_memory(calls)
    variants = bench_queue_variants(max(calls // 5, 1000))
    official_queue = bench_official_queue(min(calls, 100_000)) if official else None
    print(f"\n## queue(): {calls:,} calls, number + epoch ms date, 1,000 ingestion IDs")
    print("\n(CPU time of the calling thread, best of 5 runs)\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| caller's loop with queue(), per call | {per_call:.3f} µs |")
    print(f"| queue() itself (loop subtracted), per call | {in_queue:.3f} µs |")
    print(f"| queue() itself with the spool on, per call | {spooled_queue:.3f} µs |")
    print(f"| memory per queued measurement (value + date objects included) | {memory:.0f} B |")
    if official_queue is not None:
        name = "official SDK queue_measurement(), per call (loop included)"
        print(f"| {name} | {official_queue:.2f} µs |")
    print("\n| queue() variant | loop + call µs | queue() µs |")
    print("|---|---|---|")
    for name, total, net in variants:
        print(f"| {name} | {total:.3f} | {net:.3f} |")


def report_end_to_end(count: int, lanes: int, repeat: int, official: bool) -> None:
    """Print the end-to-end table."""
    with emulator_process(seed=seed_subjects, seed_args=(SUBJECTS, METRICS)) as server:
        runs = asyncio.run(bench_end_to_end(server, count, lanes, repeat, official))
    best = {k: count / min(v) for k, v in runs.items() if v}
    median = {k: count / statistics.median(v) for k, v in runs.items() if v}
    raw = max(best["raw_same"], best["raw_order"])
    raw_median = max(median["raw_same"], median["raw_order"])
    print(
        f"\n## End to end: {count:,} number measurements over 1,000 ingestion IDs, "
        f"{lanes} in flight, best and median of {repeat} interleaved runs\n"
    )
    print("| client | measurements/s, best | ratio | measurements/s, median | ratio |")
    print("|---|---|---|---|---|")
    rows = [
        ("blockbax_async queue() + flush()", "ours"),
        (f"... with receipts (a checkpoint every {CHECKPOINT_EVERY:,})", "receipts"),
        ("... with the spool (store and forward on disk)", "spool"),
        ("raw aiohttp, the same bodies blockbax_async sends", "raw_same"),
        ("raw aiohttp, bodies cut in queue order", "raw_order"),
        ("official blockbax-sdk queue_measurement() + send_measurements()", "official"),
    ]
    for name, key in rows:
        if key in best:
            print(
                f"| {name} | {best[key]:,.0f} | {best[key] / raw:.3f} "
                f"| {median[key]:,.0f} | {median[key] / raw_median:.3f} |"
            )
        else:
            print(f"| {name} | skipped (not installed) | | | |")
    print("\nratios are to the faster raw aiohttp variant")
    for key in ("receipts", "spool"):
        print(f"{key} / plain: best {best[key] / best['ours']:.3f}, "
              f"median {median[key] / median['ours']:.3f}")  # fmt: skip
    if "official" in best:
        print(f"blockbax_async / official SDK: {best['ours'] / best['official']:.1f}x")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1_000_000, help="queue() calls")
    parser.add_argument("--measurements", type=int, default=200_000, help="end to end")
    parser.add_argument("--lanes", type=int, default=8, help="lanes = raw aiohttp concurrency")
    parser.add_argument("--repeat", type=int, default=5, help="end-to-end runs")
    parser.add_argument("--no-official", action="store_true", help="skip the official SDK")
    parser.add_argument("--part", choices=("all", "queue", "e2e"), default="all")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.measurements, args.repeat = 100_000, 20_000, 2
    if args.part in ("all", "queue"):
        report_queue(args.calls, not args.no_official)
    if args.part in ("all", "e2e"):
        report_end_to_end(args.measurements, args.lanes, args.repeat, not args.no_official)


if __name__ == "__main__":
    main()


def figures(quick: bool = False) -> list[Figure]:
    """The ingestion rows of the ``python -m benchmarks`` table."""
    calls, count, repeat = (100_000, 20_000, 2) if quick else (1_000_000, 200_000, 5)
    per_call, _ = bench_queue_time(calls, 3)
    _, spooled = bench_queue_time(calls, 3, spool=True)
    memory = bench_queue_memory(calls)
    rss = bench_queue_rss(calls)
    official_queue = bench_official_queue(min(calls, 100_000))
    with emulator_process(seed=seed_subjects, seed_args=(SUBJECTS, METRICS)) as server:
        runs = asyncio.run(bench_end_to_end(server, count, 8, repeat, official=True))
    rate = {k: count / statistics.median(v) for k, v in runs.items() if v}
    return [
        Figure(
            f"ingest {count:,} numbers over 1,000 IDs, queue() + flush() "
            "(baseline: the same bodies, pre-serialized)",
            "measurements/s",
            rate["ours"],
            rate["raw_same"],
            rate.get("official"),
            higher_is_better=True,
        ),
        Figure(
            f"ingest with receipts, a checkpoint every {CHECKPOINT_EVERY:,} "
            "(baseline: the plain queue() + flush())",
            "measurements/s",
            rate["receipts"],
            rate["ours"],
            higher_is_better=True,
        ),
        Figure(
            "ingest with the spool on disk (baseline: the plain queue() + flush())",
            "measurements/s",
            rate["spool"],
            rate["ours"],
            higher_is_better=True,
        ),
        *outside_figures(quick, 0.0),
        *outside_figures(quick, LATENCY),
        Figure("queue() per call, caller's loop included", "µs", per_call, None, official_queue),
        Figure("queue() itself with the spool on", "µs", spooled),
        Figure("memory per queued measurement", "bytes", memory),
        *([Figure(f"RSS growth, {calls:,} queued", "MB", rss)] if rss is not None else []),
    ]

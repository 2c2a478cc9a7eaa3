"""Listing benchmark: 10,000 subjects from an emulator in its own process, three ways.

1. ``blockbax_async``: ``await client.subjects.list().collect()``, attrs models built.
2. Raw aiohttp: the 50 pages of 200 fetched one after another, no models, decoded with
   ``response.json()`` (the stdlib) and, as a stricter baseline, with orjson.
3. The official ``blockbax-sdk`` ``HttpClient.get_subjects()`` (skipped when not installed).

Each run starts from a fresh client (or session); the runs are interleaved and the median
and best wall-clock times of each are reported, with the client process's CPU time (the part
of the work that is the client's own, and the figure least disturbed by a busy machine).
``--latency`` puts a proxy process in between that holds each request that many
milliseconds, as a network would (loopback answers in well under one).

    .venv/bin/python -m benchmarks.listing                 # 10,000 subjects, 7 runs each
    .venv/bin/python -m benchmarks.listing --latency 10    # 10 ms more per request
    .venv/bin/python -m benchmarks.listing --count 2000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import multiprocessing
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import attrs
import orjson

from blockbax_async import AsyncClient
from blockbax_async.emulator import State

from ._emulator_process import EmulatorProcess, emulator_process
from ._report import Figure

PAGE = 200


def seed_listing(state: State, count: int) -> None:
    """``count`` subjects shaped like the reference's example: three derived ingestion IDs
    and two property values each."""
    city = state.insert(
        "propertyTypes",
        {
            "name": "City",
            "externalId": "city",
            "dataType": "TEXT",
            "predefinedValues": True,
            "values": [{"id": str(uuid.uuid4()), "text": "Amsterdam"}],
        },
    )
    floors = state.insert(
        "propertyTypes",
        {"name": "Floors", "externalId": "floors", "dataType": "NUMBER", "predefinedValues": False},
    )
    subject_type = state.insert(
        "subjectTypes",
        {
            "name": "Building",
            "parentSubjectTypeIds": [],
            "propertyTypes": [
                {"id": city["id"], "required": True, "visible": True},
                {"id": floors["id"], "required": False, "visible": True},
            ],
        },
    )
    metrics = [
        state.insert(
            "metrics",
            {
                "subjectTypeId": subject_type["id"],
                "name": name,
                "externalId": name.lower(),
                "dataType": "NUMBER",
                "type": "INGESTED",
                "mappingLevel": "OWN",
            },
        )
        for name in ("Temperature", "Humidity", "Power")
    ]
    amsterdam = city["values"][0]
    subjects, now = state.collection("subjects"), "2021-01-24T15:00:01.946+0000"
    for number in range(count):
        external_id = f"building-{number}"
        subject_id = str(uuid.uuid4())
        subjects[subject_id] = {
            "id": subject_id,
            "createdDate": now,
            "updatedDate": now,
            "subjectTypeId": subject_type["id"],
            "name": f"Building {number}",
            "externalId": external_id,
            "ingestionIds": [
                {
                    "metricId": metric["id"],
                    "deriveIngestionId": True,
                    "ingestionId": f"{external_id}${metric['externalId']}",
                }
                for metric in metrics
            ],
            "properties": [
                {"typeId": city["id"], "valueId": amsterdam["id"], "text": "Amsterdam"},
                {"typeId": floors["id"], "valueId": str(uuid.uuid4()), "number": number % 40},
            ],
        }
    state.touch()


async def ours(server: EmulatorProcess) -> int:
    async with AsyncClient(server.project_id, server.api_key, base_url=server.base_url) as client:
        subjects = await client.subjects.list().collect()
    assert subjects[0].ingestion_ids[0].ingestion_id
    return len({subject.id for subject in subjects})


async def raw_aiohttp(server: EmulatorProcess, *, fast_json: bool) -> int:
    url = f"{server.base_url}/v1/projects/{server.project_id}/subjects"
    headers = {"Authorization": f"ApiKey {server.api_key}"}
    items: list[dict[str, Any]] = []
    async with aiohttp.ClientSession(headers=headers) as session:
        number, pages = 0, 1
        while number < pages:
            params = {"page": str(number), "size": str(PAGE)}
            async with session.get(url, params=params) as response:
                response.raise_for_status()
                if fast_json:
                    page = orjson.loads(await response.read())
                else:
                    page = await response.json()
            items.extend(page["result"])
            pages = math.ceil(page["count"] / PAGE)
            number += 1
    return len({item["id"] for item in items})


async def raw_concurrent(server: EmulatorProcess, concurrency: int = 8) -> int:
    """Raw aiohttp fetching the first page, then the rest ``concurrency`` at a time, into
    dicts (``response.json()``)."""
    url = f"{server.base_url}/v1/projects/{server.project_id}/subjects"
    headers = {"Authorization": f"ApiKey {server.api_key}"}
    async with aiohttp.ClientSession(headers=headers) as session:

        async def page(number: int) -> dict[str, Any]:
            params = {"page": str(number), "size": str(PAGE)}
            async with session.get(url, params=params) as response:
                response.raise_for_status()
                found: dict[str, Any] = await response.json()
                return found

        first = await page(0)
        items = list(first["result"])
        todo = iter(range(1, math.ceil(first["count"] / PAGE)))
        pages: dict[int, list[dict[str, Any]]] = {}

        async def worker() -> None:
            for number in todo:
                pages[number] = (await page(number))["result"]

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        for number in sorted(pages):
            items.extend(pages[number])
    return len({item["id"] for item in items})


def official(server: EmulatorProcess) -> int:
    from blockbax_sdk import HttpClient

    client = HttpClient(server.api_key, server.project_id, endpoint=server.base_url)
    return len({subject.id for subject in client.get_subjects()})


async def _forward(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
) -> None:
    """Copy ``reader`` to ``writer``, each chunk ``delay`` seconds after it arrived."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, data = await queue.get()
            await asyncio.sleep(due - loop.time())
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(1 << 16):
            queue.put_nowait((loop.time() + delay, data))
    queue.put_nowait((loop.time() + delay, b""))
    with contextlib.suppress(ConnectionError):
        await sender


async def _proxy(conn: Connection, target: int, delay: float) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(
            _forward(reader, upstream_writer, delay), _forward(upstream_reader, writer, 0)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    conn.send(server.sockets[0].getsockname()[1])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    server.close()


def _proxy_main(conn: Connection, target: int, delay: float) -> None:
    asyncio.run(_proxy(conn, target, delay))


@contextlib.contextmanager
def delayed(server: EmulatorProcess, milliseconds: float) -> Iterator[EmulatorProcess]:
    """``server`` behind a proxy process that holds each request ``milliseconds``."""
    if not milliseconds:
        yield server
        return
    target = int(server.base_url.rsplit(":", 1)[1])
    ours_end, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_proxy_main, args=(theirs, target, milliseconds / 1000), daemon=True
    )
    process.start()
    try:
        port = ours_end.recv()
        yield attrs.evolve(server, base_url=f"http://127.0.0.1:{port}")
    finally:
        ours_end.send(None)
        process.join(5)
        if process.is_alive():
            process.terminate()


def _official_installed() -> bool:
    try:
        import blockbax_sdk  # noqa: F401
    except ImportError:
        return False
    return True


def _time(run: Callable[[], int], count: int) -> tuple[float, float]:
    """Wall-clock and client CPU seconds of one run."""
    started, cpu = time.perf_counter(), time.process_time()
    got = run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if got != count:
        raise AssertionError(f"{run!r} listed {got} distinct subjects, not {count}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="subjects to list")
    parser.add_argument("--runs", type=int, default=7, help="runs of each, interleaved")
    parser.add_argument("--latency", type=float, default=0, help="ms added to each request")
    args = parser.parse_args()
    with (
        emulator_process(seed=seed_listing, seed_args=(args.count,)) as direct,
        delayed(direct, args.latency) as server,
    ):
        contenders: dict[str, Callable[[], int]] = {
            "blockbax_async (models, concurrent pages)": lambda: asyncio.run(ours(server)),
            "raw aiohttp, response.json() (dicts, in sequence)": lambda: asyncio.run(
                raw_aiohttp(server, fast_json=False)
            ),
            "raw aiohttp, orjson (dicts, in sequence)": lambda: asyncio.run(
                raw_aiohttp(server, fast_json=True)
            ),
        }
        if _official_installed():
            contenders["official blockbax-sdk 1.8.1 get_subjects()"] = lambda: official(server)
        else:
            print("official blockbax-sdk not installed: skipped")
        for run in contenders.values():
            _time(run, args.count)  # warm up: imports, first connections
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
        for _ in range(args.runs):
            for name, run in contenders.items():
                times[name].append(_time(run, args.count))
    pages = math.ceil(args.count / PAGE)
    extra = f", {args.latency:g} ms added per request" if args.latency else ""
    print(f"Listing {args.count:,} subjects ({pages} pages), {args.runs} runs each{extra}")
    print(f"  {'':<50} {'median':>8} {'best':>8} {'client CPU':>11}  vs ours (median)")
    baseline = statistics.median(wall for wall, _ in times[next(iter(times))])
    for name, samples in times.items():
        median = statistics.median(wall for wall, _ in samples)
        best = min(wall for wall, _ in samples)
        cpu = statistics.median(cpu for _, cpu in samples)
        print(
            f"  {name:<50} {median * 1000:5.0f} ms {best * 1000:5.0f} ms {cpu * 1000:8.0f} ms"
            f"  {median / baseline:5.2f}x"
        )


if __name__ == "__main__":
    main()


LATENCY = 0.020  # seconds added to each request in the "real network" row


def figures(quick: bool = False) -> list[Figure]:
    """The listing rows of the `python -m benchmarks` table (median wall times, ms): on
    loopback and with 20 ms per request, beside raw aiohttp fetching 8 pages at a time."""
    return [*_figures(quick, 0.0), *_figures(quick, LATENCY)]


def _figures(quick: bool, latency: float) -> list[Figure]:
    count, runs = (2_000, 3) if quick else (10_000, 5)
    contenders: dict[str, Callable[[EmulatorProcess], int]] = {
        "ours": lambda server: asyncio.run(ours(server)),
        "raw": lambda server: asyncio.run(raw_concurrent(server)),
    }
    if _official_installed():
        contenders["official"] = official
    with emulator_process(seed=seed_listing, seed_args=(count,), latency=latency) as server:
        for run in contenders.values():
            _time(functools.partial(run, server), count)  # warm up
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(runs if not latency or "official" not in contenders else 3):
            for name, run in contenders.items():
                times[name].append(_time(functools.partial(run, server), count)[0])
    ms = {name: statistics.median(samples) * 1000 for name, samples in times.items()}
    where = f"{latency * 1000:.0f} ms per request" if latency else "loopback"
    name = f"list {count:,} subjects as models, {where} (baseline: raw, 8 pages at a time, dicts)"
    return [Figure(name, "ms", ms["ours"], ms["raw"], ms.get("official"))]

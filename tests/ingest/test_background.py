"""Background sending and back-pressure: automatic flushes, a bounded queue, put() waiting."""

from __future__ import annotations

import asyncio
import logging

import pytest

from blockbax_async import FlushResult, IngestSettings
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import ClientStateError, QueueFullError

from ..conftest import ClientFactory
from .conftest import BASE_MS, posts, seed, stored_dates, wait_until


async def test_a_full_batch_goes_out_without_waiting_for_the_interval(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 1)
    results: list[FlushResult] = []
    async with make_client(ingest=IngestSettings(batch_size=50)) as client:
        client.measurements.start(flush_interval=3600, on_result=results.append)
        for n in range(120):
            client.measurements.queue("s0$temp", number=1.0, date=BASE_MS + n)
        await wait_until(lambda: sum(r.accepted for r in results) == 100)
        assert len(client.measurements) == 20  # the partial batch waits for the interval
        assert posts(emulator) == 2
        assert client.measurements.running
    assert stored_dates(emulator)["s0$temp"] == [BASE_MS + n for n in range(120)]


async def test_the_interval_sends_partial_batches(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 3)
    results: list[FlushResult] = []
    async with make_client() as client:
        client.measurements.start(flush_interval=0.02, on_result=results.append)
        for n in range(30):
            client.measurements.queue(f"s{n % 3}$temp", number=1.0, date=BASE_MS + n)
        client.measurements.queue("ghost$temp", number=1.0, date=BASE_MS)
        await wait_until(lambda: len(client.measurements) == 0)
        await wait_until(lambda: sum(r.accepted for r in results) == 30)
        assert [i for r in results for i in r.rejected] == ["ghost$temp"]
        final = await client.measurements.stop()
        assert not client.measurements.running and final.pending == 0
    assert sum(len(d) for d in stored_dates(emulator).values()) == 30


async def test_without_a_callback_rejections_are_logged(
    emulator: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_client() as client:
        client.measurements.start(flush_interval=0.01)
        client.measurements.queue("ghost$temp", number=1.0)
        await wait_until(lambda: client.measurements.stats.rejected == 1)
    record = next(r for r in caplog.records if "ghost$temp" in r.getMessage())
    assert record.levelno == logging.WARNING and "unknown_ingestion_id" in record.getMessage()


async def test_background_mode_keeps_order_through_faults(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 12)
    emulator.faults = Faults(error_rate=0.3, drop_after_rate=0.1, latency=0.005, seed=5)
    settings = IngestSettings(lanes=4, batch_size=20, flush_interval=0.01)
    queued: dict[str, list[int]] = {f"s{s}$temp": [] for s in range(12)}
    async with make_client(ingest=settings, max_retries=10) as client:
        client.measurements.start()
        for n in range(1200):
            ingestion_id = f"s{n % 12}$temp"
            await client.measurements.put(ingestion_id, number=1.0, date=BASE_MS + n)
            queued[ingestion_id].append(BASE_MS + n)
            if n % 100 == 0:
                await asyncio.sleep(0)
    assert stored_dates(emulator) == queued


async def test_put_waits_and_memory_stays_bounded(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 10)
    emulator.faults = Faults(latency=0.01, seed=2)
    settings = IngestSettings(max_queued=100, batch_size=25, lanes=2)
    highest = 0
    async with make_client(ingest=settings) as client:
        measurements = client.measurements
        for n in range(2000):
            await measurements.put(f"s{n % 10}$temp", number=1.0, date=BASE_MS + n)
            highest = max(highest, len(measurements))
            assert measurements.stats.queued + measurements.stats.in_flight <= 100
        extra = 0
        with pytest.raises(QueueFullError):
            for n in range(101):
                measurements.queue("s0$temp", number=2.0, date=BASE_MS + 10_000 + n)
                extra += 1
        assert len(measurements) == 100
    assert highest == 100
    assert sum(len(d) for d in stored_dates(emulator).values()) == 2000 + extra


async def test_put_gives_up_after_its_timeout(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 1)
    emulator.faults = Faults(error_rate=1.0)
    settings = IngestSettings(max_queued=5, flush_interval=0.05, close_timeout=0)
    async with make_client(ingest=settings, max_retries=0) as client:
        for n in range(5):
            client.measurements.queue("s0$temp", number=1.0, date=n)
        with pytest.raises(QueueFullError, match="stayed full"):
            await client.measurements.put("s0$temp", number=1.0, date=9, timeout=0.2)
        assert len(client.measurements) == 5
        assert client.measurements.stats.failed_batches >= 1


async def test_put_checks_before_it_waits(make_client: ClientFactory) -> None:
    async with make_client(ingest=IngestSettings(max_queued=1, close_timeout=0)) as client:
        client.measurements.queue("a$x", number=1.0)
        with pytest.raises(ValueError, match="not finite"):
            await client.measurements.put("a$x", number=float("nan"), timeout=5)


async def test_start_twice_and_after_close(make_client: ClientFactory) -> None:
    client = make_client()
    async with client:
        client.measurements.start()
        with pytest.raises(ClientStateError, match="already running"):
            client.measurements.start()
    assert not client.measurements.running
    with pytest.raises(ClientStateError):
        client.measurements.start()


async def test_start_checks_its_interval(make_client: ClientFactory) -> None:
    async with make_client() as client:
        with pytest.raises(ValueError, match="flush_interval"):
            client.measurements.start(flush_interval=-1)
        assert client.measurements and not len(client.measurements)

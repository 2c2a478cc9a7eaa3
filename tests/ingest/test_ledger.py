"""The loss ledger: IngestStats counts every measurement by its outcome, and the age of the
oldest one still waiting."""

from __future__ import annotations

import asyncio

import attrs
import pytest

from blockbax_async import AsyncClient, sync
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import ValidationError

from ..conftest import ClientFactory
from .conftest import BASE_MS, seed


async def test_counts_by_outcome(emulator: Emulator, client: AsyncClient) -> None:
    seed(emulator, 1, {"temp": "NUMBER", "note": "TEXT"})
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
    client.measurements.queue("s0$temp", number=2.0, date=BASE_MS + 1)
    client.measurements.queue("nobody$temp", number=1.0, date=BASE_MS)
    client.measurements.queue("s0$note", number=1.0, date=BASE_MS)  # a number for a text metric
    with pytest.raises(ValidationError):
        client.measurements.queue("s0$temp", number=float("nan"))
    with pytest.raises(ValidationError):
        client.measurements.queue_many(["s0$temp", "s0$temp"], [BASE_MS, "yesterday"], [1, 2])
    await client.measurements.flush()
    stats = client.measurements.stats
    assert (stats.sent, stats.rejected) == (2, 2)
    assert (stats.refused_unknown_id, stats.refused_invalid_value, stats.refused_other) == (1, 1, 0)
    assert (stats.refused_at_queue, stats.handed_back, stats.truncated) == (3, 0, 0)
    assert stats.queued == stats.in_flight == 0 and stats.oldest_pending_age == 0.0
    exported = attrs.asdict(stats)
    assert all(isinstance(v, int | float) for v in exported.values())


async def test_oldest_pending_age(emulator: Emulator, make_client: ClientFactory) -> None:
    seed(emulator, 1)
    emulator.faults = Faults(error_rate=1.0)
    async with make_client(max_retries=0) as client:
        assert client.measurements.stats.oldest_pending_age == 0.0
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        await asyncio.sleep(0.02)
        client.measurements.queue("s0$temp", number=2.0, date=BASE_MS + 1)
        first = client.measurements.stats.oldest_pending_age
        assert first >= 0.02  # the first one's, not the newest's
        await client.measurements.flush()  # fails: still waiting, and older
        assert client.measurements.stats.oldest_pending_age > first
        emulator.faults = Faults()
        await client.measurements.flush()
        assert client.measurements.stats.oldest_pending_age == 0.0


def test_the_blocking_stats_have_the_ledger(served: Emulator) -> None:
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        client.measurements.queue("nobody$temp", number=1.0, date=BASE_MS)
        client.measurements.flush()
        assert client.measurements.stats.refused_unknown_id == 1

"""queue() + flush() against the emulator: batches, 207 answers, order and loss under faults."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import orjson
import pytest

from blockbax_async import AsyncClient, IngestSettings, RejectReason
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import AuthenticationError, ClientError, ValidationError

from ..conftest import Canned, ClientFactory
from .conftest import BASE_MS, posts, seed, stored_dates, wait_until


def _sizes(emulator: Emulator, bodies: list[bytes]) -> list[int]:
    return [sum(len(s["measurements"]) for s in orjson.loads(body)["series"]) for body in bodies]


@pytest.fixture
def bodies(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every measurement POST body the client sends, in order."""
    from blockbax_async import _transport

    sent: list[bytes] = []
    request = _transport.Transport.request

    async def spy(self: Any, method: str, path: str, **kwargs: Any) -> Any:
        if method == "POST" and path == "/measurements":
            sent.append(kwargs["body"])
        return await request(self, method, path, **kwargs)

    monkeypatch.setattr(_transport.Transport, "request", spy)
    return sent


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (1, [1]),
        (499, [499]),
        (500, [500]),
        (501, [500, 1]),
        (1000, [500, 500]),
        (1001, [500, 500, 1]),
    ],
)
async def test_at_most_500_per_post(
    emulator: Emulator, client: AsyncClient, bodies: list[bytes], count: int, sizes: list[int]
) -> None:
    seed(emulator, 3)
    for n in range(count):  # one subject: one lane, so the cut is exact
        client.measurements.queue("s0$temp", number=float(n), date=BASE_MS + n)
    result = await client.measurements.flush()
    assert _sizes(emulator, bodies) == sizes
    assert result.accepted == count and result.requests == len(sizes) and result.ok
    assert stored_dates(emulator)["s0$temp"] == [BASE_MS + n for n in range(count)]


async def test_lanes_send_full_batches_in_parallel(
    emulator: Emulator, make_client: ClientFactory, bodies: list[bytes]
) -> None:
    seed(emulator, 40)
    emulator.faults = Faults(latency=0.02, seed=1)
    async with make_client(ingest=IngestSettings(lanes=4)) as client:
        for n in range(4000):
            client.measurements.queue(f"s{n % 40}$temp", number=1.5, date=BASE_MS + n)
        result = await client.measurements.flush()
    assert result.accepted == 4000
    sizes = _sizes(emulator, bodies)
    assert sum(sizes) == 4000 and max(sizes) == 500
    assert sum(1 for s in sizes if s < 500) <= 4  # one partial tail per lane at most


async def test_207_is_reported_per_ingestion_id(emulator: Emulator, client: AsyncClient) -> None:
    seed(emulator, 2, {"temp": "NUMBER", "state": "TEXT"})
    queue = client.measurements.queue
    for n in range(3):
        queue("s0$temp", number=float(n), date=BASE_MS + n)
        queue("ghost$temp", number=float(n), date=BASE_MS + n)
        queue("s1$state", number=float(n), date=BASE_MS + n)  # a number for a TEXT metric
        queue("s1$state", text="ok", date=BASE_MS + 10 + n)
    result = await client.measurements.flush()
    assert result.accepted == 6
    assert result.rejected_ids(RejectReason.UNKNOWN_INGESTION_ID) == ["ghost$temp"]
    assert result.rejected_ids(RejectReason.INVALID_VALUE) == ["s1$state"]
    ghost = result.rejected["ghost$temp"]
    assert ghost.sent == 3 and "could not be found" in ghost.message
    assert not result.ok and not result.failures and result.pending == 0
    assert client.measurements.stats.rejected == 6
    assert stored_dates(emulator) == {
        "s0$temp": [BASE_MS, BASE_MS + 1, BASE_MS + 2],
        "s1$state": [BASE_MS + 10, BASE_MS + 11, BASE_MS + 12],
    }


async def test_truncation_is_read_from_the_server(emulator: Emulator, client: AsyncClient) -> None:
    """queue() refuses what the API would truncate, so the 207 comes from a raw POST."""
    from blockbax_async.ingest._batches import read_answer

    seed(emulator, 1, {"note": "TEXT"})
    body = {
        "series": [{"ingestionId": "s0$note", "measurements": [{"date": 1, "text": "x" * 1001}]}]
    }
    answer = await client.transport.request("POST", "/measurements", json=body, rate_limited=False)
    accepted, (rejection,), _ = read_answer(answer, {"s0$note": 1})
    assert accepted == 1 and rejection.reason is RejectReason.TRUNCATED
    assert emulator.state.measurements["s0$note"][0]["text"] == "x" * 1000


async def test_bad_values_are_refused_and_the_good_ones_delivered(
    emulator: Emulator, client: AsyncClient
) -> None:
    seed(emulator, 2, {"temp": "NUMBER", "where": "LOCATION"})
    good: dict[str, list[int]] = {"s0$temp": [], "s1$where": []}
    bad: list[dict[str, Any]] = [
        {"number": math.nan},
        {"number": math.inf},
        {"number": 1e21},
        {"number": 1.123456789},
        {"number": 1.0, "text": "two values"},
        {},
        {"location": {"lat": 95, "lon": 4}},
        {"location": {"lat": 52, "lon": 181}},
        {"number": 1.0, "date": "2021-01-01T00:00:00"},
    ]
    for n, kwargs in enumerate(bad):
        client.measurements.queue("s0$temp", number=float(n), date=BASE_MS + 2 * n)
        good["s0$temp"].append(BASE_MS + 2 * n)
        with pytest.raises(ValidationError):
            client.measurements.queue("s0$temp", **{"date": BASE_MS + 2 * n + 1, **kwargs})
        client.measurements.queue("s1$where", location={"lat": 52.1, "lon": 4.3}, date=BASE_MS + n)
        good["s1$where"].append(BASE_MS + n)
    result = await client.measurements.flush()
    assert result.ok and result.accepted == 2 * len(bad)
    assert stored_dates(emulator) == good


async def test_send_only_some_ingestion_ids(emulator: Emulator, client: AsyncClient) -> None:
    seed(emulator, 3)
    for n in range(30):
        client.measurements.queue(f"s{n % 3}$temp", number=float(n), date=BASE_MS + n)
    result = await client.measurements.flush(ingestion_ids=["s1$temp"])
    assert result.accepted == 10 and result.pending == 20
    assert list(stored_dates(emulator)) == ["s1$temp"]
    assert {m.ingestion_id for m in client.measurements.pending()} == {"s0$temp", "s2$temp"}
    assert (await client.measurements.flush()).accepted == 20
    assert stored_dates(emulator)["s2$temp"] == [BASE_MS + n for n in range(2, 30, 3)]


async def test_order_per_series_with_faults_and_many_lanes(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 30, {"a": "NUMBER", "b": "NUMBER"})
    ids = [f"s{s}${m}" for s in range(30) for m in "ab"]
    emulator.faults = Faults(
        error_rate=0.2, drop_rate=0.1, drop_after_rate=0.1, latency=0.01, seed=7
    )
    queued: dict[str, list[int]] = {i: [] for i in ids}
    settings = IngestSettings(lanes=16, batch_size=25)
    async with make_client(ingest=settings, max_retries=6) as client:
        for n in range(1800):
            ingestion_id = ids[(n * 7) % len(ids)]
            client.measurements.queue(ingestion_id, number=float(n), date=BASE_MS + n)
            queued[ingestion_id].append(BASE_MS + n)
        results = [await client.measurements.flush() for _ in range(10) if len(client.measurements)]
        emulator.faults = Faults()
    assert sum(r.accepted for r in results) == 1800
    assert stored_dates(emulator) == queued  # every series complete and in queue order
    assert emulator.statuses(0) > 0 and sum(emulator.statuses(s) for s in (502, 503, 504)) > 0
    assert client.measurements.stats.retried > 0


async def test_nothing_lost_when_batches_fail_after_their_retries(
    emulator: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    seed(emulator, 20)
    emulator.faults = Faults(error_rate=0.6, drop_rate=0.2, drop_after_rate=0.1, seed=11)
    queued = {f"s{s}$temp": [BASE_MS + n for n in range(s, 1000, 20)] for s in range(20)}
    async with make_client(ingest=IngestSettings(lanes=6, batch_size=40), max_retries=1) as client:
        for n in range(1000):
            client.measurements.queue(f"s{n % 20}$temp", number=0.5, date=BASE_MS + n)
        first = await client.measurements.flush()
        assert first.failures and all(f.kept for f in first.failures)
        assert first.pending == len(client.measurements) > 0
        assert first.undelivered == sum(f.count for f in first.failures)
        delivered = first.accepted
        for _ in range(50):
            if not len(client.measurements):
                break
            delivered += (await client.measurements.flush()).accepted
    assert delivered == 1000
    assert stored_dates(emulator) == queued
    assert "it stays queued" in caplog.text


async def test_cancelling_a_flush_loses_nothing(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 8)
    emulator.faults = Faults(latency=0.05, seed=3)
    async with make_client(ingest=IngestSettings(lanes=4, batch_size=50)) as client:
        for n in range(2000):
            client.measurements.queue(f"s{n % 8}$temp", number=1.0, date=BASE_MS + n)
        flushing = asyncio.ensure_future(client.measurements.flush())
        await wait_until(lambda: bool(emulator.state.measurements))
        flushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await flushing
        left = {(m.ingestion_id, m.date) for m in client.measurements.pending()}
        stored = {(i, d) for i, dates in stored_dates(emulator).items() for d in dates}
        assert left and stored
        assert len(left | stored) == 2000  # each measurement delivered or still queued
        assert client.measurements.stats.in_flight == 0
        emulator.faults = Faults()
        assert (await client.measurements.flush()).pending == 0
    assert sum(len(d) for d in stored_dates(emulator).values()) == 2000


async def test_timeout_cuts_a_flush_short(emulator: Emulator, make_client: ClientFactory) -> None:
    seed(emulator, 4)
    emulator.faults = Faults(latency=0.3, seed=3)
    async with make_client(ingest=IngestSettings(batch_size=10)) as client:
        for n in range(400):
            client.measurements.queue(f"s{n % 4}$temp", number=1.0, date=BASE_MS + n)
        result = await client.measurements.flush(timeout=0.05)
        assert result.timed_out and result.pending == len(client.measurements) > 0
        emulator.faults = Faults()
        assert (await client.measurements.flush()).pending == 0


async def test_a_refused_batch_is_handed_back(canned: Canned) -> None:
    canned.status, canned.body = 400, '{"message": "Validation failed"}'
    async with AsyncClient("p", "tok", base_url=canned.base_url) as client:
        client.measurements.queue("a$x", number=1.0, date=1)
        client.measurements.queue("a$x", number=2.0, date=2)
        result = await client.measurements.flush()
        (failure,) = result.failures
        assert isinstance(failure.error, ClientError) and not failure.kept
        assert [m.value for m in failure.measurements] == [1.0, 2.0]
        assert len(client.measurements) == 0 and result.undelivered == 2


async def test_a_401_keeps_the_batch(canned: Canned) -> None:
    canned.status, canned.body = 401, '{"message": "Unauthorized"}'
    async with AsyncClient(
        "p", "tok", base_url=canned.base_url, ingest=IngestSettings(close_timeout=0)
    ) as client:
        client.measurements.queue("a$x", number=1.0, date=1)
        result = await client.measurements.flush()
        assert result.failures[0].kept and len(canned.seen) == 1
        with pytest.raises(AuthenticationError):
            result.raise_for_failures()
        assert len(client.measurements) == 1


async def test_posts_skip_the_rate_limiter(emulator: Emulator, client: AsyncClient) -> None:
    seed(emulator, 1)
    client.transport.limiter.pause(60)  # a paused limiter would hold rate-limited requests
    client.measurements.queue("s0$temp", number=1.0, date=1)
    assert (await asyncio.wait_for(client.measurements.flush(), 10)).accepted == 1
    assert posts(emulator) == 1


async def test_counters(emulator: Emulator, make_client: ClientFactory) -> None:
    seed(emulator, 2)
    emulator.faults = Faults(error_rate=0.5, seed=2)
    async with make_client(max_retries=8) as client:
        for n in range(10):
            client.measurements.queue(f"s{n % 2}$temp", number=1.0, date=n)
        client.measurements.queue("ghost$temp", number=1.0, date=1)
        assert client.measurements.stats.queued == 11
        result = await client.measurements.flush()
        stats = client.measurements.stats
    assert (stats.queued, stats.in_flight, stats.sent, stats.rejected) == (0, 0, 10, 1)
    assert stats.retried == result.retries > 0
    assert stats.requests == result.requests == posts(emulator)
    assert stats.failed_batches == 0


async def test_closing_flushes(emulator: Emulator, make_client: ClientFactory) -> None:
    seed(emulator, 3)
    async with make_client() as client:
        for n in range(1200):
            client.measurements.queue(f"s{n % 3}$temp", number=1.0, date=BASE_MS + n)
    assert sum(len(d) for d in stored_dates(emulator).values()) == 1200
    assert client.measurements.close_result is not None
    assert client.measurements.close_result.accepted == 1200


async def test_closing_with_a_deadline_reports_what_was_not_delivered(
    emulator: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    seed(emulator, 3)
    emulator.faults = Faults(error_rate=1.0)
    settings = IngestSettings(close_timeout=0.5)
    async with make_client(ingest=settings, max_retries=1000, retry_deadline=60) as client:
        for n in range(30):
            client.measurements.queue(f"s{n % 3}$temp", number=1.0, date=BASE_MS + n)
    result = client.measurements.close_result
    assert result is not None and result.timed_out and result.pending == 30
    assert len(client.measurements.pending()) == 30
    warning = [r for r in caplog.records if r.levelno == logging.WARNING and "closing" in r.message]
    assert warning and "30 measurements not delivered" in warning[0].getMessage()
    assert emulator.api_key not in caplog.text

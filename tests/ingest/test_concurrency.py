"""Series-major bodies, several in flight per lane, and the adaptive limit on POSTs in flight."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import orjson
import pytest

from blockbax_async import AsyncClient, FlushResult, Hooks, IngestSettings
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.ingest._batches import Cut, build_body, cut_batch, plan_parts
from blockbax_async.ingest._concurrency import Limiter, Window, decide

from ..conftest import ClientFactory
from .conftest import BASE_MS, seed, stored_dates, wait_until


class _InFlight(Hooks):
    """Counts the POSTs in flight, and the most at once."""

    def __init__(self) -> None:
        self.now = self.most = 0

    def on_request(self, attempt: Any) -> None:
        self.now += 1
        self.most = max(self.most, self.now)

    def on_response(self, attempt: Any, response: Any) -> None:
        self.now -= 1

    def on_error(self, attempt: Any, error: Any) -> None:
        self.now -= 1


W = Window(limit=8, low=1, high=64, mean=0.020, deviation=0.001)


@pytest.mark.parametrize(
    ("window", "rtt", "saturated", "back_pressure", "limit", "slow_start"),
    [
        (W, 0.020, True, False, 16, True),  # flat and every slot used: slow start doubles
        (W, 0.019, True, False, 16, True),
        (W, 0.020, False, False, 8, True),  # slots to spare: no evidence that more would help
        (W, 0.0225, True, False, 16, True),  # slower, within its spread: still flat
        (W, 0.031, True, False, 7, False),  # beyond 2.5 deviations and half the mean: backs off
        # a rise within half the mean is a short queue at the server, beyond it is not
        (Window(8, mean=0.020), 0.029, True, False, 16, True),
        (Window(8, mean=0.020), 0.031, True, False, 7, False),
        (Window(8, mean=0.020, deviation=0.008), 0.039, True, False, 16, True),  # its spread
        (W, 0.020, True, True, 7, False),  # a 503, a timeout: backs off
        (W, None, False, True, 7, False),  # errors only
        (W, None, True, False, 8, True),  # no answer yet: nothing learnt
        (Window(8, slow_start=False, mean=0.02, deviation=0.001), 0.02, True, False, 9, False),
        (Window(60, high=64, mean=0.02), 0.02, True, False, 64, True),  # capped at high
        (Window(1, low=1, mean=0.02), 0.02, True, True, 1, False),  # never below low
        (Window(20, mean=0.02), 0.02, False, True, 18, False),  # by a tenth
        (Window(8), 0.02, True, False, 16, True),  # the first window sets the mean
    ],
)
def test_decide(
    window: Window,
    rtt: float | None,
    saturated: bool,
    back_pressure: bool,
    limit: int,
    slow_start: bool,
) -> None:
    after = decide(window, rtt, saturated, back_pressure)
    assert (after.limit, after.slow_start) == (limit, slow_start)
    if rtt is not None:
        assert after.mean is not None and min(rtt, window.mean or rtt) <= after.mean
        assert after.mean <= max(rtt, window.mean or rtt)


def test_the_round_trip_mean_follows_the_windows() -> None:
    window = Window(8)
    for rtt in (0.010, 0.010, 0.040):
        window = decide(window, rtt, False, False)
    assert window.mean == pytest.approx(0.010 + 0.4 * 0.030)
    assert window.deviation == pytest.approx(0.4 * 0.030)


async def test_the_limiter_holds_callers_beyond_its_limit() -> None:
    limiter = Limiter(2, 64, adaptive=False)
    await limiter.acquire()
    await limiter.acquire()
    third = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0)
    assert not third.done() and limiter.in_flight == 2
    limiter.release(0.01)
    await asyncio.wait_for(third, 1)
    assert limiter.in_flight == 2 and limiter.limit == 2


async def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    limiter = Limiter(1, 1)
    await limiter.acquire()
    first = asyncio.ensure_future(limiter.acquire())
    second = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0)
    limiter.release(0.01)  # wakes the first ...
    first.cancel()  # ... which is cancelled before it ran
    await asyncio.wait_for(second, 1)
    assert limiter.in_flight == 1


@pytest.mark.parametrize(
    ("counts", "limit", "parts"),
    [
        ({"a": 3, "b": 2}, 500, [[("a", 0, 3), ("b", 0, 2)]]),
        ({"a": 5}, 2, [[("a", 0, 2)], [("a", 2, 4)], [("a", 4, 5)]]),  # a long series goes on
        # a series that fits in a body is never split: it starts the next one
        ({"a": 7, "b": 3}, 8, [[("a", 0, 7)], [("b", 0, 3)]]),
        ({"a": 3, "b": 6}, 8, [[("a", 0, 3)], [("b", 0, 6)]]),
        ({"a": 3, "b": 2, "c": 4}, 8, [[("a", 0, 3), ("b", 0, 2)], [("c", 0, 4)]]),
        # a long one: bodies of its own, then its rest opens the next body
        ({"a": 3, "b": 10, "c": 4}, 8, [[("a", 0, 3)], [("b", 0, 8)], [("b", 8, 10), ("c", 0, 4)]]),
        ({"a": 8, "b": 8}, 8, [[("a", 0, 8)], [("b", 0, 8)]]),
        ({}, 8, []),
    ],
)
def test_plan_parts(counts: dict[str, int], limit: int, parts: list[list[Any]]) -> None:
    assert plan_parts(counts, limit) == parts


def _batch(rows: list[tuple[str, int | None, Any]]) -> Cut:
    records = [x for row in rows for x in row]
    return Cut(cut_batch(records, len(rows)), 3)


@pytest.mark.parametrize(
    "rows",
    [
        [("a", 1, 1.5), ("b", 1, 2.25), ("a", 2, -3.0), ("b", 2, 1e-05), ("a", 3, 7)],
        [("a", 1, 1.5), ("a", None, 2.5), ("b", 3, 1.0)],  # the server stamps one
        [("a", 1, Decimal("12345678901234567890.5")), ("a", 2, Decimal(18446744073709551616))],
        [("a", 1, "open"), ("b", 1, {"lat": 52.1, "lon": 4.3}), ("a", 2, "shut")],
    ],
)
def test_bodies_are_series_major_and_say_what_build_body_says(
    rows: list[tuple[str, int | None, Any]],
) -> None:
    cut = _batch(rows)
    sent: dict[str, list[Any]] = {}
    for n in range(len(cut.parts)):
        body = orjson.loads(cut.body(n))
        assert len({s["ingestionId"] for s in body["series"]}) == len(body["series"])
        for series in body["series"]:
            sent.setdefault(series["ingestionId"], []).extend(series["measurements"])
    ids, dates, values = zip(*rows, strict=True)
    whole = orjson.loads(build_body(list(ids), list(dates), list(values)))
    assert sent == {s["ingestionId"]: s["measurements"] for s in whole["series"]}


@pytest.mark.parametrize(
    ("series", "count", "faults"),
    [
        # short series, whole in their bodies: the bodies of a cut fly at once
        (40, 2000, Faults(latency=0.01, seed=4)),
        # series longer than a body are split into chained bodies (each waits for the answer
        # to the one before); the chains of different series fly at once, through 5xx retries
        (5, 600, Faults(error_rate=0.2, latency=0.01, methods=("POST",), seed=8)),
    ],
)
async def test_bodies_of_one_lane_fly_together_and_each_series_keeps_its_order(
    series: int, count: int, faults: Faults
) -> None:
    emulator = Emulator(time_rules=True, faults=faults)  # answers in any order
    seed(emulator, series)
    counter = _InFlight()
    async with emulator:
        client = AsyncClient(
            emulator.project_id, emulator.api_key, base_url=emulator.base_url,
            ingest=IngestSettings(lanes=1, batch_size=20, max_in_flight=8),
            hooks=[counter], retry_deadline=30,
        )  # fmt: skip
        async with client:
            for n in range(count):
                client.measurements.queue(f"s{n % series}$temp", number=1.0, date=BASE_MS + n)
            result = await client.measurements.flush()
    assert result.ok and result.accepted == count
    assert counter.most > 1  # one lane, several bodies in flight
    assert emulator.not_retained == 0  # none arrived after a later one of its series
    assert stored_dates(emulator) == {
        f"s{s}$temp": [BASE_MS + n for n in range(s, count, series)] for s in range(series)
    }
    assert emulator.statuses(503) + emulator.statuses(502) + emulator.statuses(504) > 0 or (
        not faults.error_rate
    )


async def test_the_limit_grows_while_round_trips_stay_flat() -> None:
    emulator = Emulator(faults=Faults(latency=0.02, fixed_latency=True))
    seed(emulator, 200)
    async with emulator:
        client = AsyncClient(
            emulator.project_id, emulator.api_key, base_url=emulator.base_url,
            ingest=IngestSettings(lanes=2, batch_size=10),
        )  # fmt: skip
        async with client:
            for n in range(4000):
                client.measurements.queue(f"s{n % 200}$temp", number=1.0, date=BASE_MS + n)
            result = await client.measurements.flush()
            limit = client.measurements._limiter.limit
    assert result.ok and limit > 2


async def test_without_adaptive_the_limit_stays_at_lanes(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 50)
    async with make_client(ingest=IngestSettings(lanes=3, batch_size=5, adaptive=False)) as client:
        for n in range(1000):
            client.measurements.queue(f"s{n % 50}$temp", number=1.0, date=BASE_MS + n)
        assert (await client.measurements.flush()).ok
        assert client.measurements._limiter.limit == 3


async def test_a_failed_body_keeps_only_itself_and_what_follows_its_series(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 30)
    emulator.faults = Faults(error_rate=0.5, seed=5)
    queued = {f"s{s}$temp": [BASE_MS + n for n in range(s, 600, 30)] for s in range(30)}
    settings = IngestSettings(lanes=1, batch_size=10)
    async with make_client(ingest=settings, max_retries=0) as client:
        for n in range(600):
            client.measurements.queue(f"s{n % 30}$temp", number=1.0, date=BASE_MS + n)
        first = await client.measurements.flush()
        assert first.failures and 0 < first.accepted < 600
        assert first.pending == len(client.measurements) == 600 - first.accepted
        emulator.faults = Faults()
        client.measurements._lanes[0].paused_until = 0.0
        rest = await client.measurements.flush()
    assert first.accepted + rest.accepted == 600 and rest.ok
    assert stored_dates(emulator) == queued


async def test_an_async_on_result_is_awaited(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 1)
    results: list[FlushResult] = []

    async def on_result(result: FlushResult) -> None:
        await asyncio.sleep(0)
        results.append(result)

    async with make_client() as client:
        client.measurements.start(flush_interval=0.01, on_result=on_result)
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        await wait_until(lambda: sum(r.accepted for r in results) == 1)

"""The queue's one check: the time rules, leniency, server time, and the state after close,
the same for the async queue and the blocking one."""

from __future__ import annotations

import time
from decimal import Decimal

import orjson
import pytest

from blockbax_async import AsyncClient, IngestSettings, RejectReason, sync
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ClientStateError, ValidationError
from blockbax_async.ingest._batches import build_body
from blockbax_async.ingest._values import HOUR_MS, time_problem

from ..conftest import ClientFactory
from .conftest import BASE_MS, seed

NOW = 1_800_000_000_000


@pytest.mark.parametrize(
    ("date", "newest", "problem"),
    [
        (NOW, None, None),
        (NOW, NOW - 1, None),
        (NOW, NOW, "not after"),
        (NOW - 5, NOW, "not after"),
        (NOW + HOUR_MS, None, None),
        (NOW + HOUR_MS + 1, None, "more than an hour in the future"),
    ],
)
def test_time_problem(date: int, newest: int | None, problem: str | None) -> None:
    found = time_problem(date, newest, NOW)
    assert found is None if problem is None else problem in (found or "")


def offline(**settings: object) -> AsyncClient:
    """A client whose close gives up at once (nothing listens on port 9)."""
    settings = {"close_timeout": 0, **settings}
    return AsyncClient("p", "t", base_url="http://127.0.0.1:9", ingest=settings, max_retries=0)


async def test_time_rules_refuse_at_queue_what_the_platform_would_drop() -> None:
    client = offline(time_rules=True)
    now = time.time_ns() // 1_000_000
    client.measurements.queue("a$b", number=1.0, date=now)
    for date in (now, now - 1):
        with pytest.raises(ValidationError, match=r"date: .*'a\$b'.*not after .*time_rules"):
            client.measurements.queue("a$b", number=1.0, date=date)
    with pytest.raises(ValidationError, match="more than an hour in the future"):
        client.measurements.queue("c$d", number=1.0, date=now + 2 * HOUR_MS)
    with pytest.raises(ValidationError, match="not after"):
        client.measurements.queue_many(["c$d", "c$d"], [now, now], [1.0, 2.0])
    assert len(client.measurements) == 1 and client.measurements.stats.refused_at_queue == 5
    client.measurements.queue("a$b", number=1.0, date=now + 1)  # other series, later dates: fine
    await client.measurements.put("c$d", number=1.0, date=now)
    await client.aclose()
    client = offline()  # off by default
    client.measurements.queue("a$b", number=1.0, date=now)
    client.measurements.queue("a$b", number=1.0, date=now)
    await client.aclose()


def test_time_rules_in_the_blocking_queue(served: Emulator) -> None:
    seed(served, 1)
    with sync.Client(
        served.project_id, served.api_key, base_url=served.base_url, ingest={"time_rules": True}
    ) as client:
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        with pytest.raises(ValidationError, match="not after"):
            client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        assert client.measurements.flush().accepted == 1


async def test_the_emulator_applies_the_time_rules_as_an_option(
    emulator: Emulator, client: AsyncClient
) -> None:
    seed(emulator, 1)
    emulator.time_rules = True
    now = time.time_ns() // 1_000_000
    for date in (now, now - 10, now, now + 2 * HOUR_MS, now + 1):
        client.measurements.queue("s0$temp", number=1.0, date=date)
    result = await client.measurements.flush()
    assert result.accepted == 5  # answered as ingested, as the platform does
    assert [m["date"] for m in emulator.state.measurements["s0$temp"]] == [now, now + 1]
    assert emulator.not_retained == 3


async def test_leniency_lets_the_server_round_and_cut_and_reports_it(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 1, {"temp": "NUMBER", "note": "TEXT"})
    with pytest.raises(ValidationError, match="8 fractional digits"):
        AsyncClient("p", "t").measurements.queue("s0$temp", number=1.123456789)
    async with make_client(ingest={"lenient": True}) as client:
        client.measurements.queue("s0$temp", number=1.123456789, date=BASE_MS)
        client.measurements.queue("s0$temp", number=Decimal("2.1234567891"), date=BASE_MS + 1)
        client.measurements.queue("s0$note", text="x" * 1001, date=BASE_MS)
        receipt = client.measurements.checkpoint()
        result = await client.measurements.flush()
    assert result.accepted == 3
    assert set(result.rejected_ids(RejectReason.TRUNCATED)) == {"s0$temp", "s0$note"}
    assert receipt.accepted == 3 and {r.reason for r in receipt.refused} == {RejectReason.TRUNCATED}
    assert client.measurements.stats.truncated == 3
    stored = emulator.state.measurements
    assert (
        stored["s0$temp"][0]["number"] == 1.12345679 and len(stored["s0$note"][0]["text"]) == 1000
    )


async def test_server_time_sends_no_date(emulator: Emulator, make_client: ClientFactory) -> None:
    seed(emulator, 1)
    before = time.time_ns() // 1_000_000
    async with make_client(ingest={"server_time": True}) as client:
        client.measurements.queue("s0$temp", number=1.0)
        assert client.measurements.pending()[0].date is None
        assert client.measurements.pending()[0].as_kwargs() == {"date": None, "number": 1.0}
        assert (await client.measurements.flush()).accepted == 1
    (stored,) = emulator.state.measurements["s0$temp"]
    assert stored["date"] >= before  # stamped by the server
    assert orjson.loads(build_body(["a"], [None], [1.0])) == {
        "series": [{"ingestionId": "a", "measurements": [{"number": 1.0}]}]
    }


async def test_after_close_both_queues_raise_client_state_error(served: Emulator) -> None:
    client = offline()
    await client.aclose()
    blocking = sync.Client(served.project_id, served.api_key, base_url=served.base_url)
    blocking.close()
    for queue in (client.measurements.queue, blocking.measurements.queue):
        for value in (1.0, "not a number"):
            with pytest.raises(ClientStateError):
                queue("a$b", number=value, date=BASE_MS)  # type: ignore[arg-type]
    with pytest.raises(ClientStateError):
        blocking.measurements.queue_many(["a$b"], [BASE_MS], [1.0])


def test_the_blocking_queue_calls_the_async_check() -> None:
    import inspect

    from blockbax_async.sync import MeasurementsNamespace

    source = inspect.getsource(MeasurementsNamespace.queue)
    assert "self._target._check(" in source and "check_value" not in source


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="time_rules"):
        IngestSettings(time_rules=1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="spool"):
        IngestSettings(spool=3)  # type: ignore[arg-type,unused-ignore]
    with pytest.raises(ValidationError, match="spool_max_bytes"):
        IngestSettings(spool_max_bytes=10)

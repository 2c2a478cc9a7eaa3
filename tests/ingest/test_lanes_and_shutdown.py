"""Lanes that cannot be blocked, short answers, auto-created subjects under dropped answers,
and closing: nothing lost, nothing stuck, nothing taken after close."""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from typing import Any

import pytest

from blockbax_async import AsyncClient, IngestSettings, RejectReason
from blockbax_async._transport import Transport
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import ClientStateError, ValidationError
from tests.faultproxy import FaultProxy, Reply, fault_proxy  # noqa: F401

from ..conftest import ClientFactory
from .conftest import BASE_MS, seed, stored_dates, wait_until
from .test_create_subjects import _project


async def test_a_batch_that_cannot_be_encoded_is_handed_back(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    """``checked=True`` vouches for the values; a lone surrogate that slips through must not
    block its lane: the batch is refused like a 400, the next batches go out."""
    seed(emulator, 1)
    async with make_client(ingest=IngestSettings(batch_size=2, lanes=1)) as client:
        measurements = client.measurements
        measurements.queue_many(["s0$temp"] * 4, [BASE_MS + n for n in range(4)], [1.0] * 4)
        measurements.queue_many(["s0$temp"], [BASE_MS + 4], ["x\udcff"], checked=True)
        measurements.queue("s0$temp", number=5.0, date=BASE_MS + 5)
        result = await measurements.flush()
        (failure,) = result.failures
        assert isinstance(failure.error, ValidationError) and not failure.kept
        assert [m.date for m in failure.measurements] == [BASE_MS + 4, BASE_MS + 5]
        assert "could not be encoded" in str(failure.error)
        assert result.accepted == 4 and result.pending == 0 and result.undelivered == 2
        measurements.queue("s0$temp", number=6.0, date=BASE_MS + 6)
        assert (await measurements.flush()).ok
    assert stored_dates(emulator) == {"s0$temp": [BASE_MS + n for n in (0, 1, 2, 3, 6)]}


async def test_an_unexpected_error_in_a_sender_is_no_busy_loop(
    emulator: Emulator,
    make_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(emulator, 1)
    attempts = 0
    request = Transport.request

    async def broken(self: Transport, method: str, path: str, **kwargs: Any) -> Any:
        nonlocal attempts
        if path == "/measurements":
            attempts += 1
            raise RuntimeError("a bug in the transport")
        return await request(self, method, path, **kwargs)

    monkeypatch.setattr(Transport, "request", broken)
    settings = IngestSettings(batch_size=10, lanes=1, flush_interval=0.1)
    async with make_client(ingest=settings) as client:
        client.measurements.start()
        for n in range(100):
            client.measurements.queue("s0$temp", number=1.0, date=BASE_MS + n)
        await asyncio.sleep(0.5)
        assert 1 <= attempts <= 8  # a busy loop makes thousands
        monkeypatch.setattr(Transport, "request", request)
        await wait_until(lambda: not len(client.measurements))
    assert stored_dates(emulator) == {"s0$temp": [BASE_MS + n for n in range(100)]}
    assert "failed unexpectedly" in caplog.text


async def test_a_short_count_is_not_ok(
    emulator: Emulator,
    make_client: ClientFactory,
    fault_proxy: FaultProxy,  # noqa: F811
) -> None:
    seed(emulator, 2)

    def short(reply: Reply) -> None:
        reply.set_json(
            {"numberOfIngestedMeasurements": reply.json()["numberOfIngestedMeasurements"] - 2}
        )

    fault_proxy.rewrite(short, method="POST", path="/measurements$")
    async with make_client(base_url=fault_proxy.base_url, ingest=IngestSettings(lanes=1)) as client:
        for n in range(5):
            client.measurements.queue(f"s{n % 2}$temp", number=1.0, date=BASE_MS + n)
        result = await client.measurements.flush()
    assert (result.accepted, result.unconfirmed, result.ok) == (3, 2, False)
    assert sorted(result.rejected_ids(RejectReason.OTHER)) == ["s0$temp", "s1$temp"]
    assert "did not name all of the 2 missing" in result.rejected["s0$temp"].message
    assert client.measurements.stats.rejected == 2


async def test_a_207_naming_no_id_that_was_sent_is_not_ok(
    emulator: Emulator,
    make_client: ClientFactory,
    fault_proxy: FaultProxy,  # noqa: F811
) -> None:
    seed(emulator, 1)
    answer = {"message": "Some issues", "detailedMessages": ["Something about other$ids."]}
    fault_proxy.answer(207, answer, method="POST", path="/measurements$")
    async with make_client(base_url=fault_proxy.base_url) as client:
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        result = await client.measurements.flush()
    assert (result.accepted, result.unconfirmed, result.ok) == (0, 1, False)
    assert result.rejected_ids(RejectReason.OTHER) == ["s0$temp"]


async def test_subjects_are_made_once_when_answers_to_creates_are_lost(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    settings = IngestSettings(batch_size=5, lanes=2)
    async with make_client(ingest=settings, max_retries=12) as client:  # none fails for good
        await _project(client)
        expected: dict[str, list[int]] = {f"new-{n}$temp": [] for n in range(8)}
        for n in range(80):
            ingestion_id = f"new-{n % 8}$temp"
            client.measurements.queue(ingestion_id, number=float(n), date=BASE_MS + n)
            expected[ingestion_id].append(BASE_MS + n)
        emulator.faults = Faults(drop_after_rate=0.5, seed=7)  # handled, stored, answer lost
        result = await client.measurements.flush(create_subjects=True)
        emulator.faults = Faults()
        made = [s.external_id for s in await client.subjects.list().collect()]
    assert not result.rejected and result.accepted == 80 and result.ok
    assert sorted(made) == sorted(["old", *(f"new-{n}" for n in range(8))])  # no duplicates
    assert sorted(result.created_subjects) == [f"new-{n}" for n in range(8)]
    assert stored_dates(emulator) == expected
    dropped = [r for r in emulator.requests if r.method == "POST" and r.status == 0]
    assert any(r.path.endswith("/subjects") for r in dropped)  # the case was hit


async def test_a_subject_someone_else_made_meanwhile_is_used(
    emulator: Emulator,
    make_client: ClientFactory,
    fault_proxy: FaultProxy,  # noqa: F811
) -> None:
    """The create is stored, but its answer says the external ID is in use (as a retry after
    a lost answer hears): the subject is looked up and its measurements are sent."""

    def in_use(reply: Reply) -> None:
        reply.status = 400
        reply.set_json({"message": "externalId: 'new-1' exists"})

    async with make_client(base_url=fault_proxy.base_url) as client:
        await _project(client)
        fault_proxy.rewrite(in_use, method="POST", path="/subjects$")
        client.measurements.queue("new-1$temp", number=1.0, date=BASE_MS)
        result = await client.measurements.flush(create_subjects=True)
    assert result.ok and result.accepted == 1 and result.created_subjects == ["new-1"]
    assert stored_dates(emulator) == {"new-1$temp": [BASE_MS]}


async def test_closing_keeps_trying_within_its_deadline(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 30)
    expected: dict[str, list[int]] = {f"s{n}$temp": [] for n in range(30)}
    settings = IngestSettings(batch_size=50, lanes=4, close_timeout=5)
    client = make_client(ingest=settings, max_retries=1)  # most batches fail a round or two
    for n in range(4000):
        client.measurements.queue(f"s{n % 30}$temp", number=1.0, date=BASE_MS + n)
        expected[f"s{n % 30}$temp"].append(BASE_MS + n)
    emulator.faults = Faults(error_rate=0.3, drop_rate=0.05, drop_after_rate=0.05, seed=4)
    await client.aclose()
    result = client.measurements.close_result
    assert result is not None and result.pending == 0 and not result.failures
    assert result.accepted == 4000 and result.ok
    assert stored_dates(emulator) == expected


async def test_closing_gives_up_on_a_batch_that_cannot_succeed(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    """A 401 is no transient failure: closing does not wait out its deadline for it."""
    seed(emulator, 1)
    client = make_client(ingest=IngestSettings(close_timeout=30), access_token="wrong")
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
    await asyncio.wait_for(client.aclose(), 2)
    result = client.measurements.close_result
    assert result is not None and result.pending == 1 and result.failures[0].kept
    assert len(client.measurements.pending()) == 1


@pytest.mark.parametrize("how", ["cancelled", "timed out"])
async def test_after_any_close_measurements_are_refused(
    emulator: Emulator, make_client: ClientFactory, how: str
) -> None:
    seed(emulator, 1)
    emulator.faults = Faults(latency=5)
    client = make_client(ingest=IngestSettings(close_timeout=0.1 if how == "timed out" else 30))
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
    closing = asyncio.ensure_future(client.aclose())
    await asyncio.sleep(0.05)
    if how == "cancelled":
        closing.cancel()
    await asyncio.gather(closing, return_exceptions=True)
    measurements = client.measurements
    with pytest.raises(ClientStateError):
        measurements.queue("s0$temp", number=2.0, date=BASE_MS + 1)
    with pytest.raises(ClientStateError):
        measurements.queue_many(["s0$temp"], [BASE_MS + 2], [3.0])
    with pytest.raises(ClientStateError):
        await measurements.put("s0$temp", number=4.0, date=BASE_MS + 3)
    assert [m.value for m in measurements.pending()] == [1.0]
    assert await measurements.close(timeout=0) is not None  # ends what was cut short
    assert [m.value for m in measurements.pending()] == [1.0]


def test_a_client_dropped_with_measurements_queued_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = AsyncClient("p", "t", base_url="http://127.0.0.1:9")
    client.measurements.queue("a$b", number=1.0, date=BASE_MS)
    client.measurements.queue("a$b", number=2.0, date=BASE_MS + 1)
    with pytest.warns(ResourceWarning, match="dropped with 2 measurements queued"):
        del client
        gc.collect()
    (record,) = [r for r in caplog.records if "dropped with 2" in r.getMessage()]
    assert record.levelno == logging.WARNING


async def test_a_closed_or_empty_client_is_dropped_silently(make_client: ClientFactory) -> None:
    empty = AsyncClient("p", "t", base_url="http://127.0.0.1:9")
    closed = make_client()
    closed.measurements.queue("a$b", number=1.0, date=BASE_MS)  # refused: stays queued
    await closed.aclose()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del empty, closed
        gc.collect()

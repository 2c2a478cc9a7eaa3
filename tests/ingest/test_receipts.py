"""Receipts: checkpoint, wait, done, accepted, refused, ok, durable; async and blocking."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blockbax_async import AsyncClient, IngestSettings, RejectReason, sync
from blockbax_async.emulator import Emulator, Faults

from ..conftest import Canned, ClientFactory
from .conftest import BASE_MS, seed


async def test_a_receipt_tells_what_became_of_everything_queued_before_it(
    emulator: Emulator, client: AsyncClient
) -> None:
    seed(emulator, 2)
    for n in range(1100):
        client.measurements.queue(f"s{n % 2}$temp", number=float(n), date=BASE_MS + n)
    client.measurements.queue("nobody$temp", number=1.0, date=BASE_MS)
    receipt = client.measurements.checkpoint()
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS + 5000)  # not covered
    assert not receipt.done
    assert await receipt.wait(timeout=0) is False  # a receipt sends nothing
    await client.measurements.flush(ingestion_ids=["s1$temp"])
    assert not receipt.done
    await client.measurements.flush()
    assert await receipt.wait(timeout=5) and receipt.done
    assert receipt.accepted == 1100 and not receipt.ok
    (refusal,) = receipt.refused
    assert (refusal.ingestion_id, refusal.date, refusal.value) == ("nobody$temp", BASE_MS, 1.0)
    assert refusal.reason is RejectReason.UNKNOWN_INGESTION_ID
    nothing_new = client.measurements.checkpoint()  # the one after the first receipt was told
    assert nothing_new.done and nothing_new.ok and nothing_new.accepted == 1


async def test_a_batch_failing_transiently_keeps_its_receipt_waiting(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 1)
    emulator.faults = Faults(error_rate=1.0)
    async with make_client(max_retries=1) as client:
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        receipt = client.measurements.checkpoint()
        result = await client.measurements.flush()
        assert result.failures and result.failures[0].kept
        assert not receipt.done and await receipt.wait(timeout=0.01) is False
        emulator.faults = Faults()
        await client.measurements.flush()
        assert await receipt.wait(timeout=5) and receipt.ok and receipt.accepted == 1


async def test_a_batch_refused_as_a_whole_is_final_and_listed(
    canned: Canned, make_client: ClientFactory
) -> None:
    canned.status, canned.body = 400, '{"message": "bad"}'
    async with make_client(base_url=canned.base_url) as client:
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        receipt = client.measurements.checkpoint()
        await client.measurements.flush()
        assert receipt.done and not receipt.ok and receipt.accepted == 0
        assert [r.reason for r in receipt.refused] == [RejectReason.REFUSED_BATCH]
        assert client.measurements.stats.handed_back == 1


async def test_outcomes_before_a_checkpoint_are_told_by_it_once(
    emulator: Emulator, client: AsyncClient
) -> None:
    seed(emulator, 1)
    first = client.measurements.checkpoint()
    assert first.done and first.ok and first.accepted == 0
    client.measurements.queue("nobody$temp", number=1.0, date=BASE_MS)
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
    await client.measurements.flush()  # answered before any receipt covered them
    second = client.measurements.checkpoint()
    assert second.done and second.accepted == 1 and len(second.refused) == 1
    third = client.measurements.checkpoint()
    assert third.ok and third.accepted == 0


async def test_subjects_created_during_a_flush_count_once(
    emulator: Emulator, client: AsyncClient
) -> None:
    seed(emulator, 1)
    await client.measurements.flush()
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
    client.measurements.queue("s7$temp", number=2.0, date=BASE_MS)  # created by the flush
    receipt = client.measurements.checkpoint()
    result = await client.measurements.flush(create_subjects=True)
    assert result.created_subjects == ["s7"]
    assert receipt.done and receipt.ok and receipt.accepted == 2


async def test_receipts_in_background_mode_and_after_close(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seed(emulator, 4)
    client = make_client(ingest=IngestSettings(flush_interval=0.01, close_timeout=0))
    client.measurements.start()
    receipts = []
    for step in range(5):
        for n in range(100):
            await client.measurements.put(
                f"s{n % 4}$temp", number=1.0, date=BASE_MS + 100 * step + n
            )
        receipts.append(client.measurements.checkpoint())
    assert all(await asyncio.gather(*(r.wait(timeout=10) for r in receipts)))
    assert sum(r.accepted for r in receipts) == 500
    assert all(len(r.targets) == 8 for r in receipts)  # a seq per lane, nothing per measurement
    emulator.faults = Faults(error_rate=1.0)
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS + 10_000)
    stuck = client.measurements.checkpoint()
    await client.aclose()
    assert await stuck.wait() is False  # closed undelivered: no waiting forever
    assert await stuck.durable() is True  # no spool: nothing to wait for


def test_the_blocking_receipt(served: Emulator) -> None:
    seed(served, 1)
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        client.measurements.queue("nobody$temp", number=1.0, date=BASE_MS)
        receipt = client.measurements.checkpoint()  # covers what was staged, too
        assert receipt.wait(timeout=0.01) is False
        client.measurements.flush()
        assert receipt.wait(timeout=5) and receipt.done and receipt.accepted == 1
        assert [r.ingestion_id for r in receipt.refused] == ["nobody$temp"]
        assert not receipt.ok and receipt.durable(timeout=1)
    assert receipt.wait() is True  # done: no portal needed after close


@pytest.mark.parametrize("timeout", [0, 0.01])
async def test_wait_is_bounded(client: AsyncClient, timeout: float) -> None:
    client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
    assert await client.measurements.checkpoint().wait(timeout=timeout) is False


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("queue"), st.integers(0, 5)),  # s0..s3 exist, s4 and s5 do not
        st.tuples(st.just("checkpoint"), st.just(0)),
        st.tuples(st.just("flush"), st.integers(0, 5)),  # one ID's measurements, now
    ),
    max_size=60,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_STEPS)
def test_every_outcome_is_told_by_the_receipt_that_covers_it(
    served: Emulator, steps: list[tuple[str, int]]
) -> None:
    """Many receipts open at once, outcomes arriving in any order: each receipt counts
    exactly the measurements queued since the checkpoint before it."""
    if not served.state.collection("subjects"):  # the fixture serves every example
        seed(served, 4)

    async def scenario() -> list[tuple[int, list[str]]]:
        settings = IngestSettings(lanes=3)
        async with AsyncClient(
            served.project_id, served.api_key, base_url=served.base_url, ingest=settings
        ) as client:
            measurements = client.measurements
            receipts = [measurements.checkpoint()]
            for n, (step, k) in enumerate(steps):
                if step == "queue":
                    measurements.queue(f"s{k}$temp", number=float(n), date=BASE_MS + n)
                elif step == "checkpoint":
                    receipts.append(measurements.checkpoint())
                else:
                    await measurements.flush(ingestion_ids=[f"s{k}$temp"])
            receipts.append(measurements.checkpoint())
            await measurements.flush()
            assert all([await r.wait(timeout=5) for r in receipts])
            return [(r.accepted, sorted(x.ingestion_id for x in r.refused)) for r in receipts]

    told = asyncio.run(scenario())
    expected: list[tuple[int, list[str]]] = [(0, [])]
    accepted, refused = 0, []
    for step, k in steps:
        if step == "queue" and k < 4:
            accepted += 1
        elif step == "queue":
            refused.append(f"s{k}$temp")
        elif step == "checkpoint":
            expected.append((accepted, sorted(refused)))
            accepted, refused = 0, []
    expected.append((accepted, sorted(refused)))
    assert told == expected

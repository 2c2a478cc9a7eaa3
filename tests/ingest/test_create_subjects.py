"""flush(create_subjects=True): missing subjects made from the metric's subject type."""

from __future__ import annotations

from blockbax_async import AsyncClient, IngestSettings, RejectReason
from blockbax_async.emulator import Emulator

from ..conftest import ClientFactory
from .conftest import BASE_MS, stored_dates


async def _project(client: AsyncClient) -> None:
    pumps = await client.subject_types.create(name="Pump")
    for external_id in ("temp", "pressure"):
        await client.metrics.create(
            subject_type_id=pumps.id, name=external_id, data_type="NUMBER", external_id=external_id
        )
    valves = await client.subject_types.create(name="Valve")
    await client.metrics.create(
        subject_type_id=valves.id, name="Temp", data_type="NUMBER", external_id="shared"
    )
    await client.metrics.create(
        subject_type_id=pumps.id, name="Also", data_type="NUMBER", external_id="shared"
    )
    await client.subjects.create(name="Old", subject_type_id=pumps.id, external_id="old")


async def test_missing_subjects_are_created_and_their_measurements_sent_in_order(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    async with make_client(ingest=IngestSettings(batch_size=7, lanes=3)) as client:
        await _project(client)
        expected: dict[str, list[int]] = {"new-1$temp": [], "new-1$pressure": [], "old$temp": []}
        for n in range(40):
            ingestion_id = list(expected)[n % 3]
            client.measurements.queue(ingestion_id, number=float(n), date=BASE_MS + n)
            expected[ingestion_id].append(BASE_MS + n)
        client.measurements.queue("new-2$nothing", number=1.0, date=BASE_MS)
        client.measurements.queue("new-3$shared", number=1.0, date=BASE_MS)
        client.measurements.queue("no-dollar", number=1.0, date=BASE_MS)
        result = await client.measurements.flush(create_subjects=True)
        subjects = {s.external_id for s in await client.subjects.list().collect()}
    assert result.created_subjects == ["new-1"]
    assert subjects == {"old", "new-1"}
    assert result.accepted == 40 and result.pending == 0
    assert stored_dates(emulator) == expected
    assert set(result.rejected) == {"new-2$nothing", "new-3$shared", "no-dollar"}
    assert all(r.reason is RejectReason.UNKNOWN_INGESTION_ID for r in result.rejected.values())
    assert "no metric has external ID 'nothing'" in result.rejected["new-2$nothing"].message
    assert "2 subject types" in result.rejected["new-3$shared"].message
    assert "not of the form" in result.rejected["no-dollar"].message


async def test_without_the_option_nothing_is_created(
    emulator: Emulator, client: AsyncClient
) -> None:
    await _project(client)
    client.measurements.queue("new-1$temp", number=1.0)
    result = await client.measurements.flush()
    assert result.rejected_ids() == ["new-1$temp"] and not result.created_subjects
    assert len(await client.subjects.list().collect()) == 1

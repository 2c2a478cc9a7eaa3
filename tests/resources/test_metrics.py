"""``client.metrics`` against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.errors import APIError, NotFoundError
from blockbax_async.models import Metric

from .conftest import World, assert_refused_before_sending


async def _names(client: AsyncClient, **filters: Any) -> list[str]:
    return [m.name async for m in client.metrics.list(**filters)]


async def test_round_trip(client: AsyncClient, world: World) -> None:
    created = await client.metrics.create(  # type: ignore[call-overload]  # any case runs
        subject_type_id=world.building_type.id,
        name="Position",
        data_type="location",
        external_id="pos",
        mapping_level="CHILD",
        unit="deg",
        precision=8,
        visible=True,
        discrete=False,
        preferred_color="#2fc177",
    )
    assert (created.data_type, created.type, created.mapping_level) == (
        "LOCATION",
        "INGESTED",
        "CHILD",
    )
    assert (created.unit, created.precision, created.preferred_color) == ("deg", 8, "#2fc177")
    assert await client.metrics.get(created.id or "") == created
    created.name, created.unit, created.precision = "Place", None, 2
    updated = await client.metrics.update(created)
    assert (updated.name, updated.unit, updated.precision) == ("Place", None, 2)
    await client.metrics.delete(created.id or "")
    with pytest.raises(NotFoundError):
        await client.metrics.get(created.id or "")


async def test_filters(client: AsyncClient, world: World) -> None:
    other = await client.metrics.create(
        subject_type_id=world.building_type.id, name="Energy", data_type="NUMBER", external_id="e"
    )
    assert await _names(client) == ["Temperature", "Energy"]
    assert await _names(client, name="temp") == ["Temperature"]
    assert await _names(client, external_id="e") == ["Energy"]
    assert await _names(client, metric_ids=[other.id, world.temperature.id]) == [
        "Temperature",
        "Energy",
    ]
    assert await _names(client, subject_type_ids=[world.room_type.id]) == ["Temperature"]
    assert await _names(client, subject_type_ids=[world.room_type.id], name="Energy") == []


async def test_server_rules(client: AsyncClient, world: World) -> None:
    with pytest.raises(APIError, match="exists"):
        await client.metrics.create(
            subject_type_id=world.room_type.id, name="T", data_type="TEXT", external_id="temp"
        )
    same_id_elsewhere = await client.metrics.create(
        subject_type_id=world.building_type.id, name="T", data_type="TEXT", external_id="temp"
    )
    assert same_id_elsewhere.external_id == "temp"
    with pytest.raises(APIError, match="subjectTypeId"):
        await client.metrics.create(
            subject_type_id="nope", name="T", data_type="TEXT", external_id="t"
        )
    moved = await client.metrics.get(world.temperature.id or "")
    moved.subject_type_id = world.building_type.id or ""
    with pytest.raises(APIError, match="cannot move"):
        await client.metrics.update(moved)


def _metric(**changes: Any) -> Metric:
    fields = {"subject_type_id": "s", "name": "n", "data_type": "NUMBER", "external_id": "e"}
    return Metric(**{**fields, "mapping_level": "OWN", **changes})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.metrics.create(name="n", data_type="NUMBER", external_id="e"), "subject_type"),
        (
            lambda c: c.metrics.create(subject_type_id="s", data_type="NUMBER", external_id="e"),
            "name",
        ),
        (lambda c: c.metrics.create(subject_type_id="s", name="n", external_id="e"), "data_type"),
        (
            lambda c: c.metrics.create(subject_type_id="s", name="n", data_type="NUMBER"),
            "external_id",
        ),
        (
            lambda c: c.metrics.create(
                subject_type_id="s", name="n", data_type="VECTOR", external_id="e"
            ),
            "data_type: 'VECTOR' is not one of NUMBER, LOCATION, TEXT",
        ),
        (
            lambda c: c.metrics.create(
                subject_type_id="s", name="n", data_type="TEXT", external_id="e", type="SIMULATED"
            ),
            "type: 'SIMULATED'",
        ),
        (
            lambda c: c.metrics.create(
                subject_type_id="s", name="n", data_type="TEXT", external_id="e", mapping_level="UP"
            ),
            "mapping_level: 'UP'",
        ),
        (lambda c: c.metrics.create(_metric(precision=9)), "precision: 9"),
        (lambda c: c.metrics.create(_metric(precision=True)), "precision: True"),
        (lambda c: c.metrics.create(_metric(preferred_color="red")), "preferred_color: 'red'"),
        (lambda c: c.metrics.create(_metric(data_type="number")), "data_type: 'number'"),
        (lambda c: c.metrics.create(_metric(mapping_level=None)), "mapping_level: required"),
        (lambda c: c.metrics.update(_metric(id="m", name="")), "name: required"),
        (lambda c: c.metrics.list(metric_ids=["a/b"]).collect(), "metric_ids: not a valid id"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, call: Any, message: str
) -> None:
    await assert_refused_before_sending(emulator, lambda: call(client), message)


async def test_update_keeps_values_the_server_sent(
    emulator: Emulator, client: AsyncClient, world: World
) -> None:
    stored = emulator.state.collection("metrics")[world.temperature.id or ""]
    stored["type"] = "CALCULATED"
    metric = await client.metrics.get(world.temperature.id or "")
    metric.name = "Temperature (calculated)"
    with pytest.raises(APIError, match="type"):
        await client.metrics.update(metric)
    assert emulator.requests[-1].method == "PUT"

"""``client.subjects`` against the emulator: round trip, every filter, derived ingestion IDs,
update as edited, and checks before sending."""

from __future__ import annotations

from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.errors import APIError, NotFoundError
from blockbax_async.models import IngestionId, Subject, SubjectProperty

from .conftest import World, assert_refused_before_sending, value_ids


async def _names(client: AsyncClient, **filters: Any) -> list[str]:
    return [s.name async for s in client.subjects.list(**filters)]


async def test_round_trip(client: AsyncClient, world: World) -> None:
    created = await client.subjects.create(
        name="Annex",
        subject_type_id=world.building_type.id,
        external_id="annex",
        properties=[SubjectProperty(world.city.id or "", value_id=world.city_value("Utrecht"))],
    )
    assert created.id and created.created_date is not None
    fetched = await client.subjects.get(created.id)
    assert fetched == created
    assert fetched.get_property(world.city.id or "").text == "Utrecht"  # type: ignore[union-attr]
    assert await _names(client, external_id="annex") == ["Annex"]
    fetched.name = "Annex B"
    updated = await client.subjects.update(fetched)
    assert updated.name == "Annex B" and updated.updated_date is not None
    await client.subjects.delete(created.id)
    with pytest.raises(NotFoundError):
        await client.subjects.get(created.id)
    with pytest.raises(NotFoundError):
        await client.subjects.delete(created.id)


async def test_every_filter(client: AsyncClient, world: World) -> None:
    hq, depot = world.buildings
    amsterdam, rotterdam = world.city_value("Amsterdam"), world.city_value("Rotterdam")
    assert await _names(client) == ["Hq", "Depot", "Room 0", "Room 1", "Room 2"]
    assert await _names(client, name="room") == ["Room 0", "Room 1", "Room 2"]
    assert await _names(client, external_id="room-1") == ["Room 1"]
    assert await _names(client, external_id="room") == []
    assert await _names(client, subject_ids=[hq.id, depot.id]) == ["Hq", "Depot"]
    assert await _names(client, subject_ids=[hq.id], subject_ids_mode="SELF") == ["Hq"]
    assert await _names(client, subject_ids=[hq.id], subject_ids_mode="children") == [
        "Room 0",
        "Room 2",
    ]
    assert await _names(client, subject_ids=[hq.id], subject_ids_mode="ALL") == [
        "Hq",
        "Room 0",
        "Room 2",
    ]
    assert await _names(client, subject_type_ids=[world.building_type.id]) == ["Hq", "Depot"]
    both_types = [world.building_type.id, world.room_type.id]
    assert len(await _names(client, subject_type_ids=both_types)) == 5
    assert await _names(client, property_value_ids=rotterdam) == ["Depot", "Room 1"]
    assert await _names(client, property_value_ids=[[amsterdam, rotterdam]]) == [
        "Hq",
        "Depot",
        "Room 0",
        "Room 1",
        "Room 2",
    ]
    floors_3 = world.rooms[2].get_property(world.floors.id or "")
    assert floors_3 is not None and floors_3.value_id
    assert await _names(client, property_value_ids=[amsterdam, floors_3.value_id]) == ["Room 2"]
    assert await _names(client, property_value_ids=[rotterdam, floors_3.value_id]) == []
    combined = {"name": "Room", "subject_ids": [hq.id], "subject_ids_mode": "CHILDREN"}
    assert await _names(client, **combined, property_value_ids=[[amsterdam]]) == [
        "Room 0",
        "Room 2",
    ]


async def test_filters_are_sent_as_documented(emulator: Emulator, client: AsyncClient) -> None:
    emulator.requests.clear()
    seen: list[str] = []

    async def record(*args: Any, **kwargs: Any) -> Any:
        from blockbax_async._transport import encode_params

        seen.append(str(encode_params(kwargs.get("params"))))
        return await original(*args, **kwargs)

    original = client.transport.request
    client.transport.request = record  # type: ignore[method-assign]
    await client.subjects.list(
        name="n",
        external_id="e",
        subject_ids=["a", "b"],
        subject_ids_mode="all",  # type: ignore[arg-type]  # any case runs
        subject_type_ids=["t"],
        property_value_ids=[["p", "q"], "r"],
    ).collect()
    assert seen == [
        str(
            {
                "name": "n",
                "externalId": "e",
                "subjectIds": "a,b",
                "subjectIdsMode": "ALL",
                "subjectTypeIds": "t",
                "propertyValueIds": "p,q;r",
                "page": "0",
                "size": "200",
            }
        )
    ]


async def test_ingestion_ids_are_derived_and_follow_metrics(
    emulator: Emulator, client: AsyncClient, world: World
) -> None:
    room = world.rooms[0]
    assert room.ingestion_ids == [
        IngestionId(world.temperature.id or "", True, "room-0$temp"),
    ]
    humidity = await client.metrics.create(
        subject_type_id=world.room_type.id, name="Humidity", data_type="NUMBER", external_id="hum"
    )
    room = await client.subjects.get(room.id or "")
    assert room.get_ingestion_id(humidity.id or "") == "room-0$hum"
    assert emulator.state.ingestion_index()["room-0$hum"] == (room.id, humidity.id)
    room.override_ingestion_id(humidity.id or "", "sensor-42")
    room.external_id = "room-zero"
    room = await client.subjects.update(room)
    assert {i.ingestion_id for i in room.ingestion_ids} == {"room-zero$temp", "sensor-42"}
    humidity.external_id = "humidity"
    await client.metrics.update(humidity)
    other = await client.subjects.get(world.rooms[1].id or "")
    assert other.get_ingestion_id(humidity.id or "") == "room-1$humidity"
    assert (await client.subjects.get(room.id or "")).get_ingestion_id(humidity.id or "") == (
        "sensor-42"
    )
    await client.metrics.delete(humidity.id or "")
    assert "room-1$humidity" not in emulator.state.ingestion_index()
    assert len((await client.subjects.get(other.id or "")).ingestion_ids) == 1


async def test_custom_ingestion_ids_on_create(client: AsyncClient, world: World) -> None:
    room = await client.subjects.create(
        name="Lab",
        subject_type_id=world.room_type.id,
        external_id="lab",
        parent_subject_id=world.buildings[1].id,
        ingestion_ids={world.temperature.id or "": "lab-thermo"},
    )
    assert room.ingestion_ids == [IngestionId(world.temperature.id or "", False, "lab-thermo")]
    with pytest.raises(APIError, match="in use") as caught:
        await client.subjects.create(
            name="Lab 2",
            subject_type_id=world.room_type.id,
            external_id="lab-2",
            parent_subject_id=world.buildings[1].id,
            ingestion_ids=[IngestionId(world.temperature.id or "", False, "lab-thermo")],
        )
    assert caught.value.status == 400


async def test_update_sends_the_model_as_edited(client: AsyncClient, world: World) -> None:
    room = await client.subjects.get(world.rooms[2].id or "")
    assert room.get_property(world.city.id or "").inherit  # type: ignore[union-attr]
    room.set_property(world.city.id or "", value_id=world.city_value("Utrecht"))
    room.set_property(world.floors.id or "", number=7)
    room.parent_subject_id = world.buildings[1].id
    room.name = "Room 2 (moved)"
    updated = await client.subjects.update(room)
    assert updated.name == "Room 2 (moved)"
    assert updated.parent_subject_id == world.buildings[1].id
    assert updated.get_property(world.city.id or "").text == "Utrecht"  # type: ignore[union-attr]
    assert updated.get_property(world.floors.id or "").number == 7  # type: ignore[union-attr]
    updated.remove_property(world.floors.id or "")
    updated.set_property(world.city.id or "", inherit=True)
    again = await client.subjects.update(updated)
    assert again.get_property(world.floors.id or "") is None
    assert again.get_property(world.city.id or "").text == "Rotterdam"  # type: ignore[union-attr]
    assert await client.subjects.get(room.id or "") == again
    assert value_ids(again) == {world.city_value("Rotterdam")}


async def test_server_rules(client: AsyncClient, world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"subject_type_id": "nope"}, "subjectTypeId"),
        ({"subject_type_id": world.building_type.id}, "required property type"),
        ({"subject_type_id": world.room_type.id}, "parentSubjectId: required"),
        (
            {
                "subject_type_id": world.room_type.id,
                "parent_subject_id": world.rooms[0].id,
            },
            "not of a parent subject type",
        ),
        (
            {
                "subject_type_id": world.building_type.id,
                "parent_subject_id": world.buildings[0].id,
                "properties": [SubjectProperty(world.city.id or "", value_id="x")],
            },
            "not allowed",
        ),
        (
            {
                "subject_type_id": world.building_type.id,
                "properties": [SubjectProperty(world.city.id or "", text="Delft")],
            },
            "predefined values",
        ),
        (
            {
                "subject_type_id": world.building_type.id,
                "properties": [SubjectProperty(world.floors.id or "", number=1)],
            },
            "not a property type of the subject type",
        ),
    ]
    for fields, message in cases:
        with pytest.raises(APIError) as caught:
            await client.subjects.create(name="X", external_id="x", **fields)
        assert caught.value.status == 400
        assert message in str(caught.value.details), (fields, caught.value.details)
    with pytest.raises(APIError, match="exists"):
        await client.subjects.create(
            name="Hq again",
            subject_type_id=world.room_type.id,
            external_id="hq",
            parent_subject_id=world.buildings[0].id,
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.subjects.create(subject_type_id="t", external_id="e"), "name: required"),
        (lambda c: c.subjects.create(name="n", external_id="e"), "subject_type_id: required"),
        (lambda c: c.subjects.create(name="n", subject_type_id="t"), "external_id: required"),
        (lambda c: c.subjects.create(name="n", subject_type_id="a/b", external_id="e"), "a/b"),
        (
            lambda c: c.subjects.create(
                Subject("n", "t", "e", ingestion_ids=[IngestionId("m", False)])
            ),
            "ingestion_ids[0].ingestion_id: required",
        ),
        (lambda c: c.subjects.create("not a model"), "'not a model' is not a Subject or a mapping"),
        (lambda c: c.subjects.update(Subject("n", "t", "e")), "create it first"),
        (lambda c: c.subjects.get(""), "id: not a valid id"),
        (lambda c: c.subjects.list(subject_ids="abc").collect(), "not one id ('abc')"),
        (lambda c: c.subjects.list(subject_ids_mode="SOME").collect(), "'SOME' is not one of"),
        (lambda c: c.subjects.list(property_value_ids=[[]]).collect(), "empty list"),
        (lambda c: c.subjects.list(property_value_ids=["a,b"]).collect(), "'a,b'"),
        (lambda c: c.subjects.list(page_size=201).collect(), "page_size: 201"),
        (lambda c: c.subjects.list(limit=-1).collect(), "limit: -1"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, call: Any, message: str
) -> None:
    await assert_refused_before_sending(emulator, lambda: call(client), message)

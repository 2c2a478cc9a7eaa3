"""``client.subject_types`` against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.errors import APIError, NotFoundError, ValidationError
from blockbax_async.models import PrimaryLocation, SubjectType, SubjectTypePropertyType

from .conftest import World


async def _names(client: AsyncClient, **filters: Any) -> list[str]:
    return [t.name async for t in client.subject_types.list(**filters)]


async def test_round_trip(client: AsyncClient, world: World) -> None:
    place = await client.property_types.create(
        name="Place", external_id="place", data_type="LOCATION"
    )
    created = await client.subject_types.create(
        name="Floor",
        parent_subject_type_ids=[world.building_type.id or ""],
        primary_location=PrimaryLocation("PROPERTY_TYPE", place.id or ""),
        property_types=[SubjectTypePropertyType(place.id or "", required=False)],
    )
    assert created.parent_subject_type_id == world.building_type.id
    assert created.property_types == [SubjectTypePropertyType(place.id or "", False, True)]
    assert await client.subject_types.get(created.id or "") == created
    assert await _names(client, name="floor") == ["Floor"]
    created.add_property_type(world.city.id or "", required=True, visible=False)
    created.parent_subject_type_ids.append(world.room_type.id or "")
    updated = await client.subject_types.update(created)
    assert [link.id for link in updated.property_types] == [place.id, world.city.id]
    assert updated.property_types[1].visible is False
    assert updated.parent_subject_type_id is None
    await client.subject_types.delete(created.id or "")
    with pytest.raises(NotFoundError):
        await client.subject_types.get(created.id or "")


async def test_filters(client: AsyncClient, world: World) -> None:
    assert await _names(client) == ["Building", "Room"]
    assert await _names(client, name="ROOM") == ["Room"]
    assert await _names(client, property_type_ids=[world.floors.id]) == ["Room"]
    assert await _names(client, property_type_ids=[world.floors.id, world.city.id]) == [
        "Building",
        "Room",
    ]
    assert await _names(client, name="Building", property_type_ids=[world.floors.id]) == []


async def test_server_rules(client: AsyncClient, world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"parent_subject_type_ids": ["nope"]}, "parentSubjectTypeIds[0]"),
        ({"property_types": [SubjectTypePropertyType("nope")]}, "propertyTypes[0].id"),
        (
            {"primary_location": PrimaryLocation("PROPERTY_TYPE", world.city.id or "")},
            "not linked",
        ),
        (
            {
                "primary_location": PrimaryLocation("PROPERTY_TYPE", world.city.id or ""),
                "property_types": [SubjectTypePropertyType(world.city.id or "")],
            },
            "not of data type LOCATION",
        ),
    ]
    for fields, message in cases:
        with pytest.raises(APIError) as caught:
            await client.subject_types.create(name="X", **fields)
        assert caught.value.status == 400 and message in str(caught.value.details)
    building = await client.subject_types.get(world.building_type.id or "")
    building.parent_subject_type_ids = [world.room_type.id or ""]
    with pytest.raises(APIError, match="cycle"):
        await client.subject_types.update(building)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.subject_types.create(), "name: required"),
        (
            lambda c: c.subject_types.create(
                name="x", primary_location=PrimaryLocation("ASSET", "i")
            ),
            "primary_location.type: 'ASSET'",
        ),
        (lambda c: c.subject_types.create(SubjectType("")), "name: required"),
        (lambda c: c.subject_types.list(property_type_ids="p").collect(), "property_type_ids"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, call: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        await call(client)
    assert emulator.requests == []

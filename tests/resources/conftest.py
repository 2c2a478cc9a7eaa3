"""A small project built through the client: property types, a parent and a child subject
type, metrics and subjects, for the resource tests to work on."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ValidationError
from blockbax_async.models import (
    Metric,
    PropertyType,
    PropertyValue,
    Subject,
    SubjectProperty,
    SubjectType,
    SubjectTypePropertyType,
)


@attrs.define
class World:
    """What :func:`world` created; ``city.values`` are Amsterdam, Rotterdam, Utrecht."""

    city: PropertyType
    floors: PropertyType
    building_type: SubjectType
    room_type: SubjectType
    temperature: Metric
    buildings: list[Subject]
    rooms: list[Subject]

    def city_value(self, name: str) -> str:
        """The value id of a city."""
        return next(v.id for v in self.city.values if v.text == name and v.id)


def value_ids(subject: Subject) -> set[str | None]:
    """The property value ids a subject holds."""
    return {p.value_id for p in subject.properties}


@pytest.fixture
async def world(client: AsyncClient) -> World:
    city = await client.property_types.create(
        name="City",
        external_id="city",
        data_type="TEXT",
        predefined_values=True,
        values=[PropertyValue(text=t) for t in ("Amsterdam", "Rotterdam", "Utrecht")],
    )
    floors = await client.property_types.create(
        name="Floors", external_id="floors", data_type="NUMBER"
    )
    building_type = await client.subject_types.create(
        name="Building",
        property_types=[SubjectTypePropertyType(city.id or "", required=True, visible=True)],
    )
    room_type = await client.subject_types.create(
        name="Room",
        parent_subject_type_ids=[building_type.id or ""],
        property_types=[
            SubjectTypePropertyType(city.id or "", required=False),
            SubjectTypePropertyType(floors.id or "", required=False),
        ],
    )
    temperature = await client.metrics.create(
        subject_type_id=room_type.id, name="Temperature", data_type="NUMBER", external_id="temp"
    )
    world = World(city, floors, building_type, room_type, temperature, [], [])
    for name, town in (("Hq", "Amsterdam"), ("Depot", "Rotterdam")):
        world.buildings.append(
            await client.subjects.create(
                name=name,
                subject_type_id=building_type.id,
                external_id=name.lower(),
                properties=[SubjectProperty(city.id or "", value_id=world.city_value(town))],
            )
        )
    for number, building in enumerate([*world.buildings, world.buildings[0]]):
        extra: dict[str, Any] = {}
        if number == 2:
            extra["properties"] = [SubjectProperty(floors.id or "", number=3)]
        world.rooms.append(
            await client.subjects.create(
                name=f"Room {number}",
                subject_type_id=room_type.id,
                external_id=f"room-{number}",
                parent_subject_id=building.id,
                **extra,
            )
        )
    return world


async def assert_refused_before_sending(
    emulator: Emulator, call: Callable[[], object], message: str
) -> None:
    """``call()`` (awaited when it gives an awaitable) raises a ``ValidationError`` naming
    ``message``, and nothing reached the server."""
    emulator.requests.clear()
    with pytest.raises(ValidationError) as caught:
        result = call()
        if inspect.isawaitable(result):
            await result
    assert message in str(caught.value)
    assert emulator.requests == []

"""Nested input as plain mappings, against the emulator: stored as models would be, and a
bad one refused before sending with its path named."""

from __future__ import annotations

from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.models import Location

from .conftest import World, assert_refused_before_sending


async def test_property_values_as_mappings(client: AsyncClient) -> None:
    stored = await client.property_types.create(
        name="Site",
        external_id="site",
        data_type="LOCATION",
        predefined_values=True,
        values=[{"caption": "HQ", "location": {"lat": 52.0, "lon": 5.1}}],
    )
    assert stored.values[0].location == Location(52.0, 5.1)
    assert stored.values[0].caption == "HQ"


async def test_subjects_and_types_from_mappings(client: AsyncClient, world: World) -> None:
    kind = await client.subject_types.create(
        name="Wing", property_types=[{"id": world.city.id, "required": False}]
    )
    assert kind.property_types[0].id == world.city.id
    subject = await client.subjects.create(
        name="East",
        subject_type_id=kind.id,
        external_id="east",
        properties=[{"typeId": world.city.id, "valueId": world.city_value("Utrecht")}],
    )
    assert subject.properties[0].value_id == world.city_value("Utrecht")
    subject.set_properties([{"type_id": world.city.id, "value_id": world.city_value("Rotterdam")}])
    updated = await client.subjects.update(subject)
    assert updated.properties[0].value_id == world.city_value("Rotterdam")


async def test_an_item_as_a_mapping(client: AsyncClient) -> None:
    stored = await client.subject_types.create({"name": "Floor", "parentSubjectTypeIds": []})
    assert stored.name == "Floor"


async def test_event_trigger_and_webhook_parts_as_mappings(
    client: AsyncClient, world: World
) -> None:
    trigger = await client.event_triggers.create(
        subject_type_id=world.room_type.id,
        name="Too warm",
        evaluation_trigger="INPUT_METRICS",
        evaluation_constraint="NONE",
        event_rules=[
            {
                "event_level": "PROBLEM",
                "condition_sets": [
                    {
                        "description": "warm",
                        "input_conditions": [
                            {
                                "type": "THRESHOLD",
                                "left_operand": {"type": "METRIC", "id": world.temperature.id},
                                "comparison_operator": "GREATER_THAN",
                                "right_operand": {"type": "STATIC_VALUE", "number": 25},
                            }
                        ],
                    }
                ],
            }
        ],
    )
    condition = trigger.event_rules[0].condition_sets[0].input_conditions[0]
    assert condition.right_operand is not None and condition.right_operand.number == 25
    webhook = await client.webhooks.create(
        name="hook",
        endpoint="https://example.com",
        event_trigger_filter={"type": "INCLUDE", "ids": [trigger.id]},
        subject_filter={"include": {"subjectIds": [world.rooms[0].id]}},
    )
    assert webhook.event_trigger_filter is not None
    assert webhook.event_trigger_filter.ids == [trigger.id]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c, w: c.property_types.create(
                name="Site",
                external_id="site",
                data_type="LOCATION",
                predefined_values=True,
                values=[{"caption": "HQ", "location": {"lat": "x", "lon": 5.1}}],
            ),
            "values[0].location.lat: 'x' is not a number",
        ),
        (
            lambda c, w: c.subjects.create(
                name="s", subject_type_id=w.room_type.id, external_id="s", properties=[{"tpye": 1}]
            ),
            "properties[0]: unknown key 'tpye'",
        ),
        (
            lambda c, w: c.webhooks.create(name="w", endpoint="https://x", subject_filter=[]),
            "subject_filter: [] is not a SubjectFilter or a mapping",
        ),
        (
            lambda c, w: c.event_triggers.create(
                subject_type_id=w.room_type.id,
                name="t",
                evaluation_trigger="INPUT_METRICS",
                evaluation_constraint="NONE",
                event_rules=[{"event_level": "OK", "condition_sets": [{"description": 5}]}],
            ),
            "event_rules[0].condition_sets[0].description: 5 is not a string",
        ),
        (lambda c, w: c.subject_types.create({"nmae": "x"}), "item: unknown key 'nmae'"),
    ],
)
async def test_bad_nested_input_is_refused_before_sending(
    emulator: Emulator, client: AsyncClient, world: World, call: Any, message: str
) -> None:
    await assert_refused_before_sending(emulator, lambda: call(client, world), message)


async def test_a_mapping_naming_its_ingestion_id_keeps_it(
    client: AsyncClient, world: World
) -> None:
    subject = await client.subjects.create(
        name="Lab",
        subject_type_id=world.room_type.id,
        external_id="lab",
        parent_subject_id=world.buildings[0].id,
        ingestion_ids=[{"metric_id": world.temperature.id, "ingestion_id": "lab-temp"}],
    )
    assert [(e.ingestion_id, e.derive_ingestion_id) for e in subject.ingestion_ids] == [
        ("lab-temp", False)
    ]

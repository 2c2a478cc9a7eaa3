"""``client.event_triggers`` against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.errors import APIError, NotFoundError
from blockbax_async.models import (
    Aggregation,
    ConditionSet,
    DayTimeCondition,
    EventRule,
    EventTrigger,
    InputCondition,
    Operand,
    Period,
    SubjectFilter,
    SubjectFilterItem,
    TimeRange,
)

from .conftest import World, assert_refused_before_sending


def _rules(metric_id: str, operator: str = "GREATER_THAN") -> list[EventRule]:
    above = InputCondition(
        "THRESHOLD",
        Operand("METRIC", metric_id, aggregation=Aggregation("AVG", Period("MINUTE", 5))),
        operator,
        Operand("STATIC_VALUE", number=25.5),
    )
    return [
        EventRule(
            "PROBLEM",
            [
                ConditionSet(
                    "too warm",
                    [above],
                    day_time_condition=DayTimeCondition(monday=[TimeRange("08:00", "18:00")]),
                )
            ],
        ),
        EventRule("OK", [ConditionSet("fine")]),
    ]


async def _create(client: AsyncClient, world: World, **changes: Any) -> EventTrigger:
    fields: dict[str, Any] = {
        "subject_type_id": world.room_type.id,
        "name": "Too warm",
        "evaluation_trigger": "INPUT_METRICS",
        "evaluation_constraint": "NONE",
        "event_rules": _rules(world.temperature.id or ""),
    }
    return await client.event_triggers.create(**{**fields, **changes})


async def test_round_trip(client: AsyncClient, world: World) -> None:
    created = await _create(
        client,
        world,
        subject_filter=SubjectFilter(
            include=SubjectFilterItem(subject_ids=[world.rooms[0].id or ""])
        ),
    )
    assert created.version == 1 and created.active
    condition_set = created.event_rules[0].condition_sets[0]
    assert condition_set.id is not None
    assert condition_set.day_time_condition == DayTimeCondition(
        monday=[TimeRange("08:00", "18:00")]
    )
    assert created.subject_filter == SubjectFilter(
        include=SubjectFilterItem(subject_ids=[world.rooms[0].id or ""])
    )
    assert await client.event_triggers.get(created.id or "") == created
    created.active = False
    created.event_rules[0].condition_sets[0].description = "much too warm"
    updated = await client.event_triggers.update(created)
    assert updated.version == 2 and not updated.active
    assert updated.event_rules[0].condition_sets[0].id == condition_set.id
    assert updated.event_rules[0].condition_sets[0].description == "much too warm"
    await client.event_triggers.delete(created.id or "")
    with pytest.raises(NotFoundError):
        await client.event_triggers.get(created.id or "")


async def test_name_filter(client: AsyncClient, world: World) -> None:
    await _create(client, world)
    await _create(client, world, name="Too cold")
    assert [t.name async for t in client.event_triggers.list(name="cold")] == ["Too cold"]
    assert len(await client.event_triggers.list().collect()) == 2


async def test_server_rules(emulator: Emulator, client: AsyncClient, world: World) -> None:
    body: dict[str, Any] = {
        "subjectTypeId": world.room_type.id,
        "name": "x",
        "active": True,
        "evaluationTrigger": "INPUT_METRICS",
        "evaluationConstraint": "NONE",
        "eventRules": [],
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"subjectTypeId": "nope"}, "subjectTypeId"),
        ({"active": None}, "active"),
        ({"evaluationTrigger": "PERIODIC"}, "evaluationTrigger"),
        ({"evaluationConstraint": None}, "evaluationConstraint"),
        ({"eventRules": None}, "eventRules"),
        ({"eventRules": [{"eventLevel": "BAD", "conditionSets": []}]}, "eventRules[0].eventLevel"),
        (
            {"eventRules": [{"eventLevel": "OK", "conditionSets": [{"inputConditions": []}]}]},
            "description",
        ),
    ]
    for change, message in cases:
        with pytest.raises(APIError) as caught:
            await client.transport.request("POST", "/eventTriggers", json={**body, **change})
        assert caught.value.status == 400
        assert message in str(caught.value.details), (change, caught.value.details)
    assert "eventTriggers" not in emulator.state.collections or not emulator.state.collection(
        "eventTriggers"
    )


async def test_evaluation_triggers_object_is_accepted(client: AsyncClient, world: World) -> None:
    body: dict[str, Any] = {
        "subjectTypeId": world.room_type.id,
        "name": "as the official SDK sends it",
        "active": True,
        "evaluationTriggers": {
            "newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": True}
        },
        "evaluationConstraint": "NONE",
        "eventRules": [],
    }
    stored = await client.transport.request("POST", "/eventTriggers", json=body)
    assert stored["evaluationTrigger"] == "SUBJECT_METRICS"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": None}, "name: required"),
        ({"evaluation_trigger": None}, "evaluation_trigger: required"),
        ({"evaluation_trigger": "PERIODIC"}, "evaluation_trigger: 'PERIODIC'"),
        ({"evaluation_constraint": "SOME"}, "evaluation_constraint: 'SOME'"),
        ({"event_rules": [EventRule("SEVERE")]}, "event_rules[0].event_level: 'SEVERE'"),
        (
            {"event_rules": [EventRule("OK", [ConditionSet("")])]},
            "event_rules[0].condition_sets[0].description: required",
        ),
        (
            {"event_rules": _rules("m", operator="CONTAINS")},
            "input_conditions[0].comparison_operator: 'CONTAINS' is not one of LESS_THAN",
        ),
        (
            {
                "event_rules": [
                    EventRule("OK", [ConditionSet("d", [InputCondition("FUZZY", Operand())])])
                ]
            },
            "input_conditions[0].type: 'FUZZY'",
        ),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, world: World, changes: dict[str, Any], message: str
) -> None:
    await assert_refused_before_sending(
        emulator, lambda: _create(client, world, **changes), message
    )

"""``client.alarms`` (read only) against alarms seeded into the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator, seed
from blockbax_async.errors import NotFoundError

from .conftest import World, assert_refused_before_sending

T0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


@pytest.fixture
def alarms(emulator: Emulator, world: World) -> list[dict[str, Any]]:
    """Alarms 1..4 a minute apart; 3 and 4 on the building Depot."""
    subjects = [world.rooms[0], world.rooms[2], world.buildings[1], world.buildings[1]]
    plan = [("UNACKED", "HIGH", True), ("ACKED", "LOW", True), ("CLOSED", None, False)]
    plan.append(("ON_HOLD", "CRITICAL", True))
    return [
        seed.alarm(
            emulator.state,
            subject_id=subject.id or "",
            event_trigger_id="t1" if number < 2 else "t2",
            status=status,
            priority=priority,
            active=active,
            created_date=T0 + timedelta(minutes=number),
        )
        for number, (subject, (status, priority, active)) in enumerate(
            zip(subjects, plan, strict=True)
        )
    ]


async def _ids(client: AsyncClient, **filters: Any) -> list[int]:
    return [alarm.id async for alarm in client.alarms.list(**filters)]


async def test_get_and_list(client: AsyncClient, alarms: list[dict[str, Any]]) -> None:
    alarm = await client.alarms.get(1)
    assert (alarm.id, alarm.status, alarm.priority, alarm.created_date) == (
        1,
        "UNACKED",
        "HIGH",
        T0,
    )
    assert alarm.initial_event_id and alarm.auto_close is False and alarm.active
    assert (await client.alarms.get("3")).priority is None
    assert await _ids(client) == [1, 2, 3, 4]
    with pytest.raises(NotFoundError):
        await client.alarms.get(99)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"statuses": ["unacked", "ACKED"]}, [1, 2]),
        ({"priorities": ["CRITICAL", "HIGH"]}, [1, 4]),
        ({"active": False}, [3]),
        ({"active": True}, [1, 2, 4]),
        ({"from_date": T0 + timedelta(minutes=1)}, [2, 3, 4]),
        ({"to_date": T0 + timedelta(minutes=1)}, [1]),
        ({"from_date": "2024-03-01T12:01:00+00:00", "to_date": T0 + timedelta(minutes=3)}, [2, 3]),
        ({"event_trigger_ids": ["t2"]}, [3, 4]),
        ({"sort": "id,desc"}, [4, 3, 2, 1]),
        ({"sort": "createdDate,desc", "active": True}, [4, 2, 1]),
    ],
)
async def test_filters(
    client: AsyncClient, alarms: list[dict[str, Any]], filters: dict[str, Any], expected: list[int]
) -> None:
    assert await _ids(client, **filters) == expected


async def test_subject_filters(
    client: AsyncClient, world: World, alarms: list[dict[str, Any]]
) -> None:
    assert await _ids(client, subject_ids=[world.buildings[1].id]) == [3, 4]
    assert await _ids(client, subject_type_ids=[world.room_type.id]) == [1, 2]
    amsterdam, rotterdam = world.city_value("Amsterdam"), world.city_value("Rotterdam")
    assert await _ids(client, property_value_ids=[amsterdam]) == [1, 2]
    assert await _ids(client, property_value_ids=[[amsterdam, rotterdam]]) == [1, 2, 3, 4]
    assert await _ids(client, property_value_ids=[amsterdam, rotterdam]) == []


async def test_activity(emulator: Emulator, client: AsyncClient, alarms: list[Any]) -> None:
    seed.alarm_activity(emulator.state, 1, mutation_type="CREATE", date=T0)
    seed.alarm_activity(
        emulator.state,
        1,
        date=T0 + timedelta(minutes=5),
        account_id="88888888-8888-8888-8888-888888888888",
        caption="Jane Doe",
        field_name="status",
        from_value="UNACKED",
        to_value="ACKED",
    )
    seed.alarm_activity(emulator.state, 2, date=T0)
    activity = await client.alarms.list_activity(1)
    newest, oldest = activity.logs
    assert newest.data is not None and newest.data.to_value == "ACKED"
    assert activity.caption(newest) == "Jane Doe"
    assert oldest.mutation_type == "CREATE" and activity.caption(oldest) is None
    assert list(activity.metadata) == ["88888888-8888-8888-8888-888888888888"]
    assert (await client.alarms.list_activity(4)).logs == []
    with pytest.raises(NotFoundError):
        await client.alarms.list_activity(99)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.alarms.get(True), "alarm_id: True"),
        (lambda c: c.alarms.get("1/2"), "alarm_id"),
        (lambda c: c.alarms.list_activity(1.5), "alarm_id: 1.5"),
        (lambda c: c.alarms.list(statuses=["OPEN"]).collect(), "statuses: 'OPEN'"),
        (lambda c: c.alarms.list(priorities=["URGENT"]).collect(), "priorities: 'URGENT'"),
        (lambda c: c.alarms.list(sort="by id").collect(), "sort"),
        (lambda c: c.alarms.list(subject_type_ids="st").collect(), "subject_type_ids"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, call: Any, message: str
) -> None:
    await assert_refused_before_sending(emulator, lambda: call(client), message)

"""``client.events`` (read only) against events seeded into the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator, seed
from blockbax_async.errors import APIError, NotFoundError

from .conftest import World, assert_refused_before_sending

T0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


@pytest.fixture
def events(emulator: Emulator, world: World) -> dict[str, dict[str, Any]]:
    """Four events: a..d, started an hour apart from T0; a and b ended, d suppressed."""
    rooms = world.rooms
    plan = [
        ("a", rooms[0], "t1", "PROBLEM", T0, T0 + 2 * HOUR, False),
        ("b", rooms[1], "t1", "WARNING", T0 + HOUR, T0 + HOUR + HOUR / 2, False),
        ("c", rooms[2], "t2", "INFORMATION", T0 + 2 * HOUR, None, False),
        ("d", rooms[1], "t2", "OK", T0 + 3 * HOUR, None, True),
    ]
    return {
        key: seed.event(
            emulator.state,
            id=key,
            subject_id=room.id or "",
            event_trigger_id=trigger,
            event_level=level,
            start_date=start,
            end_date=end,
            suppressed=suppressed,
            condition_set_ids=["cs"],
        )
        for key, room, trigger, level, start, end, suppressed in plan
    }


async def _ids(client: AsyncClient, **filters: Any) -> str:
    return "".join([e.id async for e in client.events.list(**filters)])


async def test_get_and_list(client: AsyncClient, events: dict[str, Any]) -> None:
    event = await client.events.get("a")
    assert (event.event_level, event.start_date, event.end_date) == ("PROBLEM", T0, T0 + 2 * HOUR)
    assert event.condition_set_ids == ["cs"] and event.suppressed is False
    assert await _ids(client) == "dcba"
    with pytest.raises(NotFoundError):
        await client.events.get("zz")
    assert not hasattr(client.events, "create")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"active": True}, "dc"),
        ({"active": False}, "ba"),
        ({"suppressed": True}, "d"),
        ({"suppressed": False}, "cba"),
        ({"event_levels": ["problem", "WARNING"]}, "ba"),
        ({"event_trigger_ids": ["t2"]}, "dc"),
        ({"from_date": T0 + 2 * HOUR}, "dca"),
        ({"from_date": T0 + 2 * HOUR, "only_new": True}, "dc"),
        ({"to_date": T0 + HOUR}, "a"),
        ({"from_date": "2024-03-01T13:15:00Z", "to_date": T0 + 2 * HOUR}, "ba"),
        ({"from_date": T0 + HOUR, "to_date": T0 + 2 * HOUR, "only_new": True}, "b"),
        ({"from_date": int((T0 + 3 * HOUR).timestamp() * 1000)}, "dc"),
        ({"sort": "startDate,asc"}, "abcd"),
        ({"sort": "endDate,asc"}, "bacd"),
        ({"sort": "eventLevel,desc", "active": False}, "ba"),
        ({"active": True, "suppressed": False, "event_trigger_ids": ["t2"]}, "c"),
    ],
)
async def test_filters(
    client: AsyncClient, events: dict[str, Any], filters: dict[str, Any], expected: str
) -> None:
    assert await _ids(client, **filters) == expected


async def test_subject_and_property_filters(
    client: AsyncClient, world: World, events: dict[str, Any]
) -> None:
    rotterdam = world.city_value("Rotterdam")
    assert await _ids(client, subject_ids=[world.rooms[1].id]) == "db"
    assert await _ids(client, property_value_ids=[rotterdam]) == "db"
    floors = world.rooms[2].get_property(world.floors.id or "")
    assert floors is not None
    either = [[rotterdam, floors.value_id or ""]]
    assert await _ids(client, property_value_ids=either) == "dcb"


async def test_server_rules(client: AsyncClient, events: dict[str, Any]) -> None:
    for params, message in [
        ({"sort": "color,asc"}, "sort"),
        ({"eventLevels": "SEVERE"}, "eventLevels"),
        ({"active": "maybe"}, "active"),
        ({"fromDate": "yesterday"}, "fromDate"),
    ]:
        with pytest.raises(APIError) as caught:
            await client.transport.request("GET", "/events", params=params)
        assert message in str(caught.value.details)
    with pytest.raises(APIError) as caught:
        await client.transport.request("POST", "/events", json={})
    assert caught.value.status == 405


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"event_levels": ["SEVERE"]}, "event_levels: 'SEVERE'"),
        ({"event_levels": "PROBLEM"}, "event_levels: give a list"),
        ({"from_date": datetime(2024, 1, 1)}, "from_date"),
        ({"to_date": "not a date"}, "to_date"),
        ({"sort": "startDate desc"}, "sort: 'startDate desc'"),
        ({"event_trigger_ids": "t1"}, "event_trigger_ids"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, filters: dict[str, Any], message: str
) -> None:
    await assert_refused_before_sending(emulator, lambda: client.events.list(**filters), message)

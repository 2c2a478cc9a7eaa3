"""Alarm models against the bodies the official SDK 1.8.1 reads (docs/dev/official-sdk-1.8.1.md)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import cattrs
import pytest

from blockbax_async.models import (
    ActivityLog,
    ActivityLogData,
    ActivityLogMetadata,
    Alarm,
    AlarmActivity,
    structure,
    unstructure,
)

UTC = timezone.utc
ALARM: dict[str, Any] = {
    "id": 42,
    "createdDate": "2023-11-14T22:13:20.000Z",
    "updatedDate": "2023-11-14T22:13:21.000Z",
    "eventTriggerId": "55555555-5555-5555-5555-555555555555",
    "subjectId": "33333333-3333-3333-3333-333333333333",
    "initialEventId": "66666666-6666-6666-6666-666666666666",
    "priority": "HIGH",
    "status": "UNACKED",
    "autoClose": True,
    "autoUnackAt": None,
    "autoUnackedAt": None,
    "active": True,
}
ACTIVITY: dict[str, Any] = {
    "result": [
        {
            "id": "99999999-9999-9999-9999-999999999999",
            "date": "2023-11-14T22:13:25.000Z",
            "mutationType": "UPDATE",
            "accountId": "88888888-8888-8888-8888-888888888888",
            "data": {"fieldName": "status", "fromValue": "UNACKED", "toValue": "ACKED"},
        },
        {
            "id": "99999999-9999-9999-9999-99999999999a",
            "date": "2023-11-14T22:13:20.000Z",
            "mutationType": "CREATE",
        },
    ],
    "metadata": {"88888888-8888-8888-8888-888888888888": {"caption": "Jane Doe"}},
}


def test_alarm() -> None:
    alarm = structure(ALARM | {"somethingNew": [1]}, Alarm)
    assert (alarm.id, alarm.status, alarm.priority, alarm.auto_close) == (
        42,
        "UNACKED",
        "HIGH",
        True,
    )
    assert alarm.created_date == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert alarm.auto_unack_at is None
    assert unstructure(alarm)["createdDate"] == "2023-11-14T22:13:20.000+00:00"
    assert structure(unstructure(alarm), Alarm) == alarm


def test_minimal_alarm_with_epoch_dates() -> None:
    minimal = {
        "id": 7,
        "createdDate": 1700000000000,
        "eventTriggerId": "e",
        "subjectId": "s",
        "initialEventId": "i",
        "status": "CLOSED",
        "autoClose": False,
        "active": False,
    }
    alarm = structure(minimal, Alarm)
    assert alarm.created_date == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert alarm.priority is None and alarm.updated_date is None


@pytest.mark.parametrize("missing", ["id", "createdDate", "subjectId", "status", "active"])
def test_alarm_without_a_required_field(missing: str) -> None:
    with pytest.raises(cattrs.BaseValidationError):
        structure({k: v for k, v in ALARM.items() if k != missing}, Alarm)


def test_activity() -> None:
    activity = structure(ACTIVITY, AlarmActivity)
    update, create = activity.logs
    assert update.data == ActivityLogData("status", "UNACKED", "ACKED")
    assert activity.caption(update) == "Jane Doe"
    assert create.account_id is None and create.data is None and activity.caption(create) is None
    assert activity.metadata == {
        ACTIVITY["result"][0]["accountId"]: ActivityLogMetadata("Jane Doe")
    }
    assert structure(unstructure(activity), AlarmActivity) == activity


@pytest.mark.parametrize(
    ("data", "logs", "accounts"),
    [
        ({}, 0, 0),
        ({"result": None, "metadata": None}, 0, 0),
        ({"result": [], "metadata": {"a": None, "b": {}, "c": {"caption": "C"}}}, 0, 2),
    ],
)
def test_activity_edges(data: dict[str, Any], logs: int, accounts: int) -> None:
    activity = structure(data, AlarmActivity)
    assert (len(activity.logs), len(activity.metadata)) == (logs, accounts)


def test_activity_built_by_hand() -> None:
    log = ActivityLog(id="l", date=datetime(2024, 1, 1, tzinfo=UTC), account_id="a")
    activity = AlarmActivity([log], {"a": ActivityLogMetadata("Ann")})
    assert activity.caption(log) == "Ann"

"""Seed the emulator with what the API offers no way to create (events, alarms, activity logs,
webhook responses) and with many subjects at once, straight into its state.

```python
from blockbax_async.emulator import Emulator, seed

async with Emulator() as emulator:
    event = seed.event(emulator.state, subject_id=..., event_trigger_id=...)
    alarm = seed.alarm(emulator.state, subject_id=..., event_trigger_id=...)
```

Each function returns the stored JSON (camelCase, as the API answers). Dates take an aware
`datetime` or an ISO 8601 string and default to now.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ._state import State, format_date, now_iso

__all__ = ["alarm", "alarm_activity", "event", "subjects", "webhook_response"]


def _date(value: datetime | str | None) -> str:
    if value is None:
        return now_iso()
    return format_date(value) if isinstance(value, datetime) else value


def _put(state: State, segment: str, key: str, item: dict[str, Any]) -> dict[str, Any]:
    state.collection(segment)[key] = item
    state.touch()
    return item


def event(
    state: State,
    *,
    subject_id: str,
    event_trigger_id: str,
    event_level: str = "WARNING",
    start_date: datetime | str | None = None,
    end_date: datetime | str | None = None,
    suppressed: bool = False,
    condition_set_ids: Sequence[str] = (),
    event_trigger_version: int = 1,
    id: str | None = None,
) -> dict[str, Any]:
    """An event; it is active while `end_date` is `None`."""
    item: dict[str, Any] = {
        "id": id or str(uuid.uuid4()),
        "eventTriggerId": event_trigger_id,
        "eventTriggerVersion": event_trigger_version,
        "eventLevel": event_level,
        "subjectId": subject_id,
        "conditionSetIds": list(condition_set_ids),
        "startDate": _date(start_date),
        "suppressed": suppressed,
    }
    if end_date is not None:
        item["endDate"] = _date(end_date)
    return _put(state, "events", item["id"], item)


def alarm(
    state: State,
    *,
    subject_id: str,
    event_trigger_id: str,
    initial_event_id: str | None = None,
    status: str = "UNACKED",
    priority: str | None = "MEDIUM",
    active: bool = True,
    auto_close: bool = False,
    created_date: datetime | str | None = None,
    id: int | None = None,
) -> dict[str, Any]:
    """An alarm, numbered after the highest alarm id so far unless `id` is given."""
    alarms = state.collection("alarms")
    number = id if id is not None else 1 + max((int(a["id"]) for a in alarms.values()), default=0)
    created = _date(created_date)
    item: dict[str, Any] = {
        "id": number,
        "createdDate": created,
        "updatedDate": created,
        "eventTriggerId": event_trigger_id,
        "subjectId": subject_id,
        "initialEventId": initial_event_id or str(uuid.uuid4()),
        "status": status,
        "autoClose": auto_close,
        "active": active,
    }
    if priority is not None:
        item["priority"] = priority
    return _put(state, "alarms", str(number), item)


def alarm_activity(
    state: State,
    alarm_id: int,
    *,
    mutation_type: str = "UPDATE",
    date: datetime | str | None = None,
    account_id: str | None = None,
    caption: str | None = None,
    field_name: str | None = None,
    from_value: Any = None,
    to_value: Any = None,
) -> dict[str, Any]:
    """An activity log of alarm `alarm_id`; with `account_id` and `caption` the
    account's name is stored too (`account_id=None`: the system made the change)."""
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "alarmId": alarm_id,
        "date": _date(date),
        "mutationType": mutation_type,
    }
    if account_id is not None:
        item["accountId"] = account_id
        if caption is not None:
            state.collection("accounts")[account_id] = {"caption": caption}
    if field_name is not None:
        item["data"] = {"fieldName": field_name, "fromValue": from_value, "toValue": to_value}
    return _put(state, "alarmActivityLogs", item["id"], item)


def webhook_response(
    state: State,
    webhook_id: str,
    *,
    status_code: int | None = 200,
    error: bool | None = None,
    response_type: str | None = None,
    event_id: str | None = None,
    date: datetime | str | None = None,
    delivery_attempt: int = 1,
    sequence_number: int | None = None,
) -> dict[str, Any]:
    """A response a webhook's call got, numbered after the webhook's last one unless
    `sequence_number` is given. `status_code=None` is a connection error."""
    responses = state.collection("webhookResponses")
    if sequence_number is None:
        numbers = [
            r["sequenceNumber"] for r in responses.values() if r["webhookSettingId"] == webhook_id
        ]
        sequence_number = 1 + max(numbers, default=0)
    failed = status_code is None or status_code >= 400 if error is None else error
    item: dict[str, Any] = {
        "webhookSettingId": webhook_id,
        "sequenceNumber": sequence_number,
        "deliveryAttempt": delivery_attempt,
        "date": _date(date),
        "responseType": response_type
        or (
            "CONNECTION_ERROR"
            if status_code is None
            else "ERROR_RESPONSE"
            if failed
            else "OK_RESPONSE"
        ),
        "error": failed,
        "eventId": event_id or str(uuid.uuid4()),
    }
    if status_code is not None:
        item["statusCode"] = status_code
    return _put(state, "webhookResponses", f"{webhook_id}:{sequence_number}", item)


_counter = itertools.count()


def subjects(
    state: State,
    count: int,
    *,
    subject_type_id: str | None = None,
    prefix: str = "subject",
) -> list[dict[str, Any]]:
    """`count` subjects named `<prefix>-<n>` (external id the same), of a new subject type
    unless `subject_type_id` is given, with the derived ingestion IDs of its metrics."""
    if subject_type_id is None:
        subject_type_id = state.insert(
            "subjectTypes",
            {
                "name": f"Seeded type {next(_counter)}",
                "parentSubjectTypeIds": [],
                "propertyTypes": [],
            },
        )["id"]
    metrics = [
        m for m in state.collection("metrics").values() if m["subjectTypeId"] == subject_type_id
    ]
    stored, now = state.collection("subjects"), now_iso()
    made = []
    for number in range(count):
        external_id, item_id = f"{prefix}-{number}", str(uuid.uuid4())
        item: dict[str, Any] = {
            "id": item_id,
            "createdDate": now,
            "updatedDate": now,
            "subjectTypeId": subject_type_id,
            "name": external_id,
            "externalId": external_id,
            "ingestionIds": [
                {
                    "metricId": m["id"],
                    "deriveIngestionId": True,
                    "ingestionId": f"{external_id}${m['externalId']}",
                }
                for m in metrics
            ],
            "properties": [],
        }
        stored[item_id] = item
        made.append(item)
    state.touch()
    return made

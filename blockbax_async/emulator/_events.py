"""The emulator's read-only side: events, alarms (with activity logs) and webhook responses.

The API offers no way to create these; tests seed them into the state (see
:mod:`blockbax_async.emulator.seed`, or put API-shaped dicts into ``state.collection(...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .._vocabulary import EVENT_LEVELS
from ._query import (
    fail,
    flag,
    has_property_values,
    id_list,
    parse_date,
    property_value_clauses,
    query_date,
    query_of,
    sort_items,
)
from ._server import json_response, page_of
from ._state import NotFound, State

if TYPE_CHECKING:
    from ._server import Emulator

__all__ = ["add_event_routes", "select_alarms", "select_events"]

ROOT = "/v1/projects/{project_id}"
EVENT_SORTS = ("startDate", "endDate", "id", "eventLevel", "subjectId", "eventTriggerId")
ALARM_SORTS = ("id", "createdDate", "updatedDate", "priority", "status", "subjectId")

Test = Callable[[dict[str, Any]], bool]


def _choices(query: dict[str, str], key: str, allowed: tuple[str, ...]) -> set[str] | None:
    values = id_list(query, key)
    if values is None:
        return None
    values = {value.upper() for value in values}
    if values - set(allowed):
        raise fail(f"{key}: {sorted(values - set(allowed))} not among {', '.join(allowed)}")
    return values


def _keep(items: list[dict[str, Any]], tests: list[Test | None]) -> list[dict[str, Any]]:
    active = [test for test in tests if test is not None]
    return [item for item in items if all(test(item) for test in active)]


def _member(ids: set[str] | None, field: str) -> Test | None:
    return None if ids is None else lambda item: item.get(field) in ids


def _equals(value: bool | None, test: Test) -> Test | None:
    return None if value is None else lambda item: test(item) == value


def _subject_values(state: State, query: dict[str, str]) -> Test | None:
    clauses = property_value_clauses(query)
    if clauses is None:
        return None
    subjects = state.collection("subjects")
    return lambda item: has_property_values(subjects.get(item.get("subjectId", "")), clauses)


def select_events(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    """The events a search with ``query`` finds, in its ``sort`` order."""
    start, end = query_date(query, "fromDate"), query_date(query, "toDate")
    only_new = flag(query, "onlyNew")

    def in_range(event: dict[str, Any]) -> bool:
        began = parse_date(event["startDate"])
        if only_new:
            return (start is None or began >= start) and (end is None or began < end)
        ended = parse_date(event["endDate"]) if event.get("endDate") else None
        return (end is None or began < end) and (start is None or ended is None or ended >= start)

    found = _keep(
        list(state.collection("events").values()),
        [
            _equals(flag(query, "active"), lambda event: event.get("endDate") is None),
            _equals(flag(query, "suppressed"), lambda event: bool(event.get("suppressed"))),
            None if start is None and end is None else in_range,
            _subject_values(state, query),
            _member(id_list(query, "subjectIds"), "subjectId"),
            _member(id_list(query, "eventTriggerIds"), "eventTriggerId"),
            _member(_choices(query, "eventLevels", EVENT_LEVELS), "eventLevel"),
        ],
    )
    sort = query.get("sort", "startDate,desc")
    return sort_items(found, sort, EVENT_SORTS, dates=("startDate", "endDate"))


def select_alarms(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    """The alarms a search with ``query`` finds, in its ``sort`` order (by id by default)."""
    start, end = query_date(query, "fromDate"), query_date(query, "toDate")
    type_ids = id_list(query, "subjectTypeIds")
    subjects = state.collection("subjects")

    def created_in_range(alarm: dict[str, Any]) -> bool:
        created = parse_date(alarm["createdDate"])
        return (start is None or created >= start) and (end is None or created < end)

    def of_type(alarm: dict[str, Any]) -> bool:
        subject = subjects.get(alarm.get("subjectId", ""))
        return subject is not None and subject["subjectTypeId"] in (type_ids or ())

    found = _keep(
        list(state.collection("alarms").values()),
        [
            _member(
                _choices(query, "statuses", ("UNACKED", "ACKED", "ON_HOLD", "CLOSED")), "status"
            ),
            _member(
                _choices(query, "priorities", ("LOW", "MEDIUM", "HIGH", "CRITICAL")), "priority"
            ),
            _equals(flag(query, "active"), lambda alarm: bool(alarm.get("active"))),
            None if start is None and end is None else created_in_range,
            _member(id_list(query, "subjectIds"), "subjectId"),
            None if type_ids is None else of_type,
            _member(id_list(query, "eventTriggerIds"), "eventTriggerId"),
            _subject_values(state, query),
        ],
    )
    return sort_items(
        found, query.get("sort", "id,asc"), ALARM_SORTS, dates=("createdDate", "updatedDate")
    )


def find_alarm(state: State, alarm_id: str) -> dict[str, Any]:
    """The alarm with this id (stored under ``str(id)``, or under the int as seeded)."""
    alarms = state.collection("alarms")
    alarm = alarms.get(alarm_id)
    if alarm is None:
        alarm = next((a for a in alarms.values() if str(a.get("id")) == alarm_id), None)
    if alarm is None:
        raise NotFound(f"No alarm with id {alarm_id}")
    return alarm


def activity_of(state: State, alarm: dict[str, Any]) -> dict[str, Any]:
    """``{"result": logs newest first, "metadata": {account id: {"caption"}}}``."""
    logs = [
        {k: v for k, v in log.items() if k != "alarmId"}
        for log in state.collection("alarmActivityLogs").values()
        if str(log.get("alarmId")) == str(alarm["id"])
    ]
    logs.sort(key=lambda log: parse_date(log["date"]), reverse=True)
    accounts = state.collection("accounts")
    metadata = {
        log["accountId"]: accounts[log["accountId"]]
        for log in logs
        if log.get("accountId") in accounts
    }
    return {"result": logs, "metadata": metadata}


def select_responses(state: State, webhook_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """The responses of one webhook from ``cursor`` (a sequence number, included) on, in
    ``order`` (``DESC`` by default), at most ``size`` of them."""
    order = query.get("order", "DESC").upper()
    if order not in ("ASC", "DESC"):
        raise fail(f"order: {query['order']!r} is not ASC or DESC")
    try:
        cursor = int(query["cursor"]) if "cursor" in query else None
        size = int(query["size"]) if "size" in query else None
    except ValueError:
        raise fail("cursor and size must be whole numbers") from None
    if size is not None and size < 1:
        raise fail(f"size: must be 1 or more ({size})")
    error = flag(query, "error")
    descending = order == "DESC"
    found = [
        r
        for r in state.collection("webhookResponses").values()
        if r["webhookSettingId"] == webhook_id
        and (error is None or bool(r.get("error")) == error)
        and (
            cursor is None
            or (r["sequenceNumber"] <= cursor if descending else r["sequenceNumber"] >= cursor)
        )
    ]
    found.sort(key=lambda r: int(r["sequenceNumber"]), reverse=descending)
    return found if size is None else found[:size]


def add_event_routes(emulator: Emulator, app: web.Application) -> None:
    """Register alarms (list, get, activity logs) and webhook responses (list, get)."""

    def webhook(request: web.Request) -> str:
        webhook_id = request.match_info["webhook_id"]
        if webhook_id not in emulator.state.collection("webhookSettings"):
            raise NotFound(f"No webhookSettings item with id {webhook_id}")
        return webhook_id

    async def list_alarms(request: web.Request) -> web.Response:
        query = query_of(request)
        return json_response(page_of(select_alarms(emulator.state, query), query))

    async def get_alarm(request: web.Request) -> web.Response:
        return json_response(find_alarm(emulator.state, request.match_info["alarm_id"]))

    async def alarm_activity(request: web.Request) -> web.Response:
        alarm = find_alarm(emulator.state, request.match_info["alarm_id"])
        return json_response(activity_of(emulator.state, alarm))

    async def list_responses(request: web.Request) -> web.Response:
        found = select_responses(emulator.state, webhook(request), query_of(request))
        return json_response(found)

    async def get_response(request: web.Request) -> web.Response:
        key = f"{webhook(request)}:{request.match_info['sequence_number']}"
        response = emulator.state.collection("webhookResponses").get(key)
        if response is None:
            raise NotFound(f"No webhook response {request.match_info['sequence_number']}")
        return json_response(response)

    responses = f"{ROOT}/webhookSettings/{{webhook_id}}/webhookResponses"
    app.router.add_get(f"{ROOT}/alarms", list_alarms)
    app.router.add_get(f"{ROOT}/alarms/{{alarm_id}}", get_alarm)
    app.router.add_get(f"{ROOT}/alarms/{{alarm_id}}/activityLogs", alarm_activity)
    app.router.add_get(responses, list_responses)
    app.router.add_get(f"{responses}/{{sequence_number}}", get_response)

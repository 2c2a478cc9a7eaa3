"""`/alarms`: read only, with activity logs. Tests seed alarms, their logs and the
accounts the logs name ([`blockbax_async.emulator.seed`][blockbax_async.emulator.seed])."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._vocabulary import ALARM_PRIORITIES, ALARM_STATUSES
from ._collection import equals_test, keep, member_test, subject_values_test
from ._http import ROOT, json_response, page_of
from ._query import choices, flag, id_list, parse_date, query_date, query_of, sort_items
from ._state import Host, NotFound, State

__all__ = ["activity_of", "add_alarm_routes", "find_alarm", "select_alarms"]

ALARM_SORTS = ("id", "createdDate", "updatedDate", "priority", "status", "subjectId")


def select_alarms(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    """The alarms a search with `query` finds, in its `sort` order (by id by default)."""
    start, end = query_date(query, "fromDate"), query_date(query, "toDate")
    type_ids = id_list(query, "subjectTypeIds")
    subjects = state.collection("subjects")

    def created_in_range(alarm: dict[str, Any]) -> bool:
        created = parse_date(alarm["createdDate"])
        return (start is None or created >= start) and (end is None or created < end)

    def of_type(alarm: dict[str, Any]) -> bool:
        subject = subjects.get(alarm.get("subjectId", ""))
        return subject is not None and subject["subjectTypeId"] in (type_ids or ())

    found = keep(
        state.collection("alarms").values(),
        [
            member_test(choices(query, "statuses", ALARM_STATUSES), "status"),
            member_test(choices(query, "priorities", ALARM_PRIORITIES), "priority"),
            equals_test(flag(query, "active"), lambda alarm: bool(alarm.get("active"))),
            None if start is None and end is None else created_in_range,
            member_test(id_list(query, "subjectIds"), "subjectId"),
            None if type_ids is None else of_type,
            member_test(id_list(query, "eventTriggerIds"), "eventTriggerId"),
            subject_values_test(state, query),
        ],
    )
    return sort_items(
        found, query.get("sort", "id,asc"), ALARM_SORTS, dates=("createdDate", "updatedDate")
    )


def find_alarm(state: State, alarm_id: str) -> dict[str, Any]:
    """The alarm with this id (stored under `str(id)`, or under the int as seeded)."""
    alarms = state.collection("alarms")
    alarm = alarms.get(alarm_id)
    if alarm is None:
        alarm = next((a for a in alarms.values() if str(a.get("id")) == alarm_id), None)
    if alarm is None:
        raise NotFound(f"No alarm with id {alarm_id}")
    return alarm


def activity_of(state: State, alarm: dict[str, Any]) -> dict[str, Any]:
    """`{"result": logs newest first, "metadata": {account id: {"caption"}}}`."""
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


def add_alarm_routes(host: Host, app: web.Application) -> None:
    """Register alarms: list, get and activity logs."""

    async def list_alarms(request: web.Request) -> web.Response:
        query = query_of(request)
        return json_response(page_of(select_alarms(host.state, query), query))

    async def get_alarm(request: web.Request) -> web.Response:
        return json_response(find_alarm(host.state, request.match_info["alarm_id"]))

    async def alarm_activity(request: web.Request) -> web.Response:
        alarm = find_alarm(host.state, request.match_info["alarm_id"])
        return json_response(activity_of(host.state, alarm))

    app.router.add_get(f"{ROOT}/alarms", list_alarms)
    app.router.add_get(f"{ROOT}/alarms/{{alarm_id}}", get_alarm)
    app.router.add_get(f"{ROOT}/alarms/{{alarm_id}}/activityLogs", alarm_activity)

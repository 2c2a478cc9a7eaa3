"""`/events`: read only. The emulator evaluates no triggers, so tests seed events into the
state ([`blockbax_async.emulator.seed.event`][blockbax_async.emulator.seed.event])."""

from __future__ import annotations

from typing import Any

from .._vocabulary import EVENT_LEVELS
from ._collection import Collection, equals_test, keep, member_test, subject_values_test
from ._query import choices, flag, id_list, parse_date, query_date, sort_items
from ._state import Invalid, State

__all__ = ["EVENTS", "select_events"]

EVENT_SORTS = ("startDate", "endDate", "id", "eventLevel", "subjectId", "eventTriggerId")


def select_events(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    """The events a search with `query` finds, in its `sort` order."""
    start, end = query_date(query, "fromDate"), query_date(query, "toDate")
    only_new = flag(query, "onlyNew")

    def in_range(event: dict[str, Any]) -> bool:
        began = parse_date(event["startDate"])
        if only_new:
            return (start is None or began >= start) and (end is None or began < end)
        ended = parse_date(event["endDate"]) if event.get("endDate") else None
        return (end is None or began < end) and (start is None or ended is None or ended >= start)

    found = keep(
        state.collection("events").values(),
        [
            equals_test(flag(query, "active"), lambda event: event.get("endDate") is None),
            equals_test(flag(query, "suppressed"), lambda event: bool(event.get("suppressed"))),
            None if start is None and end is None else in_range,
            subject_values_test(state, query),
            member_test(id_list(query, "subjectIds"), "subjectId"),
            member_test(id_list(query, "eventTriggerIds"), "eventTriggerId"),
            member_test(choices(query, "eventLevels", EVENT_LEVELS), "eventLevel"),
        ],
    )
    sort = query.get("sort", "startDate,desc")
    return sort_items(found, sort, EVENT_SORTS, dates=("startDate", "endDate"))


def _read_only(state: State, body: dict[str, Any], current: dict[str, Any] | None) -> Any:
    raise Invalid("This collection is read only")


EVENTS = Collection("events", _read_only, select=select_events, writable=False)

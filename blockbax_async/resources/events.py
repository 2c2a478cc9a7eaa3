"""Events: `/events` (read only)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._pagination import Paginator
from .._vocabulary import EVENT_LEVELS
from ..errors import ValidationError
from ..models import Event
from ..types import EventLevel
from ._base import (
    DateArg,
    Ids,
    PropertyValueIds,
    ReadResource,
    check_bool,
    check_choices,
    check_ids,
    date_param,
    optional,
    property_value_expression,
)
from ._raw import RawNamespace, raw, raw_page

__all__ = ["EventsResource", "EventsWithRawResponse", "check_sort"]

_SORT = re.compile(r"[A-Za-z]+(,(asc|desc|ASC|DESC))?")


def check_sort(sort: str | None) -> str | None:
    """A `sort` parameter such as `"startDate,desc"`; `None` passes."""
    if sort is not None and not (isinstance(sort, str) and _SORT.fullmatch(sort)):
        raise ValidationError(f"sort: {sort!r} is not '<field>' or '<field>,asc|desc'")
    return sort


class EventsResource(ReadResource[Event]):
    """`client.events`: get and list the events raised by event triggers."""

    path = "/events"
    model = Event

    @property
    def with_raw_response(self) -> EventsWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return EventsWithRawResponse(self)

    def list(
        self,
        *,
        active: bool | None = None,
        suppressed: bool | None = None,
        from_date: DateArg = None,
        to_date: DateArg = None,
        only_new: bool | None = None,
        property_value_ids: PropertyValueIds = None,
        subject_ids: Ids = None,
        event_trigger_ids: Ids = None,
        event_levels: Sequence[EventLevel] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[Event]:
        """Events matching every filter given, newest first unless `sort` says otherwise.

        `active=True`: only events still active. `suppressed`: only (un)suppressed ones.
        `from_date` (inclusive) and `to_date` (exclusive) take aware datetimes, epoch
        milliseconds or ISO 8601; events active in that range count unless `only_new`
        asks for those that started in it. `event_levels` holds `OK`, `INFORMATION`,
        `WARNING`, `PROBLEM`. `property_value_ids`: `[[a, b], c]` is (a or b) and c.
        `sort` is `"startDate,desc"` (the default), `"startDate,asc"`, ...
        """
        params = {
            "active": optional(check_bool, "active", active),
            "suppressed": optional(check_bool, "suppressed", suppressed),
            "fromDate": date_param("from_date", from_date),
            "toDate": date_param("to_date", to_date),
            "onlyNew": optional(check_bool, "only_new", only_new),
            "propertyValueIds": property_value_expression("property_value_ids", property_value_ids),
            "subjectIds": check_ids("subject_ids", subject_ids),
            "eventTriggerIds": check_ids("event_trigger_ids", event_trigger_ids),
            "eventLevels": check_choices("event_levels", event_levels, EVENT_LEVELS),
            "sort": check_sort(sort),
        }
        return self._search(params, limit, page_size)


class EventsWithRawResponse(RawNamespace[EventsResource]):
    """`client.events.with_raw_response`."""

    get = raw(EventsResource.get)
    list = raw_page(EventsResource.list)

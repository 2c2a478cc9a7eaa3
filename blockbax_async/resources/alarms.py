"""Alarms: `/alarms` (read only; not in the API reference, called as the official SDK
1.8.1 calls it)."""

from __future__ import annotations

from collections.abc import Sequence

from .._pagination import Paginator
from .._vocabulary import ALARM_PRIORITIES, ALARM_STATUSES
from ..errors import ValidationError
from ..models import Alarm, AlarmActivity
from ..types import AlarmPriority, AlarmStatus
from ._base import (
    DateArg,
    Ids,
    PropertyValueIds,
    Resource,
    check_bool,
    check_choices,
    check_id,
    check_ids,
    date_param,
    optional,
    property_value_expression,
)
from ._raw import RawNamespace, raw, raw_page
from .events import check_sort

__all__ = ["AlarmsResource", "AlarmsWithRawResponse"]


def _alarm_id(alarm_id: int | str) -> str:
    if isinstance(alarm_id, bool) or not isinstance(alarm_id, int | str):
        raise ValidationError(f"alarm_id: {alarm_id!r} is not an alarm id (a whole number)")
    return check_id(str(alarm_id), "alarm_id")


class AlarmsResource(Resource):
    """`client.alarms`: get and list alarms, and read an alarm's activity."""

    path = "/alarms"

    @property
    def with_raw_response(self) -> AlarmsWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return AlarmsWithRawResponse(self)

    async def get(self, id: int | str) -> Alarm:
        """The alarm with this (integer) id; [`NotFoundError`][blockbax_async.errors.NotFoundError]
        when absent."""
        alarm: Alarm = await self._call("GET", f"{self.path}/{_alarm_id(id)}", Alarm)
        return alarm

    def list(
        self,
        *,
        statuses: Sequence[AlarmStatus] | None = None,
        priorities: Sequence[AlarmPriority] | None = None,
        active: bool | None = None,
        from_date: DateArg = None,
        to_date: DateArg = None,
        subject_ids: Ids = None,
        subject_type_ids: Ids = None,
        event_trigger_ids: Ids = None,
        property_value_ids: PropertyValueIds = None,
        sort: str | None = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[Alarm]:
        """Alarms matching every filter given, by id unless `sort` says otherwise.

        `statuses`: `UNACKED`, `ACKED`, `ON_HOLD`, `CLOSED`; `priorities`:
        `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`. `from_date` (inclusive) and
        `to_date` (exclusive) bound the creation date. `property_value_ids`:
        `[[a, b], c]` is (a or b) and c. `sort` is e.g. `"id,asc"` or
        `"createdDate,desc"`.
        """
        params = {
            "statuses": check_choices("statuses", statuses, ALARM_STATUSES),
            "priorities": check_choices("priorities", priorities, ALARM_PRIORITIES),
            "active": optional(check_bool, "active", active),
            "fromDate": date_param("from_date", from_date),
            "toDate": date_param("to_date", to_date),
            "subjectIds": check_ids("subject_ids", subject_ids),
            "subjectTypeIds": check_ids("subject_type_ids", subject_type_ids),
            "eventTriggerIds": check_ids("event_trigger_ids", event_trigger_ids),
            "propertyValueIds": property_value_expression("property_value_ids", property_value_ids),
            "sort": check_sort(sort),
        }
        return self._list(self.path, Alarm, params, limit=limit, page_size=page_size)

    async def list_activity(self, alarm_id: int | str) -> AlarmActivity:
        """The activity logs of an alarm, newest first, with the accounts they name (one
        request: the API does not page them)."""
        path = f"{self.path}/{_alarm_id(alarm_id)}/activityLogs"
        activity: AlarmActivity = await self._call("GET", path, AlarmActivity)
        return activity


class AlarmsWithRawResponse(RawNamespace[AlarmsResource]):
    """`client.alarms.with_raw_response`."""

    get = raw(AlarmsResource.get)
    list = raw_page(AlarmsResource.list)
    list_activity = raw(AlarmsResource.list_activity)

"""Event triggers and their rule tree.

Nodes that vary by a `type` field (operands, input conditions, offsets) are one class each
with every field optional, so that shapes this package does not know still parse and are sent
back unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._common import READ_ONLY, Area, Location, SubjectFilter, as_id, as_optional_id

__all__ = [
    "Aggregation",
    "ConditionSet",
    "DayTimeCondition",
    "DurationCondition",
    "EventRule",
    "EventTrigger",
    "InputCondition",
    "OccurrenceCondition",
    "Offset",
    "Operand",
    "Period",
    "TimeRange",
]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Period:
    """A period; `unit` is `MILLISECOND`, `SECOND`, `MINUTE`, `HOUR`, `DAY` or
    `WEEK`, and the total is at most one week."""

    unit: str
    amount: int


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Aggregation:
    """Aggregation of a metric operand; `function` is `MIN`, `MAX`, `SUM`, `COUNT`
    or `AVG`."""

    function: str
    period: Period | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Offset:
    """Offset of a value change operand; `type` is `PREVIOUS_VALUE` or `PERIOD` (which
    needs `period`)."""

    type: str | None = None
    period: Period | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Operand:
    """An operand of an input condition, or nested in a calculation or value change.

    `type` is `METRIC` or `PROPERTY_TYPE` (with `id`, a metric may carry an
    `aggregation` or `offset`), `STATIC_VALUE` (with `number`, `text`, `location`
    or `area`), or `CALCULATION` / `VALUE_CHANGE` (with `left_operand`,
    `arithmetic_operator` and `right_operand`). `arithmetic_operator` is one of
    `ADDITION`, `MULTIPLICATION`, `DIVISION`, `DISTANCE`, `DIFFERENCE`,
    `ABSOLUTE_DIFFERENCE`, `PERCENTAGE_DIFFERENCE`, `ABSOLUTE_PERCENTAGE_DIFFERENCE`.
    """

    type: str | None = None
    id: str | None = attrs.field(default=None, converter=as_optional_id)
    number: float | None = None
    text: str | None = None
    location: Location | None = None
    area: Area | None = None
    aggregation: Aggregation | None = None
    left_operand: Operand | None = None
    arithmetic_operator: str | None = None
    right_operand: Operand | None = None
    offset: Offset | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class InputCondition:
    """A comparison of two operands.

    `type` is `THRESHOLD`, `TEXT_MATCH` or `GEOFENCE`. `comparison_operator` is
    `LESS_THAN`, `LESS_THAN_OR_EQUALS`, `EQUALS`, `NOT_EQUALS`,
    `GREATER_THAN_OR_EQUALS`, `GREATER_THAN` (threshold), `CONTAINS`, `NOT_CONTAINS`,
    `STARTS_WITH`, `NOT_STARTS_WITH`, `ENDS_WITH`, `NOT_ENDS_WITH`, `MATCHES_REGEX`,
    `NOT_MATCHES_REGEX` (text match) or `CONTAINS`, `NOT_CONTAINS` (geofence). Some
    geofence conditions come back with the operator in `arithmetic_operator`.
    """

    type: str | None = None
    left_operand: Operand | None = None
    comparison_operator: str | None = None
    right_operand: Operand | None = None
    arithmetic_operator: str | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class DurationCondition:
    """The comparison must hold for at least `period`."""

    period: Period


@attrs.define(on_setattr=attrs.setters.NO_OP)
class OccurrenceCondition:
    """The comparison must hold at least `occurrences` times within `period`."""

    occurrences: int
    period: Period


@attrs.define(on_setattr=attrs.setters.NO_OP)
class TimeRange:
    """A time range within a day, as `"HH:MM"` strings."""

    from_time: str
    to_time: str


class _Day:
    """A day attribute by the official SDK's upper-case name (`MONDAY`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self if obj is None else getattr(obj, self.name)

    def __set__(self, obj: Any, value: list[TimeRange] | None) -> None:
        setattr(obj, self.name, value)


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Days = list[TimeRange] | None


@attrs.define(on_setattr=attrs.setters.NO_OP, init=False)
class DayTimeCondition:
    """The days and times at which the comparison must hold; days left `None` never match.

    The official SDK's upper-case names work too: `DayTimeCondition(MONDAY=[...])`,
    `condition.MONDAY`.
    """

    monday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "MONDAY"})
    tuesday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "TUESDAY"})
    wednesday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "WEDNESDAY"})
    thursday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "THURSDAY"})
    friday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "FRIDAY"})
    saturday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "SATURDAY"})
    sunday: list[TimeRange] | None = attrs.field(default=None, metadata={"json": "SUNDAY"})

    MONDAY = _Day("monday")
    TUESDAY = _Day("tuesday")
    WEDNESDAY = _Day("wednesday")
    THURSDAY = _Day("thursday")
    FRIDAY = _Day("friday")
    SATURDAY = _Day("saturday")
    SUNDAY = _Day("sunday")

    def __init__(
        self,
        monday: Days = None,
        tuesday: Days = None,
        wednesday: Days = None,
        thursday: Days = None,
        friday: Days = None,
        saturday: Days = None,
        sunday: Days = None,
        **upper: Days,
    ) -> None:
        week = (monday, tuesday, wednesday, thursday, friday, saturday, sunday)
        days = dict(zip(_DAYS, week, strict=True))
        for name, value in upper.items():
            day = name.lower()
            if name != day.upper() or day not in days:
                raise TypeError(f"DayTimeCondition() got an unexpected keyword argument {name!r}")
            if days[day] is not None:
                raise TypeError(f"DayTimeCondition(): {day} given twice")
            days[day] = value
        self.__attrs_init__(**days)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class ConditionSet:
    """Input conditions that must all hold, with optional duration, occurrence and day-time
    constraints. `id` is `None` for a new set; keep it when updating one."""

    description: str
    input_conditions: list[InputCondition] = attrs.Factory(list)
    id: str | None = attrs.field(default=None, converter=as_optional_id)
    duration_condition: DurationCondition | None = None
    occurrence_condition: OccurrenceCondition | None = None
    day_time_condition: DayTimeCondition | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class EventRule:
    """Condition sets raising events of `event_level` (`OK`, `INFORMATION`, `WARNING`
    or `PROBLEM`)."""

    event_level: str
    condition_sets: list[ConditionSet] = attrs.Factory(list)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class EventTrigger:
    """An event trigger.

    `evaluation_trigger` is `INPUT_METRICS` or `SUBJECT_METRICS`;
    `evaluation_constraint` is `NONE` or `ALL_TIMESTAMPS_MATCH`. Some servers answer with
    an `evaluationTriggers` object instead: it is kept, read only, in `evaluation_triggers`
    (never sent back), and `evaluation_trigger` is derived from it when absent.
    `latest_version` and `archived` are deprecated and read only.
    """

    name: str
    subject_type_id: str = attrs.field(converter=as_id)
    active: bool = True
    evaluation_trigger: str | None = None
    evaluation_constraint: str | None = None
    event_rules: list[EventRule] = attrs.Factory(list)
    subject_filter: SubjectFilter | None = None
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    version: int | None = attrs.field(default=None, metadata=READ_ONLY)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    latest_version: bool | None = attrs.field(default=None, metadata=READ_ONLY)
    archived: bool | None = attrs.field(default=None, metadata=READ_ONLY)
    evaluation_triggers: dict[str, Any] | None = attrs.field(default=None, metadata=READ_ONLY)

    def __attrs_post_init__(self) -> None:
        if self.evaluation_trigger is None and self.evaluation_triggers is not None:
            self.evaluation_trigger = _derive_evaluation_trigger(self.evaluation_triggers)


def _derive_evaluation_trigger(triggers: dict[str, Any]) -> str | None:
    new_measurement = triggers.get("newMeasurement")
    if not isinstance(new_measurement, dict):
        return None
    if new_measurement.get("fromOtherMetrics"):
        return "SUBJECT_METRICS"
    return "INPUT_METRICS" if new_measurement.get("fromInputMetrics") else None

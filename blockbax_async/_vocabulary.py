"""The API's enumerated values, as the reference lists them, as tuples to check against.

The client checks input against them before sending and the emulator checks bodies with them,
so both speak one vocabulary. Each enumeration that arguments take is declared once, as a
`Literal` type in `blockbax_async.types`; its tuple here is read from that type. Models keep
such fields as plain `str`, so values newer than this list still parse.
"""

from __future__ import annotations

from typing import get_args

from .types import (
    AlarmPriority,
    AlarmStatus,
    EvaluationConstraint,
    EvaluationTrigger,
    EventLevel,
    MappingLevel,
    MetricDataType,
    PropertyDataType,
    SubjectIdsMode,
)

__all__ = [
    "ALARM_PRIORITIES",
    "ALARM_STATUSES",
    "COMPARISON_OPERATORS",
    "EVALUATION_CONSTRAINTS",
    "EVALUATION_TRIGGERS",
    "EVENT_LEVELS",
    "MAPPING_LEVELS",
    "METRIC_DATA_TYPES",
    "OPERAND_TYPES",
    "PERIOD_UNITS",
    "PROPERTY_DATA_TYPES",
    "SUBJECT_IDS_MODES",
]

PROPERTY_DATA_TYPES: tuple[PropertyDataType, ...] = get_args(PropertyDataType)
METRIC_DATA_TYPES: tuple[MetricDataType, ...] = get_args(MetricDataType)
MAPPING_LEVELS: tuple[MappingLevel, ...] = get_args(MappingLevel)
SUBJECT_IDS_MODES: tuple[SubjectIdsMode, ...] = get_args(SubjectIdsMode)
EVENT_LEVELS: tuple[EventLevel, ...] = get_args(EventLevel)
ALARM_STATUSES: tuple[AlarmStatus, ...] = get_args(AlarmStatus)
ALARM_PRIORITIES: tuple[AlarmPriority, ...] = get_args(AlarmPriority)
EVALUATION_TRIGGERS: tuple[EvaluationTrigger, ...] = get_args(EvaluationTrigger)
EVALUATION_CONSTRAINTS: tuple[EvaluationConstraint, ...] = get_args(EvaluationConstraint)
OPERAND_TYPES = ("METRIC", "PROPERTY_TYPE", "STATIC_VALUE", "VALUE_CHANGE", "CALCULATION")
PERIOD_UNITS = ("MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK")
COMPARISON_OPERATORS = {
    "THRESHOLD": (
        "LESS_THAN",
        "LESS_THAN_OR_EQUALS",
        "EQUALS",
        "NOT_EQUALS",
        "GREATER_THAN_OR_EQUALS",
        "GREATER_THAN",
    ),
    "TEXT_MATCH": (
        "EQUALS",
        "NOT_EQUALS",
        "CONTAINS",
        "NOT_CONTAINS",
        "STARTS_WITH",
        "NOT_STARTS_WITH",
        "ENDS_WITH",
        "NOT_ENDS_WITH",
        "MATCHES_REGEX",
        "NOT_MATCHES_REGEX",
    ),
    "GEOFENCE": ("CONTAINS", "NOT_CONTAINS"),
}

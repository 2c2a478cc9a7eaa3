"""The API's enumerated values, as the reference lists them.

The client checks input against them before sending and the emulator checks bodies with them,
so both speak one vocabulary. Models keep such fields as plain ``str``, so values newer than
this list still parse.
"""

from __future__ import annotations

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

PROPERTY_DATA_TYPES = ("TEXT", "NUMBER", "LOCATION", "MAP_LAYER", "IMAGE", "AREA")
METRIC_DATA_TYPES = ("NUMBER", "LOCATION", "TEXT")
MAPPING_LEVELS = ("OWN", "CHILD")
SUBJECT_IDS_MODES = ("SELF", "CHILDREN", "ALL")
EVENT_LEVELS = ("OK", "INFORMATION", "WARNING", "PROBLEM")
ALARM_STATUSES = ("UNACKED", "ACKED", "ON_HOLD", "CLOSED")
ALARM_PRIORITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
EVALUATION_TRIGGERS = ("INPUT_METRICS", "SUBJECT_METRICS")
EVALUATION_CONSTRAINTS = ("NONE", "ALL_TIMESTAMPS_MATCH")
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

"""The API's enumerated values as `Literal` types, for arguments and for your own
annotations: an IDE completes them and `mypy --strict` refuses a value outside them
(`data_type="VECTOR"`).

A value read from configuration is a plain `str`: check it at run time (the client does,
and raises [`ValidationError`][blockbax_async.errors.ValidationError]) and tell the type checker
with `typing.cast(MetricDataType, value)`. These types are the one declaration of
each enumeration: the run-time checks read their values from them (`typing.get_args`).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AlarmPriority",
    "AlarmStatus",
    "EvaluationConstraint",
    "EvaluationTrigger",
    "EventLevel",
    "MappingLevel",
    "MetricDataType",
    "MetricType",
    "Order",
    "PropertyDataType",
    "SubjectIdsMode",
]

PropertyDataType = Literal["TEXT", "NUMBER", "LOCATION", "MAP_LAYER", "IMAGE", "AREA"]
MetricDataType = Literal["NUMBER", "LOCATION", "TEXT"]
MetricType = Literal["INGESTED"]
MappingLevel = Literal["OWN", "CHILD"]
SubjectIdsMode = Literal["SELF", "CHILDREN", "ALL"]
EventLevel = Literal["OK", "INFORMATION", "WARNING", "PROBLEM"]
AlarmStatus = Literal["UNACKED", "ACKED", "ON_HOLD", "CLOSED"]
AlarmPriority = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
EvaluationTrigger = Literal["INPUT_METRICS", "SUBJECT_METRICS"]
EvaluationConstraint = Literal["NONE", "ALL_TIMESTAMPS_MATCH"]
Order = Literal["ASC", "DESC"]

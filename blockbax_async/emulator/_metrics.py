"""`/metrics`: metrics of a subject type; writing one keeps the subjects' ingestion IDs in
step (see `_ingestion`)."""

from __future__ import annotations

import re
from typing import Any

from .._vocabulary import MAPPING_LEVELS, METRIC_DATA_TYPES
from ._checks import choice, existing, optional, unique_external_id
from ._collection import Collection, external_id_test, in_test, name_test, search
from ._ingestion import metric_deleted, metric_written
from ._query import fail
from ._state import State, require

__all__ = ["METRICS"]

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_OPTIONAL = ("unit", "precision", "visible", "discrete", "preferredColor")


def _metric(state: State, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    type_id = require(body, "subjectTypeId", str)
    existing(state, "subjectTypes", type_id, "subjectTypeId")
    if current is not None and type_id != current["subjectTypeId"]:
        raise fail("subjectTypeId: a metric cannot move to another subject type")
    stored = {
        "subjectTypeId": type_id,
        "name": require(body, "name", str),
        "dataType": choice(body, "dataType", METRIC_DATA_TYPES),
        "type": choice(body, "type", ("INGESTED",)),
        "externalId": require(body, "externalId", str),
        "mappingLevel": choice(body, "mappingLevel", MAPPING_LEVELS),
    }
    if current is not None and stored["dataType"] != current["dataType"]:
        raise fail("dataType: the data type of a metric cannot change")
    precision = optional(body, "precision", int)
    if precision is not None and not 0 <= precision <= 8:
        raise fail(f"precision: must be from 0 to 8 ({precision!r})")
    color = optional(body, "preferredColor", str)
    if color is not None and not _COLOR.fullmatch(color):
        raise fail(f"preferredColor: not a hex color like #2fc177 ({color!r})")
    for field, kind in (("unit", str), ("visible", bool), ("discrete", bool)):
        optional(body, field, kind)
    unique_external_id(state, "metrics", stored, current, scope="subjectTypeId")
    return stored | {key: body[key] for key in _OPTIONAL if body.get(key) is not None}


def _select(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    return search(
        state,
        "metrics",
        [
            name_test(query),
            external_id_test(query),
            in_test(query, "metricIds", "id"),
            in_test(query, "subjectTypeIds", "subjectTypeId"),
        ],
    )


METRICS = Collection(
    "metrics", _metric, select=_select, written=metric_written, deleted=metric_deleted
)

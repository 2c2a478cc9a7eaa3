"""`/propertyTypes`: property types and their values.

A caption is required for the predefined values of locations, map layers and images, and
only predefined values may have one. Values of a property type without predefined values are
created from subjects, never here: an update may only send back the ones it has (or leave
`values` out to keep them).
"""

from __future__ import annotations

import uuid
from typing import Any

from .._vocabulary import PROPERTY_DATA_TYPES
from ._checks import CAPTION_REQUIRED, choice, list_field, property_value, unique_external_id
from ._collection import Collection, external_id_test, name_test, search
from ._query import fail
from ._state import State, require

__all__ = ["PROPERTY_TYPES"]


def _values(
    state: State,
    type_id: str,
    body: dict[str, Any],
    current: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    data_type, predefined = body["dataType"], body["predefinedValues"]
    known = {v["id"]: v for v in (current or {}).get("values") or ()}
    if body.get("values") is None and not predefined:
        return list(known.values())
    values = []
    for index, given in enumerate(list_field(body, "values")):
        where = f"values[{index}]"
        if not isinstance(given, dict):
            raise fail(f"{where}: must be an object")
        if given.get("id") is not None and given["id"] not in known:
            raise fail(f"{where}.id: no value {given['id']!r} of this property type")
        value = property_value(state, type_id, data_type, given, where)
        if not predefined and given.get("id") is None:
            raise fail(
                f"{where}: values of a property type without predefined values are "
                "created from subjects"
            )
        if not predefined and given.get("caption") is not None:
            raise fail(f"{where}.caption: only predefined values have a caption")
        if predefined and data_type in CAPTION_REQUIRED and given.get("caption") is None:
            raise fail(f"{where}.caption: required for a value of data type {data_type}")
        values.append(value)
    return values


def _property_type(
    state: State, body: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "id": str(uuid.uuid4()) if current is None else current["id"],
        "name": require(body, "name", str),
        "externalId": require(body, "externalId", str),
        "dataType": choice(body, "dataType", PROPERTY_DATA_TYPES),
        "predefinedValues": body.get("predefinedValues"),
    }
    if not isinstance(stored["predefinedValues"], bool):
        raise fail(f"predefinedValues: must be true or false ({stored['predefinedValues']!r})")
    unique_external_id(state, "propertyTypes", body, current)
    stored["values"] = _values(state, stored["id"], {**body, **stored}, current)
    return stored


def _select(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    return search(state, "propertyTypes", [name_test(query), external_id_test(query)])


PROPERTY_TYPES = Collection("propertyTypes", _property_type, select=_select)

"""`/subjects`: subjects, their parent, ingestion IDs and property values.

A property either refers to a value of its property type (`valueId`), creates one (only
for property types without predefined values, and without a caption), or inherits the
parent's value; unspecified values are inherited on create where the parent has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._vocabulary import SUBJECT_IDS_MODES
from ._checks import (
    VALUE_FIELD,
    VALUE_KEYS,
    existing,
    list_field,
    property_value,
    unique_external_id,
)
from ._collection import Collection, external_id_test, in_test, name_test, search
from ._ingestion import ingestion_ids
from ._query import fail, has_property_values, id_list, property_value_clauses
from ._state import State, require

__all__ = ["SUBJECTS", "ancestors"]


def _subject(state: State, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    type_id = require(body, "subjectTypeId", str)
    subject_type = existing(state, "subjectTypes", type_id, "subjectTypeId")
    stored: dict[str, Any] = {
        "subjectTypeId": type_id,
        "name": require(body, "name", str),
        "externalId": require(body, "externalId", str),
    }
    unique_external_id(state, "subjects", stored, current)
    parent = _parent(state, body, subject_type, current)
    if parent is not None:
        stored["parentSubjectId"] = parent["id"]
    stored["ingestionIds"] = ingestion_ids(state, body, stored, current)
    stored["properties"] = _properties(state, body, subject_type, parent, current)
    return stored


def _parent(
    state: State,
    body: dict[str, Any],
    subject_type: dict[str, Any],
    current: dict[str, Any] | None,
) -> dict[str, Any] | None:
    parent_types = subject_type.get("parentSubjectTypeIds") or []
    parent_id = body.get("parentSubjectId")
    if not parent_types:
        if parent_id is not None:
            raise fail("parentSubjectId: not allowed, the subject type has no parent type")
        return None
    if parent_id is None:
        raise fail("parentSubjectId: required, the subject type has a parent type")
    parent = existing(state, "subjects", parent_id, "parentSubjectId")
    if parent["subjectTypeId"] not in parent_types:
        raise fail(f"parentSubjectId: {parent_id!r} is not of a parent subject type")
    if current is not None and current["id"] in ancestors(state, parent) | {parent["id"]}:
        raise fail(f"parentSubjectId: would make a cycle ({parent_id!r})")
    return parent


def ancestors(state: State, subject: dict[str, Any]) -> set[str]:
    """The ids of the subjects above `subject` (its parent, theirs, ...)."""
    subjects, seen = state.collection("subjects"), set()
    parent = subject.get("parentSubjectId")
    while parent is not None and parent not in seen and parent in subjects:
        seen.add(parent)
        parent = subjects[parent].get("parentSubjectId")
    return seen


def _properties(
    state: State,
    body: dict[str, Any],
    subject_type: dict[str, Any],
    parent: dict[str, Any] | None,
    current: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    links = {link["id"]: link for link in subject_type.get("propertyTypes") or ()}
    parent_values = {p["typeId"]: p for p in (parent or {}).get("properties") or ()}
    result: dict[str, dict[str, Any]] = {}
    created: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for index, prop in enumerate(list_field(body, "properties")):
        where = f"properties[{index}]"
        if not isinstance(prop, dict) or prop.get("typeId") not in links:
            raise fail(f"{where}.typeId: not a property type of the subject type")
        type_id = prop["typeId"]
        if type_id in result:
            raise fail(f"{where}.typeId: {type_id!r} is given twice")
        property_type = state.collection("propertyTypes")[type_id]
        if prop.get("inherit"):
            result[type_id] = _inherited(type_id, parent_values, where)
        elif prop.get("valueId") is not None:
            value = next((v for v in property_type["values"] if v["id"] == prop["valueId"]), None)
            if value is None:
                raise fail(f"{where}.valueId: no value {prop['valueId']!r} of that property type")
            result[type_id] = _with_value(type_id, value)
        else:
            value = _new_value(state, property_type, prop, where)
            created.append((property_type, value))
            result[type_id] = _with_value(type_id, value)
    if current is None:
        for type_id in links.keys() & parent_values.keys() - result.keys():
            result[type_id] = _inherited(type_id, parent_values, "properties")
    for type_id, link in links.items():
        if link["required"] and type_id not in result:
            raise fail(f"properties: a value of required property type {type_id!r} is missing")
    for property_type, value in created:
        property_type["values"].append(value)
    return list(result.values())


def _new_value(
    state: State, property_type: dict[str, Any], prop: dict[str, Any], where: str
) -> dict[str, Any]:
    if property_type["predefinedValues"]:
        raise fail(f"{where}: the property type has predefined values; give a valueId")
    if prop.get("caption") is not None:
        raise fail(f"{where}.caption: only predefined values have a caption")
    field = VALUE_FIELD[property_type["dataType"]]
    given = {field: prop.get(field)}
    return property_value(state, property_type["id"], property_type["dataType"], given, where)


def _with_value(type_id: str, value: dict[str, Any]) -> dict[str, Any]:
    picked = {k: value[k] for k in (*VALUE_KEYS, "caption") if value.get(k) is not None}
    return {"typeId": type_id, "valueId": value["id"], **picked}


def _inherited(type_id: str, parent_values: dict[str, Any], where: str) -> dict[str, Any]:
    if type_id not in parent_values:
        raise fail(f"{where}.inherit: the parent subject has no value of {type_id!r}")
    inherited = {k: v for k, v in parent_values[type_id].items() if k != "inherit"}
    return {**inherited, "inherit": True}


def _select(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    ids = id_list(query, "subjectIds")
    mode = query.get("subjectIdsMode", "SELF").upper()
    if mode not in SUBJECT_IDS_MODES:
        raise fail(f"subjectIdsMode: {mode!r} is not one of {', '.join(SUBJECT_IDS_MODES)}")
    by_ids: Callable[[dict[str, Any]], bool] | None = None
    if ids is not None and mode == "SELF":
        by_ids = lambda item: item["id"] in ids  # noqa: E731
    elif ids is not None and mode == "CHILDREN":
        by_ids = lambda item: item.get("parentSubjectId") in ids  # noqa: E731
    elif ids is not None:
        by_ids = lambda item: item["id"] in ids or bool(ancestors(state, item) & ids)  # noqa: E731
    clauses = property_value_clauses(query)
    by_values = None if clauses is None else lambda item: has_property_values(item, clauses)
    return search(
        state,
        "subjects",
        [
            name_test(query),
            external_id_test(query),
            by_ids,
            in_test(query, "subjectTypeIds", "subjectTypeId"),
            by_values,
        ],
    )


SUBJECTS = Collection("subjects", _subject, select=_select)

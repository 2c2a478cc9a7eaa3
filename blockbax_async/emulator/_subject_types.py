"""`/subjectTypes`: subject types, their parents, linked property types and primary
location."""

from __future__ import annotations

from typing import Any

from ._checks import choice, existing, list_field
from ._collection import Collection, name_test, search
from ._query import fail, id_list
from ._state import State, require

__all__ = ["SUBJECT_TYPES", "ancestor_types"]


def ancestor_types(state: State, type_id: str) -> set[str]:
    """The ids of every type above `type_id` (parents, their parents, ...)."""
    types, seen, todo = state.collection("subjectTypes"), set(), [type_id]
    while todo:
        for parent in types.get(todo.pop(), {}).get("parentSubjectTypeIds") or ():
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _links(state: State, body: dict[str, Any]) -> list[dict[str, Any]]:
    links, seen = [], set()
    for index, link in enumerate(list_field(body, "propertyTypes")):
        where = f"propertyTypes[{index}]"
        if not isinstance(link, dict):
            raise fail(f"{where}: must be an object")
        existing(state, "propertyTypes", link.get("id"), f"{where}.id")
        if not isinstance(link.get("required"), bool):
            raise fail(f"{where}.required: must be true or false")
        visible = link.get("visible", True)
        if not isinstance(visible, bool):
            raise fail(f"{where}.visible: must be true or false")
        if link["id"] in seen:
            raise fail(f"{where}.id: {link['id']!r} is listed twice")
        seen.add(link["id"])
        links.append({"id": link["id"], "required": link["required"], "visible": visible})
    return links


def _subject_type(
    state: State, body: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    name = require(body, "name", str)
    parents = list_field(body, "parentSubjectTypeIds")
    for index, parent in enumerate(parents):
        existing(state, "subjectTypes", parent, f"parentSubjectTypeIds[{index}]")
        if current is not None and (
            parent == current["id"] or current["id"] in ancestor_types(state, parent)
        ):
            raise fail(f"parentSubjectTypeIds[{index}]: would make a cycle ({parent!r})")
    links = _links(state, body)
    stored: dict[str, Any] = {"name": name, "parentSubjectTypeIds": parents, "propertyTypes": links}
    location = body.get("primaryLocation")
    if location is not None:
        linked = {link["id"] for link in links}
        stored["primaryLocation"] = _primary_location(state, location, linked, current)
    if len(parents) == 1:
        stored["parentSubjectTypeId"] = parents[0]
    return stored


def _primary_location(
    state: State, location: Any, linked: set[str], current: dict[str, Any] | None
) -> dict[str, Any]:
    if not isinstance(location, dict):
        raise fail("primaryLocation: must be an object with type and id")
    kind = choice(location, "type", ("METRIC", "PROPERTY_TYPE"), "primaryLocation.")
    target = location.get("id")
    if kind == "PROPERTY_TYPE":
        if target not in linked:
            raise fail(f"primaryLocation.id: property type {target!r} is not linked")
        data_type = state.collection("propertyTypes")[target]["dataType"]
    else:
        metric = state.collection("metrics").get(target) if isinstance(target, str) else None
        if metric is None or current is None or metric["subjectTypeId"] != current["id"]:
            raise fail(f"primaryLocation.id: {target!r} is not a metric of this subject type")
        data_type = metric["dataType"]
    if data_type != "LOCATION":
        raise fail(f"primaryLocation.id: {target!r} is not of data type LOCATION")
    return {"type": kind, "id": target}


def _select(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    wanted = id_list(query, "propertyTypeIds")
    if wanted is None and "propertyTypes" in query:  # how the official SDK 1.8.1 sends it
        wanted = id_list(query, "propertyTypes")

    def links(item: dict[str, Any]) -> bool:
        return bool(wanted & {link["id"] for link in item.get("propertyTypes") or ()})  # type: ignore[operator]

    return search(state, "subjectTypes", [name_test(query), None if wanted is None else links])


SUBJECT_TYPES = Collection("subjectTypes", _subject_type, select=_select)

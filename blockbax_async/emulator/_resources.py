"""How the emulator checks and filters each CRUD collection, as the API reference says.

Each collection is a :class:`Collection`: a :class:`ResourceSpec` (URL segment, body check,
filter) plus hooks that need the whole state: ``select`` answers a search (filters and
order), ``written`` and ``deleted`` keep other collections in step (the derived ingestion
IDs of subjects follow their metrics). Whatever changes stored items calls ``state.touch()``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from .._vocabulary import (
    COMPARISON_OPERATORS,
    EVENT_LEVELS,
    OPERAND_TYPES,
    PERIOD_UNITS,
    PROPERTY_DATA_TYPES,
)
from ._query import fail as _fail
from ._query import has_property_values, id_list, property_value_clauses
from ._state import Invalid, ResourceSpec, State, require

__all__ = ["SPECS", "Collection"]

Selector = Callable[[State, dict[str, str]], list[dict[str, Any]]]
Hook = Callable[[State, dict[str, Any]], None]


@attrs.frozen
class Collection(ResourceSpec):
    """A :class:`ResourceSpec` with hooks that see the whole state (see the module doc)."""

    select: Selector | None = None
    written: Hook | None = None
    deleted: Hook | None = None


_VALUE_FIELD = {
    "TEXT": "text",
    "NUMBER": "number",
    "LOCATION": "location",
    "MAP_LAYER": "mapLayer",
    "IMAGE": "image",
    "AREA": "area",
}
_VALUE_KEYS = tuple(_VALUE_FIELD.values())
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


def _contains(value: Any, needle: str | None) -> bool:
    return needle is None or needle.lower() in str(value or "").lower()


def _search(
    state: State, segment: str, tests: Iterable[Callable[[dict[str, Any]], bool] | None]
) -> list[dict[str, Any]]:
    items = state.collection(segment).values()
    active = [test for test in tests if test is not None]
    if not active:
        return list(items)
    return [item for item in items if all(test(item) for test in active)]


def _name_matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    return _contains(item.get("name"), query.get("name"))


def _external_id_matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    external_id = query.get("externalId")
    return external_id is None or item.get("externalId") == external_id


def _name_test(query: dict[str, str]) -> Callable[[dict[str, Any]], bool] | None:
    name = query.get("name")
    return None if name is None else lambda item: _contains(item.get("name"), name)


def _external_id_test(query: dict[str, str]) -> Callable[[dict[str, Any]], bool] | None:
    external_id = query.get("externalId")
    return None if external_id is None else lambda item: item.get("externalId") == external_id


def _in_test(
    query: dict[str, str], key: str, field: str
) -> Callable[[dict[str, Any]], bool] | None:
    ids = id_list(query, key)
    return None if ids is None else lambda item: item.get(field) in ids


# -- body checks --------------------------------------------------------------------------


def _unique_external_id(
    state: State,
    segment: str,
    body: dict[str, Any],
    existing: dict[str, Any] | None,
    scope: str | None = None,
) -> None:
    for item in state.collection(segment).values():
        if item is existing or item.get("externalId") != body["externalId"]:
            continue
        if scope is None or item.get(scope) == body.get(scope):
            raise _fail(f"externalId: {body['externalId']!r} exists")


def _existing(state: State, segment: str, item_id: Any, field: str) -> dict[str, Any]:
    if not isinstance(item_id, str) or item_id not in state.collection(segment):
        raise _fail(f"{field}: no {segment} item with id {item_id!r}")
    return state.collection(segment)[item_id]


def _optional(body: dict[str, Any], field: str, kind: type | tuple[type, ...]) -> Any:
    value = body.get(field)
    if value is not None and (
        not isinstance(value, kind) or (isinstance(value, bool) and kind is int)
    ):
        raise _fail(f"{field}: has the wrong type ({value!r})")
    return value


def _choice(body: dict[str, Any], field: str, allowed: Iterable[str], where: str = "") -> str:
    value = require(body, field, str)
    if value not in allowed:
        raise _fail(f"{where}{field}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _list(body: dict[str, Any], field: str, required: bool = False) -> list[Any]:
    value = body.get(field)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise _fail(f"{field}: must be a list")
    return value


def _check_location(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise _fail(f"{where}: must be an object with lat and lon")
    for key, bound in (("lat", 90), ("lon", 180)):
        number = value.get(key)
        if not isinstance(number, int | float) or isinstance(number, bool) or abs(number) > bound:
            raise _fail(f"{where}.{key}: invalid ({number!r})")


def _check_value(data_type: str, value: dict[str, Any], where: str) -> None:
    field = _VALUE_FIELD[data_type]
    if value.get(field) is None:
        raise _fail(f"{where}.{field}: required for {data_type}")
    if data_type == "NUMBER" and (
        not isinstance(value[field], int | float) or isinstance(value[field], bool)
    ):
        raise _fail(f"{where}.number: must be a number")
    if data_type == "TEXT" and not isinstance(value[field], str):
        raise _fail(f"{where}.text: must be a string")
    if data_type == "LOCATION":
        _check_location(value[field], f"{where}.location")


def _store_media(stored: dict[str, Any]) -> dict[str, Any]:
    for media in ("mapLayer", "image"):
        if media in stored and "imageData" in stored[media]:
            data = dict(stored[media])
            del data["imageData"]
            data["imagePath"] = f"/files/{stored['id']}.png"
            stored[media] = data
    return stored


# -- property types -----------------------------------------------------------------------


def _property_value(data_type: str, value: Any, index: int) -> dict[str, Any]:
    where = f"values[{index}]"
    if not isinstance(value, dict):
        raise _fail(f"{where}: must be an object")
    _check_value(data_type, value, where)
    stored = {
        "id": value.get("id") or str(uuid.uuid4()),
        **{k: v for k, v in value.items() if k != "id"},
    }
    return _store_media(stored)


def _property_type(
    state: State, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    name = require(body, "name", str)
    external_id = require(body, "externalId", str)
    data_type = _choice(body, "dataType", PROPERTY_DATA_TYPES)
    predefined = body.get("predefinedValues")
    if not isinstance(predefined, bool):
        raise _fail(f"predefinedValues: must be true or false ({predefined!r})")
    values = _list(body, "values")
    _unique_external_id(state, "propertyTypes", body, existing)
    return {
        "name": name,
        "externalId": external_id,
        "dataType": data_type,
        "predefinedValues": predefined,
        "values": [_property_value(data_type, v, i) for i, v in enumerate(values)],
    }


# -- subject types ------------------------------------------------------------------------


def _ancestor_types(state: State, type_id: str) -> set[str]:
    types, seen, todo = state.collection("subjectTypes"), set(), [type_id]
    while todo:
        for parent in types.get(todo.pop(), {}).get("parentSubjectTypeIds") or ():
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _subject_type(
    state: State, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    name = require(body, "name", str)
    parents = _list(body, "parentSubjectTypeIds")
    for index, parent in enumerate(parents):
        _existing(state, "subjectTypes", parent, f"parentSubjectTypeIds[{index}]")
        if existing is not None and (
            parent == existing["id"] or existing["id"] in _ancestor_types(state, parent)
        ):
            raise _fail(f"parentSubjectTypeIds[{index}]: would make a cycle ({parent!r})")
    links, seen = [], set()
    for index, link in enumerate(_list(body, "propertyTypes")):
        where = f"propertyTypes[{index}]"
        if not isinstance(link, dict):
            raise _fail(f"{where}: must be an object")
        _existing(state, "propertyTypes", link.get("id"), f"{where}.id")
        if not isinstance(link.get("required"), bool):
            raise _fail(f"{where}.required: must be true or false")
        visible = link.get("visible", True)
        if not isinstance(visible, bool):
            raise _fail(f"{where}.visible: must be true or false")
        if link["id"] in seen:
            raise _fail(f"{where}.id: {link['id']!r} is listed twice")
        seen.add(link["id"])
        links.append({"id": link["id"], "required": link["required"], "visible": visible})
    stored: dict[str, Any] = {"name": name, "parentSubjectTypeIds": parents, "propertyTypes": links}
    location = body.get("primaryLocation")
    if location is not None:
        stored["primaryLocation"] = _primary_location(state, location, seen, existing)
    if len(parents) == 1:
        stored["parentSubjectTypeId"] = parents[0]
    return stored


def _primary_location(
    state: State, location: Any, linked: set[str], existing: dict[str, Any] | None
) -> dict[str, Any]:
    if not isinstance(location, dict):
        raise _fail("primaryLocation: must be an object with type and id")
    kind = _choice(location, "type", ("METRIC", "PROPERTY_TYPE"), "primaryLocation.")
    target = location.get("id")
    if kind == "PROPERTY_TYPE":
        if target not in linked:
            raise _fail(f"primaryLocation.id: property type {target!r} is not linked")
        data_type = state.collection("propertyTypes")[target]["dataType"]
    else:
        metric = state.collection("metrics").get(target) if isinstance(target, str) else None
        if metric is None or existing is None or metric["subjectTypeId"] != existing["id"]:
            raise _fail(f"primaryLocation.id: {target!r} is not a metric of this subject type")
        data_type = metric["dataType"]
    if data_type != "LOCATION":
        raise _fail(f"primaryLocation.id: {target!r} is not of data type LOCATION")
    return {"type": kind, "id": target}


def _select_subject_types(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    wanted = id_list(query, "propertyTypeIds")
    if wanted is None and "propertyTypes" in query:  # how the official SDK 1.8.1 sends it
        wanted = id_list(query, "propertyTypes")

    def links(item: dict[str, Any]) -> bool:
        return bool(wanted & {link["id"] for link in item.get("propertyTypes") or ()})  # type: ignore[operator]

    return _search(state, "subjectTypes", [_name_test(query), None if wanted is None else links])


# -- metrics ------------------------------------------------------------------------------


def _metric(state: State, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    type_id = require(body, "subjectTypeId", str)
    _existing(state, "subjectTypes", type_id, "subjectTypeId")
    if existing is not None and type_id != existing["subjectTypeId"]:
        raise _fail("subjectTypeId: a metric cannot move to another subject type")
    stored = {
        "subjectTypeId": type_id,
        "name": require(body, "name", str),
        "dataType": _choice(body, "dataType", ("NUMBER", "LOCATION", "TEXT")),
        "type": _choice(body, "type", ("INGESTED",)),
        "externalId": require(body, "externalId", str),
        "mappingLevel": _choice(body, "mappingLevel", ("OWN", "CHILD")),
    }
    if existing is not None and stored["dataType"] != existing["dataType"]:
        raise _fail("dataType: the data type of a metric cannot change")
    precision = _optional(body, "precision", int)
    if precision is not None and not 0 <= precision <= 8:
        raise _fail(f"precision: must be from 0 to 8 ({precision!r})")
    color = _optional(body, "preferredColor", str)
    if color is not None and not _COLOR.fullmatch(color):
        raise _fail(f"preferredColor: not a hex color like #2fc177 ({color!r})")
    for field, kind in (("unit", str), ("visible", bool), ("discrete", bool)):
        _optional(body, field, kind)
    _unique_external_id(state, "metrics", stored, existing, scope="subjectTypeId")
    optional = ("unit", "precision", "visible", "discrete", "preferredColor")
    return stored | {key: body[key] for key in optional if body.get(key) is not None}


def _derived(subject: dict[str, Any], metric: dict[str, Any]) -> str:
    return f"{subject['externalId']}${metric['externalId']}"


def _metric_written(state: State, metric: dict[str, Any]) -> None:
    """Every subject of the metric's type gets (or updates) its derived ingestion ID."""
    for subject in state.collection("subjects").values():
        if subject["subjectTypeId"] != metric["subjectTypeId"]:
            continue
        entries = subject.setdefault("ingestionIds", [])
        entry = next((e for e in entries if e["metricId"] == metric["id"]), None)
        if entry is None:
            entries.append({"metricId": metric["id"], "deriveIngestionId": True})
            entry = entries[-1]
        if entry["deriveIngestionId"]:
            entry["ingestionId"] = _derived(subject, metric)
    state.touch()


def _metric_deleted(state: State, metric: dict[str, Any]) -> None:
    for subject in state.collection("subjects").values():
        entries = subject.get("ingestionIds") or []
        subject["ingestionIds"] = [e for e in entries if e["metricId"] != metric["id"]]
    state.touch()


def _select_metrics(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    return _search(
        state,
        "metrics",
        [
            _name_test(query),
            _external_id_test(query),
            _in_test(query, "metricIds", "id"),
            _in_test(query, "subjectTypeIds", "subjectTypeId"),
        ],
    )


# -- subjects -----------------------------------------------------------------------------


def _subject(state: State, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    type_id = require(body, "subjectTypeId", str)
    subject_type = _existing(state, "subjectTypes", type_id, "subjectTypeId")
    stored: dict[str, Any] = {
        "subjectTypeId": type_id,
        "name": require(body, "name", str),
        "externalId": require(body, "externalId", str),
    }
    _unique_external_id(state, "subjects", stored, existing)
    parent = _parent(state, body, subject_type, existing)
    if parent is not None:
        stored["parentSubjectId"] = parent["id"]
    stored["ingestionIds"] = _ingestion_ids(state, body, stored, existing)
    stored["properties"] = _subject_properties(state, body, subject_type, parent, existing)
    return stored


def _parent(
    state: State,
    body: dict[str, Any],
    subject_type: dict[str, Any],
    existing: dict[str, Any] | None,
) -> dict[str, Any] | None:
    parent_types = subject_type.get("parentSubjectTypeIds") or []
    parent_id = body.get("parentSubjectId")
    if not parent_types:
        if parent_id is not None:
            raise _fail("parentSubjectId: not allowed, the subject type has no parent type")
        return None
    if parent_id is None:
        raise _fail("parentSubjectId: required, the subject type has a parent type")
    parent = _existing(state, "subjects", parent_id, "parentSubjectId")
    if parent["subjectTypeId"] not in parent_types:
        raise _fail(f"parentSubjectId: {parent_id!r} is not of a parent subject type")
    if existing is not None and existing["id"] in _ancestors(state, parent) | {parent["id"]}:
        raise _fail(f"parentSubjectId: would make a cycle ({parent_id!r})")
    return parent


def _ancestors(state: State, subject: dict[str, Any]) -> set[str]:
    subjects, seen = state.collection("subjects"), set()
    parent = subject.get("parentSubjectId")
    while parent is not None and parent not in seen and parent in subjects:
        seen.add(parent)
        parent = subjects[parent].get("parentSubjectId")
    return seen


def _ingestion_ids(
    state: State, body: dict[str, Any], stored: dict[str, Any], existing: dict[str, Any] | None
) -> list[dict[str, Any]]:
    metrics = {
        m["id"]: m
        for m in state.collection("metrics").values()
        if m["subjectTypeId"] == stored["subjectTypeId"] and m.get("type") == "INGESTED"
    }
    given: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(_list(body, "ingestionIds")):
        where = f"ingestionIds[{index}]"
        if not isinstance(entry, dict) or entry.get("metricId") not in metrics:
            raise _fail(f"{where}.metricId: not an ingested metric of the subject type")
        derive = entry.get("deriveIngestionId", False)
        if not isinstance(derive, bool):
            raise _fail(f"{where}.deriveIngestionId: must be true or false")
        if not derive:
            require(entry, "ingestionId", str)
        given[entry["metricId"]] = entry
    taken = {
        ingestion_id
        for ingestion_id, (subject_id, _) in state.ingestion_index().items()
        if existing is None or subject_id != existing["id"]
    }
    result = []
    for metric_id, metric in metrics.items():
        entry = given.get(metric_id, {"deriveIngestionId": True})
        derive = entry.get("deriveIngestionId", False)
        ingestion_id = _derived(stored, metric) if derive else entry["ingestionId"]
        if ingestion_id in taken:
            raise _fail(f"ingestionIds: {ingestion_id!r} is in use by another subject")
        taken.add(ingestion_id)
        result.append(
            {"metricId": metric_id, "deriveIngestionId": derive, "ingestionId": ingestion_id}
        )
    return result


def _subject_properties(
    state: State,
    body: dict[str, Any],
    subject_type: dict[str, Any],
    parent: dict[str, Any] | None,
    existing: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    links = {link["id"]: link for link in subject_type.get("propertyTypes") or ()}
    parent_values = {p["typeId"]: p for p in (parent or {}).get("properties") or ()}
    result: dict[str, dict[str, Any]] = {}
    created: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for index, prop in enumerate(_list(body, "properties")):
        where = f"properties[{index}]"
        if not isinstance(prop, dict) or prop.get("typeId") not in links:
            raise _fail(f"{where}.typeId: not a property type of the subject type")
        type_id = prop["typeId"]
        if type_id in result:
            raise _fail(f"{where}.typeId: {type_id!r} is given twice")
        property_type = state.collection("propertyTypes")[type_id]
        if prop.get("inherit"):
            result[type_id] = _inherited(type_id, parent_values, where)
        elif prop.get("valueId") is not None:
            value = next((v for v in property_type["values"] if v["id"] == prop["valueId"]), None)
            if value is None:
                raise _fail(f"{where}.valueId: no value {prop['valueId']!r} of that property type")
            result[type_id] = _with_value(type_id, value)
        else:
            if property_type["predefinedValues"]:
                raise _fail(f"{where}: the property type has predefined values; give a valueId")
            _check_value(property_type["dataType"], prop, where)
            field = _VALUE_FIELD[property_type["dataType"]]
            value = {"id": str(uuid.uuid4()), field: prop[field]}
            if prop.get("caption") is not None:
                value["caption"] = prop["caption"]
            created.append((property_type, _store_media(value)))
            result[type_id] = _with_value(type_id, value)
    if existing is None:
        for type_id in links.keys() & parent_values.keys() - result.keys():
            result[type_id] = _inherited(type_id, parent_values, "properties")
    for type_id, link in links.items():
        if link["required"] and type_id not in result:
            raise _fail(f"properties: a value of required property type {type_id!r} is missing")
    for property_type, value in created:
        property_type["values"].append(value)
    return list(result.values())


def _with_value(type_id: str, value: dict[str, Any]) -> dict[str, Any]:
    picked = {k: value[k] for k in (*_VALUE_KEYS, "caption") if value.get(k) is not None}
    return {"typeId": type_id, "valueId": value["id"], **picked}


def _inherited(type_id: str, parent_values: dict[str, Any], where: str) -> dict[str, Any]:
    if type_id not in parent_values:
        raise _fail(f"{where}.inherit: the parent subject has no value of {type_id!r}")
    inherited = {k: v for k, v in parent_values[type_id].items() if k != "inherit"}
    return {**inherited, "inherit": True}


def _select_subjects(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
    ids = id_list(query, "subjectIds")
    mode = query.get("subjectIdsMode", "SELF").upper()
    if mode not in ("SELF", "CHILDREN", "ALL"):
        raise _fail(f"subjectIdsMode: {mode!r} is not one of SELF, CHILDREN, ALL")
    by_ids: Callable[[dict[str, Any]], bool] | None = None
    if ids is not None and mode == "SELF":
        by_ids = lambda item: item["id"] in ids  # noqa: E731
    elif ids is not None and mode == "CHILDREN":
        by_ids = lambda item: item.get("parentSubjectId") in ids  # noqa: E731
    elif ids is not None:
        by_ids = lambda item: item["id"] in ids or bool(_ancestors(state, item) & ids)  # noqa: E731
    clauses = property_value_clauses(query)
    by_values = None if clauses is None else lambda item: has_property_values(item, clauses)
    return _search(
        state,
        "subjects",
        [
            _name_test(query),
            _external_id_test(query),
            by_ids,
            _in_test(query, "subjectTypeIds", "subjectTypeId"),
            by_values,
        ],
    )


# -- event triggers -----------------------------------------------------------------------


def _period(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise _fail(f"{where}: must be an object with unit and amount")
    _choice(value, "unit", PERIOD_UNITS, f"{where}.")
    amount = require(value, "amount", int)
    if amount < 1:
        raise _fail(f"{where}.amount: must be 1 or more ({amount!r})")


def _operand(value: Any, where: str, depth: int = 0) -> None:
    if not isinstance(value, dict):
        raise _fail(f"{where}: must be an object")
    kind = _choice(value, "type", OPERAND_TYPES, f"{where}.")
    if kind in ("METRIC", "PROPERTY_TYPE"):
        require(value, "id", str)
    if isinstance(value.get("aggregation"), dict):
        _choice(value["aggregation"], "function", ("MIN", "MAX", "SUM", "COUNT", "AVG"), where)
        _period(value["aggregation"].get("period"), f"{where}.aggregation.period")
    if kind in ("CALCULATION", "VALUE_CHANGE"):
        if depth > 0 and kind == "CALCULATION":
            raise _fail(f"{where}: nested calculations are not allowed")
        nested = value if "leftOperand" in value else value.get("leftOperand") or {}
        for side in ("leftOperand", "rightOperand"):
            if side in nested:
                _operand(nested[side], f"{where}.{side}", depth + 1)


def _condition_set(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{where}: must be an object")
    require(value, "description", str)
    for index, condition in enumerate(value.get("inputConditions") or ()):
        at = f"{where}.inputConditions[{index}]"
        if not isinstance(condition, dict):
            raise _fail(f"{at}: must be an object")
        kind = _choice(condition, "type", tuple(COMPARISON_OPERATORS), f"{at}.")
        _choice(condition, "comparisonOperator", COMPARISON_OPERATORS[kind], f"{at}.")
        for side in ("leftOperand", "rightOperand"):
            _operand(condition.get(side), f"{at}.{side}")
    for key in ("durationCondition", "occurrenceCondition"):
        if value.get(key) is not None:
            _period((value[key] or {}).get("period"), f"{where}.{key}.period")
    if value.get("occurrenceCondition") is not None:
        require(value["occurrenceCondition"], "occurrences", int)
    return {**value, "id": value.get("id") or str(uuid.uuid4())}


def _evaluation_trigger(body: dict[str, Any]) -> str:
    triggers = body.get("evaluationTriggers")
    if body.get("evaluationTrigger") is None and isinstance(triggers, dict):
        # The official SDK 1.8.1 sends this object instead of the documented field.
        new = triggers.get("newMeasurement") or {}
        return "SUBJECT_METRICS" if new.get("fromOtherMetrics") else "INPUT_METRICS"
    return _choice(body, "evaluationTrigger", ("INPUT_METRICS", "SUBJECT_METRICS"))


def _event_trigger(
    state: State, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    type_id = require(body, "subjectTypeId", str)
    _existing(state, "subjectTypes", type_id, "subjectTypeId")
    active = body.get("active")
    if not isinstance(active, bool):
        raise _fail(f"active: must be true or false ({active!r})")
    rules = []
    for index, rule in enumerate(_list(body, "eventRules", required=True)):
        where = f"eventRules[{index}]"
        if not isinstance(rule, dict):
            raise _fail(f"{where}: must be an object")
        level = _choice(rule, "eventLevel", EVENT_LEVELS, f"{where}.")
        sets = rule.get("conditionSets")
        if not isinstance(sets, list):
            raise _fail(f"{where}.conditionSets: must be a list")
        checked = [_condition_set(s, f"{where}.conditionSets[{i}]") for i, s in enumerate(sets)]
        rules.append({"eventLevel": level, "conditionSets": checked})
    stored = {
        "subjectTypeId": type_id,
        "name": require(body, "name", str),
        "version": 1 if existing is None else existing.get("version", 0) + 1,
        "active": active,
        "evaluationTrigger": _evaluation_trigger(body),
        "evaluationConstraint": _choice(
            body, "evaluationConstraint", ("NONE", "ALL_TIMESTAMPS_MATCH")
        ),
        "eventRules": rules,
    }
    if body.get("subjectFilter") is not None:
        stored["subjectFilter"] = _subject_filter(body["subjectFilter"])
    return stored


def _subject_filter(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail("subjectFilter: must be an object")
    for side in ("include", "exclude"):
        part = value.get(side)
        if part is not None and not isinstance(part, dict):
            raise _fail(f"subjectFilter.{side}: must be an object")
    return {key: value.get(key) for key in ("include", "exclude")}


# -- webhook settings ---------------------------------------------------------------------


def _webhook(state: State, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    endpoint = require(body, "endpoint", str)
    if not endpoint.startswith(("https://", "http://")):
        raise _fail(f"endpoint: not an http(s) URL ({endpoint!r})")
    active = body.get("active")
    if not isinstance(active, bool):
        raise _fail(f"active: must be true or false ({active!r})")
    levels = _list(body, "eventLevelFilter", required=True)
    for index, level in enumerate(levels):
        if level not in EVENT_LEVELS:
            raise _fail(
                f"eventLevelFilter[{index}]: {level!r} is not one of {', '.join(EVENT_LEVELS)}"
            )
    stored: dict[str, Any] = {
        "name": require(body, "name", str),
        "active": active,
        "endpoint": endpoint,
        "eventLevelFilter": levels,
    }
    header = _optional(body, "authorizationHeader", str)
    if header is not None:
        stored["authorizationHeader"] = header
    if body.get("subjectFilter") is not None:
        stored["subjectFilter"] = _subject_filter(body["subjectFilter"])
    triggers = body.get("eventTriggerFilter")
    if triggers is not None:
        if not isinstance(triggers, dict):
            raise _fail("eventTriggerFilter: must be an object with type and ids")
        kind = _choice(triggers, "type", ("INCLUDE", "EXCLUDE"), "eventTriggerFilter.")
        ids = _list(triggers, "ids", required=True)
        stored["eventTriggerFilter"] = {"type": kind, "ids": ids}
    return stored


def _webhook_deleted(state: State, webhook: dict[str, Any]) -> None:
    responses = state.collection("webhookResponses")
    for key in [k for k, r in responses.items() if r["webhookSettingId"] == webhook["id"]]:
        del responses[key]


def _select_named(segment: str) -> Selector:
    def select(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
        return _search(state, segment, [_name_test(query)])

    return select


def _specs() -> list[ResourceSpec]:
    from ._events import select_events

    return [
        Collection(
            "propertyTypes",
            _property_type,
            lambda item, query: _name_matches(item, query) and _external_id_matches(item, query),
        ),
        Collection("subjectTypes", _subject_type, select=_select_subject_types),
        Collection(
            "metrics",
            _metric,
            select=_select_metrics,
            written=_metric_written,
            deleted=_metric_deleted,
        ),
        Collection("subjects", _subject, select=_select_subjects),
        Collection("eventTriggers", _event_trigger, select=_select_named("eventTriggers")),
        Collection(
            "webhookSettings",
            _webhook,
            select=_select_named("webhookSettings"),
            deleted=_webhook_deleted,
        ),
        Collection("events", _read_only, select=select_events, writable=False),
    ]


def _read_only(
    state: State, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    raise Invalid("This collection is read only")


SPECS: list[ResourceSpec] = _specs()

"""How the emulator checks and filters each CRUD collection, as the API reference says."""

from __future__ import annotations

import uuid
from typing import Any

from ._state import Invalid, ResourceSpec, State, require

__all__ = ["SPECS"]

PROPERTY_DATA_TYPES = {"TEXT", "NUMBER", "LOCATION", "MAP_LAYER", "IMAGE", "AREA"}
_VALUE_FIELD = {
    "TEXT": "text",
    "NUMBER": "number",
    "LOCATION": "location",
    "MAP_LAYER": "mapLayer",
    "IMAGE": "image",
    "AREA": "area",
}


def _name_matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    name = query.get("name")
    return name is None or name.lower() in str(item.get("name", "")).lower()


def _external_id_matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    external_id = query.get("externalId")
    return external_id is None or item.get("externalId") == external_id


def _unique_external_id(
    state: State, segment: str, body: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    for item in state.collection(segment).values():
        if item["externalId"] == body["externalId"] and item is not existing:
            raise Invalid("Validation failed", [f"externalId: {body['externalId']!r} exists"])


def _check_location(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise Invalid("Validation failed", [f"{where}: must be an object with lat and lon"])
    for key, bound in (("lat", 90), ("lon", 180)):
        number = value.get(key)
        if not isinstance(number, int | float) or isinstance(number, bool) or abs(number) > bound:
            raise Invalid("Validation failed", [f"{where}.{key}: invalid ({number!r})"])


def _property_value(data_type: str, value: Any, index: int, predefined: bool) -> dict[str, Any]:
    where = f"values[{index}]"
    if not isinstance(value, dict):
        raise Invalid("Validation failed", [f"{where}: must be an object"])
    field = _VALUE_FIELD[data_type]
    if value.get(field) is None:
        raise Invalid("Validation failed", [f"{where}.{field}: required for {data_type}"])
    if data_type == "NUMBER" and not isinstance(value[field], int | float):
        raise Invalid("Validation failed", [f"{where}.number: must be a number"])
    if data_type == "TEXT" and not isinstance(value[field], str):
        raise Invalid("Validation failed", [f"{where}.text: must be a string"])
    if data_type == "LOCATION":
        _check_location(value[field], f"{where}.location")
    stored = {
        "id": value.get("id") or str(uuid.uuid4()),
        **{k: v for k, v in value.items() if k != "id"},
    }
    for media in ("mapLayer", "image"):
        if media in stored and "imageData" in stored[media]:
            data = dict(stored[media])
            del data["imageData"]
            data["imagePath"] = f"/files/{stored['id']}.png"
            stored[media] = data
    return stored


def _property_type(
    state: State, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    name = require(body, "name", str)
    external_id = require(body, "externalId", str)
    data_type = require(body, "dataType", str)
    if data_type not in PROPERTY_DATA_TYPES:
        raise Invalid("Validation failed", [f"dataType: unknown ({data_type!r})"])
    predefined = body.get("predefinedValues")
    if not isinstance(predefined, bool):
        raise Invalid(
            "Validation failed", [f"predefinedValues: must be true or false ({predefined!r})"]
        )
    values = body.get("values") or []
    if not isinstance(values, list):
        raise Invalid("Validation failed", ["values: must be a list"])
    _unique_external_id(state, "propertyTypes", body, existing)
    return {
        "name": name,
        "externalId": external_id,
        "dataType": data_type,
        "predefinedValues": predefined,
        "values": [_property_value(data_type, v, i, predefined) for i, v in enumerate(values)],
    }


SPECS: list[ResourceSpec] = [
    ResourceSpec(
        "propertyTypes",
        _property_type,
        lambda item, query: _name_matches(item, query) and _external_id_matches(item, query),
    ),
]

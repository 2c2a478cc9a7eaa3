"""Body checks shared by the emulator's collections, as the API (a Jackson server) reads JSON.

Numbers may come as JSON numbers or as numeric strings (`"21.5"`: the official SDK sends
decimals that way, and Jackson coerces them); they are stored as numbers, as the API answers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from ._query import fail
from ._state import State, require

__all__ = [
    "VALUE_FIELD",
    "VALUE_KEYS",
    "choice",
    "existing",
    "list_field",
    "location",
    "number",
    "optional",
    "property_value",
    "subject_filter",
    "unique_external_id",
]

VALUE_FIELD = {
    "TEXT": "text",
    "NUMBER": "number",
    "LOCATION": "location",
    "MAP_LAYER": "mapLayer",
    "IMAGE": "image",
    "AREA": "area",
}
VALUE_KEYS = tuple(VALUE_FIELD.values())
CAPTION_REQUIRED = ("LOCATION", "MAP_LAYER", "IMAGE")
_NUMERIC = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_CORNERS = ("leftBottom", "leftTop", "rightBottom", "rightTop")
_IMAGE_TYPES = (("iVBOR", "png"), ("/9j/", "jpeg"), ("R0lGOD", "gif"))


def number(value: Any, where: str) -> int | float:
    """A JSON number, or a numeric string read as Jackson reads it;
    [`Invalid`][blockbax_async.emulator.Invalid] (400) for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        parsed = float(value)
        return int(parsed) if parsed.is_integer() and "." not in value else parsed
    raise fail(f"{where}: must be a number ({value!r})")


def location(value: Any, where: str) -> dict[str, Any]:
    """`{"lat", "lon"[, "alt"]}` with numbers in range (numeric strings read as numbers)."""
    if not isinstance(value, dict):
        raise fail(f"{where}: must be an object with lat and lon")
    out = {}
    for key, bound in (("lat", 90), ("lon", 180), ("alt", None)):
        if value.get(key) is None:
            if key == "alt":
                continue
            raise fail(f"{where}.{key}: required")
        coordinate = number(value[key], f"{where}.{key}")
        if bound is not None and abs(coordinate) > bound:
            raise fail(f"{where}.{key}: out of range ({value[key]!r})")
        out[key] = coordinate
    return out


def _image(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or (value.get("imageData") is None) == (
        value.get("imagePath") is None
    ):
        raise fail(f"{where}: give one of imageData and imagePath")
    return dict(value)


def _map_layer(value: Any, where: str) -> dict[str, Any]:
    out = _image(value, where)
    for corner in _CORNERS:
        out[corner] = location(value.get(corner), f"{where}.{corner}")
    return out


def _area(value: Any, where: str) -> dict[str, Any]:
    ring = value.get("polygon", {}).get("outerRing") if isinstance(value, dict) else None
    if not isinstance(ring, list) or not ring:
        raise fail(f"{where}.polygon.outerRing: must be a list of coordinates")
    points = [location(p, f"{where}.polygon.outerRing[{i}]") for i, p in enumerate(ring)]
    return {**value, "polygon": {**value["polygon"], "outerRing": points}}


def _value(data_type: str, value: Any, where: str) -> Any:
    if data_type == "TEXT":
        if not isinstance(value, str):
            raise fail(f"{where}: must be a string")
        return value
    if data_type == "NUMBER":
        return number(value, where)
    if data_type == "LOCATION":
        return location(value, where)
    if data_type == "MAP_LAYER":
        return _map_layer(value, where)
    if data_type == "IMAGE":
        return _image(value, where)
    return _area(value, where)


def property_value(
    state: State, property_type_id: str, data_type: str, given: dict[str, Any], where: str
) -> dict[str, Any]:
    """A value of a property type as stored: `{"id", kind: value[, "caption"]}`, checked
    for `data_type`. Uploaded image data becomes an `imagePath` in the reference's format
    `/projects/{projectId}/propertyTypes/{propertyTypeId}/values/{valueId}/files/{file}`."""
    field = VALUE_FIELD[data_type]
    if given.get(field) is None:
        raise fail(f"{where}.{field}: required for {data_type}")
    stored: dict[str, Any] = {"id": given.get("id") or str(uuid.uuid4())}
    if given.get("caption") is not None:
        stored["caption"] = require(given, "caption", str)
    stored[field] = _value(data_type, given[field], f"{where}.{field}")
    if field in ("mapLayer", "image") and "imageData" in stored[field]:
        media = dict(stored[field])
        file = f"{uuid.uuid4()}.{_image_type(media.pop('imageData'))}"
        media["imagePath"] = (
            f"/projects/{state.project['id']}/propertyTypes/{property_type_id}"
            f"/values/{stored['id']}/files/{file}"
        )
        stored[field] = media
    return stored


def _image_type(data: Any) -> str:
    text = data if isinstance(data, str) else ""
    return next((kind for prefix, kind in _IMAGE_TYPES if text.startswith(prefix)), "png")


def unique_external_id(
    state: State,
    segment: str,
    body: dict[str, Any],
    current: dict[str, Any] | None,
    scope: str | None = None,
) -> None:
    """400 when another item of `segment` (within `scope`) has the body's external ID."""
    for item in state.collection(segment).values():
        if item is current or item.get("externalId") != body["externalId"]:
            continue
        if scope is None or item.get(scope) == body.get(scope):
            raise fail(f"externalId: {body['externalId']!r} exists")


def existing(state: State, segment: str, item_id: Any, field: str) -> dict[str, Any]:
    """The stored item `item_id` of `segment` that `field` refers to, else 400."""
    if not isinstance(item_id, str) or item_id not in state.collection(segment):
        raise fail(f"{field}: no {segment} item with id {item_id!r}")
    return state.collection(segment)[item_id]


def optional(body: dict[str, Any], field: str, kind: type | tuple[type, ...]) -> Any:
    """The value of an optional field, checked for `kind` when given."""
    value = body.get(field)
    if value is not None and (
        not isinstance(value, kind) or (isinstance(value, bool) and kind is int)
    ):
        raise fail(f"{field}: has the wrong type ({value!r})")
    return value


def choice(body: dict[str, Any], field: str, allowed: Iterable[str], where: str = "") -> str:
    """The value of a required enumerated field."""
    value = require(body, field, str)
    if value not in allowed:
        raise fail(f"{where}{field}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def list_field(body: dict[str, Any], field: str, required: bool = False) -> list[Any]:
    """The value of a list field (`[]` when an optional one is absent)."""
    value = body.get(field)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise fail(f"{field}: must be a list")
    return value


def subject_filter(value: Any) -> dict[str, Any]:
    """A checked `subjectFilter` (`include` and `exclude`), as event triggers and
    webhooks take it."""
    if not isinstance(value, dict):
        raise fail("subjectFilter: must be an object")
    for side in ("include", "exclude"):
        part = value.get(side)
        if part is not None and not isinstance(part, dict):
            raise fail(f"subjectFilter.{side}: must be an object")
    return {key: value.get(key) for key in ("include", "exclude")}

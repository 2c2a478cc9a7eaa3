"""Value types shared by several resources, and the small helpers the models use."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .._checks import show
from .._json import check_text
from ..errors import ValidationError

__all__ = [
    "KIND_OF_DATA_TYPE",
    "READ_ONLY",
    "VALUE_KINDS",
    "Area",
    "Image",
    "Location",
    "MapLayer",
    "Polygon",
    "PropertyValuesFilter",
    "SubjectFilter",
    "SubjectFilterItem",
    "as_id",
    "as_ids",
    "as_optional_id",
    "as_optional_ids",
    "check_one_value",
    "kind_of",
    "plain_numbers",
    "to_id",
]

READ_ONLY: dict[str, Any] = {"read_only": True}
"""Field metadata for what the server returns but never accepts."""


VALUE_KINDS = ("text", "number", "location", "map_layer", "image", "area")
"""The value attributes of property values and subject properties, in the official SDK's
lower-case names (what `get_data_type()` answers)."""

KIND_OF_DATA_TYPE = {kind.upper(): kind for kind in VALUE_KINDS}
"""The value attribute of each property data type (`"MAP_LAYER"`: `"map_layer"`)."""


def kind_of(value: Any) -> str:
    """Which value attribute of `value` is set (`"number"`, ...), `"unknown"` if none."""
    return next((kind for kind in VALUE_KINDS if getattr(value, kind, None) is not None), "unknown")


def plain_numbers(value: Any) -> Any:
    """`value` with each `Decimal` (as official scripts pass numbers) made an `int` or
    `float`, also inside mappings."""
    if isinstance(value, Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: plain_numbers(item) for key, item in value.items()}
    return value


def to_id(value: str | uuid.UUID, where: str = "id") -> str:
    """An id given as `str` or `uuid.UUID`, as `str`; anything else (an `int`,
    `None`) raises [`ValidationError`][blockbax_async.errors.ValidationError] naming `where`."""
    if isinstance(value, str):
        return check_text(where, str(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    raise ValidationError(f"{where}: {show(value)} is not an id (a str or UUID)")


def as_id(value: str | uuid.UUID) -> str:
    """Field converter: a `uuid.UUID` becomes its `str`. Other types are left as they
    are (attrs converters cannot name the field): checked before sending, where the
    message names the attribute."""
    return str(value) if isinstance(value, uuid.UUID) else value


def as_optional_id(value: str | uuid.UUID | None) -> str | None:
    """Like `as_id`, letting `None` through."""
    return str(value) if isinstance(value, uuid.UUID) else value


def as_ids(values: Iterable[str | uuid.UUID] | None) -> list[str]:
    """Field converter: a list of ids, UUIDs as `str`; `None` becomes an empty list. A
    lone string or a non-iterable is left as it is, for the check before sending."""
    if values is None:
        return []
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        return values  # type: ignore[return-value]
    return [as_id(value) for value in values]


def as_optional_ids(values: Iterable[str | uuid.UUID] | None) -> list[str] | None:
    """Like `as_ids`, letting `None` through."""
    return None if values is None else as_ids(values)


def check_one_value(owner: str, **values: Any) -> None:
    """Raise [`ValidationError`][blockbax_async.errors.ValidationError] (a `ValueError`) unless
    exactly one of `values` is not `None`."""
    given = [name for name, value in values.items() if value is not None]
    if len(given) != 1:
        raise ValidationError(
            f"{owner}: give exactly one of {', '.join(values)}; got {given or 'none'}"
        )


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Location:
    """A point in decimal degrees; `alt` in metres above the earth surface."""

    lat: float
    lon: float
    alt: float | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Image:
    """An image value: `image_path` as returned, `image_data` (base64) to upload."""

    image_path: str | None = None
    image_data: str | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class MapLayer:
    """An image laid on the map between four corners."""

    left_bottom: Location
    left_top: Location
    right_bottom: Location
    right_top: Location
    image_path: str | None = None
    image_data: str | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Polygon:
    """A polygon drawn counter-clockwise; the last point repeats the first."""

    outer_ring: list[Location] = attrs.Factory(list)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Area:
    """An area value."""

    polygon: Polygon


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PropertyValuesFilter:
    """Property values of one property type to filter subjects on."""

    type_id: str = attrs.field(converter=as_id)
    value_ids: list[str] = attrs.field(factory=list, converter=as_ids)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectFilterItem:
    """Subjects to include or exclude, by id and by property value."""

    subject_ids: list[str] | None = attrs.field(default=None, converter=as_optional_ids)
    property_values: list[PropertyValuesFilter] | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectFilter:
    """Which subjects an event trigger or webhook applies to; `None` means no filter."""

    include: SubjectFilterItem | None = None
    exclude: SubjectFilterItem | None = None

"""Value types shared by several resources, and the small helpers the models use."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = [
    "READ_ONLY",
    "Area",
    "Image",
    "Location",
    "MapLayer",
    "Polygon",
    "PropertyValuesFilter",
    "SubjectFilter",
    "SubjectFilterItem",
    "check_one_value",
    "to_id",
    "to_ids",
    "to_optional_id",
    "to_optional_ids",
]

READ_ONLY: dict[str, Any] = {"read_only": True}
"""Field metadata for what the server returns but never accepts."""


def to_id(value: str | uuid.UUID) -> str:
    """Accept an id as ``str`` or ``uuid.UUID``; store it as ``str``."""
    return value if value.__class__ is str else str(value)


def to_optional_id(value: str | uuid.UUID | None) -> str | None:
    """Like :func:`to_id`, letting ``None`` through."""
    return value if value is None or value.__class__ is str else str(value)


def to_ids(values: Iterable[str | uuid.UUID] | None) -> list[str]:
    """Accept a list of ids as ``str`` or ``uuid.UUID``; ``None`` becomes an empty list."""
    return [] if values is None else [to_id(value) for value in values]


def to_optional_ids(values: Iterable[str | uuid.UUID] | None) -> list[str] | None:
    """Like :func:`to_ids`, letting ``None`` through."""
    return None if values is None else [to_id(value) for value in values]


def check_one_value(owner: str, **values: Any) -> None:
    """Raise ``ValueError`` unless exactly one of ``values`` is not ``None``."""
    given = [name for name, value in values.items() if value is not None]
    if len(given) != 1:
        raise ValueError(f"{owner}: give exactly one of {', '.join(values)}; got {given or 'none'}")


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Location:
    """A point in decimal degrees; ``alt`` in metres above the earth surface."""

    lat: float
    lon: float
    alt: float | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Image:
    """An image value: ``image_path`` as returned, ``image_data`` (base64) to upload."""

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

    type_id: str = attrs.field(converter=to_id)
    value_ids: list[str] = attrs.field(factory=list, converter=to_ids)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectFilterItem:
    """Subjects to include or exclude, by id and by property value."""

    subject_ids: list[str] | None = attrs.field(default=None, converter=to_optional_ids)
    property_values: list[PropertyValuesFilter] | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectFilter:
    """Which subjects an event trigger or webhook applies to; ``None`` means no filter."""

    include: SubjectFilterItem | None = None
    exclude: SubjectFilterItem | None = None

"""Property types and their values."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..errors import ValidationError
from ._common import (
    READ_ONLY,
    Area,
    Image,
    Location,
    MapLayer,
    as_optional_id,
    check_one_value,
    to_id,
)
from ._converter import structure_input

__all__ = ["PropertyType", "PropertyValue"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PropertyValue:
    """One value of a property type; exactly one of the value fields is set.

    ``id`` is ``None`` for a value still to be created. ``caption`` is required for locations,
    map layers and images.
    """

    id: str | None = attrs.field(default=None, converter=as_optional_id)
    caption: str | None = None
    text: str | None = None
    number: float | None = None
    location: Location | None = None
    map_layer: MapLayer | None = None
    image: Image | None = None
    area: Area | None = None

    def get_value(self) -> str | float | Location | MapLayer | Image | Area | None:
        """The value, whichever kind is set (the official SDK's name)."""
        values = (self.text, self.number, self.location, self.map_layer, self.image, self.area)
        return next((value for value in values if value is not None), None)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PropertyType:
    """A property type.

    ``data_type`` is one of ``TEXT``, ``NUMBER``, ``LOCATION``, ``MAP_LAYER``, ``IMAGE``,
    ``AREA`` (other values are kept as they come). With ``predefined_values`` the values are
    managed here; otherwise they are created from subjects.
    """

    name: str
    external_id: str
    data_type: str
    predefined_values: bool = False
    values: list[PropertyValue] = attrs.Factory(list)
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)

    def add_value(
        self,
        *,
        text: str | None = None,
        number: float | None = None,
        location: Location | Mapping[str, Any] | None = None,
        map_layer: MapLayer | Mapping[str, Any] | None = None,
        image: Image | Mapping[str, Any] | None = None,
        area: Area | Mapping[str, Any] | None = None,
        caption: str | None = None,
    ) -> PropertyValue:
        """Append a new predefined value (created on the next update) and return it; the
        value may be a model or a mapping (``location={"lat": 52.0, "lon": 5.1}``).

        Raises :class:`~blockbax_async.errors.ValidationError` (a ``ValueError``) unless
        exactly one value of the right type is given, or when the property type does not
        have predefined values.
        """
        if not self.predefined_values:
            raise ValidationError(
                f"add_value: property type {self.name!r} has predefined_values=False; "
                "its values are created from subjects"
            )
        check_one_value(
            "add_value",
            text=text,
            number=number,
            location=location,
            map_layer=map_layer,
            image=image,
            area=area,
        )
        fields = {"text": text, "number": number, "location": location, "map_layer": map_layer}
        given = {**fields, "image": image, "area": area, "caption": caption}
        value: PropertyValue = structure_input(given, PropertyValue)
        self.values.append(value)
        return value

    def change_value(
        self,
        value_id: str | uuid.UUID,
        *,
        text: str | None = None,
        number: float | None = None,
        location: Location | Mapping[str, Any] | None = None,
        map_layer: MapLayer | Mapping[str, Any] | None = None,
        image: Image | Mapping[str, Any] | None = None,
        area: Area | Mapping[str, Any] | None = None,
        caption: str | None = None,
    ) -> PropertyValue:
        """Replace the value (and caption, when given) of the value with id ``value_id``.

        Raises :class:`~blockbax_async.errors.ValidationError` (a ``ValueError``) when there
        is no such value or not exactly one value of the right type is given.
        """
        check_one_value(
            "change_value",
            text=text,
            number=number,
            location=location,
            map_layer=map_layer,
            image=image,
            area=area,
        )
        fields = {"text": text, "number": number, "location": location, "map_layer": map_layer}
        new: PropertyValue = structure_input(
            {**fields, "image": image, "area": area, "caption": caption}, PropertyValue
        )
        value = self.get_value(value_id)
        if value is None:
            raise ValidationError(f"change_value: no value with value_id={str(value_id)!r}")
        value.text, value.number, value.location = new.text, new.number, new.location
        value.map_layer, value.image, value.area = new.map_layer, new.image, new.area
        if caption is not None:
            value.caption = caption
        return value

    def get_value(self, value_id: str | uuid.UUID) -> PropertyValue | None:
        """The value with id ``value_id``, or ``None``."""
        value_id = to_id(value_id, "value_id")
        return next((value for value in self.values if value.id == value_id), None)

    def remove_value(self, value_id: str | uuid.UUID) -> None:
        """Remove the value with id ``value_id``; nothing happens when it is absent."""
        value_id = to_id(value_id, "value_id")
        self.values = [value for value in self.values if value.id != value_id]

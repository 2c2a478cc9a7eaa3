"""Property types and their values."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .._checks import show
from ..errors import ValidationError
from ._common import (
    KIND_OF_DATA_TYPE,
    READ_ONLY,
    Area,
    Image,
    Location,
    MapLayer,
    as_optional_id,
    check_one_value,
    kind_of,
    plain_numbers,
    to_id,
)
from ._converter import structure_input

__all__ = ["PropertyType", "PropertyValue"]

logger = logging.getLogger("blockbax_async")

Value = str | float | Location | MapLayer | Image | Area


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PropertyValue:
    """One value of a property type; exactly one of the value fields is set.

    `id` is `None` for a value still to be created. `caption` is required for locations,
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

    def get_value(self) -> Value | None:
        """The value, whichever kind is set (the official SDK's name)."""
        values = (self.text, self.number, self.location, self.map_layer, self.image, self.area)
        return next((value for value in values if value is not None), None)

    def get_data_type(self) -> str:
        """The kind of value, as the official SDK names it: `"text"`, `"number"`,
        `"location"`, `"map_layer"`, `"image"`, `"area"` (`"unknown"` if none)."""
        return kind_of(self)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PropertyType:
    """A property type.

    `data_type` is one of `TEXT`, `NUMBER`, `LOCATION`, `MAP_LAYER`, `IMAGE`,
    `AREA` (other values are kept as they come). With `predefined_values` the values are
    managed here; otherwise they are created from subjects.

    The value helpers take values as the official SDK does: `add_value("Rotterdam")`,
    `remove_value("Rotterdam")`, `change_value("Rotterdam", "Delft")`,
    `change_caption("Delft", "The city")`, `contains_value("Delft")`; a value is a
    `str`, a number, a model or a mapping (`{"lat": 52.0, "lon": 5.1}`), read by the data
    type. Where a value is looked up, a [`PropertyValue`][blockbax_async.models.PropertyValue] or a
    value id also does.
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
        value: Any = None,
        caption: str | None = None,
        *,
        text: str | None = None,
        number: float | None = None,
        location: Location | Mapping[str, Any] | None = None,
        map_layer: MapLayer | Mapping[str, Any] | None = None,
        image: Image | Mapping[str, Any] | None = None,
        area: Area | Mapping[str, Any] | None = None,
    ) -> PropertyValue:
        """Append a new predefined value (created on the next update) and return it.

        Give the value (read by the data type) or one value keyword: `add_value("Delft")`
        or `add_value(location={"lat": 52.0, "lon": 5.1}, caption="HQ")`. A value that is
        there already is not added twice: it is returned, with a warning. Raises
        [`ValidationError`][blockbax_async.errors.ValidationError] (a `ValueError`) unless exactly
        one value of the right type is given, or when the property type does not have
        predefined values.
        """
        self._require_predefined("add_value")
        kinds = {"text": text, "number": number, "location": location, "map_layer": map_layer}
        new = self._new_value("add_value", value, {**kinds, "image": image, "area": area})
        new.caption = structure_input(caption, str | None, "add_value.caption")
        present = self._matching(new.get_value())
        if present is not None:
            logger.warning("add_value: %r already has value %r", self.name, new.get_value())
            return present
        self.values.append(new)
        return new

    def change_value(
        self,
        old_value: Any,
        new_value: Any = None,
        *,
        text: str | None = None,
        number: float | None = None,
        location: Location | Mapping[str, Any] | None = None,
        map_layer: MapLayer | Mapping[str, Any] | None = None,
        image: Image | Mapping[str, Any] | None = None,
        area: Area | Mapping[str, Any] | None = None,
        caption: str | None = None,
    ) -> PropertyValue:
        """Replace the value `old_value` (a value, a
        [`PropertyValue`][blockbax_async.models.PropertyValue] or a value id) by `new_value` (or
        one value keyword), and its caption when given; returns the changed value, which keeps its
        id.

        Raises [`ValidationError`][blockbax_async.errors.ValidationError] (a `ValueError`) when
        there is no such value or not exactly one new value of the right type is given.
        """
        found = self._find("change_value", old_value)
        kinds = {"text": text, "number": number, "location": location, "map_layer": map_layer}
        new = self._new_value("change_value", new_value, {**kinds, "image": image, "area": area})
        found.text, found.number, found.location = new.text, new.number, new.location
        found.map_layer, found.image, found.area = new.map_layer, new.image, new.area
        if caption is not None:
            found.caption = structure_input(caption, str, "change_value.caption")
        return found

    def change_caption(self, value: Any, caption: str | None) -> PropertyValue:
        """Set the caption of `value` (a value, a
        [`PropertyValue`][blockbax_async.models.PropertyValue] or a value id); returns it. Raises
        [`ValidationError`][blockbax_async.errors.ValidationError] when there is no such value or
        the property type has no predefined values (only those have captions).
        """
        self._require_predefined("change_caption")
        found = self._find("change_caption", value)
        found.caption = structure_input(caption, str | None, "change_caption.caption")
        return found

    def contains_value(self, value: Any) -> bool:
        """Whether `value` (read by the data type, or a
        [`PropertyValue`][blockbax_async.models.PropertyValue]) is one of the values."""
        if isinstance(value, PropertyValue):
            value = value.get_value()
        else:
            value = self._new_value("contains_value", value, {}).get_value()
        return self._matching(value) is not None

    def get_value(self, value_id: str | uuid.UUID) -> PropertyValue | None:
        """The value with id `value_id`, or `None`."""
        value_id = to_id(value_id, "value_id")
        return next((value for value in self.values if value.id == value_id), None)

    def remove_value(self, value: Any) -> PropertyValue:
        """Remove `value` (a value, a [`PropertyValue`][blockbax_async.models.PropertyValue] or a
        value id) and return it. Raises [`ValidationError`][blockbax_async.errors.ValidationError]
        when there is no such value."""
        found = self._find("remove_value", value)
        self.values = [item for item in self.values if item is not found]
        return found

    def _require_predefined(self, where: str) -> None:
        if not self.predefined_values:
            raise ValidationError(
                f"{where}: property type {self.name!r} has predefined_values=False; "
                "its values are created from subjects"
            )

    def _kind(self, where: str) -> str:
        kind = KIND_OF_DATA_TYPE.get(str(self.data_type).upper())
        if kind is None:
            raise ValidationError(f"{where}: data type {self.data_type!r} has no known values")
        return kind

    def _new_value(self, where: str, value: Any, kinds: dict[str, Any]) -> PropertyValue:
        """A [`PropertyValue`][blockbax_async.models.PropertyValue] of `value` (read by the data
        type) or of the one kind keyword given."""
        if value is not None:
            if any(given is not None for given in kinds.values()):
                raise ValidationError(f"{where}: give the value or one value keyword, not both")
            kinds = {self._kind(where): value}
        else:
            check_one_value(where, **kinds)
        given = {kind: plain_numbers(item) for kind, item in kinds.items() if item is not None}
        new: PropertyValue = structure_input(given, PropertyValue, where)
        return new

    def _matching(self, value: Any) -> PropertyValue | None:
        return next((item for item in self.values if item.get_value() == value), None)

    def _find(self, where: str, value: Any) -> PropertyValue:
        found: PropertyValue | None = None
        if isinstance(value, PropertyValue):
            found = next((item for item in self.values if item is value), None)
            found = found or self._matching(value.get_value())
        else:
            kind = KIND_OF_DATA_TYPE.get(str(self.data_type).upper())
            is_id = isinstance(value, uuid.UUID) or (isinstance(value, str) and kind != "text")
            if not is_id:
                found = self._matching(self._new_value(where, value, {}).get_value())
            if found is None and isinstance(value, str | uuid.UUID):
                found = self.get_value(value)
        if found is None:
            raise ValidationError(f"{where}: {self.name!r} has no value {show(value)}")
        return found

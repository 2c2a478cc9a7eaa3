"""Subjects, their ingestion IDs and their property values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from .._checks import check_items
from ..errors import ValidationError
from ._common import (
    READ_ONLY,
    Area,
    Image,
    Location,
    MapLayer,
    as_id,
    as_optional_id,
    kind_of,
    plain_numbers,
    to_id,
)
from ._converter import structure_input

__all__ = ["IngestionId", "Subject", "SubjectProperty"]

_VALUE_KEYS = ("text", "number", "location", "mapLayer", "image", "area")


@attrs.define(on_setattr=attrs.setters.NO_OP)
class IngestionId:
    """The ingestion ID of one metric of a subject.

    With `derive_ingestion_id` the server derives it from the external IDs
    (`subject$metric`) and `ingestion_id` is not sent.
    """

    metric_id: str = attrs.field(converter=as_id)
    derive_ingestion_id: bool = True
    ingestion_id: str | None = None

    def _prune_for_write(self, data: dict[str, Any]) -> None:
        if self.derive_ingestion_id:
            data.pop("ingestionId", None)

    @staticmethod
    def _complete_input(given: dict[str, Any]) -> None:
        # A mapping that names its ingestion ID means that one, not a derived one.
        if given.get("ingestion_id") is not None:
            given.setdefault("derive_ingestion_id", False)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectProperty:
    """The value a subject has for one property type.

    Refer to an existing value with `value_id`, or give one of `text`, `number`,
    `location`, `map_layer`, `image`, `area` to create one, or `inherit=True` to take
    the parent's value. When sent, a property with `value_id` carries only that id, and an
    inherited one only `inherit`; use
    [`Subject.set_property`][blockbax_async.models.Subject.set_property] to change a value.
    """

    type_id: str = attrs.field(converter=as_id)
    value_id: str | None = attrs.field(default=None, converter=as_optional_id)
    text: str | None = None
    number: float | None = None
    location: Location | None = None
    map_layer: MapLayer | None = None
    image: Image | None = None
    area: Area | None = None
    caption: str | None = None
    inherit: bool | None = None

    def get_value(self) -> str | float | Location | MapLayer | Image | Area | None:
        """The value, whichever kind is set (the official SDK's name); `None` when the
        property refers to a value by `value_id` only."""
        values = (self.text, self.number, self.location, self.map_layer, self.image, self.area)
        return next((value for value in values if value is not None), None)

    def get_data_type(self) -> str:
        """The kind of value, as the official SDK names it: `"text"`, `"number"`,
        `"location"`, `"map_layer"`, `"image"`, `"area"`; `"unknown"` when the
        property names its value by `value_id` only."""
        return kind_of(self)

    def _prune_for_write(self, data: dict[str, Any]) -> None:
        if self.inherit:
            data.pop("valueId", None)
        if self.inherit or self.value_id is not None:
            for key in _VALUE_KEYS:
                data.pop(key, None)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Subject:
    """A subject.

    Omitted ingestion IDs are derived by the server on create.
    """

    name: str
    subject_type_id: str = attrs.field(converter=as_id)
    external_id: str
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    parent_subject_id: str | None = attrs.field(default=None, converter=as_optional_id)
    ingestion_ids: list[IngestionId] = attrs.Factory(list)
    properties: list[SubjectProperty] = attrs.Factory(list)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)

    def get_property(self, type_id: str | uuid.UUID) -> SubjectProperty | None:
        """The property of type `type_id`, or `None`."""
        type_id = to_id(type_id, "type_id")
        return next((p for p in self.properties if p.type_id == type_id), None)

    def set_property(
        self,
        type_id: str | uuid.UUID,
        *,
        value_id: str | uuid.UUID | None = None,
        text: str | None = None,
        number: float | None = None,
        location: Location | Mapping[str, Any] | None = None,
        map_layer: MapLayer | Mapping[str, Any] | None = None,
        image: Image | Mapping[str, Any] | None = None,
        area: Area | Mapping[str, Any] | None = None,
        caption: str | None = None,
        inherit: bool | None = None,
    ) -> SubjectProperty:
        """Set the property of type `type_id` (in place of the one it has) and return it.

        Give `value_id` (an existing value), one value (a model or a mapping such as
        `location={"lat": 52.0, "lon": 5.1}`), or `inherit=True`. Raises
        [`ValidationError`][blockbax_async.errors.ValidationError] (a `ValueError`) otherwise.
        """
        values = {
            "text": text,
            "number": number,
            "location": location,
            "map_layer": map_layer,
            "image": image,
            "area": area,
        }
        given = [name for name, value in values.items() if value is not None]
        where = f"set_property(type_id={str(type_id)!r})"
        if len(given) > 1:
            raise ValidationError(f"{where}: give one value, got {', '.join(given)}")
        if inherit and (given or value_id is not None):
            raise ValidationError(f"{where}: inherit=True takes no value_id or value")
        if not (inherit or given or value_id is not None):
            raise ValidationError(f"{where}: give value_id, a value or inherit=True")
        fields = {"type_id": type_id, "value_id": value_id, **values}
        prop: SubjectProperty = structure_input(
            {**fields, "caption": caption, "inherit": inherit}, SubjectProperty
        )
        self._put(prop)
        return prop

    def set_properties(self, properties: Iterable[SubjectProperty | Mapping[str, Any]]) -> None:
        """Replace (in place) or add properties by type id, from models or mappings with the API's
        camelCase keys (`{"typeId": ..., "valueId": ...}`, as the official SDK does) or
        snake_case ones. Each is checked before any is set: a bad one raises
        [`ValidationError`][blockbax_async.errors.ValidationError] naming it
        (`properties[1].text`)."""
        checked: list[SubjectProperty] = [
            structure_input(plain_numbers(prop), SubjectProperty, f"properties[{i}]")
            for i, prop in enumerate(check_items("properties", properties))
        ]
        for prop in checked:
            self._put(prop)

    def _put(self, prop: SubjectProperty) -> None:
        """Replace the property of the same type in place, or append `prop`."""
        at = next((i for i, p in enumerate(self.properties) if p.type_id == prop.type_id), None)
        if at is None:
            self.properties.append(prop)
        else:
            self.properties[at] = prop

    def get_property_by_type_id(self, type_id: str | uuid.UUID) -> SubjectProperty | None:
        """[`get_property`][blockbax_async.models.Subject.get_property], by the official SDK's
        name."""
        return self.get_property(type_id)

    def remove_property(self, type_id: str | uuid.UUID) -> None:
        """Remove the property of type `type_id`; nothing happens when it is absent."""
        self.remove_properties([type_id])

    def remove_properties(self, type_ids: Iterable[str | uuid.UUID]) -> None:
        """Remove the properties of these property types (the official SDK's name); types
        without a property are passed over, as there."""
        removed = {
            to_id(t, f"type_ids[{i}]") for i, t in enumerate(check_items("type_ids", type_ids))
        }
        self.properties = [p for p in self.properties if p.type_id not in removed]

    def get_ingestion_id(self, metric_id: str | uuid.UUID) -> str | None:
        """The ingestion ID of metric `metric_id`, or `None`."""
        metric_id = to_id(metric_id, "metric_id")
        return next((i.ingestion_id for i in self.ingestion_ids if i.metric_id == metric_id), None)

    def get_metric_id(self, ingestion_id: str) -> str | None:
        """The metric that ingestion ID `ingestion_id` feeds, or `None`."""
        return next(
            (i.metric_id for i in self.ingestion_ids if i.ingestion_id == ingestion_id), None
        )

    def has_ingestion_id(self, ingestion_id: str) -> bool:
        """Whether one of the subject's ingestion IDs is `ingestion_id`."""
        return any(i.ingestion_id == ingestion_id for i in self.ingestion_ids)

    def has_ingestion_ids(self, ingestion_ids: Iterable[str]) -> bool:
        """Whether every one of `ingestion_ids` is an ingestion ID of the subject."""
        held = {i.ingestion_id for i in self.ingestion_ids}
        return all(
            ingestion_id in held for ingestion_id in check_items("ingestion_ids", ingestion_ids)
        )

    def has_metric_id(self, metric_id: str | uuid.UUID) -> bool:
        """Whether the subject has an ingestion ID entry for metric `metric_id`."""
        metric_id = to_id(metric_id, "metric_id")
        return any(i.metric_id == metric_id for i in self.ingestion_ids)

    def override_ingestion_id(self, metric_id: str | uuid.UUID, ingestion_id: str) -> None:
        """Use a custom ingestion ID for metric `metric_id`."""
        if not ingestion_id:
            raise ValueError(f"override_ingestion_id: ingestion_id={ingestion_id!r} is empty")
        entry = self._ingestion_entry(metric_id)
        entry.derive_ingestion_id, entry.ingestion_id = False, ingestion_id

    def derive_ingestion_id(self, metric_id: str | uuid.UUID) -> None:
        """Let the server derive the ingestion ID of metric `metric_id`."""
        entry = self._ingestion_entry(metric_id)
        entry.derive_ingestion_id, entry.ingestion_id = True, None

    def remove_ingestion_id(self, metric_id: str | uuid.UUID) -> None:
        """Drop the ingestion ID entry of metric `metric_id`; nothing happens when absent."""
        metric_id = to_id(metric_id, "metric_id")
        self.ingestion_ids = [i for i in self.ingestion_ids if i.metric_id != metric_id]

    def _ingestion_entry(self, metric_id: str | uuid.UUID) -> IngestionId:
        metric_id = to_id(metric_id, "metric_id")
        for entry in self.ingestion_ids:
            if entry.metric_id == metric_id:
                return entry
        entry = IngestionId(metric_id)
        self.ingestion_ids.append(entry)
        return entry

"""Subject types."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from .._checks import check_items
from ._common import READ_ONLY, as_id, as_ids, as_optional_id, to_id
from ._converter import structure_input

__all__ = ["PrimaryLocation", "SubjectType", "SubjectTypePropertyType"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PrimaryLocation:
    """The metric or property type that places a subject on the map.

    `type` is `METRIC` or `PROPERTY_TYPE`.
    """

    type: str
    id: str = attrs.field(converter=as_id)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectTypePropertyType:
    """A property type linked to a subject type."""

    id: str = attrs.field(converter=as_id)
    required: bool = False
    visible: bool | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class SubjectType:
    """A subject type.

    `parent_subject_type_id` is deprecated and read only: the server sends it only when there
    is exactly one parent; use `parent_subject_type_ids`.
    """

    name: str
    parent_subject_type_ids: list[str] = attrs.field(factory=list, converter=as_ids)
    primary_location: PrimaryLocation | None = None
    property_types: list[SubjectTypePropertyType] = attrs.Factory(list)
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    parent_subject_type_id: str | None = attrs.field(
        default=None, converter=as_optional_id, metadata=READ_ONLY
    )

    def add_property_type(
        self, id: str | uuid.UUID, required: bool = False, visible: bool = True
    ) -> SubjectTypePropertyType:
        """Link a property type (replacing an existing link to it) and return the link."""
        link = SubjectTypePropertyType(id=id, required=required, visible=visible)
        self.remove_property_type(link.id)
        self.property_types.append(link)
        return link

    def add_property_types(
        self, property_types: Iterable[SubjectTypePropertyType | Mapping[str, Any]]
    ) -> None:
        """Link property types (the official SDK's name), from models or mappings with
        snake_case or camelCase keys (`{"id": ..., "required": True}`); `visible`
        defaults to `True`. A link to a type already linked replaces it. Each is checked
        before any is linked."""
        links: list[SubjectTypePropertyType] = [
            structure_input(link, SubjectTypePropertyType, f"property_types[{i}]")
            for i, link in enumerate(check_items("property_types", property_types))
        ]
        for link in links:
            self.add_property_type(
                link.id, link.required, True if link.visible is None else link.visible
            )

    def remove_property_type(self, id: str | uuid.UUID) -> None:
        """Unlink a property type; nothing happens when it is not linked."""
        self.remove_property_types([id])

    def remove_property_types(self, ids: Iterable[str | uuid.UUID]) -> None:
        """Unlink property types by id (the official SDK's name); ids not linked are
        passed over, as there."""
        unlinked = {to_id(id, f"ids[{i}]") for i, id in enumerate(check_items("ids", ids))}
        self.property_types = [link for link in self.property_types if link.id not in unlinked]

    def contains_property_type(self, id: str | uuid.UUID) -> bool:
        """Whether the property type `id` is linked."""
        id = to_id(id, "id")
        return any(link.id == id for link in self.property_types)

"""Subject types."""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs

from ._common import READ_ONLY, as_id, as_ids, as_optional_id, to_id

__all__ = ["PrimaryLocation", "SubjectType", "SubjectTypePropertyType"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class PrimaryLocation:
    """The metric or property type that places a subject on the map.

    ``type`` is ``METRIC`` or ``PROPERTY_TYPE``.
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

    ``parent_subject_type_id`` is deprecated and read only: the server sends it only when there
    is exactly one parent; use ``parent_subject_type_ids``.
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

    def remove_property_type(self, id: str | uuid.UUID) -> None:
        """Unlink a property type; nothing happens when it is not linked."""
        id = to_id(id, "id")
        self.property_types = [link for link in self.property_types if link.id != id]

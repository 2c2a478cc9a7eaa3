"""Subject types: `/subjectTypes`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar, overload

from .._pagination import Paginator
from ..models import PrimaryLocation, SubjectType, SubjectTypePropertyType
from ._base import CrudResource, Id, Ids, check_ids, check_str, optional, required
from ._raw import RawNamespace, raw, raw_page

__all__ = ["SubjectTypesResource", "SubjectTypesWithRawResponse"]


class SubjectTypesResource(CrudResource[SubjectType]):
    """`client.subject_types`: get, list, create, update and delete subject types."""

    path = "/subjectTypes"
    model = SubjectType
    required_fields = ("name", "property_types[].id", "primary_location.id")
    choices: ClassVar[Mapping[str, Collection[str]]] = {
        "primary_location.type": ("METRIC", "PROPERTY_TYPE")
    }

    def list(
        self,
        *,
        name: str | None = None,
        property_type_ids: Ids = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[SubjectType]:
        """Subject types, filtered by `name` and by the property types they link."""
        params = {
            "name": optional(check_str, "name", name),
            "propertyTypeIds": check_ids("property_type_ids", property_type_ids),
        }
        return self._search(params, limit, page_size)

    @property
    def with_raw_response(self) -> SubjectTypesWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return SubjectTypesWithRawResponse(self)

    @overload
    async def create(self, item: SubjectType | Mapping[str, Any]) -> SubjectType: ...
    @overload
    async def create(
        self,
        *,
        name: str,
        parent_subject_type_ids: Sequence[Id | None] = (),
        primary_location: PrimaryLocation | Mapping[str, Any] | None = None,
        property_types: Sequence[SubjectTypePropertyType | Mapping[str, Any]] = (),
    ) -> SubjectType: ...
    async def create(
        self,
        item: SubjectType | Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        parent_subject_type_ids: Sequence[Id | None] = (),
        primary_location: PrimaryLocation | Mapping[str, Any] | None = None,
        property_types: Sequence[SubjectTypePropertyType | Mapping[str, Any]] = (),
    ) -> SubjectType:
        """Create a subject type from a model or from keywords; returns the stored one.

        `primary_location` and `property_types` take models or mappings
        (`{"type": "METRIC", "id": ...}`, `[{"id": ..., "required": True}]`).
        """
        if item is None:
            item = self._from_keywords(
                name=required("name", name),
                parent_subject_type_ids=check_ids(
                    "parent_subject_type_ids", parent_subject_type_ids
                ),
                primary_location=primary_location,
                property_types=property_types,
            )
        return await self._create(self._input(item))


class SubjectTypesWithRawResponse(RawNamespace[SubjectTypesResource]):
    """`client.subject_types.with_raw_response`."""

    get = raw(SubjectTypesResource.get)
    list = raw_page(SubjectTypesResource.list)
    create = raw(SubjectTypesResource.create)
    update = raw(SubjectTypesResource.update)
    delete = raw(SubjectTypesResource.delete)

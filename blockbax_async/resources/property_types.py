"""Property types: `/propertyTypes`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar, overload

from .._pagination import Paginator
from .._vocabulary import PROPERTY_DATA_TYPES
from ..models import PropertyType, PropertyValue
from ..types import PropertyDataType
from ._base import CrudResource, check_str, one_of, optional, required
from ._raw import RawNamespace, raw, raw_page

__all__ = ["PropertyTypesResource", "PropertyTypesWithRawResponse"]


class PropertyTypesResource(CrudResource[PropertyType]):
    """`client.property_types`: get, list, create, update and delete property types."""

    path = "/propertyTypes"
    model = PropertyType
    unique_key: ClassVar[Mapping[str, str]] = {"external_id": "externalId"}
    choices: ClassVar[Mapping[str, Collection[str]]] = {"data_type": PROPERTY_DATA_TYPES}

    def list(
        self,
        *,
        name: str | None = None,
        external_id: str | None = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[PropertyType]:
        """Property types, filtered by `name` and `external_id`; iterate or `collect()`."""
        params = {
            "name": optional(check_str, "name", name),
            "externalId": optional(check_str, "external_id", external_id),
        }
        return self._search(params, limit, page_size)

    @property
    def with_raw_response(self) -> PropertyTypesWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return PropertyTypesWithRawResponse(self)

    @overload
    async def create(self, item: PropertyType | Mapping[str, Any]) -> PropertyType: ...
    @overload
    async def create(
        self,
        *,
        name: str,
        external_id: str,
        data_type: PropertyDataType,
        predefined_values: bool = False,
        values: Sequence[PropertyValue | Mapping[str, Any]] = (),
    ) -> PropertyType: ...
    async def create(
        self,
        item: PropertyType | Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        external_id: str | None = None,
        data_type: PropertyDataType | None = None,
        predefined_values: bool = False,
        values: Sequence[PropertyValue | Mapping[str, Any]] = (),
    ) -> PropertyType:
        """Create a property type from a model or from keywords; returns the stored one.

        `data_type` is `TEXT`, `NUMBER`, `LOCATION`, `MAP_LAYER`, `IMAGE` or
        `AREA`; with `predefined_values` the `values` are created here too, as models
        or mappings (`{"caption": "HQ", "location": {"lat": 52.0, "lon": 5.1}}`).
        """
        if item is None:
            item = self._from_keywords(
                name=required("name", name),
                external_id=required("external_id", external_id),
                data_type=one_of(
                    "data_type", required("data_type", data_type), PROPERTY_DATA_TYPES
                ),
                predefined_values=predefined_values,
                values=values,
            )
        return await self._create(self._input(item))


class PropertyTypesWithRawResponse(RawNamespace[PropertyTypesResource]):
    """`client.property_types.with_raw_response`."""

    get = raw(PropertyTypesResource.get)
    list = raw_page(PropertyTypesResource.list)
    create = raw(PropertyTypesResource.create)
    update = raw(PropertyTypesResource.update)
    delete = raw(PropertyTypesResource.delete)

"""Property types: ``/propertyTypes``."""

from __future__ import annotations

from collections.abc import Sequence

from .._pagination import Paginator
from ..models import PropertyType, PropertyValue
from ._base import CrudResource, required

__all__ = ["PropertyTypesResource"]


class PropertyTypesResource(CrudResource[PropertyType]):
    """``client.property_types``: get, list, create, update and delete property types."""

    path = "/propertyTypes"
    model = PropertyType

    def list(
        self,
        *,
        name: str | None = None,
        external_id: str | None = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[PropertyType]:
        """Property types, filtered by ``name`` and ``external_id``; iterate or ``collect()``."""
        return self._search({"name": name, "externalId": external_id}, limit, page_size)

    async def create(
        self,
        item: PropertyType | None = None,
        *,
        name: str | None = None,
        external_id: str | None = None,
        data_type: str | None = None,
        predefined_values: bool = False,
        values: Sequence[PropertyValue] = (),
    ) -> PropertyType:
        """Create a property type from a model or from keywords; returns the stored one.

        ``data_type`` is ``TEXT``, ``NUMBER``, ``LOCATION``, ``MAP_LAYER``, ``IMAGE`` or
        ``AREA``; with ``predefined_values`` the ``values`` are created here too.
        """
        if item is None:
            item = PropertyType(
                name=required("name", name),
                external_id=required("external_id", external_id),
                data_type=required("data_type", data_type),
                predefined_values=predefined_values,
                values=list(values),
            )
        return await self._create(item)

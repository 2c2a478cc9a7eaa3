"""Metrics: `/metrics`."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, ClassVar, overload

from .._pagination import Paginator
from .._vocabulary import MAPPING_LEVELS, METRIC_DATA_TYPES
from ..errors import ValidationError
from ..models import Metric
from ..types import MappingLevel, MetricDataType, MetricType
from ._base import (
    CrudResource,
    Id,
    Ids,
    check_ids,
    check_int,
    check_str,
    one_of,
    optional,
    required,
    required_id,
)
from ._raw import RawNamespace, raw, raw_page

__all__ = ["MetricsResource", "MetricsWithRawResponse"]

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class MetricsResource(CrudResource[Metric]):
    """`client.metrics`: get, list, create, update and delete metrics."""

    path = "/metrics"
    model = Metric
    unique_key: ClassVar[Mapping[str, str]] = {
        "subject_type_id": "subjectTypeIds",
        "external_id": "externalId",
    }
    required_fields = ("subject_type_id", "name", "data_type", "type")
    choices: ClassVar[Mapping[str, Collection[str]]] = {
        "data_type": METRIC_DATA_TYPES,
        "type": ("INGESTED",),
        "mapping_level": MAPPING_LEVELS,
    }

    def list(
        self,
        *,
        name: str | None = None,
        external_id: str | None = None,
        metric_ids: Ids = None,
        subject_type_ids: Ids = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[Metric]:
        """Metrics matching every filter given."""
        params = {
            "name": optional(check_str, "name", name),
            "externalId": optional(check_str, "external_id", external_id),
            "metricIds": check_ids("metric_ids", metric_ids),
            "subjectTypeIds": check_ids("subject_type_ids", subject_type_ids),
        }
        return self._search(params, limit, page_size)

    @property
    def with_raw_response(self) -> MetricsWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return MetricsWithRawResponse(self)

    @overload
    async def create(self, item: Metric | Mapping[str, Any]) -> Metric: ...
    @overload
    async def create(
        self,
        *,
        subject_type_id: Id | None,
        name: str,
        data_type: MetricDataType,
        external_id: str,
        mapping_level: MappingLevel = "OWN",
        type: MetricType = "INGESTED",
        unit: str | None = None,
        precision: int | None = None,
        visible: bool | None = None,
        discrete: bool | None = None,
        preferred_color: str | None = None,
    ) -> Metric: ...
    async def create(
        self,
        item: Metric | Mapping[str, Any] | None = None,
        *,
        subject_type_id: Id | None = None,
        name: str | None = None,
        data_type: MetricDataType | None = None,
        external_id: str | None = None,
        mapping_level: MappingLevel = "OWN",
        type: MetricType = "INGESTED",
        unit: str | None = None,
        precision: int | None = None,
        visible: bool | None = None,
        discrete: bool | None = None,
        preferred_color: str | None = None,
    ) -> Metric:
        """Create a metric from a model or from keywords; returns the stored one.

        `data_type` is `NUMBER`, `LOCATION` or `TEXT`; `mapping_level` is `OWN`
        (ingestion IDs on the subjects of this type) or `CHILD` (on their children);
        `type` can only be `INGESTED`. `precision` is 0 to 8 digits;
        `preferred_color` is `#rrggbb`.
        """
        if item is None:
            item = self._from_keywords(
                subject_type_id=required_id("subject_type_id", subject_type_id),
                name=required("name", name),
                data_type=one_of("data_type", required("data_type", data_type), METRIC_DATA_TYPES),
                external_id=required("external_id", external_id),
                mapping_level=one_of("mapping_level", mapping_level, MAPPING_LEVELS),
                type=one_of("type", required("type", type), ("INGESTED",)),
                unit=unit,
                precision=precision,
                visible=visible,
                discrete=discrete,
                preferred_color=preferred_color,
            )
        return await self._create(self._input(item))

    def _check(self, item: Metric, *, creating: bool) -> None:
        super()._check(item, creating=creating)
        if creating:
            required("external_id", item.external_id)
            required("mapping_level", item.mapping_level)
        optional(check_int, "precision", item.precision, minimum=0, maximum=8)
        color = item.preferred_color
        if color is not None and not _COLOR.fullmatch(color):
            raise ValidationError(f"preferred_color: {color!r} is not a hex color like #2fc177")


class MetricsWithRawResponse(RawNamespace[MetricsResource]):
    """`client.metrics.with_raw_response`."""

    get = raw(MetricsResource.get)
    list = raw_page(MetricsResource.list)
    create = raw(MetricsResource.create)
    update = raw(MetricsResource.update)
    delete = raw(MetricsResource.delete)

"""Metrics."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._common import READ_ONLY, as_id, as_optional_id

__all__ = ["Metric"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Metric:
    """A metric of a subject type.

    `data_type` is `NUMBER`, `LOCATION` or `TEXT`; `type` is `INGESTED` (the only
    kind the API creates; `CALCULATED` and `SIMULATED` come back too); `mapping_level`
    is `OWN` or `CHILD`. `external_id` and `mapping_level` are required to create an
    ingested metric. Unknown values are kept as they come.
    """

    subject_type_id: str = attrs.field(converter=as_id)
    name: str
    data_type: str
    external_id: str | None = None
    mapping_level: str | None = None
    type: str = "INGESTED"
    unit: str | None = None
    precision: int | None = None
    visible: bool | None = None
    discrete: bool | None = None
    preferred_color: str | None = None
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)

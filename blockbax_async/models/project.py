"""The project model."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._common import READ_ONLY, as_optional_id

__all__ = ["Project"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Project:
    """A Blockbax project; read only through the API."""

    name: str
    description: str | None = None
    timezone_id: str | None = None
    organization_id: str | None = attrs.field(
        default=None, converter=as_optional_id, metadata=READ_ONLY
    )
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)

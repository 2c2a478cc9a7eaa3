"""Events raised by event triggers."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._common import as_id, as_ids

__all__ = ["Event"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Event:
    """An event; `event_level` is `OK`, `INFORMATION`, `WARNING` or `PROBLEM`, and
    `end_date` is `None` while the event is active."""

    id: str = attrs.field(converter=as_id)
    event_trigger_id: str = attrs.field(converter=as_id)
    event_level: str
    subject_id: str = attrs.field(converter=as_id)
    start_date: datetime
    event_trigger_version: int | None = None
    condition_set_ids: list[str] = attrs.field(factory=list, converter=as_ids)
    end_date: datetime | None = None
    suppressed: bool | None = None

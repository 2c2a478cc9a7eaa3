"""Alarms and their activity logs (read only; not in the API reference, shaped as the
official SDK 1.8.1 reads them)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import as_id, as_optional_id

__all__ = ["ActivityLog", "ActivityLogData", "ActivityLogMetadata", "Alarm", "AlarmActivity"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Alarm:
    """An alarm raised by an event trigger; its `id` is an integer.

    `status` is `UNACKED`, `ACKED`, `ON_HOLD` or `CLOSED`; `priority` is `LOW`,
    `MEDIUM`, `HIGH` or `CRITICAL` (other values are kept as they come).
    """

    id: int
    created_date: datetime
    event_trigger_id: str = attrs.field(converter=as_id)
    subject_id: str = attrs.field(converter=as_id)
    initial_event_id: str = attrs.field(converter=as_id)
    status: str
    auto_close: bool
    active: bool
    priority: str | None = None
    updated_date: datetime | None = None
    auto_unack_at: datetime | None = None
    auto_unacked_at: datetime | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class ActivityLogData:
    """What an activity changed: `field_name` went from `from_value` to `to_value`."""

    field_name: str | None = None
    from_value: Any = None
    to_value: Any = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class ActivityLog:
    """One change to an alarm; `account_id` is `None` when the system made it."""

    id: str = attrs.field(converter=as_id)
    date: datetime
    mutation_type: str | None = None
    account_id: str | None = attrs.field(default=None, converter=as_optional_id)
    data: ActivityLogData | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class ActivityLogMetadata:
    """Who an account is: `caption` is the person's name."""

    caption: str | None = None


def _to_metadata(value: Mapping[str, Any] | None) -> dict[str, ActivityLogMetadata]:
    # Null entries are dropped, as the official SDK drops them.
    out = {}
    for key, meta in (value or {}).items():
        if isinstance(meta, ActivityLogMetadata):
            out[key] = meta
        elif isinstance(meta, Mapping):
            out[key] = ActivityLogMetadata(caption=meta.get("caption"))
    return out


@attrs.define(on_setattr=attrs.setters.NO_OP)
class AlarmActivity:
    """The activity logs of an alarm, newest first, and the accounts they name."""

    logs: list[ActivityLog] = attrs.field(factory=list, metadata={"json": "result"})
    metadata: dict[str, ActivityLogMetadata] = attrs.field(factory=dict, converter=_to_metadata)

    def caption(self, log: ActivityLog) -> str | None:
        """The name of the account that made `log`, or `None` (system or unknown)."""
        if log.account_id is None:
            return None
        meta = self.metadata.get(log.account_id)
        return None if meta is None else meta.caption

"""Webhook settings and the responses their calls got."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._common import READ_ONLY, SubjectFilter, as_id, as_ids, as_optional_id

__all__ = ["EventTriggerFilter", "Webhook", "WebhookResponse"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class EventTriggerFilter:
    """Event triggers a webhook listens to; `type` is `INCLUDE` or `EXCLUDE`."""

    type: str
    ids: list[str] = attrs.field(factory=list, converter=as_ids)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Webhook:
    """A webhook setting: events matching the filters are posted to `endpoint`.

    `event_level_filter` holds `OK`, `INFORMATION`, `WARNING` and/or `PROBLEM`.
    """

    name: str
    endpoint: str
    active: bool = True
    authorization_header: str | None = attrs.field(default=None, repr=False)
    subject_filter: SubjectFilter | None = None
    event_trigger_filter: EventTriggerFilter | None = None
    event_level_filter: list[str] = attrs.Factory(list)
    id: str | None = attrs.field(default=None, converter=as_optional_id, metadata=READ_ONLY)
    created_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)
    updated_date: datetime | None = attrs.field(default=None, metadata=READ_ONLY)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class WebhookResponse:
    """One delivery attempt of a webhook call, kept for 7 days.

    `response_type` is e.g. `OK_RESPONSE`, `ERROR_RESPONSE` or `CONNECTION_ERROR`;
    `status_code` is `None` when no answer came.
    """

    webhook_setting_id: str = attrs.field(converter=as_id)
    sequence_number: int
    date: datetime
    delivery_attempt: int | None = None
    status_code: int | None = None
    response_type: str | None = None
    error: bool | None = None
    event_id: str | None = attrs.field(default=None, converter=as_optional_id)

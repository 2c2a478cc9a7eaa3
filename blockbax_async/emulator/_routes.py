"""The URL table of the emulator: the project, one module per collection, measurements,
alarms and webhook responses."""

from __future__ import annotations

from aiohttp import web

from ._alarms import add_alarm_routes
from ._collection import Collection, add_crud_routes
from ._event_triggers import EVENT_TRIGGERS
from ._events import EVENTS
from ._http import ROOT, json_response
from ._measurements import add_measurement_routes
from ._metrics import METRICS
from ._property_types import PROPERTY_TYPES
from ._state import Host
from ._subject_types import SUBJECT_TYPES
from ._subjects import SUBJECTS
from ._webhooks import WEBHOOKS, add_webhook_response_routes

__all__ = ["CRUD", "add_routes"]

CRUD: tuple[Collection, ...] = (
    PROPERTY_TYPES,
    SUBJECT_TYPES,
    METRICS,
    SUBJECTS,
    EVENT_TRIGGERS,
    WEBHOOKS,
    EVENTS,
)
"""The collections served with search, get (and, when writable, create, update, delete)."""


def add_routes(host: Host, app: web.Application) -> None:
    """Register every endpoint of the emulated API on `app`."""

    async def project(request: web.Request) -> web.Response:
        return json_response(host.state.project)

    app.router.add_get(ROOT, project)
    for collection in CRUD:
        add_crud_routes(host, collection, app)
    add_measurement_routes(host, app)
    add_alarm_routes(host, app)
    add_webhook_response_routes(host, app)

"""The blocking layer: the async client, for scripts, threads and notebooks.

[`Client`][blockbax_async.sync.Client] has the namespaces and methods of
[`AsyncClient`][blockbax_async.AsyncClient], blocking; each forwards to its async twin, so
every method exists once. [`HttpClient`][blockbax_async.sync.HttpClient] is a drop-in for
`blockbax_sdk.HttpClient` (see the migration guide). How calls reach the event loop, and
what that costs, is in `docs/sync.md`.
"""

from __future__ import annotations

from ._client import Client
from ._measurements import MeasurementsNamespace, SyncReceipt
from ._namespaces import (
    AlarmsNamespace,
    EventsNamespace,
    EventTriggersNamespace,
    MetricsNamespace,
    ProjectNamespace,
    PropertyTypesNamespace,
    SubjectsNamespace,
    SubjectTypesNamespace,
    SyncPaginator,
    WebhooksNamespace,
)
from ._official import HttpClient, ProjectResources

__all__ = [
    "AlarmsNamespace",
    "Client",
    "EventTriggersNamespace",
    "EventsNamespace",
    "HttpClient",
    "MeasurementsNamespace",
    "MetricsNamespace",
    "ProjectNamespace",
    "ProjectResources",
    "PropertyTypesNamespace",
    "SubjectTypesNamespace",
    "SubjectsNamespace",
    "SyncPaginator",
    "SyncReceipt",
    "WebhooksNamespace",
]

"""`Client`: the blocking client, the namespaces of the async client over one portal."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from .._client import AsyncClient
from ._measurements import MeasurementsNamespace
from ._namespaces import (
    AlarmsNamespace,
    EventsNamespace,
    EventTriggersNamespace,
    MetricsNamespace,
    ProjectNamespace,
    PropertyTypesNamespace,
    SubjectsNamespace,
    SubjectTypesNamespace,
    WebhooksNamespace,
)
from ._portal import Portal

__all__ = ["Client"]

logger = logging.getLogger("blockbax_async")

_open_clients: set[Client] = set()


@atexit.register
def _close_forgotten_clients() -> None:
    for client in list(_open_clients):
        if not client._portal.forked:
            logger.warning("closing a blockbax_async.sync.Client left open at exit")
        client.close()


class Client:
    """The blocking client: the namespaces and methods of
    [`AsyncClient`][blockbax_async.AsyncClient], blocking.

    Takes the same arguments as [`AsyncClient`][blockbax_async.AsyncClient]. Use it as a
    context manager or call `close`; a client still open at interpreter exit is closed then
    (which flushes queued measurements) with a warning. After `os.fork()` the child's copy raises
    [`ClientStateError`][blockbax_async.errors.ClientStateError]: make a new client there.
    """

    def __init__(
        self,
        project_id: str | None = None,
        access_token: str | None = None,
        **options: Any,
    ) -> None:
        self._async = AsyncClient(project_id, access_token, **options)
        self._portal = Portal()
        self._bind(self._async, MeasurementsNamespace(self._async.measurements, self._portal))
        self._closing = threading.Lock()
        _open_clients.add(self)

    def _bind(self, client: AsyncClient, measurements: MeasurementsNamespace) -> None:
        portal = self._portal
        self.project = ProjectNamespace(client.project, portal)
        self.property_types = PropertyTypesNamespace(client.property_types, portal)
        self.subject_types = SubjectTypesNamespace(client.subject_types, portal)
        self.subjects = SubjectsNamespace(client.subjects, portal)
        self.metrics = MetricsNamespace(client.metrics, portal)
        self.event_triggers = EventTriggersNamespace(client.event_triggers, portal)
        self.webhooks = WebhooksNamespace(client.webhooks, portal)
        self.events = EventsNamespace(client.events, portal)
        self.alarms = AlarmsNamespace(client.alarms, portal)
        self.measurements = measurements

    @property
    def async_client(self) -> AsyncClient:
        """The async client underneath (use it only from the portal's loop)."""
        return self._async

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_deadline: float | None = None,
    ) -> Client:
        """A client with these options over the same portal, session, limiter and queue;
        see [`AsyncClient.with_options`][blockbax_async.AsyncClient.with_options]. Closing
        either closes both."""
        view = Client.__new__(Client)
        view._async = self._async.with_options(
            timeout=timeout, max_retries=max_retries, retry_deadline=retry_deadline
        )
        view._portal, view._closing = self._portal, self._closing
        view._bind(view._async, self.measurements)
        return view

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send a request the namespaces do not cover; see
        [`AsyncClient.request`][blockbax_async.AsyncClient.request]."""
        return self._portal.call(self._async.request, method, path, params=params, json=json)

    @property
    def closed(self) -> bool:
        """Whether `close` was called (or this is a forked child's copy)."""
        return self._portal.closed or self._portal.forked

    def close(self) -> None:
        """Flush what is queued, close the session and stop the portal thread.

        In a forked child it only marks the copy closed: the parent owns the queue.
        """
        with self._closing:
            _open_clients.discard(self)
            if self._portal.closed or self._portal.forked:
                self._portal.close()
                return
            self.measurements._close_staging()
            try:
                self._portal.call(self.measurements._admit_then, self._async.aclose)
            finally:
                self._portal.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"sync.{self._async!r}"


def _forked() -> None:
    # In the child: the closing lock may be held by a thread that is gone.
    for client in list(_open_clients):
        client._closing = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)

"""AsyncClient: options, session lifecycle and the resource namespaces."""

from __future__ import annotations

import os
import ssl as _ssl
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from ._checks import check_instance, optional
from ._config import DEFAULT_BASE_URL, ClientConfig
from ._ingest import IngestSettings
from ._retry import RetryPolicy
from ._transport import Transport
from .errors import ValidationError
from .models._converter import structure_input
from .resources.alarms import AlarmsResource
from .resources.event_triggers import EventTriggersResource
from .resources.events import EventsResource
from .resources.measurements import MeasurementsResource
from .resources.metrics import MetricsResource
from .resources.project import ProjectResource
from .resources.property_types import PropertyTypesResource
from .resources.subject_types import SubjectTypesResource
from .resources.subjects import SubjectsResource
from .resources.webhooks import WebhooksResource

__all__ = ["AsyncClient"]


def _from_env(value: Any, name: str, field: str) -> Any:
    """``value``, else the environment variable ``name``; the type is checked by the config."""
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        raise ValidationError(f"{field}: required (pass it, or set {name})")
    return value


def ingest_settings(value: IngestSettings | Mapping[str, Any] | None) -> IngestSettings | None:
    """The ``ingest`` option: settings, or a mapping of them (``{"lanes": 2}``)."""
    if value is None:
        return None
    settings: IngestSettings = structure_input(value, IngestSettings, "ingest")
    return settings


class AsyncClient:
    """The asyncio client of one Blockbax project.

    ``project_id`` and ``access_token`` default to ``BLOCKBAX_PROJECT_ID`` and
    ``BLOCKBAX_ACCESS_TOKEN``. Use it as ``async with AsyncClient(...) as client:`` or call
    :meth:`aclose`. It makes one aiohttp session, in the loop of its first request, and
    reuses it for every request; bring your own with ``session=`` (then you close it).

    ``timeout`` bounds each attempt in seconds; ``max_retries`` and ``retry_deadline``
    bound retries of transient failures; ``rate_limit=False`` turns off pacing by the
    X-RateLimit-* headers; ``ssl`` takes an :class:`ssl.SSLContext` (or ``False`` to skip
    verification); ``connection_limit`` caps open connections; ``ingest`` sets up the
    measurement queue (:class:`~blockbax_async.IngestSettings`, or a mapping of its
    settings). A wrong type or range of any option raises
    :class:`~blockbax_async.errors.ValidationError` naming the option and the value.
    """

    def __init__(
        self,
        project_id: str | uuid.UUID | None = None,
        access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_retries: int = 4,
        retry_deadline: float = 120.0,
        backoff_base: float = 0.25,
        backoff_max: float = 20.0,
        rate_limit: bool = True,
        ssl: _ssl.SSLContext | bool = True,
        connection_limit: int = 100,
        session: aiohttp.ClientSession | None = None,
        ingest: IngestSettings | Mapping[str, Any] | None = None,
    ) -> None:
        self.config = ClientConfig(
            project_id=_from_env(project_id, "BLOCKBAX_PROJECT_ID", "project_id"),
            access_token=_from_env(access_token, "BLOCKBAX_ACCESS_TOKEN", "access_token"),
            base_url=(os.environ.get("BLOCKBAX_BASE_URL") or DEFAULT_BASE_URL)
            if base_url is None
            else base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retry=RetryPolicy(max_retries, retry_deadline, backoff_base, backoff_max),
            rate_limit=rate_limit,
            ssl=ssl,
            connection_limit=connection_limit,
        )
        session = optional(
            check_instance, "session", session, types=aiohttp.ClientSession, what="a ClientSession"
        )
        ingest = ingest_settings(ingest)
        self._transport = Transport(self.config, session)
        self.project = ProjectResource(self._transport)
        self.property_types = PropertyTypesResource(self._transport)
        self.subject_types = SubjectTypesResource(self._transport)
        self.subjects = SubjectsResource(self._transport)
        self.metrics = MetricsResource(self._transport)
        self.event_triggers = EventTriggersResource(self._transport)
        self.webhooks = WebhooksResource(self._transport)
        self.events = EventsResource(self._transport)
        self.alarms = AlarmsResource(self._transport)
        self.measurements = MeasurementsResource(self._transport, ingest)

    @property
    def transport(self) -> Transport:
        """The request pipeline, with its counters (``requests``, ``retries``) and limiter."""
        return self._transport

    async def __aenter__(self) -> AsyncClient:
        self._transport.session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Flush queued measurements (within ``IngestSettings.close_timeout``), then close the
        session; later calls raise :class:`~blockbax_async.errors.ClientStateError`. What could
        not be delivered is logged and stays in ``measurements.pending()``."""
        try:
            if not self._transport.closed:
                await self.measurements.close()
        finally:
            await self._transport.aclose()

    def __repr__(self) -> str:
        return (
            f"AsyncClient(project_id={self.config.project_id!r}, base_url={self.config.base_url!r})"
        )

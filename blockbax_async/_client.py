"""AsyncClient: options, session lifecycle and the resource namespaces."""

from __future__ import annotations

import os
import ssl as _ssl
import uuid
import warnings
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Literal

import aiohttp
import attrs

from ._checks import check_instance, check_items, check_str, optional
from ._config import DEFAULT_BASE_URL, ClientConfig, is_loopback
from ._hooks import Hooks
from ._retry import RetryPolicy
from ._transport import ParamValue, Transport
from .errors import ValidationError
from .ingest import IngestSettings
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

__all__ = ["AsyncClient", "check_request"]

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _from_env(value: Any, name: str, field: str) -> Any:
    """`value`, else the environment variable `name`; the type is checked by the config."""
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        raise ValidationError(f"{field}: required (pass it, or set {name})")
    return value


def check_hooks(value: Iterable[Hooks]) -> list[Hooks]:
    """The `hooks` option: a list of [`Hooks`][blockbax_async.Hooks]."""
    hooks = check_items("hooks", value)
    for index, hook in enumerate(hooks):
        check_instance(f"hooks[{index}]", hook, types=Hooks, what="a blockbax_async.Hooks")
    return hooks


def check_request(method: str, path: str) -> tuple[str, str]:
    """The method (upper-cased) and path of
    [`AsyncClient.request`][blockbax_async.AsyncClient.request]: a path relative to the project,
    `""` or starting with `/`, without a query (give `params`)."""
    verb = check_str("method", method).upper()
    if verb not in _METHODS:
        raise ValidationError(f"method: {method!r} is not one of {', '.join(_METHODS)}")
    path = check_str("path", path)
    if path and not path.startswith("/"):
        raise ValidationError(f"path: {path!r}: give a path under the project, like '/subjects'")
    if "?" in path or "#" in path or path.startswith("/v1/"):
        raise ValidationError(
            f"path: {path!r}: give the path after /v1/projects/{{project_id}}, without a query "
            "(pass params=)"
        )
    return verb, path


def _warn_if_insecure(base_url: str) -> None:
    if base_url.startswith("http://") and not is_loopback(base_url):
        warnings.warn(
            f"base_url {base_url!r} is plain http to another machine: the access token would "
            "cross the network unencrypted; use https://",
            UserWarning,
            stacklevel=3,
        )


def ingest_settings(value: IngestSettings | Mapping[str, Any] | None) -> IngestSettings | None:
    """The `ingest` option: settings, or a mapping of them (`{"lanes": 2}`)."""
    if value is None:
        return None
    settings: IngestSettings = structure_input(value, IngestSettings, "ingest")
    return settings


class AsyncClient:
    """The asyncio client of one Blockbax project.

    `project_id` and `access_token` default to `BLOCKBAX_PROJECT_ID` and
    `BLOCKBAX_ACCESS_TOKEN`. Use it as `async with AsyncClient(...) as client:` or call
    [`aclose`][blockbax_async.AsyncClient.aclose]. It makes one aiohttp session, in the loop of its
    first request, and reuses it for every request; bring your own with `session=` (then you close
    it).

    `timeout` bounds each attempt in seconds; `max_retries` and `retry_deadline`
    bound retries of transient failures; `rate_limit=False` turns off pacing by the
    X-RateLimit-* headers; `ssl` takes an `ssl.SSLContext` (or `False` to skip
    verification); `connection_limit` caps open connections; `ingest` sets up the
    measurement queue ([`IngestSettings`][blockbax_async.IngestSettings], or a mapping of its
    settings); `hooks` observe every request attempt ([`Hooks`][blockbax_async.Hooks]).
    A wrong type or range of any option raises
    [`ValidationError`][blockbax_async.errors.ValidationError] naming the option and the value.
    `base_url` is the server root: a scheme is required, the API path
    (`/v1/projects/...`) is refused, and plain `http://` to another machine warns.

    [`with_options`][blockbax_async.AsyncClient.with_options] gives a client with other timeouts
    and retries for some calls; [`request`][blockbax_async.AsyncClient.request] reaches what the
    namespaces do not cover.
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
        hooks: Iterable[Hooks] = (),
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
        transport = Transport(self.config, session)
        transport.hooks.extend(check_hooks(hooks))
        _warn_if_insecure(self.config.base_url)
        self._bind(transport, MeasurementsResource(transport, ingest))

    def _bind(self, transport: Transport, measurements: MeasurementsResource) -> None:
        self._transport = transport
        self.project = ProjectResource(transport)
        self.property_types = PropertyTypesResource(transport)
        self.subject_types = SubjectTypesResource(transport)
        self.subjects = SubjectsResource(transport)
        self.metrics = MetricsResource(transport)
        self.event_triggers = EventTriggersResource(transport)
        self.webhooks = WebhooksResource(transport)
        self.events = EventsResource(transport)
        self.alarms = AlarmsResource(transport)
        self.measurements = measurements

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_deadline: float | None = None,
    ) -> AsyncClient:
        """A client with these options over the same session, limiter, hooks and
        measurement queue: `await client.with_options(timeout=2).subjects.get(id)`.

        `timeout` bounds each attempt, `max_retries` and `retry_deadline` the retries
        (see `docs/rate-limits.md`); the others stay as they are. `measurements` is the
        one queue of the client, sent with the options it was made with. Closing either
        client closes both: close the one you made.
        """
        config = self.config
        retry = config.retry
        if max_retries is not None:
            retry = attrs.evolve(retry, max_retries=max_retries)
        if retry_deadline is not None:
            retry = attrs.evolve(retry, deadline=retry_deadline)
        config = attrs.evolve(config, retry=retry)
        if timeout is not None:
            config = attrs.evolve(config, timeout=timeout)
        view = AsyncClient.__new__(AsyncClient)
        view.config = config
        view._bind(self._transport.with_config(config), self.measurements)
        return view

    async def request(
        self,
        method: Method | str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
    ) -> Any:
        """Send a request the namespaces do not cover, through the same pipeline (auth,
        rate limit, retries, error mapping); returns the decoded JSON (`None` for no body).

        `path` is relative to the project (`"/subjects"`, `""` for the project
        itself); `params` are encoded as the namespaces encode theirs (lists
        comma-joined, `None` left out). A `POST` counts as a create: it is not sent
        again when it may have been stored. Measurement POSTs skip the limiter, as the API
        does not rate limit them. Errors are the usual
        [`APIError`][blockbax_async.errors.APIError] classes.
        """
        method, path = check_request(method, path)
        measurements = (method, path) == ("POST", "/measurements")
        return await self._transport.request(
            method,
            path,
            params=params,
            json=json,
            idempotent=method != "POST" or measurements,
            rate_limited=not measurements,
        )

    @property
    def transport(self) -> Transport:
        """The request pipeline, with its counters (`requests`, `retries`) and limiter."""
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
        """Flush queued measurements (within `IngestSettings.close_timeout`), then close the
        session; later calls raise [`ClientStateError`][blockbax_async.errors.ClientStateError].
        What could not be delivered is logged and stays in `measurements.pending()`."""
        try:
            if not self._transport.closed:
                await self.measurements.close()
        finally:
            await self._transport.aclose()

    def __repr__(self) -> str:
        return (
            f"AsyncClient(project_id={self.config.project_id!r}, base_url={self.config.base_url!r})"
        )

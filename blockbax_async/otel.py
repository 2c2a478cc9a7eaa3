"""OpenTelemetry for blockbax_async: `pip install blockbax-async[otel]`.

[`instrument`][blockbax_async.otel.instrument] makes every request attempt of a client a `CLIENT`
span with the HTTP semantic-convention attributes, every batch of measurements an `INTERNAL` span
(its attempts nested under it) with its counts, and the ingest figures of
`client.measurements.stats` observable metrics. Only `opentelemetry-api` is needed:
with no SDK (or no provider set) every span and metric is a no-op. The access token is never
in an attribute: it travels in a header, which is not recorded.
"""

from __future__ import annotations

import contextlib
import re
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

import attrs
from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from ._client import AsyncClient
from ._hooks import Attempt, Hooks, Operation
from ._response import Response
from ._version import __version__
from .errors import BlockbaxError, TransportError
from .sync import Client

__all__ = ["Instrumentation", "Tracing", "instrument", "route"]

SCOPE = "blockbax_async"

_ID_SEGMENT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d+"
)

# The ingest figures: (metric name, IngestStats field[, unit], description).
GAUGES = (
    ("blockbax.measurements.queued", "queued", "waiting to be sent"),
    ("blockbax.measurements.in_flight", "in_flight", "being sent"),
)
COUNTERS = (
    ("blockbax.measurements.ingested", "sent", "{measurement}", "ingested by the server"),
    ("blockbax.measurements.truncated", "truncated", "{measurement}", "stored rounded or cut"),
    ("blockbax.measurements.requests", "requests", "{request}", "measurement POSTs sent"),
    ("blockbax.measurements.retried", "retried", "{request}", "measurement POSTs sent again"),
    ("blockbax.measurements.failed_batches", "failed_batches", "{batch}", "batches that failed"),
)
REFUSED = (
    ("unknown_id", "refused_unknown_id"),
    ("invalid_value", "refused_invalid_value"),
    ("other", "refused_other"),
    ("at_queue", "refused_at_queue"),
    ("handed_back", "handed_back"),
)


def route(path: str) -> str:
    """The low-cardinality form of a request path for span names: ids become `{id}`
    (`/subjects/8e0c...` is `/subjects/{id}`); the project itself is `/`."""
    parts = [("{id}" if _ID_SEGMENT.fullmatch(p) else p) for p in path.split("/")]
    return "/".join(parts) or "/"


def attempt_attributes(attempt: Attempt) -> dict[str, str | int]:
    """The semantic-convention attributes known when an attempt is sent."""
    url = urlsplit(attempt.url)
    attributes: dict[str, str | int] = {
        "http.request.method": attempt.method,
        "url.full": attempt.url,
        "url.template": route(attempt.path),
        "server.address": url.hostname or "",
        "server.port": url.port or (443 if url.scheme == "https" else 80),
    }
    if attempt.number > 1:
        attributes["http.request.resend_count"] = attempt.number - 1
    return attributes


class Figures(Protocol):
    """Where the ingest figures are read: `client.measurements` (async or sync)."""

    @property
    def stats(self) -> Any: ...


@attrs.define
class _Live:
    span: Span
    started: float
    attributes: dict[str, str | int]


class Tracing(Hooks):
    """The hooks [`instrument`][blockbax_async.otel.instrument] adds: spans for attempts and
    operations, and the `http.client.request.duration` histogram."""

    def __init__(self, tracer_provider: TracerProvider | None, meter: metrics.Meter) -> None:
        self._tracer = trace.get_tracer(SCOPE, __version__, tracer_provider=tracer_provider)
        self._duration = meter.create_histogram(
            "http.client.request.duration", unit="s", description="Duration of HTTP requests"
        )
        self._live: weakref.WeakKeyDictionary[Attempt, _Live] = weakref.WeakKeyDictionary()

    def on_request(self, attempt: Attempt) -> None:
        attributes = attempt_attributes(attempt)
        name = f"{attempt.method} {attributes['url.template']}"
        span = self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        self._live[attempt] = _Live(span, time.perf_counter(), attributes)

    def on_response(self, attempt: Attempt, response: Response) -> None:
        status = response.status_code
        self._end(attempt, status, str(status) if status >= 400 else None)

    def on_error(self, attempt: Attempt, error: TransportError) -> None:
        self._end(attempt, None, type(error).__qualname__)

    def on_retry(self, attempt: Attempt, error: BlockbaxError, delay: float) -> None:
        pass  # the next attempt's span carries http.request.resend_count

    def _end(self, attempt: Attempt, status: int | None, error_type: str | None) -> None:
        live = self._live.pop(attempt, None)
        if live is None:
            return
        attributes = {
            k: v for k, v in live.attributes.items() if k not in ("url.full", "url.template")
        }
        if status is not None:
            live.span.set_attribute("http.response.status_code", status)
            attributes["http.response.status_code"] = status
        if error_type is not None:
            live.span.set_attribute("error.type", error_type)
            live.span.set_status(Status(StatusCode.ERROR))
            attributes["error.type"] = error_type
        self._duration.record(time.perf_counter() - live.started, attributes)
        live.span.end()

    @contextlib.contextmanager
    def operation(self, operation: Operation) -> Iterator[None]:
        with self._tracer.start_as_current_span(
            operation.name, kind=SpanKind.INTERNAL, attributes=operation.attributes
        ) as span:
            try:
                yield
            finally:
                span.set_attributes(operation.attributes)


class Instrumentation:
    """What [`instrument`][blockbax_async.otel.instrument] set up;
    [`uninstrument`][blockbax_async.otel.Instrumentation.uninstrument] takes the hooks off again
    (the observable metrics stop reporting once the client is closed or gone)."""

    def __init__(self, client: AsyncClient, figures: Figures, tracing: Tracing) -> None:
        self._client = weakref.ref(client)
        self._figures = weakref.ref(figures)
        self.tracing = tracing

    def uninstrument(self) -> None:
        """Stop tracing the client's requests."""
        client = self._client()
        if client is not None and self.tracing in client.transport.hooks:
            client.transport.hooks.remove(self.tracing)

    def _stats(self) -> tuple[Any, str] | None:
        client, figures = self._client(), self._figures()
        if client is None or figures is None or client.transport.closed:
            return None
        return figures.stats, client.config.project_id

    def observe(self, field: str) -> Iterable[Observation]:
        """The current value of one `IngestStats` field, while the client is open."""
        now = self._stats()
        if now is None:
            return []
        stats, project = now
        return [Observation(getattr(stats, field), {"blockbax.project_id": project})]

    def refused(self) -> Iterable[Observation]:
        """Refused measurements, one observation per reason."""
        now = self._stats()
        if now is None:
            return []
        stats, project = now
        return [
            Observation(getattr(stats, field), {"blockbax.project_id": project, "reason": reason})
            for reason, field in REFUSED
        ]


def instrument(
    client: AsyncClient | Client,
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
) -> Instrumentation:
    """Trace `client`'s requests and export its ingest figures; the global providers
    unless given. Call once per client, after making it (a sync `Client` too); clients
    made by `with_options` share its hooks, so they are traced as well."""
    target = client.async_client if isinstance(client, Client) else client
    meter = metrics.get_meter(SCOPE, __version__, meter_provider=meter_provider)
    tracing = Tracing(tracer_provider, meter)
    target.transport.hooks.append(tracing)
    done = Instrumentation(target, client.measurements, tracing)

    def reader(field: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
        return lambda options: done.observe(field)

    for name, field, description in GAUGES:
        meter.create_observable_gauge(
            name, [reader(field)], unit="{measurement}", description=description
        )
    meter.create_observable_gauge(
        "blockbax.measurements.oldest_pending_age",
        [reader("oldest_pending_age")],
        unit="s",
        description="seconds since the oldest measurement still waiting was queued",
    )
    for name, field, unit, description in COUNTERS:
        meter.create_observable_counter(name, [reader(field)], unit=unit, description=description)
    meter.create_observable_counter(
        "blockbax.measurements.refused",
        [lambda options: done.refused()],
        unit="{measurement}",
        description="measurements not ingested, by reason",
    )
    return done

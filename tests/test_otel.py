"""OpenTelemetry, with the SDK's in-memory exporters (a real SDK, not a mock): a CLIENT span
per attempt with the HTTP semantic-convention attributes, batch spans with their counts, the
ingest figures as metrics, and never the access token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from blockbax_async import AsyncClient, sync
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import NotFoundError, ServerError
from blockbax_async.otel import instrument, route

from .conftest import ClientFactory


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def instrument(self, client: AsyncClient | sync.Client) -> None:
        instrument(client, tracer_provider=self.tracer_provider, meter_provider=self.meter_provider)

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        data = self.reader.get_metrics_data()
        found: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        value = getattr(point, "value", getattr(point, "count", None))
                        found.setdefault(metric.name, []).append(
                            (dict(point.attributes or {}), value)
                        )
        return found


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    made = Telemetry()
    yield made
    made.tracer_provider.shutdown()
    made.meter_provider.shutdown()


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("", "/"),
        ("/subjects", "/subjects"),
        ("/subjects/8e0cd3a4-1b2c-4d5e-8f90-123456789abc", "/subjects/{id}"),
        ("/webhookSettings/8e0cd3a4-1b2c-4d5e-8f90-123456789abc/webhookResponses/12",
         "/webhookSettings/{id}/webhookResponses/{id}"),
        ("/alarms/42/activityLogs", "/alarms/{id}/activityLogs"),
    ],
)  # fmt: skip
def test_route(path: str, template: str) -> None:
    assert route(path) == template


def _no_token(spans: list[ReadableSpan], token: str) -> None:
    for span in spans:
        assert token not in span.name
        assert all(token not in str(v) for v in (span.attributes or {}).values())


async def test_every_attempt_is_a_client_span(
    emulator: Emulator, make_client: ClientFactory, telemetry: Telemetry
) -> None:
    async with make_client(max_retries=1) as client:
        telemetry.instrument(client)
        await client.project.get()
        with pytest.raises(NotFoundError):
            await client.subjects.get("8e0cd3a4-1b2c-4d5e-8f90-123456789abc")
        emulator.faults = Faults(error_rate=1.0)
        with pytest.raises(ServerError):
            await client.with_options(max_retries=1).subject_types.list().collect()
    project, missing, first, second = telemetry.finished()
    assert project.name == "GET /" and project.kind is SpanKind.CLIENT
    attributes = dict(project.attributes or {})
    assert attributes == {
        "http.request.method": "GET",
        "url.full": f"{emulator.base_url}/v1/projects/{emulator.project_id}",
        "url.template": "/",
        "server.address": "127.0.0.1",
        "server.port": int(emulator.base_url.rsplit(":", 1)[1]),
        "http.response.status_code": 200,
    }
    assert missing.name == "GET /subjects/{id}" and missing.status.status_code is StatusCode.ERROR
    assert (missing.attributes or {})["error.type"] == "404"
    assert "http.request.resend_count" not in (first.attributes or {})
    assert (second.attributes or {})["http.request.resend_count"] == 1
    assert (second.attributes or {})["http.response.status_code"] in (502, 503, 504)
    _no_token(telemetry.finished(), emulator.api_key)
    durations = telemetry.metrics()["http.client.request.duration"]
    assert sum(count for _, count in durations) == 4


async def test_a_flush_is_a_tree_of_batch_and_attempt_spans(
    emulator: Emulator, make_client: ClientFactory, telemetry: Telemetry
) -> None:
    async with make_client(ingest={"lanes": 1, "batch_size": 3}) as client:
        pump = await client.subject_types.create(name="Pump")
        await client.metrics.create(
            subject_type_id=pump, name="T", data_type="NUMBER", external_id="temp"
        )
        await client.subjects.create(name="P1", subject_type_id=pump, external_id="p1")
        telemetry.instrument(client)
        for n in range(5):
            client.measurements.queue("p1$temp", number=n, date=1_700_000_000_000 + n)
        result = await client.measurements.flush()
        assert result.accepted == 5
        figures = telemetry.metrics()
    spans = telemetry.finished()
    batches = [s for s in spans if s.name == "blockbax.measurements.batch"]
    posts = [s for s in spans if s.name == "POST /measurements"]
    assert [b.attributes["blockbax.measurements.count"] for b in batches] == [3, 2]  # type: ignore[index]
    assert len(posts) == 2
    for batch, post in zip(batches, posts, strict=True):
        assert batch.kind is SpanKind.INTERNAL and post.kind is SpanKind.CLIENT
        assert post.parent is not None and post.parent.span_id == batch.context.span_id
    assert figures["blockbax.measurements.ingested"] == [
        ({"blockbax.project_id": emulator.project_id}, 5)
    ]
    assert figures["blockbax.measurements.queued"][0][1] == 0
    refused = {attrs["reason"]: value for attrs, value in figures["blockbax.measurements.refused"]}
    assert set(refused) >= {"unknown_id", "invalid_value", "other"} and not any(refused.values())
    _no_token(spans, emulator.api_key)


def test_the_sync_client_is_instrumented_too(served: Emulator, telemetry: Telemetry) -> None:
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        telemetry.instrument(client)
        client.measurements.queue("Pump-1$Temperature", number=1.0)
        assert telemetry.metrics()["blockbax.measurements.queued"][0][1] == 1
        client.project.get()
    names = ["GET /", "POST /measurements", "blockbax.measurements.batch"]
    assert [s.name for s in telemetry.finished()] == names

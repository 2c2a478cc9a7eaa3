"""The blocking client over the emulator: forwarding, threads, running loops, lifecycle."""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from blockbax_async import AsyncClient, FlushResult, IngestSettings, sync
from blockbax_async.emulator import Emulator, seed
from blockbax_async.errors import (
    ClientStateError,
    NotFoundError,
    QueueFullError,
    ValidationError,
)
from blockbax_async.models import (
    ConditionSet,
    EventRule,
    InputCondition,
    Operand,
    Subject,
    WebhookResponse,
)

if TYPE_CHECKING:
    from typing import assert_type


@pytest.fixture
def client(served: Emulator) -> Iterator[sync.Client]:
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as c:
        yield c


def test_namespaces_forward(client: sync.Client) -> None:
    assert client.project.get().name == "Emulated project"
    created = client.property_types.create(name="City", external_id="city", data_type="TEXT")
    assert client.property_types.get(created.id or "").name == "City"
    created.name = "Town"
    assert client.property_types.update(created).name == "Town"
    client.property_types.delete(created.id or "")
    with pytest.raises(NotFoundError):
        client.property_types.get(created.id or "")


def test_list_is_a_lazy_iterator(served: Emulator, client: sync.Client) -> None:
    for i in range(450):
        served.state.insert(
            "propertyTypes",
            {"name": f"P{i}", "externalId": f"p{i}", "dataType": "TEXT", "predefinedValues": False},
        )
    listing = client.property_types.list()
    first = next(iter(listing))
    assert first.name == "P0"
    assert [p.name for p in listing] == [f"P{i}" for i in range(450)]
    assert len(client.property_types.list(limit=10).collect()) == 10
    assert [len(page.items) for page in client.property_types.list().pages()] == [200, 200, 50]


async def test_works_inside_a_running_loop(client: sync.Client) -> None:
    assert asyncio.get_running_loop().is_running()
    assert client.project.get().name == "Emulated project"


def test_eight_threads_at_once(client: sync.Client) -> None:
    def work(i: int) -> str:
        created = client.property_types.create(
            name=f"T{i}", external_id=f"t{i}", data_type="NUMBER"
        )
        return client.property_types.get(created.id or "").name

    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(work, range(40)))
    assert names == [f"T{i}" for i in range(40)]


def test_closed_client_refuses(served: Emulator) -> None:
    client = sync.Client(served.project_id, served.api_key, base_url=served.base_url)
    client.close()
    client.close()
    with pytest.raises(ClientStateError, match="closed"):
        client.project.get()


def test_token_not_in_repr(client: sync.Client, served: Emulator) -> None:
    assert served.api_key not in repr(client)


def _methods(namespace: object) -> set[str]:
    kind = type(namespace)
    return {m for m in dir(kind) if not m.startswith("_") and inspect.isfunction(getattr(kind, m))}


def test_every_async_method_has_a_sync_twin(client: sync.Client) -> None:
    async_client = AsyncClient("p", "t")
    namespaces = [n for n, v in vars(async_client).items() if not n.startswith("_") and _methods(v)]
    assert set(namespaces) == {
        "project",
        "property_types",
        "subject_types",
        "subjects",
        "metrics",
        "event_triggers",
        "webhooks",
        "events",
        "alarms",
        "measurements",
    }
    for name in namespaces:
        async_namespace, sync_namespace = getattr(async_client, name), getattr(client, name)
        assert _methods(async_namespace) <= _methods(sync_namespace), name
        for method in _methods(async_namespace):
            theirs = inspect.signature(getattr(type(async_namespace), method))
            ours = inspect.signature(getattr(type(sync_namespace), method))
            assert ours.parameters == theirs.parameters, (name, method)


def _rules(metric_id: str) -> list[EventRule]:
    warm = InputCondition(
        "THRESHOLD",
        Operand("METRIC", metric_id),
        "GREATER_THAN",
        Operand("STATIC_VALUE", number=25),
    )
    return [EventRule("PROBLEM", [ConditionSet("too warm", [warm])])]


def test_every_namespace_over_the_emulator(served: Emulator, client: sync.Client) -> None:
    room = client.subject_types.create(name="Room")
    assert [t.name for t in client.subject_types.list(name="Room")] == ["Room"]
    metric = client.metrics.create(
        subject_type_id=room.id, name="Temp", data_type="NUMBER", external_id="temp"
    )
    assert client.metrics.get(metric.id or "").external_id == "temp"
    subject = client.subjects.create(name="Kitchen", subject_type_id=room.id, external_id="k")
    assert subject.get_ingestion_id(metric.id or "") == "k$temp"
    subject.name = "Big kitchen"
    assert client.subjects.update(subject).name == "Big kitchen"
    assert [s.name for s in client.subjects.list(subject_type_ids=[room.id or ""])] == [
        "Big kitchen"
    ]
    trigger = client.event_triggers.create(
        subject_type_id=room.id,
        name="Too warm",
        evaluation_trigger="INPUT_METRICS",
        evaluation_constraint="NONE",
        event_rules=_rules(metric.id or ""),
    )
    assert client.event_triggers.list().collect()[0].name == "Too warm"
    webhook = client.webhooks.create(name="Ops", endpoint="https://example.com/hook")
    seed.webhook_response(served.state, webhook.id or "", status_code=500)
    seed.webhook_response(served.state, webhook.id or "")
    assert [r.sequence_number for r in client.webhooks.list_responses(webhook.id or "")] == [2, 1]
    assert client.webhooks.get_response(webhook.id or "", 1).error is True
    event = seed.event(served.state, subject_id=subject.id or "", event_trigger_id=trigger.id or "")
    assert [e.id for e in client.events.list(active=True)] == [event["id"]]
    assert client.events.get(event["id"]).event_level == "WARNING"
    alarm = seed.alarm(served.state, subject_id=subject.id or "", event_trigger_id=trigger.id or "")
    seed.alarm_activity(served.state, alarm["id"], account_id="a-1", caption="Ann")
    assert [a.id for a in client.alarms.list(statuses=["UNACKED"])] == [alarm["id"]]
    assert client.alarms.get(alarm["id"]).status == "UNACKED"
    activity = client.alarms.list_activity(alarm["id"])
    assert activity.caption(activity.logs[0]) == "Ann"
    for namespace, item in (
        (client.webhooks, webhook),
        (client.event_triggers, trigger),
        (client.subjects, subject),
        (client.metrics, metric),
        (client.subject_types, room),
    ):
        namespace.delete(item.id or "")
    assert client.subjects.list().collect() == []


@pytest.fixture
def ingestion_ids(served: Emulator) -> list[str]:
    made = seed_subjects(served, 8)
    return made


def seed_subjects(served: Emulator, count: int) -> list[str]:
    room = served.state.insert("subjectTypes", {"name": "Room", "parentSubjectTypeIds": []})
    served.state.insert(
        "metrics",
        {
            "name": "Temp",
            "externalId": "temp",
            "subjectTypeId": room["id"],
            "dataType": "NUMBER",
            "type": "INGESTED",
            "mappingLevel": "OWN",
        },
    )
    seed.subjects(served.state, count, subject_type_id=room["id"])
    return [f"subject-{n}$temp" for n in range(count)]


def test_measurements(served: Emulator, client: sync.Client, ingestion_ids: list[str]) -> None:
    first, second = ingestion_ids[:2]
    client.measurements.queue(first, number=1.5, date=1_700_000_000_000)
    client.measurements.queue(first, number=2, date="2023-11-14T22:13:21Z")
    assert len(client.measurements) == 2
    assert client.measurements.stats.queued == 2
    assert [m.date for m in client.measurements.pending()] == [1_700_000_000_000, 1_700_000_001_000]
    client.measurements.put(second, number=3.0, date=1_700_000_000_000)
    assert client.measurements.queue_many([second, second], [1, 2], [4.0, 5.0]) == 2
    result = client.measurements.flush()
    assert (result.accepted, result.pending, len(client.measurements)) == (5, 0, 0)
    assert served.state.measurements[first] == [
        {"date": 1_700_000_000_000, "number": 1.5},
        {"date": 1_700_000_001_000, "number": 2},
    ]
    subject = client.subjects.list(external_id="subject-0").collect()[0]
    series = client.measurements.list(
        subject_ids=[subject.id or ""],
        metric_ids=[subject.ingestion_ids[0].metric_id],
        from_date=0,
        to_date=1_800_000_000_000,
    ).collect()
    assert [m.number for m in series[0]] == [1.5, 2]


def test_queue_checks_at_once(client: sync.Client) -> None:
    with pytest.raises(ValidationError, match="number"):
        client.measurements.queue("a$b", number=math.nan)
    with pytest.raises(ValidationError, match="naive"):
        client.measurements.queue("a$b", number=1.0, date=datetime(2024, 1, 1))
    with pytest.raises(ValidationError, match="ingestion_id"):
        client.measurements.queue("", number=1.0)
    with pytest.raises(ValidationError, match="lat"):
        client.measurements.queue_many(["a$b", "a$b"], [1, 2], [1.0, {"lat": 95, "lon": 1}])
    assert len(client.measurements) == 0


def test_queue_full() -> None:
    # Nothing listens there: the emulator's teardown would race the connection that closing
    # with timeout=0 starts and abandons.
    options = {"base_url": "http://127.0.0.1:9", "ingest": IngestSettings(max_queued=3)}
    with sync.Client("p", "t", **options) as client:
        client.measurements.queue_many(["a$b"] * 2, [1, 2], [1.0, 2.0])
        client.measurements.queue("a$b", number=3.0, date=3)
        with pytest.raises(QueueFullError):
            client.measurements.queue("a$b", number=4.0, date=4)
        with pytest.raises(QueueFullError):
            client.measurements.queue_many(["a$b"], [4], [4.0])
        assert len(client.measurements) == 3
        client.measurements.close(timeout=0)


def test_background_sending(
    served: Emulator, client: sync.Client, ingestion_ids: list[str]
) -> None:
    results: list[FlushResult] = []
    client.measurements.start(flush_interval=0.01, on_result=results.append)
    assert client.measurements.running
    for n in range(1200):
        client.measurements.queue(ingestion_ids[n % 3], number=float(n), date=n)
    stopped = client.measurements.stop()
    assert not client.measurements.running
    assert sum(r.accepted for r in results) + stopped.accepted == 1200
    assert sum(len(v) for v in served.state.measurements.values()) == 1200


def test_eight_threads_queue_and_flush(
    served: Emulator, client: sync.Client, ingestion_ids: list[str]
) -> None:
    def work(thread: int) -> int:
        accepted = 0
        for n in range(2000):
            client.measurements.queue(ingestion_ids[thread], number=float(n), date=n)
            if n % 500 == 499:
                accepted += client.measurements.flush().accepted
        return accepted

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(work, range(8)))
    accepted += client.measurements.flush().accepted
    assert accepted == 16_000
    for ingestion_id in ingestion_ids:
        assert [m["date"] for m in served.state.measurements[ingestion_id]] == list(range(2000))


def test_close_flushes_and_refuses(served: Emulator, ingestion_ids: list[str]) -> None:
    client = sync.Client(served.project_id, served.api_key, base_url=served.base_url)
    client.measurements.queue(ingestion_ids[0], number=1.0, date=1)
    client.close()
    assert served.state.measurements[ingestion_ids[0]] == [{"date": 1, "number": 1.0}]
    assert client.closed
    with pytest.raises(ClientStateError, match="closed"):
        client.measurements.queue(ingestion_ids[0], number=1.0, date=2)
    with pytest.raises(ClientStateError, match="closed"):
        client.measurements.flush()


def test_measurements_close(client: sync.Client, ingestion_ids: list[str]) -> None:
    client.measurements.queue(ingestion_ids[0], number=1.0, date=1)
    result = client.measurements.close()
    assert result is not None and result.accepted == 1
    assert client.measurements.close_result is result
    with pytest.raises(ClientStateError):
        client.measurements.queue(ingestion_ids[0], number=1.0, date=2)
    assert client.project.get().name == "Emulated project"


def test_blocking_call_from_the_loop_thread_is_refused(client: sync.Client) -> None:
    with pytest.raises(ClientStateError, match="own event loop"):
        client._portal.call_sync(client.project.get)


def test_page_walk_left_early(served: Emulator, client: sync.Client) -> None:
    seed.subjects(served.state, 450)
    for subject in client.subjects.list(page_size=100):
        assert subject.name == "subject-0"
        break
    assert client.subjects.list(limit=3).collect()[-1].name == "subject-2"


def _typed_usage(client: sync.Client, http: sync.HttpClient) -> None:
    """Checked by mypy, never run: the sync signatures are those of the async methods."""
    assert_type(client.subjects.get("id"), Subject)
    assert_type(client.subjects.list(name="x"), sync.SyncPaginator[Subject])
    assert_type(client.subjects.list().collect(), list[Subject])
    assert_type(client.measurements.flush(timeout=1.0), FlushResult)
    assert_type(client.webhooks.list_responses("id"), sync.SyncPaginator[WebhookResponse])
    assert_type(http.get_subject("id"), Subject | None)
    client.subjects.get(1)  # type: ignore[arg-type]
    client.subjects.list(nmae="x")  # type: ignore[call-arg]
    client.measurements.queue("a$b", number="1")  # type: ignore[arg-type]


def test_typed_usage_is_checked_by_mypy() -> None:
    assert _typed_usage.__doc__

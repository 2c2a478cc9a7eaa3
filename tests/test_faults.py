"""Server misbehaviour through the fault proxy and the emulator's fault modes: redirects,
odd rate-limit headers, answers lost after storing, URLs that are too long."""

from __future__ import annotations

import email.utils
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest

from blockbax_async import AsyncClient
from blockbax_async._transport import MAX_URL_LENGTH
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import (
    APIError,
    ConnectError,
    RateLimitError,
    TransportError,
    ValidationError,
)
from blockbax_async.models import ConditionSet, EventRule

from .conftest import ClientFactory
from .faultproxy import FaultProxy, Reply, fault_proxy  # noqa: F401 (a fixture)
from .ingest.conftest import BASE_MS, seed


async def test_proxy_forwards_and_rewrites(
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
) -> None:
    def rename(reply: Reply) -> None:
        reply.set_json({**reply.json(), "name": "Rewritten"})

    fault_proxy.rewrite(rename, method="GET", times=1)
    async with make_client(base_url=fault_proxy.base_url) as client:
        assert (await client.project.get()).name == "Rewritten"
        assert (await client.project.get()).name == "Emulated project"
    assert [e.status for e in fault_proxy.exchanges] == [200, 200]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_not_followed(
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
    status: int,
) -> None:
    fault_proxy.redirect(status, "http://127.0.0.1:9/elsewhere")
    async with make_client(base_url=fault_proxy.base_url) as client:
        with pytest.raises(APIError) as caught:
            await client.project.get()
    assert type(caught.value) is APIError
    assert caught.value.status == status
    assert "not followed" in str(caught.value) and "127.0.0.1:9" in str(caught.value)
    assert len(fault_proxy.exchanges) == 1  # not retried, not followed


@pytest.mark.parametrize("status", [301, 302, 303, 307])
async def test_a_redirected_measurement_post_is_not_accepted(
    emulator: Emulator,
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
    status: int,
) -> None:
    seed(emulator, 1)
    project = f"{fault_proxy.base_url}/v1/projects/{emulator.project_id}"  # answers a GET with 200
    fault_proxy.redirect(status, project, method="POST")
    async with make_client(base_url=fault_proxy.base_url) as client:
        for n in range(5):
            client.measurements.queue("s0$temp", number=float(n), date=BASE_MS + n)
        result = await client.measurements.flush()
        assert not result.ok
        assert result.accepted == 0
        assert len(client.measurements.pending()) == 5
        fault_proxy.clear()
        assert (await client.measurements.flush()).accepted == 5
    assert [e.method for e in fault_proxy.exchanges].count("GET") == 0


def _http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


ODD_HEADERS = [
    {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1764600000"},
    {"X-RateLimit-Reset": str(int(time.time()) + 86_400)},
    {"X-RateLimit-Reset": str(int(time.time() * 1000) + 86_400_000)},
    {"Retry-After": "inf"},
    {"Retry-After": "nan"},
    {"Retry-After": "-5"},
    {"Retry-After": _http_date(30)},
    {"Retry-After": "Wed, 99 Foo 2025 99:99:99 GMT"},
    {"X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"},
    {"X-RateLimit-Limit": "-3", "X-RateLimit-Remaining": "-9", "X-RateLimit-Reset": "-1"},
    {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "99999", "X-RateLimit-Reset": "1e400"},
]


@pytest.mark.parametrize("headers", ODD_HEADERS)
async def test_odd_rate_limit_headers_never_outlast_the_deadline(
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
    headers: dict[str, str],
) -> None:
    fault_proxy.answer(429, {"message": "slow down"}, headers=headers, times=1)
    async with make_client(base_url=fault_proxy.base_url, retry_deadline=0.5) as client:
        for _ in range(3):
            started = time.monotonic()
            try:
                await client.project.get()
            except RateLimitError as error:
                assert "slow down" in str(error) or "deadline" in str(error)
            assert time.monotonic() - started < 0.5 + 0.3


async def test_a_long_pause_fails_later_calls_at_once(
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
) -> None:
    fault_proxy.answer(429, headers={"Retry-After": _http_date(600)}, times=1)
    async with make_client(base_url=fault_proxy.base_url, retry_deadline=1.0) as client:
        with pytest.raises(RateLimitError):
            await client.project.get()
        started = time.monotonic()
        with pytest.raises(RateLimitError, match=r"not sent.*deadline") as caught:
            await client.subjects.list().collect()
        assert time.monotonic() - started < 0.1
    assert caught.value.retry_after is not None and 590 < caught.value.retry_after <= 600
    assert len(fault_proxy.exchanges) == 1


async def test_creates_with_lost_answers_store_no_duplicates(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    emulator.faults = Faults(drop_after_rate=0.5, seed=7, methods=("POST",))
    async with make_client() as client:
        made = [
            await client.property_types.create(name=f"P{n}", external_id=f"p{n}", data_type="TEXT")
            for n in range(10)
        ]
    stored = emulator.state.collection("propertyTypes")
    assert len(stored) == 10
    assert sorted(str(p.id) for p in made) == sorted(stored)
    assert emulator.statuses(0) >= 3  # answers were lost


async def test_subjects_and_metrics_reconcile_by_their_key(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    emulator.faults = Faults(drop_after_rate=1.0, methods=("POST",))
    async with make_client() as client:
        kind = emulator.state.insert("subjectTypes", {"name": "Thing"})
        subject = await client.subjects.create(
            name="S", subject_type_id=kind["id"], external_id="s"
        )
        metric = await client.metrics.create(
            subject_type_id=kind["id"], name="T", data_type="NUMBER", external_id="t"
        )
    assert subject.external_id == "s" and metric.external_id == "t"
    assert len(emulator.state.collection("subjects")) == 1
    assert len(emulator.state.collection("metrics")) == 1


async def _create_webhook(client: AsyncClient, emulator: Emulator) -> object:
    return await client.webhooks.create(name="w", endpoint="https://example.com/hook")


async def _create_event_trigger(client: AsyncClient, emulator: Emulator) -> object:
    kind = emulator.state.insert("subjectTypes", {"name": "Thing"})
    return await client.event_triggers.create(
        subject_type_id=kind["id"],
        name="Never",
        evaluation_trigger="INPUT_METRICS",
        evaluation_constraint="NONE",
        event_rules=[EventRule("OK", [ConditionSet("fine")])],
    )


@pytest.mark.parametrize(
    ("create", "collection"),
    [(_create_webhook, "webhookSettings"), (_create_event_trigger, "eventTriggers")],
)
async def test_creates_without_a_key_say_the_outcome_is_unknown(
    emulator: Emulator,
    make_client: ClientFactory,
    create: Callable[[AsyncClient, Emulator], Awaitable[object]],
    collection: str,
) -> None:
    emulator.faults = Faults(drop_after_rate=1.0, methods=("POST",))
    async with make_client() as client:
        with pytest.raises(TransportError, match="outcome is unknown") as caught:
            await create(client, emulator)
    assert caught.value.outcome_unknown
    assert len(emulator.state.collection(collection)) == 1
    assert [r.method for r in emulator.requests] == ["POST"]


@pytest.mark.parametrize(("status", "sent"), [(503, 2), (429, 2), (502, 1), (504, 1)])
async def test_a_create_is_resent_only_when_it_was_not_handled(
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
    status: int,
    sent: int,
) -> None:
    fault_proxy.answer(status, {"message": "gateway"}, method="POST", times=1)
    async with make_client(base_url=fault_proxy.base_url) as client:
        if sent == 2:
            await client.webhooks.create(name="w", endpoint="https://example.com/hook")
        else:
            with pytest.raises(TransportError, match="outcome is unknown"):
                await client.webhooks.create(name="w", endpoint="https://example.com/hook")
    assert [e.method for e in fault_proxy.exchanges] == ["POST"] * sent


async def test_a_create_with_a_key_is_looked_up_before_it_is_resent(
    emulator: Emulator,
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
) -> None:
    fault_proxy.answer(502, {"message": "gateway"}, method="POST", times=1)
    async with make_client(base_url=fault_proxy.base_url) as client:
        made = await client.property_types.create(name="P", external_id="p", data_type="TEXT")
    assert [(e.method, e.status) for e in fault_proxy.exchanges] == [
        ("POST", 502), ("GET", 200), ("POST", 200)
    ]  # fmt: skip
    assert fault_proxy.exchanges[1].query["externalId"] == "p"
    assert list(emulator.state.collection("propertyTypes")) == [str(made.id)]


async def test_a_create_dropped_after_sending_is_not_resent(
    emulator: Emulator,
    fault_proxy: FaultProxy,  # noqa: F811
    make_client: ClientFactory,
) -> None:
    fault_proxy.drop(method="POST", times=1)  # not stored, but the client cannot know that
    async with make_client(base_url=fault_proxy.base_url) as client:
        with pytest.raises(TransportError, match="outcome is unknown"):
            await client.webhooks.create(name="w", endpoint="https://example.com/hook")
    assert len(fault_proxy.exchanges) == 1


async def test_a_create_that_cannot_connect_is_resent() -> None:
    async with AsyncClient("p", "t", base_url="http://127.0.0.1:9", max_retries=2,
                           backoff_base=0.01) as client:  # fmt: skip
        with pytest.raises(ConnectError) as caught:
            await client.webhooks.create(name="w", endpoint="https://example.com/hook")
    assert not caught.value.outcome_unknown
    assert client.transport.requests == 3


async def test_a_url_over_the_limit_is_refused_before_sending(
    emulator: Emulator, client: AsyncClient
) -> None:
    ids = [uuid.uuid4() for _ in range(400)]
    with pytest.raises(ValidationError, match=r"subject_ids: .*split its 400 values") as caught:
        await client.subjects.list(subject_ids=ids).collect()
    assert str(MAX_URL_LENGTH) in str(caught.value)
    assert emulator.requests == []
    fitting = ids[: (MAX_URL_LENGTH - 200) // 37]
    assert await client.subjects.list(subject_ids=fitting).collect() == []
    assert emulator.statuses(200) == 1

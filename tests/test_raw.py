"""Raw responses, the response on errors, rate-limit figures, the request escape hatch and
per-call options, against the emulator (async and sync)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blockbax_async import AsyncClient, RawResponse, sync
from blockbax_async.emulator import Emulator, Faults, RateLimit
from blockbax_async.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from blockbax_async.models import Subject, SubjectType

from .conftest import Canned, ClientFactory


async def test_raw_responses_carry_the_answer_and_the_model(client: AsyncClient) -> None:
    raw = await client.subject_types.with_raw_response.create(name="Pump")
    assert isinstance(raw, RawResponse) and raw.status_code == 200
    pump = raw.parse()
    assert isinstance(pump, SubjectType) and pump.name == "Pump"
    assert raw.method == "POST" and raw.url.endswith("/subjectTypes")
    got = await client.subject_types.with_raw_response.get(pump)
    assert got.parse() == await client.subject_types.get(pump.id)
    assert int(got.headers["x-ratelimit-limit"]) > 0  # headers ignore case
    assert b'"name":"Pump"' in got.content.replace(b" ", b"")
    page = await client.subject_types.with_raw_response.list(name="Pump")
    assert [t.id for t in page.parse().items] == [pump.id]
    assert (await client.subject_types.with_raw_response.delete(pump)).parse() is None
    assert (await client.project.with_raw_response.get()).parse().id == client.config.project_id


async def test_a_raw_list_fetches_one_page(emulator: Emulator, client: AsyncClient) -> None:
    for n in range(5):
        await client.subject_types.create(name=f"T{n}")
    emulator.requests.clear()
    raw = await client.subject_types.with_raw_response.list(page_size=2)
    assert len(raw.parse().items) == 2 and raw.parse().count == 5
    assert len(emulator.requests) == 1
    with pytest.raises(ValidationError, match="limit: 0"):
        await client.subject_types.with_raw_response.list(limit=0)


async def test_errors_carry_the_response(client: AsyncClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.subjects.get("8e0cd3a4-0000-0000-0000-000000000000")
    response = caught.value.response
    assert response is not None and response.status_code == 404
    assert "message" in response.text and response.headers["Content-Type"].startswith(
        "application/json"
    )
    assert caught.value.url is not None and caught.value.url.endswith(
        "/subjects/8e0cd3a4-0000-0000-0000-000000000000"
    )
    await client.property_types.create(name="A", external_id="a", data_type="TEXT")
    with pytest.raises(BadRequestError) as taken:  # the emulator answers 400 for a taken key
        await client.property_types.create(name="B", external_id="a", data_type="TEXT")
    assert taken.value.response is not None and taken.value.response.status_code == 400


@pytest.mark.parametrize(
    ("status", "cls"), [(400, BadRequestError), (409, ConflictError), (500, ServerError)]
)
async def test_an_answer_without_a_path_names_the_url(
    canned: Canned, status: int, cls: type[Exception]
) -> None:
    canned.status, canned.body = status, '{"message": "no"}'
    async with AsyncClient("p-1", "secret-token", base_url=canned.base_url, max_retries=0) as c:
        with pytest.raises(cls) as caught:
            await c.project.get()
    text = str(caught.value)
    assert f"(GET {canned.base_url}/v1/projects/p-1): no" in text
    assert "secret-token" not in text and "secret-token" not in repr(caught.value)


async def test_a_429_tells_the_rate_limit_figures() -> None:
    async with Emulator(rate_limit=RateLimit(limit=2, period=60)) as emulator:
        async with AsyncClient(
            emulator.project_id, emulator.api_key, base_url=emulator.base_url,
            rate_limit=False, max_retries=0,
        ) as client:  # fmt: skip
            for _ in range(2):
                await client.project.get()
            with pytest.raises(RateLimitError) as caught:
                await client.project.get()
    error = caught.value
    assert (error.limit, error.remaining) == (2, 0)
    assert error.reset_time_remaining is not None
    assert timedelta(seconds=1) <= error.reset_time_remaining <= timedelta(seconds=60)
    assert error.response is not None and error.response.status_code == 429


async def test_request_goes_through_the_pipeline(emulator: Emulator, client: AsyncClient) -> None:
    pump = await client.request("POST", "/subjectTypes", json={"name": "Pump"})
    assert pump["name"] == "Pump"
    found = await client.request("GET", "/subjectTypes", params={"name": "Pump", "size": 5})
    assert [t["id"] for t in found["result"]] == [pump["id"]]
    assert (await client.request("get", ""))["id"] == emulator.project_id
    await client.request("DELETE", f"/subjectTypes/{pump['id']}")
    with pytest.raises(NotFoundError):
        await client.request("GET", f"/subjectTypes/{pump['id']}")
    emulator.faults = Faults(error_rate=1.0)
    before = len(emulator.requests)
    with pytest.raises(ServerError):
        await client.with_options(max_retries=1).request("GET", "/subjects")
    assert len(emulator.requests) - before == 2


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("FETCH", "/subjects", "method: 'FETCH' is not one of GET, POST, PUT, PATCH, DELETE"),
        ("GET", "subjects", "path: 'subjects': give a path under the project"),
        ("GET", "/subjects?name=x", "without a query (pass params=)"),
        ("GET", "/v1/projects/p/subjects", "give the path after /v1/projects/{project_id}"),
        ("GET", 5, "path: 5 is not a string"),
    ],
)
async def test_request_checks_its_arguments(
    emulator: Emulator, client: AsyncClient, method: str, path: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await client.request(method, path)
    assert message in str(caught.value)
    assert not emulator.requests


async def test_with_options_applies_to_its_calls_only(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    async with make_client() as client:
        once = client.with_options(max_retries=0)
        assert once.transport.session() is client.transport.session()
        emulator.faults = Faults(error_rate=1.0)
        with pytest.raises(ServerError):
            await once.project.get()
        assert len(emulator.requests) == 1
        with pytest.raises(ServerError):
            await client.project.get()
        assert len(emulator.requests) == 1 + 5
        assert client.transport.requests == once.transport.requests == 6
    assert once.transport.closed


def test_the_sync_client_has_raw_responses_request_and_options(served: Emulator) -> None:
    options = {"base_url": served.base_url, "backoff_base": 0.01, "backoff_max": 0.02}
    with sync.Client(served.project_id, served.api_key, **options) as client:
        pump = client.subject_types.create(name="Pump")
        raw = client.subject_types.with_raw_response.get(pump.id)
        assert raw.status_code == 200 and raw.parse() == pump
        subject = client.subjects.create(name="P", subject_type_id=pump, external_id="p")
        assert isinstance(client.subjects.with_raw_response.get(subject).parse(), Subject)
        assert client.request("GET", f"/subjects/{subject.id}")["externalId"] == "p"
        fast = client.with_options(max_retries=0)
        assert fast.subjects.get(subject.id) == client.subjects.get(subject.id)
        assert fast.measurements is client.measurements
    assert fast.closed

"""The request pipeline against the emulator: retries, errors, limits, secrets, lifecycle."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator, Faults, RateLimit
from blockbax_async.errors import (
    APIError,
    AuthenticationError,
    ClientError,
    ClientStateError,
    InternalServerError,
    NotFoundError,
    ServerError,
    TransportError,
    ValidationError,
)

from .conftest import Canned, ClientFactory
from .faultproxy import FaultProxy


async def test_retries_then_succeeds(emulator: Emulator, client: AsyncClient) -> None:
    emulator.faults = Faults(error_rate=0.5, seed=3)
    projects = [await client.project.get() for _ in range(20)]
    assert {p.id for p in projects} == {emulator.project_id}
    failures = sum(emulator.statuses(s) for s in (502, 503, 504))
    assert failures > 0
    assert client.transport.retries == failures


async def test_gives_up_with_server_error(emulator: Emulator, make_client: ClientFactory) -> None:
    emulator.faults = Faults(error_rate=1.0)
    async with make_client(max_retries=2) as client:
        with pytest.raises(ServerError) as caught:
            await client.project.get()
    assert caught.value.status in (502, 503, 504)
    assert caught.value.message == "Injected fault"
    assert len(emulator.requests) == 3


async def test_401_after_exactly_one_request(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    async with make_client(access_token="wrong-token") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.project.get()
    assert caught.value.status == 401
    assert "API key" in caught.value.message
    assert len(emulator.requests) == 1


async def test_404_is_not_found_and_not_retried(emulator: Emulator, client: AsyncClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.property_types.get("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404
    assert len(emulator.requests) == 1


async def test_400_keeps_server_details(client: AsyncClient) -> None:
    await client.property_types.create(name="A", external_id="a", data_type="TEXT")
    with pytest.raises(APIError) as caught:
        await client.property_types.create(name="B", external_id="a", data_type="TEXT")
    assert caught.value.status == 400
    assert caught.value.details == ["externalId: 'a' exists"]
    assert "externalId" in str(caught.value)


async def test_survives_a_429_storm(emulator: Emulator, make_client: ClientFactory) -> None:
    emulator.rate_limit = RateLimit(limit=10, period=0.5)
    async with make_client(rate_limit=False, max_retries=20) as client:
        results = await asyncio.gather(*(client.project.get() for _ in range(40)))
    assert len(results) == 40
    assert emulator.statuses(429) > 0
    assert emulator.statuses(200) == 40


async def test_concurrent_tasks_stay_inside_a_small_budget(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    emulator.rate_limit = RateLimit(limit=20, period=0.5)
    async with make_client() as client:
        results = await asyncio.gather(*(client.project.get() for _ in range(50)))
    assert len(results) == 50
    assert emulator.statuses(200) == 50
    assert emulator.statuses(429) <= 1


async def test_timeout_is_a_transport_error(emulator: Emulator, make_client: ClientFactory) -> None:
    emulator.faults = Faults(latency=5.0, seed=1)
    async with make_client(timeout=0.05, max_retries=1) as client:
        with pytest.raises(TransportError, match="timed out"):
            await client.project.get()
    assert client.transport.requests == 2


async def test_dropped_connection_is_a_transport_error(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    emulator.faults = Faults(drop_rate=1.0)
    async with make_client(max_retries=2) as client:
        with pytest.raises(TransportError):
            await client.project.get()
    assert client.transport.requests == 3


async def test_dropped_connections_are_retried(emulator: Emulator, client: AsyncClient) -> None:
    emulator.faults = Faults(drop_rate=0.3, seed=5)
    names = [(await client.project.get()).name for _ in range(10)]
    assert names == ["Emulated project"] * 10
    # dropped, then retried (by us, or by aiohttp for a reused keep-alive connection)
    assert emulator.statuses(0) > 0
    assert emulator.statuses(200) == 10


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (200, "<html>oops</html>", APIError, "not JSON"),
        (200, '{"name": ', APIError, "not JSON"),
        (200, "[1, 2]", APIError, "unexpected answer shape"),
        (500, "<html>Internal</html>", InternalServerError, "<html>Internal</html>"),
        (501, "<html>Not here</html>", ServerError, "<html>Not here</html>"),
        (418, "", ClientError, "HTTP 418"),
    ],
)
async def test_malformed_bodies(
    canned: Canned, status: int, body: str, error: type[APIError], text: str
) -> None:
    canned.status, canned.body, canned.content_type = status, body, "text/html"
    async with AsyncClient("p", "secret-token", base_url=canned.base_url, max_retries=0) as client:
        with pytest.raises(error) as caught:
            await client.project.get()
    assert type(caught.value) is error
    assert caught.value.status == status
    assert text in str(caught.value)


async def test_token_never_shown(
    emulator: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="blockbax_async")
    emulator.faults = Faults(error_rate=0.5, seed=2)
    async with make_client() as client:
        for _ in range(5):
            await client.project.get()
        shown = [repr(client), repr(client.config)]
    async with make_client(access_token="another-secret") as bad:
        with pytest.raises(AuthenticationError) as caught:
            await bad.project.get()
        shown += [repr(bad), str(caught.value), repr(caught.value), repr(caught.value.body)]
    assert any("retrying" in r.message for r in caplog.records)
    assert any("GET" in r.getMessage() and "200" in r.getMessage() for r in caplog.records)
    for secret in (emulator.api_key, "another-secret"):
        assert secret not in caplog.text
        assert all(secret not in text for text in shown)


async def test_close_while_requests_run(emulator: Emulator, make_client: ClientFactory) -> None:
    emulator.faults = Faults(latency=0.5, seed=4)
    client = make_client()
    tasks = [asyncio.ensure_future(client.project.get()) for _ in range(10)]
    await asyncio.sleep(0.05)
    await client.aclose()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
    assert all(isinstance(r, ClientStateError) for r in results), results
    with pytest.raises(ClientStateError, match="closed"):
        await client.project.get()


async def test_other_loop_is_refused(client: AsyncClient) -> None:
    await client.project.get()

    def elsewhere() -> None:
        asyncio.run(client.project.get())

    with pytest.raises(ClientStateError, match="another event loop") as caught:
        await asyncio.to_thread(elsewhere)
    assert "in the app's lifespan or startup, or in a function-scoped fixture" in str(caught.value)


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKBAX_PROJECT_ID", "p-1")
    monkeypatch.setenv("BLOCKBAX_ACCESS_TOKEN", "t-1")
    client = AsyncClient()
    assert client.config.project_id == "p-1"
    assert client.config.api_root == "https://api.blockbax.com/v1/projects/p-1"
    monkeypatch.delenv("BLOCKBAX_ACCESS_TOKEN")
    with pytest.raises(ValidationError, match="access_token"):
        AsyncClient()


async def test_user_agent_and_auth_header(canned: Canned) -> None:
    canned.body = '{"name": "x"}'
    async with AsyncClient("p", "tok", base_url=canned.base_url) as client:
        await client.project.get()
    (request,) = canned.seen
    assert request.path == "/v1/projects/p"
    headers = request.headers
    assert headers["Authorization"] == "ApiKey tok"
    assert headers["User-Agent"].startswith("blockbax-async/")
    assert "aiohttp/" in headers["User-Agent"] and "python/" in headers["User-Agent"]


async def test_own_session_is_used_and_left_open(canned: Canned) -> None:
    canned.body = '{"name": "x"}'
    async with aiohttp.ClientSession() as session:
        async with AsyncClient("p", "tok", base_url=canned.base_url, session=session) as client:
            await client.project.get()
        assert not session.closed
        (request,) = canned.seen
        assert request.headers["Authorization"] == "ApiKey tok"


@pytest.mark.parametrize("bad", ["..", ".", "", "#x", "?x=1", "a/b", "a b", "x\udcff"])
async def test_an_id_that_would_change_the_url_sends_nothing(
    emulator: Emulator, client: AsyncClient, bad: str
) -> None:
    for call in (client.subjects.delete, client.subjects.get, client.metrics.get):
        with pytest.raises(ValidationError, match="id: "):
            await call(bad)
    assert emulator.requests == []


async def test_path_segments_are_quoted(canned: Canned) -> None:
    canned.body = '{"name": "x"}'
    async with AsyncClient("p", "tok", base_url=canned.base_url, max_retries=0) as client:
        with pytest.raises(APIError):  # a project, not a subject: the shape is wrong
            await client.subjects.get("a$b:é")
    (request,) = canned.seen
    assert request.raw_path == "/v1/projects/p/subjects/a%24b%3A%C3%A9"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.property_types.create(name="x\udcff", external_id="x", data_type="TEXT"),
         "name"),
        (lambda c: c.property_types.create(name="x", external_id="\ud800", data_type="TEXT"),
         "external_id"),
        (lambda c: c.property_types.list(name="x\udcff").collect(), "name"),
        (lambda c: c.subjects.list(external_id="\udcff").collect(), "external_id"),
        (lambda c: c.subjects.list(subject_ids=["a", "x\udcff"]).collect(), "subject_ids"),
    ],
)  # fmt: skip
async def test_unencodable_strings_are_refused_before_sending(
    emulator: Emulator, client: AsyncClient, call: Any, field: str
) -> None:
    with pytest.raises(ValidationError, match=f"^{field}: ") as caught:
        await call(client)
    assert "cannot be encoded as UTF-8" in str(caught.value) or "not a valid id" in str(
        caught.value
    )
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x\udcff"}, "name: 'x\\udcff' cannot be encoded as UTF-8"),
        ({"values": [{"caption": "ok"}, {"textValue": "\ud800"}]},
         "values[1].text_value: '\\ud800' cannot be encoded"),
        ({"n": 2**70}, "n: 1180591620717411303424 cannot be sent as JSON"),
        ({"s": {1, 2}}, "s: {1, 2} cannot be sent as JSON"),
    ],
)  # fmt: skip
async def test_a_body_that_cannot_be_encoded_is_a_validation_error(
    emulator: Emulator, client: AsyncClient, body: Any, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await client.transport.request("POST", "/propertyTypes", json=body)
    assert message in str(caught.value)
    assert not isinstance(caught.value.__cause__, TypeError)
    assert emulator.requests == []


async def test_raw_bodies_pass_untouched() -> None:
    async with FaultProxy() as server:
        server.answer(200, {})
        async with AsyncClient("p", "tok", base_url=server.base_url) as client:
            await client.transport.request("POST", "/measurements", body=b'{"id": "\xff"}')
    assert server.exchanges[0].body == b'{"id": "\xff"}'


async def test_a_500_is_retried_but_a_create_that_got_one_is_not_resent(canned: Canned) -> None:
    canned.status, canned.body = 500, '{"message": "failed"}'
    async with AsyncClient(
        "p", "secret-token", base_url=canned.base_url, max_retries=2, backoff_base=0.01
    ) as client:
        with pytest.raises(InternalServerError):
            await client.project.get()
        assert [r.method for r in canned.seen] == ["GET"] * 3
        canned.seen.clear()
        with pytest.raises(TransportError) as caught:
            await client.subject_types.create(name="Pump")
    assert caught.value.outcome_unknown and "outcome is unknown" in str(caught.value)
    assert isinstance(caught.value.__cause__, InternalServerError)
    assert [r.method for r in canned.seen] == ["POST"]

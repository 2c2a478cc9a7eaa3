"""``client.webhooks``: settings round trip, and responses walked by their cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator, seed
from blockbax_async.errors import APIError, NotFoundError
from blockbax_async.models import (
    EventTriggerFilter,
    PropertyValuesFilter,
    SubjectFilter,
    SubjectFilterItem,
    Webhook,
)

from ..conftest import ClientFactory
from .conftest import assert_refused_before_sending


async def test_round_trip(emulator: Emulator, client: AsyncClient) -> None:
    subject_filter = SubjectFilter(
        include=SubjectFilterItem(
            subject_ids=["s1"], property_values=[PropertyValuesFilter("t", ["v"])]
        ),
        exclude=SubjectFilterItem(subject_ids=["s2"]),
    )
    created = await client.webhooks.create(
        name="Euro endpoint",
        endpoint="https://euro.endpoint.com",
        authorization_header="Bearer SecretToken",
        subject_filter=subject_filter,
        event_trigger_filter=EventTriggerFilter("EXCLUDE", ["t1"]),
        event_level_filter=["warning", "PROBLEM"],  # type: ignore[list-item]  # any case runs
    )
    assert created.event_level_filter == ["WARNING", "PROBLEM"]
    assert created.subject_filter == subject_filter
    assert "SecretToken" not in repr(created)
    assert await client.webhooks.get(created.id or "") == created
    other = await client.webhooks.create(name="Other", endpoint="http://localhost:9000/hook")
    assert other.event_level_filter == ["OK", "INFORMATION", "WARNING", "PROBLEM"]
    assert [w.name async for w in client.webhooks.list(name="euro")] == ["Euro endpoint"]
    assert [w.name async for w in client.webhooks.list()] == ["Euro endpoint", "Other"]
    created.active = False
    created.authorization_header = None
    updated = await client.webhooks.update(created)
    assert not updated.active and updated.authorization_header is None
    seed.webhook_response(emulator.state, created.id or "")
    await client.webhooks.delete(created.id or "")
    with pytest.raises(NotFoundError):
        await client.webhooks.get(created.id or "")
    with pytest.raises(NotFoundError):
        await client.webhooks.list_responses(created.id or "").collect()
    assert emulator.state.collection("webhookResponses") == {}


async def _webhook_with(emulator: Emulator, client: AsyncClient, count: int) -> str:
    webhook = await client.webhooks.create(name="w", endpoint="https://example.com")
    for number in range(count):
        seed.webhook_response(
            emulator.state, webhook.id or "", status_code=500 if number % 3 == 0 else 200
        )
    return webhook.id or ""


@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 25])
@pytest.mark.parametrize("order", [None, "ASC", "desc"])
async def test_responses_every_item_once(
    emulator: Emulator, client: AsyncClient, count: int, order: Any
) -> None:
    webhook_id = await _webhook_with(emulator, client, count)
    emulator.requests.clear()
    got = [
        r.sequence_number
        async for r in client.webhooks.list_responses(webhook_id, order=order, page_size=8)
    ]
    numbers = list(range(1, count + 1))
    assert got == (numbers if order == "ASC" else numbers[::-1])
    assert len(emulator.requests) == count // 8 + 1


async def test_responses_filters_limit_and_pages(emulator: Emulator, client: AsyncClient) -> None:
    webhook_id = await _webhook_with(emulator, client, 30)
    failed = client.webhooks.list_responses(webhook_id, error=True, order="ASC")
    assert [r.sequence_number async for r in failed] == list(range(1, 31, 3))
    succeeded = await client.webhooks.list_responses(webhook_id, error=False).collect()
    assert len(succeeded) == 20 and not any(r.error for r in succeeded)
    emulator.requests.clear()
    first_five = await client.webhooks.list_responses(webhook_id, limit=5, page_size=4).collect()
    assert [r.sequence_number for r in first_five] == [30, 29, 28, 27, 26]
    assert len(emulator.requests) == 2
    pages = client.webhooks.list_responses(webhook_id, page_size=12).pages()
    assert [len(page.items) async for page in pages] == [12, 12, 6]
    response = await client.webhooks.get_response(webhook_id, 4)
    assert (response.sequence_number, response.status_code, response.error) == (4, 500, True)
    with pytest.raises(NotFoundError):
        await client.webhooks.get_response(webhook_id, 31)


async def test_responses_with_an_exclusive_cursor(make_client: ClientFactory) -> None:
    """Should the API not send the cursor's own response again, nothing is lost either."""
    numbers = list(range(50, 0, -1))
    seen: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        cursor = int(request.query.get("cursor", 10**9))
        size = int(request.query["size"])
        page = [n for n in numbers if n < cursor][:size]
        return web.json_response(
            [
                {"webhookSettingId": "w", "sequenceNumber": n, "date": "2021-01-24T15:05:02Z"}
                for n in page
            ]
        )

    async with _server(handle) as base_url, make_client(base_url=base_url) as client:
        got = [r.sequence_number async for r in client.webhooks.list_responses("w", page_size=20)]
    assert got == numbers
    assert [(q.get("cursor"), q["size"]) for q in seen] == [
        (None, "20"),
        ("31", "21"),
        ("10", "21"),
    ]


@asynccontextmanager
async def _server(handler: Any) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/v1/projects/{project}/webhookSettings/{id}/webhookResponses", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_server_rules(client: AsyncClient) -> None:
    body: dict[str, Any] = {
        "name": "w",
        "active": True,
        "endpoint": "https://x",
        "eventLevelFilter": [],
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"endpoint": "ftp://x"}, "endpoint"),
        ({"eventLevelFilter": ["SEVERE"]}, "eventLevelFilter[0]"),
        ({"eventLevelFilter": None}, "eventLevelFilter"),
        ({"eventTriggerFilter": {"type": "ONLY", "ids": []}}, "eventTriggerFilter.type"),
        ({"active": "yes"}, "active"),
    ]
    for change, message in cases:
        with pytest.raises(APIError) as caught:
            await client.transport.request("POST", "/webhookSettings", json={**body, **change})
        assert message in str(caught.value.details)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.webhooks.create(endpoint="https://x"), "name: required"),
        (lambda c: c.webhooks.create(name="w"), "endpoint: required"),
        (lambda c: c.webhooks.create(name="w", endpoint="ftp://x"), "endpoint: 'ftp://x'"),
        (
            lambda c: c.webhooks.create(name="w", endpoint="https://x", event_level_filter=["BAD"]),
            "event_level_filter: 'BAD'",
        ),
        (
            lambda c: c.webhooks.create(Webhook("w", "https://x", event_level_filter=["BAD"])),
            "event_level_filter[0]: 'BAD'",
        ),
        (
            lambda c: c.webhooks.create(
                name="w", endpoint="https://x", event_trigger_filter=EventTriggerFilter("ONLY")
            ),
            "event_trigger_filter.type: 'ONLY'",
        ),
        (lambda c: c.webhooks.list_responses("w", order="UP").collect(), "order: 'UP'"),
        (lambda c: c.webhooks.list_responses("a/b").collect(), "webhook_id"),
        (lambda c: c.webhooks.get_response("w", "3"), "sequence_number: '3'"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, call: Any, message: str
) -> None:
    await assert_refused_before_sending(emulator, lambda: call(client), message)

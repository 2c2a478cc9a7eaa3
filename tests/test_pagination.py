"""Paginators: every item once and in order, lazily, concurrently, within limits.

Pure cases use a fake ``fetch``; the rest list subjects seeded straight into the emulator and
count the requests it saw.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from blockbax_async import AsyncClient, Page, Paginator
from blockbax_async.emulator import Emulator, RateLimit, seed

from .conftest import ClientFactory


class FakeListing:
    """``total`` numbers served in pages; later pages answer sooner, to shuffle arrivals."""

    def __init__(self, total: int, *, count: bool = True) -> None:
        self.total = total
        self.count = count
        self.asked: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_on: int | None = None

    async def fetch(self, number: int, size: int) -> Page[int]:
        self.asked.append(number)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if number == self.fail_on:
                raise RuntimeError(f"page {number} failed")
            await asyncio.sleep(0.002 * (10 - number % 10))
        finally:
            self.in_flight -= 1
        items = list(range(number * size, min((number + 1) * size, self.total)))
        return Page(items, number, self.total if self.count else None)


@pytest.mark.parametrize("total", [0, 1, 9, 10, 11, 95])
@pytest.mark.parametrize("count", [True, False])
async def test_every_item_once_in_order(total: int, count: bool) -> None:
    listing = FakeListing(total, count=count)
    paginator = Paginator(listing.fetch, page_size=10, concurrency=3)
    assert await paginator.collect() == list(range(total))
    pages = max(1, math.ceil(total / 10) + (not count and total % 10 == 0 and total > 0))
    assert sorted(listing.asked) == list(range(pages))
    assert listing.most_in_flight <= 3
    if count and total > 30:
        assert listing.most_in_flight == 3


async def test_nothing_is_fetched_before_iterating() -> None:
    listing = FakeListing(50)
    paginator = Paginator(listing.fetch, page_size=10)
    await asyncio.sleep(0.01)
    assert listing.asked == []
    assert [len(page.items) async for page in paginator.pages()] == [10] * 5
    assert [item async for item in paginator] == list(range(50))


@pytest.mark.parametrize(
    ("limit", "items", "pages"),
    [
        (0, 0, []),
        (1, 1, [0]),
        (10, 10, [0]),
        (11, 11, [0, 1]),
        (35, 35, [0, 1, 2, 3]),
        (500, 95, list(range(10))),
    ],
)
async def test_limit_fetches_no_page_it_does_not_need(
    limit: int, items: int, pages: list[int]
) -> None:
    listing = FakeListing(95)
    assert await Paginator(listing.fetch, page_size=10, limit=limit).collect() == list(range(items))
    assert sorted(listing.asked) == pages


async def test_a_failing_page_raises_and_cancels_the_rest() -> None:
    listing = FakeListing(200)
    listing.fail_on = 3
    seen = []
    with pytest.raises(RuntimeError, match="page 3"):
        async for item in Paginator(listing.fetch, page_size=10, concurrency=4):
            seen.append(item)
    assert seen == list(range(30))
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert listing.in_flight == 0
    assert max(listing.asked) < 8


async def test_breaking_off_leaves_nothing_running() -> None:
    listing = FakeListing(1000)
    pages = Paginator(listing.fetch, page_size=10, concurrency=4).pages()
    async for page in pages:
        if page.number == 2:
            break
    await pages.aclose()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert listing.in_flight == 0
    assert max(listing.asked) <= 2 + 4


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="page_size"):
        Paginator(FakeListing(1).fetch, page_size=201)
    with pytest.raises(ValueError, match="limit"):
        Paginator(FakeListing(1).fetch, limit=-1)


# -- against the emulator -------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 200, 201, 10_000])
async def test_listing_subjects(emulator: Emulator, client: AsyncClient, count: int) -> None:
    seeded = [s["id"] for s in seed.subjects(emulator.state, count)]
    emulator.requests.clear()
    got = [subject.id async for subject in client.subjects.list()]
    assert got == seeded
    assert len(set(got)) == count
    assert len(emulator.requests) == max(1, math.ceil(count / 200))


@pytest.mark.parametrize(
    ("limit", "page_size", "items", "requests"),
    [(0, 200, 0, 0), (1, 200, 1, 1), (200, 200, 200, 1), (201, 200, 201, 2), (450, 100, 450, 5)],
)
async def test_limit_against_the_emulator(
    emulator: Emulator, client: AsyncClient, limit: int, page_size: int, items: int, requests: int
) -> None:
    seeded = [s["id"] for s in seed.subjects(emulator.state, 1000)]
    emulator.requests.clear()
    listing = client.subjects.list(limit=limit, page_size=page_size)
    assert [s.id for s in await listing.collect()] == seeded[:items]
    assert len(emulator.requests) == requests


async def test_breaking_off_early(emulator: Emulator, client: AsyncClient) -> None:
    seed.subjects(emulator.state, 10_000)
    emulator.requests.clear()
    async for subject in client.subjects.list():
        if subject.name == "subject-250":
            break
    await asyncio.sleep(0.05)
    assert 2 <= len(emulator.requests) <= 2 + 8  # the pages read, and at most 8 fetched ahead


async def test_page_walk(emulator: Emulator, client: AsyncClient) -> None:
    seed.subjects(emulator.state, 450)
    pages = [page async for page in client.subjects.list(page_size=200).pages()]
    assert [(p.number, len(p.items), p.count) for p in pages] == [
        (0, 200, 450),
        (1, 200, 450),
        (2, 50, 450),
    ]


async def test_pages_are_fetched_concurrently(emulator: Emulator, client: AsyncClient) -> None:
    seed.subjects(emulator.state, 2000)
    original = client.transport.request
    in_flight, most = 0, 0

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await original(*args, **kwargs)
        finally:
            in_flight -= 1

    client.transport.request = counting  # type: ignore[method-assign]
    names = [s.name async for s in client.subjects.list(page_size=100)]
    assert names == [f"subject-{n}" for n in range(2000)]
    assert most > 1


async def test_rate_limited_paging_without_429_storms(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    seeded = [s["id"] for s in seed.subjects(emulator.state, 2000)]
    emulator.rate_limit = RateLimit(limit=10, period=1.0)
    async with make_client() as client:
        got = [s.id async for s in client.subjects.list(page_size=100)]
    assert got == seeded
    assert emulator.statuses(200) == 20
    assert emulator.statuses(429) <= 1

"""Lazy paginators: page/size/count listings and cursor listings (webhook responses).

A [`Paginator`][blockbax_async.Paginator] fetches the first page alone; once its `count` tells how
many pages there are, it fetches the next ones concurrently, a bounded number ahead of the reader,
and still hands items out in the server's order. Nothing is fetched before it is iterated, and a
`limit` stops it from fetching pages it does not need.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Generic, TypeVar

import attrs

__all__ = ["CursorPaginator", "Page", "Paginator"]

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing: its items, its number (0-based) and the total `count`."""

    items: list[T]
    number: int = 0
    count: int | None = None
    cursor: str | None = None


class _Listing(Generic[T]):
    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    def pages(self) -> AsyncGenerator[Page[T], None]:
        """Walk the listing a page at a time."""
        raise NotImplementedError

    async def _items(self) -> AsyncGenerator[T, None]:
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.items:
                    yield item

    async def collect(self) -> list[T]:
        """Every item of every page (up to the limit), as a list."""
        items: list[T] = []
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                items.extend(page.items)
        return items


class Paginator(_Listing[T]):
    """Async-iterable over every item of a page/size listing; see the module docstring.

    `limit` caps the number of items; `page_size` (at most 200) sets the items per
    request; `concurrency` bounds how many pages are fetched ahead of the reader.
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[Page[T]]],
        *,
        limit: int | None = None,
        page_size: int = MAX_PAGE_SIZE,
        concurrency: int = 8,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        self._fetch = fetch
        self._limit = limit
        self._size = page_size if limit is None else max(1, min(page_size, limit))
        self._concurrency = max(1, concurrency)

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        if self._limit == 0:
            return
        left = math.inf if self._limit is None else self._limit
        first = await self._fetch(0, self._size)
        yield _trim(first, left)
        left -= len(first.items)
        if left <= 0 or len(first.items) < self._size:
            return
        if first.count is None:
            number = 1
            while left > 0:
                page = await self._fetch(number, self._size)
                yield _trim(page, left)
                left -= len(page.items)
                if len(page.items) < self._size:
                    return
                number += 1
            return
        total = first.count if self._limit is None else min(first.count, self._limit)
        async with aclosing(self._ahead(range(1, math.ceil(total / self._size)))) as ahead:
            async for page in ahead:
                yield _trim(page, left)
                left -= len(page.items)
                if left <= 0 or len(page.items) < self._size:
                    return

    async def _ahead(self, numbers: range) -> AsyncGenerator[Page[T], None]:
        pending: deque[asyncio.Task[Page[T]]] = deque()
        todo = iter(numbers)
        try:
            for number in todo:
                pending.append(asyncio.ensure_future(self._fetch(number, self._size)))
                if len(pending) >= self._concurrency:
                    yield await pending.popleft()
            while pending:
                yield await pending.popleft()
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


class CursorPaginator(_Listing[T]):
    """Async-iterable over a cursor listing: each page names the cursor of the next."""

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[Page[T]]],
        *,
        limit: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._limit = limit

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        left = math.inf if self._limit is None else self._limit
        cursor: str | None = None
        while left > 0:
            page = await self._fetch(cursor)
            yield _trim(page, left)
            left -= len(page.items)
            if not page.cursor or not page.items:
                return
            cursor = page.cursor


def _trim(page: Page[T], left: float) -> Page[T]:
    if len(page.items) <= left:
        return page
    return attrs.evolve(page, items=page.items[: int(left)])

"""The blocking layer: the async client, driven from one event-loop thread.

``Client`` runs an :class:`~blockbax_async.AsyncClient` inside an anyio blocking portal (a
thread with its own event loop), and every sync method forwards to its async twin there, so
each method exists once. It works from plain scripts, from several threads at once, and
where an event loop is already running (a Jupyter cell), without nest_asyncio.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import anyio.from_thread

from ._client import AsyncClient
from ._pagination import Page, Paginator
from .errors import ClientStateError
from .resources.project import ProjectResource
from .resources.property_types import PropertyTypesResource

__all__ = ["Client", "SyncPaginator"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
A = TypeVar("A")
A_co = TypeVar("A_co", covariant=True)

logger = logging.getLogger("blockbax_async")


class _Portal:
    """One event-loop thread; refuses calls from a forked child, whose copy has no thread."""

    def __init__(self) -> None:
        self._manager: AbstractContextManager[anyio.from_thread.BlockingPortal] = (
            anyio.from_thread.start_blocking_portal("asyncio")
        )
        self._portal = self._manager.__enter__()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.closed = False

    def call(self, fn: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs) -> R:
        if os.getpid() != self._pid:
            raise ClientStateError(
                "this client was created before a fork; create a new one in this process"
            )
        if self.closed:
            raise ClientStateError("the client is closed")
        return self._portal.call(functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        with self._lock:
            if not self.closed and os.getpid() == self._pid:
                self.closed = True
                self._manager.__exit__(None, None, None)


class _Namespace(Generic[A_co]):
    """A sync view of one async namespace."""

    def __init__(self, target: A_co, portal: _Portal) -> None:
        self._target = target
        self._portal = portal


def blocking(
    method: Callable[Concatenate[A, P], Awaitable[R]],
) -> Callable[Concatenate[_Namespace[A], P], R]:
    """Forward a sync method to the async method of the same namespace, in the portal."""

    @functools.wraps(method)
    def forward(self: _Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._portal.call(method, self._target, *args, **kwargs)

    return forward


def blocking_list(
    method: Callable[Concatenate[A, P], Paginator[T]],
) -> Callable[Concatenate[_Namespace[A], P], SyncPaginator[T]]:
    """Forward a ``list`` method: the paginator becomes a plain iterator."""

    @functools.wraps(method)
    def forward(self: _Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> SyncPaginator[T]:
        return SyncPaginator(method(self._target, *args, **kwargs), self._portal)

    return forward


class SyncPaginator(Generic[T]):
    """A plain iterator over every item of every page, fetched lazily a page at a time."""

    def __init__(self, paginator: Paginator[T], portal: _Portal) -> None:
        self._paginator = paginator
        self._portal = portal

    def pages(self) -> Iterator[Page[T]]:
        """Walk the listing a page at a time."""
        pages: AsyncIterator[Page[T]] = self._paginator.pages()
        try:
            while True:
                try:
                    yield self._portal.call(pages.__anext__)
                except StopAsyncIteration:
                    return
        finally:
            if not self._portal.closed:
                self._portal.call(pages.aclose)  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def collect(self) -> list[T]:
        """Every item, as a list (one trip to the event loop)."""
        return self._portal.call(self._paginator.collect)


class ProjectNamespace(_Namespace[ProjectResource]):
    get = blocking(ProjectResource.get)


class PropertyTypesNamespace(_Namespace[PropertyTypesResource]):
    get = blocking(PropertyTypesResource.get)
    list = blocking_list(PropertyTypesResource.list)
    create = blocking(PropertyTypesResource.create)
    update = blocking(PropertyTypesResource.update)
    delete = blocking(PropertyTypesResource.delete)


_open_clients: weakref.WeakSet[Client] = weakref.WeakSet()


@atexit.register
def _close_forgotten_clients() -> None:
    for client in list(_open_clients):
        logger.warning("closing a blockbax_async.sync.Client left open at exit")
        client.close()


class Client:
    """The blocking client: the same namespaces and methods as :class:`AsyncClient`.

    Takes the same arguments as :class:`AsyncClient`. Use it as a context manager or call
    :meth:`close`; a client still open at interpreter exit is closed then (which flushes
    queued measurements) with a warning.
    """

    def __init__(
        self,
        project_id: str | None = None,
        access_token: str | None = None,
        **options: Any,
    ) -> None:
        self._async = AsyncClient(project_id, access_token, **options)
        self._portal = _Portal()
        self.project = ProjectNamespace(self._async.project, self._portal)
        self.property_types = PropertyTypesNamespace(self._async.property_types, self._portal)
        _open_clients.add(self)

    @property
    def async_client(self) -> AsyncClient:
        """The async client underneath (use it only from the portal's loop)."""
        return self._async

    def close(self) -> None:
        """Flush what is queued, close the session and stop the portal thread."""
        if self._portal.closed:
            return
        _open_clients.discard(self)
        try:
            self._portal.call(self._async.aclose)
        finally:
            self._portal.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"sync.{self._async!r}"

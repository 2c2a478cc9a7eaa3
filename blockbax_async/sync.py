"""The blocking layer: the async client, driven from one event-loop thread.

``Client`` runs an :class:`~blockbax_async.AsyncClient` in the event loop of an anyio blocking
portal (a daemon thread of its own), and every sync method forwards to its async twin there,
so each method exists once. It works from plain scripts, from several threads at once, and
where an event loop is already running (a Jupyter cell), without nest_asyncio.

``HttpClient`` is a drop-in for ``blockbax_sdk.HttpClient`` (see ``docs/migration.md``).
"""

from __future__ import annotations

import asyncio
import atexit
import builtins
import functools
import inspect
import logging
import os
import threading
import weakref
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from itertools import chain
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import anyio.from_thread
import attrs

from ._client import AsyncClient
from ._pagination import Page, _Listing
from .errors import ClientStateError, QueueFullError
from .ingest import (
    FlushResult,
    IngestSettings,
    IngestStats,
    QueuedMeasurement,
    Receipt,
    Refusal,
)
from .ingest._values import check_ingestion_id, distinct_ids
from .models import Location
from .resources._raw import BlockingRaw
from .resources.alarms import AlarmsResource
from .resources.event_triggers import EventTriggersResource
from .resources.events import EventsResource
from .resources.measurements import MeasurementsResource
from .resources.metrics import MetricsResource
from .resources.project import ProjectResource
from .resources.property_types import PropertyTypesResource
from .resources.subject_types import SubjectTypesResource
from .resources.subjects import SubjectsResource
from .resources.webhooks import WebhooksResource

__all__ = ["Client", "HttpClient", "SyncPaginator"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
A = TypeVar("A")
A_co = TypeVar("A_co", covariant=True)

logger = logging.getLogger("blockbax_async")

_live_portals: weakref.WeakSet[_Portal] = weakref.WeakSet()
_stagings: weakref.WeakSet[MeasurementsNamespace] = weakref.WeakSet()


def _forked() -> None:
    # In the child: no loop thread, and locks perhaps held by threads that are gone.
    for portal in list(_live_portals):
        portal.forked = True
        portal._lock = threading.Lock()
    for staging in list(_stagings):
        staging._soft = -1
        staging._lock = threading.Lock()
    for client in list(_open_clients):
        client._closing = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


class _Call:
    """One call handed to the loop thread; the caller blocks on ``done`` until it ends."""

    __slots__ = ("args", "done", "error", "finished", "fn", "kwargs", "result", "task")

    def __init__(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.done = threading.Lock()
        self.done.acquire()
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """In the loop: run ``fn``; when it returns an awaitable, await it in a task."""
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as error:  # handed to the caller's thread
            self.finish(None, error)
            return
        if inspect.isawaitable(result):
            self.task = asyncio.ensure_future(self._wait(result))
        else:
            self.finish(result, None)

    async def _wait(self, awaitable: Awaitable[Any]) -> None:
        try:
            result = await awaitable
        except asyncio.CancelledError:
            self.finish(None, ClientStateError("the client was closed while the call ran"))
        except BaseException as error:  # handed to the caller's thread
            self.finish(None, error)
        else:
            self.finish(result, None)

    def finish(self, result: Any, error: BaseException | None) -> None:
        self.result, self.error, self.finished = result, error, True
        self.done.release()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


class _Portal:
    """One event-loop thread (an anyio blocking portal) that runs the calls of a client.

    Calls hop to the loop with ``call_soon_threadsafe`` and wait on a lock, which costs a
    fifth of ``BlockingPortal.call`` (two hops and a future) for a no-op and half its
    overhead on a GET (``benchmarks/sync_overhead.py``). A forked child's copy has no loop
    thread and refuses.
    """

    def __init__(self) -> None:
        self._manager: AbstractContextManager[anyio.from_thread.BlockingPortal] = (
            anyio.from_thread.start_blocking_portal("asyncio", name="blockbax-sync")
        )
        portal = self._manager.__enter__()
        self.loop: asyncio.AbstractEventLoop = portal.call(asyncio.get_running_loop)
        self._thread_id = portal.call(threading.get_ident)
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._calls: set[_Call] = set()
        self.closed = False
        self.forked = False
        _live_portals.add(self)

    def check(self) -> None:
        """Raise :class:`ClientStateError` when calls cannot be made from here."""
        if self.forked:
            raise ClientStateError(
                f"this client was made in process {self._pid}, before a fork; "
                "make a new client in this process"
            )
        if self.closed:
            raise ClientStateError("the client is closed")
        if threading.get_ident() == self._thread_id:
            raise ClientStateError(
                "a blocking call from the client's own event loop; use the async client there"
            )

    def call(self, fn: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Await ``fn(*args, **kwargs)`` in the loop thread and return its result."""
        return self._run(fn, args, kwargs)  # type: ignore[no-any-return]

    def call_sync(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the plain function ``fn(*args, **kwargs)`` in the loop thread."""
        return self._run(fn, args, kwargs)  # type: ignore[no-any-return]

    def soon(self, fn: Callable[[], object]) -> None:
        """Run ``fn()`` in the loop thread, soon, without waiting for it."""
        self.loop.call_soon_threadsafe(fn)

    def _run(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        self.check()
        call = _Call(fn, args, kwargs)
        with self._lock:
            if self.closed:
                raise ClientStateError("the client is closed")
            self._calls.add(call)
        try:
            self.loop.call_soon_threadsafe(call.start)
            try:
                call.done.acquire()
            except BaseException:  # e.g. KeyboardInterrupt: stop the call too
                self.loop.call_soon_threadsafe(call.cancel)
                raise
        finally:
            with self._lock:
                self._calls.discard(call)
        if call.error is not None:
            raise call.error
        return call.result

    def close(self) -> None:
        """Stop the loop thread; calls still waiting get a :class:`ClientStateError`."""
        with self._lock:
            if self.closed or self.forked:
                self.closed = True
                return
            self.closed = True
        self._manager.__exit__(None, None, None)
        with self._lock:
            stranded, self._calls = self._calls, set()
        for call in stranded:
            if not call.finished:
                call.finish(None, ClientStateError("the client was closed before the call ran"))


class _Namespace(Generic[A_co]):
    """A sync view of one async namespace."""

    def __init__(self, target: A_co, portal: _Portal) -> None:
        self._target = target
        self._portal = portal

    @property
    def with_raw_response(self) -> BlockingRaw:
        """The same calls, blocking, answering with the HTTP response (``.parse()``)."""
        return BlockingRaw(self._target, self._portal.call)


def blocking(
    method: Callable[Concatenate[A, P], Awaitable[R]],
) -> Callable[Concatenate[_Namespace[A], P], R]:
    """Forward a sync method to the async method of the same namespace, in the portal."""

    @functools.wraps(method)
    def forward(self: _Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._portal.call(method, self._target, *args, **kwargs)

    return forward


def in_loop(
    method: Callable[Concatenate[A, P], R],
) -> Callable[Concatenate[_Namespace[A], P], R]:
    """Forward to a plain method that must run in the event loop's thread."""

    @functools.wraps(method)
    def forward(self: _Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._portal.call_sync(method, self._target, *args, **kwargs)

    return forward


def blocking_list(
    method: Callable[Concatenate[A, P], _Listing[T]],
) -> Callable[Concatenate[_Namespace[A], P], SyncPaginator[T]]:
    """Forward a ``list`` method: the async listing becomes a plain iterator."""

    @functools.wraps(method)
    def forward(self: _Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> SyncPaginator[T]:
        return SyncPaginator(method(self._target, *args, **kwargs), self._portal)

    return forward


class SyncPaginator(Generic[T]):
    """A plain iterator over every item of every page, fetched lazily a page at a time."""

    def __init__(self, listing: _Listing[T], portal: _Portal) -> None:
        self._listing = listing
        self._portal = portal

    def pages(self) -> Iterator[Page[T]]:
        """Walk the listing a page at a time."""
        pages: AsyncIterator[Page[T]] = self._listing.pages()
        try:
            while True:
                try:
                    yield self._portal.call(pages.__anext__)
                except StopAsyncIteration:
                    return
        finally:
            if not (self._portal.closed or self._portal.forked):
                self._portal.call(pages.aclose)  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def collect(self) -> list[T]:
        """Every item, as a list (one trip to the event loop)."""
        return self._portal.call(self._listing.collect)


class ProjectNamespace(_Namespace[ProjectResource]):
    """``client.project``."""

    get = blocking(ProjectResource.get)


class PropertyTypesNamespace(_Namespace[PropertyTypesResource]):
    """``client.property_types``."""

    get = blocking(PropertyTypesResource.get)
    list = blocking_list(PropertyTypesResource.list)
    create = blocking(PropertyTypesResource.create)
    update = blocking(PropertyTypesResource.update)
    delete = blocking(PropertyTypesResource.delete)


class SubjectTypesNamespace(_Namespace[SubjectTypesResource]):
    """``client.subject_types``."""

    get = blocking(SubjectTypesResource.get)
    list = blocking_list(SubjectTypesResource.list)
    create = blocking(SubjectTypesResource.create)
    update = blocking(SubjectTypesResource.update)
    delete = blocking(SubjectTypesResource.delete)


class SubjectsNamespace(_Namespace[SubjectsResource]):
    """``client.subjects``."""

    get = blocking(SubjectsResource.get)
    list = blocking_list(SubjectsResource.list)
    create = blocking(SubjectsResource.create)
    update = blocking(SubjectsResource.update)
    delete = blocking(SubjectsResource.delete)


class MetricsNamespace(_Namespace[MetricsResource]):
    """``client.metrics``."""

    get = blocking(MetricsResource.get)
    list = blocking_list(MetricsResource.list)
    create = blocking(MetricsResource.create)
    update = blocking(MetricsResource.update)
    delete = blocking(MetricsResource.delete)


class EventTriggersNamespace(_Namespace[EventTriggersResource]):
    """``client.event_triggers``."""

    get = blocking(EventTriggersResource.get)
    list = blocking_list(EventTriggersResource.list)
    create = blocking(EventTriggersResource.create)
    update = blocking(EventTriggersResource.update)
    delete = blocking(EventTriggersResource.delete)


class WebhooksNamespace(_Namespace[WebhooksResource]):
    """``client.webhooks``: settings, and the responses their calls got."""

    get = blocking(WebhooksResource.get)
    list = blocking_list(WebhooksResource.list)
    create = blocking(WebhooksResource.create)
    update = blocking(WebhooksResource.update)
    delete = blocking(WebhooksResource.delete)
    list_responses = blocking_list(WebhooksResource.list_responses)
    get_response = blocking(WebhooksResource.get_response)


class EventsNamespace(_Namespace[EventsResource]):
    """``client.events``."""

    get = blocking(EventsResource.get)
    list = blocking_list(EventsResource.list)


class AlarmsNamespace(_Namespace[AlarmsResource]):
    """``client.alarms``."""

    get = blocking(AlarmsResource.get)
    list = blocking_list(AlarmsResource.list)
    list_activity = blocking(AlarmsResource.list_activity)


class SyncReceipt:
    """A :class:`~blockbax_async.ingest.Receipt` for blocking code: ``wait(timeout)`` and
    ``durable(timeout)`` block; ``done``, ``accepted``, ``refused`` and ``ok`` as there."""

    def __init__(self, receipt: Receipt, portal: _Portal) -> None:
        self._receipt = receipt
        self._portal = portal

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every covered measurement has its final outcome (at most
        ``timeout`` seconds); returns whether they all have."""
        if self._receipt.done:
            return True
        return self._portal.call(self._receipt.wait, timeout)

    def durable(self, timeout: float | None = None) -> bool:
        """Block until every covered measurement is on disk (with a spool; at most
        ``timeout`` seconds); returns whether they all are."""
        return self._portal.call(self._receipt.durable, timeout)

    @property
    def done(self) -> bool:
        """Whether every covered measurement has its final outcome."""
        return self._receipt.done

    @property
    def accepted(self) -> int:
        """How many of those it tells of the server ingested."""
        return self._receipt.accepted

    @property
    def refused(self) -> builtins.list[Refusal]:
        """The measurements it tells of that the server did not take as sent."""
        return list(self._receipt.refused)

    @property
    def ok(self) -> bool:
        """Done, and nothing refused."""
        return self._receipt.ok

    def __repr__(self) -> str:
        return f"sync.{self._receipt!r}"


class MeasurementsNamespace(_Namespace[MeasurementsResource]):
    """``client.measurements``: queue, send and search measurements, blocking.

    ``queue()`` checks a measurement in the caller's thread and stages it; staged
    measurements move to the async queue in the event loop in bulk (the async queue is not
    thread-safe, and a hop to the loop per measurement would cost 100 times more). Every
    other method runs in the loop after what the same thread staged before it, so a
    ``flush()`` sends everything queued before it. ``start()`` sends in the background,
    from the loop thread (``on_result`` is called there).
    """

    def __init__(self, target: MeasurementsResource, portal: _Portal) -> None:
        super().__init__(target, portal)
        self._lock = threading.Lock()
        self._staged: list[Any] = []  # flat: ingestion_id, date, value, ingestion_id, ...
        self._known: set[str] = set()
        self._max = target.settings.max_queued
        self._soft = 3 * self._max  # queue() takes its fast path below this many records
        self._closed = False
        _stagings.add(self)

    def queue(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
    ) -> None:
        """Queue one measurement, as the async :meth:`MeasurementsResource.queue` does.

        Raises :class:`~blockbax_async.errors.ValidationError` at once for a value the API
        would not take, :class:`~blockbax_async.errors.QueueFullError` when ``max_queued``
        measurements wait, :class:`~blockbax_async.errors.ClientStateError` once closed:
        the async queue's own check, run here (under the lock, for the time rules).
        """
        with self._lock:
            date_ms, value = self._target._check(ingestion_id, number, location, text, date)
            staged = self._staged
            if len(staged) >= self._soft or ingestion_id not in self._known:
                self._make_room([ingestion_id], 1)
            if not staged:
                self._portal.soon(self._admit)
            staged += (ingestion_id, date_ms, value)
            self._target._remember(ingestion_id, date_ms)

    def queue_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[datetime | int | str | None],
        values: Sequence[Any],
        *,
        checked: bool = False,
    ) -> int:
        """Queue many measurements at once, all or none; see
        :meth:`MeasurementsResource.queue_many`."""
        count = len(ingestion_ids)
        with self._lock:
            dates_ms, checked_values = self._target._check_many(
                ingestion_ids, dates, values, checked
            )
            self._make_room(distinct_ids(ingestion_ids), count)
            if not self._staged:
                self._portal.soon(self._admit)
            self._staged += chain.from_iterable(
                zip(ingestion_ids, dates_ms, checked_values, strict=True)
            )
            self._target._remember_many(ingestion_ids, dates_ms)
        return count

    def _make_room(self, ingestion_ids: Iterable[str], count: int) -> None:
        """The slow path of staging (under the lock): refuse when closed, check new IDs, and
        make sure ``count`` more fit."""
        if self._closed or self._portal.closed or self._portal.forked:
            self._portal.check()
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        for ingestion_id in ingestion_ids:
            if not isinstance(ingestion_id, str) or ingestion_id not in self._known:
                self._known.add(check_ingestion_id(ingestion_id))
        staged = len(self._staged)
        room = self._max - len(self._target) - staged // 3
        if room < count:
            raise QueueFullError(
                f"the measurement queue holds {self._max - room} of at most {self._max} "
                "measurements: flush(), wait with put(), or raise IngestSettings.max_queued"
            )
        self._soft = staged + 3 * room

    def _admit(self) -> None:
        """In the loop: move what is staged to the async queue."""
        with self._lock:
            staged, self._staged = self._staged, []
            if self._soft >= 0:
                self._soft = 3 * (self._max - len(self._target)) - len(staged)
        if staged:
            try:
                self._target._admit_many(staged[0::3], staged[1::3], staged[2::3])
            except Exception:
                logger.exception("%d staged measurements could not be queued", len(staged) // 3)

    def _close_staging(self) -> None:
        with self._lock:
            self._closed = True
            self._soft = -1

    async def _admit_then(self, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
        self._admit()
        return await fn(*args, **kwargs)

    def checkpoint(self) -> SyncReceipt:
        """A receipt for every measurement queued so far (staged ones included); see
        :meth:`MeasurementsResource.checkpoint`. Its ``wait()`` and ``durable()`` block."""
        return SyncReceipt(self._portal.call_sync(self._checkpoint), self._portal)

    def _checkpoint(self) -> Receipt:
        self._admit()
        return self._target.checkpoint()

    put = blocking(MeasurementsResource.put)
    flush = blocking(MeasurementsResource.flush)
    start = in_loop(MeasurementsResource.start)
    stop = blocking(MeasurementsResource.stop)

    def pending(self) -> builtins.list[QueuedMeasurement]:
        """A copy of what is queued; see :meth:`MeasurementsResource.pending`. Also after
        :meth:`close` (or the client's), to learn what could not be delivered."""
        if self._portal.closed and not self._portal.forked:  # no loop left to race with
            with self._lock:
                staged = self._staged[:]
            unsent = map(QueuedMeasurement, staged[0::3], staged[1::3], staged[2::3])
            return [*self._target.pending(), *unsent]
        return self._portal.call_sync(self._target.pending)

    list = blocking_list(MeasurementsResource.list)

    def close(self, timeout: float | None = None) -> FlushResult | None:
        """Flush within ``timeout`` seconds and refuse further measurements; see
        :meth:`MeasurementsResource.close`."""
        self._close_staging()
        return self._portal.call(self._admit_then, self._target.close, timeout)

    @property
    def running(self) -> bool:
        """Whether background sending is on."""
        return self._target.running

    @property
    def settings(self) -> IngestSettings:
        """How measurements are queued and sent."""
        return self._target.settings

    @property
    def stats(self) -> IngestStats:
        """The counters, to export to a metrics system (staged measurements count as queued)."""
        stats = self._target.stats
        return attrs.evolve(stats, queued=stats.queued + len(self._staged) // 3)

    @property
    def close_result(self) -> FlushResult | None:
        """What closing flushed, with what it could not deliver."""
        return self._target.close_result

    def __len__(self) -> int:
        return len(self._target) + len(self._staged) // 3


_open_clients: set[Client] = set()


@atexit.register
def _close_forgotten_clients() -> None:
    for client in list(_open_clients):
        if not client._portal.forked:
            logger.warning("closing a blockbax_async.sync.Client left open at exit")
        client.close()


class Client:
    """The blocking client: the same namespaces and methods as :class:`AsyncClient`.

    Takes the same arguments as :class:`AsyncClient`. Use it as a context manager or call
    :meth:`close`; a client still open at interpreter exit is closed then (which flushes
    queued measurements) with a warning. After ``os.fork()`` the child's copy raises
    :class:`~blockbax_async.errors.ClientStateError`: make a new client there.
    """

    def __init__(
        self,
        project_id: str | None = None,
        access_token: str | None = None,
        **options: Any,
    ) -> None:
        self._async = AsyncClient(project_id, access_token, **options)
        self._portal = _Portal()
        self._bind(self._async, MeasurementsNamespace(self._async.measurements, self._portal))
        self._closing = threading.Lock()
        _open_clients.add(self)

    def _bind(self, client: AsyncClient, measurements: MeasurementsNamespace) -> None:
        portal = self._portal
        self.project = ProjectNamespace(client.project, portal)
        self.property_types = PropertyTypesNamespace(client.property_types, portal)
        self.subject_types = SubjectTypesNamespace(client.subject_types, portal)
        self.subjects = SubjectsNamespace(client.subjects, portal)
        self.metrics = MetricsNamespace(client.metrics, portal)
        self.event_triggers = EventTriggersNamespace(client.event_triggers, portal)
        self.webhooks = WebhooksNamespace(client.webhooks, portal)
        self.events = EventsNamespace(client.events, portal)
        self.alarms = AlarmsNamespace(client.alarms, portal)
        self.measurements = measurements

    @property
    def async_client(self) -> AsyncClient:
        """The async client underneath (use it only from the portal's loop)."""
        return self._async

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_deadline: float | None = None,
    ) -> Client:
        """A client with these options over the same portal, session, limiter and queue;
        see :meth:`AsyncClient.with_options`. Closing either closes both."""
        view = Client.__new__(Client)
        view._async = self._async.with_options(
            timeout=timeout, max_retries=max_retries, retry_deadline=retry_deadline
        )
        view._portal, view._closing = self._portal, self._closing
        view._bind(view._async, self.measurements)
        return view

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send a request the namespaces do not cover; see :meth:`AsyncClient.request`."""
        return self._portal.call(self._async.request, method, path, params=params, json=json)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or this is a forked child's copy)."""
        return self._portal.closed or self._portal.forked

    def close(self) -> None:
        """Flush what is queued, close the session and stop the portal thread.

        In a forked child it only marks the copy closed: the parent owns the queue.
        """
        with self._closing:
            _open_clients.discard(self)
            if self._portal.closed or self._portal.forked:
                self._portal.close()
                return
            self.measurements._close_staging()
            try:
                self._portal.call(self.measurements._admit_then, self._async.aclose)
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


from ._compat import HttpClient  # noqa: E402  (it builds on Client)

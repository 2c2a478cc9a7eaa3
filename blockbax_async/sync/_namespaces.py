"""Sync views of the async namespaces: each method a one-line forward through the portal."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Concatenate, Generic, ParamSpec, TypeVar

from .._pagination import Page, _Listing
from ..resources._raw import BlockingRaw
from ..resources.alarms import AlarmsResource
from ..resources.event_triggers import EventTriggersResource
from ..resources.events import EventsResource
from ..resources.metrics import MetricsResource
from ..resources.project import ProjectResource
from ..resources.property_types import PropertyTypesResource
from ..resources.subject_types import SubjectTypesResource
from ..resources.subjects import SubjectsResource
from ..resources.webhooks import WebhooksResource
from ._portal import Portal

__all__ = [
    "AlarmsNamespace",
    "EventTriggersNamespace",
    "EventsNamespace",
    "MetricsNamespace",
    "Namespace",
    "ProjectNamespace",
    "PropertyTypesNamespace",
    "SubjectTypesNamespace",
    "SubjectsNamespace",
    "SyncPaginator",
    "WebhooksNamespace",
    "blocking",
    "blocking_list",
    "in_loop",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
A = TypeVar("A")
A_co = TypeVar("A_co", covariant=True)


class Namespace(Generic[A_co]):
    """A sync view of one async namespace."""

    def __init__(self, target: A_co, portal: Portal) -> None:
        self._target = target
        self._portal = portal

    @property
    def with_raw_response(self) -> BlockingRaw:
        """The same calls, blocking, answering with the HTTP response (`.parse()`)."""
        return BlockingRaw(self._target, self._portal.call)


def blocking(
    method: Callable[Concatenate[A, P], Awaitable[R]],
) -> Callable[Concatenate[Namespace[A], P], R]:
    """Forward a sync method to the async method of the same namespace, through the portal."""

    @functools.wraps(method)
    def forward(self: Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._portal.call(method, self._target, *args, **kwargs)

    return forward


def in_loop(
    method: Callable[Concatenate[A, P], R],
) -> Callable[Concatenate[Namespace[A], P], R]:
    """Forward to a plain method that must run in the event loop."""

    @functools.wraps(method)
    def forward(self: Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._portal.call_sync(method, self._target, *args, **kwargs)

    return forward


def blocking_list(
    method: Callable[Concatenate[A, P], _Listing[T]],
) -> Callable[Concatenate[Namespace[A], P], SyncPaginator[T]]:
    """Forward a `list` method: the async listing becomes a plain iterator."""

    @functools.wraps(method)
    def forward(self: Namespace[A], /, *args: P.args, **kwargs: P.kwargs) -> SyncPaginator[T]:
        return SyncPaginator(method(self._target, *args, **kwargs), self._portal)

    return forward


class SyncPaginator(Generic[T]):
    """A plain iterator over every item of every page, fetched lazily a page at a time."""

    def __init__(self, listing: _Listing[T], portal: Portal) -> None:
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
        """Every item, as a list (one call through the portal)."""
        return self._portal.call(self._listing.collect)


class ProjectNamespace(Namespace[ProjectResource]):
    """`client.project`."""

    get = blocking(ProjectResource.get)


class PropertyTypesNamespace(Namespace[PropertyTypesResource]):
    """`client.property_types`."""

    get = blocking(PropertyTypesResource.get)
    list = blocking_list(PropertyTypesResource.list)
    create = blocking(PropertyTypesResource.create)
    update = blocking(PropertyTypesResource.update)
    delete = blocking(PropertyTypesResource.delete)


class SubjectTypesNamespace(Namespace[SubjectTypesResource]):
    """`client.subject_types`."""

    get = blocking(SubjectTypesResource.get)
    list = blocking_list(SubjectTypesResource.list)
    create = blocking(SubjectTypesResource.create)
    update = blocking(SubjectTypesResource.update)
    delete = blocking(SubjectTypesResource.delete)


class SubjectsNamespace(Namespace[SubjectsResource]):
    """`client.subjects`."""

    get = blocking(SubjectsResource.get)
    list = blocking_list(SubjectsResource.list)
    create = blocking(SubjectsResource.create)
    update = blocking(SubjectsResource.update)
    delete = blocking(SubjectsResource.delete)


class MetricsNamespace(Namespace[MetricsResource]):
    """`client.metrics`."""

    get = blocking(MetricsResource.get)
    list = blocking_list(MetricsResource.list)
    create = blocking(MetricsResource.create)
    update = blocking(MetricsResource.update)
    delete = blocking(MetricsResource.delete)


class EventTriggersNamespace(Namespace[EventTriggersResource]):
    """`client.event_triggers`."""

    get = blocking(EventTriggersResource.get)
    list = blocking_list(EventTriggersResource.list)
    create = blocking(EventTriggersResource.create)
    update = blocking(EventTriggersResource.update)
    delete = blocking(EventTriggersResource.delete)


class WebhooksNamespace(Namespace[WebhooksResource]):
    """`client.webhooks`: settings, and the responses their calls got."""

    get = blocking(WebhooksResource.get)
    list = blocking_list(WebhooksResource.list)
    create = blocking(WebhooksResource.create)
    update = blocking(WebhooksResource.update)
    delete = blocking(WebhooksResource.delete)
    list_responses = blocking_list(WebhooksResource.list_responses)
    get_response = blocking(WebhooksResource.get_response)


class EventsNamespace(Namespace[EventsResource]):
    """`client.events`."""

    get = blocking(EventsResource.get)
    list = blocking_list(EventsResource.list)


class AlarmsNamespace(Namespace[AlarmsResource]):
    """`client.alarms`."""

    get = blocking(AlarmsResource.get)
    list = blocking_list(AlarmsResource.list)
    list_activity = blocking(AlarmsResource.list_activity)

"""`with_raw_response`: the same calls, answering with the HTTP response beside the model.

A raw namespace runs the resource's own method on a copy of the resource whose transport
keeps every answer it gets (`recording`); the
last answer, the one the result came from, is handed back as a
[`RawResponse`][blockbax_async.RawResponse]. So each method exists once, and a raw call goes
through the same checks, limiter, retries and error mapping as the plain one.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from .._pagination import Page, _Listing
from .._response import RawResponse, Response
from ..errors import ValidationError

__all__ = ["BlockingRaw", "RawNamespace", "raw", "raw_page"]

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class RawNamespace(Generic[R_co]):
    """The raw face of one resource namespace (`client.subjects.with_raw_response`)."""

    def __init__(self, resource: R_co) -> None:
        self._resource = resource

    def _recording(self) -> tuple[R_co, list[Response]]:
        answers: list[Response] = []
        resource = copy.copy(self._resource)
        resource._transport = resource._transport.recording(answers)  # type: ignore[attr-defined]
        return resource, answers


def _last(answers: list[Response], result: T) -> RawResponse[T]:
    if not answers:  # every method of a resource sends a request
        raise RuntimeError("no answer was recorded")
    return RawResponse.of(answers[-1], result)


def raw(
    method: Callable[Concatenate[R, P], Awaitable[T]],
) -> Callable[Concatenate[RawNamespace[R], P], Awaitable[RawResponse[T]]]:
    """The raw form of a resource method: the last answer, with the result as `parse()`."""

    @functools.wraps(method)
    async def call(self: RawNamespace[R], /, *args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        resource, answers = self._recording()
        return _last(answers, await method(resource, *args, **kwargs))

    return call


def raw_page(
    method: Callable[Concatenate[R, P], _Listing[T]],
) -> Callable[Concatenate[RawNamespace[R], P], Awaitable[RawResponse[Page[T]]]]:
    """The raw form of a `list` method: the answer of the first page, `parse()` the
    [`Page`][blockbax_async.Page] (walk further pages with the plain `list`)."""

    @functools.wraps(method)
    async def call(
        self: RawNamespace[R], /, *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[Page[T]]:
        resource, answers = self._recording()
        async with aclosing(method(resource, *args, **kwargs).pages()) as pages:
            async for page in pages:
                return _last(answers, page)
        raise ValidationError("limit: 0 fetches no page, so there is no answer to show")

    return call


class BlockingRaw:
    """The blocking face of a raw namespace: each method runs in the client's event loop
    through `call` (the sync client's portal) and returns the same `RawResponse`."""

    def __init__(self, resource: Any, call: Callable[..., Any]) -> None:
        self._raw = resource.with_raw_response
        self._call = call

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._raw, name)

        @functools.wraps(method)
        def forward(*args: Any, **kwargs: Any) -> Any:
            return self._call(method, *args, **kwargs)

        return forward

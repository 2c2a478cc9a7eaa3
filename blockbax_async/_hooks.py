"""Hooks: observe every attempt of every request (sent, answered, failed, retried).

The transport tells each [`Hooks`][blockbax_async.Hooks] of a client about each attempt, in this
order: one `on_request`, then one `on_response` (an answer came, whatever its status) or one
`on_error` (no answer: [`TransportError`][blockbax_async.errors.TransportError]), then, when the
request is sent again, one `on_retry` with the seconds until then. OpenTelemetry tracing
([`blockbax_async.otel`][blockbax_async.otel]) is a [`Hooks`][blockbax_async.Hooks] too.
[`Hooks.operation`][blockbax_async.Hooks.operation] wraps a unit of work made of several requests
(a batch of measurements), so that tracing can nest them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._response import Response
from .errors import BlockbaxError, TransportError

__all__ = ["Attempt", "Hooks", "Operation", "operation_of", "run_hooks"]

logger = logging.getLogger("blockbax_async")

AttributeValue = str | int | float | bool


@attrs.frozen(eq=False)
class Attempt:
    """One attempt of a request: `number` 1 for the first, 2 for the first retry, ...

    `url` is the full URL (the access token is never in it: it goes in a header),
    `path` the part after `/v1/projects/{project_id}`, `body_size` the bytes sent.
    The same object is handed to every hook of the attempt (compare with `is`).
    """

    method: str
    url: str
    path: str
    number: int = 1
    body_size: int = 0


@attrs.define(eq=False)
class Operation:
    """A unit of work of several requests, e.g. `"blockbax.measurements.batch"`; hooks
    may read and add `attributes` (`set`) while it runs."""

    name: str
    attributes: dict[str, AttributeValue] = attrs.Factory(dict)

    def set(self, key: str, value: AttributeValue) -> None:
        """Record a figure learnt while the operation runs (e.g. how many were ingested)."""
        self.attributes[key] = value


class Hooks:
    """Base class of hooks: override the methods you need; each does nothing here.

    Hooks run in the client's event loop, inside the request: keep them quick and never
    block. One that raises is logged (with its traceback) and the request goes on.
    """

    def on_request(self, attempt: Attempt) -> None:
        """The attempt is about to be sent (after any wait for the rate limit)."""

    def on_response(self, attempt: Attempt, response: Response) -> None:
        """An answer came, of any status (an error status raises after the hooks ran)."""

    def on_error(self, attempt: Attempt, error: TransportError) -> None:
        """No answer came: the connection failed, dropped or timed out."""

    def on_retry(self, attempt: Attempt, error: BlockbaxError, delay: float) -> None:
        """The attempt that failed with `error` is sent again in `delay` seconds."""

    def operation(self, operation: Operation) -> contextlib.AbstractContextManager[None]:
        """A context the requests of `operation` run in; by default none."""
        return contextlib.nullcontext()


def run_hooks(hooks: Sequence[Hooks], name: str, *args: Any) -> None:
    """Call `name` on each hook; an exception is logged, never raised."""
    for hook in hooks:
        try:
            getattr(hook, name)(*args)
        except Exception:
            logger.exception("hook %s.%s raised; the request goes on", type(hook).__name__, name)


@contextlib.contextmanager
def operation_of(
    hooks: Sequence[Hooks], name: str, attributes: Mapping[str, AttributeValue]
) -> Iterator[Operation]:
    """Run the block inside every hook's [`Hooks.operation`][blockbax_async.Hooks.operation]
    context."""
    work = Operation(name, dict(attributes))
    with contextlib.ExitStack() as stack:
        for hook in hooks:
            try:
                stack.enter_context(hook.operation(work))
            except Exception:
                logger.exception("hook %s.operation raised; ignored", type(hook).__name__)
        yield work

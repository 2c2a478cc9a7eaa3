"""Retry decisions as plain functions: which failures are retried, and how long to wait."""

from __future__ import annotations

import random

import attrs

from ._checks import check_int, check_number, validator
from .errors import APIError, BlockbaxError, ConnectError, RateLimitError, TransportError

__all__ = [
    "RETRY_STATUSES",
    "RetryPolicy",
    "backoff",
    "is_retryable",
    "may_be_stored",
    "retry_delay",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""The answers retried. A plain 500 is among them (see `docs/errors.md`): a request that
can be sent twice safely is sent again; a create that got one is not, as it may be stored
(`may_be_stored`)."""


@attrs.frozen
class RetryPolicy:
    """How failed requests are retried.

    `max_retries` counts retries after the first attempt; `deadline` bounds the whole
    call (first attempt, waits and retries) in seconds; back-off grows from `backoff_base`
    doubling per attempt up to `backoff_max`; each wait is drawn between half and all of
    that cap, so that clients that failed together do not retry together. A wrong type or
    range raises [`ValidationError`][blockbax_async.errors.ValidationError] naming the client's
    keyword.
    """

    max_retries: int = attrs.field(default=4, validator=validator(check_int, minimum=0))
    deadline: float = attrs.field(
        default=120.0,
        validator=validator(check_number, above=0),
        metadata={"option": "retry_deadline"},
    )
    backoff_base: float = attrs.field(default=0.25, validator=validator(check_number, minimum=0))
    backoff_max: float = attrs.field(default=20.0, validator=validator(check_number, minimum=0))


def is_retryable(error: BlockbaxError) -> bool:
    """Transient failures only: 429, 500, 502, 503, 504, connection errors and timeouts;
    never a create whose outcome is unknown (sending it again could store it twice)."""
    if isinstance(error, TransportError):
        return not error.outcome_unknown
    return isinstance(error, APIError) and error.status in RETRY_STATUSES


def may_be_stored(error: BlockbaxError) -> bool:
    """Whether a request that failed with `error` may have been handled all the same.

    Yes when it was sent and no answer came (a dropped connection, a timeout), when a
    gateway answered 502 or 504 (the server behind it may have handled it) and after a 500
    (the server failed somewhere while handling it, perhaps after storing). No after a
    [`ConnectError`][blockbax_async.errors.ConnectError] (nothing was sent), a 429 or a 503 (the
    server says it did not handle the request), or any other answer.
    """
    if isinstance(error, TransportError):
        return not isinstance(error, ConnectError)
    return isinstance(error, APIError) and error.status in (500, 502, 504)


def retry_delay(
    error: BlockbaxError, policy: RetryPolicy, attempt: int, remaining: float
) -> float | None:
    """Seconds before retry number `attempt` (1-based), or `None` to give up: transient
    failures only, at most `policy.max_retries` times, within `remaining` seconds. A 429
    waits as long as the server asked."""
    if not is_retryable(error) or attempt > policy.max_retries:
        return None
    delay = backoff(policy, attempt)
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        delay = error.retry_after
    return None if delay > remaining else delay


def backoff(policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1-based): jittered, under an exponential cap."""
    cap = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
    return (rng or random).uniform(cap / 2, cap)

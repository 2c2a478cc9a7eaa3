"""Retry decisions as tables."""

from __future__ import annotations

import random

import pytest

from blockbax_async._retry import RetryPolicy, backoff, is_retryable, may_be_stored, retry_delay
from blockbax_async._transport import encode_params
from blockbax_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BlockbaxError,
    ClientError,
    ConflictError,
    ConnectError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
    TransportError,
    UnprocessableEntityError,
    ValidationError,
    error_for_status,
)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (TransportError("reset"), True),
        (RateLimitError(429, "slow down"), True),
        (ServerError(502, "bad gateway"), True),
        (ServerError(503, "unavailable"), True),
        (ServerError(504, "timeout"), True),
        (InternalServerError(500, "bug"), True),
        (ServerError(501, "not implemented"), False),
        (ClientError(400, "bad"), False),
        (AuthenticationError(401, "who"), False),
        (NotFoundError(404, "gone"), False),
        (ValidationError("x: bad"), False),
    ],
)
def test_is_retryable(error: BlockbaxError, retry: bool) -> None:
    assert is_retryable(error) is retry


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, ClientError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (501, ServerError),
        (503, ServerError),
        (599, ServerError),
        (302, APIError),
    ],
)
def test_error_for_status(status: int, cls: type[APIError]) -> None:
    assert error_for_status(status) is cls


@pytest.mark.parametrize(("attempt", "cap"), [(1, 0.5), (2, 1.0), (3, 2.0), (6, 10.0), (20, 10.0)])
def test_backoff_grows_to_its_cap_with_jitter(attempt: int, cap: float) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=10.0)
    rng = random.Random(1)
    waits = [backoff(policy, attempt, rng) for _ in range(200)]
    assert all(cap / 2 <= w <= cap for w in waits)
    assert len(set(waits)) > 100


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


def test_encode_params() -> None:
    from datetime import datetime, timedelta, timezone
    from uuid import UUID

    tz = timezone(timedelta(hours=2))
    assert encode_params(
        {
            "a": None,
            "b": True,
            "ids": ["x", UUID(int=1)],
            "d": datetime(2021, 1, 2, 3, 4, 5, 678000, tzinfo=tz),
            "n": 5,
        }
    ) == {
        "b": "true",
        "ids": "x,00000000-0000-0000-0000-000000000001",
        "d": "2021-01-02T03:04:05.678+02:00",
        "n": "5",
    }
    with pytest.raises(ValueError, match="naive"):
        encode_params({"d": datetime(2021, 1, 1)})


POLICY = RetryPolicy(max_retries=3, deadline=60, backoff_base=1, backoff_max=8)


@pytest.mark.parametrize(
    ("error", "attempt", "remaining", "low", "high"),
    [
        (ServerError(502, "x"), 1, 60, 0.5, 1),
        (ServerError(503, "x"), 3, 60, 2, 4),
        (TransportError("x"), 2, 60, 1, 2),
        (ServerError(503, "x"), 4, 60, None, None),  # out of retries
        (InternalServerError(500, "x"), 1, 60, 0.5, 1),
        (ServerError(501, "x"), 1, 60, None, None),  # not transient
        (ClientError(400, "x"), 1, 60, None, None),
        (ServerError(503, "x"), 3, 1, None, None),  # past the deadline
    ],
)
def test_retry_delay(
    error: BlockbaxError, attempt: int, remaining: float, low: float | None, high: float | None
) -> None:
    random.seed(attempt)
    delay = retry_delay(error, POLICY, attempt, remaining)
    if low is None or high is None:
        assert delay is None
    else:
        assert delay is not None and low <= delay <= high


def test_retry_delay_follows_retry_after() -> None:
    error = RateLimitError(429, "slow down")
    error.retry_after = 5.0
    assert retry_delay(error, POLICY, 1, 60) == 5.0


def _unknown() -> TransportError:
    error = TransportError("POST /subjects: the outcome is unknown")
    error.outcome_unknown = True
    return error


@pytest.mark.parametrize(
    ("error", "stored"),
    [
        (ConnectError("refused"), False),
        (RateLimitError(429, "slow down"), False),
        (ServerError(503, "unavailable"), False),
        (ServerError(501, "not implemented"), False),
        (ClientError(400, "bad"), False),
        (TransportError("dropped after sending"), True),
        (InternalServerError(500, "failed while handling it"), True),
        (TimeoutError("timed out"), True),
        (ServerError(502, "bad gateway"), True),
        (ServerError(504, "gateway timeout"), True),
        (ValidationError("x: bad"), False),
    ],
)
def test_may_be_stored(error: BlockbaxError, stored: bool) -> None:
    assert may_be_stored(error) is stored


def test_an_unknown_outcome_is_never_retried() -> None:
    assert not is_retryable(_unknown())
    assert retry_delay(_unknown(), POLICY, 1, 60) is None
    assert is_retryable(ConnectError("refused")) and is_retryable(TimeoutError("slow"))


@pytest.mark.parametrize("status", [300, 301, 302, 303, 304, 307, 308])
def test_a_redirect_is_a_plain_api_error(status: int) -> None:
    assert error_for_status(status) is APIError
    assert not is_retryable(APIError(status, "moved"))

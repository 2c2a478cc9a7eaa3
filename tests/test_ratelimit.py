"""The limiter's arithmetic as tables, and its pacing against the emulator."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from blockbax_async._ratelimit import (
    MAX_WAIT,
    RateLimiter,
    RateLimitInfo,
    TokenBucket,
    parse_headers,
    reset_seconds,
    retry_after,
    retry_after_seconds,
)
from blockbax_async.errors import RateLimitError


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "7"},
         RateLimitInfo(10, 3, 7.0)),
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "3"}, None),
        ({"X-RateLimit-Limit": "x", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1"}, None),
        ({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "-2"},
         RateLimitInfo(5, 0, 0.0)),
        ({}, None),
    ],
)  # fmt: skip
def test_parse_headers(headers: dict[str, str], expected: RateLimitInfo | None) -> None:
    assert parse_headers(headers) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-RateLimit-Reset": "4"}, 4.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"X-RateLimit-Reset": "bad", "Retry-After": "3"}, 3.0),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(headers) == expected


def test_unknown_bucket_never_waits() -> None:
    bucket = TokenBucket()
    assert [bucket.reserve(t) for t in (0.0, 0.0, 0.0)] == [0.0, 0.0, 0.0]


def test_first_answer_sets_tokens_minus_requests_in_flight() -> None:
    bucket = TokenBucket()
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=9, reset=10), others_in_flight=3)
    assert bucket.tokens == 6
    assert bucket.rate == 1.0


def test_reservations_are_staggered_once_empty() -> None:
    bucket = TokenBucket()
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=2, reset=10), others_in_flight=0)
    waits = [bucket.reserve(0.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 1.0, 2.0, 3.0]


def test_answers_only_lower_the_estimate() -> None:
    bucket = TokenBucket()
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=5, reset=10), others_in_flight=0)
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=9, reset=10), others_in_flight=0)
    assert bucket.tokens == 5
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=1, reset=10), others_in_flight=0)
    assert bucket.tokens == 1


def test_refills_at_limit_over_window_up_to_limit() -> None:
    bucket = TokenBucket()
    bucket.observe(0.0, RateLimitInfo(limit=4, remaining=0, reset=2), others_in_flight=0)
    assert bucket.reserve(1.0) == 0.0  # 2 tokens refilled, one taken
    assert bucket.tokens == pytest.approx(1.0)
    assert bucket.reserve(100.0) == 0.0
    assert bucket.tokens == pytest.approx(3.0)


def test_pause_holds_everyone_then_refills_from_empty() -> None:
    bucket = TokenBucket()
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=8, reset=10), others_in_flight=0)
    bucket.pause(0.0, 5.0)
    assert bucket.reserve(1.0) == pytest.approx(4.0)
    assert bucket.reserve(5.0) == pytest.approx(1.0)  # empty at the reset, one token a second


NOW = 1_800_000_000.0  # wall clock of the tables below


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}, None),
        ({"X-RateLimit-Limit": "-1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}, None),
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "-4", "X-RateLimit-Reset": "5"},
         RateLimitInfo(10, 0, 5.0)),
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "99", "X-RateLimit-Reset": "5"},
         RateLimitInfo(10, 10, 5.0)),
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "inf"},
         None),
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "nan"},
         None),
        ({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1",
          "X-RateLimit-Reset": str(NOW + 30)}, RateLimitInfo(10, 1, 30.0)),
    ],
)  # fmt: skip
def test_parse_headers_clamps(headers: dict[str, str], expected: RateLimitInfo | None) -> None:
    assert parse_headers(headers, now=NOW) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7.0),
        ("-3", 0.0),
        ("inf", None),
        ("nan", None),
        ("99999", MAX_WAIT),
        (str(NOW + 20), 20.0),  # an epoch timestamp in seconds
        (str((NOW + 20) * 1000), 20.0),  # ... in milliseconds
        (str(NOW - 20), 0.0),  # one in the past
        ("1764600000", 0.0),
        (str(NOW + 86_400), MAX_WAIT),
    ],
)
def test_reset_seconds(raw: str, expected: float | None) -> None:
    assert reset_seconds(raw, NOW) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.5", 2.5),
        ("-1", 0.0),
        ("inf", None),
        ("-inf", None),
        ("nan", None),
        ("1e400", None),
        ("86400", MAX_WAIT),
        (email.utils.formatdate(NOW + 15, usegmt=True), 15.0),
        (email.utils.formatdate(NOW - 15, usegmt=True), 0.0),
        (email.utils.formatdate(NOW + 86_400, usegmt=True), MAX_WAIT),
        ("Wed, 99 Foo 2025 99:99:99 GMT", None),
        ("soon", None),
    ],
)
def test_retry_after_seconds(raw: str, expected: float | None) -> None:
    assert retry_after_seconds(raw, NOW) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-RateLimit-Reset": "inf", "Retry-After": "3"}, 3.0),
        ({"X-RateLimit-Reset": str(NOW + 86_400)}, MAX_WAIT),
        ({"Retry-After": "nan"}, None),
    ],
)
def test_retry_after_is_bounded(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(headers, NOW) == expected


def test_reserve_within_takes_nothing_when_too_late() -> None:
    bucket = TokenBucket()
    bucket.observe(0.0, RateLimitInfo(limit=10, remaining=0, reset=10), others_in_flight=0)
    assert bucket.reserve(0.0, within=0.5) is None
    assert bucket.tokens == 0
    assert bucket.reserve(0.0, within=1.0) == 1.0
    bucket.pause(0.0, 100.0)
    assert bucket.reserve(1.0, within=10.0) is None
    assert bucket.next_in(1.0) == 99.0


async def test_acquire_fails_at_once_when_the_wait_outlasts_the_deadline() -> None:
    limiter = RateLimiter()
    limiter.bucket.observe(0.0, RateLimitInfo(limit=10, remaining=5, reset=10), 0)
    limiter.bucket.pause(time.monotonic(), 600.0)
    started = time.monotonic()
    with pytest.raises(RateLimitError, match="not sent") as caught:
        await limiter.acquire(deadline=time.monotonic() + 1.0)
    assert time.monotonic() - started < 0.1
    assert caught.value.retry_after == pytest.approx(600.0, abs=1.0)


async def test_waiting_for_the_first_answer_is_bounded_too() -> None:
    limiter = RateLimiter()
    await limiter.acquire()  # the probe: its answer tells the budget
    started = time.monotonic()
    with pytest.raises(RateLimitError, match="first answer"):
        await limiter.acquire(deadline=time.monotonic() + 0.05)
    assert time.monotonic() - started < 0.5
    limiter.release({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9",
                     "X-RateLimit-Reset": "1"})  # fmt: skip
    await asyncio.wait_for(limiter.acquire(deadline=time.monotonic() + 1.0), 0.5)

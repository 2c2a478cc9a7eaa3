"""The limiter's arithmetic as tables, and its pacing against the emulator."""

from __future__ import annotations

import pytest

from blockbax_async._ratelimit import RateLimitInfo, TokenBucket, parse_headers, retry_after


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

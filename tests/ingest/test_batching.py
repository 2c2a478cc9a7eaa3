"""The batcher's decisions as pure functions: cutting, bodies, answers, failures, retries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from blockbax_async import RejectReason
from blockbax_async.emulator._measurements import (
    INVALID_MESSAGE,
    ISSUES_MESSAGE,
    TRUNCATED_MESSAGE,
    UNKNOWN_MESSAGE,
)
from blockbax_async.errors import (
    APIError,
    AuthenticationError,
    BlockbaxError,
    ClientError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from blockbax_async.ingest._batches import (
    build_body,
    count_wanted,
    cut_batch,
    keeps_batch,
    match_ids,
    read_answer,
)


def _records(*ids: str) -> list[Any]:
    records: list[Any] = []
    for n, ingestion_id in enumerate(ids):
        records += (ingestion_id, n, float(n))
    return records


@pytest.mark.parametrize(
    ("queued", "limit", "wanted", "taken", "left"),
    [
        ("", 500, None, "", ""),
        ("aab", 500, None, "aab", ""),
        ("aabab", 2, None, "aa", "bab"),
        ("aabab", 5, None, "aabab", ""),
        ("aabab", 10, {"b"}, "bb", "aaa"),
        ("aabab", 1, {"b"}, "b", "aaab"),
        ("abcabc", 3, {"a", "c"}, "aca", "bbc"),
        ("aaa", 5, {"z"}, "", "aaa"),
    ],
)
def test_cut_batch(queued: str, limit: int, wanted: set[str] | None, taken: str, left: str) -> None:
    records = _records(*queued)
    batch = cut_batch(records, limit, wanted)
    assert "".join(batch.ids) == taken
    assert batch.size == len(taken)
    assert all(
        records[records.index(d) - 1] == i for i, d in zip(batch.ids, batch.dates, strict=True)
    )
    assert count_wanted(records, wanted) >= batch.size
    batch.remove_from(records)
    assert "".join(records[0::3]) == left
    assert records[1::3] == sorted(records[1::3])  # what stays keeps its order


@pytest.mark.parametrize("size", [1, 499, 500, 501, 1000, 1001])
def test_cut_at_the_500_boundary(size: int) -> None:
    records = _records(*(["a", "b"] * size)[:size])
    sizes = []
    while records:
        batch = cut_batch(records, 500)
        batch.remove_from(records)
        sizes.append(batch.size)
    assert sizes == [500] * (size // 500) + ([size % 500] if size % 500 else [])


def test_body_groups_series_and_keeps_their_order() -> None:
    ids = ["a$x", "b$x", "a$x", "a$y", "b$x"]
    dates = [1, 2, 3, 4, 5]
    values = [1.5, 7, Decimal("12345678901234567890.12345678"), "open", {"lat": 1.0, "lon": 2.0}]
    body = build_body(ids, dates, values)
    assert orjson.loads(body) == {
        "series": [
            {
                "ingestionId": "a$x",
                "measurements": [
                    {"date": 1, "number": 1.5},
                    {"date": 3, "number": 12345678901234567890.12345678},
                ],
            },
            {
                "ingestionId": "b$x",
                "measurements": [
                    {"date": 2, "number": 7},
                    {"date": 5, "location": {"lat": 1.0, "lon": 2.0}},
                ],
            },
            {"ingestionId": "a$y", "measurements": [{"date": 4, "text": "open"}]},
        ]
    }
    assert b'"number":12345678901234567890.12345678' in body  # exact, not a float


@pytest.mark.parametrize(
    ("listing", "known", "expected"),
    [
        ("a$x", {"a$x"}, ["a$x"]),
        ("a$x, b$x", {"a$x", "b$x"}, ["a$x", "b$x"]),
        ("odd, id, b$x", {"odd, id", "b$x"}, ["odd, id", "b$x"]),
        ("a$x, stranger", {"a$x"}, ["a$x", "stranger"]),
    ],
)
def test_match_ids(listing: str, known: set[str], expected: list[str]) -> None:
    assert match_ids(listing, known) == expected


def _answer(ingested: int | None, *details: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"message": ISSUES_MESSAGE, "detailedMessages": list(details)}
    if ingested is not None:
        answer["numberOfIngestedMeasurements"] = ingested
    return answer


COUNTS = {"a$x": 3, "b$x": 2, "c$y": 1, "with. dot$x": 4}
UNKNOWN, INVALID = RejectReason.UNKNOWN_INGESTION_ID, RejectReason.INVALID_VALUE
TRUNCATED, OTHER = RejectReason.TRUNCATED, RejectReason.OTHER
ALL_OTHER = dict.fromkeys(COUNTS, OTHER)


@pytest.mark.parametrize(
    ("answer", "accepted", "unconfirmed", "reasons"),
    [
        (None, 10, 0, {}),
        ({}, 10, 0, {}),
        ({"numberOfIngestedMeasurements": 10}, 10, 0, {}),
        ({"numberOfIngestedMeasurements": 12}, 10, 0, {}),  # more than sent: all of them
        (_answer(7, UNKNOWN_MESSAGE.format("a$x")), 7, 0, {"a$x": UNKNOWN}),
        (
            _answer(
                4,
                UNKNOWN_MESSAGE.format("a$x, c$y"),
                INVALID_MESSAGE.format("b$x"),
                TRUNCATED_MESSAGE.format("with. dot$x"),
            ),
            4,
            0,
            {"a$x": UNKNOWN, "c$y": UNKNOWN, "b$x": INVALID, "with. dot$x": TRUNCATED},
        ),
        (  # without a count: the lost ones are worked out from the reasons
            _answer(None, UNKNOWN_MESSAGE.format("a$x"), TRUNCATED_MESSAGE.format("b$x")),
            7,
            0,
            {"a$x": UNKNOWN, "b$x": TRUNCATED},
        ),
        (
            _answer(9, INVALID_MESSAGE.format("a$x"), UNKNOWN_MESSAGE.format("a$x")),
            9,
            0,
            {"a$x": UNKNOWN},  # the graver reason wins
        ),
        (_answer(10, "Something new about c$y"), 10, 0, {"c$y": OTHER}),
        # short answers: what the server counted is accepted, the rest is unconfirmed
        ({"numberOfIngestedMeasurements": 8}, 8, 2, ALL_OTHER),
        ({"numberOfIngestedMeasurements": -3}, 0, 10, ALL_OTHER),
        (  # a$x explains 3 of the 5 missing
            _answer(5, UNKNOWN_MESSAGE.format("a$x")),
            5,
            2,
            {**ALL_OTHER, "a$x": UNKNOWN},
        ),
        (  # a 207 naming no ID that was sent, with no count
            _answer(None, UNKNOWN_MESSAGE.format("stranger")),
            0,
            10,
            {**ALL_OTHER, "stranger": UNKNOWN},
        ),
        (_answer(None, "Something went wrong"), 0, 10, ALL_OTHER),
        (  # named ones are lost, the others unconfirmed
            _answer(None, INVALID_MESSAGE.format("b$x"), "Something else"),
            0,
            8,
            {**ALL_OTHER, "b$x": INVALID},
        ),
        ({"numberOfIngestedMeasurements": True}, 10, 0, {}),  # not a count: ignored
        ({"numberOfIngestedMeasurements": 10, "detailedMessages": 5}, 10, 0, {}),
        (
            {"numberOfIngestedMeasurements": 10, "detailedMessages": "About c$y"},
            10,
            0,
            {"c$y": OTHER},
        ),
    ],
)
def test_read_answer(
    answer: Any, accepted: int, unconfirmed: int, reasons: dict[str, RejectReason]
) -> None:
    got = read_answer(answer, COUNTS)
    assert (got.accepted, got.unconfirmed) == (accepted, unconfirmed)
    assert {r.ingestion_id: r.reason for r in got.rejections} == reasons
    for rejection in got.rejections:
        assert rejection.sent == COUNTS.get(rejection.ingestion_id, 0)
        assert rejection.ingestion_id in rejection.message or (
            "did not name all" in rejection.message
        )


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        (TransportError("dropped"), True),
        (ServerError(503, "x"), True),
        (RateLimitError(429, "x"), True),
        (AuthenticationError(401, "x"), True),
        (PermissionDeniedError(403, "x"), True),
        (ClientError(400, "bad batch"), False),
        (ClientError(413, "too large"), False),
        (ClientError(422, "x"), False),
        (APIError(200, "not JSON"), True),
        (ValidationError("a body that cannot be built"), False),
    ],
)
def test_which_failed_batches_stay_queued(error: BlockbaxError, kept: bool) -> None:
    assert keeps_batch(error) is kept

"""Reading bridged messages: shapes that deliver, and the reason for those that never can."""

from __future__ import annotations

import pytest

from blockbax_async.bridge import BadMessage, Measurement, parse_message

STORED = 1_700_000_000_000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"ingestion_id": "a$b", "date": 5, "number": 1.5}', [Measurement("a$b", 5, 1.5)]),
        (
            b'{"ingestion_id": "a$b", "date": "2024-01-01T00:00:00Z", "text": "on"}',
            [Measurement("a$b", "2024-01-01T00:00:00Z", "on")],
        ),
        (
            b'{"ingestion_id": "a$b", "location": {"lat": 1, "lon": 2}}',
            [Measurement("a$b", STORED, {"lat": 1, "lon": 2})],
        ),
        (
            b'[{"ingestion_id": "a", "number": 1}, {"ingestion_id": "b", "number": 2}]',
            [Measurement("a", STORED, 1), Measurement("b", STORED, 2)],
        ),
    ],
)
def test_messages_that_deliver(data: bytes, expected: list[Measurement]) -> None:
    assert parse_message(data, STORED) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "not JSON"),
        (b"42", "a JSON number, not an object"),
        (b"[]", "an empty array"),
        (b"[1]", "item 0: a JSON number, not a measurement object"),
        (b'{"number": 1}', "ingestion_id must be a non-empty string"),
        (b'{"ingestion_id": "", "number": 1}', "ingestion_id must be a non-empty string"),
        (b'{"ingestion_id": "a"}', "exactly one of number, text, location (got [])"),
        (b'{"ingestion_id": "a", "number": 1, "text": "x"}', "exactly one of"),
        (b'{"ingestion_id": "a", "valeu": 1}', "unknown keys ['valeu']"),
        (b'{"ingestion_id": "a", "number": "1"}', "number must be a JSON number, not a string"),
        (b'{"ingestion_id": "a", "number": true}', "number must be a JSON number, not a boolean"),
        (b'{"ingestion_id": "a", "text": 1}', "text must be a JSON string, not a number"),
        (b'{"ingestion_id": "a", "location": [1, 2]}', "location must be an object"),
        (b'{"ingestion_id": "a", "number": 1, "date": null}', "date must be ISO 8601"),
        (b'[{"ingestion_id": "a", "number": 1}, {"ingestion_id": 3, "number": 1}]', "item 1: "),
    ],
)
def test_messages_that_never_can(data: bytes, reason: str) -> None:
    with pytest.raises(BadMessage) as caught:
        parse_message(data, STORED)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_huge_array_is_refused_whole() -> None:
    data = b"[" + b",".join([b'{"ingestion_id": "a", "number": 1}'] * 10_001) + b"]"
    with pytest.raises(BadMessage, match="at most 10000"):
        parse_message(data, STORED)

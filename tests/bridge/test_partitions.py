"""Partition arithmetic: subjects, transforms and the split between bridges."""

from __future__ import annotations

import pytest

from blockbax_async.bridge._partitions import (
    assign,
    consumer_name,
    filter_subject,
    matches,
    original_subject,
    partitions_of,
    transform,
)


@pytest.mark.parametrize(
    ("subject", "dest"),
    [
        ("readings.>", "{{partition(12)}}.readings.>"),
        ("a.*.x", "{{partition(12)}}.a.{{wildcard(1)}}.x"),
        ("a.*.*.>", "{{partition(12)}}.a.{{wildcard(1)}}.{{wildcard(2)}}.>"),
    ],
)
def test_transform_and_back(subject: str, dest: str) -> None:
    assert transform(subject, 12) == (subject, dest)
    assert partitions_of(subject, dest) == 12


def test_a_stream_without_transform_is_one_partition() -> None:
    assert partitions_of("readings.>", None) == 1


@pytest.mark.parametrize("dest", ["{{partition(3)}}.other.>", "x.{{partition(3)}}", "$1"])
def test_a_foreign_transform_is_refused(dest: str) -> None:
    with pytest.raises(ValueError, match="not to partitions"):
        partitions_of("readings.>", dest)


@pytest.mark.parametrize(
    ("partitions", "stored", "filtered", "original", "consumer"),
    [
        (1, "readings.P1", "readings.>", "readings.P1", "c"),
        (4, "3.readings.P1", "3.readings.>", "readings.P1", "c-3"),
    ],
)
def test_names(partitions: int, stored: str, filtered: str, original: str, consumer: str) -> None:
    assert filter_subject("readings.>", partitions, 3 % partitions) == filtered
    assert original_subject(stored, partitions) == original
    assert consumer_name("c", partitions, 3 % partitions) == consumer


@pytest.mark.parametrize(
    ("members", "me", "partitions", "expected"),
    [
        ((), "a", 4, {0, 1, 2, 3}),
        (("b",), "a", 4, {0, 2}),
        (("a", "b"), "b", 4, {1, 3}),
        (("b", "c"), "a", 12, {0, 3, 6, 9}),
        (("a", "b", "c", "d", "e"), "e", 3, set()),
    ],
)
def test_assign(members: tuple[str, ...], me: str, partitions: int, expected: set[int]) -> None:
    assert assign(members, partitions, me) == expected


def test_every_partition_has_one_member_when_views_agree() -> None:
    members = ["m1", "m2", "m3"]
    shares = [assign(members, 12, m) for m in members]
    assert sorted(p for share in shares for p in share) == list(range(12))


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("readings.>", "readings.a", True),
        ("readings.>", "readings.a.b", True),
        ("readings.>", "readings", False),
        ("readings.*", "readings.a", True),
        ("readings.*", "readings.a.b", False),
        ("readings.>", "READINGS.dead", False),
        ("a.b", "a.b", True),
        ("a.b", "a.c", False),
    ],
)
def test_matches(pattern: str, subject: str, expected: bool) -> None:
    assert matches(pattern, subject) is expected

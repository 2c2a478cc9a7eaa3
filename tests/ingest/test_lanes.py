"""A lane's seqs, as tables: what settling, cutting and spooling leave."""

from __future__ import annotations

import pytest

from blockbax_async.ingest._batches import cut_batch
from blockbax_async.ingest._lanes import Lane, expand


def lane_with(ids: list[str]) -> Lane:
    lane = Lane(0)
    for n, ingestion_id in enumerate(ids):
        lane.records += (ingestion_id, n, float(n))
    return lane


def pending_seqs(lane: Lane) -> list[int]:
    lane.sync()
    return expand([(first, count) for first, count in lane.runs])


@pytest.mark.parametrize(
    ("ids", "wanted", "again", "settled", "left"),
    [
        (list("aaaa"), None, (), [0, 1, 2, 3], []),
        (list("abab"), {"b"}, (), [1, 3], [0, 2]),
        (list("abab"), None, {"b"}, [0, 2], [1, 3]),
        (list("abcabc"), {"a", "c"}, {"c"}, [0, 3], [1, 2, 4, 5]),
    ],
)
def test_settling_a_batch(
    ids: list[str], wanted: set[str] | None, again: set[str], settled: list[int], left: list[int]
) -> None:
    lane = lane_with(ids)
    batch = cut_batch(lane.records, 500, wanted, lane.head)
    _, ranges = lane.settle(batch, again)
    assert expand(ranges) == settled
    assert pending_seqs(lane) == left
    assert [m.date for m in lane.pending()] == left  # records stay in seq order
    assert lane.low() == (left[0] if left else len(ids))


def test_seqs_of_what_queue_appends_come_lazily() -> None:
    lane = lane_with(list("aaa"))
    assert lane.low() == 0 and lane.entered == 0
    lane.sync()
    assert (lane.entered, lane.runs) == (3, [[0, 3]])
    lane.settle(cut_batch(lane.records, 2, None, lane.head))
    lane.records += ("a", 3, 3.0)
    assert lane.low() == 2
    assert pending_seqs(lane) == [2, 3]


def test_unspooled_is_what_was_not_handed_over_and_still_waits() -> None:
    lane = lane_with(list("abab"))
    ranges, flat = lane.unspooled()
    assert expand(ranges) == [0, 1, 2, 3] and flat[0::3] == list("abab")
    assert lane.unspooled() == ([], [])
    lane.records += ("a", 4, 4.0, "b", 5, 5.0)
    lane.settle(cut_batch(lane.records, 500, {"b"}, lane.head))  # 1, 3, 5 answered
    ranges, flat = lane.unspooled()
    assert expand(ranges) == [4] and flat == ["a", 4, 4.0]


def test_age_counts_from_the_stamp_after_the_oldest_waiting() -> None:
    lane = lane_with(list("aa"))
    lane.stamp(10.0)
    lane.records += ("a", 2, 2.0)
    lane.stamp(20.0)
    assert lane.age(25.0) == 15.0
    lane.settle(cut_batch(lane.records, 2, None, lane.head))
    assert lane.age(25.0) == 5.0
    lane.settle(cut_batch(lane.records, 1, None, lane.head))
    assert lane.age(25.0) == 0.0

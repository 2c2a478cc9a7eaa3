"""Partitions of a stream and who takes which: pure functions of subjects and members.

A partitioned stream stores `readings.Pump-1` as `3.readings.Pump-1`: the stream's subject
transform puts `{{partition(N)}}` (a hash of the whole subject) in front, so that every
message of one subject lands in one partition, and one consumer per partition (filtered on
`3.readings.>`) delivers it in order.
"""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = [
    "assign",
    "consumer_name",
    "filter_subject",
    "matches",
    "original_subject",
    "partitions_of",
    "transform",
]

_PARTITION = re.compile(r"^\{\{\s*partition\(\s*(\d+)\s*\)\s*\}\}\.(.+)$", re.IGNORECASE)


def transform(subject: str, partitions: int) -> tuple[str, str]:
    """The stream's subject transform `(src, dest)` that prefixes each subject matching
    `subject` with its partition number (`*` wildcards become `{{wildcard(i)}}`)."""
    tokens, wildcard = [], 0
    for token in subject.split("."):
        if token == "*":
            wildcard += 1
            token = f"{{{{wildcard({wildcard})}}}}"
        tokens.append(token)
    return subject, f"{{{{partition({partitions})}}}}." + ".".join(tokens)


def partitions_of(subject: str, dest: str | None) -> int:
    """How many partitions a stream's transform `dest` makes of `subject` (1: none);
    raises `ValueError` for a transform this bridge did not make."""
    if dest is None:
        return 1
    found = _PARTITION.match(dest)
    if found is None or transform(subject, int(found.group(1)))[1] != dest:
        raise ValueError(
            f"the stream transforms subjects to {dest!r}, not to partitions of {subject!r}"
        )
    return int(found.group(1))


def filter_subject(subject: str, partitions: int, partition: int) -> str:
    """The stored subjects of one partition."""
    return subject if partitions == 1 else f"{partition}.{subject}"


def original_subject(stored: str, partitions: int) -> str:
    """The subject a message was published on, from the one the stream stored."""
    return stored if partitions == 1 else stored.partition(".")[2]


def consumer_name(consumer: str, partitions: int, partition: int) -> str:
    """The durable consumer of one partition: `blockbax` alone, or `blockbax-3`."""
    return consumer if partitions == 1 else f"{consumer}-{partition}"


def assign(members: Collection[str], partitions: int, me: str) -> frozenset[int]:
    """The partitions `me` should take when `members` share them: round robin over the
    sorted member IDs, so that every member computes the same split from the same view.

    Views may differ for a moment (a member just joined or died); the server's pinning keeps
    a partition with one member at a time meanwhile, so a split only has to converge.
    """
    ranked = sorted({*members, me})
    index, count = ranked.index(me), len(ranked)
    return frozenset(p for p in range(partitions) if p % count == index)


def matches(pattern: str, subject: str) -> bool:
    """Whether NATS subject `subject` matches `pattern` (`*` one token, `>` the rest)."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(have) == len(want)

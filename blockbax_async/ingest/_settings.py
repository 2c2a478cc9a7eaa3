"""How measurements are queued and sent: one frozen class, each option checked where declared."""

from __future__ import annotations

import os
from typing import Any

import attrs

from .._checks import check_bool, check_int, check_number, check_str, optional, validator
from ._batches import MAX_BATCH

__all__ = ["IngestSettings"]


def _path(value: Any) -> Any:
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _optional_str(field: str, value: Any) -> str | None:
    return optional(check_str, field, value)


def _optional_int(field: str, value: Any, minimum: int) -> int | None:
    return optional(check_int, field, value, minimum=minimum)


@attrs.frozen
class IngestSettings:
    """How measurements are queued and sent.

    `max_queued` bounds the queue (`queue()` raises
    [`QueueFullError`][blockbax_async.errors.QueueFullError] beyond it, `await put()` waits);
    `lanes` the shards of the queue (all series of a subject go in one lane, which sends them in
    order) and the POSTs in flight to begin with; `max_in_flight` how many POSTs may be in flight
    at most: with `adaptive` (the default) the count grows towards it while round trips stay flat
    and answers succeed, and shrinks when they slow down or the server answers 503s or times out
    (without it, `lanes` POSTs stay in flight); `batch_size` (at most 500) the measurements per
    POST; `flush_interval` the seconds between automatic flushes in background mode, and the
    pause of a lane after a failed batch;
    `close_timeout` the seconds closing the client may spend flushing.

    `spool`: a directory for an on-disk journal of what is queued until the server answered
    it (store and forward; opening a client on it recovers what an earlier process left);
    `spool_max_bytes` bounds its size on disk. `time_rules`: refuse at `queue()` a date
    the platform would not keep (not after the newest queued for its series, or more than an
    hour ahead). `lenient`: let through what the server rounds (more than 8 fractional
    digits) or cuts (texts over 1000 characters), reported as `TRUNCATED`. `server_time`:
    a measurement queued without a date is sent without one, and the server stamps the time
    it received it (else the client takes the time of `queue()`).

    A wrong type or range raises [`ValidationError`][blockbax_async.errors.ValidationError] naming
    the setting; `AsyncClient(ingest=...)` also takes these as a mapping (`{"lanes": 2}`).
    """

    max_queued: int = attrs.field(default=1_000_000, validator=validator(check_int, minimum=1))
    lanes: int = attrs.field(default=8, validator=validator(check_int, minimum=1))
    max_in_flight: int = attrs.field(default=64, validator=validator(check_int, minimum=1))
    adaptive: bool = attrs.field(default=True, validator=validator(check_bool))
    batch_size: int = attrs.field(
        default=MAX_BATCH, validator=validator(check_int, minimum=1, maximum=MAX_BATCH)
    )
    flush_interval: float = attrs.field(default=1.0, validator=validator(check_number, above=0))
    close_timeout: float = attrs.field(default=30.0, validator=validator(check_number, minimum=0))
    spool: str | None = attrs.field(
        default=None, converter=_path, validator=validator(_optional_str)
    )
    spool_max_bytes: int | None = attrs.field(
        default=None, validator=validator(_optional_int, minimum=65_536)
    )
    time_rules: bool = attrs.field(default=False, validator=validator(check_bool))
    lenient: bool = attrs.field(default=False, validator=validator(check_bool))
    server_time: bool = attrs.field(default=False, validator=validator(check_bool))

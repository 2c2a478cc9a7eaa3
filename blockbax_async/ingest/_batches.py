"""Batches and answers of the measurement endpoint, as pure functions: how a lane's records
are cut into a batch, how a batch becomes bodies, and what a 207 answer says per ingestion ID.

A lane sends a batch of up to several bodies' worth at a time, each body series-major: the
measurements of one ingestion ID together, in queue order, so that the ID is written once per
body rather than once per few measurements (a quarter fewer bytes in a round-robin workload,
and less work for the server). Bodies that share no series may be in flight at once; one that
continues the series of the body before it waits for that one's answer.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

import attrs
import orjson

from ..errors import (
    APIError,
    BlockbaxError,
    ValidationError,
)
from ._values import looks_like_seconds

__all__ = [
    "MAX_BATCH",
    "SEVERITY",
    "Part",
    "VALUE_KEYS",
    "Answer",
    "Batch",
    "Cut",
    "QueuedMeasurement",
    "RejectReason",
    "Rejection",
    "build_body",
    "occurrences",
    "part_body",
    "plan_parts",
    "count_wanted",
    "cut_batch",
    "keeps_batch",
    "lane_of",
    "match_ids",
    "read_answer",
]

MAX_BATCH = 500
_DATA_REFUSED = frozenset({400, 413, 422})


class RejectReason(str, enum.Enum):
    """Why the server did not ingest (all) measurements of an ingestion ID (a 207 answer)."""

    UNKNOWN_INGESTION_ID = "unknown_ingestion_id"
    """No subject has this ingestion ID (or the token has no access to it)."""
    INVALID_VALUE = "invalid_value"
    """A value does not fit the metric's data type or the API's limits."""
    TRUNCATED = "truncated"
    """Stored, but rounded to 8 fractional digits or cut to 1000 characters."""
    OTHER = "other"
    """A detailed message this version does not know."""
    REFUSED_BATCH = "refused_batch"
    """The server refused the whole batch (400, 413, 422); it was handed back."""
    NOT_SENT = "not_sent"
    """Refused before sending: the batch's body could not be built."""


SEVERITY = {
    RejectReason.TRUNCATED: 0,
    RejectReason.OTHER: 1,
    RejectReason.INVALID_VALUE: 2,
    RejectReason.UNKNOWN_INGESTION_ID: 3,
    RejectReason.REFUSED_BATCH: 4,
    RejectReason.NOT_SENT: 5,
}


@attrs.frozen
class Rejection:
    """What the server said about one ingestion ID: the `reason`, its `message`, and
    how many measurements of that ID were in the batches it said it about (`sent`)."""

    ingestion_id: str
    reason: RejectReason
    message: str
    sent: int = 0


class QueuedMeasurement(NamedTuple):
    """A measurement as queued: `date` in epoch milliseconds (`None`: the server stamps
    it, see `IngestSettings.server_time`), `value` a number (`float`, `int` or
    `Decimal`), a location mapping or a text."""

    ingestion_id: str
    date: int | None
    value: Any

    def as_kwargs(self) -> dict[str, Any]:
        """Keywords to queue it again: `queue(m.ingestion_id, **m.as_kwargs())`."""
        date: int | datetime | None = self.date
        if self.date is not None and looks_like_seconds(self.date):  # queue() would take
            date = _EPOCH + timedelta(milliseconds=self.date)  # these ms for seconds
        return {"date": date, VALUE_KEYS[self.value.__class__]: self.value}


_EPOCH = datetime.fromtimestamp(0, tz=timezone.utc)


def lane_of(ingestion_id: str, lanes: int) -> int:
    """The lane of an ingestion ID: by its subject (the part before `$`), stable across runs."""
    return zlib.crc32(ingestion_id.partition("$")[0].encode("utf-8", "surrogatepass")) % lanes


@attrs.frozen
class Batch:
    """Measurements cut from a lane's records: those in `records[start:end]`, except
    `keep`, the records of other IDs in that range that stay (for a flush of some
    ingestion IDs only; `None` when the whole range was taken), and then `positions`,
    the record indices of the measurements taken."""

    ids: list[str]
    dates: list[int | None]
    values: list[Any]
    start: int
    end: int
    keep: list[Any] | None = None
    positions: list[int] | None = None

    @property
    def size(self) -> int:
        """How many measurements the batch holds."""
        return len(self.ids)

    def counts(self) -> dict[str, int]:
        """Measurements per ingestion ID, in first-seen order."""
        counts: dict[str, int] = {}
        for ingestion_id in self.ids:
            counts[ingestion_id] = counts.get(ingestion_id, 0) + 1
        return counts

    def remove_from(self, records: list[Any]) -> None:
        """Take the batch out of the records it was cut from."""
        records[self.start : self.end] = self.keep or ()

    def measurements(self) -> list[QueuedMeasurement]:
        """The batch as [`QueuedMeasurement`][blockbax_async.QueuedMeasurement] tuples."""
        return [QueuedMeasurement(*m) for m in zip(self.ids, self.dates, self.values, strict=True)]


def cut_batch(
    records: list[Any], limit: int, wanted: Collection[str] | None = None, start: int = 0
) -> Batch:
    """The first `limit` measurements of a lane's flat records from index `start`, of
    `wanted` IDs only when given; nothing is removed (see `remove_from`)."""
    if wanted is None:
        end = start + min(limit, (len(records) - start) // 3) * 3
        return Batch(
            records[start:end:3],
            records[start + 1 : end : 3],
            records[start + 2 : end : 3],
            start,
            end,
        )
    ids: list[str] = []
    dates: list[int | None] = []
    values: list[Any] = []
    keep: list[Any] = []
    positions: list[int] = []
    end = start
    for index in range(start, len(records), 3):
        if len(ids) >= limit:
            break
        if records[index] in wanted:
            keep += records[end:index]
            ids.append(records[index])
            dates.append(records[index + 1])
            values.append(records[index + 2])
            positions.append(index)
            end = index + 3
    return Batch(ids, dates, values, start, end, keep, positions)


Part = list[tuple[str, int, int]]
"""One body of a batch: `(ingestion_id, first, stop)`, the slice of that ID's measurements
in the batch (counted from 0 in batch order) that the body carries."""


def occurrences(ids: Sequence[str]) -> dict[str, list[int]]:
    """The batch indices of each ingestion ID, IDs in first-seen order."""
    found: dict[str, list[int]] = {}
    get = found.get
    for index, ingestion_id in enumerate(ids):
        at = get(ingestion_id)
        if at is None:
            found[ingestion_id] = [index]
        else:
            at.append(index)
    return found


def plan_parts(counts: Mapping[str, int], limit: int) -> list[Part]:
    """Cut a batch of `counts` (measurements per ID, first-seen order) into bodies of at
    most `limit`, series-major, each series whole in one body when it fits in one.

    A split chains bodies (the part that continues a series waits for the answer to the
    body before it, to keep the series in order); splitting only series longer than
    `limit`, into bodies of their own and a rest that opens the next body, keeps every
    other body free to fly at once. At a round trip of seconds, chains are what would
    make a lane slow; splits would fill bodies more, which saves less than a chain costs.
    """
    parts: list[Part] = []
    part: Part = []
    room = limit
    for ingestion_id, count in counts.items():
        first = 0
        if count > limit:
            if part:
                parts.append(part)
                part, room = [], limit
            while count - first > limit:
                parts.append([(ingestion_id, first, first + limit)])
                first += limit
        left = count - first
        if left > room:
            parts.append(part)
            part, room = [], limit
        part.append((ingestion_id, first, count))
        room -= left
        if not room:
            parts.append(part)
            part, room = [], limit
    if part:
        parts.append(part)
    return parts


def part_body(
    part: Part,
    at: Mapping[str, Sequence[int]],
    dates: Sequence[int | None],
    values: Sequence[Any],
) -> bytes:
    """The POST body of one part of a batch; `at` maps IDs to their batch indices."""
    key = VALUE_KEYS
    series = []
    for ingestion_id, first, stop in part:
        indices = at[ingestion_id][first:stop]
        if None in (picked := [dates[k] for k in indices]):
            measurements = [
                {key[values[k].__class__]: values[k]}
                if d is None
                else {"date": d, key[values[k].__class__]: values[k]}
                for d, k in zip(picked, indices, strict=True)
            ]
        else:
            measurements = [
                {"date": d, key[(v := values[k]).__class__]: v}
                for d, k in zip(picked, indices, strict=True)
            ]
        series.append({"ingestionId": ingestion_id, "measurements": measurements})
    return orjson.dumps({"series": series}, default=_encode_decimal)


def series_of(
    ids: Sequence[str], dates: Sequence[int | None], values: Sequence[Any]
) -> dict[str, list[dict[str, Any]]]:
    """The measurements of a batch as the API takes them, per ID (first-seen order), each
    series in queue order; a measurement without date goes without one."""
    series: dict[str, list[dict[str, Any]]] = {}
    get = series.get
    key = VALUE_KEYS
    for ingestion_id, date, value in zip(ids, dates, values, strict=True):
        measurements = get(ingestion_id)
        if measurements is None:
            measurements = series[ingestion_id] = []
        if date is None:
            measurements.append({key[value.__class__]: value})
        else:
            measurements.append({"date": date, key[value.__class__]: value})
    return series


class Cut:
    """A batch as series-major bodies of at most `limit` (`plan_parts`)."""

    __slots__ = ("at", "batch", "parts")

    def __init__(self, batch: Batch, limit: int) -> None:
        self.batch = batch
        self.at = occurrences(batch.ids)
        """The batch indices of each ID."""
        self.parts = plan_parts({i: len(k) for i, k in self.at.items()}, limit)

    def indices(self, n: int) -> list[int]:
        """The batch indices of the measurements of part `n`, in the order it sends them."""
        at = self.at
        return [k for i, first, stop in self.parts[n] for k in at[i][first:stop]]

    def body(self, n: int) -> bytes:
        """The POST body of part `n`; raises for a value that cannot be encoded."""
        part, batch, at = self.parts[n], self.batch, self.at
        indices = [k for i, first, stop in part for k in at[i][first:stop]]
        dates, values = batch.dates, batch.values
        date_text = orjson.dumps([dates[k] for k in indices])
        value_text = orjson.dumps([values[k] for k in indices], default=_encode_decimal)
        if b"n" in date_text or b'"' in value_text or b"{" in value_text:
            return part_body(part, at, dates, values)  # dates to leave out, or not numbers
        # Numbers with dates, the usual case: the body is spliced from the two arrays that
        # orjson wrote, which is quicker than a dict per measurement.
        date_items = date_text[1:-1].split(b",")
        value_items = value_text[1:-1].split(b",")
        out = []
        at_item = 0
        for ingestion_id, first, stop in part:
            end = at_item + stop - first
            pairs = zip(date_items[at_item:end], value_items[at_item:end], strict=True)
            out.append(
                b'{"ingestionId":%b,"measurements":[{"date":%b}]}'
                % (orjson.dumps(ingestion_id), _BETWEEN.join(map(_NUMBER.join, pairs)))
            )
            at_item = end
        return b'{"series":[%b]}' % b",".join(out)


_NUMBER = b',"number":'
_BETWEEN = b'},{"date":'


def count_wanted(records: list[Any], wanted: Collection[str] | None, start: int = 0) -> int:
    """How many measurements of a lane's records from `start` a flush of `wanted` sends."""
    if wanted is None:
        return (len(records) - start) // 3
    return sum(1 for ingestion_id in records[start::3] if ingestion_id in wanted)


VALUE_KEYS: dict[type, str] = {
    float: "number",
    int: "number",
    Decimal: "number",
    str: "text",
    dict: "location",
}


def _encode_decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"cannot send {value!r}")


def build_body(ids: Sequence[str], dates: Sequence[int | None], values: Sequence[Any]) -> bytes:
    """The POST body of a batch: one series per ingestion ID, measurements in queue order;
    a measurement without date is sent without one (the server stamps it)."""
    series = series_of(ids, dates, values)
    body = {"series": [{"ingestionId": i, "measurements": m} for i, m in series.items()]}
    return orjson.dumps(body, default=_encode_decimal)


_MESSAGES = (
    (RejectReason.UNKNOWN_INGESTION_ID, "Tried to save measurements for ingestion ids: ", ". "),
    (RejectReason.INVALID_VALUE, "Received invalid measurement values for ingestion ids: ", ". "),
    (RejectReason.TRUNCATED, "Received measurement values for ingestion ids: ", " were trunc"),
)


def match_ids(listing: str, known: Collection[str]) -> list[str]:
    """The ingestion IDs of a comma-separated listing from the server, matched against the IDs
    that were sent (an ID may itself contain `", "`)."""
    tokens = [t for t in listing.split(", ")]
    out: list[str] = []
    start = 0
    while start < len(tokens):
        for stop in range(len(tokens), start, -1):
            candidate = ", ".join(tokens[start:stop])
            if candidate in known:
                out.append(candidate)
                start = stop
                break
        else:
            if tokens[start].strip():
                out.append(tokens[start].strip())
            start += 1
    return out


def _classify(message: str, known: Collection[str]) -> tuple[RejectReason, list[str]]:
    for reason, prefix, stop in _MESSAGES:
        if message.startswith(prefix) and (reason is not RejectReason.TRUNCATED or stop in message):
            rest = message[len(prefix) :]
            listing = _listing(rest, stop, known)
            return reason, match_ids(listing, known)
    return RejectReason.OTHER, [i for i in known if i in message]


def _listing(rest: str, stop: str, known: Collection[str]) -> str:
    # The listing ends at the first stop marker that is not inside one of the sent IDs.
    # Failing that (an ID that was not sent), at the first stop marker.
    first = at = rest.find(stop)
    while at != -1:
        head = rest[:at]
        if all(i in known for i in match_ids(head, known)):
            return head
        at = rest.find(stop, at + 1)
    return rest[:first] if first != -1 else rest.rstrip(".")


class Answer(NamedTuple):
    """What the server's answer to a batch says: `accepted` (ingested, as the server
    counted), the per-ingestion-ID `rejections`, and `unconfirmed`, the measurements
    neither counted nor named (a short count, or a message naming no ID that was sent)."""

    accepted: int
    rejections: list[Rejection]
    unconfirmed: int


_LOSING = (RejectReason.UNKNOWN_INGESTION_ID, RejectReason.INVALID_VALUE)


def read_answer(data: Any, counts: Mapping[str, int]) -> Answer:
    """Read the server's answer to a batch of `counts` (measurements per ingestion ID).

    `numberOfIngestedMeasurements` is what counts; without it, what the detailed messages
    say was lost is subtracted. Measurements the answer leaves unexplained (the count falls
    short of what the messages name, or a message names no ID that was sent while no count
    is given) are `unconfirmed`, and each ID of the batch not named otherwise gets a
    [`Rejection`][blockbax_async.Rejection] with reason `OTHER` saying so.
    """
    sent = sum(counts.values())
    data = data if isinstance(data, dict) else {}
    messages = data.get("detailedMessages")
    messages = [messages] if isinstance(messages, str) else messages
    rejections: dict[str, Rejection] = {}
    stray = False
    for message in messages if isinstance(messages, list) else ():
        if not isinstance(message, str):
            continue
        reason, ids = _classify(message, counts)
        stray = stray or not any(i in counts for i in ids)
        for ingestion_id in ids:
            old = rejections.get(ingestion_id)
            if old is None or SEVERITY[reason] > SEVERITY[old.reason]:
                rejections[ingestion_id] = Rejection(
                    ingestion_id, reason, message, counts.get(ingestion_id, 0)
                )
    named = [r for r in rejections.values() if r.ingestion_id in counts]
    told = data.get("numberOfIngestedMeasurements")
    if isinstance(told, int) and not isinstance(told, bool):
        accepted = min(max(told, 0), sent)
        explained = sum(r.sent for r in named if r.reason is not RejectReason.TRUNCATED)
        unconfirmed = max(0, sent - accepted - explained)
    else:
        accepted = sent - sum(r.sent for r in named if r.reason in _LOSING)
        unconfirmed = 0
        if stray:
            unconfirmed = sum(n for i, n in counts.items() if i not in rejections)
            accepted -= unconfirmed
    if unconfirmed:
        note = (
            f"the server ingested {accepted} of the {sent} measurements of a batch and did "
            f"not name all of the {unconfirmed} missing; measurements of this ID may be among "
            "them (sending them again is safe: the API overwrites by ingestion ID and date)"
        )
        for ingestion_id, count in counts.items():
            if ingestion_id not in rejections:
                rejections[ingestion_id] = Rejection(ingestion_id, RejectReason.OTHER, note, count)
    return Answer(accepted, list(rejections.values()), unconfirmed)


def keeps_batch(error: BlockbaxError) -> bool:
    """Whether a batch that failed with `error` stays queued. Only a refusal of the batch
    itself hands it back, as sending it again cannot succeed: a 400, 413 or 422, or a
    `ValidationError` (its body could not be built)."""
    if isinstance(error, ValidationError):
        return False
    return not (isinstance(error, APIError) and error.status in _DATA_REFUSED)

"""Measurement ingestion: a compact queue sharded over lanes, sent in batches of at most 500.

Each lane holds one flat list ``[ingestion_id, date_ms, value, ingestion_id, ...]``: no object
per measurement besides the caller's value and date. An ingestion ID always maps to the lane of
its subject (the part before ``$``), so one series lives in one lane. A lane sends one request
at a time and removes a batch only once the server answered it, so per-series order holds with
many lanes in flight, under retries and when a flush is cancelled; a batch that fails stays at
the front of its lane for the next flush. Delivery is at least once: a batch the server stored
before the connection dropped is sent again, and the API overwrites by ingestion ID and date.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import re
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from itertools import chain
from numbers import Integral, Real
from typing import Any, NamedTuple

import attrs
import orjson

from ._retry import retry_delay
from ._transport import Transport
from .errors import (
    APIError,
    BlockbaxError,
    ClientStateError,
    QueueFullError,
    ValidationError,
)
from .models._common import Location

__all__ = [
    "BatchFailure",
    "FlushResult",
    "IngestSettings",
    "IngestStats",
    "Ingestor",
    "QueuedMeasurement",
    "RejectReason",
    "Rejection",
    "build_body",
    "check_value",
    "cut_batch",
    "keeps_batch",
    "lane_of",
    "match_ids",
    "read_answer",
    "to_epoch_ms",
]

logger = logging.getLogger("blockbax_async")

MAX_BATCH = 500
MAX_TEXT = 1000
MIN_DATE_MS = -62135596800000  # 0001-01-01T00:00:00.000Z
MAX_DATE_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, the API's maximum
NUMBER_LIMIT = 1e20  # 20 integer digits
_INT_LIMIT = 10**20
_INT64_MIN, _UINT64_END = -(2**63), 2**64  # what orjson writes as a JSON number
_ONE_MS = timedelta(milliseconds=1)
_time_ns = time.time_ns
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_OFFSET = re.compile(r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$")
_DATA_REFUSED = frozenset({400, 413, 422})
_MAX_FAILURES_KEPT = 100


# -- results and settings ---------------------------------------------------------------------


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


_UNKNOWN = RejectReason.UNKNOWN_INGESTION_ID
_SEVERITY = {
    RejectReason.TRUNCATED: 0,
    RejectReason.OTHER: 1,
    RejectReason.INVALID_VALUE: 2,
    RejectReason.UNKNOWN_INGESTION_ID: 3,
}


@attrs.frozen
class Rejection:
    """What the server said about one ingestion ID: the ``reason``, its ``message``, and
    how many measurements of that ID were in the batches it said it about (``sent``)."""

    ingestion_id: str
    reason: RejectReason
    message: str
    sent: int = 0


class QueuedMeasurement(NamedTuple):
    """A measurement as queued: ``date`` in epoch milliseconds, ``value`` a number
    (``float``, ``int`` or ``Decimal``), a location mapping or a text."""

    ingestion_id: str
    date: int
    value: Any

    def as_kwargs(self) -> dict[str, Any]:
        """Keywords to queue it again: ``queue(m.ingestion_id, **m.as_kwargs())``."""
        return {"date": self.date, _KEY[self.value.__class__]: self.value}


@attrs.define
class BatchFailure:
    """A batch that failed after its retries.

    ``kept``: the measurements are still queued, at the front of their lane, and the next
    flush sends them again (network failures, 5xx, 401/403). Otherwise the server refused
    the batch itself (400, 413, 422): the measurements were taken out of the queue and are
    handed back in ``measurements``, so that one bad batch cannot block its lane.
    """

    error: BlockbaxError
    count: int
    ingestion_ids: list[str]
    kept: bool
    measurements: list[QueuedMeasurement] = attrs.Factory(list)


@attrs.define
class FlushResult:
    """What a flush did.

    ``accepted`` counts the measurements the server ingested, each once also when its batch
    was sent again; ``requests`` and ``retries`` count POSTs; ``rejected`` maps ingestion
    IDs the server named in 207 answers to their :class:`Rejection`; ``failures`` lists
    batches that failed after their retries (the first 100) and ``undelivered`` counts their
    measurements; ``pending`` is what was still queued when the flush ended (failed batches
    included); ``timed_out`` tells that the flush was cut short by its timeout;
    ``created_subjects`` names the subjects made with ``create_subjects``.
    """

    accepted: int = 0
    requests: int = 0
    retries: int = 0
    rejected: dict[str, Rejection] = attrs.Factory(dict)
    failures: list[BatchFailure] = attrs.Factory(list)
    pending: int = 0
    timed_out: bool = False
    created_subjects: list[str] = attrs.Factory(list)
    undelivered: int = 0

    @property
    def ok(self) -> bool:
        """No batch failed, nothing was rejected and the flush was not cut short."""
        return not (self.failures or self.rejected or self.timed_out)

    def rejected_ids(self, reason: RejectReason | None = None) -> list[str]:
        """The rejected ingestion IDs, all or those of one ``reason``."""
        return [i for i, r in self.rejected.items() if reason is None or r.reason is reason]

    def raise_for_failures(self) -> None:
        """Raise the error of the first failed batch, if any batch failed."""
        if self.failures:
            raise self.failures[0].error

    def _reject(self, rejection: Rejection) -> None:
        old = self.rejected.get(rejection.ingestion_id)
        if old is not None:
            if _SEVERITY[old.reason] > _SEVERITY[rejection.reason]:
                rejection = attrs.evolve(old, sent=old.sent + rejection.sent)
            else:
                rejection = attrs.evolve(rejection, sent=old.sent + rejection.sent)
        self.rejected[rejection.ingestion_id] = rejection

    def _fail(self, failure: BatchFailure) -> None:
        self.undelivered += failure.count
        if len(self.failures) < _MAX_FAILURES_KEPT:
            self.failures.append(failure)


@attrs.frozen
class IngestStats:
    """Counters to export: ``queued`` and ``in_flight`` are measurements now waiting and now
    being sent; ``sent``, ``rejected``, ``retried``, ``requests`` and ``failed_batches``
    count since the client was made (``sent``: ingested by the server; ``rejected``: sent but
    not ingested; ``retried``: POSTs sent again)."""

    queued: int
    in_flight: int
    sent: int
    rejected: int
    retried: int
    requests: int
    failed_batches: int


@attrs.frozen
class IngestSettings:
    """How measurements are queued and sent.

    ``max_queued`` bounds the queue (``queue()`` raises :class:`QueueFullError` beyond it,
    ``await put()`` waits); ``lanes`` is how many POSTs may be in flight; ``batch_size``
    (at most 500) the measurements per POST; ``flush_interval`` the seconds between
    automatic flushes in background mode, and the pause of a lane after a failed batch;
    ``close_timeout`` the seconds closing the client may spend flushing.
    """

    max_queued: int = attrs.field(default=1_000_000, validator=attrs.validators.ge(1))
    lanes: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    batch_size: int = attrs.field(
        default=MAX_BATCH, validator=[attrs.validators.ge(1), attrs.validators.le(MAX_BATCH)]
    )
    flush_interval: float = attrs.field(default=1.0, validator=attrs.validators.gt(0))
    close_timeout: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))


# -- validation: pure functions -----------------------------------------------------------------


def _where(field: str, value: Any, ingestion_id: str) -> str:
    return f"{field}: {value!r} (for {ingestion_id!r})"


def _has_few_fraction_digits(value: float) -> bool:
    # A float carries binary noise (0.1 + 0.2 == 0.30000000000000004): at most 8 fractional
    # digits means "equal to its 8-digit rounding, up to that noise".
    scaled = value * 1e8
    return scaled.is_integer() or abs(scaled - round(scaled)) <= abs(scaled) * 1e-15


def check_number(value: Any, ingestion_id: str, field: str = "number") -> float | int | Decimal:
    """``value`` as the API takes a number: finite, at most 20 integer and 8 fractional
    digits; ``ValidationError`` naming ``field`` and the value otherwise. Integers beyond
    64 bits become ``Decimal`` (sent exactly); other real numbers (numpy's) become ``float``."""
    cls = value.__class__
    if cls is float:
        return _check_float(value, ingestion_id, field)
    if cls is int:
        return _check_int(value, ingestion_id, field)
    if cls is Decimal:
        return _check_decimal(value, ingestion_id, field)
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise ValidationError(f"{_where(field, value, ingestion_id)}: not a number")
    if isinstance(value, Decimal):
        return _check_decimal(Decimal(value), ingestion_id, field)
    if isinstance(value, Integral):
        return _check_int(int(value), ingestion_id, field)
    return _check_float(float(value), ingestion_id, field)


def _check_int(value: int, ingestion_id: str, field: str) -> int | Decimal:
    if not -_INT_LIMIT < value < _INT_LIMIT:
        raise ValidationError(f"{_where(field, value, ingestion_id)}: more than 20 digits")
    return value if _INT64_MIN <= value < _UINT64_END else Decimal(value)


def _check_decimal(value: Decimal, ingestion_id: str, field: str) -> Decimal:
    if not value.is_finite():
        raise ValidationError(f"{_where(field, value, ingestion_id)}: not finite")
    if abs(value) >= _INT_LIMIT:
        raise ValidationError(f"{_where(field, value, ingestion_id)}: more than 20 digits")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -8:
        raise ValidationError(
            f"{_where(field, value, ingestion_id)}: more than 8 fractional digits"
        )
    return value


def _check_float(value: float, ingestion_id: str, field: str) -> float:
    if not math.isfinite(value):
        raise ValidationError(f"{_where(field, value, ingestion_id)}: not finite")
    if not -NUMBER_LIMIT < value < NUMBER_LIMIT:
        raise ValidationError(f"{_where(field, value, ingestion_id)}: more than 20 digits")
    if not _has_few_fraction_digits(value):
        raise ValidationError(
            f"{_where(field, value, ingestion_id)}: more than 8 fractional digits; "
            "round it, e.g. round(x, 8)"
        )
    return value


def check_location(value: Any, ingestion_id: str) -> dict[str, Any]:
    """A location (a :class:`~blockbax_async.models.Location` or a mapping with ``lat``,
    ``lon`` and optionally ``alt``) as the JSON object the API takes."""
    lat: Any
    lon: Any
    if value.__class__ is dict and len(value) == 2:
        lat, lon = value.get("lat"), value.get("lon")
        if (
            lat.__class__ is float
            and lon.__class__ is float
            and -90.0 <= lat <= 90.0
            and -180.0 <= lon <= 180.0
            and _has_few_fraction_digits(lat)
            and _has_few_fraction_digits(lon)
        ):
            return {"lat": lat, "lon": lon}
    alt: Any
    if isinstance(value, Location):
        lat, lon, alt = value.lat, value.lon, value.alt
    elif isinstance(value, Mapping):
        unknown = set(value) - {"lat", "lon", "alt"}
        if unknown:
            raise ValidationError(
                f"{_where('location', value, ingestion_id)}: unknown keys {sorted(unknown)}; "
                "use lat, lon and alt"
            )
        lat, lon, alt = value.get("lat"), value.get("lon"), value.get("alt")
    else:
        raise ValidationError(
            f"{_where('location', value, ingestion_id)}: give a Location or a mapping "
            "{'lat': .., 'lon': ..[, 'alt': ..]}"
        )
    out: dict[str, Any] = {}
    for key, number, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if number is None:
            raise ValidationError(f"{_where('location', value, ingestion_id)}: {key} missing")
        checked = check_number(number, ingestion_id, f"location.{key}")
        if not -bound <= checked <= bound:
            raise ValidationError(
                f"{_where(f'location.{key}', number, ingestion_id)}: not in -{bound}..{bound}"
            )
        out[key] = checked
    if alt is not None:
        out["alt"] = check_number(alt, ingestion_id, "location.alt")
    return out


def check_value(ingestion_id: str, number: Any, location: Any, text: Any) -> Any:
    """The one value of a measurement, checked and in the form it is queued."""
    if number is not None:
        if location is None and text is None:
            return check_number(number, ingestion_id)
    elif location is not None:
        if text is None:
            return check_location(location, ingestion_id)
    elif text is not None:
        if text.__class__ is str and len(text) <= MAX_TEXT:
            return text
        if not isinstance(text, str):
            raise ValidationError(f"{_where('text', text, ingestion_id)}: not a str")
        if len(text) > MAX_TEXT:
            raise ValidationError(
                f"text: {text[:40]!r}... (for {ingestion_id!r}): {len(text)} characters, "
                f"more than the {MAX_TEXT} the API keeps"
            )
        return str(text)
    values = (("number", number), ("location", location), ("text", text))
    given = [name for name, value in values if value is not None]
    raise ValidationError(
        f"value: give exactly one of number, location or text (for {ingestion_id!r}); "
        f"got {' and '.join(given) or 'none'}"
    )


def _check_any(ingestion_id: str, value: Any) -> Any:
    """:func:`check_value` of a value of any kind: a text, a location or a number."""
    if isinstance(value, str):
        return check_value(ingestion_id, None, None, value)
    if isinstance(value, Mapping | Location):
        return check_value(ingestion_id, None, value, None)
    return check_value(ingestion_id, value, None, None)


def to_epoch_ms(date: Any, ingestion_id: str = "") -> int:
    """Epoch milliseconds of an aware ``datetime``, epoch milliseconds (``int``; a ``float``
    is cut to whole milliseconds) or an ISO 8601 string with an offset. Naive dates are
    refused: their time zone would be a guess."""
    if date.__class__ is datetime and date.tzinfo is not None:
        try:
            ms: int = (date - _EPOCH) // _ONE_MS
        except TypeError:  # a tzinfo whose utcoffset() is None: naive after all
            ms = _datetime_ms(date, date, ingestion_id)
    elif isinstance(date, bool):
        raise ValidationError(f"{_where('date', date, ingestion_id)}: not a date")
    elif isinstance(date, int):
        ms = int(date)
    elif isinstance(date, float):
        if not math.isfinite(date):
            raise ValidationError(f"{_where('date', date, ingestion_id)}: not finite")
        ms = math.floor(date) if abs(date) < 1e16 else MAX_DATE_MS + 1
    elif isinstance(date, datetime):
        ms = _datetime_ms(date, date, ingestion_id)
    elif isinstance(date, str):
        ms = _datetime_ms(_parse_iso(date, ingestion_id), date, ingestion_id)
    else:
        raise ValidationError(
            f"{_where('date', date, ingestion_id)}: give an aware datetime, epoch "
            "milliseconds (int) or an ISO 8601 string"
        )
    if not MIN_DATE_MS <= ms <= MAX_DATE_MS:
        raise ValidationError(
            f"{_where('date', date, ingestion_id)}: outside 0001-01-01..9999-12-31T23:59:59.999Z"
        )
    return ms


def _datetime_ms(moment: datetime, given: Any, ingestion_id: str) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            f"{_where('date', given, ingestion_id)}: naive; give a time zone "
            "(e.g. datetime.now(timezone.utc))"
        )
    delta = moment - _EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def _parse_iso(text: str, ingestion_id: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    from .models._converter import parse_date  # what Python 3.10's fromisoformat cannot read

    try:
        parsed = parse_date(text)
    except ValueError:
        raise ValidationError(f"{_where('date', text, ingestion_id)}: not ISO 8601") from None
    if not _OFFSET.search(text):  # parse_date takes a date without offset as UTC; we refuse
        raise ValidationError(f"{_where('date', text, ingestion_id)}: naive; add an offset")
    return parsed


def check_ingestion_id(ingestion_id: Any) -> str:
    """An ingestion ID: a non-empty ``str``."""
    if not isinstance(ingestion_id, str) or not ingestion_id.strip():
        raise ValidationError(f"ingestion_id: {ingestion_id!r}: give a non-empty str")
    return str(ingestion_id)


def lane_of(ingestion_id: str, lanes: int) -> int:
    """The lane of an ingestion ID: by its subject (the part before ``$``), stable across runs."""
    return zlib.crc32(ingestion_id.partition("$")[0].encode("utf-8", "surrogatepass")) % lanes


# -- batches: pure functions --------------------------------------------------------------------


@attrs.frozen
class Batch:
    """Measurements cut from a lane's records: those in ``records[start:end]``, except
    ``keep``, the records of other IDs in that range that stay (for a flush of some
    ingestion IDs only; ``None`` when the whole range was taken)."""

    ids: list[str]
    dates: list[int]
    values: list[Any]
    start: int
    end: int
    keep: list[Any] | None = None

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
        """The batch as :class:`QueuedMeasurement` tuples."""
        return [QueuedMeasurement(*m) for m in zip(self.ids, self.dates, self.values, strict=True)]


def cut_batch(
    records: list[Any], limit: int, wanted: Collection[str] | None = None, start: int = 0
) -> Batch:
    """The first ``limit`` measurements of a lane's flat records from index ``start``, of
    ``wanted`` IDs only when given; nothing is removed (see :meth:`Batch.remove_from`)."""
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
    dates: list[int] = []
    values: list[Any] = []
    keep: list[Any] = []
    end = start
    for index in range(start, len(records), 3):
        if len(ids) >= limit:
            break
        if records[index] in wanted:
            keep += records[end:index]
            ids.append(records[index])
            dates.append(records[index + 1])
            values.append(records[index + 2])
            end = index + 3
    return Batch(ids, dates, values, start, end, keep)


def count_wanted(records: list[Any], wanted: Collection[str] | None, start: int = 0) -> int:
    """How many measurements of a lane's records from ``start`` a flush of ``wanted`` sends."""
    if wanted is None:
        return (len(records) - start) // 3
    return sum(1 for ingestion_id in records[start::3] if ingestion_id in wanted)


_KEY: dict[type, str] = {
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


def build_body(ids: list[str], dates: list[int], values: list[Any]) -> bytes:
    """The POST body of a batch: one series per ingestion ID, measurements in queue order."""
    series: dict[str, list[dict[str, Any]]] = {}
    get = series.get
    key = _KEY
    for ingestion_id, date, value in zip(ids, dates, values, strict=True):
        measurements = get(ingestion_id)
        if measurements is None:
            measurements = series[ingestion_id] = []
        measurements.append({"date": date, key[value.__class__]: value})
    body = {"series": [{"ingestionId": i, "measurements": m} for i, m in series.items()]}
    return orjson.dumps(body, default=_encode_decimal)


# -- answers and failures: pure functions -------------------------------------------------------

_MESSAGES = (
    (RejectReason.UNKNOWN_INGESTION_ID, "Tried to save measurements for ingestion ids: ", ". "),
    (RejectReason.INVALID_VALUE, "Received invalid measurement values for ingestion ids: ", ". "),
    (RejectReason.TRUNCATED, "Received measurement values for ingestion ids: ", " were trunc"),
)


def match_ids(listing: str, known: Collection[str]) -> list[str]:
    """The ingestion IDs of a comma-separated listing from the server, matched against the IDs
    that were sent (an ID may itself contain ``", "``)."""
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
    at = rest.find(stop)
    while at != -1:
        head = rest[:at]
        if all(i in known for i in match_ids(head, known)):
            return head
        at = rest.find(stop, at + 1)
    return rest.rstrip(".")


def read_answer(data: Any, counts: Mapping[str, int]) -> tuple[int, list[Rejection]]:
    """The measurements ingested and the per-ingestion-ID rejections of the server's answer
    to a batch of ``counts`` (measurements per ingestion ID)."""
    sent = sum(counts.values())
    if not isinstance(data, dict):
        return sent, []
    rejections: dict[str, Rejection] = {}
    for message in data.get("detailedMessages") or ():
        if not isinstance(message, str):
            continue
        reason, ids = _classify(message, counts)
        for ingestion_id in ids:
            old = rejections.get(ingestion_id)
            if old is None or _SEVERITY[reason] > _SEVERITY[old.reason]:
                rejections[ingestion_id] = Rejection(
                    ingestion_id, reason, message, counts.get(ingestion_id, 0)
                )
    ingested = data.get("numberOfIngestedMeasurements")
    if not isinstance(ingested, int) or isinstance(ingested, bool):
        lost = (
            r.sent
            for r in rejections.values()
            if r.reason in (RejectReason.UNKNOWN_INGESTION_ID, RejectReason.INVALID_VALUE)
        )
        ingested = max(0, sent - sum(lost))
    return min(max(ingested, 0), sent), list(rejections.values())


def keeps_batch(error: BlockbaxError) -> bool:
    """Whether a batch that failed with ``error`` stays queued. Only a refusal of the batch
    itself (400, 413, 422) hands it back: sending it again cannot succeed."""
    return not (isinstance(error, APIError) and error.status in _DATA_REFUSED)


# -- the queue ----------------------------------------------------------------------------------


class _Lane:
    """One lane: flat records, of which those before ``head`` are sent already (dropping
    them from the list at once would move the whole list for every batch)."""

    __slots__ = ("head", "index", "lock", "paused_until", "records", "task")

    def __init__(self, index: int) -> None:
        self.index = index
        self.records: list[Any] = []
        self.head = 0
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self.paused_until = 0.0

    def __len__(self) -> int:
        return (len(self.records) - self.head) // 3

    def idle(self, now: float) -> bool:
        return (self.task is None or self.task.done()) and self.paused_until <= now

    def cut(self, limit: int, wanted: Collection[str] | None) -> Batch:
        return cut_batch(self.records, limit, wanted, self.head)

    def take(self, batch: Batch) -> None:
        """Drop a batch that was answered (or handed back) from the lane."""
        if batch.keep is None and batch.start == self.head:
            self.head = batch.end
            if self.head * 2 >= len(self.records):  # amortized: moves at most what was sent
                del self.records[: self.head]
                self.head = 0
        else:
            batch.remove_from(self.records)

    def put_front(self, records: list[Any]) -> None:
        """Queue ``records`` again ahead of everything in the lane."""
        if self.head >= len(records):
            self.head -= len(records)
            self.records[self.head : self.head + len(records)] = records
        else:
            self.records[self.head : self.head] = records

    def pending(self) -> list[QueuedMeasurement]:
        records, head = self.records, self.head
        return list(
            map(QueuedMeasurement, records[head::3], records[head + 1 :: 3], records[head + 2 :: 3])
        )


OnResult = Callable[[FlushResult], object]


class Ingestor:
    """The measurement queue of one client; ``client.measurements`` builds on it.

    Like the rest of the client it belongs to one event loop: call it from that loop's
    thread (``blockbax_async.sync`` does the hop for blocking code).
    """

    def __init__(self, transport: Transport, settings: IngestSettings | None = None) -> None:
        self._transport = transport
        self.settings = settings = settings or IngestSettings()
        self._lanes = [_Lane(i) for i in range(settings.lanes)]
        self._route: dict[str, list[Any]] = {}
        self._batch = settings.batch_size
        self._max = settings.max_queued
        self._size = 0
        self._soft = self._max  # queue() takes its fast path below this
        self._in_flight = 0
        self._sent = self._rejected = self._retried = self._requests = self._failed = 0
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._background: asyncio.Task[None] | None = None
        self._interval = settings.flush_interval
        self._on_result: OnResult | None = None
        self._auto_create = False
        self._closed = False
        self.close_result: FlushResult | None = None
        """What closing the client flushed, with what it could not deliver."""

    # -- queueing ------------------------------------------------------------------------------

    def queue(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
    ) -> None:
        """Queue one measurement; give exactly one of ``number``, ``location``, ``text``.

        ``date`` is an aware ``datetime``, epoch milliseconds or an ISO 8601 string with an
        offset; ``None`` means now. Raises :class:`~blockbax_async.errors.ValidationError`
        for a value the API would not take (nothing queued before is affected) and
        :class:`~blockbax_async.errors.QueueFullError` when the queue holds
        ``max_queued`` measurements.
        """
        records = self._route.get(ingestion_id)
        if records is None or self._size >= self._soft:
            records = self._admit(ingestion_id)
        if date.__class__ is not int or not -62135596800000 <= date <= 253402300799999:
            date = _time_ns() // 1_000_000 if date is None else to_epoch_ms(date, ingestion_id)
        if (
            number.__class__ is not float
            or not -1e20 < number < 1e20
            or not (number * 1e8).is_integer()
            or location is not None
            or text is not None
        ):
            number = check_value(ingestion_id, number, location, text)
        records.append(ingestion_id)
        records.append(date)
        records.append(number)
        self._size += 1

    async def put(
        self,
        ingestion_id: str,
        *,
        number: float | Decimal | None = None,
        location: Location | Mapping[str, float] | None = None,
        text: str | None = None,
        date: datetime | int | str | None = None,
        timeout: float | None = None,
    ) -> None:
        """Queue one measurement like :meth:`queue`, waiting while the queue is full.

        While it waits, the lanes send what they hold. ``timeout`` (seconds) bounds the wait;
        :class:`~blockbax_async.errors.QueueFullError` when it passes.
        """
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        check_ingestion_id(ingestion_id)
        date_ms = _time_ns() // 1_000_000 if date is None else to_epoch_ms(date, ingestion_id)
        value = check_value(ingestion_id, number, location, text)
        if self._size >= self._max:
            await self._wait_for_room(timeout)
        self.queue(ingestion_id, date=date_ms, **{_KEY[value.__class__]: value})

    def _admit(self, ingestion_id: str) -> list[Any]:
        """The lane records for one more measurement of ``ingestion_id``, when the queue is
        open and has room (the slow path of :meth:`queue`: first sight of an ID, or a full
        batch more queued in background mode)."""
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        if self._size >= self._max:
            raise QueueFullError(
                f"the measurement queue holds its maximum of {self._max} measurements: "
                "flush(), wait with await put(), or raise IngestSettings.max_queued"
            )
        if self._size >= self._soft:
            self._soft = min(self._max, self._size + self._batch)
            self._wake.set()
        records = self._route.get(ingestion_id)
        if records is None:
            lane = self._lanes[lane_of(check_ingestion_id(ingestion_id), len(self._lanes))]
            records = self._route[ingestion_id] = lane.records
        return records

    def queue_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[datetime | int | str],
        values: Sequence[Any],
        *,
        checked: bool = False,
    ) -> int:
        """Queue many measurements at once, in order: all of them, or none when one is
        invalid (:class:`~blockbax_async.errors.ValidationError`) or they do not all fit
        (:class:`~blockbax_async.errors.QueueFullError`). Returns how many were queued.

        ``values`` holds one number, location or text per measurement. With ``checked`` the
        caller vouches that ``dates`` are epoch milliseconds in range and ``values`` are as
        :func:`check_value` returns them (``blockbax_async.dataframes`` checks whole columns).
        """
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        count = len(ingestion_ids)
        if len(dates) != count or len(values) != count:
            raise ValidationError(
                f"ingestion_ids, dates, values: {count}, {len(dates)} and {len(values)} items; "
                "give one date and one value per ingestion ID"
            )
        if not checked:
            dates = [to_epoch_ms(d, i) for i, d in zip(ingestion_ids, dates, strict=True)]
            values = [_check_any(i, v) for i, v in zip(ingestion_ids, values, strict=True)]
        if self._size + count > self._max:
            raise QueueFullError(
                f"{count} measurements do not fit: the queue holds {self._size} of at most "
                f"{self._max}; flush() first, or raise IngestSettings.max_queued"
            )
        self._admit_many(ingestion_ids, dates, values)  # type: ignore[arg-type]
        return count

    def _admit_many(
        self, ingestion_ids: Sequence[str], dates: Sequence[int], values: Sequence[Any]
    ) -> None:
        """Append checked measurements to their lanes, without a room check (the blocking
        layer checks room when it stages them)."""
        if self._closed:
            raise ClientStateError("the client is closed: measurements can no longer be queued")
        lane_index = {id(lane.records): lane.index for lane in self._lanes}
        routes: dict[str, int] = {}
        for ingestion_id in dict.fromkeys(ingestion_ids):
            records = self._route.get(ingestion_id)
            if records is None:
                routes[ingestion_id] = lane_of(check_ingestion_id(ingestion_id), len(self._lanes))
            else:
                routes[ingestion_id] = lane_index[id(records)]
        by_id = {}
        for ingestion_id, index in routes.items():  # every ID is valid: nothing fails now
            by_id[ingestion_id] = self._route[ingestion_id] = self._lanes[index].records
        rows = zip(ingestion_ids, dates, values, strict=True)
        if len(set(routes.values())) == 1:
            next(iter(by_id.values())).extend(chain.from_iterable(rows))
        else:  # measured: faster than a pass per lane with itertools.compress
            for row in rows:
                by_id[row[0]].extend(row)
        self._size += len(ingestion_ids)
        if self._size >= self._soft:
            self._soft = min(self._max, self._size + self._batch)
            self._wake.set()

    # -- flushing ------------------------------------------------------------------------------

    async def flush(
        self,
        *,
        ingestion_ids: Iterable[str] | None = None,
        create_subjects: bool = False,
        timeout: float | None = None,
    ) -> FlushResult:
        """Send what is queued (of ``ingestion_ids`` only, when given) and report.

        Batches of at most 500 go out on all lanes at once, one request in flight per lane.
        A batch that fails after its retries stays queued for the next flush (see
        :class:`BatchFailure`). With ``create_subjects``, subjects missing for unknown
        ingestion IDs ``<subject external ID>$<metric external ID>`` are created (type from
        the metric) and their measurements sent again. ``timeout`` (seconds) cuts the flush
        short; what was not sent stays queued.
        """
        if self._closed:
            raise ClientStateError("the client is closed")
        wanted = None if ingestion_ids is None else frozenset(ingestion_ids)
        maker = _SubjectMaker(self._transport) if create_subjects else None
        result = FlushResult()
        work = [(lane, count_wanted(lane.records, wanted, lane.head)) for lane in self._lanes]
        tasks = [
            asyncio.ensure_future(self._drain(lane, result, todo, wanted, maker))
            for lane, todo in work
            if todo
        ]
        await _run_all(tasks, timeout, result)
        result.pending = self._size
        return result

    async def _drain(
        self,
        lane: _Lane,
        result: FlushResult,
        todo: int,
        wanted: Collection[str] | None = None,
        maker: _SubjectMaker | None = None,
    ) -> None:
        async with lane.lock:
            while todo > 0 and len(lane):
                batch = lane.cut(min(self._batch, todo), wanted)
                if not batch.size:
                    break
                self._in_flight += batch.size
                try:
                    answer = await self._post(
                        build_body(batch.ids, batch.dates, batch.values), result
                    )
                except BlockbaxError as error:
                    if self._failed_batch(lane, batch, error, result):
                        return
                    todo -= batch.size
                    continue
                finally:
                    self._in_flight -= batch.size
                lane.take(batch)
                self._size -= batch.size
                todo -= batch.size
                todo += await self._answered(lane, batch, answer, result, maker)
                self._changed.set()

    async def _answered(
        self,
        lane: _Lane,
        batch: Batch,
        answer: Any,
        result: FlushResult,
        maker: _SubjectMaker | None,
    ) -> int:
        """Count the answer to a sent batch; returns how many measurements were queued again."""
        if isinstance(answer, dict) and answer.get("detailedMessages"):
            accepted, rejections = read_answer(answer, batch.counts())
        else:  # the usual answer: no need to count per ingestion ID
            accepted, rejections = read_answer(answer, {"*": batch.size})
        self._sent += accepted
        self._rejected += batch.size - accepted
        result.accepted += accepted
        again = 0
        unknown = [r.ingestion_id for r in rejections if r.reason is _UNKNOWN]
        if maker is not None and unknown:
            try:
                outcome = await maker.ensure(unknown, result)
            except asyncio.CancelledError:
                self._requeue_front(lane, batch, unknown)  # sent again, rejected again: safe
                raise
            ready = {i for i, problem in outcome.items() if problem is None}
            again = self._requeue_front(lane, batch, ready)
            rejections = [
                attrs.evolve(r, message=f"{r.message} Not created: {outcome[r.ingestion_id]}")
                if r.ingestion_id in outcome
                else r
                for r in rejections
                if r.ingestion_id not in ready
            ]
        for rejection in rejections:
            result._reject(rejection)
        return again

    def _requeue_front(self, lane: _Lane, batch: Batch, ready: Collection[str]) -> int:
        records: list[Any] = []
        for ingestion_id, date, value in zip(batch.ids, batch.dates, batch.values, strict=True):
            if ingestion_id in ready:
                records += (ingestion_id, date, value)
        lane.put_front(records)
        self._size += len(records) // 3
        return len(records) // 3

    def _failed_batch(
        self, lane: _Lane, batch: Batch, error: BlockbaxError, result: FlushResult
    ) -> bool:
        """Record a batch that failed; returns whether the lane must stop (batch kept)."""
        self._failed += 1
        kept = keeps_batch(error)
        failure = BatchFailure(error, batch.size, list(batch.counts()), kept)
        if not kept:
            failure.measurements = batch.measurements()
            lane.take(batch)
            self._size -= batch.size
            self._changed.set()
        else:
            lane.paused_until = time.monotonic() + self._interval
        result._fail(failure)
        logger.warning(
            "a batch of %d measurements failed (%s); %s",
            batch.size, error,
            "it stays queued" if kept else "it is handed back in the flush result",
        )  # fmt: skip
        return kept

    async def _post(self, body: bytes, result: FlushResult) -> Any:
        policy = self._transport.config.retry
        deadline = time.monotonic() + policy.deadline
        attempt = 0
        while True:
            attempt += 1
            self._requests += 1
            result.requests += 1
            try:
                return await self._transport.request(
                    "POST", "/measurements", body=body, rate_limited=False, max_retries=0
                )
            except BlockbaxError as error:
                if self._transport.closed:
                    raise
                delay = retry_delay(error, policy, attempt, deadline - time.monotonic())
                if delay is None:
                    raise
                self._retried += 1
                result.retries += 1
                logger.warning(
                    "retrying a batch of measurements in %.2f s after %s (retry %d of %d)",
                    delay, error, attempt, policy.max_retries,
                )  # fmt: skip
                await asyncio.sleep(delay)

    # -- background mode and back-pressure -----------------------------------------------------

    def start(
        self,
        *,
        flush_interval: float | None = None,
        on_result: OnResult | None = None,
        create_subjects: bool = False,
    ) -> None:
        """Send in the background: a lane's batch as soon as it is full, everything every
        ``flush_interval`` seconds. ``on_result`` gets the :class:`FlushResult` of each
        automatic send (without it, rejections and failures are logged as warnings).
        Call from a running event loop; :meth:`stop` (or closing the client) ends it."""
        if self._closed:
            raise ClientStateError("the client is closed")
        if self._background is not None and not self._background.done():
            raise ClientStateError("background sending is already running")
        if flush_interval is not None and not flush_interval > 0:
            raise ValidationError(f"flush_interval: {flush_interval!r}: give seconds above 0")
        self._interval = flush_interval or self.settings.flush_interval
        self._on_result = on_result
        self._auto_create = create_subjects
        self._soft = min(self._max, self._size + self._batch)
        self._background = asyncio.get_running_loop().create_task(self._run_background())

    @property
    def running(self) -> bool:
        """Whether background sending is on."""
        return self._background is not None and not self._background.done()

    async def stop(self, *, timeout: float | None = None) -> FlushResult:
        """End background sending, then flush what is left (within ``timeout`` seconds)."""
        await self._stop_background()
        return await self.flush(timeout=timeout)

    async def _stop_background(self) -> None:
        task, self._background = self._background, None
        self._soft = self._max if not self._closed else -1
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run_background(self) -> None:
        loop = asyncio.get_running_loop()
        tick = loop.time() + self._interval
        while True:
            await _wait(self._wake, max(0.0, tick - loop.time()))
            self._wake.clear()  # after waiting: a wake set before this task ran still counts
            due = loop.time() >= tick
            if due:
                tick = loop.time() + self._interval
            self._start_drains(full_only=not due)

    def _start_drains(self, *, full_only: bool) -> float | None:
        """Start an automatic drain on every idle lane with something to send; returns the
        seconds until the first paused lane may be tried again, if any is paused."""
        now = time.monotonic()
        paused: float | None = None
        for lane in self._lanes:
            todo = len(lane)
            if full_only:
                todo -= todo % self._batch
            if not todo:
                continue
            if lane.idle(now):
                lane.task = asyncio.get_running_loop().create_task(self._auto_drain(lane, todo))
            elif lane.paused_until > now:
                wait = lane.paused_until - now
                paused = wait if paused is None else min(paused, wait)
        return paused

    async def _auto_drain(self, lane: _Lane, todo: int) -> None:
        result = FlushResult()
        maker = _SubjectMaker(self._transport) if self._auto_create else None
        try:
            await self._drain(lane, result, todo, None, maker)
        except Exception:  # nobody awaits this task: say it here, the batch stays queued
            logger.exception("sending lane %d failed unexpectedly", lane.index)
        finally:
            self._changed.set()
            if len(lane) >= self._batch:
                self._wake.set()
        result.pending = self._size
        self._report(result)

    def _report(self, result: FlushResult) -> None:
        if self._on_result is not None:
            try:
                self._on_result(result)
            except Exception:
                logger.exception("on_result raised; ingestion goes on")
            return
        for rejection in result.rejected.values():
            logger.warning(
                "measurements of %r not (fully) ingested: %s: %s",
                rejection.ingestion_id, rejection.reason.value, rejection.message,
            )  # fmt: skip

    async def _wait_for_room(self, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._size >= self._max:
            if self._closed:
                raise ClientStateError("the client is closed")
            wait = self._start_drains(full_only=False)
            if deadline is not None:
                left = deadline - time.monotonic()
                wait = left if wait is None else min(wait, left)
            self._changed.clear()
            await _wait(self._changed, wait)
            if deadline is not None and time.monotonic() >= deadline and self._size >= self._max:
                raise QueueFullError(
                    f"the measurement queue stayed full ({self._max} measurements) for {timeout} s"
                )

    # -- state ---------------------------------------------------------------------------------

    @property
    def stats(self) -> IngestStats:
        """The counters, to export to a metrics system."""
        return IngestStats(
            queued=self._size - self._in_flight,
            in_flight=self._in_flight,
            sent=self._sent,
            rejected=self._rejected,
            retried=self._retried,
            requests=self._requests,
            failed_batches=self._failed,
        )

    def __len__(self) -> int:
        """How many measurements are queued (in flight included)."""
        return self._size

    def __bool__(self) -> bool:
        return True  # a namespace, even with an empty queue

    def pending(self) -> list[QueuedMeasurement]:
        """A copy of what is queued (in flight included), lane by lane, each series in order."""
        return [m for lane in self._lanes for m in lane.pending()]

    async def close(self, timeout: float | None = None) -> FlushResult | None:
        """Stop background sending, flush within ``timeout`` seconds (default
        ``close_timeout``) and refuse further measurements. What could not be delivered is
        logged as a warning and stays readable through :meth:`pending`."""
        if self._closed:
            return self.close_result
        await self._stop_background()
        result = None
        if self._size:
            limit = self.settings.close_timeout if timeout is None else timeout
            result = await self.flush(timeout=limit)
        self._closed = True
        self._soft = -1
        tasks = [lane.task for lane in self._lanes if lane.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._size:
            failed = len(result.failures) if result else 0
            logger.warning(
                "closing with %d measurements not delivered (%d failed batches%s); "
                "they stay readable through client.measurements.pending()",
                self._size, failed, ", flush timed out" if result and result.timed_out else "",
            )  # fmt: skip
        self.close_result = result
        return result


async def _wait(event: asyncio.Event, timeout: float | None) -> None:
    """Wait until ``event`` is set or ``timeout`` seconds pass. Not ``asyncio.wait_for``:
    before Python 3.12 it can lose a cancellation that races with the event."""
    timer = None
    if timeout is not None:
        timer = asyncio.get_running_loop().call_later(timeout, event.set)
    try:
        await event.wait()
    finally:
        if timer is not None:
            timer.cancel()


async def _run_all(
    tasks: Sequence[asyncio.Future[None]], timeout: float | None, result: FlushResult
) -> None:
    """Wait for the lane tasks; on timeout or cancellation they are cancelled, and nothing
    they held is lost (a batch leaves its lane only once answered)."""
    if not tasks:
        return
    try:
        done, running = await asyncio.wait(tasks, timeout=timeout)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        raise
    if running:
        result.timed_out = True
        for task in running:
            task.cancel()
        await asyncio.wait(running)
    for task in done:
        error = task.exception()
        if error is not None:
            raise error


class _SubjectMaker:
    """Creates the subjects of unknown ingestion IDs ``<subject ext. ID>$<metric ext. ID>``,
    with the subject type of the metric, for one flush, through the ``subjects`` and
    ``metrics`` namespaces."""

    def __init__(self, transport: Transport) -> None:
        from .resources.metrics import MetricsResource
        from .resources.subjects import SubjectsResource

        self._subjects = SubjectsResource(transport)
        self._metrics = MetricsResource(transport)
        self._types: dict[str, asyncio.Future[str | list[str]]] = {}
        self._tried: dict[str, str | None] = {}

    async def ensure(self, ingestion_ids: list[str], result: FlushResult) -> dict[str, str | None]:
        """``{ingestion_id: None}`` when its subject now exists with it, else why not."""
        return {i: await self._ensure(i, result) for i in ingestion_ids}

    async def _ensure(self, ingestion_id: str, result: FlushResult) -> str | None:
        if ingestion_id in self._tried:
            problem = self._tried[ingestion_id]
            return problem or "still unknown after its subject was created"
        try:
            problem = await self._create(ingestion_id, result)
        except BlockbaxError as error:
            problem = str(error)
        self._tried[ingestion_id] = problem
        return problem

    async def _create(self, ingestion_id: str, result: FlushResult) -> str | None:
        subject_ext, _, metric_ext = ingestion_id.partition("$")
        if not subject_ext or not metric_ext:
            return "not of the form <subject external ID>$<metric external ID>"
        types = await self._subject_types(metric_ext)
        if isinstance(types, str):
            return types
        if len(types) != 1:
            return f"{len(types)} subject types have a metric with external ID {metric_ext!r}"
        found = await self._subjects.list(external_id=subject_ext, limit=1).collect()
        if found:
            if ingestion_id in _ingestion_ids(found[0]):
                return None
            return f"subject {subject_ext!r} exists without ingestion ID {ingestion_id!r}"
        created = await self._subjects.create(
            name=subject_ext, subject_type_id=types[0], external_id=subject_ext
        )
        result.created_subjects.append(subject_ext)
        logger.info("created subject %r for ingestion ID %r", subject_ext, ingestion_id)
        if ingestion_id not in _ingestion_ids(created):
            return f"created subject {subject_ext!r} has no ingestion ID {ingestion_id!r}"
        return None

    async def _subject_types(self, metric_ext: str) -> str | list[str]:
        future = self._types.get(metric_ext)
        if future is None:
            future = self._types[metric_ext] = asyncio.ensure_future(self._lookup(metric_ext))
        return await asyncio.shield(future)

    async def _lookup(self, metric_ext: str) -> str | list[str]:
        try:
            metrics = await self._metrics.list(external_id=metric_ext).collect()
        except BlockbaxError as error:
            return f"looking up metric {metric_ext!r} failed: {error}"
        if not metrics:
            return f"no metric has external ID {metric_ext!r}"
        return sorted({m.subject_type_id for m in metrics})


def _ingestion_ids(subject: Any) -> set[str]:
    return {e.ingestion_id for e in subject.ingestion_ids if e.ingestion_id}

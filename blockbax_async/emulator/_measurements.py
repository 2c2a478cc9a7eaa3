"""`POST` and `GET /measurements` of the emulator, checked the way the API checks them.

Stored measurements live in `State.measurements` per ingestion ID, in arrival order, as
`{"date": <epoch ms>, "number" | "location" | "text": <value>}`. A measurement with the
date of a stored one of the same ingestion ID replaces it in place, as the API overwrites.

This handler is the benchmark target of the ingestion code, so it stays lean: one orjson
parse, the parsed dicts stored as they are when they are already in the stored shape, and no
model objects per measurement.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
from aiohttp import web

from ._query import parse_date
from ._state import Host, Invalid

__all__ = [
    "INVALID_MESSAGE",
    "ISSUES_MESSAGE",
    "MAX_BATCH",
    "MAX_TEXT",
    "TRUNCATED_MESSAGE",
    "UNKNOWN_MESSAGE",
    "add_measurement_routes",
]

ROOT = "/v1/projects/{project_id}"
MAX_BATCH = 500
MAX_TEXT = 1000
MAX_DATE_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
MIN_DATE_MS = -62135596800000  # 0001-01-01T00:00:00.000Z
LIMIT = 1e20
HOUR_MS = 3_600_000

ISSUES_MESSAGE = (
    "There were issues while processing the payload. "
    "The specific issues are listed in the 'detailedMessages' property."
)
UNKNOWN_MESSAGE = (
    "Tried to save measurements for ingestion ids: {}. These ingestion ids could not be found "
    "or you have no access to the corresponding subject."
)
INVALID_MESSAGE = (
    "Received invalid measurement values for ingestion ids: {}. Verify that the sent value is "
    "of the correct type for the metric data type, and that the value meets the requirements "
    "stated in the API docs at https://blockbax.com/docs/api/#send-measurements."
)
TRUNCATED_MESSAGE = (
    "Received measurement values for ingestion ids: {} were truncated before ingestion. "
    "Number metrics, latitude, longitude and altitude are rounded to 8 fractional numbers. "
    "String metrics are truncated to 1000 characters."
)

_OK, _TRUNCATED, _INVALID = 0, 1, 2
_MISSING = "missing"
_KINDS = {"NUMBER": "number", "LOCATION": "location", "TEXT": "text"}
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)


def _number(value: Any) -> tuple[int, float]:
    """(status, value) of a number as sent: JSON numbers, or decimal strings as the
    official SDK sends them; more than 8 fractional digits are rounded."""
    if value.__class__ is str:
        try:
            value = float(value)
        except ValueError:
            return _INVALID, 0.0
    elif value.__class__ is not float and value.__class__ is not int:
        return _INVALID, 0.0
    if not -LIMIT < value < LIMIT:  # also false for NaN
        return _INVALID, 0.0
    scaled = value * 1e8
    if scaled.is_integer() or abs(scaled - round(scaled)) <= abs(scaled) * 1e-15:
        return _OK, value
    return _TRUNCATED, round(value, 8)


def _location(value: Any) -> tuple[int, dict[str, Any]]:
    if value.__class__ is not dict:
        return _INVALID, {}
    status, out = _OK, {}
    for key, bound in (("lat", 90.0), ("lon", 180.0), ("alt", LIMIT)):
        raw = value.get(key)
        if raw is None:
            if key == "alt":
                continue
            return _INVALID, {}
        checked, number = _number(raw)
        if checked == _INVALID or abs(number) > bound or (key == "alt" and abs(number) >= bound):
            return _INVALID, {}
        status = max(status, checked)
        out[key] = number
    return status, out


def _date(value: Any, now: int) -> int | None:
    """Epoch milliseconds of a sent date: ms, an ISO 8601 string, or absent (now)."""
    if value is None:
        return now
    if value.__class__ is float and value.is_integer():
        value = int(value)
    if value.__class__ is int:
        return value if MIN_DATE_MS <= value <= MAX_DATE_MS else None
    if value.__class__ is not str:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        return None
    delta = parsed - _EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def _measurement(item: Any, kind: str | None, now: int) -> tuple[int, dict[str, Any] | None]:
    """(status, measurement to store) of one sent measurement; `kind` is the metric's."""
    if item.__class__ is not dict:
        return _INVALID, None
    date = item.get("date")
    if date.__class__ is not int or not MIN_DATE_MS <= date <= MAX_DATE_MS:
        date = _date(date, now)
        if date is None:
            return _INVALID, None
    number, location, text = item.get("number"), item.get("location"), item.get("text")
    if number is not None:
        if location is not None or text is not None or kind not in (None, "number"):
            return _INVALID, None
        if number.__class__ is float and -LIMIT < number < LIMIT and (number * 1e8).is_integer():
            status = _OK
        else:
            status, number = _number(number)
        if status == _INVALID:
            return _INVALID, None
        return status, {"date": date, "number": number}
    if location is not None:
        if text is not None or kind not in (None, "location"):
            return _INVALID, None
        status, location = _location(location)
        if status == _INVALID:
            return _INVALID, None
        return status, {"date": date, "location": location}
    if text is None or text.__class__ is not str or kind not in (None, "text"):
        return _INVALID, None
    if len(text) > MAX_TEXT:
        return _TRUNCATED, {"date": date, "text": text[:MAX_TEXT]}
    return _OK, {"date": date, "text": text}


def _format_date(ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}+0000"


def _ids(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _query_date(query: dict[str, str], key: str) -> int | None:
    raw = query.get(key)
    if raw is None:
        return None
    parsed = _date(raw, 0)
    if parsed is None or not raw:
        raise Invalid("Validation failed", [f"{key}: not an ISO 8601 date ({raw!r})"])
    return parsed


class _Store:
    """The measurements of one emulator, with the lookups that make storing fast."""

    def __init__(self, emulator: Host) -> None:
        self.emulator = emulator
        self.state = emulator.state
        self._kinds: tuple[int, dict[str, str | None]] = (-1, {})
        self._positions: dict[str, tuple[list[dict[str, Any]], dict[int, int]]] = {}

    def kinds(self) -> dict[str, str | None]:
        """`{ingestion_id: "number" | "location" | "text" | None}` of every subject."""
        state = self.state
        if self._kinds[0] != state.version:
            metrics = state.collection("metrics")
            kinds = {}
            for ingestion_id, (_, metric_id) in state.ingestion_index().items():
                metric = metrics.get(metric_id)
                data_type = metric.get("dataType") if metric else None
                kinds[ingestion_id] = _KINDS.get(data_type) if isinstance(data_type, str) else None
            self._kinds = (state.version, kinds)
        return self._kinds[1]

    def positions(self, ingestion_id: str) -> tuple[list[dict[str, Any]], dict[int, int]]:
        """The stored list of `ingestion_id` and its `{date: index}`, rebuilt when the
        list was replaced or changed by someone else (a test clearing the store)."""
        stored = self.state.measurements.get(ingestion_id)
        cached = self._positions.get(ingestion_id)
        if cached is not None and cached[0] is stored and len(cached[1]) == len(cached[0]):
            return cached
        if stored is None:
            stored = self.state.measurements[ingestion_id] = []
        index = {m["date"]: i for i, m in enumerate(stored)}
        self._positions[ingestion_id] = (stored, index)
        return stored, index

    def ingest(self, body: Any) -> tuple[int, dict[str, Any]]:
        """Check and store one POST body; returns the status and the answer."""
        series = _series(body)
        kinds = self.kinds()
        now = time.time_ns() // 1_000_000
        # The platform's time rules, an option (Emulator.time_rules): a measurement dated at or
        # before the latest of its series, or more than an hour ahead, is answered as ingested
        # and not kept; Emulator.not_retained counts them.
        rules = self.emulator.time_rules
        latest: int | None = None
        dropped = 0
        ingested = 0
        unknown: dict[str, None] = {}
        invalid: dict[str, None] = {}
        truncated: dict[str, None] = {}
        cache, lists = self._positions, self.state.measurements
        for ingestion_id, items in series:
            kind = kinds.get(ingestion_id, _MISSING)
            if kind is _MISSING:
                unknown[ingestion_id] = None
                continue
            cached = cache.get(ingestion_id)
            if cached is not None and cached[0] is lists.get(ingestion_id):
                stored, index = cached
                if len(index) != len(stored):
                    stored, index = self.positions(ingestion_id)
            else:
                stored, index = self.positions(ingestion_id)
            numbers = kind is None or kind == "number"
            if rules:
                latest = max(index, default=None)
            for item in items:
                if rules:  # the platform's time rules: checked per item, the fast path skipped
                    ingested += 1
                    status, measurement = _measurement(item, kind, now)
                    if measurement is None:
                        ingested -= 1
                        invalid[ingestion_id] = None
                    elif (latest is not None and measurement["date"] <= latest) or measurement[
                        "date"
                    ] > now + HOUR_MS:
                        dropped += 1  # answered as ingested, as the platform does
                    else:
                        latest = measurement["date"]
                        index[latest] = len(stored)
                        stored.append(measurement)
                        if status:
                            truncated[ingestion_id] = None
                    continue
                # The common case, inlined: {"date": <ms>, "number": <JSON number>}, stored as is.
                if numbers and item.__class__ is dict and len(item) == 2:
                    date, number = item.get("date"), item.get("number")
                    if (
                        date.__class__ is int
                        and MIN_DATE_MS <= date <= MAX_DATE_MS
                        and (number.__class__ is float or number.__class__ is int)
                        and -LIMIT < number < LIMIT
                        and (number * 1e8).is_integer()
                    ):
                        at = index.get(date)
                        if at is None:
                            index[date] = len(stored)
                            stored.append(item)
                        else:
                            stored[at] = item
                        ingested += 1
                        continue
                status, measurement = _measurement(item, kind, now)
                if measurement is None:
                    invalid[ingestion_id] = None
                    continue
                if status:
                    truncated[ingestion_id] = None
                date = measurement["date"]
                at = index.get(date)
                if at is None:
                    index[date] = len(stored)
                    stored.append(measurement)
                else:
                    stored[at] = measurement
                ingested += 1
        if dropped:
            self.emulator.not_retained += dropped
        answer: dict[str, Any] = {"numberOfIngestedMeasurements": ingested}
        details = [
            template.format(", ".join(ids))
            for template, ids in (
                (UNKNOWN_MESSAGE, unknown),
                (INVALID_MESSAGE, invalid),
                (TRUNCATED_MESSAGE, truncated),
            )
            if ids
        ]
        if not details:
            return 200, answer
        answer["message"] = ISSUES_MESSAGE
        answer["detailedMessages"] = details
        return 207, answer

    def search(self, query: dict[str, str]) -> dict[str, Any]:
        """The answer to `GET /measurements` with `query`."""
        subject_ids, metric_ids = _ids(query.get("subjectIds")), _ids(query.get("metricIds"))
        start, end = _query_date(query, "fromDate"), _query_date(query, "toDate")
        ranged = start is not None or end is not None
        if ranged and (len(subject_ids or ()) != 1 or len(metric_ids or ()) != 1):
            raise Invalid(
                "Validation failed",
                ["subjectIds and metricIds: a date range needs exactly one subject and one metric"],
            )
        size = _size(query.get("size"))
        order = query.get("order", "asc").lower()
        if order not in ("asc", "desc"):
            raise Invalid("Validation failed", [f"order: asc or desc, not {order!r}"])
        result = []
        # One series per subject and metric: the children of a subject may feed one metric
        # of it through their own ingestion IDs (mapping level CHILD).
        feeds: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for ingestion_id, pair in self.state.ingestion_index().items():
            if subject_ids is not None and pair[0] not in subject_ids:
                continue
            if metric_ids is not None and pair[1] not in metric_ids:
                continue
            feeds.setdefault(pair, []).extend(self.state.measurements.get(ingestion_id) or ())
        for (subject_id, metric_id), stored in feeds.items():
            chosen = _select(stored, start, end, size, descending=order == "desc")
            if not chosen:
                continue
            measurements = [{**m, "date": _format_date(m["date"])} for m in chosen]
            result.append(
                {"subjectId": subject_id, "metricId": metric_id, "measurements": measurements}
            )
        return {"series": result}


def _series(body: Any) -> list[tuple[str, list[Any]]]:
    """The series of a POST body after the checks that reject the whole request (400)."""
    if body.__class__ is not dict or body.get("series").__class__ is not list:
        raise Invalid("Validation failed", ["series: required, a list of series"])
    out: list[tuple[str, list[Any]]] = []
    total = 0
    for number, entry in enumerate(body["series"]):
        ingestion_id = entry.get("ingestionId") if entry.__class__ is dict else None
        items = entry.get("measurements") if entry.__class__ is dict else None
        if ingestion_id.__class__ is not str or not ingestion_id:
            raise Invalid("Validation failed", [f"series[{number}].ingestionId: required"])
        if items.__class__ is not list:
            raise Invalid("Validation failed", [f"series[{number}].measurements: must be a list"])
        total += len(items)
        out.append((ingestion_id, items))
    if total > MAX_BATCH:
        raise Invalid(
            "Validation failed",
            [f"The total number of measurements per batch is limited to {MAX_BATCH}, got {total}"],
        )
    return out


def _size(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise Invalid("Validation failed", [f"size: a positive whole number, not {raw!r}"])
    return size


def _select(
    stored: Iterable[dict[str, Any]],
    start: int | None,
    end: int | None,
    size: int | None,
    *,
    descending: bool,
) -> list[dict[str, Any]]:
    """Measurements in `[start, end)` in date order, at most `size`; without a range,
    the latest `size` (default 1), as the API answers."""
    ordered = sorted(stored, key=lambda m: m["date"], reverse=descending)
    if start is None and end is None:
        latest = ordered[: size or 1] if descending else ordered[-(size or 1) :]
        return latest
    low = -math.inf if start is None else start
    high = math.inf if end is None else end
    chosen = [m for m in ordered if low <= m["date"] < high]
    return chosen if size is None else chosen[:size]


def add_measurement_routes(emulator: Host, app: web.Application) -> None:
    """Register `POST` and `GET /measurements` on `app`."""
    stores = [_Store(emulator)]

    def store() -> _Store:
        # A test may give the emulator a new state: the store (and its lookups) follows.
        if stores[0].state is not emulator.state:
            stores[0] = _Store(emulator)
        return stores[0]

    async def send(request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            raise Invalid("Malformed JSON body") from None
        status, answer = store().ingest(body)
        return web.Response(
            body=orjson.dumps(answer), status=status, content_type="application/json"
        )

    async def search(request: web.Request) -> web.Response:
        answer = store().search(dict(request.query))
        return web.Response(body=orjson.dumps(answer), content_type="application/json")

    app.router.add_post(f"{ROOT}/measurements", send)
    app.router.add_get(f"{ROOT}/measurements", search)

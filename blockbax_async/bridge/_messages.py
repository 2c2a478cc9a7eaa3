"""Reading a bridged message: JSON bytes in, measurements out, or the reason it is bad.

A message holds one measurement object or an array of them:

```json
{"ingestion_id": "Pump-1$temperature", "date": "2024-05-01T12:00:00Z", "number": 21.5}
```

`date` is ISO 8601 with an offset or epoch milliseconds; without it the measurement takes the
time the log stored the message (so that a redelivery carries the same date). Exactly one of
`number`, `text` or `location` (`{"lat": .., "lon": ..[, "alt": ..]}`). Other keys are
refused, so that a typo is dead-lettered instead of losing a value. Values are checked again
by the client's queue; this module checks the shape only.
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson

__all__ = ["BadMessage", "Measurement", "parse_message"]

_VALUES = ("number", "text", "location")
_KEYS = frozenset(("ingestion_id", "date", *_VALUES))
_MAX_MEASUREMENTS = 10_000


class BadMessage(ValueError):
    """A message that can never be delivered; `str()` is the reason, one line."""


@attrs.frozen
class Measurement:
    """One measurement of a message: `value` is a number, a text or a location mapping."""

    ingestion_id: str
    date: int | str
    value: Any


def parse_message(data: bytes, stored_ms: int) -> list[Measurement]:
    """The measurements of one message; `stored_ms` is the date of those without one.

    Raises `BadMessage` naming the first problem (and the item, in an array).
    """
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if isinstance(body, dict):
        return [_measurement(body, stored_ms, "")]
    if not isinstance(body, list):
        raise BadMessage(f"a JSON {_kind(body)}, not an object or an array of objects")
    if not body:
        raise BadMessage("an empty array: no measurement")
    if len(body) > _MAX_MEASUREMENTS:
        raise BadMessage(f"{len(body)} measurements: at most {_MAX_MEASUREMENTS} per message")
    return [_measurement(item, stored_ms, f"item {i}: ") for i, item in enumerate(body)]


def _measurement(item: Any, stored_ms: int, where: str) -> Measurement:
    if not isinstance(item, dict):
        raise BadMessage(f"{where}a JSON {_kind(item)}, not a measurement object")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise BadMessage(f"{where}unknown keys {unknown}; expected {sorted(_KEYS)}")
    ingestion_id = item.get("ingestion_id")
    if not isinstance(ingestion_id, str) or not ingestion_id:
        raise BadMessage(f"{where}ingestion_id must be a non-empty string")
    given = [key for key in _VALUES if key in item]
    if len(given) != 1:
        raise BadMessage(f"{where}give exactly one of number, text, location (got {given})")
    value = item[given[0]]
    _check_value(given[0], value, where)
    date = item.get("date", stored_ms)
    if isinstance(date, bool) or not isinstance(date, int | str):
        raise BadMessage(f"{where}date must be ISO 8601 text or epoch milliseconds")
    return Measurement(ingestion_id, date, value)


def _check_value(key: str, value: Any, where: str) -> None:
    if key == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise BadMessage(f"{where}number must be a JSON number, not a {_kind(value)}")
    if key == "text" and not isinstance(value, str):
        raise BadMessage(f"{where}text must be a JSON string, not a {_kind(value)}")
    if key == "location" and not isinstance(value, dict):
        raise BadMessage(f"{where}location must be an object with lat and lon")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "number"

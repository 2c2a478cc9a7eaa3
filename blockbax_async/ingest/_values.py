"""Measurement values as the API takes them: pure checks that name the field and the value.

`queue()` runs them on every call, so each is written for speed: the common cases (a float,
epoch milliseconds) take no detour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal
from numbers import Integral, Real
from typing import Any

from .._json import sendable
from ..errors import ValidationError
from ..models._common import Location
from ..models._converter import parse_date

__all__ = [
    "HOUR_MS",
    "MAX_DATE_MS",
    "MAX_TEXT",
    "MIN_DATE_MS",
    "NUMBER_LIMIT",
    "SECONDS_FROM",
    "SECONDS_UNTIL",
    "check_any",
    "check_ingestion_id",
    "check_ingestion_ids",
    "check_location",
    "check_number",
    "check_text",
    "check_value",
    "distinct_ids",
    "few_fraction_digits",
    "looks_like_seconds",
    "sendable",
    "time_problem",
    "to_epoch_ms",
]

MAX_TEXT = 1000
MIN_DATE_MS = -62135596800000  # 0001-01-01T00:00:00.000Z
MAX_DATE_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, the API's maximum
NUMBER_LIMIT = 1e20  # 20 integer digits
SECONDS_FROM, SECONDS_UNTIL = 10**9, 10**10  # as seconds 2001..2286; as ms Jan..Apr 1970
_INT_LIMIT = 10**20
_INT64_MIN, _UINT64_END = -(2**63), 2**64  # what orjson writes as a JSON number
_ONE_MS = timedelta(milliseconds=1)
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_OFFSET = re.compile(r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$")


def _where(field: str, value: Any, ingestion_id: str) -> str:
    return f"{field}: {value!r} (for {ingestion_id!r})"


def few_fraction_digits(value: float) -> bool:
    """Whether a float has at most 8 fractional digits, the most the API stores.

    A float carries binary noise (0.1 + 0.2 == 0.30000000000000004): at most 8 fractional
    digits means "equal to its 8-digit rounding, up to that noise".
    """
    scaled = value * 1e8
    return scaled.is_integer() or abs(scaled - round(scaled)) <= abs(scaled) * 1e-15


def check_number(
    value: Any, ingestion_id: str, field: str = "number", lenient: bool = False
) -> float | int | Decimal:
    """`value` as the API takes a number: finite, at most 20 integer and 8 fractional
    digits (more are let through when `lenient`: the server rounds them); `ValidationError`
    naming `field` and the value otherwise. Integers beyond 64 bits become `Decimal` (sent
    exactly); other real numbers (numpy's) become `float`."""
    cls = value.__class__
    if cls is float:
        return _check_float(value, ingestion_id, field, lenient)
    if cls is int:
        return _check_int(value, ingestion_id, field)
    if cls is Decimal:
        return _check_decimal(value, ingestion_id, field, lenient)
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise ValidationError(f"{_where(field, value, ingestion_id)}: not a number")
    if isinstance(value, Decimal):
        return _check_decimal(Decimal(value), ingestion_id, field, lenient)
    if isinstance(value, Integral):
        return _check_int(int(value), ingestion_id, field)
    return _check_float(float(value), ingestion_id, field, lenient)


def _check_int(value: int, ingestion_id: str, field: str) -> int | Decimal:
    if not -_INT_LIMIT < value < _INT_LIMIT:
        raise ValidationError(f"{_where(field, value, ingestion_id)}: more than 20 digits")
    return value if _INT64_MIN <= value < _UINT64_END else Decimal(value)


def _check_decimal(value: Decimal, ingestion_id: str, field: str, lenient: bool) -> Decimal:
    if not value.is_finite():
        raise ValidationError(f"{_where(field, value, ingestion_id)}: not finite")
    if value.copy_abs() >= _INT_LIMIT:
        raise ValidationError(f"{_where(field, value, ingestion_id)}: more than 20 digits")
    # Trailing zeros dropped exactly: normalize() in the default context rounds to 28 digits,
    # and what is sent must be what was checked.
    exact = value.normalize(Context(prec=max(1, len(value.as_tuple().digits))))
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -8 and not lenient:
        raise ValidationError(
            f"{_where(field, value, ingestion_id)}: more than 8 fractional digits"
        )
    return exact


def _check_float(value: float, ingestion_id: str, field: str, lenient: bool) -> float:
    if not math.isfinite(value):
        raise ValidationError(f"{_where(field, value, ingestion_id)}: not finite")
    if not -NUMBER_LIMIT < value < NUMBER_LIMIT:
        raise ValidationError(f"{_where(field, value, ingestion_id)}: more than 20 digits")
    if not (lenient or few_fraction_digits(value)):
        raise ValidationError(
            f"{_where(field, value, ingestion_id)}: more than 8 fractional digits; "
            "round it, e.g. round(x, 8)"
        )
    return value


def check_location(value: Any, ingestion_id: str, lenient: bool = False) -> dict[str, Any]:
    """A location (a `Location` or a mapping with `lat`,
    `lon` and optionally `alt`) as the JSON object the API takes."""
    lat: Any
    lon: Any
    if value.__class__ is dict and len(value) == 2:
        lat, lon = value.get("lat"), value.get("lon")
        if (
            lat.__class__ is float
            and lon.__class__ is float
            and -90.0 <= lat <= 90.0
            and -180.0 <= lon <= 180.0
            and few_fraction_digits(lat)
            and few_fraction_digits(lon)
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
        checked = check_number(number, ingestion_id, f"location.{key}", lenient)
        if not -bound <= checked <= bound:
            raise ValidationError(
                f"{_where(f'location.{key}', number, ingestion_id)}: not in -{bound}..{bound}"
            )
        out[key] = checked
    if alt is not None:
        out["alt"] = check_number(alt, ingestion_id, "location.alt", lenient)
    return out


def check_value(
    ingestion_id: str, number: Any, location: Any, text: Any, lenient: bool = False
) -> Any:
    """The one value of a measurement, checked and in the form it is queued; `lenient`
    lets through what the server would round (digits) or cut (texts) and report."""
    if number is not None:
        if location is None and text is None:
            return check_number(number, ingestion_id, "number", lenient)
    elif location is not None:
        if text is None:
            return check_location(location, ingestion_id, lenient)
    elif text is not None:
        if text.__class__ is str and len(text) <= MAX_TEXT and (text.isascii() or sendable(text)):
            return text
        return check_text(text, ingestion_id, "text", lenient)
    values = (("number", number), ("location", location), ("text", text))
    given = [name for name, value in values if value is not None]
    raise ValidationError(
        f"value: give exactly one of number, location or text (for {ingestion_id!r}); "
        f"got {' and '.join(given) or 'none'}"
    )


def _unsendable(field: str, text: str, ingestion_id: str | None) -> ValidationError:
    at = next(n for n, char in enumerate(text) if "\ud800" <= char <= "\udfff")
    shown = f"{text[:40]!r}..." if len(text) > 40 else repr(text)
    where = f"{field}: {shown}" + ("" if ingestion_id is None else f" (for {ingestion_id!r})")
    return ValidationError(
        f"{where}: a lone surrogate {text[at]!r} at index {at}, which cannot be sent "
        "as UTF-8; decode the source with errors='replace' or fix it"
    )


def check_text(text: Any, ingestion_id: str, field: str = "text", lenient: bool = False) -> str:
    """A text value: a `str` that can be sent as UTF-8, of at most 1000 characters
    (longer when `lenient`: the server cuts it)."""
    if not isinstance(text, str):
        raise ValidationError(f"{_where(field, text, ingestion_id)}: not a str")
    if len(text) > MAX_TEXT and not lenient:
        raise ValidationError(
            f"{field}: {text[:40]!r}... (for {ingestion_id!r}): {len(text)} characters, "
            f"more than the {MAX_TEXT} the API keeps"
        )
    if not sendable(text):
        raise _unsendable(field, text, ingestion_id)
    return str(text)


def check_any(ingestion_id: str, value: Any, lenient: bool = False) -> Any:
    """`check_value` of a value of any kind: a text, a location or a number."""
    if isinstance(value, str):
        return check_value(ingestion_id, None, None, value, lenient)
    if isinstance(value, Mapping | Location):
        return check_value(ingestion_id, None, value, None, lenient)
    return check_value(ingestion_id, value, None, None, lenient)


def looks_like_seconds(ms: int) -> bool:
    """Whether a number given as epoch milliseconds is more likely epoch seconds: from
    1_000_000_000 up to 9_999_999_999 (2001 to 2286 as seconds, Jan to Apr 1970 as ms)."""
    return SECONDS_FROM <= ms < SECONDS_UNTIL


def _seconds_error(date: Any, ingestion_id: str) -> ValidationError:
    return ValidationError(
        f"{_where('date', date, ingestion_id)}: looks like epoch seconds; give milliseconds "
        f"(x1000). Numbers from {SECONDS_FROM:_} to {SECONDS_UNTIL - 1:_} are refused: as "
        "milliseconds they fall in January to April 1970 (pass a datetime for those)"
    )


def to_epoch_ms(date: Any, ingestion_id: str = "") -> int:
    """Epoch milliseconds of an aware `datetime`, epoch milliseconds (an integer, numpy's
    too; a `float` is cut to whole milliseconds) or an ISO 8601 string with an offset.
    Naive dates are refused: their time zone would be a guess. So are numbers that look
    like epoch seconds (`looks_like_seconds`)."""
    if date.__class__ is datetime and date.tzinfo is not None:
        try:
            ms: int = (date - _EPOCH) // _ONE_MS
        except TypeError:  # a tzinfo whose utcoffset() is None: naive after all
            ms = _datetime_ms(date, date, ingestion_id)
    elif isinstance(date, bool):
        raise ValidationError(f"{_where('date', date, ingestion_id)}: not a date")
    elif isinstance(date, Real) and not isinstance(date, Decimal):  # int, float, numpy's
        ms = _number_ms(date, ingestion_id)
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


def _number_ms(date: Real, ingestion_id: str) -> int:
    if isinstance(date, Integral):
        ms = int(date)
    else:
        number = float(date)
        if not math.isfinite(number):
            raise ValidationError(f"{_where('date', date, ingestion_id)}: not finite")
        ms = math.floor(number) if abs(number) < 1e16 else MAX_DATE_MS + 1
    if looks_like_seconds(ms):
        raise _seconds_error(date, ingestion_id)
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
    try:  # what Python 3.10's fromisoformat cannot read
        parsed = parse_date(text)
    except ValueError:
        raise ValidationError(f"{_where('date', text, ingestion_id)}: not ISO 8601") from None
    if not _OFFSET.search(text):  # parse_date takes a date without offset as UTC; we refuse
        raise ValidationError(f"{_where('date', text, ingestion_id)}: naive; add an offset")
    return parsed


def check_ingestion_id(ingestion_id: Any, field: str = "ingestion_id") -> str:
    """An ingestion ID: a non-empty `str` that can be sent as UTF-8."""
    if not isinstance(ingestion_id, str) or not ingestion_id.strip():
        raise ValidationError(f"{field}: {ingestion_id!r}: give a non-empty str")
    if not sendable(ingestion_id):
        raise _unsendable(field, ingestion_id, None)
    return str(ingestion_id)


def distinct_ids(ingestion_ids: Iterable[Any]) -> dict[str, None]:
    """The distinct ingestion IDs, in first-seen order; `ValidationError` for one that
    cannot be a key (a list), where `dict` would raise `TypeError`."""
    try:
        return dict.fromkeys(ingestion_ids)
    except TypeError:
        check_ingestion_ids(ingestion_ids, "ingestion_ids")  # names the one that is no str
        raise


def check_ingestion_ids(ingestion_ids: Any, field: str = "ingestion_ids") -> list[str]:
    """A collection of ingestion IDs (not one bare `str`), each checked."""
    if isinstance(ingestion_ids, str | bytes) or not isinstance(ingestion_ids, Iterable):
        raise ValidationError(
            f"{field}: {ingestion_ids!r}: give a list of ingestion IDs, e.g. [{ingestion_ids!r}]"
            if isinstance(ingestion_ids, str)
            else f"{field}: {ingestion_ids!r}: give a list of ingestion IDs"
        )
    return [check_ingestion_id(i, field) for i in ingestion_ids]


HOUR_MS = 3_600_000


def time_problem(date: int, newest: int | None, now: int) -> str | None:
    """Why the platform would not keep a measurement dated `date` (epoch ms) in a series
    whose newest date is `newest`, at `now`: it keeps none at or before the newest, nor
    more than an hour ahead. `None` when it would keep it."""
    if newest is not None and date <= newest:
        return (
            f"not after {newest}, the newest date queued for this series; the platform "
            "does not keep a measurement at or before the latest of its series"
        )
    if date - now > HOUR_MS:
        return (
            f"{(date - now) / 60_000:.0f} minutes ahead of this machine's clock; the platform "
            "does not keep a measurement more than an hour in the future"
        )
    return None

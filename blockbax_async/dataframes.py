"""pandas helpers, with the ``blockbax-async[pandas]`` extra: models and measurement series
to DataFrames, and measurements queued from a DataFrame in bulk.

    from blockbax_async.dataframes import queue_dataframe, series_to_dataframe, to_dataframe

    subjects = to_dataframe(client.subjects.list())           # one row per subject
    frame = series_to_dataframe(series, form="wide", tz="Europe/Amsterdam")
    queue_dataframe(client.measurements, frame, form="wide")   # checked per column, not per row

pandas is imported when a function is called, so importing this module never fails.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union, get_args, get_origin

import attrs

from .errors import ValidationError
from .ingest._values import (
    MAX_DATE_MS,
    MAX_TEXT,
    MIN_DATE_MS,
    NUMBER_LIMIT,
    SECONDS_FROM,
    SECONDS_UNTIL,
    check_any,
    check_ingestion_id,
    sendable,
    to_epoch_ms,
)
from .models import MeasurementSeries

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["queue_dataframe", "series_to_dataframe", "to_dataframe"]


class Queue(Protocol):
    """What :func:`queue_dataframe` queues into: ``client.measurements``, async or sync."""

    def queue_many(
        self,
        ingestion_ids: Sequence[str],
        dates: Sequence[Any],
        values: Sequence[Any],
        *,
        checked: bool = ...,
    ) -> int: ...


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "blockbax_async.dataframes needs pandas: pip install 'blockbax-async[pandas]'"
        ) from None
    return pandas


# -- models --------------------------------------------------------------------------------------

Plan = tuple[tuple[str, tuple[str, ...], bool], ...]


def _nested(type_: Any) -> type[Any] | None:
    if isinstance(type_, type) and attrs.has(type_):
        return type_
    if get_origin(type_) in (Union, types.UnionType):
        found = [arg for arg in get_args(type_) if isinstance(arg, type) and attrs.has(arg)]
        return found[0] if len(found) == 1 else None
    return None


def _is_date(type_: Any) -> bool:
    return type_ is datetime or datetime in get_args(type_)


_plans: dict[type[Any], Plan] = {}


def _plan(cls: type[Any]) -> Plan:
    """``(column, attribute path, is a date)`` of every column of ``cls``: nested models are
    spread over dotted columns, except a model nested in itself (kept whole)."""
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = tuple(_columns(cls, (), frozenset({cls})))
    return plan


def _columns(
    cls: type[Any], path: tuple[str, ...], seen: frozenset[type[Any]]
) -> Iterable[tuple[str, tuple[str, ...], bool]]:
    for field in attrs.fields(attrs.resolve_types(cls)):
        here = (*path, field.name)
        nested = _nested(field.type)
        if nested is not None and nested not in seen:
            yield from _columns(nested, here, seen | {nested})
        else:
            yield ".".join(here), here, _is_date(field.type)


def _plain(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _row(item: Any, plan: Plan) -> dict[str, Any]:
    row = {}
    for column, path, _ in plan:
        value = item
        for name in path:
            value = getattr(value, name)
            if value is None:
                break
        row[column] = _plain(value)
    return row


def to_dataframe(models: Iterable[Any]) -> pd.DataFrame:
    """A DataFrame of models: one row per model, one column per attribute, in order.

    Nested models are spread over dotted columns (``primary_location.type``,
    ``subject_filter.include.subject_ids``); lists stay lists (of dicts); dates become aware
    ``datetime64`` columns in UTC. Takes any iterable of models: a list, what
    ``collect()`` returns, or a sync listing (which it walks).
    """
    pd = _pandas()
    rows: list[dict[str, Any]] = []
    dates: dict[str, None] = {}
    for item in models:
        if not attrs.has(type(item)):
            raise ValidationError(f"models: {item!r} is not a blockbax_async model")
        plan = _plan(type(item))
        rows.append(_row(item, plan))
        dates.update((column, None) for column, _, is_date in plan if is_date)
    frame = pd.DataFrame.from_records(rows)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


# -- measurement series --------------------------------------------------------------------------


def series_to_dataframe(
    series: Iterable[MeasurementSeries],
    form: Literal["long", "wide"] = "long",
    *,
    tz: Any = None,
) -> pd.DataFrame:
    """Measurement series as a DataFrame indexed by an aware ``DatetimeIndex`` named ``date``
    (UTC, or the time zone ``tz``, e.g. ``"Europe/Amsterdam"``).

    ``long``: one row per measurement, columns ``subject_id``, ``metric_id`` and the values
    present: ``number``, ``text``, ``lat``/``lon``/``alt``. ``wide``: one column per
    series, labelled ``(subject_id, metric_id)``, one row per date (numbers as floats,
    texts as strings, locations as :class:`~blockbax_async.models.Location`; missing cells
    are NaN).
    """
    pd = _pandas()
    listed = list(series)
    if form == "long":
        frame = _long(pd, listed)
    elif form == "wide":
        frame = _wide(pd, listed)
    else:
        raise ValidationError(f"form: {form!r} is not 'long' or 'wide'")
    return frame if tz is None else frame.tz_convert(tz)


def _dates(pd: Any, values: list[datetime]) -> Any:
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True), name="date")


def _long(pd: Any, listed: list[MeasurementSeries]) -> Any:
    measurements = [m for s in listed for m in s.measurements]
    counts = [len(s.measurements) for s in listed]
    columns: dict[str, Any] = {
        "subject_id": [s.subject_id for s, n in zip(listed, counts, strict=True) for _ in range(n)],
        "metric_id": [s.metric_id for s, n in zip(listed, counts, strict=True) for _ in range(n)],
    }
    if any(m.number is not None for m in measurements):
        columns["number"] = pd.array([m.number for m in measurements], dtype="float64")
    if any(m.text is not None for m in measurements):
        columns["text"] = [m.text for m in measurements]
    if any(m.location is not None for m in measurements):
        for key in ("lat", "lon", "alt"):
            columns[key] = pd.array(
                [None if m.location is None else getattr(m.location, key) for m in measurements],
                dtype="float64",
            )
    return pd.DataFrame(columns, index=_dates(pd, [m.date for m in measurements]))


def _wide(pd: Any, listed: list[MeasurementSeries]) -> Any:
    columns = []
    for s in listed:
        values = [m.get_value() for m in s.measurements]
        numeric = all(isinstance(v, int | float) for v in values)
        column = pd.Series(
            values,
            index=_dates(pd, [m.date for m in s.measurements]),
            dtype=float if numeric else object,
        )
        columns.append(column[~column.index.duplicated(keep="last")])
    if not columns:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="date"))
    keys = [(s.subject_id, s.metric_id) for s in listed]
    frame = pd.concat(columns, axis=1, keys=keys, names=["subject_id", "metric_id"])
    frame.index.name = "date"
    return frame.sort_index()


# -- queueing ------------------------------------------------------------------------------------


def queue_dataframe(
    measurements: Queue,
    frame: pd.DataFrame,
    *,
    form: Literal["long", "wide"] = "long",
    ingestion_id: str = "ingestion_id",
    date: str = "date",
    value: str | None = None,
    decimals: int | None = None,
) -> int:
    """Queue the measurements of a DataFrame, all of them or none, and return how many.

    ``measurements`` is ``client.measurements`` of an :class:`~blockbax_async.AsyncClient`
    or of a :class:`~blockbax_async.sync.Client`; send them with ``flush()`` as usual.

    ``long`` (default): one row per measurement, with an ``ingestion_id`` column, the date
    in a ``date`` column or in the index, and the value in a ``value`` column (numbers or
    texts) or in ``number``, ``text`` and ``lat``/``lon`` (``alt``) columns (one of them per
    row; the long form of :func:`series_to_dataframe`). ``wide``: the dates in the index and
    one column per ingestion ID; empty (NaN) cells are skipped. Dates are aware datetimes
    (naive ones are refused: ``tz_localize`` them) or epoch milliseconds.

    Whole columns are checked at once, as :meth:`queue` checks one measurement: no NaN or
    infinity (in the long form), at most 20 integer and 8 fractional digits (or give
    ``decimals`` to round to), texts of at most 1000 characters. A
    :class:`~blockbax_async.errors.ValidationError` names the first bad row.
    """
    pd = _pandas()
    if decimals is not None and not 0 <= decimals <= 8:
        raise ValidationError(f"decimals: {decimals!r} is not from 0 to 8")
    if form == "long":
        ids, dates, values = _long_rows(pd, frame, ingestion_id, date, value, decimals)
    elif form == "wide":
        ids, dates, values = _wide_rows(pd, frame, decimals)
    else:
        raise ValidationError(f"form: {form!r} is not 'long' or 'wide'")
    if not ids:
        return 0
    return measurements.queue_many(ids, dates, values, checked=True)


def _bad(frame: Any, mask: Any, column: str, values: Any, why: str, rows: Any = None) -> None:
    """Raise for the first position where ``mask`` holds; ``rows`` maps positions in
    ``mask`` and ``values`` to positions in ``frame`` (all of them when ``None``)."""
    import numpy as np

    wrong = np.flatnonzero(mask)
    if len(wrong):
        at = int(wrong[0])
        value, row = values[at], frame.index[at if rows is None else rows[at]]
        value, row = (v.item() if isinstance(v, np.generic) else v for v in (value, row))
        raise ValidationError(f"{column}: {value!r} (row {row!r}): {why}")


def _epoch_ms(pd: Any, frame: Any, dates: Any, column: str) -> list[int]:
    """Epoch milliseconds of a column or index of dates, checked."""
    import numpy as np

    dtype = dates.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is None:
            raise ValidationError(
                f"{column}: naive dates; give them a time zone (e.g. .dt.tz_localize('UTC'))"
            )
        _bad(frame, np.asarray(pd.isna(dates)), column, dates, "missing date")
        delta = pd.Index(dates) - pd.Timestamp(0, tz="UTC")
        return list((delta // pd.Timedelta(1, "ms")).tolist())
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        array = np.asarray(dates)  # in its own dtype: a cast to int64 would wrap uint64
        outside = (array < MIN_DATE_MS) | (array > MAX_DATE_MS)
        _bad(frame, outside, column, array, "outside 0001-01-01..9999-12-31")
        seconds = (array >= SECONDS_FROM) & (array < SECONDS_UNTIL)
        _bad(frame, seconds, column, array, _SECONDS)
        return list(array.tolist())
    try:  # datetimes or strings, perhaps of mixed offsets: one at a time
        return [to_epoch_ms(d) for d in dates]
    except ValidationError as error:
        raise ValidationError(str(error).replace("date", column, 1)) from None


_SECONDS = (
    f"looks like epoch seconds; give milliseconds (x1000). Numbers from {SECONDS_FROM:_} to "
    f"{SECONDS_UNTIL - 1:_} are refused: as milliseconds they fall in January to April 1970"
)


def _numbers(
    pd: Any, frame: Any, column: Any, name: str, decimals: int | None
) -> tuple[Any, list[Any]]:
    """``(present, values)``: which cells hold a number, and those numbers, checked."""
    import numpy as np

    if pd.api.types.is_bool_dtype(column.dtype):
        raise ValidationError(f"{name}: booleans are not numbers; cast them first")
    present = np.asarray(column.notna())
    if pd.api.types.is_integer_dtype(column.dtype):  # Python ints: exact, uint64 too
        return present, column[present].tolist()
    array = column.to_numpy(dtype=np.float64, na_value=np.nan)[present]
    if decimals is not None:
        array = np.round(array, decimals)
    rows = np.flatnonzero(present)
    _bad(frame, ~np.isfinite(array), name, array, "not finite", rows)
    _bad(frame, np.abs(array) >= NUMBER_LIMIT, name, array, "more than 20 digits", rows)
    scaled = array * 1e8
    drift = np.abs(scaled - np.round(scaled))
    many = (drift != 0) & (drift > np.abs(scaled) * 1e-15)
    _bad(frame, many, name, array, "more than 8 fractional digits; pass decimals=8", rows)
    return present, array.tolist()


def _texts(pd: Any, frame: Any, column: Any, name: str) -> tuple[Any, list[Any]]:
    """``(present, values)``: which cells hold a text, and those texts, checked."""
    import numpy as np

    present = np.asarray(column.notna())
    texts = column[present]
    rows = np.flatnonzero(present)
    if pd.api.types.infer_dtype(texts, skipna=True) not in ("string", "empty"):
        not_text = [not isinstance(text, str) for text in texts]
        _bad(frame, np.asarray(not_text), name, texts.array, "not a str", rows)
    too_long = np.asarray(texts.str.len() > MAX_TEXT)
    _bad(frame, too_long, name, texts.array, f"more than {MAX_TEXT} characters", rows)
    values = texts.tolist()
    if not sendable("".join(values)):  # one pass for the column; then find the culprit
        unsendable = np.asarray([not sendable(text) for text in values])
        why = "holds a lone surrogate, which cannot be sent as UTF-8"
        _bad(frame, unsendable, name, texts.array, why, rows)
    return present, values


def _long_rows(
    pd: Any, frame: Any, ingestion_id: str, date: str, value: str | None, decimals: int | None
) -> tuple[list[str], list[int], list[Any]]:
    import numpy as np

    if ingestion_id not in frame.columns:
        raise ValidationError(f"ingestion_id: the frame has no column {ingestion_id!r}")
    if not len(frame):
        return [], [], []
    id_column = frame[ingestion_id]
    _bad(frame, np.asarray(id_column.isna()), ingestion_id, id_column.array, "missing")
    ids: list[str] = id_column.tolist()
    if date in frame.columns:
        dates = _epoch_ms(pd, frame, frame[date], date)
    elif isinstance(frame.index, pd.DatetimeIndex) or frame.index.name == date:
        dates = _epoch_ms(pd, frame, frame.index, date)
    else:
        raise ValidationError(f"date: the frame has no column {date!r} and no DatetimeIndex")
    found = [
        _checked(pd, frame, kind, columns, decimals, ids)
        for kind, columns in _value_columns(frame, value)
    ]
    given = sum(present.astype(np.int8) for present, _ in found)
    _bad(frame, given != 1, "value", given, "give exactly one value per row (values given)")
    if len(found) == 1:
        return ids, dates, found[0][1]
    merged = np.empty(len(frame), dtype=object)
    for present, checked in found:
        merged[np.flatnonzero(present)] = _objects(checked)
    return ids, dates, merged.tolist()


def _objects(items: list[Any]) -> Any:
    import numpy as np

    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _value_columns(frame: Any, value: str | None) -> list[tuple[str, list[str]]]:
    columns = set(frame.columns)
    if value is not None:
        if value not in columns:
            raise ValidationError(f"value: the frame has no column {value!r}")
        return [("value", [value])]
    if "value" in columns:
        return [("value", ["value"])]
    kinds = [(kind, [kind]) for kind in ("number", "text") if kind in columns]
    if {"lat", "lon"} <= columns:
        kinds.append(("location", ["lat", "lon", "alt"] if "alt" in columns else ["lat", "lon"]))
    if not kinds:
        raise ValidationError(
            "value: the frame has none of the columns value, number, text, or lat and lon"
        )
    return kinds


def _checked(
    pd: Any, frame: Any, kind: str, columns: list[str], decimals: int | None, ids: list[str]
) -> tuple[Any, list[Any]]:
    import numpy as np

    if kind == "location":
        return _locations(pd, frame, columns, decimals)
    column = frame[columns[0]]
    if kind == "number" or pd.api.types.is_numeric_dtype(column.dtype):
        return _numbers(pd, frame, column, columns[0], decimals)
    if kind == "text" or pd.api.types.is_string_dtype(column.dtype):
        if kind == "text" or pd.api.types.infer_dtype(column, skipna=True) == "string":
            return _texts(pd, frame, column, columns[0])
    present = np.asarray(column.notna())  # numbers, texts and locations mixed: one at a time
    positions = np.flatnonzero(present).tolist()
    return present, [check_any(ids[n], column.iat[n]) for n in positions]


def _locations(
    pd: Any, frame: Any, columns: list[str], decimals: int | None
) -> tuple[Any, list[Any]]:
    import numpy as np

    lat_present, lats = _numbers(pd, frame, frame["lat"], "lat", decimals)
    lon_present, lons = _numbers(pd, frame, frame["lon"], "lon", decimals)
    _bad(frame, lat_present != lon_present, "lat, lon", frame.index, "give both or neither")
    rows = np.flatnonzero(lat_present)
    _bad(frame, np.abs(np.asarray(lats, dtype=float)) > 90, "lat", lats, "not in -90..90", rows)
    lon_outside = np.abs(np.asarray(lons, dtype=float)) > 180
    _bad(frame, lon_outside, "lon", lons, "not in -180..180", rows)
    if "alt" not in columns:
        return lat_present, [{"lat": a, "lon": o} for a, o in zip(lats, lons, strict=True)]
    alt_column = frame["alt"].where(lat_present)
    alt_present, alts = _numbers(pd, frame, alt_column, "alt", decimals)
    heights = iter(alts)
    return lat_present, [
        {"lat": a, "lon": o, "alt": next(heights)} if has else {"lat": a, "lon": o}
        for a, o, has in zip(lats, lons, alt_present[lat_present].tolist(), strict=True)
    ]


def _wide_rows(pd: Any, frame: Any, decimals: int | None) -> tuple[list[str], list[int], list[Any]]:
    import numpy as np

    if not len(frame) or not len(frame.columns):
        return [], [], []
    dates = np.asarray(_epoch_ms(pd, frame, frame.index, "date"), dtype=np.int64)
    ids: list[str] = []
    all_dates: list[int] = []
    values: list[Any] = []
    for name in frame.columns:  # a loop per series, not per measurement
        check_ingestion_id(name, "columns")
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column.dtype):
            present, checked = _numbers(pd, frame, column, name, decimals)
        else:
            present, checked = _texts(pd, frame, column, name)
        ids += [name] * len(checked)
        all_dates += dates[present].tolist()
        values += checked
    return ids, all_dates, values

"""pandas helpers, with the `blockbax-async[pandas]` extra: models and measurement series
to DataFrames, many series read at once, and measurements queued from a DataFrame in bulk.

```python
subjects = to_dataframe(client.subjects.list())  # one row per subject
ids = ["pump-1$temp", "pump-2$temp"]
frame = await read_dataframe(client, ids, from_date=start, to_date=end)
frame = series_to_dataframe(series, form="wide", tz="Europe/Amsterdam")
queue_dataframe(client.measurements, frame, form="wide")  # checked per column
```

pandas is imported when a function is called, so importing this module never fails.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union, get_args, get_origin, overload

import attrs

from ._client import AsyncClient
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
    check_ingestion_ids,
    sendable,
    to_epoch_ms,
)
from .models import MeasurementSeries, Metric, Subject
from .sync import Client

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Labels", "queue_dataframe", "read_dataframe", "series_to_dataframe", "to_dataframe"]

Labels = Literal["id", "ingestion_id", "external_id", "name"]
"""How series are labelled: by the UUIDs of subject and metric (`id`), by ingestion ID, or by
the external IDs or names of subject and metric."""


class Queue(Protocol):
    """What [`queue_dataframe`][blockbax_async.dataframes.queue_dataframe] queues into:
    `client.measurements`, async or sync."""

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
    """`(column, attribute path, is a date)` of every column of `cls`: nested models are
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

    Nested models are spread over dotted columns (`primary_location.type`,
    `subject_filter.include.subject_ids`); lists stay lists (of dicts); dates become aware
    `datetime64` columns in UTC. Takes any iterable of models: a list, what
    `collect()` returns, or a sync listing (which it walks).
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


def series_to_dataframe(
    series: Iterable[MeasurementSeries],
    form: Literal["long", "wide"] = "long",
    *,
    tz: Any = None,
    labels: Labels = "id",
    subjects: Iterable[Subject] = (),
    metrics: Iterable[Metric] = (),
) -> pd.DataFrame:
    """Measurement series as a DataFrame indexed by an aware `DatetimeIndex` named `date`
    (UTC, or the time zone `tz`, e.g. `"Europe/Amsterdam"`).

    `long`: one row per measurement, the series' label columns and the values present:
    `number`, `text`, `lat`/`lon`/`alt`. `wide`: one column per series, one row per date
    (numbers as floats, texts as strings, locations as
    [`Location`][blockbax_async.models.Location]; missing cells are NaN).

    `labels` names the series: `"id"` (default) by `(subject_id, metric_id)`,
    `"ingestion_id"` by one `ingestion_id`, `"external_id"` or `"name"` by
    `(subject, metric)`. All but `"id"` look the series up in `subjects` (and, for external
    IDs and names, `metrics`): give the models, e.g. from `client.subjects.list()`.
    [`read_dataframe`][blockbax_async.dataframes.read_dataframe] does that for you.

    Raises:
        ValidationError: a series is not among `subjects` or `metrics`, or two series get
            the same label (names need not be unique: use `"external_id"`).
    """
    pd = _pandas()
    listed = list(series)
    names, keys = _labels(listed, labels, subjects, metrics)
    if form == "long":
        frame = _long(pd, listed, names, keys)
    elif form == "wide":
        frame = _wide(pd, listed, names, keys)
    else:
        raise ValidationError(f"form: {form!r} is not 'long' or 'wide'")
    return frame if tz is None else frame.tz_convert(tz)


Key = str | tuple[str, str]
_LEVELS = {
    "id": ("subject_id", "metric_id"),
    "ingestion_id": ("ingestion_id",),
    "external_id": ("subject", "metric"),
    "name": ("subject", "metric"),
}


def _labels(
    listed: Sequence[MeasurementSeries],
    labels: str,
    subjects: Iterable[Subject],
    metrics: Iterable[Metric],
) -> tuple[tuple[str, ...], list[Key]]:
    """The label level names and one label per series, unique."""
    if labels not in _LEVELS:
        raise ValidationError(f"labels: {labels!r} is not one of {', '.join(_LEVELS)}")
    by_subject = {s.id: s for s in subjects}
    by_metric = {m.id: m for m in metrics}
    keys = [_label(s.subject_id, s.metric_id, labels, by_subject, by_metric) for s in listed]
    pairs = {(s.subject_id, s.metric_id) for s in listed}
    if len(set(keys)) < len(pairs):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise ValidationError(
            f"labels: {labels!r} gives several series the label {twice!r}; "
            "use labels='external_id' or 'id'"
        )
    return _LEVELS[labels], keys


def _label(
    subject_id: str,
    metric_id: str,
    labels: str,
    subjects: Mapping[str | None, Subject],
    metrics: Mapping[str | None, Metric],
) -> Key:
    if labels == "id":
        return subject_id, metric_id
    subject = subjects.get(subject_id)
    if subject is None:
        raise ValidationError(f"subjects: no subject {subject_id!r} among the subjects given")
    if labels == "ingestion_id":
        found = subject.get_ingestion_id(metric_id)
        if found is None:
            raise ValidationError(
                f"subjects: subject {subject_id!r} has no ingestion ID for metric {metric_id!r}"
            )
        return found
    metric = metrics.get(metric_id)
    if metric is None:
        raise ValidationError(f"metrics: no metric {metric_id!r} among the metrics given")
    if labels == "name":
        return subject.name, metric.name
    return subject.external_id or subject_id, metric.external_id or metric_id


def _dates(pd: Any, values: list[datetime]) -> Any:
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True), name="date")


def _long(pd: Any, listed: list[MeasurementSeries], names: tuple[str, ...], keys: list[Key]) -> Any:
    measurements = [m for s in listed for m in s.measurements]
    counts = [len(s.measurements) for s in listed]
    columns: dict[str, Any] = {}
    for level, name in enumerate(names):
        parts = [key if len(names) == 1 else key[level] for key in keys]
        columns[name] = [part for part, n in zip(parts, counts, strict=True) for _ in range(n)]
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


def _wide(pd: Any, listed: list[MeasurementSeries], names: tuple[str, ...], keys: list[Key]) -> Any:
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
    frame = pd.concat(columns, axis=1, keys=keys, names=list(names))
    frame.index.name = "date"
    return frame.sort_index()


DateArg = datetime | int | str


@overload
def read_dataframe(
    client: AsyncClient,
    ingestion_ids: Iterable[str],
    *,
    from_date: DateArg,
    to_date: DateArg,
    form: Literal["long", "wide"] = ...,
    labels: Labels = ...,
    tz: Any = ...,
    concurrency: int = ...,
) -> Awaitable[pd.DataFrame]: ...


@overload
def read_dataframe(
    client: Client,
    ingestion_ids: Iterable[str],
    *,
    from_date: DateArg,
    to_date: DateArg,
    form: Literal["long", "wide"] = ...,
    labels: Labels = ...,
    tz: Any = ...,
    concurrency: int = ...,
) -> pd.DataFrame: ...


def read_dataframe(
    client: AsyncClient | Client,
    ingestion_ids: Iterable[str],
    *,
    from_date: DateArg,
    to_date: DateArg,
    form: Literal["long", "wide"] = "wide",
    labels: Labels = "ingestion_id",
    tz: Any = None,
    concurrency: int = 8,
) -> Awaitable[pd.DataFrame] | pd.DataFrame:
    """The measurements of many series in one date range, read concurrently, as one
    DataFrame.

    With an [`AsyncClient`][blockbax_async.AsyncClient], await it; with a
    [`sync.Client`][blockbax_async.sync.Client] it blocks and returns the frame. The API
    reads one series per request when given dates: this sends one request per ingestion ID,
    `concurrency` at a time (within the client's rate limiter), after one listing of the
    subjects (and of the metrics, for labels by external ID or name).

    `from_date` is inclusive, `to_date` exclusive (aware `datetime`, epoch milliseconds or
    ISO 8601). `form` and `tz` are those of
    [`series_to_dataframe`][blockbax_async.dataframes.series_to_dataframe]; `labels`
    defaults to ingestion IDs, so a wide frame has one column per ingestion ID asked for
    (all NaN when the range holds none of its measurements) and goes back into
    [`queue_dataframe`][blockbax_async.dataframes.queue_dataframe] as it is.

    Example:
        ```python
        frame = await read_dataframe(
            client, ["pump-1$temp", "pump-2$temp"], from_date=start, to_date=end
        )
        ```

    Raises:
        ValidationError: a bad argument, or an ingestion ID no subject has; nothing is read.
    """
    _pandas()
    wanted = list(dict.fromkeys(check_ingestion_ids(ingestion_ids)))
    start = _when("from_date", from_date)
    end = _when("to_date", to_date)
    if labels not in _LEVELS:
        raise ValidationError(f"labels: {labels!r} is not one of {', '.join(_LEVELS)}")
    if form not in ("long", "wide"):
        raise ValidationError(f"form: {form!r} is not 'long' or 'wide'")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError(f"concurrency: {concurrency!r}: give a whole number of 1 or more")
    args = (wanted, start, end, form, labels, tz, concurrency)
    if isinstance(client, Client):
        return client._portal.call(_read, client.async_client, *args)
    if isinstance(client, AsyncClient):
        return _read(client, *args)
    raise ValidationError(f"client: {client!r} is not an AsyncClient or a sync.Client")


def _when(name: str, date: Any) -> int:
    try:
        return to_epoch_ms(date)
    except ValidationError as error:
        raise ValidationError(str(error).replace("date", name, 1)) from None


async def _read(
    client: AsyncClient,
    wanted: list[str],
    start: int,
    end: int,
    form: Literal["long", "wide"],
    labels: Labels,
    tz: Any,
    concurrency: int,
) -> pd.DataFrame:
    subjects = await client.subjects.list().collect()
    owners = {
        i.ingestion_id: (s.id, i.metric_id) for s in subjects if s.id for i in s.ingestion_ids
    }
    unknown = [ingestion_id for ingestion_id in wanted if ingestion_id not in owners]
    if unknown:
        raise ValidationError(
            f"ingestion_ids: no subject has {', '.join(map(repr, unknown[:10]))}"
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        )
    pairs = [owners[ingestion_id] for ingestion_id in wanted]
    metrics: list[Metric] = []
    if labels in ("external_id", "name"):
        metric_ids = sorted({metric_id for _, metric_id in pairs})
        metrics = await client.metrics.list(metric_ids=metric_ids).collect()
    gate = asyncio.Semaphore(concurrency)

    async def one(subject_id: str, metric_id: str) -> MeasurementSeries:
        async with gate:
            found = await client.measurements.list(
                subject_ids=[subject_id], metric_ids=[metric_id], from_date=start, to_date=end
            )
        measurements = [m for series in found for m in series.measurements]
        return MeasurementSeries(subject_id, metric_id, measurements)

    series = await _all([one(subject_id, metric_id) for subject_id, metric_id in pairs])
    return series_to_dataframe(
        series, form, tz=tz, labels=labels, subjects=subjects, metrics=metrics
    )


async def _all(calls: list[Awaitable[MeasurementSeries]]) -> list[MeasurementSeries]:
    """Await all calls; when one fails, cancel the others and raise its error."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def queue_dataframe(
    measurements: Queue,
    frame: pd.DataFrame,
    *,
    form: Literal["long", "wide"] = "long",
    ingestion_id: str = "ingestion_id",
    date: str = "date",
    value: str | None = None,
    decimals: int | None = 8,
) -> int:
    """Queue the measurements of a DataFrame, all of them or none, and return how many.

    `measurements` is `client.measurements` of an [`AsyncClient`][blockbax_async.AsyncClient]
    or of a [`sync.Client`][blockbax_async.sync.Client]; send them with `flush()` as usual.

    `long` (default): one row per measurement, with an `ingestion_id` column, the date in a
    `date` column or in the index, and the value in a `value` column (numbers or texts) or
    in `number`, `text` and `lat`/`lon` (`alt`) columns (one of them per row; the long form
    of [`series_to_dataframe`][blockbax_async.dataframes.series_to_dataframe]). `wide`: the
    dates in the index and one column per ingestion ID (what `read_dataframe` returns);
    empty (NaN) cells are skipped. Dates are aware datetimes (naive ones are refused:
    `tz_localize` them) or epoch milliseconds.

    Numbers are rounded to `decimals` fractional digits, 8 by default: the API keeps 8, and
    computed floats (`x / 3`) have more. `decimals=None` is strict: a value with more than 8
    is refused instead. Whole columns are checked at once, as
    [`queue`][blockbax_async.resources.measurements.MeasurementsResource.queue] checks one
    measurement: no missing value, NaN or infinity in the long form, at most 20 integer
    digits, texts of at most 1000 characters.

    Raises:
        ValidationError: names the column, the first bad row and why; nothing is queued. A
            missing value says how to drop such rows (`frame.dropna(subset=[...])`).
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
    """Raise for the first position where `mask` holds; `rows` maps positions in
    `mask` and `values` to positions in `frame` (all of them when `None`)."""
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
    """`(present, values)`: which cells hold a number, and those numbers, checked."""
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
    _bad(frame, many, name, array, "more than 8 fractional digits; decimals=8 rounds", rows)
    return present, array.tolist()


def _texts(pd: Any, frame: Any, column: Any, name: str) -> tuple[Any, list[Any]]:
    """`(present, values)`: which cells hold a text, and those texts, checked."""
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
    kinds = _value_columns(frame, value)
    found = [_checked(pd, frame, kind, columns, decimals, ids) for kind, columns in kinds]
    given = sum(present.astype(np.int8) for present, _ in found)
    names = [name for _, columns in kinds for name in columns]
    _missing(frame, given == 0, names)
    _bad(frame, given > 1, ", ".join(names), given, "values in one row; give exactly one")
    if len(found) == 1:
        return ids, dates, found[0][1]
    merged = np.empty(len(frame), dtype=object)
    for present, checked in found:
        merged[np.flatnonzero(present)] = _objects(checked)
    return ids, dates, merged.tolist()


def _missing(frame: Any, mask: Any, columns: list[str]) -> None:
    """Raise for the first row without a value, saying how to drop such rows."""
    import numpy as np

    rows = np.flatnonzero(mask)
    if len(rows):
        row = frame.index[int(rows[0])]
        row = row.item() if isinstance(row, np.generic) else row
        drop = f"subset={columns!r}" + (", how='all'" if len(columns) > 1 else "")
        raise ValidationError(
            f"{', '.join(columns)}: missing (NaN) at row {row!r}; "
            f"drop such rows first: frame.dropna({drop})"
        )


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

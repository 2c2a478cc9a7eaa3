"""`blockbax_async.dataframes`: models and series to DataFrames, many series read at once,
and DataFrames queued."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from blockbax_async import AsyncClient, sync
from blockbax_async.dataframes import (
    queue_dataframe,
    read_dataframe,
    series_to_dataframe,
    to_dataframe,
)
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ValidationError
from blockbax_async.models import (
    IngestionId,
    Location,
    Measurement,
    MeasurementSeries,
    Metric,
    PrimaryLocation,
    Subject,
    SubjectType,
    SubjectTypePropertyType,
)

from .sync.test_client import seed_subjects

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

UTC = timezone.utc
T0 = datetime(2024, 3, 31, 0, 0, tzinfo=UTC)  # the night the clocks in Amsterdam go forward


@pytest.fixture
def blocking(served: Emulator) -> Iterator[sync.Client]:
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        yield client


def test_models_to_a_frame() -> None:
    rooms = [
        SubjectType(
            "Room",
            primary_location=PrimaryLocation("METRIC", "m-1"),
            property_types=[SubjectTypePropertyType("p-1", True)],
            id="t-1",
            created_date=datetime(2024, 1, 1, 12, tzinfo=UTC),
        ),
        SubjectType("Hall", id="t-2"),
    ]
    frame = to_dataframe(rooms)
    assert list(frame.columns) == [
        "name",
        "parent_subject_type_ids",
        "primary_location.type",
        "primary_location.id",
        "property_types",
        "id",
        "created_date",
        "updated_date",
        "parent_subject_type_id",
    ]
    assert frame["primary_location.type"][0] == "METRIC"
    assert frame["primary_location.type"].isna().tolist() == [False, True]
    assert frame["property_types"][0] == [{"id": "p-1", "required": True, "visible": None}]
    assert (
        str(frame["created_date"].dtype).startswith("datetime64")
        and frame["created_date"].dt.tz is not None
    )
    assert frame["created_date"][0] == pd.Timestamp("2024-01-01T12:00Z")
    assert pd.isna(frame["created_date"][1])
    assert to_dataframe([]).empty


def test_a_listing_to_a_frame(served: Emulator, blocking: sync.Client) -> None:
    seed_subjects(served, 3)
    frame = to_dataframe(blocking.subjects.list())
    assert frame["name"].tolist() == ["subject-0", "subject-1", "subject-2"]
    assert frame["ingestion_ids"][0][0]["ingestion_id"] == "subject-0$temp"


def _series() -> list[MeasurementSeries]:
    hours = [datetime(2024, 3, 31, h, tzinfo=UTC) for h in range(3)]
    return [
        MeasurementSeries(
            "s-1", "temp", [Measurement(d, number=n * 1.5) for n, d in enumerate(hours)]
        ),
        MeasurementSeries("s-1", "note", [Measurement(hours[1], text="hi")]),
        MeasurementSeries("s-2", "where", [Measurement(hours[2], location=Location(52.0, 4.3))]),
    ]


def test_series_long() -> None:
    frame = series_to_dataframe(_series(), tz="Europe/Amsterdam")
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    assert str(frame.index.tz) == "Europe/Amsterdam"
    assert [t.hour for t in frame.index] == [1, 3, 4, 3, 4]  # 02:00 does not exist that night
    assert list(frame.columns) == ["subject_id", "metric_id", "number", "text", "lat", "lon", "alt"]
    assert frame["number"].tolist()[:3] == [0.0, 1.5, 3.0]
    assert frame["text"].tolist()[3] == "hi" and frame["lat"].tolist()[4] == 52.0


def test_series_wide() -> None:
    frame = series_to_dataframe(_series(), "wide")
    assert str(frame.index.tz) == "UTC" and len(frame) == 3
    assert list(frame.columns) == [("s-1", "temp"), ("s-1", "note"), ("s-2", "where")]
    assert frame[("s-1", "temp")].tolist() == [0.0, 1.5, 3.0]
    assert frame[("s-1", "note")].tolist()[1] == "hi"
    assert frame[("s-2", "where")].iloc[2] == Location(52.0, 4.3)
    assert series_to_dataframe([], "wide").empty
    with pytest.raises(ValidationError, match="form"):
        series_to_dataframe([], "tall")  # type: ignore[arg-type]


def _frame(ingestion_id: str, count: int, tz: str = "Europe/Amsterdam") -> Any:
    index = pd.date_range(T0, periods=count, freq="15min", name="date").tz_convert(tz)
    values = np.arange(count) * 0.25
    return pd.DataFrame({"ingestion_id": ingestion_id, "value": values}, index=index)


def _stored(client: sync.Client, served: Emulator, external_id: str) -> list[MeasurementSeries]:
    subject = served.state.collection("subjects")
    found = next(s for s in subject.values() if s["externalId"] == external_id)
    return client.measurements.list(
        subject_ids=[found["id"]],
        metric_ids=[found["ingestionIds"][0]["metricId"]],
        from_date=0,
        to_date=4_000_000_000_000,
    ).collect()


def test_round_trip_with_time_zones(served: Emulator, blocking: sync.Client) -> None:
    ids = seed_subjects(served, 2)
    frame = _frame(ids[0], 16)
    assert queue_dataframe(blocking.measurements, frame) == 16
    assert blocking.measurements.flush().accepted == 16
    back = series_to_dataframe(_stored(blocking, served, "subject-0"), tz="Europe/Amsterdam")
    assert back.index.dtype == frame.index.dtype and back.index.equals(frame.index)
    assert back["number"].tolist() == frame["value"].tolist()
    wide = series_to_dataframe(_stored(blocking, served, "subject-0"), "wide", tz="Asia/Kolkata")
    wide.columns = [ids[1]]
    assert queue_dataframe(blocking.measurements, wide, form="wide") == 16
    blocking.measurements.flush()
    assert [m["date"] for m in served.state.measurements[ids[1]]] == [
        m["date"] for m in served.state.measurements[ids[0]]
    ]


async def test_async_measurements(emulator: Emulator, client: AsyncClient) -> None:
    ids = seed_subjects(emulator, 3)
    index = pd.DatetimeIndex([T0, T0.replace(minute=1)], name="date")
    wide = pd.DataFrame(
        {ids[0]: [1.0, math.nan], ids[1]: [np.nan, 2.5], ids[2]: [3, 4]}, index=index
    )
    assert queue_dataframe(client.measurements, wide, form="wide") == 4
    assert (await client.measurements.flush()).accepted == 4
    ms = int(T0.timestamp() * 1000)
    assert emulator.state.measurements[ids[1]] == [{"date": ms + 60_000, "number": 2.5}]
    assert emulator.state.measurements[ids[2]] == [
        {"date": ms, "number": 3},
        {"date": ms + 60_000, "number": 4},
    ]


def test_long_frames_of_every_kind(served: Emulator, blocking: sync.Client) -> None:
    frame = pd.DataFrame(
        {
            "ingestion_id": ["a$n", "a$t", "a$l", "a$l"],
            "date": [1, 2, 3, 4],
            "number": [1.5, None, None, None],
            "text": [None, "on", None, None],
            "lat": [None, None, 52.1, 52.2],
            "lon": [None, None, 4.3, 4.4],
            "alt": [None, None, 10.0, None],
        }
    )
    assert queue_dataframe(blocking.measurements, frame) == 4
    assert [(m.ingestion_id, m.date, m.value) for m in blocking.measurements.pending()] == [
        ("a$n", 1, 1.5),
        ("a$t", 2, "on"),
        ("a$l", 3, {"lat": 52.1, "lon": 4.3, "alt": 10.0}),
        ("a$l", 4, {"lat": 52.2, "lon": 4.4}),
    ]
    mixed = pd.DataFrame({"ingestion_id": ["a$n", "a$t"], "date": [5, 6], "value": [2, "off"]})
    assert queue_dataframe(blocking.measurements, mixed) == 2
    strings = pd.DataFrame(
        {"ingestion_id": ["a$t"], "date": ["2024-03-31T02:30:00+02:00"], "value": ["x"]}
    )
    queue_dataframe(blocking.measurements, strings)
    assert blocking.measurements.pending()[-1].date == int(T0.timestamp() * 1000) + 1_800_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"value": [1.0, math.nan, 3.0]},
            r"value: missing \(NaN\) at row 'b'; drop such rows first: "
            r"frame.dropna\(subset=\['value'\]\)",
        ),
        ({"value": [1.0, math.inf, 3.0]}, r"value: inf \(row 'b'\): not finite"),
        ({"value": [1.0, 1e21, 3.0]}, "more than 20 digits"),
        ({"value": ["ok", "x" * 1001, "ok"]}, "more than 1000 characters"),
        ({"value": [True, False, True]}, "booleans"),
        ({"date": [1, 2, 10**15]}, r"date: .* \(row 'c'\): outside"),
        ({"date": pd.date_range("2024-01-01", periods=3)}, "naive dates"),
        ({"ingestion_id": ["a$b", None, "a$b"]}, r"ingestion_id: .* \(row 'b'\): missing"),
    ],
)
def test_a_bad_frame_queues_nothing(
    blocking: sync.Client, change: dict[str, Any], message: str
) -> None:
    frame = pd.DataFrame(
        {"ingestion_id": "a$b", "date": [1, 2, 3], "value": [1.0, 2.0, 3.0]}, index=["a", "b", "c"]
    )
    blocking.measurements.queue("a$b", number=0.5, date=0)
    with pytest.raises(ValidationError, match=message):
        queue_dataframe(blocking.measurements, frame.assign(**change))
    assert len(blocking.measurements) == 1


def test_missing_values_across_value_columns(blocking: sync.Client) -> None:
    frame = pd.DataFrame(
        {"ingestion_id": "a$b", "date": [1, 2], "number": [1.0, None], "text": ["x", None]}
    )
    frame.loc[0, "text"] = None
    drop = r"frame.dropna\(subset=\['number', 'text'\], how='all'\)"
    with pytest.raises(ValidationError, match=rf"number, text: missing \(NaN\) at row 1; .*{drop}"):
        queue_dataframe(blocking.measurements, frame)
    assert (
        queue_dataframe(blocking.measurements, frame.dropna(subset=["number", "text"], how="all"))
        == 1
    )


def test_decimals_and_bad_locations(blocking: sync.Client) -> None:
    frame = pd.DataFrame({"ingestion_id": "a$b", "date": [1, 2], "value": [1 / 3, 2.0]})
    with pytest.raises(ValidationError, match="more than 8 fractional digits; decimals=8 rounds"):
        queue_dataframe(blocking.measurements, frame, decimals=None)  # strict
    assert len(blocking.measurements) == 0
    queue_dataframe(blocking.measurements, frame)  # rounded to the API's 8 digits by default
    assert blocking.measurements.pending()[0].value == 0.33333333
    places = pd.DataFrame({"ingestion_id": "a$l", "date": [1], "lat": [95.0], "lon": [4.0]})
    with pytest.raises(ValidationError, match=r"lat: 95.0 .*: not in -90\.\.90"):
        queue_dataframe(blocking.measurements, places)
    both = pd.DataFrame({"ingestion_id": "a$l", "date": [1], "number": [1.0], "text": ["x"]})
    with pytest.raises(ValidationError, match=r"number, text: 2 \(row 0\): .*give exactly one"):
        queue_dataframe(blocking.measurements, both)
    with pytest.raises(ValidationError, match="columns: 1: give a non-empty str"):
        queue_dataframe(blocking.measurements, pd.DataFrame({1: [1.0]}, index=[5]), form="wide")
    assert len(blocking.measurements) == 2


def test_pandas_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"blockbax-async\[pandas\]"):
        to_dataframe([])


@pytest.mark.parametrize(
    ("labels", "columns", "names"),
    [
        ("id", [("s-1", "m-1"), ("s-1", "m-2")], ["subject_id", "metric_id"]),
        ("ingestion_id", ["pump-1$temp", "pump-1$note"], ["ingestion_id"]),
        ("external_id", [("pump-1", "temp"), ("pump-1", "note")], ["subject", "metric"]),
        ("name", [("Pump 1", "Temp"), ("Pump 1", "Note")], ["subject", "metric"]),
    ],
)
def test_series_labels(labels: Any, columns: list[Any], names: list[str]) -> None:
    subject = Subject(
        name="Pump 1",
        subject_type_id="t-1",
        external_id="pump-1",
        id="s-1",
        ingestion_ids=[
            IngestionId(metric_id="m-1", ingestion_id="pump-1$temp"),
            IngestionId(metric_id="m-2", ingestion_id="pump-1$note"),
        ],
    )
    metrics = [
        Metric("t-1", "Temp", "NUMBER", "temp", id="m-1"),
        Metric("t-1", "Note", "TEXT", "note", id="m-2"),
    ]
    series = [
        MeasurementSeries("s-1", "m-1", [Measurement(T0, number=1.0)]),
        MeasurementSeries("s-1", "m-2", [Measurement(T0, text="hi")]),
    ]
    wide = series_to_dataframe(series, "wide", labels=labels, subjects=[subject], metrics=metrics)
    assert list(wide.columns) == columns and list(wide.columns.names) == names
    long = series_to_dataframe(series, labels=labels, subjects=[subject], metrics=metrics)
    assert list(long.columns[: len(names)]) == names


def test_labels_that_cannot_be_made() -> None:
    series = [MeasurementSeries("s-1", "m-1"), MeasurementSeries("s-2", "m-1")]
    with pytest.raises(ValidationError, match="subjects: no subject 's-1' among"):
        series_to_dataframe(series, labels="ingestion_id")
    twins = [Subject("Pump", "t-1", f"p-{n}", id=f"s-{n}") for n in (1, 2)]
    temp = [Metric("t-1", "Temp", "NUMBER", "temp", id="m-1")]
    with pytest.raises(ValidationError, match=r"several series the label \('Pump', 'Temp'\)"):
        series_to_dataframe(series, labels="name", subjects=twins, metrics=temp)
    with pytest.raises(ValidationError, match="labels: 'uuid' is not one of"):
        series_to_dataframe(series, labels="uuid")  # type: ignore[arg-type]


def _queue_readings(emulator: Emulator, client: Any, count: int) -> list[str]:
    ids = seed_subjects(emulator, count)
    for n, ingestion_id in enumerate(ids):
        for minute in range(3):
            client.measurements.queue(
                ingestion_id, number=n + minute / 10, date=T0.replace(minute=minute)
            )
    return ids


async def test_read_many_series_at_once(emulator: Emulator, client: AsyncClient) -> None:
    ids = _queue_readings(emulator, client, 12)
    assert (await client.measurements.flush()).accepted == 36
    emulator.requests.clear()
    frame = await read_dataframe(
        client,
        [*ids, "subject-99$temp"][:-1],
        from_date=T0,
        to_date=T0.replace(minute=2),
        concurrency=4,
    )
    assert list(frame.columns) == ids and frame.columns.name == "ingestion_id"
    assert len(frame) == 2 and frame[ids[3]].tolist() == [3.0, 3.1]
    assert sum(r.path.endswith("/measurements") for r in emulator.requests) == 12
    by_name = await read_dataframe(
        client, ids[:2], from_date=T0, to_date="2024-03-31T00:05:00Z", form="long", labels="name"
    )
    assert by_name["subject"].tolist() == ["subject-0"] * 3 + ["subject-1"] * 3
    assert set(by_name["metric"]) == {"Temp"}
    back = queue_dataframe(client.measurements, frame, form="wide")  # by ingestion ID: as is
    assert back == 24


async def test_read_refuses_before_reading(emulator: Emulator, client: AsyncClient) -> None:
    seed_subjects(emulator, 1)
    with pytest.raises(ValidationError, match="ingestion_ids: no subject has 'nope\\$temp'"):
        await read_dataframe(client, ["subject-0$temp", "nope$temp"], from_date=0, to_date=1)
    emulator.requests.clear()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"ingestion_ids": "subject-0$temp"}, "give a list of ingestion IDs"),
        ({"from_date": datetime(2024, 1, 1)}, "from_date"),
        ({"concurrency": 0}, "concurrency: 0"),
        ({"form": "tall"}, "form: 'tall'"),
    ]
    for bad, match in cases:
        args: dict[str, Any] = {
            "ingestion_ids": ["subject-0$temp"],
            "from_date": 0,
            "to_date": 1,
            **bad,
        }
        with pytest.raises(ValidationError, match=match):
            read_dataframe(client, **args)
    assert emulator.requests == []


def test_read_with_the_blocking_client(served: Emulator, blocking: sync.Client) -> None:
    ids = _queue_readings(served, blocking, 2)
    blocking.measurements.flush()
    frame = read_dataframe(
        blocking, ids, from_date=T0, to_date=T0.replace(hour=1), tz="Europe/Amsterdam"
    )
    assert frame.shape == (3, 2) and str(frame.index.tz) == "Europe/Amsterdam"
    empty = read_dataframe(blocking, ids, from_date=0, to_date=1)
    assert list(empty.columns) == ids and empty.empty

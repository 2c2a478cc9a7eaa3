"""What enters the queue: every way in refuses what could not be sent, and leaves the queue
as it was; whatever is queued can be sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blockbax_async import AsyncClient, IngestSettings, sync
from blockbax_async.cli._files import Record, open_source, read_records
from blockbax_async.dataframes import queue_dataframe
from blockbax_async.errors import QueueFullError, ValidationError
from blockbax_async.ingest._batches import build_body, read_answer

from .conftest import BASE_MS

BAD = "x\udcff"  # what surrogateescape makes of the byte 0xff
SURROGATE = r"x\\udcff"


@pytest.fixture
async def offline() -> AsyncIterator[AsyncClient]:
    """A client of a server that is not there, closed (without waiting) after the test."""
    client = AsyncClient(
        "p", "t", base_url="http://127.0.0.1:9", ingest=IngestSettings(close_timeout=0)
    )
    yield client
    await client.aclose()


@pytest.fixture
def blocking() -> Iterator[sync.Client]:
    settings = IngestSettings(close_timeout=0)
    with sync.Client("p", "t", base_url="http://127.0.0.1:9", ingest=settings) as client:
        yield client


Call = Callable[[Any], Any]
ASYNC_CALLS: dict[str, tuple[Call, str]] = {
    "queue id": (lambda m: m.queue(BAD, number=1.0, date=BASE_MS), "ingestion_id"),
    "queue text": (lambda m: m.queue("a$b", text=BAD, date=BASE_MS), "text"),
    "queue_many id": (lambda m: m.queue_many([BAD], [BASE_MS], [1.0]), "ingestion_id"),
    "queue_many text": (lambda m: m.queue_many(["a$b"], [BASE_MS], [BAD]), "text"),
}


@pytest.mark.parametrize("way", list(ASYNC_CALLS))
async def test_a_lone_surrogate_is_refused_where_it_enters(
    offline: AsyncClient, blocking: sync.Client, way: str
) -> None:
    call, field = ASYNC_CALLS[way]
    for measurements in (offline.measurements, blocking.measurements):
        measurements.queue("a$b", number=1.0, date=BASE_MS)
        with pytest.raises(ValidationError, match=f"{field}: '{SURROGATE}'.*lone surrogate"):
            call(measurements)
        assert [m.value for m in measurements.pending()] == [1.0]


async def test_put_refuses_a_lone_surrogate(offline: AsyncClient) -> None:
    with pytest.raises(ValidationError, match=f"ingestion_id: '{SURROGATE}'"):
        await offline.measurements.put(BAD, number=1.0)
    with pytest.raises(ValidationError, match=f"text: '{SURROGATE}'"):
        await offline.measurements.put("a$b", text=BAD)
    assert len(offline.measurements) == 0


@pytest.mark.parametrize(
    ("frame", "form", "problem"),
    [
        (pd.DataFrame({"ingestion_id": ["a$b"], "date": [BASE_MS], "text": [BAD]}), "long", "text"),
        (
            pd.DataFrame(
                {"ingestion_id": ["a$b", "c$d"], "date": [BASE_MS] * 2, "value": ["ok", BAD]}
            ),
            "long",
            "value",
        ),
        (
            pd.DataFrame({"ingestion_id": [BAD], "date": [BASE_MS], "value": [1.0]}),
            "long",
            "ingestion_id",
        ),
        (
            pd.DataFrame({BAD: [1.0]}, index=pd.DatetimeIndex([BASE_MS * 10**6], tz="UTC")),
            "wide",
            "columns",
        ),
    ],
)
def test_queue_dataframe_refuses_a_lone_surrogate(
    blocking: sync.Client, frame: Any, form: Any, problem: str
) -> None:
    with pytest.raises(ValidationError, match=f"{problem}: '{SURROGATE}'"):
        queue_dataframe(blocking.measurements, frame, form=form)
    assert len(blocking.measurements) == 0


async def test_the_jsonl_reader_keeps_a_surrogate_for_put_to_refuse(
    tmp_path: Path, offline: AsyncClient
) -> None:
    """JSON's \\ud800 escapes decode to lone surrogates; ``ingest`` puts each row and turns
    the ValidationError into a bad line, so the one check at put() covers the readers."""
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"ingestion_id": "a$b", "date": BASE_MS, "text": "\ud800"}) + "\n")
    with open_source(str(path)) as source:
        (row,) = read_records(source, "jsonl", None)
    assert isinstance(row, Record)
    with pytest.raises(ValidationError, match=r"text:.*lone surrogate"):
        await offline.measurements.put(row.ingestion_id, **{row.kind: row.value}, date=row.date)


@pytest.mark.parametrize("bad", [["a$b"], {"a": 1}, bytearray(b"a$b")])
async def test_an_unhashable_ingestion_id_is_a_validation_error(
    offline: AsyncClient, blocking: sync.Client, bad: Any
) -> None:
    for measurements in (offline.measurements, blocking.measurements):
        with pytest.raises(ValidationError, match="ingestion_id"):
            measurements.queue(bad, number=1.0)
        with pytest.raises(ValidationError, match="ingestion_id"):
            measurements.queue_many([bad], [BASE_MS], [1.0])
        assert len(measurements) == 0
    with pytest.raises(ValidationError, match="ingestion_id"):
        await offline.measurements.put(bad, number=1.0)


@pytest.mark.parametrize(
    ("ids", "problem"),
    [
        ("a$b", r"ingestion_ids: 'a\$b': give a list of ingestion IDs, e.g. \['a\$b'\]"),
        (b"a$b", "give a list"),
        (5, "give a list"),
        ([["a$b"]], r"ingestion_ids: \['a\$b'\]: give a non-empty str"),
        ([BAD], f"ingestion_ids: '{SURROGATE}'"),
    ],
)
async def test_flush_checks_its_ingestion_ids(offline: AsyncClient, ids: Any, problem: str) -> None:
    offline.measurements.queue("a$b", number=1.0, date=BASE_MS)
    with pytest.raises(ValidationError, match=problem):
        await offline.measurements.flush(ingestion_ids=ids)
    assert len(offline.measurements) == 1


@pytest.mark.parametrize("date", [1_700_000_000, 1_700_000_000.5, np.int64(1_700_000_000)])
async def test_epoch_seconds_are_refused_everywhere(
    offline: AsyncClient, blocking: sync.Client, date: Any
) -> None:
    for measurements in (offline.measurements, blocking.measurements):
        with pytest.raises(ValidationError, match=r"looks like epoch seconds.*\(x1000\)"):
            measurements.queue("a$b", number=1.0, date=date)
        with pytest.raises(ValidationError, match="looks like epoch seconds"):
            measurements.queue_many(["a$b"], [date], [1.0])
        assert len(measurements) == 0
    with pytest.raises(ValidationError, match="looks like epoch seconds"):
        await offline.measurements.put("a$b", number=1.0, date=date)
    frame = pd.DataFrame({"ingestion_id": ["a$b"], "date": [int(date)], "value": [1.0]})
    with pytest.raises(
        ValidationError, match=r"date: 1700000000 \(row 0\): looks like epoch seconds"
    ):
        queue_dataframe(blocking.measurements, frame)


async def test_numpy_dates_and_early_datetimes_are_taken(
    offline: AsyncClient, blocking: sync.Client
) -> None:
    february_1970 = datetime(1970, 2, 1, tzinfo=timezone.utc)  # ms in the "seconds" range
    numpy_date: Any = np.int64(BASE_MS)  # taken at run time; the signature says int
    for measurements in (offline.measurements, blocking.measurements):
        measurements.queue("a$b", number=1.0, date=numpy_date)
        measurements.queue("a$b", number=2.0, date=february_1970)
        measurements.queue("a$f", number=4.0, date=999_999_999)  # one subject: one lane
        assert [m.date for m in measurements.pending()] == [BASE_MS, 2_678_400_000, 999_999_999]
    blocking.measurements.put("a$d", number=3.0, date=february_1970)
    await offline.measurements.put("a$d", number=3.0, date=february_1970)
    assert offline.measurements.pending()[-1].date == 2_678_400_000
    early = offline.measurements.pending()[1]
    offline.measurements.queue(early.ingestion_id, **early.as_kwargs())  # what queue() takes
    assert offline.measurements.pending()[-1] == early


def test_queue_dataframe_sends_uint64_exactly(blocking: sync.Client) -> None:
    big = np.array([2**63 + 5, 2**64 - 1, 7], dtype=np.uint64)
    frame = pd.DataFrame({"ingestion_id": ["a$b"] * 3, "date": [BASE_MS + n for n in range(3)]})
    frame["value"] = big
    queue_dataframe(blocking.measurements, frame)
    values = [m.value for m in blocking.measurements.pending()]
    assert values == [2**63 + 5, 2**64 - 1, 7]
    body = build_body(["a$b"] * 3, [1, 2, 3], values)
    assert b'"number":9223372036854775813' in body and b'"number":18446744073709551615' in body
    wide = pd.DataFrame(
        {"w$x": big}, index=pd.DatetimeIndex([BASE_MS * 10**6 + n for n in range(3)], tz="UTC")
    )
    queue_dataframe(blocking.measurements, wide, form="wide")
    assert [m.value for m in blocking.measurements.pending()][3:] == [2**63 + 5, 2**64 - 1, 7]


def test_queue_dataframe_refuses_uint64_dates_that_wrap(blocking: sync.Client) -> None:
    dates = np.array([2**64 - 1000], dtype=np.uint64)  # as int64: -1000, a valid date
    frame = pd.DataFrame({"ingestion_id": ["a$b"], "date": dates, "value": [1.0]})
    with pytest.raises(ValidationError, match=r"date: 18446744073709550616 .*outside"):
        queue_dataframe(blocking.measurements, frame)


texts = st.text(st.characters(codec=None), max_size=5) | st.text(max_size=3).map(
    lambda t: t + "\udc80"
)
anything = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | texts
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(
        st.sampled_from(["lat", "lon", "alt", "x"]), st.floats(-200, 200) | texts, max_size=3
    )
    | st.datetimes(timezones=st.none() | st.just(timezone.utc))
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ingestion_id=anything | st.sampled_from(["a$b", "c$d"]),
    number=anything,
    location=st.none() | anything,
    text=st.none() | anything,
    date=st.none() | anything | st.integers(-(2**63), 2**63),
)
def test_queue_either_refuses_or_queues_something_sendable(
    offline: AsyncClient, ingestion_id: Any, number: Any, location: Any, text: Any, date: Any
) -> None:
    measurements = offline.measurements
    before = measurements.pending()
    try:
        measurements.queue(ingestion_id, number=number, location=location, text=text, date=date)
    except (ValidationError, QueueFullError):
        assert measurements.pending() == before
        return
    assert len(measurements) == len(before) + 1
    *_, queued = (m for m in measurements.pending() if m.ingestion_id == ingestion_id)
    body = build_body([queued.ingestion_id], [queued.date], [queued.value])
    assert json.loads(body)["series"][0]["ingestionId"] == ingestion_id


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | texts,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["numberOfIngestedMeasurements", "detailedMessages", "message", "x"]
                ),
                inner,
                max_size=3,
            )
        ),
        max_leaves=8,
    )
)
def test_read_answer_reads_any_json(answer: Any) -> None:
    read = read_answer(answer, {"a$b": 2, "c$d": 1})
    assert 0 <= read.accepted <= 3 and 0 <= read.unconfirmed <= 3 - read.accepted
    if read.unconfirmed:
        assert {"a$b", "c$d"} <= {r.ingestion_id for r in read.rejections}

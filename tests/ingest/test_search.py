"""measurements.list(): the read side, checked before anything is sent."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from blockbax_async import AsyncClient
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ValidationError
from blockbax_async.models import Location

from .conftest import seed

UTC = timezone.utc
START = datetime(2021, 1, 9, 12, tzinfo=UTC)
MS = 1610193600000


async def _fill(emulator: Emulator, client: AsyncClient) -> dict[str, tuple[str, str]]:
    index = seed(emulator, 2, {"temp": "NUMBER", "where": "LOCATION", "note": "TEXT"})
    for n in range(5):
        client.measurements.queue("s0$temp", number=20.0 + n, date=MS + 1000 * n)
    client.measurements.queue("s0$where", location={"lat": 52.1, "lon": 4.3, "alt": 1}, date=MS)
    client.measurements.queue("s0$note", text="open", date=START)
    client.measurements.queue("s1$temp", number=7, date=MS)
    assert (await client.measurements.flush()).ok
    return index


async def test_a_date_range_of_one_series(emulator: Emulator, client: AsyncClient) -> None:
    index = await _fill(emulator, client)
    subject, metric = index["s0$temp"]
    series = await client.measurements.list(
        subject_ids=[subject], metric_ids=[metric], from_date=START, to_date=MS + 3000
    )
    (one,) = series
    assert (one.subject_id, one.metric_id) == (subject, metric)
    assert [m.number for m in one.measurements] == [20.0, 21.0, 22.0]
    assert [m.date for m in one.measurements][1] == datetime(2021, 1, 9, 12, 0, 1, tzinfo=UTC)
    assert all(m.date.tzinfo is not None and m.location is None for m in one.measurements)
    latest = [
        s
        async for s in client.measurements.list(
            subject_ids=subject,
            metric_ids=metric,
            from_date="2021-01-09T12:00:00Z",
            order="DESC",
            size=2,
        )
    ]
    assert [m.number for m in latest[0].measurements] == [24.0, 23.0]


async def test_latest_of_every_series(emulator: Emulator, client: AsyncClient) -> None:
    index = await _fill(emulator, client)
    found = await client.measurements.list(subject_ids=[index["s0$temp"][0]]).collect()
    by_metric = {s.metric_id: s.measurements for s in found}
    assert len(by_metric) == 3
    (where,) = by_metric[index["s0$where"][1]]
    assert where.location == Location(lat=52.1, lon=4.3, alt=1)
    (note,) = by_metric[index["s0$note"][1]]
    assert note.text == "open" and note.date == START
    assert len(await client.measurements.list()) == 4


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"from_date": START}, "exactly one subject and one metric; got 0 and 0"),
        ({"subject_ids": ["a", "b"], "metric_ids": ["m"], "to_date": START}, "got 2 and 1"),
        (
            {"subject_ids": ["a"], "metric_ids": ["m"], "from_date": datetime(2021, 1, 1)},
            "from_date",
        ),
        ({"size": 0}, "size"),
        ({"order": "sideways"}, "order"),
        ({"subject_ids": ["a/b"]}, "subject_ids"),
    ],
)
async def test_checked_before_sending(
    emulator: Emulator, client: AsyncClient, kwargs: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        client.measurements.list(**kwargs)
    assert not emulator.requests

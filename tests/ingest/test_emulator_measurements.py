"""The emulator's measurement endpoints as a server: the API's rules, answers and storage."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from blockbax_async.emulator import Emulator
from blockbax_async.emulator._measurements import (
    INVALID_MESSAGE,
    ISSUES_MESSAGE,
    TRUNCATED_MESSAGE,
    UNKNOWN_MESSAGE,
)

from .conftest import seed


def _url(emulator: Emulator) -> str:
    return f"{emulator.base_url}/v1/projects/{emulator.project_id}/measurements"


async def _post(emulator: Emulator, body: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"ApiKey {emulator.api_key}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(_url(emulator), json=body, headers=headers) as response:
            return response.status, await response.json()


async def _get(emulator: Emulator, **query: str) -> tuple[int, Any]:
    headers = {"Authorization": f"ApiKey {emulator.api_key}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(_url(emulator), params=query, headers=headers) as response:
            return response.status, await response.json()


def _series(ingestion_id: str, *measurements: dict[str, Any]) -> dict[str, Any]:
    return {"ingestionId": ingestion_id, "measurements": list(measurements)}


async def test_more_than_500_is_a_400_and_stores_nothing(emulator: Emulator) -> None:
    seed(emulator, 2)
    many = [{"date": n, "number": 1} for n in range(300)]
    status, body = await _post(
        emulator, {"series": [_series("s0$temp", *many), _series("s1$temp", *many)]}
    )
    assert status == 400
    assert "limited to 500" in body["details"][0]
    assert not any(emulator.state.measurements.values())
    status, body = await _post(
        emulator, {"series": [_series("s0$temp", *many[:250]), _series("s1$temp", *many[:250])]}
    )
    assert status == 200 and body == {"numberOfIngestedMeasurements": 500}


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"series": {}},
        {"series": [{"measurements": []}]},
        {"series": [{"ingestionId": "a", "measurements": 1}]},
    ],
)
async def test_malformed_bodies_are_400(emulator: Emulator, body: Any) -> None:
    status, answer = await _post(emulator, body)
    assert status == 400 and answer["message"]


async def test_207_names_each_problem_as_the_api_does(emulator: Emulator) -> None:
    seed(emulator, 3, {"temp": "NUMBER", "note": "TEXT", "where": "LOCATION"})
    status, body = await _post(
        emulator,
        {
            "series": [
                _series("s0$temp", {"date": 1, "number": 10.3}, {"date": 2, "number": "11.5"}),
                _series("MyHouse$Humidity", {"date": 1, "number": 1}),
                _series("MyCar$Location", {"date": 1, "number": 1}),
                _series("s1$note", {"date": 1, "number": 3}, {"date": 2, "text": "y" * 1200}),
                _series("s2$where", {"date": 1, "location": {"lat": 91, "lon": 0}}),
                _series("s0$temp", {"date": 3, "number": 1.123456789}, {"date": 4}),
            ]
        },
    )
    assert status == 207
    assert body == {
        "numberOfIngestedMeasurements": 4,
        "message": ISSUES_MESSAGE,
        "detailedMessages": [
            UNKNOWN_MESSAGE.format("MyHouse$Humidity, MyCar$Location"),
            INVALID_MESSAGE.format("s1$note, s2$where, s0$temp"),
            TRUNCATED_MESSAGE.format("s1$note, s0$temp"),
        ],
    }
    assert body["detailedMessages"][0] == (
        "Tried to save measurements for ingestion ids: MyHouse$Humidity, MyCar$Location. These "
        "ingestion ids could not be found or you have no access to the corresponding subject."
    )
    stored = emulator.state.measurements
    assert stored["s0$temp"] == [
        {"date": 1, "number": 10.3},
        {"date": 2, "number": 11.5},
        {"date": 3, "number": 1.12345679},
    ]
    assert stored["s1$note"] == [{"date": 2, "text": "y" * 1000}]


async def test_same_ingestion_id_and_date_overwrites_in_place(emulator: Emulator) -> None:
    seed(emulator, 1)
    await _post(
        emulator, {"series": [_series("s0$temp", *({"date": d, "number": d} for d in (1, 2, 3)))]}
    )
    await _post(
        emulator,
        {"series": [_series("s0$temp", {"date": 2, "number": 20}, {"date": 4, "number": 4})]},
    )
    assert emulator.state.measurements["s0$temp"] == [
        {"date": 1, "number": 1},
        {"date": 2, "number": 20},
        {"date": 3, "number": 3},
        {"date": 4, "number": 4},
    ]
    emulator.state.measurements.clear()  # a test may reset the store
    await _post(emulator, {"series": [_series("s0$temp", {"date": 2, "number": 5})]})
    assert emulator.state.measurements["s0$temp"] == [{"date": 2, "number": 5}]


@pytest.mark.parametrize(
    ("date", "stored"),
    [
        ("2021-01-09T12:00:00.000+00:00", 1610193600000),
        ("2021-01-09T12:00:00Z", 1610193600000),
        ("2021-01-09T14:00:00.123+0200", 1610193600123),
        (1610193600123, 1610193600123),
    ],
)
async def test_dates_as_the_api_takes_them(emulator: Emulator, date: Any, stored: int) -> None:
    seed(emulator, 1)
    status, _ = await _post(emulator, {"series": [_series("s0$temp", {"date": date, "number": 1})]})
    assert status == 200
    assert emulator.state.measurements["s0$temp"][0]["date"] == stored


async def test_search_rules_and_answers(emulator: Emulator) -> None:
    index = seed(emulator, 2, {"temp": "NUMBER", "note": "TEXT"})
    subject, metric = index["s0$temp"]
    await _post(
        emulator,
        {
            "series": [
                _series("s0$temp", *({"date": 1610193600000 + d, "number": d} for d in range(5))),
                _series("s0$note", {"date": 1610193600000, "text": "hi"}),
            ]
        },
    )
    status, body = await _get(
        emulator,
        subjectIds=subject,
        metricIds=metric,
        fromDate="2021-01-09T12:00:00.001Z",
        toDate="2021-01-09T12:00:00.004Z",
    )
    assert status == 200
    (series,) = body["series"]
    assert series["subjectId"] == subject and series["metricId"] == metric
    assert series["measurements"] == [
        {"date": "2021-01-09T12:00:00.001+0000", "number": 1},
        {"date": "2021-01-09T12:00:00.002+0000", "number": 2},
        {"date": "2021-01-09T12:00:00.003+0000", "number": 3},
    ]
    status, body = await _get(
        emulator,
        subjectIds=subject,
        metricIds=metric,
        fromDate="2021-01-09T12:00:00Z",
        order="desc",
        size="2",
    )
    assert [m["number"] for m in body["series"][0]["measurements"]] == [4, 3]
    status, body = await _get(emulator)  # no range: the latest of every series
    latest = {s["metricId"]: s["measurements"] for s in body["series"]}
    assert latest[metric] == [{"date": "2021-01-09T12:00:00.004+0000", "number": 4}]
    assert len(latest) == 2
    status, body = await _get(
        emulator, subjectIds=f"{subject},{index['s1$temp'][0]}", fromDate="2021-01-09T12:00:00Z"
    )
    assert status == 400 and "exactly one subject and one metric" in body["details"][0]
    status, body = await _get(emulator, order="sideways")
    assert status == 400


@pytest.mark.parametrize(
    ("item", "kind", "status", "stored"),
    [
        ({"date": 1, "number": 2.5}, "number", 0, {"date": 1, "number": 2.5}),
        ({"date": 1, "number": "2.5"}, None, 0, {"date": 1, "number": 2.5}),
        ({"date": 1, "number": "NaN"}, None, 2, None),
        ({"date": 1, "number": "abc"}, None, 2, None),
        ({"date": 1, "number": 1e20}, None, 2, None),
        ({"date": 1, "number": True}, None, 2, None),
        ({"date": 1, "number": 0.1 + 0.2}, None, 0, {"date": 1, "number": 0.1 + 0.2}),
        ({"date": 1, "number": 2.123456789}, None, 1, {"date": 1, "number": 2.12345679}),
        ({"date": 1, "text": "t"}, "number", 2, None),
        ({"date": 1, "number": 1, "text": "t"}, None, 2, None),
        (
            {"date": 1, "location": {"lat": 1, "lon": 2}},
            "location",
            0,
            {"date": 1, "location": {"lat": 1, "lon": 2}},
        ),
        (
            {"date": 1, "location": {"lat": "1.5", "lon": 2, "alt": 3}},
            None,
            0,
            {"date": 1, "location": {"lat": 1.5, "lon": 2, "alt": 3}},
        ),
        ({"date": 1, "location": {"lat": 1}}, None, 2, None),
        ({"date": 1, "location": {"lat": 1, "lon": 181}}, None, 2, None),
        ({"date": 1, "location": [1, 2]}, None, 2, None),
        ({"date": 253402300800000, "number": 1}, None, 2, None),
        ({"date": "not a date", "number": 1}, None, 2, None),
        ({"number": 1}, None, 0, {"date": 99, "number": 1}),
        ("just text", None, 2, None),
    ],
)
def test_measurement_checks(item: Any, kind: str | None, status: int, stored: Any) -> None:
    from blockbax_async.emulator._measurements import _measurement

    assert _measurement(item, kind, 99) == (status, stored)

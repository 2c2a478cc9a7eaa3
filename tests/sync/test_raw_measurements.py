"""`measurements.with_raw_response`: the search's answer beside its page, async and blocking."""

from __future__ import annotations

import pytest

from blockbax_async import AsyncClient, RawResponse, sync
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ValidationError
from blockbax_async.models import MeasurementSeries

from .test_client import seed_subjects


def _stored(served: Emulator) -> tuple[str, str]:
    (ingestion_id,) = seed_subjects(served, 1)
    subject = next(iter(served.state.collection("subjects").values()))
    metric = next(iter(served.state.collection("metrics").values()))
    served.state.measurements[ingestion_id] = [{"date": 1, "number": 1.5}, {"date": 2, "number": 2}]
    return subject["id"], metric["id"]


def test_the_blocking_raw_search_answers_with_the_response(served: Emulator) -> None:
    subject_id, metric_id = _stored(served)
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        raw = client.measurements.with_raw_response.list(
            subject_ids=[subject_id], metric_ids=[metric_id], from_date=0, to_date=10
        )
    assert isinstance(raw, RawResponse) and raw.status_code == 200
    assert raw.method == "GET" and "/measurements" in raw.url
    (series,) = raw.parse().items
    assert isinstance(series, MeasurementSeries)
    assert [m.number for m in series.measurements] == [1.5, 2]


async def test_the_async_raw_search_finds_what_the_plain_one_does(served: Emulator) -> None:
    subject_id, metric_id = _stored(served)
    async with AsyncClient(served.project_id, served.api_key, base_url=served.base_url) as client:
        raw = await client.measurements.with_raw_response.list(metric_ids=[metric_id])
        assert [s.subject_id for s in raw.parse().items] == [subject_id]
        assert raw.parse().items == await client.measurements.list(metric_ids=[metric_id])
        sent = len(served.requests)
        with pytest.raises(ValidationError, match="size: 0"):
            await client.measurements.with_raw_response.list(metric_ids=[metric_id], size=0)
        assert len(served.requests) == sent

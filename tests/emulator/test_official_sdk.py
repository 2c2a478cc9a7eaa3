"""The official ``blockbax-sdk`` 1.8.1 against the emulator: it must work as against the API
(repeated list parameters, ``True``/``False`` flags, derived ingestion IDs, ``None`` on 404)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from blockbax_async.emulator import Emulator, seed

blockbax_sdk = pytest.importorskip("blockbax_sdk")
pytestmark = pytest.mark.official_sdk


@pytest.fixture
def official(served: Emulator) -> Any:
    return blockbax_sdk.HttpClient(served.api_key, served.project_id, endpoint=served.base_url)


def test_metadata_round_trip(served: Emulator, official: Any) -> None:
    city = official.create_property_type("City", "city", "TEXT", True, [{"text": "Delft"}])
    building = official.create_subject_type(
        "Building", property_types=[{"id": str(city.id), "required": False}]
    )
    metric = official.create_metric(building.id, "My Temp", "number", "ingested", "own")
    assert metric.external_id == "my-temp" and metric.visible is True
    subject = official.create_subject("My House", building.id)
    assert subject.external_id == "my-house"
    assert subject.get_ingestion_id(metric.id) == "my-house$my-temp"
    subject.name = "Our House"
    subject.set_properties([{"typeId": str(city.id), "valueId": str(city.values[0].id)}])
    updated = official.update_subject(subject)
    assert updated.name == "Our House" and updated.properties[0].value_id == city.values[0].id
    assert [t.name for t in official.get_subject_types(property_type_ids=[city.id])] == ["Building"]
    assert official.get_subject("00000000-0000-0000-0000-000000000000") is None
    official.delete_subject(subject.id)
    assert official.get_subjects() == []


def test_paged_listing(served: Emulator, official: Any) -> None:
    seeded = seed.subjects(served.state, 450)
    served.requests.clear()
    listed = official.get_subjects()
    assert [str(s.id) for s in listed] == [s["id"] for s in seeded]
    assert len(served.requests) == math.ceil(450 / 200)
    some = official.get_subjects(subject_ids=[seeded[3]["id"], seeded[7]["id"]])
    assert [s.name for s in some] == ["subject-3", "subject-7"]


TRIGGER = "55555555-5555-5555-5555-555555555555"
ACCOUNT = "88888888-8888-8888-8888-888888888888"


def test_events_and_alarms(served: Emulator, official: Any) -> None:
    subject = seed.subjects(served.state, 1)[0]
    seed.event(
        served.state, subject_id=subject["id"], event_trigger_id=TRIGGER, event_level="WARNING"
    )
    seed.event(
        served.state,
        subject_id=subject["id"],
        event_trigger_id=TRIGGER,
        event_level="PROBLEM",
        end_date="2024-01-01T00:00:00.000+0000",
        start_date="2023-12-31T00:00:00.000+0000",
    )
    active = official.get_events(active=True, event_levels=["WARNING", "PROBLEM"])
    assert [e.event_level for e in active] == ["WARNING"]
    assert len(official.get_events(from_date="2023-12-31T12:00:00+00:00")) == 2
    alarm = seed.alarm(served.state, subject_id=subject["id"], event_trigger_id=TRIGGER)
    seed.alarm_activity(
        served.state, alarm["id"], account_id=ACCOUNT, caption="Ann", field_name="x"
    )
    assert [a.id for a in official.get_alarms(statuses=["UNACKED"], active=True)] == [1]
    assert official.get_alarm(1).status == "UNACKED"
    logs, metadata = official.get_alarm_activity_logs(1)
    assert len(logs) == 1 and metadata[ACCOUNT].caption == "Ann"

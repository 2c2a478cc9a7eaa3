"""The official ``blockbax-sdk`` 1.8.1 against the emulator: it must work as against the API
(repeated list parameters, ``True``/``False`` flags, derived ingestion IDs, ``None`` on 404)."""

from __future__ import annotations

import math
from decimal import Decimal
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


def test_the_official_workflow_end_to_end(served: Emulator, official: Any) -> None:
    models = blockbax_sdk.models
    assert official.get_project_details().name == "Emulated project"
    city = official.create_property_type(
        "City", "city", "TEXT", True, [{"text": "Delft", "caption": "Home"}]
    )
    city.add_value("Leiden")
    city = official.update_property_type(city)
    assert [v.get_value() for v in city.values] == ["Delft", "Leiden"]
    floors = official.create_property_type("Floors", "floors", "NUMBER", False)
    place = official.create_property_type("Place", "place", "LOCATION", False)
    links = [{"id": str(t.id), "required": False} for t in (city, floors)]
    building = official.create_subject_type(
        "Building",
        primary_location={"type": "PROPERTY_TYPE", "id": str(place.id)},
        property_types=links,
    )
    assert building.contains_property_type(place.id)
    temperature = official.create_metric(building.id, "Temperature", "NUMBER", "INGESTED", "OWN")
    where = official.create_metric(building.id, "Where", "LOCATION", "INGESTED", "OWN")
    note = official.create_metric(building.id, "Note", "TEXT", "INGESTED", "OWN")
    properties = [
        {"typeId": str(floors.id), "number": 3.5},
        {"typeId": str(place.id), "location": {"lat": 52.01, "lon": 4.36, "alt": 1}},
        {"typeId": str(city.id), "valueId": str(city.values[0].id)},
    ]
    hall = official.create_subject("Town hall", building.id, properties=properties)
    assert hall.get_property_by_type_id(floors.id).number == Decimal("3.5")
    assert hall.get_property_by_type_id(place.id).location.lat == Decimal("52.01")
    hall.set_properties([{"typeId": str(floors.id), "number": 4}])
    hall.remove_properties([city.id])
    hall = official.update_subject(hall)
    assert hall.get_property_by_type_id(floors.id).number == 4
    assert hall.get_property_by_type_id(city.id) is None
    assert [
        s.name for s in official.get_subjects(property_value_ids=str(hall.properties[0].value_id))
    ] == ["Town hall"]
    triggers = models.EvaluationTriggers(
        new_measurement={"from_input_metrics": True, "from_other_metrics": False}
    )
    rule = {
        "eventLevel": "PROBLEM",
        "conditionSets": [
            {
                "description": "too warm",
                "inputConditions": [
                    {
                        "type": "THRESHOLD",
                        "leftOperand": {"type": "METRIC", "id": str(temperature.id)},
                        "comparisonOperator": "GREATER_THAN",
                        "rightOperand": {"type": "STATIC_VALUE", "number": "25.5"},
                    }
                ],
            }
        ],
    }
    trigger = official.create_event_trigger(building.id, "Too warm", True, triggers, "NONE", [rule])
    assert trigger.evaluation_triggers.new_measurement.from_input_metrics is True
    trigger.active = False
    trigger.evaluation_triggers.new_measurement.from_other_metrics = True
    trigger = official.update_event_trigger(trigger)
    assert (trigger.version, trigger.active) == (2, False)
    stored = served.state.collection("eventTriggers")[str(trigger.id)]
    assert stored["evaluationTrigger"] == "SUBJECT_METRICS"
    assert [t.name for t in official.get_event_triggers(name="warm")] == ["Too warm"]
    official.queue_measurement(
        hall.get_ingestion_id(temperature.id), 1_700_000_000, number=21.123456789
    )
    official.queue_measurement(
        hall.get_ingestion_id(where.id), 1_700_000_000, location={"lat": 52.1, "lon": 4.3}
    )
    official.queue_measurement(hall.get_ingestion_id(note.id), 1_700_000_000, text="open")
    official.send_measurements()
    series = official.get_measurements(subject_ids=[hall.id])
    values = {str(s.metric_id): s.measurements[0].get_value() for s in series}
    assert values[str(temperature.id)] == Decimal("21.12345679")
    assert values[str(where.id)].lat == Decimal("52.1") and values[str(note.id)] == "open"
    assert series[0].latest_date.timestamp() == 1_700_000_000
    official.delete_event_trigger(trigger.id)
    official.delete_subject(hall.id)
    assert official.get_event_trigger(trigger.id) is None and official.get_subjects() == []

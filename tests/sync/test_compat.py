"""``sync.HttpClient``, the drop-in for ``blockbax_sdk.HttpClient`` 1.8.1, over the emulator."""

from __future__ import annotations

import inspect
import math
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.compat import script
from blockbax_async.emulator import Emulator, seed
from blockbax_async.errors import ServerError, ValidationError
from blockbax_async.models import EventTrigger
from blockbax_async.sync import HttpClient
from blockbax_async.sync._official import epoch_ms, value_ids_filter

from .test_client import seed_subjects

EXPECTED = {
    "project": "Emulated project",
    "cities": ["Delft", "Leiden", "Utrecht"],
    "metric": ["temperature", "NUMBER", True],
    "subjects": [f"Building {n}" for n in range(4)],
    "floors": [0.5, 1.5, 2.5, 3.5],
    "places": [52.0, 52.01, 52.02, 52.03],
    "in_delft": 2,
    "renamed": ["Town hall", 10.0],
    "unplaced": True,
    "trigger": ["Too warm", False, 2],
    "values": [20 + i / 4 for i in range(10)],
    "notes": [f"checked Building {n}" for n in range(4)],
    "where": [[51.9, 4.5]],
    "gone": True,
    "left": 3,
}


@pytest.fixture
def client(served: Emulator) -> Iterator[HttpClient]:
    with HttpClient(served.api_key, served.project_id, served.base_url) as c:
        yield c


def _state(emulator: Emulator) -> dict[str, Any]:
    """What the server holds, with ids numbered by first sight, no dates and no nulls."""
    names = ("propertyTypes", "subjectTypes", "metrics", "subjects", "eventTriggers")
    state: dict[str, Any] = {name: list(emulator.state.collection(name).values()) for name in names}
    state["measurements"] = dict(emulator.state.measurements)
    ids: dict[str, str] = {}

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: clean(item)
                for key, item in value.items()
                if item is not None and key not in ("createdDate", "updatedDate")
            }
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
            return ids.setdefault(value, f"id-{len(ids)}")
        return value

    return clean(state)  # type: ignore[no-any-return]


def test_script_runs_unchanged(client: HttpClient) -> None:
    assert script(client) == EXPECTED


@pytest.mark.official_sdk
def test_script_gives_the_official_results_and_state(served: Emulator, client: HttpClient) -> None:
    blockbax_sdk = pytest.importorskip("blockbax_sdk")
    ours = script(client)
    with Emulator().in_thread() as other:
        official = blockbax_sdk.HttpClient(other.api_key, other.project_id, endpoint=other.base_url)
        assert script(official) == ours
        assert _state(other) == _state(served)


@pytest.mark.official_sdk
def test_same_methods_and_parameters_as_the_official_client() -> None:
    blockbax_sdk = pytest.importorskip("blockbax_sdk")
    theirs = dict(inspect.getmembers(blockbax_sdk.HttpClient, inspect.isfunction))
    for name, method in theirs.items():
        if name.startswith("_") and name != "__init__":
            continue
        ours = inspect.signature(getattr(HttpClient, name)).parameters.values()
        positional = [(p.name, p.kind, p.default) for p in ours if p.kind != p.KEYWORD_ONLY]
        wanted = [
            (p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()
        ]
        assert positional[: len(wanted)] == wanted, name


def test_constructor_as_the_official_one(served: Emulator) -> None:
    with pytest.raises(ValueError, match="both project ID and Access token"):
        HttpClient("", served.project_id)
    with HttpClient(
        access_token=served.api_key, project_id=served.project_id, endpoint=served.base_url + "/"
    ) as client:
        assert client.project_id == served.project_id
        assert served.api_key not in repr(client)
        assert client.get_user_agent().startswith("blockbax-async/")


def test_missing_resources(client: HttpClient) -> None:
    unknown = str(uuid.uuid4())
    assert client.get_subject(unknown) is None
    assert client.get_metric(unknown) is None
    assert client.get_event(unknown) is None
    assert client.get_alarm(7) is None
    assert client.get_alarm_activity_logs(7) == ([], {})
    client.delete_subject(unknown)
    room = client.create_subject_type("Room")
    assert room is not None
    client.delete_subject_type(room.id or "")
    assert client.update_subject_type(room) is None
    assert client.get_subjects() == []


def test_create_metric_leaves_the_official_defaults(served: Emulator, client: HttpClient) -> None:
    room = client.create_subject_type("Room")
    assert room is not None
    # Lower case works at run time, as in the official SDK (whose types also say upper case).
    metric = client.create_metric(room.id or "", "My Temp", "number", "ingested", "own")  # type: ignore[arg-type]
    assert metric is not None
    stored = served.state.collection("metrics")[metric.id or ""]
    assert {k: stored.get(k) for k in ("externalId", "dataType", "type", "mappingLevel")} == {
        "externalId": "my-temp",
        "dataType": "NUMBER",
        "type": "INGESTED",
        "mappingLevel": "OWN",
    }
    assert (stored["visible"], stored["discrete"]) == (True, False)
    with pytest.raises(NotImplementedError):
        client.create_metric(room.id or "", "Sum", "NUMBER", "calculated", "OWN")  # type: ignore[arg-type]


def test_create_subject_type_links_a_property_type_location(client: HttpClient) -> None:
    place = client.create_property_type("Place", "place", "LOCATION", False)
    assert place is not None
    site = client.create_subject_type(
        "Site", primary_location={"type": "PROPERTY_TYPE", "id": place.id}
    )
    assert site is not None
    assert [(p.id, p.required, p.visible) for p in site.property_types] == [(place.id, True, True)]
    with pytest.raises(TypeError):
        client.create_subject_type("Bad", primary_location="PROPERTY_TYPE")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="predefined"):
        client.create_property_type("City", "city", "TEXT", False, [{"text": "Delft"}])


def test_updates_take_models_and_dicts(client: HttpClient) -> None:
    city = client.create_property_type("City", "city", "TEXT", True, [{"text": "Delft"}])
    assert city is not None
    data = {"id": city.id, "name": "Town", "external_id": "city", "dataType": "TEXT"}
    updated = client.update_property_type({**data, "predefinedValues": True})
    assert updated is not None and updated.name == "Town"
    official_like = SimpleNamespace(to_request=lambda: {**data, "name": "Place"})
    assert client.update_property_type(official_like).name == "Place"  # type: ignore[arg-type, union-attr]


def test_event_triggers_from_official_shapes(served: Emulator, client: HttpClient) -> None:
    room = client.create_subject_type("Room")
    assert room is not None
    metric = client.create_metric(room.id or "", "Temp", "NUMBER", "INGESTED", "OWN")
    assert metric is not None
    rule = {
        "eventLevel": "PROBLEM",
        "conditionSets": [
            {
                "description": "too warm",
                "inputConditions": [
                    {
                        "type": "THRESHOLD",
                        "leftOperand": {"type": "METRIC", "id": metric.id},
                        "comparisonOperator": "GREATER_THAN",
                        "rightOperand": {"type": "STATIC_VALUE", "number": 25},
                    }
                ],
            }
        ],
    }
    trigger = client.create_event_trigger(
        room.id or "",
        "Too warm",
        True,
        {"newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": False}},
        "NONE",
        [rule],
    )
    assert isinstance(trigger, EventTrigger)
    assert served.state.collection("eventTriggers")[trigger.id or ""]["evaluationTrigger"] == (
        "INPUT_METRICS"
    )
    assert [t.name for t in client.get_event_triggers()] == ["Too warm"]
    trigger.active = False
    assert client.update_event_trigger(trigger).active is False  # type: ignore[union-attr]
    subject = client.create_subject("Kitchen", room.id or "")
    assert subject is not None
    seed.event(served.state, subject_id=subject.id or "", event_trigger_id=trigger.id or "")
    assert [e.event_level for e in client.get_events(active=True)] == ["WARNING"]
    alarm = seed.alarm(served.state, subject_id=subject.id or "", event_trigger_id=trigger.id or "")
    seed.alarm_activity(served.state, alarm["id"], account_id="a-1", caption="Ann")
    assert [a.id for a in client.get_alarms(statuses=["UNACKED"])] == [alarm["id"]]
    logs, accounts = client.get_alarm_activity_logs(alarm["id"])
    assert len(logs) == 1 and accounts["a-1"].caption == "Ann"
    client.delete_event_trigger(trigger.id or "")
    assert client.get_event_trigger(trigger.id or "") is None


def test_queue_measurement_reads_values_as_the_official_sdk(
    served: Emulator, client: HttpClient
) -> None:
    (temp,) = seed_subjects(served, 1)
    client.queue_measurement(temp, date=1_700_000_000, number=1.123456789)
    client.queue_measurement(temp, date=1_700_000_001_000, number=Decimal("2.5000000001"))
    client.queue_measurement(temp, date="2023-11-14T22:13:22+00:00", number=3)
    with pytest.raises(ValidationError):
        client.queue_measurement(temp, number=math.nan)
    with pytest.raises(ValidationError):
        client.queue_measurement(temp, location=SimpleNamespace(lat=95.0, lon=4.0))  # type: ignore[arg-type]
    result = client.send_measurements()
    assert result.accepted == 3
    assert served.state.measurements[temp] == [
        {"date": 1_700_000_000_000, "number": 1.12345679},
        {"date": 1_700_000_001_000, "number": 2.5},
        {"date": 1_700_000_002_000, "number": 3},
    ]


def test_a_failed_send_raises_and_keeps_the_batch(served: Emulator) -> None:
    (temp,) = seed_subjects(served, 1)
    with HttpClient(served.api_key, served.project_id, served.base_url, max_retries=0) as client:
        client.queue_measurement(temp, date=1_700_000_000_000, number=1.0)
        served.faults.error_rate = 1.0
        with pytest.raises(ServerError):
            client.send_measurements()
        served.faults.error_rate = 0.0
        assert client.send_measurements().accepted == 1


def test_load_project_is_deprecated(client: HttpClient, tmp_path: Any) -> None:
    with pytest.warns(DeprecationWarning, match="experimental"):
        resources = client.load_project(tmp_path)
    assert resources.project.name == "Emulated project" and resources.subjects == []


LOCAL = datetime(2023, 11, 14, 23, 13, 20).astimezone().utcoffset()


@pytest.mark.parametrize(
    ("date", "ms"),
    [
        (1_700_000_000, 1_700_000_000_000),
        (1_700_000_000.5, 1_700_000_000_500),
        (1_700_000_000_000, 1_700_000_000_000),
        (datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc), 1_700_000_000_000),
        ("2023-11-14T22:13:20.000Z", 1_700_000_000_000),
        ("2023-11-14T23:13:20+01:00", 1_700_000_000_000),
    ],
)
def test_dates_as_the_official_sdk_reads_them(date: Any, ms: int) -> None:
    assert epoch_ms(date) == ms


def test_naive_dates_are_local_time() -> None:
    naive = datetime(2023, 11, 14, 22, 13, 20)
    assert epoch_ms(naive) == int(naive.astimezone().timestamp() * 1000)
    assert epoch_ms(naive.isoformat()) == epoch_ms(naive)


@pytest.mark.parametrize(
    ("official", "ours"),
    [
        ([("a", "b"), "c"], [["a", "b"], ["c"]]),
        ("a,b;c", [["a", "b"], ["c"]]),
        (("a", "b"), [["a", "b"]]),
        (uuid.UUID(int=1), [[str(uuid.UUID(int=1))]]),
        ({"a"}, None),
        (None, None),
    ],
)
def test_property_value_filters(official: Any, ours: Any) -> None:
    assert value_ids_filter(official) == ours

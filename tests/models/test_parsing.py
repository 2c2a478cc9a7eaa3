"""Models against the API reference: every example answer parses and goes back out unchanged."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import cattrs
import pytest

from blockbax_async.errors import ValidationError
from blockbax_async.models import (
    DayTimeCondition,
    Event,
    EventTrigger,
    Image,
    IngestionId,
    IngestResult,
    Location,
    MeasurementSearchResult,
    Metric,
    Project,
    PropertyType,
    PropertyValue,
    PropertyValuesFilter,
    Subject,
    SubjectFilterItem,
    SubjectProperty,
    SubjectType,
    Webhook,
    WebhookResponse,
    structure,
    unstructure,
)
from blockbax_async.models._converter import _parse_date_slowly, format_date, parse_date

REFERENCE = Path(__file__).resolve().parents[1] / "data/api-examples.txt"  # from the reference
UTC = timezone.utc

# (method, path) -> (model, shape): "one" object, a "page" {count, result}, a bare "list", or
# an "empty" answer.
ROUTES: dict[tuple[str, str], tuple[Any, str]] = {
    ("GET", ""): (Project, "one"),
    ("GET", "/propertyTypes"): (PropertyType, "page"),
    ("GET", "/propertyTypes/{id}"): (PropertyType, "one"),
    ("PUT", "/propertyTypes/{id}"): (PropertyType, "one"),
    ("GET", "/subjectTypes"): (SubjectType, "page"),
    ("GET", "/subjectTypes/{id}"): (SubjectType, "one"),
    ("PUT", "/subjectTypes/{id}"): (SubjectType, "one"),
    ("GET", "/subjects"): (Subject, "page"),
    ("GET", "/subjects/{id}"): (Subject, "one"),
    ("PUT", "/subjects/{id}"): (Subject, "one"),
    ("GET", "/metrics"): (Metric, "page"),
    ("GET", "/metrics/{id}"): (Metric, "one"),
    ("PUT", "/metrics/{id}"): (Metric, "one"),
    ("GET", "/eventTriggers"): (EventTrigger, "page"),
    ("GET", "/eventTriggers/{id}"): (EventTrigger, "one"),
    ("PUT", "/eventTriggers/{id}"): (EventTrigger, "one"),
    ("GET", "/webhookSettings"): (Webhook, "page"),
    ("GET", "/webhookSettings/{id}"): (Webhook, "one"),
    ("PUT", "/webhookSettings/{id}"): (Webhook, "one"),
    ("GET", "/webhookSettings/{id}/webhookResponses"): (WebhookResponse, "list"),
    ("GET", "/webhookSettings/{id}/webhookResponses/{id}"): (WebhookResponse, "one"),
    ("GET", "/measurements"): (MeasurementSearchResult, "one"),
    ("POST", "/measurements"): (IngestResult, "one"),
    ("GET", "/events"): (Event, "page"),
    ("GET", "/events/{id}"): (Event, "one"),
}
ROUTES |= {("DELETE", path): (None, "empty") for method, path in ROUTES if method == "PUT"}

_REQUEST = re.compile(
    r'^(GET|POST|PUT|DELETE) "?https://api\.blockbax\.com/v1/projects/<PROJECT_ID>(\S*?)"?$', re.M
)


def _examples(marker: str) -> list[Any]:
    """pytest params ``(route, data)`` for each JSON block after ``marker`` in the reference."""
    if not REFERENCE.is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{REFERENCE} absent"))]
    text = REFERENCE.read_text(encoding="utf-8")
    params, seen = [], set()
    for match in re.finditer(marker, text, re.M):
        request = list(_REQUEST.finditer(text, 0, match.start()))[-1]
        route = (request.group(1), re.sub(r"<[A-Z_]+>", "{id}", request.group(2).split("?")[0]))
        start = re.compile(r"\S").search(text, match.end())
        assert start is not None
        data, _ = json.JSONDecoder().raw_decode(text, start.start())
        name = f"{route[0]} {route[1] or '/'}"
        params.append(pytest.param(route, data, id=name + ("#2" if name in seen else "")))
        seen.add(name)
    return params


RESPONSES = _examples(r"^Example response\s*$")
# Measurement bodies are built by the ingestion queue, not by models.
REQUESTS = [p for p in _examples(r"-d '") if p.values[0] != ("POST", "/measurements")]


def _normal(data: Any) -> Any:
    """``data`` without nulls and with dates as datetimes, for comparing JSON."""
    if isinstance(data, dict):
        return {key: _normal(value) for key, value in data.items() if value is not None}
    if isinstance(data, list):
        return [_normal(item) for item in data]
    if isinstance(data, str) and re.match(r"\d{4}-\d{2}-\d{2}T", data):
        return parse_date(data)
    return data


def _parse(route: tuple[str, str], data: Any) -> tuple[Any, Any]:
    """The model(s) for an example answer, and that answer rebuilt from them."""
    model, shape = ROUTES[route]
    if shape == "empty":
        assert data == {}
        return None, {}
    if shape == "page":
        items = structure(data["result"], list[model])  # type: ignore[valid-type]
        return items, {"count": data["count"], "result": unstructure(items)}
    parsed = structure(data, list[model] if shape == "list" else model)  # type: ignore[valid-type]
    return parsed, unstructure(parsed)


@pytest.mark.parametrize(("route", "data"), RESPONSES)
def test_example_response_round_trips(route: tuple[str, str], data: Any) -> None:
    _, rebuilt = _parse(route, data)
    assert _normal(rebuilt) == _normal(data)
    assert json.loads(json.dumps(rebuilt)) == rebuilt


def test_every_example_response_has_a_route() -> None:
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} absent")
    assert len(RESPONSES) == 31
    assert {param.values[0] for param in RESPONSES} == set(ROUTES)


@pytest.mark.parametrize(("route", "data"), REQUESTS)
def test_example_request_body_is_what_for_write_sends(route: tuple[str, str], data: Any) -> None:
    model, _ = ROUTES[route]
    body = unstructure(structure(data, model), for_write=True)
    assert _normal(body) == _normal(data)


def _dig(obj: Any, path: str) -> Any:
    for step in path.split("."):
        obj = obj[int(step)] if step.isdigit() else getattr(obj, step)
    return obj


T0 = datetime(2021, 1, 24, 15, 0, 1, 946000, tzinfo=UTC)
PROJECT, PTS, PT = ("GET", ""), ("GET", "/propertyTypes"), ("GET", "/propertyTypes/{id}")
STS, ST = ("GET", "/subjectTypes"), ("GET", "/subjectTypes/{id}")
SUBJECTS, SUBJECT_ = ("GET", "/subjects"), ("GET", "/subjects/{id}")
METRICS, METRIC = ("GET", "/metrics"), ("GET", "/metrics/{id}")
TRIGGER, WEBHOOK = ("GET", "/eventTriggers/{id}"), ("GET", "/webhookSettings/{id}")
RESPONSES_ = ("GET", "/webhookSettings/{id}/webhookResponses")
RESPONSE = ("GET", "/webhookSettings/{id}/webhookResponses/{id}")
SEARCH, INGEST = ("GET", "/measurements"), ("POST", "/measurements")
EVENTS, EVENT = ("GET", "/events"), ("GET", "/events/{id}")


def _cs(rule: int, condition_set: int, rest: str) -> str:
    return f"event_rules.{rule}.condition_sets.{condition_set}.{rest}"


def _ic(rule: int, condition_set: int, rest: str) -> str:
    return _cs(rule, condition_set, f"input_conditions.{rest}")


# Key fields of the example answers: (route, path into the parsed model, expected).
KEY_FIELDS = [
    (PROJECT, "id", "715b6935-e3d8-48b1-86a3-a6e2a268e1f"),
    (PROJECT, "created_date", T0),
    (PROJECT, "timezone_id", "Europe/Amsterdam"),
    (PROJECT, "organization_id", "86d9e586-70b7-4f6b-a5af-9cb5c48de661"),
    (PTS, "0.values.1.text", "Rotterdam"),
    (PTS, "1.values.0.caption", "ElevatorType1"),
    (PTS, "1.values.0.number", 5),
    (PTS, "2.values.0.location", Location(52.37403, 4.88969, -3.2)),
    (PTS, "3.data_type", "MAP_LAYER"),
    (PTS, "3.values.0.map_layer.right_top", Location(52.37404, 4.8897)),
    (PTS, "4.values.0.image.image_path", Any),
    (PTS, "5.values.0.area.polygon.outer_ring.1.lon", 3.88969),
    (("PUT", "/propertyTypes/{id}"), "predefined_values", True),
    (STS, "0.parent_subject_type_ids", ["5674b063-7be9-465e-a8d8-451170960acb"]),
    (ST, "primary_location.type", "PROPERTY_TYPE"),
    (ST, "property_types.1.visible", False),
    (SUBJECTS, "1.external_id", "MyOffice"),
    (SUBJECT_, "subject_type_id", "08efb2ce-18d2-4aa1-9f8c-f745386ad1ac"),
    (SUBJECT_, "ingestion_ids.0.ingestion_id", "MyIngestionId"),
    (SUBJECT_, "ingestion_ids.1.derive_ingestion_id", True),
    (SUBJECT_, "properties.6.inherit", True),
    (SUBJECT_, "properties.3.map_layer.left_bottom.lat", 52.37403),
    (SUBJECT_, "updated_date", datetime(2021, 1, 24, 15, 5, 2, 124000, UTC)),
    (METRICS, "1.mapping_level", "CHILD"),
    (METRIC, "unit", "°C"),
    (METRIC, "preferred_color", "#2fc177"),
    (("PUT", "/metrics/{id}"), "type", "INGESTED"),
    (TRIGGER, "evaluation_trigger", "SUBJECT_METRICS"),
    (TRIGGER, "evaluation_constraint", "ALL_TIMESTAMPS_MATCH"),
    (TRIGGER, "version", 1),
    (TRIGGER, "event_rules.0.event_level", "PROBLEM"),
    (TRIGGER, _ic(0, 0, "0.left_operand.aggregation.period.amount"), 2),
    (TRIGGER, _cs(0, 0, "occurrence_condition.occurrences"), 42),
    (TRIGGER, _cs(0, 0, "duration_condition.period.unit"), "MILLISECOND"),
    (TRIGGER, _cs(0, 0, "day_time_condition.monday.1.to_time"), "16:45"),
    (TRIGGER, _cs(0, 0, "day_time_condition.sunday"), None),
    (TRIGGER, _ic(0, 2, "0.right_operand.text"), "alarmStatus10"),
    (TRIGGER, _ic(0, 3, "0.left_operand.left_operand.arithmetic_operator"), "DISTANCE"),
    (TRIGGER, _ic(0, 4, "0.arithmetic_operator"), "CONTAINS"),
    (TRIGGER, _ic(1, 0, "1.left_operand.right_operand.offset.type"), "PREVIOUS_VALUE"),
    (TRIGGER, _ic(2, 0, "0.left_operand.right_operand.number"), 99.5),
    (TRIGGER, "subject_filter.include.subject_ids.1", "125b8167-eb00-4402-8fea-7406d4b5b295"),
    (TRIGGER, "subject_filter.exclude", None),
    (WEBHOOK, "endpoint", "https://euro.endpoint.com"),
    (WEBHOOK, "event_trigger_filter.type", "EXCLUDE"),
    (WEBHOOK, "event_level_filter", ["WARNING", "PROBLEM"]),
    (WEBHOOK, "subject_filter.exclude.property_values.0.value_ids.0", Any),
    (RESPONSES_, "2.status_code", None),
    (RESPONSES_, "2.response_type", "CONNECTION_ERROR"),
    (RESPONSE, "sequence_number", 10),
    (SEARCH, "series.0.measurements.1.number", 22.2),
    (SEARCH, "series.0.measurements.1.date", datetime(2021, 1, 2, 15, 0, 1, 976000, UTC)),
    (SEARCH, "series.1.measurements.0.location.alt", 30.1),
    (SEARCH, "series.2.measurements.0.text", "LowTirePressureAlarm"),
    (INGEST, "number_of_ingested_measurements", 2),
    (INGEST, "detailed_messages.2", Any),
    (EVENTS, "1.end_date", datetime(2021, 1, 10, 12, 3, tzinfo=UTC)),
    (EVENTS, "1.condition_set_ids", []),
    (EVENT, "event_level", "PROBLEM"),
    (EVENT, "suppressed", False),
]


def _response(route: tuple[str, str]) -> Any:
    for param in RESPONSES:
        if param.values[0] == route:
            return param.values[1]
    pytest.skip(f"{REFERENCE} absent")


@pytest.mark.parametrize(("route", "path", "expected"), KEY_FIELDS)
def test_example_key_fields(route: tuple[str, str], path: str, expected: Any) -> None:
    parsed, _ = _parse(route, _response(route))
    value = _dig(parsed, path)
    if expected is Any:
        assert isinstance(value, str) and value
    else:
        assert value == expected
        assert type(value) is type(expected)


def test_dates_are_aware_everywhere() -> None:
    subject = structure(_response(("GET", "/subjects/{id}")), Subject)
    assert subject.created_date is not None
    assert subject.created_date.utcoffset() == timedelta(0)


# --- variants --------------------------------------------------------------------------------

SUBJECT: dict[str, Any] = {
    "id": "f59ee376-ccec-40e1-8ebe-38bef7a30ac9",
    "createdDate": "2021-01-24T15:00:01.946+0000",
    "subjectTypeId": "08efb2ce-18d2-4aa1-9f8c-f745386ad1ac",
    "name": "My house",
    "externalId": "MyHouse",
    "ingestionIds": [
        {"metricId": "7c40cc50-aa51-4eb2-8937-71ce62798f17", "deriveIngestionId": True,
         "ingestionId": "MyHouse$Temp"},
    ],
    "properties": [
        {"typeId": "08efb2ce-18d2-4aa1-9f8c-f745386ad1ac",
         "valueId": "4204fbd0-d09b-4803-adc5-09dbbc448d30", "text": "Rotterdam"},
    ],
}  # fmt: skip


def test_unknown_fields_are_ignored() -> None:
    data = json.loads(json.dumps(SUBJECT))
    data["brandNewField"] = {"nested": [1, 2]}
    data["properties"][0]["alsoNew"] = True
    data["ingestionIds"][0]["weird"] = None
    subject = structure(data, Subject)
    assert unstructure(subject) == _normal(SUBJECT) | {
        "createdDate": "2021-01-24T15:00:01.946+00:00"
    }


@pytest.mark.parametrize(
    ("model", "data", "path", "value"),
    [
        (PropertyType, {"name": "n", "externalId": "e", "dataType": "HOLOGRAM"}, "data_type",
         "HOLOGRAM"),
        (Metric, {"subjectTypeId": "s", "name": "n", "dataType": "VECTOR", "type": "SIMULATED",
                  "mappingLevel": "GRANDCHILD"}, "mapping_level", "GRANDCHILD"),
        (Event, {"id": "e", "eventTriggerId": "t", "eventLevel": "CRITICAL", "subjectId": "s",
                 "startDate": "2021-01-10T12:03:00Z"}, "event_level", "CRITICAL"),
        (EventTrigger, {"name": "n", "subjectTypeId": "s", "evaluationTrigger": "PERIODIC",
                        "eventRules": [{"eventLevel": "NEW", "conditionSets": [{
                            "description": "d", "inputConditions": [{
                                "type": "FUZZY_MATCH", "comparisonOperator": "ROUGHLY",
                                "leftOperand": {"type": "FORECAST", "horizon": 3},
                                "rightOperand": {"type": "STATIC_VALUE", "number": 1}}]}]}]},
         "event_rules.0.condition_sets.0.input_conditions.0.left_operand.type", "FORECAST"),
        (Webhook, {"name": "n", "endpoint": "https://x", "eventLevelFilter": ["SEVERE"],
                   "eventTriggerFilter": {"type": "ONLY", "ids": []}},
         "event_trigger_filter.type", "ONLY"),
        (SubjectType, {"name": "n", "primaryLocation": {"type": "ASSET", "id": "i"}},
         "primary_location.type", "ASSET"),
    ],
)  # fmt: skip
def test_unknown_enum_values_are_kept(model: Any, data: Any, path: str, value: str) -> None:
    parsed = structure(data, model)
    assert _dig(parsed, path) == value
    rebuilt = _normal(unstructure(parsed))
    assert _dig(structure(rebuilt, model), path) == value


EXPECTED = datetime(2021, 1, 24, 15, 0, 1, 946000, tzinfo=UTC)


@attrs.define
class _Dated:
    date: datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-01-24T15:00:01.946+0000", EXPECTED),
        ("2021-01-24T15:00:01.946+00:00", EXPECTED),
        ("2021-01-24T15:00:01.946Z", EXPECTED),
        ("2021-01-24T15:00:01.946z", EXPECTED),
        ("2021-01-24T15:00:01.946", EXPECTED),
        ("2021-01-24T17:00:01.946+0200", EXPECTED),
        ("2021-01-24T13:00:01.946-02:00", EXPECTED),
        ("2021-01-24T17:00:01.946+02", EXPECTED),
        ("2021-01-24T15:00:01.946123456Z", EXPECTED.replace(microsecond=946123)),
        ("2021-01-24T15:00:01.9461239+0000", EXPECTED.replace(microsecond=946123)),
        ("2021-01-24T15:00:01.9Z", EXPECTED.replace(microsecond=900000)),
        ("2021-01-24T15:00:01Z", EXPECTED.replace(microsecond=0)),
        ("2021-01-24T15:00:01+0000", EXPECTED.replace(microsecond=0)),
        ("2021-01-24T15:00Z", EXPECTED.replace(second=0, microsecond=0)),
        (1611500401946, EXPECTED),
    ],
)
def test_dates_in_every_form(text: Any, expected: datetime) -> None:
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None
    slow = _parse_date_slowly(text)  # what Python 3.10 falls back to
    assert (slow if slow.tzinfo else slow.replace(tzinfo=UTC)) == expected
    assert structure({"date": text}, _Dated).date == expected


@pytest.mark.parametrize("text", ["yesterday", "2021-13-01T00:00:00Z", "", "2021-01-24T15:00:01+2"])
def test_bad_dates_raise_a_cattrs_error(text: str) -> None:
    with pytest.raises(cattrs.BaseValidationError):
        structure({"date": text}, _Dated)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (EXPECTED, "2021-01-24T15:00:01.946+00:00"),
        (EXPECTED.replace(microsecond=946999), "2021-01-24T15:00:01.946+00:00"),
        (EXPECTED.replace(microsecond=0), "2021-01-24T15:00:01.000+00:00"),
        (EXPECTED.replace(tzinfo=None), "2021-01-24T15:00:01.946+00:00"),
        (EXPECTED.astimezone(timezone(timedelta(hours=2))), "2021-01-24T17:00:01.946+02:00"),
    ],
)
def test_dates_are_written_with_milliseconds_and_offset(value: datetime, text: str) -> None:
    assert format_date(value) == text
    assert unstructure(_Dated(value)) == {"date": text}


def test_uuid_ids_become_strings() -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    subject = Subject("n", ids[0], "ext", id=ids[1], parent_subject_id=ids[2])
    subject.set_property(ids[3], value_id=ids[4])
    subject.override_ingestion_id(ids[4], "custom")
    assert subject.id == str(ids[1])
    assert subject.subject_type_id == str(ids[0])
    assert subject.parent_subject_id == str(ids[2])
    assert subject.get_property(ids[3]) == SubjectProperty(str(ids[3]), str(ids[4]))
    assert subject.get_ingestion_id(str(ids[4])) == "custom"
    filter_item = SubjectFilterItem([ids[0]], [PropertyValuesFilter(ids[1], [ids[2]])])
    assert unstructure(filter_item) == {
        "subjectIds": [str(ids[0])],
        "propertyValues": [{"typeId": str(ids[1]), "valueIds": [str(ids[2])]}],
    }
    subject.parent_subject_id = ids[0]  # type: ignore[assignment]
    assert unstructure(subject)["parentSubjectId"] == str(ids[0])
    assert json.dumps(unstructure(subject))


@pytest.mark.parametrize(
    ("route", "dropped"),
    [
        (("GET", "/subjects/{id}"), {"id", "createdDate", "updatedDate"}),
        (("GET", "/propertyTypes/{id}"), {"id", "createdDate", "updatedDate"}),
        (("GET", "/subjectTypes/{id}"), {"id", "createdDate", "updatedDate"}),
        (("GET", "/metrics/{id}"), {"id", "createdDate", "updatedDate"}),
        (("GET", "/eventTriggers/{id}"), {"id", "createdDate", "version"}),
        (("GET", "/webhookSettings/{id}"), {"id", "createdDate", "updatedDate"}),
        (("GET", ""), {"id", "createdDate", "updatedDate", "organizationId"}),
    ],
)
def test_for_write_drops_read_only_fields(route: tuple[str, str], dropped: set[str]) -> None:
    parsed, _ = _parse(route, _response(route))
    full, body = unstructure(parsed), unstructure(parsed, for_write=True)
    assert dropped <= set(full)
    assert set(full) - set(body) == dropped


def test_for_write_subject_properties_and_ingestion_ids() -> None:
    subject = structure(_response(("GET", "/subjects/{id}")), Subject)
    body = unstructure(subject, for_write=True)
    assert body["ingestionIds"] == [
        {"metricId": "7c40cc50-aa51-4eb2-8937-71ce62798f17", "deriveIngestionId": False,
         "ingestionId": "MyIngestionId"},
        {"metricId": "7f43ba7b-2c80-4e4f-b2b6-4f7fecd0311", "deriveIngestionId": True},
    ]  # fmt: skip
    assert body["properties"][0] == {
        "typeId": "08efb2ce-18d2-4aa1-9f8c-f745386ad1ac",
        "valueId": "4204fbd0-d09b-4803-adc5-09dbbc448d30",
    }
    assert body["properties"][-1] == {
        "typeId": "fc13e380-aee1-46c3-a125-2a7831b6d492",
        "inherit": True,
    }
    subject.set_property("b04fe3ba-02d2-45cd-8359-d3211d77685f", text="New")
    assert unstructure(subject, for_write=True)["properties"][-1] == {
        "typeId": "b04fe3ba-02d2-45cd-8359-d3211d77685f",
        "text": "New",
    }
    assert "createdDate" in unstructure(subject)  # the model itself is untouched


def test_subject_type_deprecated_parent_is_read_only() -> None:
    data = {"name": "n", "parentSubjectTypeId": "p", "parentSubjectTypeIds": ["p"]}
    subject_type = structure(data, SubjectType)
    assert subject_type.parent_subject_type_id == "p"
    assert unstructure(subject_type, for_write=True) == {
        "name": "n",
        "parentSubjectTypeIds": ["p"],
        "propertyTypes": [],
    }


EVALUATION_TRIGGERS = {"newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": False}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"evaluationTrigger": "SUBJECT_METRICS"}, "SUBJECT_METRICS"),
        ({"evaluationTriggers": EVALUATION_TRIGGERS}, "INPUT_METRICS"),
        (
            {"evaluationTriggers": {"newMeasurement": {"fromOtherMetrics": True}}},
            "SUBJECT_METRICS",
        ),
        (
            {"evaluationTrigger": "INPUT_METRICS", "evaluationTriggers": {"periodic": {}}},
            "INPUT_METRICS",
        ),
        ({"evaluationTriggers": {"periodic": {"delay": {"unit": "HOUR", "amount": 1}}}}, None),
    ],
)
def test_evaluation_trigger_in_both_shapes(data: dict[str, Any], expected: str | None) -> None:
    trigger = structure({"name": "t", "subjectTypeId": "s", "id": "i", **data}, EventTrigger)
    assert trigger.evaluation_trigger == expected
    assert trigger.evaluation_triggers == data.get("evaluationTriggers")
    body = unstructure(trigger, for_write=True)
    assert "evaluationTriggers" not in body and "id" not in body
    assert body.get("evaluationTrigger") == expected
    if "evaluationTriggers" in data:
        assert unstructure(trigger)["evaluationTriggers"] == data["evaluationTriggers"]


@pytest.mark.parametrize(
    ("model", "data", "path"),
    [
        (Subject, {"name": "n", "subjectTypeId": "s", "externalId": "e", "properties": None,
                   "ingestionIds": None}, "properties"),
        (PropertyType, {"name": "n", "externalId": "e", "dataType": "TEXT", "values": None},
         "values"),
        (Event, {"id": "e", "eventTriggerId": "t", "eventLevel": "OK", "subjectId": "s",
                 "startDate": "2021-01-10T12:03:00Z", "conditionSetIds": None},
         "condition_set_ids"),
    ],
)  # fmt: skip
def test_null_lists_become_empty(model: Any, data: Any, path: str) -> None:
    assert _dig(structure(data, model), path) == []


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (Subject, {"name": "n", "subjectTypeId": "s"}),
        (Subject, {"name": "n", "subjectTypeId": "s", "externalId": "e", "createdDate": "soon"}),
        (Subject, {"name": "n", "subjectTypeId": "s", "externalId": "e", "ingestionIds": 5}),
        (Subject, {"name": "n", "subjectTypeId": "s", "externalId": "e", "properties": [{}]}),
        (Subject, ["not", "a", "dict"]),
        (Metric, {"subjectTypeId": "s", "name": "n", "dataType": "NUMBER", "precision": "two"}),
        (Location, {"lat": "north", "lon": 1}),
    ],
)
def test_bad_data_raises_a_cattrs_error(model: Any, data: Any) -> None:
    with pytest.raises(cattrs.BaseValidationError):
        structure(data, model)


def test_day_time_condition_uses_day_names_as_keys() -> None:
    data = {"MONDAY": [{"fromTime": "10:00", "toTime": "12:00"}], "FRIDAY": []}
    condition = structure(data, DayTimeCondition)
    assert condition.monday is not None and condition.monday[0].from_time == "10:00"
    assert condition.friday == [] and condition.sunday is None
    assert unstructure(condition) == data


def test_numbers_keep_their_json_type() -> None:
    values = structure([{"number": 5}, {"number": 5.5}, {"number": "7.25"}], list[PropertyValue])
    assert [type(v.number) for v in values] == [int, float, float]
    assert unstructure(values) == [{"number": 5}, {"number": 5.5}, {"number": 7.25}]


# --- helpers ---------------------------------------------------------------------------------


def test_subject_property_helpers() -> None:
    subject = structure(SUBJECT, Subject)
    type_id = "08efb2ce-18d2-4aa1-9f8c-f745386ad1ac"
    new = subject.set_property(type_id, number=3, caption="three")
    assert subject.properties == [new] and subject.get_property(type_id) is new
    subject.set_property("other", location=Location(1.0, 2.0))
    subject.set_property("parent", inherit=True)
    assert [p.type_id for p in subject.properties] == [type_id, "other", "parent"]
    subject.remove_property(type_id)
    subject.remove_property("absent")
    assert subject.get_property(type_id) is None
    assert [p.type_id for p in subject.properties] == ["other", "parent"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give value_id, a value or inherit=True"),
        ({"text": "a", "number": 1}, "got text, number"),
        ({"inherit": True, "text": "a"}, "inherit=True takes no value_id or value"),
        ({"inherit": True, "value_id": "v"}, "inherit=True takes no value_id or value"),
        ({"caption": "only a caption"}, "give value_id, a value or inherit=True"),
    ],
)
def test_set_property_rejects_nonsense(kwargs: dict[str, Any], message: str) -> None:
    subject = Subject("n", "s", "e")
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        subject.set_property("type-1", **kwargs)
    assert "type-1" in str(info.value)
    assert subject.properties == []


def test_ingestion_id_helpers() -> None:
    subject = structure(SUBJECT, Subject)
    metric = "7c40cc50-aa51-4eb2-8937-71ce62798f17"
    subject.override_ingestion_id(metric, "Custom$Id")
    assert subject.ingestion_ids == [IngestionId(metric, False, "Custom$Id")]
    subject.derive_ingestion_id(metric)
    assert subject.ingestion_ids == [IngestionId(metric, True, None)]
    subject.override_ingestion_id("new-metric", "Other")
    assert subject.get_ingestion_id("new-metric") == "Other"
    subject.remove_ingestion_id(metric)
    subject.remove_ingestion_id("absent")
    assert [i.metric_id for i in subject.ingestion_ids] == ["new-metric"]
    with pytest.raises(ValueError, match="ingestion_id=''"):
        subject.override_ingestion_id(metric, "")


def test_property_type_value_helpers() -> None:
    city = structure(_response(("GET", "/propertyTypes/{id}")), PropertyType)
    added = city.add_value(text="Utrecht")
    assert city.values[-1] is added and added.id is None
    changed = city.change_value(
        "6121933f-6f90-448e-86d2-ced335ac9172", text="Den Haag", caption="c"
    )
    assert (changed.text, changed.caption) == ("Den Haag", "c")
    city.remove_value("4204fbd0-d09b-4803-adc5-09dbbc448d30")
    with pytest.raises(ValidationError, match="has no value 'absent'"):
        city.remove_value("absent")
    assert [v.text for v in city.values] == ["Den Haag", "Utrecht"]
    body = unstructure(city, for_write=True)
    assert body["values"][-1] == {"text": "Utrecht"}
    image = PropertyType("Photo", "photo", "IMAGE", predefined_values=True)
    image.add_value(image=Image(image_data="aGk="), caption="hi")
    assert unstructure(image, for_write=True)["values"] == [
        {"caption": "hi", "image": {"imageData": "aGk="}}
    ]


@pytest.mark.parametrize(
    ("predefined", "call", "message"),
    [
        (False, lambda t: t.add_value(text="a"), "predefined_values=False"),
        (True, lambda t: t.add_value(), "got none"),
        (True, lambda t: t.add_value(text="a", number=1), "got ['text', 'number']"),
        (True, lambda t: t.change_value("nope", text="a"), "has no value 'nope'"),
        (True, lambda t: (t.add_value("a"), t.change_value("a")), "got none"),
    ],
)
def test_property_type_helpers_reject_nonsense(predefined: bool, call: Any, message: str) -> None:
    property_type = PropertyType("City", "city", "TEXT", predefined_values=predefined)
    with pytest.raises(ValueError, match=re.escape(message)):
        call(property_type)


def test_subject_type_property_type_helpers() -> None:
    subject_type = structure(_response(("GET", "/subjectTypes/{id}")), SubjectType)
    first = "bfdc883b-524f-43e2-bef6-0e8f63a1b7ce"
    subject_type.add_property_type(uuid.UUID(first), required=False)
    added = subject_type.add_property_type("new-type")
    assert subject_type.property_types[-1] is added
    assert (added.required, added.visible) == (False, True)
    assert [p.id for p in subject_type.property_types] == [
        "50f381bf-eb46-4d73-9bfd-5bfb57db43d6",
        first,
        "new-type",
    ]
    subject_type.remove_property_type(first)
    subject_type.remove_property_type("absent")
    assert [p.id for p in subject_type.property_types][-1] == "new-type"
    assert len(subject_type.property_types) == 2


def test_models_are_built_without_ids_for_create() -> None:
    metric = Metric("s", "Temperature", "NUMBER", external_id="temp", mapping_level="OWN")
    assert unstructure(metric, for_write=True) == {
        "subjectTypeId": "s",
        "name": "Temperature",
        "dataType": "NUMBER",
        "externalId": "temp",
        "mappingLevel": "OWN",
        "type": "INGESTED",
    }
    webhook = Webhook("w", "https://x", authorization_header="Bearer secret")
    assert "secret" not in repr(webhook)

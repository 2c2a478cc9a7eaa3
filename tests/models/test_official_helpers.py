"""The model helpers official scripts call, pinned against the official ``blockbax-sdk``
1.8.1: the same call on an official model and on ours (parsed from the same JSON) gives the
same answer and leaves the same model behind. Where the official helper is broken (it
silently does nothing, or skips items), ours does what its name says; those are pinned
separately below."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from blockbax_async.errors import ValidationError
from blockbax_async.models import (
    DayTimeCondition,
    Location,
    MeasurementSeries,
    PropertyType,
    PropertyValue,
    Subject,
    SubjectType,
    SubjectTypePropertyType,
    TimeRange,
    structure,
    unstructure,
)
from blockbax_async.models._converter import parse_date, structure_input

official = pytest.importorskip("blockbax_sdk.models")
pytestmark = pytest.mark.official_sdk

CREATED = "2021-01-24T15:00:01.946+0000"
A, B, C = (str(uuid.UUID(int=n)) for n in (1, 2, 3))
M1, M2, M3 = (str(uuid.UUID(int=n)) for n in (11, 12, 13))
T1, T2 = (str(uuid.UUID(int=n)) for n in (21, 22))
V1, V2, V3 = (str(uuid.UUID(int=n)) for n in (31, 32, 33))

CITY = {
    "id": A,
    "createdDate": CREATED,
    "name": "City",
    "externalId": "city",
    "dataType": "TEXT",
    "predefinedValues": True,
    "values": [
        {"id": V1, "caption": "The capital", "text": "Amsterdam"},
        {"id": V2, "text": "Rotterdam"},
    ],
}
FLOORS = {
    **CITY,
    "name": "Floors",
    "externalId": "floors",
    "dataType": "NUMBER",
    "values": [{"id": V1, "number": 3}, {"id": V2, "number": 4.5}],
}
PLACE = {
    **CITY,
    "name": "Place",
    "externalId": "place",
    "dataType": "LOCATION",
    "values": [{"id": V1, "caption": "HQ", "location": {"lat": 52.1, "lon": 5.1}}],
}
BUILDING = {
    "id": A,
    "createdDate": CREATED,
    "name": "Building",
    "parentSubjectTypeIds": [],
    "propertyTypes": [
        {"id": A, "required": True, "visible": True},
        {"id": B, "required": False, "visible": False},
        {"id": C, "required": False, "visible": True},
    ],
}
HOUSE = {
    "id": A,
    "createdDate": CREATED,
    "name": "My house",
    "subjectTypeId": B,
    "externalId": "my-house",
    "ingestionIds": [
        {"metricId": M1, "deriveIngestionId": True, "ingestionId": "my-house$temp"},
        {"metricId": M2, "deriveIngestionId": False, "ingestionId": "custom"},
    ],
    "properties": [
        {"typeId": T1, "valueId": V1, "text": "Amsterdam"},
        {"typeId": T2, "valueId": V2, "number": 4},
    ],
}
SERIES = {
    "subjectId": A,
    "metricId": M1,
    "measurements": [
        {"date": "2023-11-14T22:13:20.000+0000", "number": 1},
        {"date": "2023-11-14T22:15:00.000+0000", "number": 3},
        {"date": "2023-11-14T22:14:00.000+0000", "number": 2},
    ],
}
MODELS: dict[str, tuple[Any, Any]] = {
    "PropertyType": (PropertyType, official.PropertyType),
    "SubjectType": (SubjectType, official.SubjectType),
    "Subject": (Subject, official.Subject),
    "Series": (MeasurementSeries, official.Series),
}


def _normal(value: Any) -> Any:
    """JSON made comparable across the two: no dates or nulls, ids and numbers as the
    same Python values (the official SDK writes numbers as strings)."""
    if isinstance(value, dict):
        skip = ("createdDate", "updatedDate")
        return {
            k: _date(v) if k == "date" else _normal(v)
            for k, v in value.items()
            if v is not None and k not in skip
        }
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _date(value: Any) -> int:
    return value if isinstance(value, int) else int(parse_date(value).timestamp() * 1000)


def _view(model: Any) -> Any:
    if model is None or isinstance(model, bool | str | int | float | uuid.UUID | list):
        return _normal(model)
    if hasattr(model, "to_request"):
        data = model.to_request()
    else:  # a subject as the official SDK writes it: inline values dropped beside a valueId
        data = unstructure(model, for_write=isinstance(model, Subject))
    if isinstance(data, dict):
        data.pop("id", None)
    return _normal(data)


def _both(kind: str, data: dict[str, Any]) -> tuple[Any, Any]:
    ours, theirs = MODELS[kind]
    return structure(data, ours), theirs.model_validate(data)


Call = Callable[[Any], Any]
# (model kind, JSON, the call, whether its answer is compared: queries answer, mutators
# answer None in the official SDK)
PARITY: list[tuple[str, dict[str, Any], Call, bool]] = [
    ("PropertyType", CITY, lambda m: m.contains_value("Rotterdam"), True),
    ("PropertyType", CITY, lambda m: m.contains_value("Utrecht"), True),
    ("PropertyType", FLOORS, lambda m: m.contains_value(4.5), True),
    ("PropertyType", FLOORS, lambda m: m.contains_value(Decimal("3")), True),
    ("PropertyType", CITY, lambda m: m.add_value("Utrecht"), False),
    ("PropertyType", CITY, lambda m: m.add_value("Utrecht", "Dom city"), False),
    ("PropertyType", FLOORS, lambda m: m.add_value(Decimal("2.5")), False),
    ("PropertyType", PLACE, lambda m: m.add_value({"lat": 51.9, "lon": 4.5}, "Port"), False),
    ("PropertyType", CITY, lambda m: m.remove_value("Rotterdam"), False),
    ("PropertyType", FLOORS, lambda m: m.remove_value(3), False),
    ("PropertyType", CITY, lambda m: m.change_value(m.values[1], "Den Haag"), False),
    ("PropertyType", CITY, lambda m: m.change_caption(m.values[1], "The port"), False),
    ("PropertyType", CITY, lambda m: [v.get_data_type() for v in m.values], True),
    ("PropertyType", FLOORS, lambda m: [v.get_data_type() for v in m.values], True),
    ("PropertyType", PLACE, lambda m: [v.get_data_type() for v in m.values], True),
    ("PropertyType", PLACE, lambda m: m.values[0].get_value().lat, True),
    ("SubjectType", BUILDING, lambda m: m.contains_property_type(B), True),
    ("SubjectType", BUILDING, lambda m: m.contains_property_type(uuid.UUID(C)), True),
    ("SubjectType", BUILDING, lambda m: m.contains_property_type(M1), True),
    ("SubjectType", BUILDING, lambda m: m.remove_property_types([B]), False),
    ("SubjectType", BUILDING, lambda m: m.remove_property_types([uuid.UUID(A), M1]), False),
    (
        "SubjectType",
        BUILDING,
        lambda m: m.add_property_types([{"id": M1, "required": True}]),
        False,
    ),
    (
        "SubjectType",
        BUILDING,
        lambda m: m.add_property_types([{"id": M1, "required": False, "visible": False}]),
        False,
    ),
    ("Subject", HOUSE, lambda m: m.get_metric_id("custom"), True),
    ("Subject", HOUSE, lambda m: m.get_metric_id("nope"), True),
    ("Subject", HOUSE, lambda m: m.has_ingestion_id("my-house$temp"), True),
    ("Subject", HOUSE, lambda m: m.has_ingestion_id("nope"), True),
    ("Subject", HOUSE, lambda m: m.has_ingestion_ids(["custom", "my-house$temp"]), True),
    ("Subject", HOUSE, lambda m: m.has_ingestion_ids(["custom", "nope"]), True),
    ("Subject", HOUSE, lambda m: m.has_metric_id(uuid.UUID(M2)), True),
    ("Subject", HOUSE, lambda m: m.has_metric_id(M3), True),
    ("Subject", HOUSE, lambda m: m.get_ingestion_id(M1), True),
    ("Subject", HOUSE, lambda m: m.remove_properties([T1]), False),
    ("Subject", HOUSE, lambda m: m.remove_properties([uuid.UUID(T2), M3]), False),
    ("Subject", HOUSE, lambda m: m.set_properties([{"typeId": T2, "number": 5}]), False),
    ("Subject", HOUSE, lambda m: m.set_properties([{"type_id": M3, "text": "new"}]), False),
    ("Subject", HOUSE, lambda m: m.set_properties([{"typeId": T1, "valueId": V3}]), False),
    ("Subject", HOUSE, lambda m: m.get_property_by_type_id(T2), True),
    ("Subject", HOUSE, lambda m: [p.get_data_type() for p in m.properties], True),
    ("Subject", HOUSE, lambda m: m.override_ingestion_id(M1, "mine"), False),
    ("Subject", HOUSE, lambda m: m.derive_ingestion_id(M2), False),
    ("Series", SERIES, lambda m: m.latest_date.timestamp(), True),
    ("Series", SERIES, lambda m: [x.get_data_type() for x in m], True),
    ("Series", SERIES, lambda m: [float(x.get_value()) for x in m], True),
]


@pytest.mark.parametrize(("kind", "data", "call", "answers"), PARITY)
def test_same_call_same_outcome(kind: str, data: dict[str, Any], call: Call, answers: bool) -> None:
    ours, theirs = _both(kind, data)
    our_answer, their_answer = call(ours), call(theirs)
    if answers:
        assert _view(our_answer) == _view(their_answer)
    assert _view(ours) == _view(theirs)


def test_day_time_condition_takes_the_official_names() -> None:
    hours = official.event_trigger.DayTimeConditionRange(from_time="08:00", to_time="17:00")
    theirs = official.event_trigger.DayTimeCondition(MONDAY=[hours], FRIDAY=[hours])
    ours = DayTimeCondition(
        MONDAY=[TimeRange("08:00", "17:00")], FRIDAY=[TimeRange("08:00", "17:00")]
    )
    assert unstructure(ours) == theirs.to_request()
    assert ours.MONDAY == ours.monday == [TimeRange("08:00", "17:00")]
    assert ours.MONDAY[0].from_time == theirs.MONDAY[0].from_time
    ours.SUNDAY = [TimeRange("10:00", "12:00")]
    assert ours.sunday == [TimeRange("10:00", "12:00")]
    assert structure_input(theirs.to_request(), DayTimeCondition).friday == ours.friday
    with pytest.raises(TypeError, match="'Monday'"):
        DayTimeCondition(Monday=[])
    with pytest.raises(TypeError, match="monday given twice"):
        DayTimeCondition(monday=[], MONDAY=[])


def test_subject_type_links_from_models() -> None:
    ours, theirs = _both("SubjectType", BUILDING)
    ours.add_property_types([SubjectTypePropertyType(M1, required=True)])
    theirs.add_property_types([official.SubjectTypePropertyType(id=M1, required=True)])
    assert _view(ours) == _view(theirs)


# Where the official helpers are broken, ours do what their names say.


def test_value_helpers_take_raw_values() -> None:
    city = structure(CITY, PropertyType)
    assert city.change_value("Rotterdam", "Den Haag").id == V2  # official: nothing changes
    assert city.change_caption("Den Haag", "The seat").caption == "The seat"  # official: same
    assert city.change_value(V1, text="Amsterdam", caption="Capital").caption == "Capital"
    assert [(v.text, v.caption) for v in city.values] == [
        ("Amsterdam", "Capital"),
        ("Den Haag", "The seat"),
    ]
    assert city.remove_value(V1).text == "Amsterdam"  # a value id still does
    place = structure(PLACE, PropertyType)
    assert place.contains_value({"lat": 52.1, "lon": 5.1})  # official: a dict never matches
    assert place.contains_value(Location(52.1, 5.1))
    assert place.change_value({"lat": 52.1, "lon": 5.1}, {"lat": 1, "lon": 2}).location == (
        Location(1, 2)
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.remove_value("Utrecht"), "'City' has no value 'Utrecht'"),
        (lambda t: t.change_value("Utrecht", "Delft"), "change_value: 'City' has no value"),
        (lambda t: t.change_caption("Utrecht", "x"), "change_caption: 'City' has no value"),
        (lambda t: t.add_value("Delft", text="Delft"), "the value or one value keyword"),
        (lambda t: t.add_value(5), "add_value.text: 5 is not a string"),
        (lambda t: t.change_value("Rotterdam"), "got none"),
    ],
)
def test_value_helpers_never_silently_do_nothing(call: Call, message: str) -> None:
    city = structure(CITY, PropertyType)
    with pytest.raises(ValidationError, match=message):
        call(city)
    assert _view(city) == _view(structure(CITY, PropertyType))


def test_adding_a_value_twice_keeps_one_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    city = structure(CITY, PropertyType)
    with caplog.at_level(logging.WARNING, "blockbax_async"):
        assert city.add_value("Rotterdam").id == V2  # official: a duplicate is appended
    assert [v.text for v in city.values] == ["Amsterdam", "Rotterdam"]
    assert "already has value 'Rotterdam'" in caplog.text


def test_captions_are_for_predefined_values_only() -> None:
    city = PropertyType("City", "city", "TEXT")
    with pytest.raises(ValidationError, match="predefined_values=False"):
        city.change_caption("Delft", "x")


def test_removing_adjacent_links_removes_both() -> None:
    ours, theirs = _both("SubjectType", BUILDING)
    ours.remove_property_types([A, B])
    theirs.remove_property_types([A, B])  # official: removing while iterating skips B
    assert [link.id for link in ours.property_types] == [C]
    assert [str(link.id) for link in theirs.property_types] == [B, C]


def test_removed_properties_stay_removed() -> None:
    ours, theirs = _both("Subject", HOUSE)
    for subject in (ours, theirs):
        subject.get_property_by_type_id(T1)
        subject.remove_properties([T1])
    assert ours.get_property_by_type_id(T1) is None
    assert theirs.get_property_by_type_id(T1) is not None  # official: a stale lookup map


def test_get_data_type_of_a_new_value() -> None:
    assert PropertyValue(text="x").get_data_type() == "text"
    assert PropertyValue().get_data_type() == "unknown"
    assert structure(HOUSE, Subject).properties[1].get_data_type() == "number"


def test_latest_date_of_an_empty_series() -> None:
    assert MeasurementSeries(A, M1).latest_date is None

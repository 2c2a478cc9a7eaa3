"""Caller input into models: models and plain mappings (snake_case or camelCase keys) are
checked attribute by attribute, with the path of a bad one in the message."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import pytest

from blockbax_async.errors import ValidationError
from blockbax_async.models import (
    ConditionSet,
    EventRule,
    Location,
    Operand,
    PropertyType,
    PropertyValue,
    Subject,
    SubjectFilter,
    SubjectFilterItem,
    SubjectProperty,
    SubjectType,
    Webhook,
)
from blockbax_async.models._converter import structure_input

TYPE_ID = "5c0b9a3e-1f2a-4c3d-8e4f-000000000001"


@pytest.mark.parametrize(
    ("data", "cls", "expected"),
    [
        (
            [{"caption": "HQ", "location": {"lat": 52.0, "lon": 5.1}}],
            list[PropertyValue],
            [PropertyValue(caption="HQ", location=Location(52.0, 5.1))],
        ),
        (
            {"typeId": uuid.UUID(TYPE_ID), "text": "Amsterdam"},
            SubjectProperty,
            SubjectProperty(TYPE_ID, text="Amsterdam"),
        ),
        (
            {"event_level": "OK", "conditionSets": [{"description": "d"}]},
            EventRule,
            EventRule("OK", [ConditionSet("d")]),
        ),
        (
            {"type": "CALCULATION", "leftOperand": {"type": "METRIC", "id": "m"}},
            Operand,
            Operand("CALCULATION", left_operand=Operand("METRIC", "m")),
        ),
        (
            {"name": "w", "endpoint": "https://x", "subjectFilter": {"include": {}}},
            Webhook,
            Webhook("w", "https://x", subject_filter=SubjectFilter(include=SubjectFilterItem())),
        ),
    ],
)
def test_mappings_become_models(data: Any, cls: Any, expected: Any) -> None:
    assert structure_input(data, cls) == expected


@pytest.mark.parametrize(
    ("data", "cls", "message"),
    [
        (
            [{"caption": "HQ", "location": {"lat": "x", "lon": 5.1}}],
            list[PropertyValue],
            "values[0].location.lat: 'x' is not a number",
        ),
        ([{"captoin": "HQ"}], list[PropertyValue], "values[0]: unknown key 'captoin'"),
        ([{"location": {"lat": 1}}], list[PropertyValue], "values[0].location.lon: required"),
        ([5], list[PropertyValue], "values[0]: 5 is not a PropertyValue or a mapping"),
        ("HQ", list[PropertyValue], "values: give a list, not 'HQ'"),
        ([{"text": datetime(2024, 1, 1)}], list[PropertyValue], "values[0].text: datetime"),
        ([{"number": True}], list[PropertyValue], "values[0].number: True is not a number"),
        ([{"text": "a", "text_": 1}], list[PropertyValue], "unknown key 'text_'"),
        ([{"caption": "a", "Caption": "b"}], list[PropertyValue], "unknown key 'Caption'"),
        ([{"id": 5}], list[PropertyValue], "values[0].id: 5 is not an id"),
        ([{"text": "x\udcff"}], list[PropertyValue], "values[0].text: 'x\\udcff' cannot be"),
    ],
)
def test_bad_input_names_its_path(data: Any, cls: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        structure_input(data, cls, "values")
    assert message in str(caught.value)


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="type_id: given twice"):
        structure_input({"type_id": "a", "typeId": "b"}, SubjectProperty)


def test_a_model_passes_as_it_is_unless_it_holds_mappings() -> None:
    prop = SubjectProperty(TYPE_ID, text="x")
    assert structure_input(prop, SubjectProperty) is prop
    subject = Subject("n", "t", "e", properties=[{"type_id": TYPE_ID, "number": 3}])  # type: ignore[list-item]
    checked = structure_input(subject, Subject, "item")
    assert checked.properties == [SubjectProperty(TYPE_ID, number=3)]
    assert checked is not subject


def test_a_wrong_attribute_of_a_model_is_named() -> None:
    subject = Subject("n", "t", "e")
    subject.parent_subject_id = 7  # type: ignore[assignment]
    with pytest.raises(ValidationError, match=r"item\.parent_subject_id: 7 is not an id"):
        structure_input(subject, Subject, "item")


def test_ids_given_as_other_types_are_not_coerced() -> None:
    with pytest.raises(ValidationError, match="type_id: 5 is not an id"):
        structure_input(SubjectProperty(5), SubjectProperty)  # type: ignore[arg-type]
    assert SubjectType(
        "s", parent_subject_type_ids=[uuid.UUID(TYPE_ID)]
    ).parent_subject_type_ids == [TYPE_ID]


def test_set_properties_takes_mappings_and_checks_them_all_first() -> None:
    subject = Subject("n", "t", "e")
    subject.set_properties([{"typeId": TYPE_ID, "valueId": "v"}, {"type_id": "b", "text": "x"}])
    assert [p.type_id for p in subject.properties] == [TYPE_ID, "b"]
    with pytest.raises(ValidationError, match=r"properties\[1\].number: 'x' is not a number"):
        subject.set_properties([{"type_id": "c", "text": "y"}, {"type_id": "d", "number": "x"}])
    assert [p.type_id for p in subject.properties] == [TYPE_ID, "b"]
    with pytest.raises(ValidationError, match="properties: give a list"):
        subject.set_properties({"type_id": "c"})  # type: ignore[dict-item]


def test_model_helpers_take_mappings() -> None:
    subject = Subject("n", "t", "e")
    prop = subject.set_property(TYPE_ID, location={"lat": 52.0, "lon": 5.1})
    assert prop.location == Location(52.0, 5.1)
    with pytest.raises(ValidationError, match=r"location\.lat: 'x' is not a number"):
        subject.set_property(TYPE_ID, location={"lat": "x", "lon": 5.1})
    with pytest.raises(ValidationError, match="text: 5 is not a string"):
        subject.set_property(TYPE_ID, text=5)  # type: ignore[arg-type]
    city = PropertyType("City", "city", "LOCATION", predefined_values=True)
    value = city.add_value(location={"lat": 52.0, "lon": 5.1}, caption="HQ")
    assert value.location == Location(52.0, 5.1)
    with pytest.raises(ValidationError, match="caption: 5 is not a string"):
        city.add_value(location=Location(1, 2), caption=5)  # type: ignore[arg-type]
    assert len(city.values) == 1


def test_dates_must_be_datetimes() -> None:
    with pytest.raises(ValidationError, match="created_date: '2024' is not a datetime"):
        structure_input({"name": "s", "created_date": "2024"}, SubjectType)
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert structure_input({"name": "s", "createdDate": when}, SubjectType).created_date == when

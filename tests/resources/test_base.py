"""The pure argument checks and encodings every namespace shares."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from blockbax_async.errors import ValidationError
from blockbax_async.models import ConditionSet, EventRule, EventTrigger
from blockbax_async.resources._base import (
    attribute_values,
    check_choices,
    check_id,
    check_ids,
    date_param,
    one_of,
    property_value_expression,
)

U = uuid.UUID("f59ee376-ccec-40e1-8ebe-38bef7a30ac9")
UTC = timezone.utc


@pytest.mark.parametrize(
    ("expression", "sent"),
    [
        (None, None),
        ("a", "a"),
        (U, str(U)),
        (["a"], "a"),
        (["a", "b"], "a;b"),
        ([["a", "b"]], "a,b"),
        ([["a", "b"], "c"], "a,b;c"),
        ([("a", U), ["c"], "d"], f"a,{U};c;d"),
        (("a", "b"), "a;b"),
    ],
)
def test_property_value_expression(expression: Any, sent: str | None) -> None:
    assert property_value_expression("f", expression) == sent


@pytest.mark.parametrize(
    ("expression", "message"),
    [([], "at least one"), ([[]], "empty list"), (["a;b"], "'a;b'"), ([["a", ""]], "f: not")],
)
def test_property_value_expression_refuses(expression: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        property_value_expression("f", expression)


@pytest.mark.parametrize(
    ("ids", "result"),
    [(None, None), ([], []), (["a", U], ["a", str(U)]), (("x",), ["x"]), ({"x"}, ["x"])],
)
def test_check_ids(ids: Any, result: Any) -> None:
    assert check_ids("f", ids) == result


@pytest.mark.parametrize(
    "ids",
    ["abc", U, ["a,b"], ["a/b"], [""], [3], b"ab", 5, {"a": "b"}, ["..", "#"]],
)
def test_check_ids_refuses(ids: Any) -> None:
    with pytest.raises(ValidationError, match=r"^f: "):
        check_ids("f", ids)


@pytest.mark.parametrize(
    ("value", "result"),
    [
        (U, str(U)),
        (str(U), str(U)),
        ("a$b", "a$b"),
        ("Pump-1", "Pump-1"),
        ("é", "é"),
        ("...", "..."),
    ],
)
def test_check_id(value: Any, result: str) -> None:
    assert check_id(value, "subject_id") == result


@pytest.mark.parametrize(
    "value",
    ["", ".", "..", "a/b", "?x=1", "#x", "a%2F", "a b", " a", "a\t", "a\n", "\x00", "a\x7f",
     "\u2003", "x\udcff", None, 5, b"ab"],
)  # fmt: skip
def test_check_id_refuses(value: Any) -> None:
    with pytest.raises(ValidationError, match=r"^subject_id: ") as caught:
        check_id(value, "subject_id")
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize(("value", "result"), [(None, None), ("own", "OWN"), ("CHILD", "CHILD")])
def test_one_of(value: Any, result: Any) -> None:
    assert one_of("f", value, ("OWN", "CHILD")) == result


@pytest.mark.parametrize("value", ["", "OTHER", 3, True])
def test_one_of_refuses(value: Any) -> None:
    with pytest.raises(ValidationError, match=f"f: {value!r} is not one of OWN, CHILD"):
        one_of("f", value, ("OWN", "CHILD"))


def test_check_choices() -> None:
    assert check_choices("f", None, ("A",)) is None
    assert check_choices("f", ["a", "A"], ("A",)) == ["A", "A"]
    with pytest.raises(ValidationError, match="give a list"):
        check_choices("f", "A", ("A",))


T = datetime(2024, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        T,
        T.astimezone(timezone(timedelta(hours=2))),
        int(T.timestamp() * 1000),
        "2024-03-01T12:00:00Z",
        "2024-03-01T14:00:00.000+02:00",
    ],
)
def test_date_param(value: Any) -> None:
    assert date_param("from_date", value) == T


@pytest.mark.parametrize("value", [datetime(2024, 3, 1), "yesterday", "2024-03-01T12:00:00", 1.5j])
def test_date_param_refuses(value: Any) -> None:
    with pytest.raises(ValidationError, match=r"^from_date"):
        date_param("from_date", value)


def test_attribute_values_walks_lists_and_skips_none() -> None:
    trigger = EventTrigger(
        "t",
        "s",
        event_rules=[EventRule("OK", [ConditionSet("a"), ConditionSet("b")]), EventRule("X")],
    )
    assert list(attribute_values(trigger, "event_rules[].condition_sets[].description")) == [
        ("event_rules[0].condition_sets[0].description", "a"),
        ("event_rules[0].condition_sets[1].description", "b"),
    ]
    assert list(attribute_values(trigger, "subject_filter.include.subject_ids")) == []
    assert list(attribute_values(trigger, "event_rules[]"))[1] == ("event_rules[1]", EventRule("X"))

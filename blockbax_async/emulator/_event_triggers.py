"""`/eventTriggers`: event triggers and their rule tree (checked, never evaluated).

The reference documents `evaluationTrigger` (`INPUT_METRICS` or `SUBJECT_METRICS`);
the official SDK 1.8.1 sends and requires an `evaluationTriggers` object instead. Either is
accepted (the object wins when a body has both, as an official update re-sends the field it
got back) and both are answered, with the deprecated `latestVersion` and `archived`.
"""

from __future__ import annotations

import uuid
from typing import Any

from .._vocabulary import (
    COMPARISON_OPERATORS,
    EVALUATION_CONSTRAINTS,
    EVALUATION_TRIGGERS,
    EVENT_LEVELS,
    OPERAND_TYPES,
    PERIOD_UNITS,
)
from ._checks import choice, existing, list_field, location, number, subject_filter
from ._collection import Collection, select_named
from ._query import fail
from ._state import State, require

__all__ = ["EVENT_TRIGGERS", "evaluation_triggers"]

_AGGREGATIONS = ("MIN", "MAX", "SUM", "COUNT", "AVG")
_SIDES = ("leftOperand", "rightOperand")


def _period(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"{where}: must be an object with unit and amount")
    unit = choice(value, "unit", PERIOD_UNITS, f"{where}.")
    amount = number(value.get("amount"), f"{where}.amount")
    if not isinstance(amount, int) or amount < 1:
        raise fail(f"{where}.amount: must be a whole number, 1 or more ({amount!r})")
    return {**value, "unit": unit, "amount": amount}


def _operand(value: Any, where: str, depth: int = 0) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"{where}: must be an object")
    kind = choice(value, "type", OPERAND_TYPES, f"{where}.")
    out = dict(value)
    if kind in ("METRIC", "PROPERTY_TYPE"):
        require(value, "id", str)
    if value.get("number") is not None:
        out["number"] = number(value["number"], f"{where}.number")
    if value.get("location") is not None:
        out["location"] = location(value["location"], f"{where}.location")
    if isinstance(value.get("aggregation"), dict):
        aggregation = value["aggregation"]
        choice(aggregation, "function", _AGGREGATIONS, f"{where}.aggregation.")
        period = _period(aggregation.get("period"), f"{where}.aggregation.period")
        out["aggregation"] = {**aggregation, "period": period}
    if kind in ("CALCULATION", "VALUE_CHANGE"):
        if depth > 0 and kind == "CALCULATION":
            raise fail(f"{where}: nested calculations are not allowed")
        for side in ("leftOperand", "rightOperand"):
            if side in value:
                out[side] = _operand(value[side], f"{where}.{side}", depth + 1)
    return out


def _condition_set(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"{where}: must be an object")
    require(value, "description", str)
    out = {**value, "id": value.get("id") or str(uuid.uuid4())}
    conditions = []
    for index, condition in enumerate(value.get("inputConditions") or ()):
        at = f"{where}.inputConditions[{index}]"
        if not isinstance(condition, dict):
            raise fail(f"{at}: must be an object")
        kind = choice(condition, "type", tuple(COMPARISON_OPERATORS), f"{at}.")
        choice(condition, "comparisonOperator", COMPARISON_OPERATORS[kind], f"{at}.")
        sides = {side: _operand(condition.get(side), f"{at}.{side}") for side in _SIDES}
        conditions.append({**condition, **sides})
    out["inputConditions"] = conditions
    for key in ("durationCondition", "occurrenceCondition"):
        if value.get(key) is not None:
            period = _period((value[key] or {}).get("period"), f"{where}.{key}.period")
            out[key] = {**value[key], "period": period}
    if value.get("occurrenceCondition") is not None:
        require(value["occurrenceCondition"], "occurrences", int)
    return out


def evaluation_triggers(trigger: str) -> dict[str, Any]:
    """The `evaluationTriggers` object that says what `evaluationTrigger` says."""
    other = trigger == "SUBJECT_METRICS"
    return {"newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": other}}


def _evaluation(body: dict[str, Any]) -> dict[str, Any]:
    triggers = body.get("evaluationTriggers")
    if triggers is None:
        trigger = choice(body, "evaluationTrigger", EVALUATION_TRIGGERS)
        return {"evaluationTrigger": trigger, "evaluationTriggers": evaluation_triggers(trigger)}
    new = triggers.get("newMeasurement") if isinstance(triggers, dict) else None
    if not isinstance(new, dict):
        raise fail("evaluationTriggers.newMeasurement: required, an object")
    flags = {}
    for key in ("fromInputMetrics", "fromOtherMetrics"):
        if not isinstance(new.get(key), bool):
            raise fail(f"evaluationTriggers.newMeasurement.{key}: must be true or false")
        flags[key] = new[key]
    stored: dict[str, Any] = {"newMeasurement": flags}
    periodic = triggers.get("periodic")
    if periodic is not None:
        if not isinstance(periodic, dict):
            raise fail("evaluationTriggers.periodic: must be an object with a delay")
        stored["periodic"] = {"delay": _period(periodic.get("delay"), "periodic.delay")}
    trigger = "SUBJECT_METRICS" if flags["fromOtherMetrics"] else "INPUT_METRICS"
    return {"evaluationTrigger": trigger, "evaluationTriggers": stored}


def _event_trigger(
    state: State, body: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    type_id = require(body, "subjectTypeId", str)
    existing(state, "subjectTypes", type_id, "subjectTypeId")
    active = body.get("active")
    if not isinstance(active, bool):
        raise fail(f"active: must be true or false ({active!r})")
    rules = []
    for index, rule in enumerate(list_field(body, "eventRules", required=True)):
        where = f"eventRules[{index}]"
        if not isinstance(rule, dict):
            raise fail(f"{where}: must be an object")
        level = choice(rule, "eventLevel", EVENT_LEVELS, f"{where}.")
        sets = rule.get("conditionSets")
        if not isinstance(sets, list):
            raise fail(f"{where}.conditionSets: must be a list")
        checked = [_condition_set(s, f"{where}.conditionSets[{i}]") for i, s in enumerate(sets)]
        rules.append({"eventLevel": level, "conditionSets": checked})
    stored = {
        "subjectTypeId": type_id,
        "name": require(body, "name", str),
        "version": 1 if current is None else current.get("version", 0) + 1,
        "latestVersion": True,
        "archived": False,
        "active": active,
        **_evaluation(body),
        "evaluationConstraint": choice(body, "evaluationConstraint", EVALUATION_CONSTRAINTS),
        "eventRules": rules,
    }
    if body.get("subjectFilter") is not None:
        stored["subjectFilter"] = subject_filter(body["subjectFilter"])
    return stored


EVENT_TRIGGERS = Collection("eventTriggers", _event_trigger, select=select_named("eventTriggers"))

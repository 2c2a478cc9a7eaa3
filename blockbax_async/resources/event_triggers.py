"""Event triggers: `/eventTriggers`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar, overload

from .._pagination import Paginator
from .._vocabulary import (
    COMPARISON_OPERATORS,
    EVALUATION_CONSTRAINTS,
    EVALUATION_TRIGGERS,
    EVENT_LEVELS,
    OPERAND_TYPES,
    PERIOD_UNITS,
)
from ..errors import ValidationError
from ..models import EventRule, EventTrigger, SubjectFilter
from ..types import EvaluationConstraint, EvaluationTrigger
from ._base import (
    CrudResource,
    Id,
    attribute_values,
    check_str,
    one_of,
    optional,
    required,
    required_id,
)
from ._raw import RawNamespace, raw, raw_page

__all__ = ["EventTriggersResource", "EventTriggersWithRawResponse"]

_CONDITIONS = "event_rules[].condition_sets[].input_conditions[]"


class EventTriggersResource(CrudResource[EventTrigger]):
    """`client.event_triggers`: get, list, create, update and delete event triggers."""

    path = "/eventTriggers"
    model = EventTrigger
    required_fields = ("name", "subject_type_id")
    choices: ClassVar[Mapping[str, Collection[str]]] = {
        "evaluation_trigger": EVALUATION_TRIGGERS,
        "evaluation_constraint": EVALUATION_CONSTRAINTS,
        "event_rules[].event_level": EVENT_LEVELS,
        f"{_CONDITIONS}.type": tuple(COMPARISON_OPERATORS),
        f"{_CONDITIONS}.left_operand.type": OPERAND_TYPES,
        f"{_CONDITIONS}.right_operand.type": OPERAND_TYPES,
        f"{_CONDITIONS}.left_operand.aggregation.function": ("MIN", "MAX", "SUM", "COUNT", "AVG"),
        f"{_CONDITIONS}.left_operand.aggregation.period.unit": PERIOD_UNITS,
        "event_rules[].condition_sets[].duration_condition.period.unit": PERIOD_UNITS,
        "event_rules[].condition_sets[].occurrence_condition.period.unit": PERIOD_UNITS,
    }
    required_on_create = (
        "evaluation_trigger",
        "evaluation_constraint",
        "event_rules[].event_level",
        "event_rules[].condition_sets[].description",
        f"{_CONDITIONS}.type",
        f"{_CONDITIONS}.left_operand",
        f"{_CONDITIONS}.comparison_operator",
        f"{_CONDITIONS}.right_operand",
    )

    def list(
        self, *, name: str | None = None, limit: int | None = None, page_size: int = 200
    ) -> Paginator[EventTrigger]:
        """Event triggers, filtered by `name`."""
        return self._search({"name": optional(check_str, "name", name)}, limit, page_size)

    @property
    def with_raw_response(self) -> EventTriggersWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return EventTriggersWithRawResponse(self)

    @overload
    async def create(self, item: EventTrigger | Mapping[str, Any]) -> EventTrigger: ...
    @overload
    async def create(
        self,
        *,
        subject_type_id: Id | None,
        name: str,
        active: bool = True,
        evaluation_trigger: EvaluationTrigger | None = None,
        evaluation_constraint: EvaluationConstraint | None = None,
        event_rules: Sequence[EventRule | Mapping[str, Any]] = (),
        subject_filter: SubjectFilter | Mapping[str, Any] | None = None,
    ) -> EventTrigger: ...
    async def create(
        self,
        item: EventTrigger | Mapping[str, Any] | None = None,
        *,
        subject_type_id: Id | None = None,
        name: str | None = None,
        active: bool = True,
        evaluation_trigger: EvaluationTrigger | None = None,
        evaluation_constraint: EvaluationConstraint | None = None,
        event_rules: Sequence[EventRule | Mapping[str, Any]] = (),
        subject_filter: SubjectFilter | Mapping[str, Any] | None = None,
    ) -> EventTrigger:
        """Create an event trigger from a model or from keywords; returns the stored one.

        `evaluation_trigger` is `INPUT_METRICS` or `SUBJECT_METRICS`;
        `evaluation_constraint` is `NONE` or `ALL_TIMESTAMPS_MATCH`. `event_rules`
        and `subject_filter` take models or nested mappings (``[{"event_level": "WARNING",
        "condition_sets": [{"description": ..., "input_conditions": [...]}]}]``).
        """
        if item is None:
            item = self._from_keywords(
                name=required("name", name),
                subject_type_id=required_id("subject_type_id", subject_type_id),
                active=active,
                evaluation_trigger=one_of(
                    "evaluation_trigger", evaluation_trigger, EVALUATION_TRIGGERS
                ),
                evaluation_constraint=one_of(
                    "evaluation_constraint", evaluation_constraint, EVALUATION_CONSTRAINTS
                ),
                event_rules=event_rules,
                subject_filter=subject_filter,
            )
        return await self._create(self._input(item))

    def _check(self, item: EventTrigger, *, creating: bool) -> None:
        super()._check(item, creating=creating)
        if not creating:
            return
        for path in self.required_on_create:
            for where, value in attribute_values(item, path):
                required(where, value)
        for where, condition in attribute_values(item, _CONDITIONS):
            allowed = COMPARISON_OPERATORS[condition.type]
            if condition.comparison_operator not in allowed:
                raise ValidationError(
                    f"{where}.comparison_operator: {condition.comparison_operator!r} is not one "
                    f"of {', '.join(allowed)} (for {condition.type})"
                )


class EventTriggersWithRawResponse(RawNamespace[EventTriggersResource]):
    """`client.event_triggers.with_raw_response`."""

    get = raw(EventTriggersResource.get)
    list = raw_page(EventTriggersResource.list)
    create = raw(EventTriggersResource.create)
    update = raw(EventTriggersResource.update)
    delete = raw(EventTriggersResource.delete)

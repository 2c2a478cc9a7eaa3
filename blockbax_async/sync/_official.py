"""`HttpClient`: a drop-in for `blockbax_sdk.HttpClient` 1.8.1, on the blocking client.

Same constructor, method names, keywords and return conventions (lists from `get_*s`,
`None` for a missing resource, deletes that ignore a 404), the same defaults for what is
created, and the same reading of dates (numbers that fit as seconds are seconds, naive dates
are local time). What differs is listed in `docs/migration.md`.
"""

from __future__ import annotations

import logging
import time
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

import attrs
import cattrs

from .._transport import USER_AGENT
from ..errors import NotFoundError, ValidationError
from ..ingest import FlushResult
from ..ingest._values import to_epoch_ms
from ..models import (
    ActivityLog,
    ActivityLogMetadata,
    Alarm,
    Event,
    EventRule,
    EventTrigger,
    Location,
    MeasurementSeries,
    Metric,
    PrimaryLocation,
    Project,
    PropertyType,
    PropertyValue,
    Subject,
    SubjectFilter,
    SubjectProperty,
    SubjectType,
    SubjectTypePropertyType,
)
from ..models._converter import structure
from ..models.event_triggers import _derive_evaluation_trigger
from ..types import (
    AlarmPriority,
    AlarmStatus,
    EvaluationConstraint,
    EvaluationTrigger,
    EventLevel,
    MappingLevel,
    MetricDataType,
    MetricType,
    PropertyDataType,
    SubjectIdsMode,
)
from ._client import Client

__all__ = ["HttpClient", "ProjectResources"]

logger = logging.getLogger("blockbax_async")

M = TypeVar("M")
R = TypeVar("R")

Ids = Sequence[str | uuid.UUID] | None
DateLike = datetime | int | float | str | None
ValueIds = Any
_SECONDS_SURELY = (-6.2e10, 2.5e11)  # within years 1..9999 in every time zone


@attrs.define
class ProjectResources:
    """What [`HttpClient.load_project`][blockbax_async.sync.HttpClient.load_project] returns."""

    project: Project
    subjects: list[Subject]
    metrics: list[Metric]
    subject_types: list[SubjectType]
    property_types: list[PropertyType]


def epoch_ms(date: DateLike) -> int:
    """Epoch milliseconds of a date as `blockbax_sdk` 1.8.1 reads it: a number is seconds
    when it is a valid timestamp in seconds (else milliseconds), a naive `datetime` or ISO
    string is local time, `None` is now."""
    if date is None:
        return int(time.time() * 1000)
    if isinstance(date, int | float) and not isinstance(date, bool):
        if _SECONDS_SURELY[0] < date < _SECONDS_SURELY[1]:
            return int(date * 1000)
        try:
            datetime.fromtimestamp(date)
        except (ValueError, OSError, OverflowError):
            return int(date)
        return int(date * 1000)
    if isinstance(date, datetime):
        return int(date.timestamp() * 1000)
    if isinstance(date, str):
        try:
            return int(datetime.fromisoformat(date).timestamp() * 1000)
        except ValueError:
            pass
    return to_epoch_ms(date)


def slug(name: str) -> str:
    """The external ID `blockbax_sdk` derives from a name."""
    return name.lower().replace(" ", "-").strip()


def value_ids_filter(value: ValueIds) -> list[list[str]] | None:
    """Our `property_value_ids` of the official filter: a tuple is *any of* (`,`), a list
    *all of* (`;`), nested freely; a string such as `"a,b;c"` is taken as written."""
    text = _filter_text(value)
    if not text:
        return None
    return [[part for part in clause.split(",") if part] for clause in text.split(";")]


def _filter_text(value: ValueIds) -> str | None:
    if isinstance(value, tuple | list):
        separator = "," if isinstance(value, tuple) else ";"
        return separator.join(
            str(item) if isinstance(item, str | uuid.UUID) else _filter_text(item) or ""
            for item in value
        )
    if isinstance(value, str | uuid.UUID):
        return str(value)
    return None


def _camel(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {_camel_key(str(k)): _camel(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_camel(v) for v in data]
    return data


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def as_model(cls: type[M], value: Any, field: str) -> M:
    """`value` as a `cls`: one already, a dict (camelCase or snake_case keys), or a
    `blockbax_sdk` model (through its `to_request()`)."""
    if isinstance(value, cls):
        return value
    to_request = getattr(value, "to_request", None)
    if callable(to_request):
        value = to_request()
    if not isinstance(value, Mapping):
        raise TypeError(f"{field}: give a {cls.__name__} or a dict, not {type(value).__name__}")
    try:
        return structure(_camel(value), cls)
    except cattrs.BaseValidationError as error:
        raise ValidationError(f"{field}: not a {cls.__name__}: {value!r} ({error})") from None


def _location(value: Any) -> Any:
    if value is None or isinstance(value, Mapping | Location):
        return value
    return {"lat": value.lat, "lon": value.lon, "alt": getattr(value, "alt", None)}


def _round8(value: Any) -> Any:
    # The official SDK rounds numbers to 8 fractional digits; the API refuses more.
    if value.__class__ is float:
        return value if (value * 1e8).is_integer() else round(value, 8)
    if isinstance(value, Decimal) and value.is_finite():
        return value.quantize(Decimal("1e-8")).normalize()
    return value


class HttpClient:
    """A drop-in for `blockbax_sdk.HttpClient` (1.8.1): change the import, keep the script.

    `HttpClient(access_token, project_id, endpoint=None)`, as the official client.
    Further keywords go to [`Client`][blockbax_async.sync.Client] (`timeout`,
    `max_retries`, `ingest`, ...). Models are this package's attrs models, with the
    attribute names of the official ones. Errors are those of
    [`errors`][blockbax_async.errors]. Call `close` (or use `with`) when done; queued
    measurements are sent at exit anyway.
    """

    def __init__(
        self, access_token: str, project_id: str, endpoint: str | None = None, **options: Any
    ) -> None:
        if not (access_token and project_id):
            raise ValueError("Please provide both project ID and Access token!")
        self.project_id = project_id
        self.project: Project | None = None
        self.client = Client(project_id, access_token, base_url=endpoint, **options)
        """The [`Client`][blockbax_async.sync.Client] underneath, for what this API lacks."""

    def close(self) -> None:
        """Send what is queued and close the connections."""
        self.client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HttpClient(project_id={self.project_id!r})"

    def _or_none(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R | None:
        try:
            return fn(*args, **kwargs)
        except NotFoundError as error:
            logger.warning("not found: %s", error)
            return None

    def get_user_agent(self) -> str:
        """The User-Agent header sent with every request."""
        return USER_AGENT

    def get_project_details(self) -> Project | None:
        """The project."""
        return self._or_none(self.client.project.get)

    def load_project(self, directory_path: str | Path) -> ProjectResources:
        """The project with its subjects, metrics, subject types and property types
        (experimental and deprecated in the official SDK; `directory_path` is not read)."""
        warnings.warn(
            "The 'load_project' method is experimental and will be removed in future releases.",
            DeprecationWarning,
            stacklevel=2,
        )
        path = Path(directory_path)
        if path.exists() and not path.is_dir():
            raise ValueError(f"{path} is not a directory")
        self.project = self.get_project_details()
        if self.project is None:
            raise RuntimeError("No project found")
        return ProjectResources(
            self.project,
            self.get_subjects(),
            self.get_metrics(),
            self.get_subject_types(),
            self.get_property_types(),
        )

    def get_property_types(
        self, name: str | None = None, external_id: str | None = None
    ) -> list[PropertyType]:
        """Property types, filtered by name and external ID."""
        return (
            self._or_none(
                self.client.property_types.list(name=name, external_id=external_id).collect
            )
            or []
        )

    def get_property_type(self, id_: uuid.UUID | str) -> PropertyType | None:
        """A property type, or `None`."""
        return self._or_none(self.client.property_types.get, id_)

    def create_property_type(
        self,
        name: str,
        external_id: str,
        data_type: PropertyDataType,
        predefined_values: bool,
        values: Sequence[Mapping[str, Any] | PropertyValue] | None = None,
    ) -> PropertyType | None:
        """Create a property type; `values` only with `predefined_values`."""
        if not predefined_values and values:
            raise ValueError("Values can only be added to a property type with predefined values")
        return self.client.property_types.create(
            name=name,
            external_id=external_id,
            data_type=data_type,
            predefined_values=predefined_values,
            values=[as_model(PropertyValue, v, "values") for v in values or ()],
        )

    def update_property_type(
        self, property_type: Mapping[str, Any] | PropertyType
    ) -> PropertyType | None:
        """Store an edited property type (a model or a dict); `None` when it is gone."""
        item = as_model(PropertyType, property_type, "property_type")
        return self._or_none(self.client.property_types.update, item)

    def delete_property_type(self, id_: str | uuid.UUID) -> None:
        """Delete a property type (nothing happens when it is gone)."""
        self._or_none(self.client.property_types.delete, id_)

    def get_subject_types(
        self, name: str | None = None, property_type_ids: Ids = None
    ) -> list[SubjectType]:
        """Subject types, filtered by name and by the property types they link."""
        listing = self.client.subject_types.list(
            name=name,
            property_type_ids=None if property_type_ids is None else list(property_type_ids),
        )
        return self._or_none(listing.collect) or []

    def get_subject_type(self, id_: str | uuid.UUID) -> SubjectType | None:
        """A subject type, or `None`."""
        return self._or_none(self.client.subject_types.get, id_)

    def create_subject_type(
        self,
        name: str,
        parent_subject_type_ids: Sequence[uuid.UUID | str] | None = None,
        primary_location: PrimaryLocation | Mapping[str, Any] | None = None,
        property_types: Sequence[SubjectTypePropertyType | Mapping[str, Any]] | None = None,
    ) -> SubjectType | None:
        """Create a subject type; a `PROPERTY_TYPE` primary location is linked (required)
        when `property_types` does not name it, as the official SDK does."""
        links = [self._link(p) for p in property_types or ()]
        location = None
        if primary_location is not None:
            if not isinstance(primary_location, PrimaryLocation | Mapping) and not hasattr(
                primary_location, "to_request"
            ):
                raise TypeError("Not a supported primary_location type")
            location = as_model(PrimaryLocation, primary_location, "primary_location")
            if location.type == "PROPERTY_TYPE" and all(p.id != location.id for p in links):
                links.append(SubjectTypePropertyType(location.id, required=True, visible=True))
        return self.client.subject_types.create(
            name=name,
            parent_subject_type_ids=list(parent_subject_type_ids or ()),
            primary_location=location,
            property_types=links,
        )

    @staticmethod
    def _link(value: Any) -> SubjectTypePropertyType:
        link = as_model(SubjectTypePropertyType, value, "property_types")
        if link.visible is None:
            link.visible = True
        return link

    def update_subject_type(self, subject_type: SubjectType) -> SubjectType | None:
        """Store an edited subject type; `None` when it is gone."""
        item = as_model(SubjectType, subject_type, "subject_type")
        return self._or_none(self.client.subject_types.update, item)

    def delete_subject_type(self, id_: str | uuid.UUID) -> None:
        """Delete a subject type (nothing happens when it is gone)."""
        self._or_none(self.client.subject_types.delete, id_)

    def get_metrics(
        self,
        name: str | None = None,
        metric_external_id: str | None = None,
        subject_type_ids: Ids = None,
    ) -> list[Metric]:
        """Metrics, filtered by name, external ID and subject types."""
        listing = self.client.metrics.list(
            name=name,
            external_id=metric_external_id,
            subject_type_ids=None if subject_type_ids is None else list(subject_type_ids),
        )
        return self._or_none(listing.collect) or []

    def get_metric(self, id_: str | uuid.UUID) -> Metric | None:
        """A metric, or `None`."""
        return self._or_none(self.client.metrics.get, id_)

    def create_metric(
        self,
        subject_type_id: str | uuid.UUID,
        name: str,
        data_type: MetricDataType,
        type_: MetricType,
        mapping_level: MappingLevel,
        external_id: str | None = None,
        unit: str | None = None,
        precision: int | None = None,
        visible: bool | None = True,
        discrete: bool | None = False,
        preferred_color: str | None = None,
    ) -> Metric | None:
        """Create an ingested metric; `external_id` defaults to the slug of `name`."""
        metric_type = type_.upper()
        if metric_type in ("SIMULATED", "CALCULATED"):
            raise NotImplementedError(f"Creating metric with type: {type_} is not yet implemented!")
        return self.client.metrics.create(
            subject_type_id=subject_type_id,
            name=name,
            data_type=cast(MetricDataType, data_type.upper()),
            external_id=slug(name) if external_id is None else external_id,
            mapping_level=cast(MappingLevel, mapping_level.upper()),
            type=cast(MetricType, metric_type),
            unit=unit,
            precision=precision,
            visible=visible,
            discrete=discrete,
            preferred_color=preferred_color,
        )

    def update_metric(self, metric: Metric) -> Metric | None:
        """Store an edited metric; `None` when it is gone."""
        return self._or_none(self.client.metrics.update, as_model(Metric, metric, "metric"))

    def delete_metric(self, id_: str | uuid.UUID) -> None:
        """Delete a metric (nothing happens when it is gone)."""
        self._or_none(self.client.metrics.delete, id_)

    def get_subjects(
        self,
        name: str | None = None,
        subject_ids: Ids = None,
        external_id: str | None = None,
        subject_ids_mode: SubjectIdsMode | None = None,
        subject_type_ids: Ids = None,
        property_value_ids: ValueIds = None,
    ) -> list[Subject]:
        """Subjects matching every filter given; `property_value_ids` as the official SDK
        reads it (tuple: any of, list: all of, or a string `"a,b;c"`)."""
        listing = self.client.subjects.list(
            name=name,
            external_id=external_id,
            subject_ids=None if subject_ids is None else list(subject_ids),
            subject_ids_mode=subject_ids_mode,
            subject_type_ids=None if subject_type_ids is None else list(subject_type_ids),
            property_value_ids=value_ids_filter(property_value_ids),
        )
        return self._or_none(listing.collect) or []

    def get_subject(self, id_: str | uuid.UUID) -> Subject | None:
        """A subject, or `None`."""
        return self._or_none(self.client.subjects.get, id_)

    def create_subject(
        self,
        name: str,
        subject_type_id: str | uuid.UUID,
        parent_subject_id: str | uuid.UUID | None = None,
        properties: Sequence[Mapping[str, Any] | SubjectProperty] | None = None,
        ingestion_id_overrides: Mapping[Any, str] | None = None,
        external_id: str | None = None,
    ) -> Subject | None:
        """Create a subject; `external_id` defaults to the slug of `name`, and
        `ingestion_id_overrides` maps metric IDs to custom ingestion IDs."""
        return self.client.subjects.create(
            name=name,
            subject_type_id=subject_type_id,
            external_id=slug(name) if external_id is None else external_id,
            parent_subject_id=parent_subject_id,
            ingestion_ids=dict(ingestion_id_overrides or {}),
            properties=[as_model(SubjectProperty, p, "properties") for p in properties or ()],
        )

    def update_subject(self, subject: Subject) -> Subject | None:
        """Store an edited subject; `None` when it is gone."""
        return self._or_none(self.client.subjects.update, as_model(Subject, subject, "subject"))

    def delete_subject(self, id_: str | uuid.UUID) -> None:
        """Delete a subject (nothing happens when it is gone)."""
        self._or_none(self.client.subjects.delete, id_)

    def queue_measurement(
        self,
        ingestion_id: str,
        date: DateLike = None,
        number: int | float | Decimal | None = None,
        location: Mapping[str, Any] | Location | None = None,
        text: str | None = None,
    ) -> None:
        """Queue a measurement for
        [`send_measurements`][blockbax_async.sync.HttpClient.send_measurements].

        Unlike the official SDK it is checked now: a NaN, a latitude of 95, no value or two
        values raise [`ValidationError`][blockbax_async.errors.ValidationError] here.
        """
        if date.__class__ is not int or date < 253_500_000_000:
            date = epoch_ms(date)
        if number is not None:
            number = _round8(number)
        elif location is not None:
            location = _location(location)
            if isinstance(location, Mapping):
                location = {k: _round8(v) for k, v in location.items() if v is not None}
        self.client.measurements.queue(
            ingestion_id, number=number, location=location, text=text, date=date
        )

    def send_measurements(
        self, *, ingestion_ids: Sequence[str] | None = None, timeout: float | None = None
    ) -> FlushResult:
        """Send what is queued (all ingestion IDs, or those given), on several connections
        at once. Rejected ingestion IDs are logged as warnings; a batch that failed after its
        retries stays queued and its error is raised. Returns the
        [`FlushResult`][blockbax_async.FlushResult] (the official SDK returns `None`)."""
        result = self.client.measurements.flush(ingestion_ids=ingestion_ids, timeout=timeout)
        for rejection in result.rejected.values():
            logger.warning(
                "measurements of %r not (fully) ingested: %s",
                rejection.ingestion_id,
                rejection.message,
            )
        result.raise_for_failures()
        return result

    def get_measurements(
        self,
        subject_ids: Ids = None,
        metric_ids: Ids = None,
        from_date: DateLike = None,
        to_date: DateLike = None,
        size: int | None = None,
        order: str | None = None,
    ) -> list[MeasurementSeries]:
        """Stored series; with a date range, give one subject and one metric."""
        listing = self.client.measurements.list(
            subject_ids=None if subject_ids is None else list(subject_ids),
            metric_ids=None if metric_ids is None else list(metric_ids),
            from_date=None if from_date is None else epoch_ms(from_date),
            to_date=None if to_date is None else epoch_ms(to_date),
            size=size,
            order=order,
        )
        return self._or_none(listing.collect) or []

    def get_event_triggers(self, name: str | None = None) -> list[EventTrigger]:
        """Event triggers, filtered by name."""
        return self._or_none(self.client.event_triggers.list(name=name).collect) or []

    def get_event_trigger(self, id_: str | uuid.UUID) -> EventTrigger | None:
        """An event trigger, or `None`."""
        return self._or_none(self.client.event_triggers.get, id_)

    def create_event_trigger(
        self,
        subject_type_id: uuid.UUID | str,
        name: str,
        active: bool,
        evaluation_triggers: Mapping[str, Any] | str,
        evaluation_constraint: EvaluationConstraint,
        event_rules: Sequence[EventRule | Mapping[str, Any]],
        subject_filter: SubjectFilter | Mapping[str, Any] | None = None,
    ) -> EventTrigger | None:
        """Create an event trigger. `evaluation_triggers` is the official object
        (`{"newMeasurement": {"fromInputMetrics": ..., "fromOtherMetrics": ...}}`), sent
        as the API's documented `evaluationTrigger`; `INPUT_METRICS` or
        `SUBJECT_METRICS` may be given directly."""
        return self.client.event_triggers.create(
            subject_type_id=subject_type_id,
            name=name,
            active=active,
            evaluation_trigger=_evaluation_trigger(evaluation_triggers),
            evaluation_constraint=evaluation_constraint,
            event_rules=[as_model(EventRule, rule, "event_rules") for rule in event_rules],
            subject_filter=None
            if subject_filter is None
            else as_model(SubjectFilter, subject_filter, "subject_filter"),
        )

    def update_event_trigger(self, event_trigger: EventTrigger) -> EventTrigger | None:
        """Store an edited event trigger; `None` when it is gone."""
        item = as_model(EventTrigger, event_trigger, "event_trigger")
        return self._or_none(self.client.event_triggers.update, item)

    def delete_event_trigger(self, id_: uuid.UUID | str) -> None:
        """Delete an event trigger (nothing happens when it is gone)."""
        self._or_none(self.client.event_triggers.delete, id_)

    def get_events(
        self,
        active: bool | None = None,
        suppressed: bool | None = None,
        from_date: DateLike = None,
        to_date: DateLike = None,
        only_new: bool | None = None,
        property_value_ids: ValueIds = None,
        subject_ids: Ids = None,
        event_trigger_ids: Ids = None,
        event_levels: list[EventLevel] | None = None,
        sort: str = "startDate,desc",
    ) -> list[Event]:
        """Events matching every filter given, newest first by default."""
        listing = self.client.events.list(
            active=active,
            suppressed=suppressed,
            from_date=None if from_date is None else epoch_ms(from_date),
            to_date=None if to_date is None else epoch_ms(to_date),
            only_new=only_new,
            property_value_ids=value_ids_filter(property_value_ids),
            subject_ids=None if subject_ids is None else list(subject_ids),
            event_trigger_ids=list(event_trigger_ids) if event_trigger_ids else None,
            event_levels=list(event_levels) if event_levels else None,
            sort=sort,
        )
        return self._or_none(listing.collect) or []

    def get_event(self, id_: str | uuid.UUID) -> Event | None:
        """An event, or `None`."""
        return self._or_none(self.client.events.get, id_)

    def get_alarms(
        self,
        statuses: list[AlarmStatus] | None = None,
        priorities: list[AlarmPriority] | None = None,
        active: bool | None = None,
        from_date: DateLike = None,
        to_date: DateLike = None,
        subject_ids: Ids = None,
        subject_type_ids: Ids = None,
        event_trigger_ids: Ids = None,
        property_value_ids: ValueIds = None,
        sort: str = "id,asc",
    ) -> list[Alarm]:
        """Alarms matching every filter given, by id by default."""
        listing = self.client.alarms.list(
            statuses=list(statuses) if statuses else None,
            priorities=list(priorities) if priorities else None,
            active=active,
            from_date=None if from_date is None else epoch_ms(from_date),
            to_date=None if to_date is None else epoch_ms(to_date),
            subject_ids=list(subject_ids) if subject_ids else None,
            subject_type_ids=list(subject_type_ids) if subject_type_ids else None,
            event_trigger_ids=list(event_trigger_ids) if event_trigger_ids else None,
            property_value_ids=value_ids_filter(property_value_ids),
            sort=sort,
        )
        return self._or_none(listing.collect) or []

    def get_alarm(self, id_: int | str) -> Alarm | None:
        """An alarm (its id is an integer), or `None`."""
        return self._or_none(self.client.alarms.get, id_)

    def get_alarm_activity_logs(
        self, id_: int | str
    ) -> tuple[list[ActivityLog], dict[str, ActivityLogMetadata]]:
        """An alarm's activity logs (newest first) and the accounts they name by id;
        `([], {})` when the alarm is gone."""
        activity = self._or_none(self.client.alarms.list_activity, id_)
        if activity is None:
            return [], {}
        return activity.logs, activity.metadata


def _evaluation_trigger(value: Any) -> EvaluationTrigger | None:
    if isinstance(value, str):
        return cast(EvaluationTrigger, value)
    to_request = getattr(value, "to_request", None)
    if callable(to_request):
        value = to_request()
    if not isinstance(value, Mapping):
        raise TypeError("evaluation_triggers must be of type EvaluationTriggers or dict")
    value = _camel(value)
    if value.get("periodic"):
        raise ValidationError(
            "evaluation_triggers: periodic evaluation is not in the API reference; "
            "give newMeasurement only"
        )
    return cast(EvaluationTrigger | None, _derive_evaluation_trigger(value))

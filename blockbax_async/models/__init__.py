"""Attrs models of the Blockbax API resources, and the converter to and from JSON.

Models are mutable: edit attributes in place (or use `attrs.evolve`) and pass the model to
`update`. Ids are `str`; constructors also accept `uuid.UUID`. Fields the server fills
in (`id`, `created_date`, ...) default to `None` and are never sent.
"""

from ._common import (
    Area,
    Image,
    Location,
    MapLayer,
    Polygon,
    PropertyValuesFilter,
    SubjectFilter,
    SubjectFilterItem,
)
from ._converter import converter, structure, unstructure
from .alarms import ActivityLog, ActivityLogData, ActivityLogMetadata, Alarm, AlarmActivity
from .event_triggers import (
    Aggregation,
    ConditionSet,
    DayTimeCondition,
    DurationCondition,
    EventRule,
    EventTrigger,
    InputCondition,
    OccurrenceCondition,
    Offset,
    Operand,
    Period,
    TimeRange,
)
from .events import Event
from .measurements import IngestResult, Measurement, MeasurementSearchResult, MeasurementSeries
from .metrics import Metric
from .project import Project
from .property_types import PropertyType, PropertyValue
from .subject_types import PrimaryLocation, SubjectType, SubjectTypePropertyType
from .subjects import IngestionId, Subject, SubjectProperty
from .webhooks import EventTriggerFilter, Webhook, WebhookResponse

__all__ = [
    "ActivityLog",
    "ActivityLogData",
    "ActivityLogMetadata",
    "Aggregation",
    "Alarm",
    "AlarmActivity",
    "Area",
    "ConditionSet",
    "DayTimeCondition",
    "DurationCondition",
    "Event",
    "EventRule",
    "EventTrigger",
    "EventTriggerFilter",
    "Image",
    "IngestResult",
    "IngestionId",
    "InputCondition",
    "Location",
    "MapLayer",
    "Measurement",
    "MeasurementSearchResult",
    "MeasurementSeries",
    "Metric",
    "OccurrenceCondition",
    "Offset",
    "Operand",
    "Period",
    "Polygon",
    "PrimaryLocation",
    "Project",
    "PropertyType",
    "PropertyValue",
    "PropertyValuesFilter",
    "Subject",
    "SubjectFilter",
    "SubjectFilterItem",
    "SubjectProperty",
    "SubjectType",
    "SubjectTypePropertyType",
    "TimeRange",
    "Webhook",
    "WebhookResponse",
    "converter",
    "structure",
    "unstructure",
]

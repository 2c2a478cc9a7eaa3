"""The emulator's in-memory project: stored resources as the API's JSON, the errors that
become 400 and 404 answers, and the small helpers every collection uses."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, Protocol

import attrs

__all__ = [
    "COLLECTIONS",
    "Host",
    "Invalid",
    "NotFound",
    "ResourceSpec",
    "State",
    "format_date",
    "now_iso",
    "require",
]

COLLECTIONS = (
    "propertyTypes",
    "subjectTypes",
    "metrics",
    "subjects",
    "eventTriggers",
    "webhookSettings",
    "webhookResponses",
    "events",
    "alarms",
    "alarmActivityLogs",
    "accounts",
)
"""The names [`State.collection`][blockbax_async.emulator.State.collection] knows: the API's URL
segments, plus the stores of webhook responses, alarm activity logs and the accounts those logs
name."""


class Invalid(Exception):
    """A request body or parameter the API would reject; becomes a 400 answer."""

    status = 400

    def __init__(self, message: str, details: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)


class NotFound(Invalid):
    """An unknown id in the path; becomes a 404 answer."""

    status = 404


def format_date(value: datetime) -> str:
    """Dates as the API writes them: milliseconds and a `+0000` offset."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def now_iso() -> str:
    """The current time, formatted as the API does."""
    return format_date(datetime.now(timezone.utc))


def require(body: dict[str, Any], field: str, kind: type | tuple[type, ...]) -> Any:
    """The value of a required field of the right type, or
    [`Invalid`][blockbax_async.emulator.Invalid]."""
    value = body.get(field)
    if value is None or value == "":
        raise Invalid("Validation failed", [f"{field}: must not be empty"])
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
        raise Invalid("Validation failed", [f"{field}: has the wrong type ({value!r})"])
    return value


Validator = Callable[["State", dict[str, Any], dict[str, Any] | None], dict[str, Any]]
Filter = Callable[[dict[str, Any], dict[str, str]], bool]


@attrs.frozen
class ResourceSpec:
    """One CRUD collection: its URL segment, how a body is checked, how a listing filters.

    `validate(state, body, existing)` returns the JSON to store (`existing` is the stored
    item on update, `None` on create) or raises [`Invalid`][blockbax_async.emulator.Invalid].
    `matches(item, query)` says whether a stored item passes the listing's query parameters.
    """

    segment: str
    validate: Validator
    matches: Filter = lambda item, query: True
    writable: bool = True


@attrs.define
class State:
    """Everything the emulated project holds."""

    project: dict[str, Any]
    collections: dict[str, dict[str, dict[str, Any]]] = attrs.Factory(dict)
    measurements: dict[str, list[dict[str, Any]]] = attrs.Factory(dict)
    version: int = 0
    _index: tuple[int, dict[str, tuple[str, str]]] = (-1, {})

    def touch(self) -> None:
        """Note that stored resources changed (invalidates derived indexes)."""
        self.version += 1

    def ingestion_index(self) -> dict[str, tuple[str, str]]:
        """Every ingestion ID of every subject: `{ingestion_id: (subject_id, metric_id)}`.

        An ingestion ID of a `CHILD` mapped metric is held by a child subject and feeds
        the metric of its parent: the pair names the parent.
        """
        if self._index[0] != self.version:
            metrics = self.collection("metrics")
            index = {}
            for subject in self.collection("subjects").values():
                for entry in subject.get("ingestionIds") or ():
                    if not entry.get("ingestionId"):
                        continue
                    owner = subject["id"]
                    metric = metrics.get(entry["metricId"])
                    if metric is not None and metric["subjectTypeId"] != subject["subjectTypeId"]:
                        owner = subject.get("parentSubjectId") or owner
                    index[entry["ingestionId"]] = (owner, entry["metricId"])
            self._index = (self.version, index)
        return self._index[1]

    def collection(self, segment: str) -> dict[str, dict[str, Any]]:
        """The stored items of one collection (a name of `COLLECTIONS`), by id, in
        creation order; another name raises `ValueError`."""
        found = self.collections.get(segment)
        if found is not None:
            return found
        if segment not in COLLECTIONS:
            raise ValueError(f"no collection {segment!r}; known: {', '.join(COLLECTIONS)}")
        return self.collections.setdefault(segment, {})

    def insert(self, segment: str, item: dict[str, Any]) -> dict[str, Any]:
        """Store a new item, giving it dates and an id (unless `item` brings one)."""
        now = now_iso()
        stored = {"id": str(uuid.uuid4()), "createdDate": now, "updatedDate": now, **item}
        self.collection(segment)[stored["id"]] = stored
        self.touch()
        return stored


class Host(Protocol):
    """What route modules need of the emulator: its current state (a test may swap it)."""

    state: State
    time_rules: bool
    not_retained: int

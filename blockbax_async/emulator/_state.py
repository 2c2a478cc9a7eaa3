"""The emulator's in-memory project: stored resources as the API's JSON, plus helpers that
resource specs use to validate bodies the way the API does (400 with a JSON body)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import attrs

__all__ = ["Invalid", "NotFound", "ResourceSpec", "State", "format_date", "now_iso", "require"]


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
    """Dates as the API writes them: milliseconds and a ``+0000`` offset."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def now_iso() -> str:
    """The current time, formatted as the API does."""
    return format_date(datetime.now(timezone.utc))


def require(body: dict[str, Any], field: str, kind: type | tuple[type, ...]) -> Any:
    """The value of a required field of the right type, or :class:`Invalid`."""
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

    ``validate(state, body, existing)`` returns the JSON to store (``existing`` is the stored
    item on update, ``None`` on create) or raises :class:`Invalid`. ``matches(item, query)``
    says whether a stored item passes the listing's query parameters.
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
        """Every ingestion ID of every subject: ``{ingestion_id: (subject_id, metric_id)}``."""
        if self._index[0] != self.version:
            index = {
                entry["ingestionId"]: (subject["id"], entry["metricId"])
                for subject in self.collection("subjects").values()
                for entry in subject.get("ingestionIds") or ()
                if entry.get("ingestionId")
            }
            self._index = (self.version, index)
        return self._index[1]

    def collection(self, segment: str) -> dict[str, dict[str, Any]]:
        """The stored items of one collection, by id, in creation order."""
        return self.collections.setdefault(segment, {})

    def insert(self, segment: str, item: dict[str, Any]) -> dict[str, Any]:
        """Store a new item, giving it an id and dates."""
        now = now_iso()
        stored = {"id": str(uuid.uuid4()), "createdDate": now, "updatedDate": now, **item}
        self.collection(segment)[stored["id"]] = stored
        self.touch()
        return stored

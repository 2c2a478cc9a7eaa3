"""Query parameters as the emulator reads them: id lists, flags, dates, property values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from aiohttp import web

from ..models._converter import parse_date as _parse_date
from ._state import Invalid

__all__ = [
    "choices",
    "fail",
    "flag",
    "has_property_values",
    "id_list",
    "parse_date",
    "property_value_clauses",
    "query_date",
    "query_of",
    "sort_items",
]


def fail(detail: str) -> Invalid:
    """A 400 "Validation failed" naming what is wrong."""
    return Invalid("Validation failed", [detail])


def id_list(query: dict[str, str], key: str) -> set[str] | None:
    """The comma-separated ids of `key`, or `None` when absent."""
    raw = query.get(key)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def choices(query: dict[str, str], key: str, allowed: tuple[str, ...]) -> set[str] | None:
    """The comma-separated values of `key` (any case), each one of `allowed`; `None`
    when absent."""
    values = id_list(query, key)
    if values is None:
        return None
    values = {value.upper() for value in values}
    if values - set(allowed):
        raise fail(f"{key}: {sorted(values - set(allowed))} not among {', '.join(allowed)}")
    return values


def flag(query: dict[str, str], key: str) -> bool | None:
    """A boolean parameter (`true`/`false` in any case), or `None` when absent."""
    raw = query.get(key)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise fail(f"{key}: must be true or false ({raw!r})")
    return raw.lower() == "true"


def parse_date(value: str) -> datetime:
    """A stored or queried ISO 8601 date (`Z`, `+0000`, `+00:00`; naive is UTC), on
    every supported Python (3.10's `fromisoformat` reads neither `Z` nor `+0000`)."""
    if not isinstance(value, str):
        raise ValueError(f"not an ISO 8601 date: {value!r}")
    return _parse_date(value)


def query_date(query: dict[str, str], key: str) -> datetime | None:
    """A date parameter, or `None` when absent; 400 when it is not ISO 8601."""
    raw = query.get(key)
    if raw is None:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        raise fail(f"{key}: not an ISO 8601 date ({raw!r})") from None


def property_value_clauses(query: dict[str, str]) -> list[set[str]] | None:
    """`propertyValueIds`: `;` separates clauses that must all hold, `,` alternatives."""
    raw = query.get("propertyValueIds")
    if raw is None:
        return None
    clauses = [
        {part.strip() for part in clause.split(",") if part.strip()} for clause in raw.split(";")
    ]
    if not all(clauses):
        raise fail(f"propertyValueIds: an empty clause in {raw!r}")
    return clauses


def has_property_values(subject: dict[str, Any] | None, clauses: list[set[str]]) -> bool:
    """Whether `subject` has, for every clause, one of its property values."""
    if subject is None:
        return False
    held = {p.get("valueId") for p in subject.get("properties") or ()}
    return all(held & clause for clause in clauses)


def query_of(request: web.Request) -> dict[str, str]:
    """The query of `request`; a repeated parameter (`a=1&a=2`, as the official SDK sends
    lists) reads as its comma-joined values."""
    query = request.query
    return {key: ",".join(query.getall(key)) for key in query.keys()}


def sort_items(
    items: list[dict[str, Any]], sort: str, fields: Iterable[str], dates: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """`items` ordered by `sort` (`"field"` or `"field,asc|desc"`); missing values
    come last in ascending order, first in descending. 400 for a field not in `fields`."""
    field, _, direction = sort.partition(",")
    direction = (direction or "asc").lower()
    if field not in fields or direction not in ("asc", "desc"):
        raise fail(f"sort: {sort!r} is not '<field>,asc|desc' with a field of {', '.join(fields)}")
    convert: Callable[[Any], Any] = parse_date if field in dates else (lambda value: value)

    present = [item for item in items if item.get(field) is not None]
    missing = [item for item in items if item.get(field) is None]
    present.sort(key=lambda item: convert(item[field]), reverse=direction == "desc")
    return present + missing if direction == "asc" else missing + present

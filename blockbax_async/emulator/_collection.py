"""A CRUD collection of the emulator: its spec, the hooks that see the whole state, the
search helpers collections share, and the five routes each one gets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
from aiohttp import web

from ._http import ROOT, json_response, page_of, read_json
from ._query import has_property_values, id_list, property_value_clauses, query_of
from ._state import Host, Invalid, NotFound, ResourceSpec, State, now_iso

__all__ = [
    "Collection",
    "Test",
    "add_crud_routes",
    "equals_test",
    "external_id_test",
    "in_test",
    "keep",
    "member_test",
    "name_test",
    "search",
    "select_named",
    "subject_values_test",
]

Selector = Callable[[State, dict[str, str]], list[dict[str, Any]]]
Hook = Callable[[State, dict[str, Any]], None]
Test = Callable[[dict[str, Any]], bool]


@attrs.frozen
class Collection(ResourceSpec):
    """A [`ResourceSpec`][blockbax_async.emulator.ResourceSpec] with hooks that need the whole
    state: `select` answers a search (filters and order), `written` and `deleted` keep other
    collections in step (the derived ingestion IDs of subjects follow their metrics). Whatever
    changes stored items calls `state.touch()`."""

    select: Selector | None = None
    written: Hook | None = None
    deleted: Hook | None = None


def _contains(value: Any, needle: str) -> bool:
    return needle.lower() in str(value or "").lower()


def search(state: State, segment: str, tests: Iterable[Test | None]) -> list[dict[str, Any]]:
    """The items of `segment` that pass every test given (`None` tests are skipped)."""
    return keep(state.collection(segment).values(), tests)


def name_test(query: dict[str, str]) -> Test | None:
    """`name`: a case-insensitive part of the item's name."""
    name = query.get("name")
    return None if name is None else lambda item: _contains(item.get("name"), name)


def external_id_test(query: dict[str, str]) -> Test | None:
    """`externalId`: the item's external ID, exactly."""
    external_id = query.get("externalId")
    return None if external_id is None else lambda item: item.get("externalId") == external_id


def in_test(query: dict[str, str], key: str, field: str) -> Test | None:
    """`key`: comma-separated ids, one of which is the item's `field`."""
    ids = id_list(query, key)
    return None if ids is None else lambda item: item.get(field) in ids


def keep(items: Iterable[dict[str, Any]], tests: Iterable[Test | None]) -> list[dict[str, Any]]:
    """The `items` that pass every test given (`None` tests are skipped)."""
    active = [test for test in tests if test is not None]
    return [item for item in items if all(test(item) for test in active)]


def member_test(ids: set[str] | None, field: str) -> Test | None:
    """The item's `field` is one of `ids` (no test when `ids` is `None`)."""
    return None if ids is None else lambda item: item.get(field) in ids


def equals_test(value: bool | None, test: Test) -> Test | None:
    """`test` gives `value` (no test when `value` is `None`)."""
    return None if value is None else lambda item: test(item) == value


def subject_values_test(state: State, query: dict[str, str]) -> Test | None:
    """`propertyValueIds`: the item's subject has the property values asked for."""
    clauses = property_value_clauses(query)
    if clauses is None:
        return None
    subjects = state.collection("subjects")
    return lambda item: has_property_values(subjects.get(item.get("subjectId", "")), clauses)


def select_named(segment: str) -> Selector:
    """A search of `segment` by `name` only."""

    def select(state: State, query: dict[str, str]) -> list[dict[str, Any]]:
        return search(state, segment, [name_test(query)])

    return select


def add_crud_routes(host: Host, spec: ResourceSpec, app: web.Application) -> None:
    """Register search, get and (when writable) create, update and delete of `spec`."""
    hooks = spec if isinstance(spec, Collection) else Collection(spec.segment, spec.validate)

    def items() -> dict[str, dict[str, Any]]:
        return host.state.collection(spec.segment)

    def lookup(request: web.Request) -> dict[str, Any]:
        item_id = request.match_info["item_id"]
        if item_id not in items():
            raise NotFound(f"No {spec.segment} item with id {item_id}")
        return items()[item_id]

    async def body_of(request: web.Request) -> dict[str, Any]:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise Invalid("The body must be a JSON object")
        return body

    async def list_items(request: web.Request) -> web.Response:
        query = query_of(request)
        if hooks.select is not None:
            found = hooks.select(host.state, query)
        else:
            found = [item for item in items().values() if spec.matches(item, query)]
        return json_response(page_of(found, query))

    async def get(request: web.Request) -> web.Response:
        return json_response(lookup(request))

    async def create(request: web.Request) -> web.Response:
        body = await body_of(request)
        stored = host.state.insert(spec.segment, spec.validate(host.state, body, None))
        if hooks.written is not None:
            hooks.written(host.state, stored)
        return json_response(stored)

    async def update(request: web.Request) -> web.Response:
        current = lookup(request)
        body = await body_of(request)
        stored = {
            **spec.validate(host.state, body, current),
            "id": current["id"],
            "createdDate": current["createdDate"],
            "updatedDate": now_iso(),
        }
        items()[current["id"]] = stored
        host.state.touch()
        if hooks.written is not None:
            hooks.written(host.state, stored)
        return json_response(stored)

    async def delete(request: web.Request) -> web.Response:
        removed = items().pop(lookup(request)["id"])
        host.state.touch()
        if hooks.deleted is not None:
            hooks.deleted(host.state, removed)
        return json_response({})

    path = f"{ROOT}/{spec.segment}"
    app.router.add_get(path, list_items)
    app.router.add_get(path + "/{item_id}", get)
    if spec.writable:
        app.router.add_post(path, create)
        app.router.add_put(path + "/{item_id}", update)
        app.router.add_delete(path + "/{item_id}", delete)

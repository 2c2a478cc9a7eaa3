"""URL table of the emulator: the project, generic CRUD collections, measurements, alarms
and webhook responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from ._events import add_event_routes
from ._measurements import add_measurement_routes
from ._query import query_of
from ._resources import Collection
from ._server import json_response, page_of, specs
from ._state import Invalid, NotFound, ResourceSpec, now_iso

if TYPE_CHECKING:
    from ._server import Emulator

__all__ = ["add_routes", "read_json"]

ROOT = "/v1/projects/{project_id}"


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or a 400 the way the API answers malformed bodies."""
    try:
        return orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise Invalid("Malformed JSON body") from None


def _crud(emulator: Emulator, spec: ResourceSpec, app: web.Application) -> None:
    hooks = spec if isinstance(spec, Collection) else Collection(spec.segment, spec.validate)

    def items() -> dict[str, dict[str, Any]]:
        return emulator.state.collection(spec.segment)

    def lookup(request: web.Request) -> dict[str, Any]:
        item_id = request.match_info["item_id"]
        if item_id not in items():
            raise NotFound(f"No {spec.segment} item with id {item_id}")
        return items()[item_id]

    async def search(request: web.Request) -> web.Response:
        query = query_of(request)
        if hooks.select is not None:
            found = hooks.select(emulator.state, query)
        else:
            found = [item for item in items().values() if spec.matches(item, query)]
        return json_response(page_of(found, query))

    async def get(request: web.Request) -> web.Response:
        return json_response(lookup(request))

    async def create(request: web.Request) -> web.Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise Invalid("The body must be a JSON object")
        stored = emulator.state.insert(spec.segment, spec.validate(emulator.state, body, None))
        if hooks.written is not None:
            hooks.written(emulator.state, stored)
        return json_response(stored)

    async def update(request: web.Request) -> web.Response:
        existing = lookup(request)
        body = await read_json(request)
        if not isinstance(body, dict):
            raise Invalid("The body must be a JSON object")
        stored = {
            **spec.validate(emulator.state, body, existing),
            "id": existing["id"],
            "createdDate": existing["createdDate"],
            "updatedDate": now_iso(),
        }
        items()[existing["id"]] = stored
        emulator.state.touch()
        if hooks.written is not None:
            hooks.written(emulator.state, stored)
        return json_response(stored)

    async def delete(request: web.Request) -> web.Response:
        removed = items().pop(lookup(request)["id"])
        emulator.state.touch()
        if hooks.deleted is not None:
            hooks.deleted(emulator.state, removed)
        return json_response({})

    path = f"{ROOT}/{spec.segment}"
    app.router.add_get(path, search)
    app.router.add_get(path + "/{item_id}", get)
    if spec.writable:
        app.router.add_post(path, create)
        app.router.add_put(path + "/{item_id}", update)
        app.router.add_delete(path + "/{item_id}", delete)


def add_routes(emulator: Emulator, app: web.Application) -> None:
    """Register every endpoint of the emulated API on ``app``."""

    async def project(request: web.Request) -> web.Response:
        return json_response(emulator.state.project)

    app.router.add_get(ROOT, project)
    for spec in specs():
        _crud(emulator, spec, app)
    add_measurement_routes(emulator, app)
    add_event_routes(emulator, app)

"""`/webhookSettings` and their responses. The emulator calls no webhooks, so tests seed
responses into the state
([`blockbax_async.emulator.seed.webhook_response`][blockbax_async.emulator.seed.webhook_response])."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._vocabulary import EVENT_LEVELS
from ._checks import choice, list_field, optional, subject_filter
from ._collection import Collection, select_named
from ._http import ROOT, json_response
from ._query import fail, flag, query_of
from ._state import Host, NotFound, State, require

__all__ = ["WEBHOOKS", "add_webhook_response_routes", "select_responses"]


def _webhook(state: State, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    endpoint = require(body, "endpoint", str)
    if not endpoint.startswith(("https://", "http://")):
        raise fail(f"endpoint: not an http(s) URL ({endpoint!r})")
    active = body.get("active")
    if not isinstance(active, bool):
        raise fail(f"active: must be true or false ({active!r})")
    levels = list_field(body, "eventLevelFilter", required=True)
    for index, level in enumerate(levels):
        if level not in EVENT_LEVELS:
            raise fail(
                f"eventLevelFilter[{index}]: {level!r} is not one of {', '.join(EVENT_LEVELS)}"
            )
    stored: dict[str, Any] = {
        "name": require(body, "name", str),
        "active": active,
        "endpoint": endpoint,
        "eventLevelFilter": levels,
    }
    header = optional(body, "authorizationHeader", str)
    if header is not None:
        stored["authorizationHeader"] = header
    if body.get("subjectFilter") is not None:
        stored["subjectFilter"] = subject_filter(body["subjectFilter"])
    triggers = body.get("eventTriggerFilter")
    if triggers is not None:
        if not isinstance(triggers, dict):
            raise fail("eventTriggerFilter: must be an object with type and ids")
        kind = choice(triggers, "type", ("INCLUDE", "EXCLUDE"), "eventTriggerFilter.")
        ids = list_field(triggers, "ids", required=True)
        stored["eventTriggerFilter"] = {"type": kind, "ids": ids}
    return stored


def _webhook_deleted(state: State, webhook: dict[str, Any]) -> None:
    responses = state.collection("webhookResponses")
    for key in [k for k, r in responses.items() if r["webhookSettingId"] == webhook["id"]]:
        del responses[key]


WEBHOOKS = Collection(
    "webhookSettings",
    _webhook,
    select=select_named("webhookSettings"),
    deleted=_webhook_deleted,
)


def select_responses(state: State, webhook_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """The responses of one webhook from `cursor` (a sequence number, included) on, in
    `order` (`DESC` by default), at most `size` of them."""
    order = query.get("order", "DESC").upper()
    if order not in ("ASC", "DESC"):
        raise fail(f"order: {query['order']!r} is not ASC or DESC")
    try:
        cursor = int(query["cursor"]) if "cursor" in query else None
        size = int(query["size"]) if "size" in query else None
    except ValueError:
        raise fail("cursor and size must be whole numbers") from None
    if size is not None and size < 1:
        raise fail(f"size: must be 1 or more ({size})")
    error = flag(query, "error")
    descending = order == "DESC"
    found = [
        r
        for r in state.collection("webhookResponses").values()
        if r["webhookSettingId"] == webhook_id
        and (error is None or bool(r.get("error")) == error)
        and (
            cursor is None
            or (r["sequenceNumber"] <= cursor if descending else r["sequenceNumber"] >= cursor)
        )
    ]
    found.sort(key=lambda r: int(r["sequenceNumber"]), reverse=descending)
    return found if size is None else found[:size]


def add_webhook_response_routes(host: Host, app: web.Application) -> None:
    """Register the responses of a webhook: list and get."""

    def webhook(request: web.Request) -> str:
        webhook_id = request.match_info["webhook_id"]
        if webhook_id not in host.state.collection("webhookSettings"):
            raise NotFound(f"No webhookSettings item with id {webhook_id}")
        return webhook_id

    async def list_responses(request: web.Request) -> web.Response:
        found = select_responses(host.state, webhook(request), query_of(request))
        return json_response(found)

    async def get_response(request: web.Request) -> web.Response:
        key = f"{webhook(request)}:{request.match_info['sequence_number']}"
        response = host.state.collection("webhookResponses").get(key)
        if response is None:
            raise NotFound(f"No webhook response {request.match_info['sequence_number']}")
        return json_response(response)

    responses = f"{ROOT}/webhookSettings/{{webhook_id}}/webhookResponses"
    app.router.add_get(responses, list_responses)
    app.router.add_get(f"{responses}/{{sequence_number}}", get_response)

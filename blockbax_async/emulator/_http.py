"""The emulator's answers as the API shapes them: JSON bodies, error bodies, pages."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from ._state import Invalid

__all__ = ["MAX_PAGE_SIZE", "ROOT", "error_response", "json_response", "page_of", "read_json"]

ROOT = "/v1/projects/{project_id}"
MAX_PAGE_SIZE = 200


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer, encoded fast."""
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def error_response(status: int, message: str, details: list[str] | None = None) -> web.Response:
    """An error answer: `{"status", "message"[, "details"]}`."""
    body: dict[str, Any] = {"status": status, "message": message}
    if details:
        body["details"] = details
    return json_response(body, status)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or a 400 the way the API answers malformed bodies."""
    try:
        return orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise Invalid("Malformed JSON body") from None


def page_of(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """Slice a listing by `page` and `size` as the API does, with the total `count`."""
    try:
        page = int(query.get("page", "0"))
        size = int(query.get("size", "20"))
    except ValueError:
        raise Invalid("Validation failed", ["page and size must be whole numbers"]) from None
    if page < 0 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid(
            "Validation failed", [f"size must be between 1 and {MAX_PAGE_SIZE}; page 0 or more"]
        )
    return {"count": len(items), "result": items[page * size : (page + 1) * size]}

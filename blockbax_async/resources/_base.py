"""What every resource namespace shares: a handle on the transport and model conversion."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from .._pagination import Page, Paginator
from .._transport import ParamValue, Transport
from ..errors import ValidationError
from ..models._converter import structure, unstructure

__all__ = ["CrudResource", "Resource", "check_id", "page_parser", "required"]

T = TypeVar("T")
M = TypeVar("M")


def check_id(value: str | UUID, field: str = "id") -> str:
    """An id for a URL path: a UUID or a non-empty string without ``/``."""
    if isinstance(value, UUID):
        return str(value)
    if not isinstance(value, str) or not value or "/" in value:
        raise ValidationError(f"{field}: not a valid id ({value!r})")
    return value


def required(field: str, value: T | None) -> T:
    """``value``, or a :class:`ValidationError` naming ``field`` when it is missing or empty."""
    if value is None or value == "":
        raise ValidationError(f"{field}: required, got {value!r}")
    return value


def _parse_page(cls: type[T], number: int, data: Any) -> Page[T]:
    return Page(structure(data["result"], list[cls]), number, data.get("count"))  # type: ignore[valid-type]


def page_parser(cls: type[T], number: int) -> Any:
    """A parser turning a ``{count, result}`` answer into a :class:`Page` of ``cls``."""
    return partial(_parse_page, cls, number)


class Resource:
    """Base of the resource namespaces: each method names a path, a body and a model."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def _call(
        self,
        method: str,
        path: str,
        into: type[T],
        *,
        body: Any = None,
        params: Mapping[str, ParamValue] | None = None,
    ) -> T:
        json = None if body is None else unstructure(body, for_write=True)
        result: T = await self._transport.request(
            method, path, json=json, params=params, parse=partial(structure, cls=into)
        )
        return result

    async def _delete(self, path: str) -> None:
        await self._transport.request("DELETE", path)

    def _list(
        self,
        path: str,
        into: type[T],
        params: Mapping[str, ParamValue],
        *,
        limit: int | None,
        page_size: int,
    ) -> Paginator[T]:
        async def fetch(number: int, size: int) -> Page[T]:
            query = {**params, "page": number, "size": size}
            page: Page[T] = await self._transport.request(
                "GET", path, params=query, parse=page_parser(into, number)
            )
            return page

        return Paginator(fetch, limit=limit, page_size=page_size)


class CrudResource(Resource, Generic[M]):
    """A collection the API lets us get, create, update and delete, under ``path``."""

    path: ClassVar[str]
    model: ClassVar[type[Any]]

    async def get(self, id: str | UUID) -> M:
        """The stored item; :class:`~blockbax_async.errors.NotFoundError` when absent."""
        return await self._call("GET", f"{self.path}/{check_id(id)}", self.model)

    async def update(self, item: M) -> M:
        """Send ``item`` as edited (its attributes changed in place) and return what is stored."""
        item_id = getattr(item, "id", None)
        if item_id is None:
            raise ValidationError(f"id: {type(item).__name__} has no id; create it first")
        return await self._call("PUT", f"{self.path}/{check_id(item_id)}", self.model, body=item)

    async def delete(self, id: str | UUID) -> None:
        """Delete the item; :class:`~blockbax_async.errors.NotFoundError` when absent."""
        await self._delete(f"{self.path}/{check_id(id)}")

    async def _create(self, item: M) -> M:
        if not isinstance(item, self.model):
            raise ValidationError(f"item: expected a {self.model.__name__}, got {item!r}")
        return await self._call("POST", self.path, self.model, body=item)

    def _search(
        self, params: Mapping[str, ParamValue], limit: int | None, page_size: int
    ) -> Paginator[M]:
        return self._list(self.path, self.model, params, limit=limit, page_size=page_size)

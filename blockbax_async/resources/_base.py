"""What every resource namespace shares: a handle on the transport, model conversion, and
the checks and encodings of arguments (ids, choices, dates, property value expressions).

Every public method checks each argument before anything is sent, with the checks below
(the type checks come from `blockbax_async._checks`); models and mappings given to
`create` and `update` are checked attribute by attribute by
`structure_input`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any, ClassVar, Generic, Protocol, TypeVar, overload
from uuid import UUID

from .._checks import (
    check_bool,
    check_instance,
    check_int,
    check_items,
    check_number,
    check_str,
    check_url,
    optional,
)
from .._json import check_text
from .._pagination import MAX_PAGE_SIZE, Page, Paginator
from .._transport import ParamValue, Transport
from ..errors import BlockbaxError, TransportError, ValidationError
from ..ingest._values import to_epoch_ms
from ..models._converter import structure, structure_input, unstructure

__all__ = [
    "DateArg",
    "Id",
    "Identified",
    "Ids",
    "PropertyValueIds",
    "CrudResource",
    "ReadResource",
    "Resource",
    "attribute_values",
    "check_bool",
    "check_choices",
    "check_id",
    "check_ids",
    "check_instance",
    "check_int",
    "check_items",
    "check_number",
    "check_str",
    "check_url",
    "date_param",
    "one_of",
    "optional",
    "optional_id",
    "page_parser",
    "property_value_expression",
    "required",
    "required_id",
]

T = TypeVar("T")
M = TypeVar("M")


class Identified(Protocol):
    """A model the server returned: wherever an id goes, the model may go instead
    (`metrics.create(subject_type_id=pump, ...)`), so code need not narrow `model.id`."""

    @property
    def id(self) -> str | None: ...


Id = str | UUID | Identified
"""An id: a `str`, a `uuid.UUID`, or a model the server returned (standing for its id)."""
Ids = Sequence[Id | None] | None
"""A list of ids for a filter; items may be a model's `id` as read (`None` is refused at
run time)."""
DateArg = datetime | int | str | None
PropertyValueIds = Sequence[Id | Sequence[Id]] | Id | None

logger = logging.getLogger("blockbax_async")
# What would change the meaning of a URL path segment: separators, escapes, spaces, controls.
_NOT_IN_ID = re.compile(r"[/?#%\s\x00-\x1f\x7f-\x9f]")


def check_id(value: Id | None, field: str = "id") -> str:
    """An id for a URL path: a UUID, or a string other than `""`, `"."` and `".."`
    without `/ ? # %`, whitespace or control characters (which would change the URL);
    or a stored model, standing for its `id`. `None` is accepted by the type (so that
    `model.id` passes as read) and refused here: the model was not stored."""
    if value is None:
        raise ValidationError(f"{field}: required, got None (an id the server returned)")
    if isinstance(value, UUID):
        return str(value)
    if not isinstance(value, str) and hasattr(value, "id") and hasattr(value, "__attrs_attrs__"):
        if value.id is None:
            raise ValidationError(
                f"{field}: the {type(value).__name__} has no id: pass one the server returned"
            )
        value = value.id
    if not isinstance(value, str) or value in ("", ".", "..") or _NOT_IN_ID.search(value):
        raise ValidationError(
            f"{field}: not a valid id ({value!r}): an id is not empty, '.' or '..', and holds"
            " no '/', '?', '#', '%', whitespace or control characters"
        )
    return check_text(field, value)


def check_ids(field: str, values: Ids) -> list[str] | None:
    """A list of ids for a filter (sent comma-joined), or `None` when not given; one id
    alone is refused rather than read as a sequence of characters."""
    if values is None:
        return None
    if isinstance(values, str | UUID):
        raise ValidationError(f"{field}: give a list of ids, not one id ({values!r})")
    ids = [check_id(value, field) for value in check_items(field, values)]
    for value in ids:
        if "," in value or ";" in value:
            raise ValidationError(f"{field}: not a valid id ({value!r})")
    return ids


def required(field: str, value: T | None) -> T:
    """`value`, or a [`ValidationError`][blockbax_async.errors.ValidationError] naming `field` when
    it is missing or empty."""
    if value is None or (isinstance(value, str) and not value):
        raise ValidationError(f"{field}: required, got {value!r}")
    return value


def optional_id(field: str, value: Id | None) -> str | None:
    """`check_id` of `value` when given (`None` passes)."""
    return None if value is None else check_id(value, field)


def required_id(field: str, value: Id | None) -> str:
    """A required id: `check_id` of `value`, which must be given."""
    if value is None or value == "":
        raise ValidationError(f"{field}: required, got {value!r}")
    return check_id(value, field)


@overload
def one_of(field: str, value: str, allowed: Collection[str]) -> str: ...
@overload
def one_of(field: str, value: None, allowed: Collection[str]) -> None: ...
def one_of(field: str, value: str | None, allowed: Collection[str]) -> str | None:
    """`value` upper-cased when it is one of `allowed` (`None` passes), else a
    [`ValidationError`][blockbax_async.errors.ValidationError] naming `field` and the value."""
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in allowed:
        raise ValidationError(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return value.upper()


def check_choices(field: str, values: Iterable[str] | None, allowed: Collection[str]) -> Any:
    """Each of `values` checked by `one_of`; `None` passes."""
    if values is None:
        return None
    return [one_of(field, value, allowed) for value in check_items(field, values)]


def date_param(field: str, value: DateArg) -> datetime | None:
    """A date filter: an aware `datetime`, epoch milliseconds or an ISO 8601 string with an
    offset (sent as ISO 8601 with milliseconds); `None` passes."""
    if value is None:
        return None
    try:
        ms = to_epoch_ms(value)
    except ValidationError as exc:
        raise ValidationError(str(exc).replace("date", field, 1)) from None
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def property_value_expression(field: str, expression: PropertyValueIds) -> str | None:
    """The API's `propertyValueIds` string of a Python expression.

    A list means *all of* its entries; an entry that is itself a list means *any of* its
    ids: `[[a, b], c]` is (a OR b) AND c, sent as `a,b;c`. One id alone is allowed.
    """
    if expression is None:
        return None
    if isinstance(expression, str | UUID) or hasattr(expression, "__attrs_attrs__"):
        expression = [expression]  # type: ignore[list-item]
    clauses = []
    for entry in check_items(field, expression):
        one = isinstance(entry, str | UUID) or hasattr(entry, "__attrs_attrs__")
        options = [entry] if one else check_items(field, entry)
        if not options:
            raise ValidationError(f"{field}: an empty list of alternatives ({expression!r})")
        ids = check_ids(field, options)
        clauses.append(",".join(ids or ()))
    if not clauses:
        raise ValidationError(f"{field}: give at least one property value id")
    return ";".join(clauses)


def _parse_page(cls: type[T], number: int, data: Any) -> Page[T]:
    return Page(structure(data["result"], list[cls]), number, data.get("count"))  # type: ignore[valid-type]


def page_parser(cls: type[T], number: int) -> Any:
    """A parser turning a `{count, result}` answer into a [`Page`][blockbax_async.Page] of `cls`."""
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
        idempotent: bool = True,
        deadline: float | None = None,
    ) -> T:
        json = None if body is None else unstructure(body, for_write=True)
        result: T = await self._transport.request(
            method,
            path,
            json=json,
            params=params,
            parse=partial(structure, cls=into),
            idempotent=idempotent,
            deadline=deadline,
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
        page_size = check_int("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        limit = optional(check_int, "limit", limit, minimum=0)

        async def fetch(number: int, size: int) -> Page[T]:
            query = {**params, "page": number, "size": size}
            page: Page[T] = await self._transport.request(
                "GET", path, params=query, parse=page_parser(into, number)
            )
            return page

        return Paginator(fetch, limit=limit, page_size=page_size)


class ReadResource(Resource, Generic[M]):
    """A collection under `path` that the API lets us get and search."""

    path: ClassVar[str]
    model: ClassVar[type[Any]]

    async def get(self, id: Id | None) -> M:
        """The stored item; [`NotFoundError`][blockbax_async.errors.NotFoundError] when absent."""
        item: M = await self._call("GET", f"{self.path}/{check_id(id)}", self.model)
        return item

    def _search(
        self, params: Mapping[str, ParamValue], limit: int | None, page_size: int
    ) -> Paginator[M]:
        return self._list(self.path, self.model, params, limit=limit, page_size=page_size)


class CrudResource(ReadResource[M]):
    """A collection the API lets us get, search, create, update and delete, under `path`.

    `choices` names, per attribute of the model, the values the API accepts; they are
    checked before a create is sent. `required_fields` must be non-empty on create and
    update alike. Updates do not check `choices`: a value the server returned (perhaps one
    newer than this package) goes back as it came. Both check the type of every attribute,
    and take plain mappings (snake_case or camelCase keys) wherever a model is expected.
    """

    choices: ClassVar[Mapping[str, Collection[str]]] = {}
    required_fields: ClassVar[tuple[str, ...]] = ()
    unique_key: ClassVar[Mapping[str, str]] = {}
    """Attributes that identify a stored item, each with the list filter that finds it; a
    create whose outcome is unknown is looked up by them (empty: it cannot be, and raises)."""

    async def update(self, item: M) -> M:
        """Send `item` as edited (its attributes changed in place) and return what is stored."""
        item = self._input(item)
        item_id = getattr(item, "id", None)
        if item_id is None:
            raise ValidationError(f"id: {type(item).__name__} has no id; create it first")
        self._check_model(item)
        self._check(item, creating=False)
        path = f"{self.path}/{check_id(item_id)}"
        stored: M = await self._call("PUT", path, self.model, body=item)
        return stored

    async def delete(self, id: Id | None) -> None:
        """Delete the item; [`NotFoundError`][blockbax_async.errors.NotFoundError] when absent."""
        await self._delete(f"{self.path}/{check_id(id)}")

    async def _create(self, item: M) -> M:
        """POST `item`; when the outcome is unknown, look it up by `unique_key` and
        send it again only when it is not stored (without a key: raise)."""
        self._check_model(item)
        self._check(item, creating=True)
        policy = self._transport.config.retry
        deadline = time.monotonic() + policy.deadline
        resends = 0
        while True:
            try:
                stored: M = await self._call(
                    "POST", self.path, self.model, body=item, idempotent=False, deadline=deadline
                )
                return stored
            except TransportError as error:
                if not error.outcome_unknown or not self.unique_key:
                    raise
                found = await self._stored_as(item, error, deadline)
                if found is not None:
                    return found
                resends += 1
                if resends > policy.max_retries or time.monotonic() >= deadline:
                    raise
                logger.warning("%s; it is not stored, so it is sent again", error)

    async def _stored_as(self, item: M, error: TransportError, deadline: float) -> M | None:
        """The stored item with the `unique_key` of `item`, or `None`; `error`
        is raised when the key is not set or the lookup fails."""
        key = {name: getattr(item, name) for name in self.unique_key}
        if any(value is None for value in key.values()):
            raise error
        params: dict[str, ParamValue] = {
            param: str(key[name]) for name, param in self.unique_key.items()
        }
        params.update(page=0, size=MAX_PAGE_SIZE)
        try:
            page: Page[M] = await self._transport.request(
                "GET", self.path, params=params, parse=page_parser(self.model, 0), deadline=deadline
            )
        except BlockbaxError as lookup:
            raise error from lookup
        for found in page.items:
            if all(str(getattr(found, name)) == str(value) for name, value in key.items()):
                logger.warning("%s; it was stored, as a look-up by %s finds", error, key)
                return found
        return None

    def _input(self, item: M | Mapping[str, Any]) -> M:
        """The `item` argument (a model, or a mapping of its attributes) with the type of
        every attribute checked; nested mappings become models."""
        checked: M = structure_input(item, self.model, "item")
        return checked

    def _from_keywords(self, **keywords: Any) -> M:
        """A model of `create`'s keywords, each checked as `_input` does (named as the
        keyword)."""
        built: M = structure_input(keywords, self.model)
        return built

    def _check_model(self, item: Any) -> None:
        if not isinstance(item, self.model):
            raise ValidationError(f"item: expected a {self.model.__name__}, got {item!r}")

    def _check(self, item: M, *, creating: bool) -> None:
        """Check `item` before it is sent; subclasses add what the tables cannot say."""
        for path in self.required_fields:
            for where, value in attribute_values(item, path):
                required(where, value)
        if creating:
            for path, allowed in self.choices.items():
                for where, value in attribute_values(item, path):
                    if value is not None and value not in allowed:
                        raise ValidationError(
                            f"{where}: {value!r} is not one of {', '.join(allowed)}"
                        )


def attribute_values(obj: Any, path: str, where: str = "") -> Iterator[tuple[str, Any]]:
    """`(where, value)` of each attribute at `path`, e.g. `"rules[].level"` walks
    every item of `obj.rules`; a `None` on the way yields nothing."""
    head, _, rest = path.partition(".")
    name = head.removesuffix("[]")
    value = getattr(obj, name)
    where = f"{where}.{name}" if where else name
    if head.endswith("[]"):
        for index, item in enumerate(value or ()):
            if item is not None:
                yield from _deeper(item, rest, f"{where}[{index}]")
    elif rest:
        if value is not None:
            yield from attribute_values(value, rest, where)
    else:
        yield where, value


def _deeper(item: Any, rest: str, where: str) -> Iterator[tuple[str, Any]]:
    if rest:
        yield from attribute_values(item, rest, where)
    else:
        yield where, item

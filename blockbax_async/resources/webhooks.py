"""Webhook settings `/webhookSettings` and the responses their calls got."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar, overload

from .._pagination import CursorPaginator, Page, Paginator
from .._vocabulary import EVENT_LEVELS
from ..models import EventTriggerFilter, SubjectFilter, Webhook, WebhookResponse
from ..models._converter import structure
from ..types import EventLevel, Order
from ._base import (
    CrudResource,
    Id,
    check_bool,
    check_choices,
    check_id,
    check_int,
    check_str,
    check_url,
    one_of,
    optional,
    required,
)
from ._raw import RawNamespace, raw, raw_page

__all__ = ["WebhooksResource", "WebhooksWithRawResponse"]

ORDERS = ("ASC", "DESC")
_ALL_LEVELS = EVENT_LEVELS


def _responses(data: Any) -> list[WebhookResponse]:
    return structure(data, list[WebhookResponse])


class WebhooksResource(CrudResource[Webhook]):
    """`client.webhooks`: webhook settings (get, list, create, update, delete) and the
    responses their calls got (`list_responses`, `get_response`)."""

    path = "/webhookSettings"
    model = Webhook
    required_fields = ("name", "endpoint", "event_trigger_filter.type")
    choices: ClassVar[Mapping[str, Collection[str]]] = {
        "event_level_filter[]": EVENT_LEVELS,
        "event_trigger_filter.type": ("INCLUDE", "EXCLUDE"),
    }

    def list(
        self, *, name: str | None = None, limit: int | None = None, page_size: int = 200
    ) -> Paginator[Webhook]:
        """Webhook settings, filtered by `name`."""
        return self._search({"name": optional(check_str, "name", name)}, limit, page_size)

    @property
    def with_raw_response(self) -> WebhooksWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return WebhooksWithRawResponse(self)

    @overload
    async def create(self, item: Webhook | Mapping[str, Any]) -> Webhook: ...
    @overload
    async def create(
        self,
        *,
        name: str,
        endpoint: str,
        active: bool = True,
        authorization_header: str | None = None,
        subject_filter: SubjectFilter | Mapping[str, Any] | None = None,
        event_trigger_filter: EventTriggerFilter | Mapping[str, Any] | None = None,
        event_level_filter: Sequence[EventLevel] = _ALL_LEVELS,
    ) -> Webhook: ...
    async def create(
        self,
        item: Webhook | Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        endpoint: str | None = None,
        active: bool = True,
        authorization_header: str | None = None,
        subject_filter: SubjectFilter | Mapping[str, Any] | None = None,
        event_trigger_filter: EventTriggerFilter | Mapping[str, Any] | None = None,
        event_level_filter: Sequence[EventLevel] = _ALL_LEVELS,
    ) -> Webhook:
        """Create a webhook setting from a model or from keywords; returns the stored one.

        Events matching the filters are posted to `endpoint` (`http(s)://`), with
        `authorization_header` as the Authorization header. `event_level_filter` holds
        `OK`, `INFORMATION`, `WARNING` and/or `PROBLEM` (all by default). The
        filters take models or mappings (`{"type": "INCLUDE", "ids": [...]}`).
        """
        if item is None:
            item = self._from_keywords(
                name=required("name", name),
                endpoint=required("endpoint", endpoint),
                active=active,
                authorization_header=authorization_header,
                subject_filter=subject_filter,
                event_trigger_filter=event_trigger_filter,
                event_level_filter=check_choices(
                    "event_level_filter", event_level_filter, EVENT_LEVELS
                ),
            )
        return await self._create(self._input(item))

    def _check(self, item: Webhook, *, creating: bool) -> None:
        super()._check(item, creating=creating)
        check_url("endpoint", item.endpoint)

    def list_responses(
        self,
        webhook_id: Id | None,
        *,
        error: bool | None = None,
        order: Order | None = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> CursorPaginator[WebhookResponse]:
        """The responses the calls of a webhook got (kept 7 days), newest first unless
        `order="ASC"`; `error` keeps only failed (`True`) or successful ones."""
        path = f"{self.path}/{check_id(webhook_id, 'webhook_id')}/webhookResponses"
        sort = one_of("order", order, ORDERS)
        error = optional(check_bool, "error", error)
        page_size = check_int("page_size", page_size, minimum=1)
        limit = optional(check_int, "limit", limit, minimum=0)
        descending = sort != "ASC"
        first_size = page_size if limit is None else max(1, min(page_size, limit))

        async def fetch(cursor: str | None) -> Page[WebhookResponse]:
            # The cursor is the last sequence number seen, which the API may send again.
            size = first_size + (cursor is not None)
            params = {"cursor": cursor, "error": error, "order": sort, "size": size}
            got = await self._transport.request("GET", path, params=params, parse=_responses)
            items = got if cursor is None else _after(got, int(cursor), descending)
            more = len(got) >= size and bool(items)
            return Page(items, cursor=str(items[-1].sequence_number) if more else None)

        return CursorPaginator(fetch, limit=limit)

    async def get_response(self, webhook_id: Id | None, sequence_number: int) -> WebhookResponse:
        """One response of a webhook, by its sequence number."""
        sequence_number = check_int("sequence_number", sequence_number)
        path = f"{self.path}/{check_id(webhook_id, 'webhook_id')}/webhookResponses"
        response: WebhookResponse = await self._call(
            "GET", f"{path}/{sequence_number}", WebhookResponse
        )
        return response


def _after(items: list[WebhookResponse], cursor: int, descending: bool) -> list[WebhookResponse]:
    if descending:
        return [item for item in items if item.sequence_number < cursor]
    return [item for item in items if item.sequence_number > cursor]


class WebhooksWithRawResponse(RawNamespace[WebhooksResource]):
    """`client.webhooks.with_raw_response`."""

    get = raw(WebhooksResource.get)
    list = raw_page(WebhooksResource.list)
    create = raw(WebhooksResource.create)
    update = raw(WebhooksResource.update)
    delete = raw(WebhooksResource.delete)
    list_responses = raw_page(WebhooksResource.list_responses)
    get_response = raw(WebhooksResource.get_response)

"""Every public method of every resource namespace, one argument at a time given a value of
a wrong type: a ValidationError (or TypeError) naming the argument with nothing sent, or,
where the type is one the argument takes, the server's answer. Never an error from inside.

Documented coercions: ids may be ``uuid.UUID``; numbers may be ``int`` where a float is
expected; dates may be an aware ``datetime``, epoch milliseconds or ISO 8601 text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timezone
from functools import partial
from typing import Any, get_args, get_origin

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blockbax_async import AsyncClient
from blockbax_async._pagination import CursorPaginator, Paginator
from blockbax_async.emulator import Emulator
from blockbax_async.errors import APIError, ValidationError
from blockbax_async.models import EventTrigger, Metric, PropertyType, Subject, SubjectType, Webhook
from blockbax_async.models._common import as_id, as_optional_id
from blockbax_async.sync import Client

KINDS: dict[str, st.SearchStrategy[Any]] = {
    "none": st.none(),
    "int": st.integers(-(10**20), 10**20),
    "float": st.floats(),
    "bool": st.booleans(),
    "str": st.text(st.characters(codec="utf-8"), max_size=6),
    "bytes": st.binary(max_size=3),
    "datetime": st.datetimes(timezones=st.just(timezone.utc)),
    "list": st.lists(st.text(st.characters(codec="utf-8"), max_size=3), max_size=2),
    "dict": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    "object": st.builds(object),
    "surrogate": st.just("x\udcff"),
    "uuid": st.uuids(),
}
VALUES = st.one_of(*(st.tuples(st.just(kind), values) for kind, values in KINDS.items()))

ID = {"str", "uuid"}
OPT_ID = ID | {"none"}
TEXT = {"str"}
OPT_TEXT = {"str", "none"}
FLAG = {"bool"}
OPT_FLAG = {"bool", "none"}
WHOLE = {"int"}
OPT_WHOLE = {"int", "none"}
LIST = {"list"}
OPT_LIST = {"list", "none"}
MODEL = {"dict"}
OPT_MODEL = {"dict", "none"}
DATE = {"datetime", "int", "float", "str", "none"}
PROPERTY_VALUES = {"str", "uuid", "list", "none"}
ALARM_ID = {"int", "str"}
PAGING = {"limit": OPT_WHOLE, "page_size": WHOLE}


@attrs.frozen
class Method:
    """A namespace method, valid arguments for it, and the kinds of value each takes."""

    namespace: str
    name: str
    valid: Callable[[dict[str, Any]], dict[str, Any]]
    takes: dict[str, set[str]]

    def __str__(self) -> str:
        return f"{self.namespace}.{self.name}"


def _none(world: dict[str, Any]) -> dict[str, Any]:
    return {}


def _ids(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda world: {key: world["id"]}


def _model(model: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda world: {"item": world[model]}


def _crud(namespace: str, model: str, list_takes: dict[str, set[str]]) -> list[Method]:
    return [
        Method(namespace, "get", _ids("id"), {"id": ID}),
        Method(namespace, "delete", _ids("id"), {"id": ID}),
        Method(namespace, "list", _none, {**list_takes, **PAGING}),
        Method(namespace, "update", _model(model), {"item": {"dict"}}),
    ]


METHODS = [
    *_crud("property_types", "city", {"name": OPT_TEXT, "external_id": OPT_TEXT}),
    Method(
        "property_types",
        "create",
        lambda w: {"name": "Floor", "external_id": "floor", "data_type": "NUMBER"},
        {
            "item": {"none", "dict"},
            "name": TEXT,
            "external_id": TEXT,
            "data_type": TEXT,
            "predefined_values": FLAG,
            "values": LIST,
        },
    ),
    *_crud("subject_types", "room_type", {"name": OPT_TEXT, "property_type_ids": OPT_LIST}),
    Method(
        "subject_types",
        "create",
        lambda w: {"name": "Floor", "property_types": [{"id": w["city"].id}]},
        {
            "name": TEXT,
            "parent_subject_type_ids": LIST,
            "primary_location": OPT_MODEL,
            "property_types": LIST,
        },
    ),
    *_crud(
        "subjects",
        "room",
        {
            "name": OPT_TEXT,
            "external_id": OPT_TEXT,
            "subject_ids": OPT_LIST,
            "subject_ids_mode": OPT_TEXT,
            "subject_type_ids": OPT_LIST,
            "property_value_ids": PROPERTY_VALUES,
        },
    ),
    Method(
        "subjects",
        "create",
        lambda w: {"name": "R", "subject_type_id": w["room_type"].id, "external_id": "r"},
        {
            "name": TEXT,
            "subject_type_id": ID,
            "external_id": TEXT,
            "parent_subject_id": OPT_ID,
            "ingestion_ids": LIST | MODEL,
            "properties": LIST,
        },
    ),
    *_crud(
        "metrics",
        "metric",
        {
            "name": OPT_TEXT,
            "external_id": OPT_TEXT,
            "metric_ids": OPT_LIST,
            "subject_type_ids": OPT_LIST,
        },
    ),
    Method(
        "metrics",
        "create",
        lambda w: {
            "subject_type_id": w["room_type"].id,
            "name": "Humidity",
            "data_type": "NUMBER",
            "external_id": "hum",
        },
        {
            "subject_type_id": ID,
            "name": TEXT,
            "data_type": TEXT,
            "external_id": TEXT,
            "mapping_level": TEXT,
            "type": TEXT,
            "unit": OPT_TEXT,
            "precision": OPT_WHOLE,
            "visible": OPT_FLAG,
            "discrete": OPT_FLAG,
            "preferred_color": OPT_TEXT,
        },
    ),
    *_crud("event_triggers", "trigger", {"name": OPT_TEXT}),
    Method(
        "event_triggers",
        "create",
        lambda w: {
            "subject_type_id": w["room_type"].id,
            "name": "Warm",
            "evaluation_trigger": "INPUT_METRICS",
            "evaluation_constraint": "NONE",
            "event_rules": [{"event_level": "OK", "condition_sets": [{"description": "d"}]}],
        },
        {
            "subject_type_id": ID,
            "name": TEXT,
            "active": FLAG,
            "evaluation_trigger": OPT_TEXT,
            "evaluation_constraint": OPT_TEXT,
            "event_rules": LIST,
            "subject_filter": OPT_MODEL,
        },
    ),
    *_crud("webhooks", "webhook", {"name": OPT_TEXT}),
    Method(
        "webhooks",
        "create",
        lambda w: {"name": "Hook", "endpoint": "https://example.com/hook"},
        {
            "name": TEXT,
            "endpoint": TEXT,
            "active": FLAG,
            "authorization_header": OPT_TEXT,
            "subject_filter": OPT_MODEL,
            "event_trigger_filter": OPT_MODEL,
            "event_level_filter": LIST,
        },
    ),
    Method(
        "webhooks",
        "list_responses",
        _ids("webhook_id"),
        {"webhook_id": ID, "error": OPT_FLAG, "order": OPT_TEXT, **PAGING},
    ),
    Method(
        "webhooks",
        "get_response",
        lambda w: {"webhook_id": w["id"], "sequence_number": 1},
        {"webhook_id": ID, "sequence_number": WHOLE},
    ),
    Method("events", "get", _ids("id"), {"id": ID}),
    Method(
        "events",
        "list",
        _none,
        {
            "active": OPT_FLAG,
            "suppressed": OPT_FLAG,
            "from_date": DATE,
            "to_date": DATE,
            "only_new": OPT_FLAG,
            "property_value_ids": PROPERTY_VALUES,
            "subject_ids": OPT_LIST,
            "event_trigger_ids": OPT_LIST,
            "event_levels": OPT_LIST,
            "sort": OPT_TEXT,
            **PAGING,
        },
    ),
    Method("alarms", "get", lambda w: {"id": 1}, {"id": ALARM_ID}),
    Method("alarms", "list_activity", lambda w: {"alarm_id": 1}, {"alarm_id": ALARM_ID}),
    Method(
        "alarms",
        "list",
        _none,
        {
            "statuses": OPT_LIST,
            "priorities": OPT_LIST,
            "active": OPT_FLAG,
            "from_date": DATE,
            "to_date": DATE,
            "subject_ids": OPT_LIST,
            "subject_type_ids": OPT_LIST,
            "event_trigger_ids": OPT_LIST,
            "property_value_ids": PROPERTY_VALUES,
            "sort": OPT_TEXT,
            **PAGING,
        },
    ),
]


@pytest.fixture
async def world(client: AsyncClient) -> dict[str, Any]:
    """One stored item of each kind, and an id that names none of them."""
    city = await client.property_types.create(
        name="City", external_id="city", data_type="TEXT", predefined_values=True
    )
    room_type = await client.subject_types.create(name="Room")
    metric = await client.metrics.create(
        subject_type_id=room_type.id, name="Temp", data_type="NUMBER", external_id="temp"
    )
    room = await client.subjects.create(
        name="Room 1", subject_type_id=room_type.id, external_id="room-1"
    )
    trigger = await client.event_triggers.create(
        subject_type_id=room_type.id,
        name="Warm",
        evaluation_trigger="INPUT_METRICS",
        evaluation_constraint="NONE",
    )
    webhook = await client.webhooks.create(name="Hook", endpoint="https://example.com")
    return {
        "id": "8f5a4a2e-0000-4000-8000-000000000000",
        "city": city,
        "room_type": room_type,
        "metric": metric,
        "room": room,
        "trigger": trigger,
        "webhook": webhook,
    }


async def _run(client: AsyncClient, method: Method, arguments: dict[str, Any]) -> None:
    result = getattr(getattr(client, method.namespace), method.name)(**arguments)
    if isinstance(result, Paginator | CursorPaginator):
        await result.collect()
    else:
        await result


async def _refused_or_answered(
    emulator: Emulator, call: Callable[[], Awaitable[None]], where: str, takes: set[str], kind: str
) -> None:
    """The property: ``call()`` is refused with a ValidationError naming ``where`` and nothing
    sent, or, when ``kind`` is a kind of value ``where`` takes, gets the server's answer."""
    emulator.requests.clear()
    try:
        await call()
    except ValidationError as exc:
        assert where in str(exc), f"{where}: {exc}"
        assert emulator.requests == [], f"{where}: refused after sending"
        return
    except APIError:
        pass
    assert kind in takes, f"{where}: a {kind} was accepted"


AGAINST_THE_EMULATOR = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""Hypothesis settings of the tests that send each example to the emulator."""


@pytest.mark.parametrize("method", METHODS, ids=str)
@AGAINST_THE_EMULATOR
@given(data=st.data())
async def test_a_wrong_argument_is_refused_before_sending(
    emulator: Emulator,
    client: AsyncClient,
    world: dict[str, Any],
    method: Method,
    data: st.DataObject,
) -> None:
    argument = data.draw(st.sampled_from(sorted(method.takes)), label="argument")
    kind, value = data.draw(VALUES, label="value")
    arguments = {**method.valid(world), argument: value}
    call = partial(_run, client, method, arguments)
    await _refused_or_answered(emulator, call, argument, method.takes[argument], kind)


_BY_TYPE: dict[Any, set[str]] = {
    str: TEXT,
    int: WHOLE,
    float: {"int", "float"},
    bool: FLAG,
    datetime: {"datetime"},
    list: LIST,
    dict: MODEL,
}


def _accepts(field: attrs.Attribute[Any]) -> set[str]:
    """The kinds of value a model attribute takes, from its type."""
    args = get_args(field.type)
    optional = type(None) in args
    type_ = next(arg for arg in args if arg is not type(None)) if optional else field.type
    kinds = {"none"} if optional else set()
    if field.converter in (as_id, as_optional_id):  # type: ignore[comparison-overlap]
        return kinds | ID
    return kinds | _BY_TYPE.get(get_origin(type_) or type_, MODEL)  # else a nested model


def _attributes(model: type[Any]) -> Iterator[tuple[str, set[str]]]:
    for field in attrs.fields(attrs.resolve_types(model)):
        yield field.name, _accepts(field)


UPDATES = {
    "property_types": ("city", PropertyType),
    "subject_types": ("room_type", SubjectType),
    "subjects": ("room", Subject),
    "metrics": ("metric", Metric),
    "event_triggers": ("trigger", EventTrigger),
    "webhooks": ("webhook", Webhook),
}


@pytest.mark.parametrize("namespace", sorted(UPDATES))
@AGAINST_THE_EMULATOR
@given(data=st.data())
async def test_a_wrong_attribute_of_an_updated_model_is_refused(
    emulator: Emulator,
    client: AsyncClient,
    world: dict[str, Any],
    namespace: str,
    data: st.DataObject,
) -> None:
    key, model = UPDATES[namespace]
    takes = dict(_attributes(model))
    name = data.draw(st.sampled_from(sorted(takes)), label="attribute")
    kind, value = data.draw(VALUES, label="value")
    item = attrs.evolve(world[key])
    setattr(item, name, value)  # as a caller editing it in place would
    call = partial(getattr(client, namespace).update, item)
    await _refused_or_answered(emulator, call, name, takes[name], kind)


SYNC_CALLS: list[tuple[Callable[[Any], Any], str]] = [
    (lambda c: c.subjects.create(name=5, subject_type_id="t", external_id="e"), "name: 5"),
    (lambda c: c.subjects.list(page_size="10").collect(), "page_size: '10'"),
    (lambda c: c.metrics.get(5), "id"),
    (lambda c: c.webhooks.create(name="w", endpoint=5), "endpoint: 5"),
    (lambda c: c.events.list(active="yes").collect(), "active: 'yes'"),
    (
        lambda c: c.property_types.create(
            name="p", external_id="p", data_type="LOCATION", values=[{"location": {"lat": "x"}}]
        ),
        "values[0].location.lat: 'x' is not a number",
    ),
]


@pytest.mark.parametrize(("call", "message"), SYNC_CALLS)
def test_the_sync_client_refuses_the_same(
    served: Emulator, call: Callable[[Client], Any], message: str
) -> None:
    with Client(served.project_id, served.api_key, base_url=served.base_url) as client:
        served.requests.clear()
        with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
            call(client)
        assert served.requests == []

"""The emulator's collections where the reference says more than "store it": mapping levels,
both event trigger forms, numbers as strings, image paths, captions; and its module tree."""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import blockbax_async.emulator
from blockbax_async.emulator import Emulator, State

Answer = tuple[int, Any]


async def call(emulator: Emulator, method: str, path: str, body: Any = None) -> Answer:
    url = f"{emulator.base_url}/v1/projects/{emulator.project_id}{path}"
    headers = {"Authorization": f"ApiKey {emulator.api_key}"}
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url, json=body, headers=headers) as response:
            return response.status, await response.json()


async def ok(emulator: Emulator, method: str, path: str, body: Any = None) -> Any:
    status, answer = await call(emulator, method, path, body)
    assert status == 200, answer
    return answer


async def _type(emulator: Emulator, name: str, **fields: Any) -> dict[str, Any]:
    return await ok(emulator, "POST", "/subjectTypes", {"name": name, **fields})  # type: ignore[no-any-return]


async def _metric(emulator: Emulator, type_id: str, external_id: str, level: str) -> Any:
    body = {
        "subjectTypeId": type_id,
        "name": external_id,
        "externalId": external_id,
        "dataType": "LOCATION",
        "type": "INGESTED",
        "mappingLevel": level,
    }
    return await ok(emulator, "POST", "/metrics", body)


async def _subject(emulator: Emulator, type_id: str, external_id: str, **fields: Any) -> Any:
    body = {"name": external_id, "subjectTypeId": type_id, "externalId": external_id, **fields}
    return await ok(emulator, "POST", "/subjects", body)


def _ingestion_ids(subject: dict[str, Any]) -> dict[str, str]:
    return {e["metricId"]: e["ingestionId"] for e in subject["ingestionIds"]}


async def test_child_mapped_ingestion_ids_are_held_by_the_children(emulator: Emulator) -> None:
    truck = await _type(emulator, "Truck")
    tracker = await _type(emulator, "Tracker", parentSubjectTypeIds=[truck["id"]])
    where = await _metric(emulator, truck["id"], "where", "CHILD")
    load = await _metric(emulator, truck["id"], "load", "OWN")
    one, two = [await _subject(emulator, truck["id"], f"truck-{n}") for n in (1, 2)]
    device = await _subject(emulator, tracker["id"], "gps-7", parentSubjectId=one["id"])
    assert _ingestion_ids(device) == {where["id"]: "gps-7$where"}
    assert _ingestion_ids(await ok(emulator, "GET", f"/subjects/{one['id']}")) == {
        load["id"]: "truck-1$load"
    }
    assert emulator.state.ingestion_index()["gps-7$where"] == (one["id"], where["id"])
    await _subject(emulator, tracker["id"], "gps-8", parentSubjectId=one["id"])
    series = [
        {
            "ingestionId": f"gps-{n}$where",
            "measurements": [{"date": n, "location": {"lat": n, "lon": 4}}],
        }
        for n in (7, 8)
    ]
    answer = await ok(emulator, "POST", "/measurements", {"series": series})
    assert answer == {"numberOfIngestedMeasurements": 2}
    found = await ok(
        emulator, "GET", f"/measurements?subjectIds={one['id']}&metricIds={where['id']}&size=5"
    )
    assert [s["subjectId"] for s in found["series"]] == [one["id"]]  # one series, two feeds
    assert [m["location"]["lat"] for m in found["series"][0]["measurements"]] == [7, 8]
    moved = await ok(
        emulator, "PUT", f"/subjects/{device['id']}", {**device, "parentSubjectId": two["id"]}
    )
    assert _ingestion_ids(moved) == {where["id"]: "gps-7$where"}  # what CHILD is for
    assert emulator.state.ingestion_index()["gps-7$where"] == (two["id"], where["id"])
    changed = await ok(emulator, "PUT", f"/metrics/{where['id']}", {**where, "mappingLevel": "OWN"})
    assert changed["mappingLevel"] == "OWN"
    assert _ingestion_ids(emulator.state.collection("subjects")[device["id"]]) == {}
    assert (
        "truck-2$where" in _ingestion_ids(emulator.state.collection("subjects")[two["id"]]).values()
    )


async def test_child_mapped_ingestion_ids_cannot_be_named_by_the_parent(emulator: Emulator) -> None:
    truck = await _type(emulator, "Truck")
    where = await _metric(emulator, truck["id"], "where", "CHILD")
    entry = {"metricId": where["id"], "deriveIngestionId": False, "ingestionId": "x"}
    body = {"name": "t", "subjectTypeId": truck["id"], "externalId": "t", "ingestionIds": [entry]}
    status, answer = await call(emulator, "POST", "/subjects", body)
    assert status == 400 and "not an ingested metric this subject maps" in str(answer)


def _rule(metric_id: str, number: Any = 25) -> dict[str, Any]:
    condition = {
        "type": "THRESHOLD",
        "leftOperand": {"type": "METRIC", "id": metric_id},
        "comparisonOperator": "GREATER_THAN",
        "rightOperand": {"type": "STATIC_VALUE", "number": number},
    }
    return {
        "eventLevel": "PROBLEM",
        "conditionSets": [{"description": "hot", "inputConditions": [condition]}],
    }


@pytest.mark.parametrize(
    ("given", "trigger", "triggers"),
    [
        (
            {"evaluationTrigger": "SUBJECT_METRICS"},
            "SUBJECT_METRICS",
            {"newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": True}},
        ),
        (
            {
                "evaluationTriggers": {
                    "newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": False}
                }
            },
            "INPUT_METRICS",
            {"newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": False}},
        ),
        (
            {
                "evaluationTrigger": "INPUT_METRICS",  # re-sent by an official update: stale
                "evaluationTriggers": {
                    "newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": True},
                    "periodic": {"delay": {"unit": "MINUTE", "amount": "5"}},
                },
            },
            "SUBJECT_METRICS",
            {
                "newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": True},
                "periodic": {"delay": {"unit": "MINUTE", "amount": 5}},
            },
        ),
    ],
)
async def test_event_triggers_take_and_give_both_forms(
    emulator: Emulator, given: dict[str, Any], trigger: str, triggers: dict[str, Any]
) -> None:
    room = await _type(emulator, "Room")
    metric = await _metric(emulator, room["id"], "where", "OWN")
    body = {
        "subjectTypeId": room["id"],
        "name": "Hot",
        "active": True,
        "evaluationConstraint": "NONE",
        "eventRules": [_rule(metric["id"], "25.5")],
        **given,
    }
    stored = await ok(emulator, "POST", "/eventTriggers", body)
    assert (stored["evaluationTrigger"], stored["evaluationTriggers"]) == (trigger, triggers)
    assert (stored["version"], stored["latestVersion"], stored["archived"]) == (1, True, False)
    operand = stored["eventRules"][0]["conditionSets"][0]["inputConditions"][0]["rightOperand"]
    assert operand["number"] == 25.5
    again = await ok(emulator, "PUT", f"/eventTriggers/{stored['id']}", stored)
    assert (again["version"], again["evaluationTriggers"]) == (2, triggers)


async def test_event_triggers_need_one_of_the_forms(emulator: Emulator) -> None:
    room = await _type(emulator, "Room")
    body = {
        "subjectTypeId": room["id"],
        "name": "x",
        "active": True,
        "evaluationConstraint": "NONE",
        "eventRules": [],
    }
    status, answer = await call(emulator, "POST", "/eventTriggers", body)
    assert status == 400 and "evaluationTrigger" in str(answer)
    body["evaluationTriggers"] = {"newMeasurement": {"fromInputMetrics": "yes"}}
    status, answer = await call(emulator, "POST", "/eventTriggers", body)
    assert status == 400 and "fromInputMetrics: must be true or false" in str(answer)


async def test_numbers_as_strings_are_read_as_numbers(emulator: Emulator) -> None:
    floors = await ok(
        emulator,
        "POST",
        "/propertyTypes",
        {"name": "Floors", "externalId": "floors", "dataType": "NUMBER", "predefinedValues": False},
    )
    place = await ok(
        emulator,
        "POST",
        "/propertyTypes",
        {
            "name": "Place",
            "externalId": "place",
            "dataType": "LOCATION",
            "predefinedValues": True,
            "values": [{"caption": "HQ", "location": {"lat": "52.1", "lon": "5", "alt": "-2.5"}}],
        },
    )
    assert place["values"][0]["location"] == {"lat": 52.1, "lon": 5, "alt": -2.5}
    links = [{"id": t["id"], "required": False} for t in (floors, place)]
    building = await _type(emulator, "Building", propertyTypes=links)
    properties = [
        {"typeId": floors["id"], "number": "3.5"},
        {"typeId": place["id"], "valueId": place["values"][0]["id"]},
    ]
    house = await _subject(emulator, building["id"], "house", properties=properties)
    assert house["properties"][0]["number"] == 3.5
    stored = emulator.state.collection("propertyTypes")[floors["id"]]["values"]
    assert [v["number"] for v in stored] == [3.5]
    for bad in ("3,5", "NaN", "", True):
        status, answer = await call(
            emulator,
            "PUT",
            f"/subjects/{house['id']}",
            {**house, "properties": [{"typeId": floors["id"], "number": bad}]},
        )
        assert status == 400 and "must be a number" in str(answer), bad


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n0000").decode()
GIF = base64.b64encode(b"GIF89a000000").decode()


async def test_image_paths_in_the_reference_format(emulator: Emulator) -> None:
    photo = await ok(
        emulator,
        "POST",
        "/propertyTypes",
        {
            "name": "Photo",
            "externalId": "photo",
            "dataType": "IMAGE",
            "predefinedValues": True,
            "values": [
                {"caption": "Front", "image": {"imageData": PNG}},
                {"caption": "Side", "image": {"imageData": GIF}},
            ],
        },
    )
    paths = [value["image"] for value in photo["values"]]
    root = f"/projects/{emulator.project_id}/propertyTypes/{photo['id']}"
    pattern = re.escape(root) + r"/values/([^/]+)/files/[0-9a-f-]{36}\.(\w+)"
    matches = [re.fullmatch(pattern, image.get("imagePath", "")) for image in paths]
    assert [(m.group(1), m.group(2)) for m in matches if m] == [
        (v["id"], kind) for v, kind in zip(photo["values"], ("png", "gif"), strict=True)
    ]
    assert all("imageData" not in image for image in paths)
    again = await ok(emulator, "PUT", f"/propertyTypes/{photo['id']}", photo)
    assert again["values"] == photo["values"]


@pytest.mark.parametrize(
    ("data_type", "predefined", "value", "message"),
    [
        ("LOCATION", True, {"location": {"lat": 1, "lon": 2}}, "values[0].caption: required"),
        ("IMAGE", True, {"image": {"imageData": PNG}}, "values[0].caption: required"),
        ("TEXT", False, {"text": "Delft"}, "created from subjects"),
        ("TEXT", True, {"text": "Delft", "id": "nope"}, "values[0].id: no value 'nope'"),
        ("MAP_LAYER", True, {"caption": "x", "mapLayer": {"imagePath": "p"}}, "leftBottom"),
    ],
)
async def test_value_rules(
    emulator: Emulator, data_type: str, predefined: bool, value: Any, message: str
) -> None:
    body = {
        "name": "P",
        "externalId": "p",
        "dataType": data_type,
        "predefinedValues": predefined,
        "values": [value],
    }
    status, answer = await call(emulator, "POST", "/propertyTypes", body)
    assert status == 400 and message in str(answer)


async def test_captions_only_for_predefined_values(emulator: Emulator) -> None:
    name = await ok(
        emulator,
        "POST",
        "/propertyTypes",
        {"name": "Nick", "externalId": "nick", "dataType": "TEXT", "predefinedValues": False},
    )
    person = await _type(emulator, "Person", propertyTypes=[{"id": name["id"], "required": False}])
    body = {
        "name": "Ann",
        "subjectTypeId": person["id"],
        "externalId": "ann",
        "properties": [{"typeId": name["id"], "text": "A", "caption": "c"}],
    }
    status, answer = await call(emulator, "POST", "/subjects", body)
    assert status == 400 and "only predefined values have a caption" in str(answer)
    body["properties"] = [{"typeId": name["id"], "text": "A"}]
    ann = await ok(emulator, "POST", "/subjects", body)
    value = emulator.state.collection("propertyTypes")[name["id"]]["values"]
    assert [v["text"] for v in value] == ["A"] and ann["properties"][0]["valueId"] == value[0]["id"]
    kept = await ok(
        emulator,
        "PUT",
        f"/propertyTypes/{name['id']}",
        {**name, "name": "Nickname", "values": None},
    )
    assert [v["text"] for v in kept["values"]] == ["A"]  # values made from subjects stay


def test_an_unknown_collection_name_raises() -> None:
    state = State(project={})
    assert state.collection("webhookSettings") == {}
    with pytest.raises(ValueError, match=r"no collection 'webhooks'; known: .*webhookSettings"):
        state.collection("webhooks")


def _imports(path: Path, package: str) -> set[str]:
    """The sibling modules ``path`` imports, anywhere in it (also in functions and in
    ``if TYPE_CHECKING:``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            found |= {name.split(".")[0] for name in names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package + "."):
            found.add((node.module or "").split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith(package + ".")}
    return found


def test_the_emulator_modules_import_as_a_tree() -> None:
    folder = Path(blockbax_async.emulator.__file__).parent
    graph = {p.stem: _imports(p, "blockbax_async.emulator") for p in folder.glob("*.py")}
    assert len(graph) > 10 and all(graph[module] <= graph.keys() for module in graph)
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module not in done:
            for imported in graph[module]:
                visit(imported, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())
    assert graph["_state"] <= set(), "the state is the root every module builds on"
    assert "_server" not in set().union(*(graph[m] for m in graph if m != "__init__"))

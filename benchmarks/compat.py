"""The migration benchmark: one script written against ``blockbax_sdk.HttpClient`` 1.8.1, run
unchanged with ``blockbax_async.sync.HttpClient`` and with the official client, each on a fresh
emulator in its own process; wall time from making the client to the end of the script.

The script is what a metadata-sync-and-upload job does: create property types (predefined
texts, numbers, locations), a subject type, three metrics, ``subjects`` subjects with their
properties and an event trigger, queue ``points`` numbers per subject (and a text and a
location), send, list, edit with the model helpers, read back and delete.

    .venv/bin/python -m benchmarks.compat                       # 50 subjects x 2000 points
    .venv/bin/python -m benchmarks.compat --subjects 10 --points 200 --runs 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from blockbax_async.sync import HttpClient

from ._emulator_process import emulator_process
from ._report import Figure

START = 1_700_000_000_000
MINUTE = 60_000


def script(
    client: Any, *, subjects: int = 4, points: int = 10, start: int = START
) -> dict[str, Any]:
    """The script, written against the official ``HttpClient``; returns what it saw."""
    project = client.get_project_details()
    city = client.create_property_type(
        "City", "city", "TEXT", True, [{"text": "Delft"}, {"text": "Leiden"}]
    )
    city.add_value("Utrecht")
    city = client.update_property_type(city)
    floors = client.create_property_type("Floors", "floors", "NUMBER", False)
    place = client.create_property_type("Place", "place", "LOCATION", False)
    links = [{"id": str(t.id), "required": False, "visible": True} for t in (city, floors, place)]
    building = client.create_subject_type("Building", property_types=links)
    temperature = client.create_metric(building.id, "Temperature", "number", "ingested", "own")
    note = client.create_metric(building.id, "Note", "TEXT", "INGESTED", "OWN", unit=None)
    where = client.create_metric(building.id, "Where", "LOCATION", "INGESTED", "OWN")
    made = []
    for n in range(subjects):
        properties = [
            {"typeId": str(city.id), "valueId": str(city.values[n % 2].id)},
            {"typeId": str(floors.id), "number": n + 0.5},
            {"typeId": str(place.id), "location": {"lat": 52 + n / 100, "lon": 4.3}},
        ]
        made.append(client.create_subject(f"Building {n}", building.id, properties=properties))
    trigger = client.create_event_trigger(
        building.id,
        "Too warm",
        True,
        {"newMeasurement": {"fromInputMetrics": True, "fromOtherMetrics": False}},
        "NONE",
        [_rule(str(temperature.id))],
    )
    trigger.active = False
    trigger = client.update_event_trigger(trigger)
    for subject in made:
        ingestion_id = subject.get_ingestion_id(temperature.id)
        for i in range(points):
            client.queue_measurement(ingestion_id, date=start + i * MINUTE, number=20 + i / 4)
        client.queue_measurement(
            subject.get_ingestion_id(note.id), date=start, text=f"checked {subject.name}"
        )
        client.queue_measurement(
            subject.get_ingestion_id(where.id), date=start, location={"lat": 51.9, "lon": 4.5}
        )
    client.send_measurements()
    listed = client.get_subjects(subject_type_ids=[building.id])
    in_delft = client.get_subjects(property_value_ids=[str(city.values[0].id)])
    first = client.get_subject(made[0].id)
    first.name = "Town hall"
    first.set_properties([{"typeId": str(floors.id), "number": 10}])
    first.remove_properties([place.id])
    renamed = client.update_subject(first)
    series = client.get_measurements(
        subject_ids=[first.id],
        metric_ids=[temperature.id],
        from_date=start,
        to_date=start + points * MINUTE,
    )
    notes = client.get_measurements(subject_ids=[s.id for s in made], metric_ids=[note.id])
    places = client.get_measurements(subject_ids=[first.id], metric_ids=[where.id])
    client.delete_subject(made[-1].id)
    return {
        "project": project.name,
        "cities": [value.get_value() for value in city.values],
        "metric": [temperature.external_id, temperature.data_type, temperature.visible],
        "subjects": sorted(s.name for s in listed),
        "floors": sorted(float(s.get_property_by_type_id(floors.id).number) for s in listed),
        "places": sorted(float(s.get_property_by_type_id(place.id).location.lat) for s in listed),
        "in_delft": len(in_delft),
        "renamed": [renamed.name, float(renamed.get_property_by_type_id(floors.id).number)],
        "unplaced": renamed.get_property_by_type_id(place.id) is None,
        "trigger": [trigger.name, trigger.active, trigger.version],
        "values": [float(m.get_value()) for s in series for m in s],
        "notes": sorted(str(m.get_value()) for s in notes for m in s),
        "where": [[float(m.get_value().lat), float(m.get_value().lon)] for s in places for m in s],
        "gone": client.get_subject(made[-1].id) is None,
        "left": len(client.get_subjects()),
    }


def _rule(metric_id: str) -> dict[str, Any]:
    condition = {
        "type": "THRESHOLD",
        "leftOperand": {"type": "METRIC", "id": metric_id},
        "comparisonOperator": "GREATER_THAN",
        "rightOperand": {"type": "STATIC_VALUE", "number": 25},
    }
    description = "too warm"
    return {
        "eventLevel": "PROBLEM",
        "conditionSets": [{"description": description, "inputConditions": [condition]}],
    }


def _ours(api_key: str, project_id: str, base_url: str) -> Any:
    return HttpClient(api_key, project_id, base_url)


def _official(api_key: str, project_id: str, base_url: str) -> Any:
    import blockbax_sdk

    return blockbax_sdk.HttpClient(api_key, project_id, endpoint=base_url)


def _timed(make: Callable[[str, str, str], Any], subjects: int, points: int) -> tuple[float, Any]:
    with emulator_process() as server:
        began = time.perf_counter()
        client = make(server.api_key, server.project_id, server.base_url)
        result = script(client, subjects=subjects, points=points)
        close = getattr(client, "close", None)
        if close is not None:
            close()
        return time.perf_counter() - began, result


def run(*, subjects: int = 50, points: int = 2000, runs: int = 3) -> dict[str, Any]:
    """Median wall times of the script, ours and the official client's (when installed),
    interleaved, and whether both saw the same."""
    have_official = importlib.util.find_spec("blockbax_sdk") is not None
    ours: list[float] = []
    theirs: list[float] = []
    same = True
    for _ in range(runs):
        seconds, our_result = _timed(_ours, subjects, points)
        ours.append(seconds)
        if have_official:
            seconds, their_result = _timed(_official, subjects, points)
            theirs.append(seconds)
            same = same and our_result == their_result
    report: dict[str, Any] = {
        "subjects": subjects,
        "measurements": subjects * (points + 2),
        "runs": runs,
        "ours_s": round(statistics.median(ours), 3),
    }
    if theirs:
        official = statistics.median(theirs)
        report |= {
            "official_s": round(official, 3),
            "speedup": round(official / statistics.median(ours), 2),
            "same_results": same,
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=50)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(subjects=args.subjects, points=args.points, runs=args.runs), indent=2))


def figures(quick: bool = False) -> list[Figure]:
    """The migration row of the ``python -m benchmarks`` table (median wall seconds)."""
    found = run(subjects=10 if quick else 50, points=500 if quick else 2000, runs=1 if quick else 3)
    name = f"an official-SDK script, {found['measurements']:,} measurements, sync.HttpClient"
    return [Figure(name, "s", found["ours_s"], None, found.get("official_s"))]


if __name__ == "__main__":
    main()

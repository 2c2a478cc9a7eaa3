"""Which subject holds which ingestion IDs.

A metric mapped at level `OWN` has its ingestion IDs on the subjects of its own type; one
mapped at `CHILD` has them on the children of those subjects (so that a child can move to
another parent and keep its ingestion ID). Derived ingestion IDs are
`<holder's externalId>$<metric's externalId>`.
"""

from __future__ import annotations

from typing import Any

from ._checks import list_field
from ._query import fail
from ._state import State, require

__all__ = ["derived", "held_metrics", "ingestion_ids", "metric_deleted", "metric_written"]


def derived(subject: dict[str, Any], metric: dict[str, Any]) -> str:
    """The derived ingestion ID of `metric` held by `subject`."""
    return f"{subject['externalId']}${metric['externalId']}"


def _is_child_mapped(metric: dict[str, Any]) -> bool:
    return metric.get("mappingLevel") == "CHILD"


def held_metrics(state: State, subject: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ingested metrics whose ingestion IDs `subject` holds, by id: the `OWN` ones
    of its type and the `CHILD` ones of its parent's type."""
    subjects = state.collection("subjects")
    parent = subjects.get(subject.get("parentSubjectId") or "")
    parent_type = parent["subjectTypeId"] if parent is not None else None
    held = {}
    for metric in state.collection("metrics").values():
        if metric.get("type") != "INGESTED":
            continue
        if _is_child_mapped(metric):
            if metric["subjectTypeId"] == parent_type:
                held[metric["id"]] = metric
        elif metric["subjectTypeId"] == subject["subjectTypeId"]:
            held[metric["id"]] = metric
    return held


def _holds(state: State, subject: dict[str, Any], metric: dict[str, Any]) -> bool:
    if not _is_child_mapped(metric):
        return bool(subject["subjectTypeId"] == metric["subjectTypeId"])
    parent = state.collection("subjects").get(subject.get("parentSubjectId") or "")
    return parent is not None and parent["subjectTypeId"] == metric["subjectTypeId"]


def ingestion_ids(
    state: State, body: dict[str, Any], subject: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The `ingestionIds` to store for `subject` (its checked fields so far) from the
    body's entries: one per held metric, derived unless the body names a custom one."""
    metrics = held_metrics(state, subject)
    given: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(list_field(body, "ingestionIds")):
        where = f"ingestionIds[{index}]"
        if not isinstance(entry, dict) or entry.get("metricId") not in metrics:
            raise fail(f"{where}.metricId: not an ingested metric this subject maps")
        derive = entry.get("deriveIngestionId", False)
        if not isinstance(derive, bool):
            raise fail(f"{where}.deriveIngestionId: must be true or false")
        if not derive:
            require(entry, "ingestionId", str)
        given[entry["metricId"]] = entry
    taken = {
        entry.get("ingestionId")
        for other in state.collection("subjects").values()
        if current is None or other["id"] != current["id"]
        for entry in other.get("ingestionIds") or ()
    }
    result = []
    for metric_id, metric in metrics.items():
        entry = given.get(metric_id, {"deriveIngestionId": True})
        derive = entry.get("deriveIngestionId", False)
        ingestion_id = derived(subject, metric) if derive else entry["ingestionId"]
        if ingestion_id in taken:
            raise fail(f"ingestionIds: {ingestion_id!r} is in use by another subject")
        taken.add(ingestion_id)
        result.append(
            {"metricId": metric_id, "deriveIngestionId": derive, "ingestionId": ingestion_id}
        )
    return result


def metric_written(state: State, metric: dict[str, Any]) -> None:
    """Every subject that holds the metric's ingestion IDs gets (or updates) its entry; a
    subject that no longer does (the mapping level changed) loses it."""
    for subject in state.collection("subjects").values():
        entries = subject.setdefault("ingestionIds", [])
        entry = next((e for e in entries if e["metricId"] == metric["id"]), None)
        if not _holds(state, subject, metric):
            if entry is not None:
                entries.remove(entry)
            continue
        if entry is None:
            entries.append({"metricId": metric["id"], "deriveIngestionId": True})
            entry = entries[-1]
        if entry["deriveIngestionId"]:
            entry["ingestionId"] = derived(subject, metric)
    state.touch()


def metric_deleted(state: State, metric: dict[str, Any]) -> None:
    """Every subject loses its entry for the metric."""
    for subject in state.collection("subjects").values():
        entries = subject.get("ingestionIds") or []
        subject["ingestionIds"] = [e for e in entries if e["metricId"] != metric["id"]]
    state.touch()

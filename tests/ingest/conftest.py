"""Helpers for the ingestion tests: a seeded project on the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from blockbax_async.emulator import Emulator

BASE_MS = 1_700_000_000_000


def seed(
    emulator: Emulator,
    subjects: int,
    metrics: dict[str, str] | None = None,
    *,
    subject_prefix: str = "s",
) -> dict[str, tuple[str, str]]:
    """Subjects ``<prefix><n>`` of one type with ``metrics`` ``{external_id: data_type}``
    (default one NUMBER metric ``temp``); returns ``{ingestion_id: (subject_id, metric_id)}``."""
    state = emulator.state
    subject_type = state.insert("subjectTypes", {"name": "Thing"})
    made = {
        external_id: state.insert(
            "metrics",
            {
                "name": external_id,
                "externalId": external_id,
                "subjectTypeId": subject_type["id"],
                "dataType": data_type,
                "type": "INGESTED",
            },
        )["id"]
        for external_id, data_type in (metrics or {"temp": "NUMBER"}).items()
    }
    for n in range(subjects):
        external_id = f"{subject_prefix}{n}"
        entries: list[dict[str, Any]] = [
            {"metricId": metric_id, "deriveIngestionId": True, "ingestionId": f"{external_id}${m}"}
            for m, metric_id in made.items()
        ]
        state.insert(
            "subjects",
            {
                "name": external_id,
                "externalId": external_id,
                "subjectTypeId": subject_type["id"],
                "ingestionIds": entries,
            },
        )
    return state.ingestion_index()


def stored_dates(emulator: Emulator) -> dict[str, list[int]]:
    """What the emulator stored: ``{ingestion_id: [date, ...]}`` in arrival order."""
    return {i: [m["date"] for m in ms] for i, ms in emulator.state.measurements.items() if ms}


def posts(emulator: Emulator) -> int:
    """How many measurement POSTs the emulator answered (dropped ones included)."""
    return sum(
        1 for r in emulator.requests if r.method == "POST" and r.path.endswith("/measurements")
    )


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the loop run until ``condition()`` holds; fails after ``timeout`` seconds (a guard
    against hanging, not a timing assertion)."""
    for _ in range(int(timeout / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"not reached within {timeout} s")

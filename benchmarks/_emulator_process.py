"""The emulator in a process of its own, so that its CPU time does not count as the client's.

    with emulator_process(seed=seed_subjects, seed_args=(250, 4)) as server:
        async with AsyncClient(server.project_id, server.api_key, base_url=server.base_url):
            ...
        server.call("count_measurements")

``seed`` is a module-level function ``seed(state, *seed_args)`` run in the server process
before it serves (it must be importable there). ``server.call(name)`` runs one of the
commands in :data:`COMMANDS` inside the server's event loop and returns its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import attrs

from blockbax_async.emulator import DEFAULT_API_KEY, DEFAULT_PROJECT_ID, Emulator, Faults, State

__all__ = ["COMMANDS", "EmulatorProcess", "emulator_process", "seed_subjects"]

Seed = Callable[..., None]


def _count(emulator: Emulator) -> int:
    return sum(len(stored) for stored in emulator.state.measurements.values())


def _clear(emulator: Emulator) -> int:
    emulator.state.measurements.clear()
    emulator.requests.clear()
    return 0


def _series(emulator: Emulator) -> dict[str, list[int]]:
    return {i: [m["date"] for m in stored] for i, stored in emulator.state.measurements.items()}


COMMANDS: dict[str, Callable[[Emulator], Any]] = {
    "count_measurements": _count,
    "clear_measurements": _clear,
    "series_dates": _series,
    "requests": lambda emulator: len(emulator.requests),
    "cpu": lambda emulator: time.process_time(),
}


def seed_subjects(state: State, subjects: int, metrics: int) -> None:
    """``subjects`` subjects with ``metrics`` NUMBER metrics each, ingestion IDs
    ``subject-<s>$metric-<m>``."""
    subject_type = state.insert("subjectTypes", {"name": "Benchmark"})
    metric_ids = [
        state.insert(
            "metrics",
            {
                "name": f"metric-{m}",
                "externalId": f"metric-{m}",
                "subjectTypeId": subject_type["id"],
                "dataType": "NUMBER",
                "type": "INGESTED",
            },
        )["id"]
        for m in range(metrics)
    ]
    for s in range(subjects):
        ingestion_ids = [
            {
                "metricId": metric_id,
                "deriveIngestionId": True,
                "ingestionId": f"subject-{s}$metric-{m}",
            }
            for m, metric_id in enumerate(metric_ids)
        ]
        state.insert(
            "subjects",
            {
                "name": f"subject-{s}",
                "externalId": f"subject-{s}",
                "subjectTypeId": subject_type["id"],
                "ingestionIds": ingestion_ids,
            },
        )


async def _serve(
    conn: Connection, port: int, seed: Seed | None, seed_args: tuple[Any, ...], latency: float
) -> None:
    faults = Faults(latency=latency, fixed_latency=True)
    emulator = Emulator(port=port, record=False, faults=faults)
    if seed is not None:
        seed(emulator.state, *seed_args)
    await emulator.start()
    loop = asyncio.get_running_loop()
    conn.send(emulator.port)
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command is None:
                return
            conn.send(COMMANDS[command](emulator))
    finally:
        await emulator.stop()


def _main(
    conn: Connection, port: int, seed: Seed | None, seed_args: tuple[Any, ...], latency: float
) -> None:
    asyncio.run(_serve(conn, port, seed, seed_args, latency))


@attrs.frozen
class EmulatorProcess:
    """A running emulator process: where to reach it, and a way to ask it things."""

    base_url: str
    project_id: str
    api_key: str
    _conn: Connection

    def call(self, command: str) -> Any:
        """Run ``COMMANDS[command]`` in the server and return its answer."""
        self._conn.send(command)
        return self._conn.recv()


@contextlib.contextmanager
def emulator_process(
    *,
    seed: Seed | None = None,
    seed_args: tuple[Any, ...] = (),
    port: int = 0,
    latency: float = 0.0,
) -> Iterator[EmulatorProcess]:
    """Start an emulator in a spawned process on `port` (0: any free one); stop it after.
    `latency`: seconds each request waits before it is handled, as over a network."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_main,
        args=(theirs, port, seed, seed_args, latency),
        name="blockbax-emulator",
        daemon=True,
    )
    process.start()
    try:
        for _ in range(300):
            if ours.poll(0.1) or not process.is_alive():
                break
        if not process.is_alive() or not ours.poll():
            raise RuntimeError(f"the emulator process did not start (exit code {process.exitcode})")
        bound = ours.recv()
        yield EmulatorProcess(
            f"http://127.0.0.1:{bound}", DEFAULT_PROJECT_ID, DEFAULT_API_KEY, ours
        )
    finally:
        with contextlib.suppress(OSError, BrokenPipeError):
            ours.send(None)
        process.join(5)
        if process.is_alive():
            process.terminate()
            process.join()

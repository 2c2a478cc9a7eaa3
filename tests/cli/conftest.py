"""The command line's tests: a seeded project on an emulator, and the CLI as a process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from blockbax_async.emulator import Emulator, seed
from tests.faultproxy import fault_proxy  # noqa: F401

COMMAND = [sys.executable, "-m", "blockbax_async"]
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def seed_project(emulator: Emulator, subjects: int = 3) -> None:
    """Subjects pump-<n> with a NUMBER metric ``t`` and a TEXT metric ``status``."""
    subject_type = emulator.state.insert("subjectTypes", {"name": "Pump"})
    for external_id, data_type in (("t", "NUMBER"), ("status", "TEXT")):
        emulator.state.insert(
            "metrics",
            {"subjectTypeId": subject_type["id"], "name": external_id.title(),
             "externalId": external_id, "dataType": data_type, "type": "INGESTED",
             "mappingLevel": "OWN"},
        )  # fmt: skip
    seed.subjects(emulator.state, subjects, subject_type_id=subject_type["id"], prefix="pump")


def env_of(emulator: Emulator) -> dict[str, str]:
    return {
        "BLOCKBAX_BASE_URL": emulator.base_url,
        "BLOCKBAX_PROJECT_ID": emulator.project_id,
        "BLOCKBAX_ACCESS_TOKEN": emulator.api_key,
    }


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BLOCKBAX_")}
    return {**base, "COLUMNS": "200", **(extra or {})}


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """``blockbax-async ARGS`` as a user runs it; its output as text."""
    done = subprocess.run(
        [*COMMAND, *args], input=stdin, capture_output=True, timeout=120, env=_env(env)
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


async def run_async(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """As :func:`run`, for tests whose servers live in the test's own event loop."""
    process = await asyncio.create_subprocess_exec(
        *COMMAND, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(env)
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
def project(served: Emulator) -> Emulator:
    """The served emulator with three pumps."""
    seed_project(served)
    return served


@pytest.fixture
def env(project: Emulator) -> dict[str, str]:
    return env_of(project)


def stored(emulator: Emulator) -> dict[str, list[object]]:
    """Values stored per ingestion ID."""
    return {
        ingestion_id: [m.get("number", m.get("text", m.get("location"))) for m in series]
        for ingestion_id, series in emulator.state.measurements.items()
        if series
    }


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path

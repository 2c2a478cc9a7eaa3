"""BLOCKBAX_LOG: logs to stderr with no logging set-up, never showing the access token."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from blockbax_async._logging import configure_from_env, level_of
from blockbax_async.emulator import Emulator


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("debug", logging.DEBUG),
        ("DEBUG", logging.DEBUG),
        (" info ", logging.INFO),
        ("warning", logging.WARNING),
        ("verbose", logging.WARNING),
    ],
)
def test_level_of(value: str | None, level: int | None) -> None:
    assert level_of(value) == level


@pytest.fixture
def restored() -> Iterator[logging.Logger]:
    logger = logging.getLogger("blockbax_async")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield logger
    logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def test_the_variable_adds_one_stderr_handler(restored: logging.Logger) -> None:
    assert configure_from_env({}) is None
    stream = io.StringIO()
    handler = configure_from_env({"BLOCKBAX_LOG": "loud"}, stream)
    assert handler in restored.handlers and not restored.propagate
    restored.info("not shown at warning")
    assert "BLOCKBAX_LOG='loud' is not debug, info or warning" in stream.getvalue()
    assert "not shown" not in stream.getvalue()


SCRIPT = """
import asyncio
from blockbax_async import AsyncClient

async def main():
    async with AsyncClient(ingest={"close_timeout": 0.0}) as client:
        await client.project.get()
        try:
            await client.subjects.get("absent")
        except Exception:
            pass
        client.measurements.queue("Pump-1$Temperature", number=21.5)

asyncio.run(main())
"""


def test_a_debug_run_logs_to_stderr_without_the_token(served: Emulator) -> None:
    env = {
        **os.environ,
        "BLOCKBAX_LOG": "debug",
        "BLOCKBAX_BASE_URL": served.base_url,
        "BLOCKBAX_PROJECT_ID": served.project_id,
        "BLOCKBAX_ACCESS_TOKEN": served.api_key,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "DEBUG blockbax_async: GET / -> 200 in" in done.stderr
    assert "GET /subjects/absent -> 404" in done.stderr
    assert "WARNING blockbax_async: closing with 1 measurements not delivered" in done.stderr
    assert served.api_key not in done.stderr and not done.stdout

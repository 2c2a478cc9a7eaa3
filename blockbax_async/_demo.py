"""The README's demo: an emulator in-process, the SDK against it over loopback."""

from __future__ import annotations

import time

from . import AsyncClient
from .emulator import Emulator


async def run_demo(*, subjects: int = 200, measurements: int = 200_000) -> None:
    """Build a small project, ingest, query back, and print what happened."""
    started = time.perf_counter()
    async with Emulator(record=False) as emulator:
        print(f"emulator serving on {emulator.base_url}")
        async with AsyncClient(
            emulator.project_id, emulator.api_key, base_url=emulator.base_url
        ) as client:
            project = await client.project.get()
            print(f"project: {project.name} ({project.id}), time zone {project.timezone_id}")
            for name, external_id, data_type in [
                ("City", "city", "TEXT"),
                ("Capacity", "capacity", "NUMBER"),
                ("Position", "position", "LOCATION"),
            ]:
                created = await client.property_types.create(
                    name=name, external_id=external_id, data_type=data_type
                )
                print(f"created property type {created.name!r} ({created.data_type})")
            listed = await client.property_types.list().collect()
            print(f"listed {len(listed)} property types: {', '.join(p.name for p in listed)}")
            transport = client.transport
            print(
                f"{transport.requests} requests, {transport.retries} retries, "
                f"{time.perf_counter() - started:.2f} s"
            )

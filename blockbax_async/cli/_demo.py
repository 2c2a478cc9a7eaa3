"""`demo`: build a small project (or reuse the one an earlier run built), ingest, query
back and print a summary."""

from __future__ import annotations

import argparse
import os
import time
from contextlib import AsyncExitStack
from datetime import datetime, timedelta, timezone

from .. import AsyncClient
from ..emulator import Emulator
from ..models import Metric, PropertyType, Subject, SubjectType
from ._connect import Credentials, credentials
from ._console import count_progress, stderr, stdout, table

__all__ = ["demo"]

CHUNK = 20_000
METRICS = [("Temperature", "temperature", "°C"), ("Pressure", "pressure", "bar")]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def demo(args: argparse.Namespace) -> int:
    """Against the server of the options or environment when a base URL is given, else
    against an emulator started here."""
    async with AsyncExitStack() as stack:
        if args.base_url is None and not os.environ.get("BLOCKBAX_BASE_URL"):
            emulator = await stack.enter_async_context(Emulator(record=False))
            given = Credentials(emulator.base_url, emulator.project_id, emulator.api_key)
            stdout().print(f"emulator serving on {emulator.base_url}")
        else:
            given = credentials(args)
        client = await stack.enter_async_context(given.client())
        await _demo(client, args.subjects, args.measurements)
    return 0


async def _build(client: AsyncClient, subjects: int) -> tuple[SubjectType, list[Metric], int]:
    """The demo's resources, made where missing; returns how many subjects were made."""
    city = await _property_type(client)
    pump = await _subject_type(client, city)
    of_pump = [pump.id or ""]
    found = {
        m.external_id: m for m in await client.metrics.list(subject_type_ids=of_pump).collect()
    }
    metrics = [
        found.get(external_id)
        or await client.metrics.create(
            subject_type_id=of_pump[0], name=name, external_id=external_id, data_type="NUMBER",
            unit=unit,
        )
        for name, external_id, unit in METRICS
    ]  # fmt: skip
    existing = {
        s.external_id for s in await client.subjects.list(subject_type_ids=of_pump).collect()
    }
    made: Subject | None = None
    for n in range(subjects):
        if f"pump-{n}" not in existing:
            made = await client.subjects.create(
                name=f"Pump {n}", subject_type_id=of_pump[0], external_id=f"pump-{n}"
            )
    if made is not None:
        made.set_property(city.id or "", value_id=city.values[0].id)
        await client.subjects.update(made)
    return pump, metrics, subjects - len(existing & {f"pump-{n}" for n in range(subjects)})


async def _property_type(client: AsyncClient) -> PropertyType:
    for city in await client.property_types.list(external_id="demo-city").collect():
        return city
    city = await client.property_types.create(
        name="City", external_id="demo-city", data_type="TEXT", predefined_values=True
    )
    city.add_value(text="Amsterdam")
    return await client.property_types.update(city)


async def _subject_type(client: AsyncClient, city: PropertyType) -> SubjectType:
    for pump in await client.subject_types.list(name="Demo pump").collect():
        if pump.name == "Demo pump":
            return pump
    pump = await client.subject_types.create(name="Demo pump")
    pump.add_property_type(city.id or "", required=False)
    return await client.subject_types.update(pump)


async def _demo(client: AsyncClient, subjects: int, measurements: int) -> None:
    out = stdout()
    project = await client.project.get()
    out.print(f"project: {project.name} ({project.id}), time zone {project.timezone_id}")
    started = time.perf_counter()
    pump, metrics, made = await _build(client, subjects)
    build = time.perf_counter() - started
    reused = f", {subjects - made} of them from an earlier run" if made < subjects else ""
    out.print(f"built: 1 property type, 1 subject type, {len(metrics)} metrics, "
              f"{subjects} subjects{reused} in {build:.2f} s")  # fmt: skip

    ids = [f"pump-{n}${m.external_id}" for n in range(subjects) for m in metrics]
    epoch = int(START.timestamp() * 1000)
    per_id = max(1, measurements // len(ids))
    total = per_id * len(ids)
    queue, accepted, requests = client.measurements.queue, 0, 0
    started = time.perf_counter()
    with count_progress(stderr(), "measurements") as progress:
        task = progress.add_task("ingest", total=total)
        sent = 0
        for step in range(per_id):
            date = epoch + step * 60_000
            for index, ingestion_id in enumerate(ids):
                queue(ingestion_id, number=20.0 + (index + step) % 17 * 0.5, date=date)
            sent += len(ids)
            if sent >= CHUNK or step == per_id - 1:
                result = await client.measurements.flush()
                accepted, requests = accepted + result.accepted, requests + result.requests
                progress.advance(task, sent)
                sent = 0
    ingest = time.perf_counter() - started

    started = time.perf_counter()
    listed = await client.subjects.list(subject_type_ids=[pump.id or ""]).collect()
    first_subject = next(s for s in listed if s.external_id == "pump-0")
    series = await client.measurements.list(
        subject_ids=[first_subject.id or ""],
        metric_ids=[metrics[0].id or ""],
        from_date=START,
        to_date=START + timedelta(days=365),
    )
    latest = await client.measurements.list(subject_ids=[s.id or "" for s in listed[:5]])
    query = time.perf_counter() - started
    first = series[0].measurements if series else []
    transport = client.transport
    rows = [
        ["subjects of the demo type", f"{len(listed):,}", f"{query:.2f} s, with the queries below"],
        ["measurements queued", f"{total:,}", f"{len(ids):,} ingestion IDs"],
        ["measurements accepted", f"{accepted:,}", f"{accepted / ingest:,.0f} per second"],
        ["measurement POSTs", f"{requests:,}", f"{ingest:.2f} s"],
        ["series of pump-0 read back", f"{len(first):,}", "measurements"],
        ["latest values of 5 pumps", f"{sum(len(s.measurements) for s in latest):,}", "series"],
        ["requests in all", f"{transport.requests:,}", f"{transport.retries} retried"],
    ]  # fmt: skip
    out.print()
    out.print(table(None, ["", "count #", ""], rows))

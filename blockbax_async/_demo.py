"""The README's demo: build a small project, ingest, query back and print a summary."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from datetime import datetime, timedelta, timezone

from ._client import AsyncClient
from ._progress import Progress
from .emulator import Emulator

CHUNK = 20_000


async def run_demo(
    *,
    subjects: int = 300,
    measurements: int = 300_000,
    base_url: str | None = None,
    project_id: str | None = None,
    access_token: str | None = None,
) -> None:
    """Against ``base_url`` when given, else against an emulator started here."""
    async with AsyncExitStack() as stack:
        if base_url is None:
            emulator = await stack.enter_async_context(Emulator(record=False))
            base_url, project_id, access_token = (
                emulator.base_url,
                emulator.project_id,
                emulator.api_key,
            )
            print(f"emulator serving on {base_url}")
        client = await stack.enter_async_context(
            AsyncClient(project_id, access_token, base_url=base_url)
        )
        await _demo(client, subjects, measurements)


async def _demo(client: AsyncClient, subjects: int, measurements: int) -> None:
    project = await client.project.get()
    print(f"project: {project.name} ({project.id}), time zone {project.timezone_id}")
    started = time.perf_counter()
    city = await client.property_types.create(
        name="City", external_id="demo-city", data_type="TEXT", predefined_values=True
    )
    city.add_value(text="Amsterdam")
    city = await client.property_types.update(city)
    pump = await client.subject_types.create(name="Demo pump")
    pump.add_property_type(city.id or "", required=False)
    pump = await client.subject_types.update(pump)
    metrics = [
        await client.metrics.create(
            subject_type_id=pump.id,
            name=name,
            external_id=external_id,
            data_type="NUMBER",
            unit=unit,
        )
        for name, external_id, unit in [
            ("Temperature", "temperature", "°C"),
            ("Pressure", "pressure", "bar"),
        ]
    ]
    for n in range(subjects):
        subject = await client.subjects.create(
            name=f"Pump {n}", subject_type_id=pump.id, external_id=f"pump-{n}"
        )
    subject.set_property(city.id or "", value_id=city.values[0].id)
    await client.subjects.update(subject)
    build = time.perf_counter() - started
    print(f"built: 1 property type, 1 subject type, {len(metrics)} metrics, "
          f"{subjects} subjects in {build:.2f} s")  # fmt: skip

    ids = [f"pump-{n}${m.external_id}" for n in range(subjects) for m in metrics]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    epoch = int(start.timestamp() * 1000)
    per_id = max(1, measurements // len(ids))
    total = per_id * len(ids)
    queue, accepted, requests = client.measurements.queue, 0, 0
    started = time.perf_counter()
    with Progress(total, "measurements") as progress:
        sent = 0
        for step in range(per_id):
            date = epoch + step * 60_000
            for index, ingestion_id in enumerate(ids):
                queue(ingestion_id, number=20.0 + (index + step) % 17 * 0.5, date=date)
            sent += len(ids)
            if sent >= CHUNK or step == per_id - 1:
                result = await client.measurements.flush()
                accepted, requests = accepted + result.accepted, requests + result.requests
                progress.advance(sent)
                sent = 0
    ingest = time.perf_counter() - started

    started = time.perf_counter()
    listed = await client.subjects.list(subject_type_ids=[pump.id or ""]).collect()
    series = await client.measurements.list(
        subject_ids=[listed[0].id or ""],
        metric_ids=[metrics[0].id or ""],
        from_date=start,
        to_date=start + timedelta(days=365),
    )
    latest = await client.measurements.list(subject_ids=[s.id or "" for s in listed[:5]])
    query = time.perf_counter() - started
    first = series[0].measurements if series else []
    transport = client.transport

    rows = [
        ("subjects listed", f"{len(listed):,}", f"{query:.2f} s (with the queries below)"),
        ("measurements queued", f"{total:,}", f"{len(ids):,} ingestion IDs"),
        ("measurements accepted", f"{accepted:,}", f"{accepted / ingest:,.0f} per second"),
        ("measurement POSTs", f"{requests:,}", f"{ingest:.2f} s"),
        ("series of pump-0 read back", f"{len(first):,}", "measurements"),
        ("latest values of 5 pumps", f"{sum(len(s.measurements) for s in latest):,}", "series"),
        ("requests in all", f"{transport.requests:,}", f"{transport.retries} retried"),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    for label, count, note in rows:
        print(f"  {label:<{width}}  {count:>10}  {note}")

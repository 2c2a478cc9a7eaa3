"""The command line: ``emulator``, ``demo``, ``ingest`` and ``export``.

Credentials come from ``--base-url``, ``--project-id`` and ``--access-token``, or from
``BLOCKBAX_BASE_URL``, ``BLOCKBAX_PROJECT_ID`` and ``BLOCKBAX_ACCESS_TOKEN``. Errors print as
one line on stderr and exit with status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from . import _files
from ._batches import Rejection
from ._client import AsyncClient
from ._files import BadRow, read_measurements, write_records
from ._ingest import FlushResult
from ._progress import Progress
from .emulator import DEFAULT_API_KEY, DEFAULT_PROJECT_ID, Emulator, Faults, RateLimit
from .errors import BlockbaxError, ValidationError
from .models import unstructure

__all__ = ["main"]

RESOURCES = {
    "property-types": "property_types",
    "subject-types": "subject_types",
    "subjects": "subjects",
    "metrics": "metrics",
    "event-triggers": "event_triggers",
    "webhooks": "webhooks",
    "events": "events",
    "alarms": "alarms",
}


def _credentials(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("credentials (default: BLOCKBAX_* environment variables)")
    group.add_argument("--base-url", help="server root, e.g. http://127.0.0.1:8080")
    group.add_argument("--project-id", help="the project's ID")
    group.add_argument("--access-token", help="an API key of the project")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blockbax-async",
        description="Blockbax from the command line, and a local emulator of its API.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    emulator = commands.add_parser(
        "emulator", help="serve the bundled Blockbax API emulator", description=Emulator.__doc__
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on")
    emulator.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    emulator.add_argument("--project-id", default=DEFAULT_PROJECT_ID, help="the project served")
    emulator.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key it accepts")
    emulator.add_argument("--rate-limit", type=int, default=5000, help="requests per period")
    emulator.add_argument("--rate-period", type=float, default=60.0, help="seconds per period")
    emulator.add_argument("--error-rate", type=float, default=0.0, help="share answered 5xx")
    emulator.add_argument("--drop-rate", type=float, default=0.0, help="share dropped")
    emulator.add_argument("--latency", type=float, default=0.0, help="added latency (s, max)")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the fault modes")
    emulator.add_argument(
        "--seed-subjects",
        type=int,
        default=0,
        metavar="N",
        help="start with N subjects whose ingestion IDs are subject-<n>$metric-<m>",
    )
    emulator.add_argument(
        "--seed-metrics", type=int, default=1, metavar="M", help="number metrics per subject"
    )

    demo = commands.add_parser(
        "demo",
        help="build a project, ingest, query back and summarize",
        description="Start an emulator in-process (unless --base-url is given), build a small "
        "project, ingest measurements, query some back and print a summary.",
    )
    demo.add_argument("--subjects", type=int, default=300, help="subjects to create")
    demo.add_argument("--measurements", type=int, default=300_000, help="measurements to send")
    _credentials(demo)

    ingest = commands.add_parser(
        "ingest",
        help="send measurements from a CSV or JSON Lines file",
        description=_files.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ingest.add_argument("file", type=Path, help="CSV (ingestion_id,date,value) or JSON Lines")
    ingest.add_argument("--format", choices=["csv", "jsonl"], help="default: by extension")
    ingest.add_argument(
        "--create-subjects", action="store_true", help="create subjects missing for unknown IDs"
    )
    _credentials(ingest)

    export = commands.add_parser(
        "export",
        help="write resources or measurement series as CSV or JSON Lines",
        description="Write every item of a resource, or measurement series, to a file or stdout.",
    )
    export.add_argument("resource", choices=[*RESOURCES, "measurements"], help="what to export")
    export.add_argument("--format", choices=["csv", "jsonl"], default="jsonl", help="file format")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    export.add_argument("--subject-id", action="append", help="measurements: a subject")
    export.add_argument("--metric-id", action="append", help="measurements: a metric")
    export.add_argument("--from-date", help="measurements: from (ISO 8601, inclusive)")
    export.add_argument("--to-date", help="measurements: to (ISO 8601, exclusive)")
    _credentials(export)
    return parser


def _client(args: argparse.Namespace) -> AsyncClient:
    return AsyncClient(args.project_id, args.access_token, base_url=args.base_url)


async def _serve(args: argparse.Namespace) -> int:
    emulator = Emulator(
        host=args.host,
        port=args.port,
        project_id=args.project_id,
        api_key=args.api_key,
        rate_limit=RateLimit(args.rate_limit, args.rate_period),
        faults=Faults(args.error_rate, args.drop_rate, 0.0, args.latency, args.seed),
        record=False,
    )
    if args.seed_subjects:
        from .emulator import seed

        subject_type = emulator.state.insert("subjectTypes", {"name": "Seeded"})
        for m in range(args.seed_metrics):
            emulator.state.insert(
                "metrics",
                {
                    "subjectTypeId": subject_type["id"],
                    "name": f"metric-{m}",
                    "externalId": f"metric-{m}",
                    "dataType": "NUMBER",
                    "type": "INGESTED",
                    "mappingLevel": "OWN",
                },
            )
        seed.subjects(emulator.state, args.seed_subjects, subject_type_id=subject_type["id"])
    await emulator.start()
    for line in (
        f"Blockbax emulator on {emulator.base_url}",
        f"  BLOCKBAX_BASE_URL={emulator.base_url}",
        f"  BLOCKBAX_PROJECT_ID={emulator.project_id}",
        f"  BLOCKBAX_ACCESS_TOKEN={emulator.api_key}",
    ):
        print(line, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()
    return 0


def _merge(total: FlushResult, part: FlushResult) -> None:
    total.accepted += part.accepted
    total.requests += part.requests
    total.retries += part.retries
    total.undelivered += part.undelivered
    total.created_subjects += part.created_subjects
    for rejection in part.rejected.values():
        total._reject(rejection)


def _report(read: int, bad: list[BadRow], total: FlushResult, pending: int) -> None:
    print(f"read {read:,} rows; accepted {total.accepted:,} measurements "
          f"in {total.requests:,} requests ({total.retries:,} retried)")  # fmt: skip
    if total.created_subjects:
        print(f"created subjects: {', '.join(total.created_subjects)}")
    for row in bad[:50]:
        print(f"line {row.line}: {row.reason}")
    if len(bad) > 50:
        print(f"... and {len(bad) - 50} more bad rows")
    rejected: list[Rejection] = sorted(total.rejected.values(), key=lambda r: r.ingestion_id)
    for rejection in rejected:
        print(f"rejected {rejection.ingestion_id}: {rejection.reason.value} "
              f"({rejection.sent} measurements): {rejection.message}")  # fmt: skip
    if pending:
        print(f"not delivered: {pending:,} measurements")


async def _ingest(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise ValidationError(f"file: no such file ({args.file})")
    total, bad, read = FlushResult(), [], 0
    async with _client(args) as client:
        measurements = client.measurements
        measurements.start(on_result=lambda part: _merge(total, part))
        with Progress(0, "rows") as progress:
            for row in read_measurements(args.file, args.format):
                read += 1
                progress.advance()
                if isinstance(row, BadRow):
                    bad.append(row)
                    continue
                try:
                    await measurements.put(row.ingestion_id, **row.values)
                except ValidationError as exc:
                    bad.append(BadRow(row.line, str(exc)))
        _merge(total, await measurements.stop(timeout=120))
        if args.create_subjects and total.rejected:
            retry = await measurements.flush(create_subjects=True)
            _merge(total, retry)
        pending = len(measurements)
    _report(read, bad, total, pending)
    return 1 if bad or total.rejected or pending or total.undelivered else 0


async def _records(client: AsyncClient, args: argparse.Namespace) -> AsyncIterator[dict[str, Any]]:
    if args.resource != "measurements":
        async for item in getattr(client, RESOURCES[args.resource]).list():
            yield unstructure(item)
        return
    listing = client.measurements.list(
        subject_ids=args.subject_id,
        metric_ids=args.metric_id,
        from_date=args.from_date,
        to_date=args.to_date,
    )
    async for series in listing:
        for measurement in series.measurements:
            yield {
                "subjectId": series.subject_id,
                "metricId": series.metric_id,
                **unstructure(measurement),
            }


async def _export(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        records = [record async for record in _records(client, args)]
    if args.output is None:
        count = write_records(records, sys.stdout, args.format)
    else:
        with args.output.open("w", newline="", encoding="utf-8") as stream:
            count = write_records(records, stream, args.format)
    print(f"exported {count:,} {args.resource}", file=sys.stderr)
    return 0


async def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    await run_demo(
        subjects=args.subjects,
        measurements=args.measurements,
        base_url=args.base_url,
        project_id=args.project_id,
        access_token=args.access_token,
    )
    return 0


COMMANDS = {"emulator": _serve, "demo": _demo, "ingest": _ingest, "export": _export}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(COMMANDS[args.command](args))
    except KeyboardInterrupt:
        return 130
    except (BlockbaxError, OSError) as exc:
        print(f"blockbax-async: error: {exc}", file=sys.stderr)
        return 1

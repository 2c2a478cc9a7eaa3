"""`export RESOURCE`: every item of a resource, or measurement series, as JSON Lines or CSV."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any, TextIO

from .. import AsyncClient
from ..errors import ValidationError
from ..models import unstructure
from ._catalog import Catalog
from ._connect import connected
from ._files import flatten, write_jsonl, write_records
from ._parser import RESOURCES

__all__ = ["export", "series_wanted"]


async def export(args: argparse.Namespace) -> int:
    """Run the command; exit status 1 when no measurement matches."""
    async with connected(args) as client:
        records = _records(client, args)
        with _output(args) as stream:
            if args.format == "jsonl":
                count = 0
                async for record in records:
                    count += write_jsonl([record], stream)
            else:
                count = write_records([flatten(r) async for r in records], stream, "csv")
    if not count and args.resource == "measurements":
        raise ValidationError("no measurements match the series and dates given")
    print(f"exported {count:,} {args.resource}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _output(args: argparse.Namespace) -> Iterator[TextIO]:
    if args.output is None:
        yield sys.stdout
        return
    with args.output.open("w", newline="", encoding="utf-8") as stream:
        yield stream


async def _records(client: AsyncClient, args: argparse.Namespace) -> AsyncIterator[dict[str, Any]]:
    if args.resource != "measurements":
        async for item in getattr(client, RESOURCES[args.resource]).list():
            yield unstructure(item)
        return
    catalog = await Catalog.load(client)
    ranged = bool(args.from_date or args.to_date)
    for subjects, metrics in series_wanted(catalog, args, ranged):
        listing = client.measurements.list(
            subject_ids=subjects, metric_ids=metrics, from_date=args.from_date, to_date=args.to_date
        )
        async for series in listing:
            for m in series.measurements:
                yield {
                    "subjectId": series.subject_id,
                    "metricId": series.metric_id,
                    **unstructure(m),
                }


def series_wanted(
    catalog: Catalog, args: argparse.Namespace, ranged: bool
) -> list[tuple[list[str], list[str]]]:
    """`(subject ids, metric ids)` of each search to make: one per series with a date range
    (the API reads one series at a time then), else one for all subjects and metrics."""
    pairs = []
    for ingestion_id in args.ingestion_id:
        found = catalog.series_of(ingestion_id)
        if found is None:
            raise ValidationError(f"--ingestion-id {ingestion_id}: no subject has it")
        pairs.append(([found[0]], [found[1]]))
    subjects = _resolve(args.subject, catalog.subject_ids, "--subject", "subject")
    metrics = _resolve(args.metric, catalog.metric_ids, "--metric", "metric")
    if not (pairs or subjects or metrics):
        raise ValidationError("give --ingestion-id, or --subject and --metric")
    if subjects or metrics:
        if ranged and not (subjects and metrics):
            raise ValidationError("a date range needs --subject and --metric (or --ingestion-id)")
        if ranged:
            pairs += [([s], [m]) for s in subjects for m in metrics]
        else:
            pairs.append((subjects, metrics))
    return pairs


def _resolve(keys: list[str], find: Any, option: str, what: str) -> list[str]:
    ids: list[str] = []
    for key in keys:
        found = find(key)
        if not found:
            raise ValidationError(f"{option} {key}: no {what} has this ID or external ID")
        ids += found
    return ids

"""Auto-creation: the subjects of unknown ingestion IDs, made during a flush."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..errors import BlockbaxError
from ._results import FlushResult

__all__ = ["SubjectMaker"]

logger = logging.getLogger("blockbax_async")


class SubjectMaker:
    """Creates the subjects of unknown ingestion IDs `<subject ext. ID>$<metric ext. ID>`,
    with the subject type of the metric, for one flush, through the client's `subjects`
    and `metrics` namespaces (given, so that this package does not import `resources`)."""

    def __init__(self, subjects: Any, metrics: Any) -> None:
        self._subjects = subjects
        self._metrics = metrics
        self._types: dict[str, asyncio.Future[str | list[str]]] = {}
        self._tried: dict[str, str | None] = {}

    async def ensure(self, ingestion_ids: list[str], result: FlushResult) -> dict[str, str | None]:
        """`{ingestion_id: None}` when its subject now exists with it, else why not."""
        return {i: await self._ensure(i, result) for i in ingestion_ids}

    async def _ensure(self, ingestion_id: str, result: FlushResult) -> str | None:
        if ingestion_id in self._tried:
            problem = self._tried[ingestion_id]
            return problem or "still unknown after its subject was created"
        try:
            problem = await self._create(ingestion_id, result)
        except BlockbaxError as error:
            problem = str(error)
        except Exception as error:  # a bug: the IDs are reported, the lane goes on
            logger.exception("creating the subject of %r failed unexpectedly", ingestion_id)
            problem = f"failed unexpectedly: {error!r}"
        self._tried[ingestion_id] = problem
        return problem

    async def _create(self, ingestion_id: str, result: FlushResult) -> str | None:
        subject_ext, _, metric_ext = ingestion_id.partition("$")
        if not subject_ext or not metric_ext:
            return "not of the form <subject external ID>$<metric external ID>"
        types = await self._subject_types(metric_ext)
        if isinstance(types, str):
            return types
        if len(types) != 1:
            return f"{len(types)} subject types have a metric with external ID {metric_ext!r}"
        found = await self._find(subject_ext)
        if found is not None:
            if ingestion_id in _ingestion_ids(found):
                return None
            return f"subject {subject_ext!r} exists without ingestion ID {ingestion_id!r}"
        try:
            created = await self._subjects.create(
                name=subject_ext, subject_type_id=types[0], external_id=subject_ext
            )
        except BlockbaxError:
            # Perhaps stored after all (its answer lost, then a retry found the external ID
            # in use), or made by someone else meanwhile: what counts is that it exists.
            created = await self._find(subject_ext)
            if created is None:
                raise
        result.created_subjects.append(subject_ext)
        logger.info("created subject %r for ingestion ID %r", subject_ext, ingestion_id)
        if ingestion_id not in _ingestion_ids(created):
            return f"created subject {subject_ext!r} has no ingestion ID {ingestion_id!r}"
        return None

    async def _find(self, external_id: str) -> Any:
        found = await self._subjects.list(external_id=external_id, limit=1).collect()
        return found[0] if found else None

    async def _subject_types(self, metric_ext: str) -> str | list[str]:
        future = self._types.get(metric_ext)
        if future is None:
            future = self._types[metric_ext] = asyncio.ensure_future(self._lookup(metric_ext))
        return await asyncio.shield(future)

    async def _lookup(self, metric_ext: str) -> str | list[str]:
        try:
            metrics = await self._metrics.list(external_id=metric_ext).collect()
        except BlockbaxError as error:
            return f"looking up metric {metric_ext!r} failed: {error}"
        if not metrics:
            return f"no metric has external ID {metric_ext!r}"
        return sorted({m.subject_type_id for m in metrics})


def _ingestion_ids(subject: Any) -> set[str]:
    return {e.ingestion_id for e in subject.ingestion_ids if e.ingestion_id}

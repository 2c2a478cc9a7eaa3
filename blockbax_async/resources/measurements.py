"""Measurements: `/measurements`. Sending lives in `blockbax_async.ingest`."""

from __future__ import annotations

import builtins
from collections.abc import Generator, Sequence
from typing import Any
from uuid import UUID

from .._pagination import CursorPaginator, Page
from .._transport import Transport
from ..errors import ValidationError
from ..ingest import Ingestor, IngestSettings
from ..models import MeasurementSearchResult, MeasurementSeries
from ..models._converter import structure
from ._base import DateArg, Resource, check_id, date_param
from ._raw import RawNamespace, raw_page
from .metrics import MetricsResource
from .subjects import SubjectsResource

__all__ = ["MeasurementsResource", "MeasurementsWithRawResponse", "SeriesListing"]

Ids = Sequence[str | UUID] | str | UUID | None


class SeriesListing(CursorPaginator[MeasurementSeries]):
    """The series a measurement search found, from one request: iterate it with
    `async for`, or `await` it (or its `collect()`) for a list."""

    def __await__(self) -> Generator[Any, None, builtins.list[MeasurementSeries]]:
        return self.collect().__await__()


def _ids(field: str, ids: Ids) -> builtins.list[str] | None:
    if ids is None:
        return None
    if isinstance(ids, str | UUID):
        ids = [ids]
    return [check_id(i, field) for i in ids]


class MeasurementsResource(Resource, Ingestor):
    """`client.measurements`: queue, send and search measurements.

    `queue()`/`put()` add measurements, `flush()` sends them, `start()` sends in the
    background; `list()` searches what is stored. See `docs/ingestion.md`.
    """

    def __init__(self, transport: Transport, settings: IngestSettings | None = None) -> None:
        Resource.__init__(self, transport)
        Ingestor.__init__(
            self, transport, settings, SubjectsResource(transport), MetricsResource(transport)
        )

    @property
    def with_raw_response(self) -> MeasurementsWithRawResponse:
        """The same searches, answering with the HTTP response (`.parse()` for the page)."""
        return MeasurementsWithRawResponse(self)

    def list(
        self,
        *,
        subject_ids: Ids = None,
        metric_ids: Ids = None,
        from_date: DateArg = None,
        to_date: DateArg = None,
        size: int | None = None,
        order: str | None = None,
    ) -> SeriesListing:
        """Stored series. With `from_date` (inclusive) or `to_date` (exclusive), give
        exactly one subject and one metric; without, the latest measurement of each series
        of the given subjects and metrics. `size` caps the measurements, `order` is
        `"asc"` (default) or `"desc"` by date. Dates: aware `datetime`, epoch
        milliseconds or ISO 8601. `await` the result for a list, or iterate it.
        """
        subjects, metrics = _ids("subject_ids", subject_ids), _ids("metric_ids", metric_ids)
        start, end = date_param("from_date", from_date), date_param("to_date", to_date)
        if (start or end) and (len(subjects or ()) != 1 or len(metrics or ()) != 1):
            raise ValidationError(
                "subject_ids, metric_ids: a date range needs exactly one subject and one "
                f"metric; got {len(subjects or ())} and {len(metrics or ())}"
            )
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValidationError(f"size: {size!r}: give a whole number of 1 or more")
        if order is not None and order.lower() not in ("asc", "desc"):
            raise ValidationError(f"order: {order!r}: give 'asc' or 'desc'")
        params = {
            "subjectIds": subjects,
            "metricIds": metrics,
            "fromDate": start,
            "toDate": end,
            "size": size,
            "order": order.lower() if order else None,
        }

        async def fetch(cursor: str | None) -> Page[MeasurementSeries]:
            found = await self._transport.request(
                "GET", "/measurements", params=params, parse=_parse_search
            )
            return Page(found.series)

        return SeriesListing(fetch)


def _parse_search(data: Any) -> MeasurementSearchResult:
    return structure(data, MeasurementSearchResult)


class MeasurementsWithRawResponse(RawNamespace[MeasurementsResource]):
    """`client.measurements.with_raw_response`."""

    list = raw_page(MeasurementsResource.list)

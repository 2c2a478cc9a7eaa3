"""Measurements as the API returns them, and its answer to sent measurements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import attrs

from ._common import Location, as_id, kind_of

__all__ = ["IngestResult", "Measurement", "MeasurementSearchResult", "MeasurementSeries"]


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Measurement:
    """One measurement; one of `number`, `location` and `text` is set."""

    date: datetime
    number: float | None = None
    location: Location | None = None
    text: str | None = None

    def get_value(self) -> float | Location | str | None:
        """The value, whichever kind it is (the official SDK's name)."""
        return self.number if self.number is not None else self.location or self.text

    def get_data_type(self) -> str:
        """`"number"`, `"location"` or `"text"` (`"unknown"` if none), as the
        official SDK names them."""
        return kind_of(self)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class MeasurementSeries:
    """The measurements of one metric of one subject."""

    subject_id: str = attrs.field(converter=as_id)
    metric_id: str = attrs.field(converter=as_id)
    measurements: list[Measurement] = attrs.Factory(list)

    def __iter__(self) -> Iterator[Measurement]:
        return iter(self.measurements)

    @property
    def latest_date(self) -> datetime | None:
        """The date of the latest measurement (aware), `None` for an empty series."""
        return max((m.date for m in self.measurements), default=None)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class MeasurementSearchResult:
    """The answer to a measurement search."""

    series: list[MeasurementSeries] = attrs.Factory(list)


@attrs.define(on_setattr=attrs.setters.NO_OP)
class IngestResult:
    """The answer to sent measurements; `detailed_messages` name what was not ingested."""

    number_of_ingested_measurements: int | None = None
    message: str | None = None
    detailed_messages: list[str] = attrs.Factory(list)

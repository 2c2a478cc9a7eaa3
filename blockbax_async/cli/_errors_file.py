"""`--errors-file F`: the refused rows, as read, with their line and reason, in the format
of the input (CSV with its header and delimiter, or JSON Lines), so that F can be fixed and
sent again. The `line` and `reason` columns are ignored when it is read back."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from .. import QueuedMeasurement
from ..errors import ValidationError
from ._files import BadRow, Source

__all__ = ["ErrorsFile"]

_NOTES = ("line", "reason")
_DEFAULT_HEADER = ["ingestion_id", "date", "value"]


class ErrorsFile:
    """Where refused rows go; without a path, nowhere."""

    def __init__(self, stream: TextIO | None, format: str, source: Source) -> None:
        self._stream, self._format, self._source = stream, format, source
        self._writer: Any = None
        self._columns: list[str] = []

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path | None, format: str, source: Source) -> Iterator[ErrorsFile]:
        """The errors file at `path` (made or emptied), closed at the end; never the file
        being read."""
        if path is not None and source.path is not None and path.resolve() == source.path:
            raise ValidationError(f"--errors-file {path}: it is the file being read")
        if path is None:
            yield cls(None, format, source)
            return
        with path.open("w", encoding="utf-8", newline="") as stream:
            errors = cls(stream, format, source)
            yield errors
            if format == "csv":
                errors._csv()  # a header even when nothing was refused

    def write_row(self, row: BadRow) -> None:
        """One row refused before sending."""
        if self._stream is None:
            return
        if self._format == "jsonl":
            data = dict(row.raw) if isinstance(row.raw, dict) else {"raw": str(row.raw).rstrip()}
            self._json({**data, "line": row.line, "reason": row.message})
            return
        header = self._source.header or []
        fields = dict(zip(header, row.raw, strict=False)) if isinstance(row.raw, list) else {}
        self._csv().writerow([*(fields.get(c, "") for c in self._columns), row.line, row.message])

    def write_measurements(self, measurements: list[QueuedMeasurement], reason: str) -> None:
        """Measurements of a batch the server refused (their lines are not known)."""
        if self._stream is None:
            return
        for m in measurements:
            values = _values(m.value)
            if self._format == "jsonl":
                self._json({"ingestion_id": m.ingestion_id, "date": m.date, **values,
                            "line": None, "reason": reason})  # fmt: skip
                continue
            if "text" in values and "text" not in self._columns:
                values = {"value": values["text"]}
            if "location" in values:
                values = {k: values["location"].get(k, "") for k in ("lat", "lon", "alt")}
            fields = {"ingestion_id": m.ingestion_id, "date": m.date, **values}
            self._csv().writerow([*(fields.get(c, "") for c in self._columns), "", reason])

    def _json(self, data: dict[str, Any]) -> None:
        assert self._stream is not None
        self._stream.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")

    def _csv(self) -> Any:
        if self._writer is None:
            assert self._stream is not None
            header = self._source.header or _DEFAULT_HEADER
            self._columns = [c for c in header if c not in _NOTES]
            delimiter = self._source.delimiter or ","
            self._writer = csv.writer(self._stream, delimiter=delimiter, lineterminator="\n")
            self._writer.writerow([*self._columns, *_NOTES])
        return self._writer


def _values(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"location": value}
    if isinstance(value, str):
        return {"text": value}
    return {"value": value}

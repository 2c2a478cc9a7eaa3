"""Reading measurements from CSV and JSON Lines files, and writing resources out.

CSV files have the header ``ingestion_id,date,value``. ``value`` is a number when it reads as
one and a text otherwise; a ``text`` column forces a text, and ``lat``, ``lon`` (and ``alt``)
columns give a location. ``date`` is ISO 8601 with an offset, epoch milliseconds, or empty for
now. JSON Lines files hold one object a line with ``ingestion_id`` (or ``ingestionId``),
``date`` and one of ``number``, ``location`` (``{"lat", "lon", "alt"}``), ``text`` or
``value`` (a number, a text or a location). Lines are numbered as in the file: the CSV header
is line 1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import attrs

__all__ = ["BadRow", "Row", "flatten", "read_measurements", "write_records"]


@attrs.frozen
class Row:
    """One measurement read from a file: the keywords of ``measurements.queue()``."""

    line: int
    ingestion_id: str
    values: dict[str, Any]


@attrs.frozen
class BadRow:
    """A line that could not be read as a measurement, and why."""

    line: int
    reason: str


def read_measurements(path: Path, format: str | None = None) -> Iterator[Row | BadRow]:
    """Stream the rows of a CSV or JSON Lines file (by ``format``, else by extension)."""
    format = format or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
    with path.open(newline="", encoding="utf-8") as stream:
        yield from (_read_jsonl(stream) if format == "jsonl" else _read_csv(stream))


def _date(text: str | None) -> int | str | None:
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _number_or_text(text: str) -> dict[str, Any]:
    try:
        return {"number": float(text)}
    except ValueError:
        return {"text": text}


def _csv_values(record: dict[str, str | None]) -> dict[str, Any] | str:
    text, value = record.get("text"), (record.get("value") or "").strip()
    lat, lon = (record.get("lat") or "").strip(), (record.get("lon") or "").strip()
    if text:
        return {"text": text}
    if lat or lon:
        alt = (record.get("alt") or "").strip()
        try:
            location = {"lat": float(lat), "lon": float(lon)}
            if alt:
                location["alt"] = float(alt)
        except ValueError:
            return f"location: lat {lat!r}, lon {lon!r}, alt {alt!r} are not all numbers"
        return {"location": location}
    if value:
        return _number_or_text(value)
    return "no value: fill value, text, or lat and lon"


def _read_csv(stream: TextIO) -> Iterator[Row | BadRow]:
    reader = csv.DictReader(stream)
    columns = set(reader.fieldnames or ())
    if not {"ingestion_id", "date"} <= columns or not columns & {"value", "text", "lat"}:
        yield BadRow(1, f"the header must be ingestion_id,date,value; it is {reader.fieldnames}")
        return
    for record in reader:
        line = reader.line_num
        ingestion_id = (record.get("ingestion_id") or "").strip()
        values = _csv_values(record)
        if not ingestion_id:
            yield BadRow(line, "ingestion_id: empty")
        elif isinstance(values, str):
            yield BadRow(line, values)
        else:
            yield Row(line, ingestion_id, {**values, "date": _date(record.get("date"))})


def _json_values(record: dict[str, Any]) -> dict[str, Any] | str:
    given = {k: record[k] for k in ("number", "location", "text") if record.get(k) is not None}
    if "value" in record and record["value"] is not None:
        value = record["value"]
        if isinstance(value, dict):
            given["location"] = value
        elif isinstance(value, str):
            given["text"] = value
        else:
            given["number"] = value
    return given or "no value: give number, location, text or value"


def _read_jsonl(stream: TextIO) -> Iterator[Row | BadRow]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BadRow(line, f"not JSON: {exc.msg}")
            continue
        if not isinstance(record, dict):
            yield BadRow(line, "not a JSON object")
            continue
        ingestion_id = record.get("ingestion_id") or record.get("ingestionId")
        values = _json_values(record)
        if not isinstance(ingestion_id, str) or not ingestion_id:
            yield BadRow(line, f"ingestion_id: missing or not a text ({ingestion_id!r})")
        elif isinstance(values, str):
            yield BadRow(line, values)
        else:
            date = record.get("date")
            yield Row(line, ingestion_id, {**values, "date": date if date != "" else None})


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (``location.lat``); lists as JSON text."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            flat[prefix + key] = json.dumps(value, separators=(",", ":"))
        else:
            flat[prefix + key] = value
    return flat


def write_records(records: Iterable[dict[str, Any]], stream: TextIO, format: str) -> int:
    """Write JSON-ready records as JSON Lines or CSV (columns in order of first sight)."""
    if format == "jsonl":
        count = 0
        for record in records:
            stream.write(json.dumps(record, separators=(",", ":")) + "\n")
            count += 1
        return count
    rows = [flatten(record) for record in records]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    stream.write(buffer.getvalue())
    return len(rows)

"""Measurement files as people have them: CSV or JSON Lines, plain or gzipped, from a path or
from stdin (`-`), with or without Excel's UTF-8 byte order mark.

A CSV file has the header `ingestion_id,date,value`; `,`, `;`, tab and `|` are told
apart by the header (or given with `--delimiter`). `value` is read by the data type of the
ingestion ID's metric (a number, or a text); a `text` column forces a text, and `lat`,
`lon` (and `alt`) columns give a location. `date` is ISO 8601 with an offset (`Z` or
`+01:00`), epoch milliseconds, or empty for now. A JSON Lines file holds one object a line
with `ingestion_id` (or `ingestionId`), `date` and one of `number`, `location`
(`{"lat", "lon", "alt"}`), `text` or `value`. Lines are numbered as in the file (the CSV
header is line 1); a line that is not UTF-8, not CSV or JSON, or longer than 1 MiB is reported
by its number and the rest is read on.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO

import attrs

from ..errors import ValidationError

__all__ = [
    "DELIMITERS",
    "MAX_LINE",
    "BadRow",
    "Record",
    "Source",
    "file_format",
    "flatten",
    "open_source",
    "read_records",
    "sniff_delimiter",
    "write_jsonl",
    "write_records",
]

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "|": "|"}
MAX_LINE = 1 << 20
_BOM = b"\xef\xbb\xbf"


@attrs.frozen
class Record:
    """One measurement as read, before it is checked against the project: `value` is the
    CSV text, a JSON number, text or mapping, and `kind` says which column or key gave it
    (`value`, `number`, `text` or `location`); `raw` is the row as read."""

    line: int
    ingestion_id: str
    date: int | str | None
    value: Any
    kind: str
    raw: Any


@attrs.frozen
class BadRow:
    """A row refused before sending: `reason` is its group in the report, `message` the
    detail, `raw` the row as read (for the errors file)."""

    line: int | None
    reason: str
    message: str
    raw: Any = None
    ingestion_id: str | None = None


class Source:
    """The lines of a file (or of stdin) as bytes, bounded in length, with the position
    reached for the progress bar. Gzip is told by its magic bytes, so `-` may be gzipped."""

    def __init__(
        self, raw: IO[bytes], name: str, size: int | None, path: Path | None = None
    ) -> None:
        self.name = name
        self.path = path
        self.size = size
        self.bad_lines: dict[int, str] = {}
        self.header: list[str] | None = None
        self.delimiter: str | None = None
        self._raw = raw
        self._read = 0
        self._stream: IO[bytes] | gzip.GzipFile = raw
        if _peek(raw, 2) == b"\x1f\x8b":
            self._stream = gzip.GzipFile(fileobj=raw, mode="rb")
        self.gzipped = self._stream is not raw

    @property
    def position(self) -> int:
        """Bytes of the file read so far (compressed bytes for a gzipped file)."""
        if self.gzipped and self._raw.seekable():
            return self._raw.tell()
        return self._read

    def lines(self) -> Iterator[str]:
        """Decoded lines; one that is not UTF-8 or too long is noted in `bad_lines` (and
        given with U+FFFD for its bad bytes, or empty), so that readers keep counting lines."""
        try:
            for number, data in enumerate(self._chunks(), start=1):
                if number == 1:
                    data = _first_line(data)
                try:
                    yield data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.bad_lines[number] = (
                        f"not UTF-8: byte 0x{data[exc.start]:02x} at column {exc.start + 1}"
                    )
                    yield data.decode("utf-8", errors="replace")
        except (OSError, EOFError) as exc:  # a truncated or corrupt gzip stream
            raise ValidationError(f"{self.name}: cannot be read on ({exc})") from None

    def _chunks(self) -> Iterator[bytes]:
        number = 0
        while data := self._stream.readline(MAX_LINE):
            number += 1
            self._read += len(data)
            if len(data) == MAX_LINE and not data.endswith(b"\n"):
                while (rest := self._stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    self._read += len(rest)
                self._read += len(rest)
                self.bad_lines[number] = f"longer than {MAX_LINE:,} bytes"
                data = b"\n"
            yield data

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (stdin stays open)."""
        if self._stream is not self._raw:
            self._stream.close()
        if self._raw is not sys.stdin.buffer:
            self._raw.close()


def _peek(raw: IO[bytes], count: int) -> bytes:
    peek = getattr(raw, "peek", None)
    if peek is not None:
        return bytes(peek(count)[:count])
    return b""


def _first_line(data: bytes) -> bytes:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError("file: UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8)")
    return data.removeprefix(_BOM)


def open_source(path: str) -> Source:
    """The file at `path`, or stdin for `-`; a missing file is a `ValidationError`."""
    if path == "-":
        return Source(sys.stdin.buffer, "stdin", None)
    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"{path}: no such file")
    return Source(file.open("rb"), path, file.stat().st_size, file.resolve())


def file_format(path: str, given: str | None) -> str:
    """`csv` or `jsonl`: as given, else by the name (stdin and `.gz` looked through)."""
    if given:
        return given
    name = path.lower().removesuffix(".gz")
    return "jsonl" if name.endswith((".jsonl", ".ndjson", ".json")) else "csv"


def read_records(source: Source, format: str, delimiter: str | None) -> Iterator[Record | BadRow]:
    """The rows of `source` as records, or bad rows naming their line."""
    if format == "jsonl":
        return _read_jsonl(source.lines(), source.bad_lines)
    return _read_csv(source, delimiter)


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits `header` into a column named `ingestion_id`."""
    for delimiter in DELIMITERS.values():
        if "ingestion_id" in (column.strip() for column in header.split(delimiter)):
            return delimiter
    return ","


def _read_csv(source: Source, delimiter: str | None) -> Iterator[Record | BadRow]:
    lines, bad_lines = source.lines(), source.bad_lines
    first = next(lines, "")
    source.delimiter = delimiter or sniff_delimiter(first)
    reader = csv.reader(_chain(first, lines), delimiter=source.delimiter)
    header = source.header = [column.strip() for column in next(reader, [])]
    if "ingestion_id" not in header or not {"value", "text", "lat"} & set(header):
        yield BadRow(1, "unreadable header", f"the header must be ingestion_id,date,value; "
                     f"it is {','.join(header)!r}")  # fmt: skip
        return
    last = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last = reader.line_num
            yield BadRow(last, "unreadable line", f"not CSV: {exc}")
            continue
        first_line, last = last + 1, reader.line_num
        broken = [bad_lines[n] for n in range(first_line, last + 1) if n in bad_lines]
        if broken:
            yield BadRow(first_line, "unreadable line", broken[0], fields)
        elif any(field.strip() for field in fields):
            yield _csv_record(first_line, dict(zip(header, fields, strict=False)), fields)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _csv_record(line: int, row: dict[str, str], raw: list[str]) -> Record | BadRow:
    ingestion_id = (row.get("ingestion_id") or "").strip()
    if not ingestion_id:
        return BadRow(line, "no ingestion ID", "ingestion_id: empty", raw)
    date = _date((row.get("date") or "").strip())
    text, value = row.get("text") or "", (row.get("value") or "").strip()
    lat, lon = (row.get("lat") or "").strip(), (row.get("lon") or "").strip()
    if text:
        return Record(line, ingestion_id, date, text, "text", raw)
    if lat or lon:
        alt = (row.get("alt") or "").strip()
        try:
            location = {"lat": float(lat), "lon": float(lon)}
            if alt:
                location["alt"] = float(alt)
        except ValueError:
            message = f"location: lat {lat!r}, lon {lon!r}, alt {alt!r} are not all numbers"
            return BadRow(line, "bad value", message, raw, ingestion_id)
        return Record(line, ingestion_id, date, location, "location", raw)
    if value:
        return Record(line, ingestion_id, date, value, "value", raw)
    return BadRow(line, "no value", "no value: fill value, text, or lat and lon", raw, ingestion_id)


def _date(text: str) -> int | str | None:
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _read_jsonl(lines: Iterable[str], bad_lines: dict[int, str]) -> Iterator[Record | BadRow]:
    for line, text in enumerate(lines, start=1):
        if line in bad_lines:
            yield BadRow(line, "unreadable line", bad_lines[line], text)
        elif text.strip():
            yield _json_record(line, text)


def _json_record(line: int, text: str) -> Record | BadRow:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadRow(line, "unreadable line", f"not JSON: {exc.msg} at column {exc.colno}", text)
    if not isinstance(record, dict):
        return BadRow(line, "unreadable line", "not a JSON object", text)
    ingestion_id = record.get("ingestion_id", record.get("ingestionId"))
    if not isinstance(ingestion_id, str) or not ingestion_id:
        message = f"ingestion_id: missing or not a text ({ingestion_id!r})"
        return BadRow(line, "no ingestion ID", message, record)
    given = [(k, record[k]) for k in ("number", "location", "text", "value") if k in record]
    given = [(k, v) for k, v in given if v is not None]
    if len(given) != 1:
        keys = ", ".join(k for k, _ in given) or "none"
        message = f"give one of number, location, text or value (given: {keys})"
        return BadRow(line, "no value", message, record, ingestion_id)
    kind, value = given[0]
    date = record.get("date")
    return Record(line, ingestion_id, None if date == "" else date, value, kind, record)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (`location.lat`); lists as JSON text."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            flat[prefix + key] = json.dumps(value, separators=(",", ":"))
        else:
            flat[prefix + key] = value
    return flat


def write_jsonl(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """Write records as JSON Lines as they come; returns how many."""
    count = 0
    for record in records:
        stream.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_records(records: Iterable[dict[str, Any]], stream: TextIO, format: str) -> int:
    """Write JSON-ready records as JSON Lines or CSV (columns in order of first sight)."""
    if format == "jsonl":
        return write_jsonl(records, stream)
    rows = [flatten(record) for record in records]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    stream.write(buffer.getvalue())
    return len(rows)

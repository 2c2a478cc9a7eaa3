"""Reading measurement files: the mapping of columns to values, as a table."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from blockbax_async._files import BadRow, Row, flatten, read_measurements, write_records


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a$b,2026-01-01T00:00:00Z,1.5", {"number": 1.5, "date": "2026-01-01T00:00:00Z"}),
        ("a$b,1767225600000,-3", {"number": -3.0, "date": 1767225600000}),
        ("a$b,,on", {"text": "on", "date": None}),
        ("a$b,,,42,,,", {"text": "42", "date": None}),
        ("a$b,,,,52.1,4.9,", {"location": {"lat": 52.1, "lon": 4.9}, "date": None}),
        ("a$b,,,,52.1,4.9,-2", {"location": {"lat": 52.1, "lon": 4.9, "alt": -2.0}, "date": None}),
    ],
)
def test_csv_columns_map_to_values(tmp_path: Path, line: str, expected: dict[str, object]) -> None:
    path = tmp_path / "m.csv"
    header = "ingestion_id,date,value" + (",text,lat,lon,alt" if line.count(",") > 2 else "")
    path.write_text(f"{header}\n{line}\n")
    assert list(read_measurements(path)) == [Row(2, "a$b", expected)]


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("id,when,v\nx,1,2\n", 1, "the header must be ingestion_id,date,value"),
        ("ingestion_id,date,value\n,1,2\n", 2, "ingestion_id: empty"),
        ("ingestion_id,date,value\nx,1,\n", 2, "no value: fill value, text, or lat and lon"),
        ("ingestion_id,date,value,lat,lon\nx,1,,north,4\n", 2, "location: lat 'north'"),
    ],
)
def test_bad_csv_rows_name_their_line(tmp_path: Path, content: str, line: int, reason: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text(content)
    (bad,) = read_measurements(path)
    assert isinstance(bad, BadRow) and bad.line == line and bad.reason.startswith(reason)


def test_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(
        '{"ingestion_id": "a", "date": 1, "number": 2}\n'
        "\n"
        '{"ingestionId": "b", "value": {"lat": 1, "lon": 2}}\n'
        "not json\n"
        '{"ingestion_id": "c", "value": "txt"}\n'
        "[1]\n"
        '{"ingestion_id": "d"}\n'
    )
    rows = list(read_measurements(path))
    assert rows[0] == Row(1, "a", {"number": 2, "date": 1})
    assert rows[1] == Row(3, "b", {"location": {"lat": 1, "lon": 2}, "date": None})
    assert isinstance(rows[2], BadRow) and rows[2].line == 4
    assert rows[3] == Row(5, "c", {"text": "txt", "date": None})
    assert rows[4] == BadRow(6, "not a JSON object")
    assert rows[5] == BadRow(7, "no value: give number, location, text or value")


def test_flatten_and_write() -> None:
    record = {"id": "1", "location": {"lat": 1, "lon": 2}, "ids": ["a", "b"]}
    assert flatten(record) == {"id": "1", "location.lat": 1, "location.lon": 2, "ids": '["a","b"]'}
    out = io.StringIO()
    assert write_records([record, {"id": "2", "extra": True}], out, "csv") == 2
    assert out.getvalue().splitlines() == [
        "id,location.lat,location.lon,ids,extra",
        '1,1,2,"[""a"",""b""]",',
        "2,,,,True",
    ]

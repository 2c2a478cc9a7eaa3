"""Reading measurement files, and the decisions behind the report, as tables."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest

from blockbax_async import FlushResult, Rejection, RejectReason
from blockbax_async.cli._catalog import Target, measurement
from blockbax_async.cli._emulator import quiet_disconnects
from blockbax_async.cli._files import (
    MAX_LINE,
    BadRow,
    Record,
    flatten,
    open_source,
    read_records,
    sniff_delimiter,
    write_records,
)
from blockbax_async.cli._messages import cli_speak, fatal_cause
from blockbax_async.cli._report import Refusals
from blockbax_async.errors import (
    AuthenticationError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
)


def _read(path: Path, format: str = "csv") -> list[Record | BadRow]:
    with open_source(str(path)) as source:
        return list(read_records(source, format, None))


@pytest.mark.parametrize(
    ("line", "value", "kind", "date"),
    [
        ("a$b,2026-01-01T00:00:00Z,1.5", "1.5", "value", "2026-01-01T00:00:00Z"),
        ("a$b,1767225600000,-3", "-3", "value", 1767225600000),
        ("a$b,,on", "on", "value", None),
        ("a$b,,,42,,,", "42", "text", None),
        ("a$b,,,,52.1,4.9,", {"lat": 52.1, "lon": 4.9}, "location", None),
        ("a$b,,,,52.1,4.9,-2", {"lat": 52.1, "lon": 4.9, "alt": -2.0}, "location", None),
    ],
)
def test_csv_columns_map_to_records(
    tmp_path: Path, line: str, value: Any, kind: str, date: Any
) -> None:
    path = tmp_path / "m.csv"
    header = "ingestion_id,date,value" + (",text,lat,lon,alt" if line.count(",") > 2 else "")
    path.write_text(f"{header}\n{line}\n")
    (record,) = _read(path)
    assert isinstance(record, Record)
    assert (record.line, record.ingestion_id, record.value, record.kind, record.date) == (
        2, "a$b", value, kind, date
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (b"id,when,v\nx,1,2\n", 1, "the header must be ingestion_id,date,value"),
        (b"ingestion_id,date,value\n,1,2\n", 2, "ingestion_id: empty"),
        (b"ingestion_id,date,value\nx,1,\n", 2, "no value: fill value, text, or lat and lon"),
        (b"ingestion_id,date,value,lat,lon\nx,1,,north,4\n", 2, "location: lat 'north'"),
        (b"ingestion_id,date,value\nx,1,\xe9\n", 2, "not UTF-8: byte 0xe9 at column 5"),
        (b"ingestion_id,date,value\n" + b"x" * (MAX_LINE + 5) + b"\n", 2, "longer than"),
        (b"\xff\xfei\x00d\x00", 1, "UTF-16"),
    ],
)
def test_bad_rows_name_their_line(tmp_path: Path, content: bytes, line: int, reason: str) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    try:
        (bad,) = _read(path)
    except ValueError as error:  # a UTF-16 file is refused whole
        assert reason in str(error)
        return
    assert isinstance(bad, BadRow) and bad.line == line and bad.message.startswith(reason)


def test_a_quoted_field_over_lines_keeps_the_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('ingestion_id,date,value\na$b,1,"two\nlines"\nc$d,1,\n')
    text, bad = _read(path)
    assert isinstance(text, Record) and text.value == "two\nlines" and text.line == 2
    assert isinstance(bad, BadRow) and bad.line == 4


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("ingestion_id,date,value", ","), ("ingestion_id;date;value", ";"),
     ("ingestion_id\tdate\tvalue", "\t"), ("ingestion_id|date|value", "|"),
     ("nothing", ",")],
)  # fmt: skip
def test_the_delimiter_is_told_by_the_header(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(
        '{"ingestion_id": "a", "date": 1, "number": 2}\n'
        "\n"
        '{"ingestionId": "b", "value": {"lat": 1, "lon": 2}}\n'
        "not json\n"
        "[1]\n"
        '{"ingestion_id": "d"}\n'
    )
    rows = _read(path, "jsonl")
    assert rows[0] == Record(1, "a", 1, 2, "number", {"ingestion_id": "a", "date": 1, "number": 2})
    assert isinstance(rows[1], Record) and (rows[1].line, rows[1].kind) == (3, "value")
    assert isinstance(rows[2], BadRow) and rows[2].line == 4
    assert isinstance(rows[3], BadRow) and rows[3].message == "not a JSON object"
    assert isinstance(rows[4], BadRow) and rows[4].reason == "no value"


LOCATION = {"lat": 1, "lon": 2}


def _record(value: Any, kind: str = "value", csv: bool = True) -> Record:
    return Record(2, "a$b", None, value, kind, ["a$b", "", str(value)] if csv else {})


@pytest.mark.parametrize(
    ("record", "data_type", "delimiter", "expected"),
    [
        (_record("21.5"), "NUMBER", ",", {"number": 21.5}),
        (_record("21,5"), "NUMBER", ";", {"number": 21.5}),
        (_record("42"), "TEXT", ",", {"text": "42"}),
        (_record("42"), None, ",", {"number": 42.0}),
        (_record("on"), None, ",", {"text": "on"}),
        (_record("on"), "NUMBER", ",", "text 'on' for 'a$b', whose metric 'T' takes NUMBER"),
        (_record(5, csv=False), "TEXT", None, "number 5 for 'a$b', whose metric 'T' takes TEXT"),
        (_record(LOCATION, csv=False), "LOCATION", None, {"location": LOCATION}),
        (_record(True, csv=False), "NUMBER", None, "value: True is not a number, text or location"),
    ],
)  # fmt: skip
def test_values_are_read_by_the_metrics_data_type(
    record: Record, data_type: str | None, delimiter: str | None, expected: Any
) -> None:
    found = measurement(record, Target(data_type, "T"), delimiter)
    if isinstance(expected, str):
        assert isinstance(found, BadRow) and found.message == expected
    else:
        assert found == {**expected, "date": None}


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("date: 'x' (for 'a'): naive; give a time zone (e.g. datetime.now(timezone.utc))",
         "date: 'x' (for 'a'): no UTC offset: add Z or +01:00"),
        ("number: 1.1 (for 'a'): more than 8 fractional digits; round it, e.g. round(x, 8)",
         "number: 1.1 (for 'a'): more than 8 fractional digits (the API keeps 8): round it"),
        ("date: 1 (for 'a'): looks like epoch seconds; give milliseconds (x1000). Numbers ...",
         "date: 1 (for 'a'): looks like epoch seconds; write milliseconds (append 000)"),
        ("number: nan (for 'a'): not finite", "number: nan (for 'a'): not finite"),
    ],
)  # fmt: skip
def test_messages_speak_cli(message: str, said: str) -> None:
    assert cli_speak(message) == said


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (AuthenticationError(401, "no"), "authentication failed: h:1 refused the access token"),
        (PermissionDeniedError(403, "no"), "permission denied: the access token may not use"),
        (NotFoundError(404, "no"), "project P not found on h:1 (HTTP 404)"),
        (ConnectError("x"), "cannot reach h:1: x"),
        (ServerError(503, "busy"), None),
    ],
)
def test_fatal_causes(error: Exception, said: str | None) -> None:
    cause = fatal_cause(error, "http://h:1", "P")
    assert cause == said if said is None else (cause or "").startswith(said)


def test_refusals_count_refused_measurements_and_show_ten_ids() -> None:
    refusals = Refusals()
    for n in range(12):
        refusals.add_row(BadRow(n + 2, "unknown ingestion ID", "", None, f"id-{n}"))
    refusals.add_row(BadRow(20, "unreadable line", "", None))
    result = FlushResult(rejected={
        "id-0": Rejection("id-0", RejectReason.UNKNOWN_INGESTION_ID, "", sent=3),
        "cut": Rejection("cut", RejectReason.TRUNCATED, "", sent=5),
    })  # fmt: skip
    refusals.add_result(result)
    unknown, unreadable = refusals.groups()
    assert (unknown.reason, unknown.count, unknown.more) == ("unknown ingestion ID", 15, 2)
    assert unknown.examples == [f"id-{n}" for n in range(10)]
    assert "--create-subjects" in unknown.hint
    assert (unreadable.count, unreadable.examples) == (1, ["line 20"])
    assert refusals.total == 16 and list(refusals.truncated) == ["cut"]  # stored, not refused


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


@pytest.mark.parametrize(
    ("error", "logged"), [(ConnectionResetError("lost"), False), (RuntimeError("bug"), True)]
)
def test_the_emulator_command_logs_no_traceback_for_a_client_going_away(
    error: BaseException, logged: bool
) -> None:
    record = logging.LogRecord("aiohttp.server", logging.ERROR, "", 0, "Error handling", (),
                               (type(error), error, None))  # fmt: skip
    assert quiet_disconnects(record) is logged

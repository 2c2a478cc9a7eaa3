"""``ingest``, driven through its process on files as people have them."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from blockbax_async.emulator import Emulator, Faults
from tests.cli.conftest import BASE_MS, COMMAND, _env, env_of, run, run_async, seed_project, stored
from tests.cli.conftest import write as write_file
from tests.faultproxy import FaultProxy

GOOD = "pump-0$t,2026-01-01T00:00:00Z,21.5\npump-1$status,1767225600000,42\n"


@pytest.mark.parametrize(
    ("name", "content", "stdin"),
    [
        ("plain.csv", "ingestion_id,date,value\n" + GOOD, False),
        ("excel.csv", "\ufeffingestion_id;date;value\n" + GOOD.replace(",", ";"), False),
        ("tabs.csv", "ingestion_id\tdate\tvalue\n" + GOOD.replace(",", "\t"), False),
        ("gzipped.csv.gz", "ingestion_id,date,value\n" + GOOD, False),
        ("-", "ingestion_id,date,value\n" + GOOD, True),
        ("-", "\ufeffingestion_id,date,value\n" + GOOD, True),
    ],
)
def test_real_world_files_are_read(
    tmp_path: Path, project: Emulator, env: dict[str, str], name: str, content: str, stdin: bool
) -> None:
    data = content.encode("utf-8")
    if name.endswith(".gz") or (stdin and "\ufeff" in content):
        data = gzip.compress(data)  # gzip told by its bytes, from stdin too
    path = write_file(tmp_path / name, data) if not stdin else Path("-")
    done = run("ingest", str(path), env=env, stdin=data if stdin else None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "delivered 2 of 2 measurements" in done.stdout
    # the TEXT metric keeps "42" a text; the NUMBER metric reads 21.5
    assert stored(project) == {"pump-0$t": [21.5], "pump-1$status": ["42"]}


def test_a_decimal_comma_is_read_where_columns_are_split_by_semicolons(
    tmp_path: Path, project: Emulator, env: dict[str, str]
) -> None:
    path = write_file(tmp_path / "nl.csv", "ingestion_id;date;value\npump-0$t;1767225600000;21,5\n")
    assert run("ingest", str(path), env=env).returncode == 0
    assert stored(project) == {"pump-0$t": [21.5]}


PROBLEMS = (
    "ingestion_id,date,value\n"
    "pump-0$t,2026-01-01T00:00:00Z,1.5\n"  # 2: good
    "pump-0$t,2026-01-01T00:01:00,2\n"  # 3: no offset
    "pump-1$t,2026-01-01T00:00:00Z,warm\n"  # 4: a text for a NUMBER metric
    "nobody$t,2026-01-01T00:00:00Z,4\n"  # 5: unknown ingestion ID
    ",2026-01-01T00:00:00Z,3\n"  # 6: no ingestion ID
    "pump-2$t,1767225600,1\n"  # 7: epoch seconds
    "pump-2$t,1767225600000,1.123456789\n"  # 8: too many decimals
    "pump-2$t,1767225600000,\xff\n"  # 9: not UTF-8
    'pump-2$status,1767225600000,"' + "x" * 140_000 + '"\n'  # 10: a field beyond csv's limit
    "pump-1$t,2026-01-01T00:02:00Z,5\n"  # 11: good
)


def _problems(tmp_path: Path) -> Path:
    return write_file(tmp_path / "problems.csv", PROBLEMS.encode("latin-1"))


def test_bad_rows_are_named_by_line_grouped_by_reason_and_not_sent(
    tmp_path: Path, project: Emulator, env: dict[str, str]
) -> None:
    done = run("ingest", str(_problems(tmp_path)), env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    out = done.stdout
    for line, said in [
        (3, "no UTC offset: add Z or +01:00"),
        (4, "text 'warm' for 'pump-1$t', whose metric 'T' takes NUMBER"),
        (5, "'nobody$t': no subject has this ingestion ID"),
        (6, "ingestion_id: empty"),
        (7, "looks like epoch seconds; write milliseconds (append 000)"),
        (8, "more than 8 fractional digits (the API keeps 8)"),
        (9, "not UTF-8: byte 0xff at column 24"),
        (10, "not CSV: field larger than field limit"),
    ]:
        assert f"line {line}: " in out and said in out.split(f"line {line}: ")[1].splitlines()[0]
    assert "datetime" not in out and "round(x" not in out  # CLI words, not Python
    assert "refused or not delivered: 8 measurements" in out
    assert "unknown ingestion ID" in out and "--create-subjects" in out
    assert "delivered 2 of 2 measurements" in out
    assert stored(project) == {"pump-0$t": [1.5], "pump-1$t": [5]}


def test_the_errors_file_holds_the_refused_rows_ready_to_fix_and_send_again(
    tmp_path: Path, project: Emulator, env: dict[str, str]
) -> None:
    errors = tmp_path / "errors.csv"
    assert run("ingest", str(_problems(tmp_path)), "--errors-file", str(errors), env=env)
    lines = errors.read_text().splitlines()
    assert lines[0] == "ingestion_id,date,value,line,reason"
    assert lines[1].startswith("pump-0$t,2026-01-01T00:01:00,2,3,")
    assert len(lines) == 1 + 8
    fixed = errors.read_text().replace("2026-01-01T00:01:00,", "2026-01-01T00:01:00Z,")
    again = run("ingest", str(write_file(tmp_path / "fixed.csv", fixed)), env=env)
    assert "line 2: " not in again.stdout  # the fixed row went through
    assert stored(project)["pump-0$t"] == [1.5, 2.0]


def test_dry_run_checks_every_row_and_sends_nothing(
    tmp_path: Path, project: Emulator, env: dict[str, str]
) -> None:
    done = run("ingest", str(_problems(tmp_path)), "--dry-run", env=env)
    assert done.returncode == 1
    assert "dry run: 2 measurements would be sent; nothing was sent" in done.stdout
    assert "line 4: " in done.stdout
    assert stored(project) == {}


def test_json_lines_are_checked_by_data_type(
    tmp_path: Path, project: Emulator, env: dict[str, str]
) -> None:
    rows = [
        {"ingestion_id": "pump-0$t", "date": BASE_MS, "value": 1},
        {"ingestionId": "pump-0$status", "date": BASE_MS, "value": "on"},
        {"ingestion_id": "pump-1$t", "date": BASE_MS, "value": "on"},
    ]
    text = "\n".join(json.dumps(row) for row in rows) + "\nnot json\n"
    done = run("ingest", str(write_file(tmp_path / "m.jsonl", text)), env=env)
    assert done.returncode == 1
    assert "line 3: text 'on' for 'pump-1$t', whose metric 'T' takes NUMBER" in done.stdout
    assert "line 4: not JSON" in done.stdout
    assert stored(project) == {"pump-0$t": [1], "pump-0$status": ["on"]}


def test_create_subjects_lets_ids_of_known_metrics_through(
    tmp_path: Path, project: Emulator, env: dict[str, str]
) -> None:
    text = "ingestion_id,date,value\nnew-1$t,1767225600000,7\nnew-2$nothing,1767225600000,7\n"
    done = run("ingest", str(write_file(tmp_path / "m.csv", text)), "--create-subjects", env=env)
    assert "created 1 subjects: new-1" in done.stdout, done.stdout + done.stderr
    assert "line 3: 'new-2$nothing': no metric has the external ID 'nothing'" in done.stdout
    assert stored(project)["new-1$t"] == [7]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"BLOCKBAX_ACCESS_TOKEN": "wrong-token"}, "authentication failed: 127.0.0.1:"),
        ({"BLOCKBAX_PROJECT_ID": "another-project"}, "permission denied: the access token may"),
        ({"BLOCKBAX_BASE_URL": "http://127.0.0.1:9"}, "cannot reach 127.0.0.1:9: connection"),
    ],
)
def test_a_fatal_failure_is_named_in_one_line_before_anything_is_read(
    tmp_path: Path, env: dict[str, str], change: dict[str, str], said: str
) -> None:
    path = write_file(tmp_path / "m.csv", "ingestion_id,date,value\n" + GOOD)
    done = run("ingest", str(path), env={**env, **change})
    assert done.returncode == 1
    assert done.stderr.startswith(f"blockbax-async: error: {said}")
    assert done.stderr.count("\n") == 1
    assert "wrong-token" not in done.stderr + done.stdout
    assert done.stdout == ""


async def test_a_fatal_failure_mid_upload_stops_at_once(
    tmp_path: Path, emulator: Emulator, fault_proxy: FaultProxy
) -> None:
    seed_project(emulator)
    rule = fault_proxy.answer(401, method="POST", path="/measurements$")
    rows = "".join(f"pump-{i % 3}$t,{BASE_MS + i},{i % 7}\n" for i in range(100_000))
    path = write_file(tmp_path / "m.csv", "ingestion_id,date,value\n" + rows)
    env = {**env_of(emulator), "BLOCKBAX_BASE_URL": fault_proxy.base_url}
    code, out, err = await run_async("ingest", str(path), env=env)
    assert code == 1
    assert err.startswith("blockbax-async: error: authentication failed") and err.count("\n") == 1
    read = int(out.split("read ")[1].split(" rows")[0].replace(",", ""))
    assert read < 100_000  # it stopped reading: it did not go through the file
    assert rule.hits <= 8  # one batch per lane at most, none sent again


def test_ctrl_c_tells_what_got_through_and_exits_130(tmp_path: Path) -> None:
    with Emulator(faults=Faults(latency=0.3, methods=("POST",))).in_thread() as slow:
        seed_project(slow)
        rows = "".join(f"pump-{i % 3}$t,{BASE_MS + i},{i % 7}\n" for i in range(60_000))
        path = write_file(tmp_path / "m.csv", "ingestion_id,date,value\n" + rows)
        process = subprocess.Popen(
            [*COMMAND, "ingest", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(env_of(slow)),
        )
        deadline = time.monotonic() + 60
        while not any(slow.state.measurements.values()) and time.monotonic() < deadline:
            time.sleep(0.02)  # until the first batch is stored: mid-upload
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    text = out.decode()
    assert "interrupted: " in text and "measurements not delivered" in text
    assert "sending the file again is safe" in text
    assert "delivered " in text and "Traceback" not in err.decode()


def test_the_errors_file_is_never_the_file_being_read(tmp_path: Path, env: dict[str, str]) -> None:
    path = write_file(tmp_path / "m.csv", "ingestion_id,date,value\n" + GOOD)
    done = run("ingest", str(path), "--errors-file", str(path), env=env)
    assert done.returncode == 1
    assert (
        done.stderr == f"blockbax-async: error: --errors-file {path}: it is the file being read\n"
    )
    assert path.read_text() == "ingestion_id,date,value\n" + GOOD

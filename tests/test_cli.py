"""The command line, driven through its process as a user would."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from blockbax_async.emulator import Emulator, seed


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blockbax_async", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def served() -> Iterator[Emulator]:
    with Emulator().in_thread() as emulator:
        subject_type = emulator.state.insert("subjectTypes", {"name": "Pump"})
        emulator.state.insert(
            "metrics",
            {"subjectTypeId": subject_type["id"], "name": "T", "externalId": "t",
             "dataType": "NUMBER", "type": "INGESTED", "mappingLevel": "OWN"},
        )  # fmt: skip
        seed.subjects(emulator.state, 3, subject_type_id=subject_type["id"], prefix="pump")
        yield emulator


@pytest.fixture
def env(served: Emulator) -> dict[str, str]:
    return {
        "BLOCKBAX_BASE_URL": served.base_url,
        "BLOCKBAX_PROJECT_ID": served.project_id,
        "BLOCKBAX_ACCESS_TOKEN": served.api_key,
    }


@pytest.mark.parametrize("command", ["emulator", "demo", "ingest", "export"])
def test_every_command_has_help(command: str) -> None:
    done = run(command, "--help")
    assert done.returncode == 0
    assert f"usage: blockbax-async {command}" in done.stdout
    assert "--help" in done.stdout


def test_demo_runs_and_summarizes() -> None:
    done = run("demo", "--subjects", "5", "--measurements", "2000")
    assert done.returncode == 0, done.stderr
    assert "measurements accepted" in done.stdout
    assert "2,000" in done.stdout


def test_ingest_csv_reports_bad_rows_and_rejections(
    tmp_path: Path, served: Emulator, env: dict[str, str]
) -> None:
    data = tmp_path / "data.csv"
    data.write_text(
        "ingestion_id,date,value\n"
        "pump-0$t,2026-01-01T00:00:00.000+00:00,1.5\n"
        "pump-0$t,1767225660000,2.5\n"
        "pump-1$t,2026-01-01T00:00:00Z,nan\n"
        ",2026-01-01T00:00:00Z,3\n"
        "nobody$t,2026-01-01T00:00:00Z,4\n"
        "pump-1$t,2026-01-01T00:02:00Z,5\n"
    )
    done = run("ingest", str(data), env=env)
    assert done.returncode == 1
    assert "line 4: " in done.stdout and "number" in done.stdout
    assert "line 5: ingestion_id: empty" in done.stdout
    assert "rejected nobody$t: unknown_ingestion_id" in done.stdout
    assert "accepted 3 measurements" in done.stdout
    stored = served.state.measurements
    assert [m["number"] for m in stored["pump-0$t"]] == [1.5, 2.5]
    assert [m["number"] for m in stored["pump-1$t"]] == [5]


def test_ingest_jsonl_all_good_exits_zero(
    tmp_path: Path, served: Emulator, env: dict[str, str]
) -> None:
    data = tmp_path / "data.jsonl"
    lines = [{"ingestion_id": f"pump-{i % 3}$t", "date": 1767225600000 + i, "value": i}
             for i in range(1200)]  # fmt: skip
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    done = run("ingest", str(data), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "accepted 1,200 measurements" in done.stdout
    assert sum(len(v) for v in served.state.measurements.values()) == 1200


def test_export_subjects_and_measurements(
    tmp_path: Path, served: Emulator, env: dict[str, str]
) -> None:
    out = tmp_path / "subjects.csv"
    done = run("export", "subjects", "--format", "csv", "--output", str(out), env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert {"id", "name", "externalId", "subjectTypeId"} <= set(rows[0])
    assert sorted(row["externalId"] for row in rows) == ["pump-0", "pump-1", "pump-2"]
    subject = next(iter(served.state.collection("subjects").values()))
    metric = next(iter(served.state.collection("metrics").values()))
    served.state.measurements[subject["ingestionIds"][0]["ingestionId"]] = [
        {"date": 1767225600000, "number": 7.5}
    ]
    done = run("export", "measurements", "--subject-id", subject["id"], "--metric-id",
               metric["id"], env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["subjectId"] == subject["id"] and record["number"] == 7.5


def test_errors_are_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    done = run("export", "subjects", env={**env, "BLOCKBAX_ACCESS_TOKEN": "wrong"})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("blockbax-async: error: HTTP 401")
    assert "wrong" not in done.stderr
    done = run("ingest", str(tmp_path / "missing.csv"), env=env)
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"blockbax-async: error: file: no such file ({tmp_path / 'missing.csv'})"
    )

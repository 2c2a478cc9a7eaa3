"""``emulator``, ``demo``, ``export`` and the options every command shares, through the process."""

from __future__ import annotations

import csv
import json
import re
import shlex
import signal
import subprocess

import pytest

from blockbax_async import __version__
from blockbax_async.cli._emulator import emulator_of
from blockbax_async.cli._parser import parser
from blockbax_async.emulator import Emulator
from tests.cli.conftest import COMMAND, _env, env_of, run, seed_project


@pytest.mark.parametrize("command", ["emulator", "demo", "ingest", "export", "bridge"])
def test_every_command_has_help_with_defaults(command: str) -> None:
    done = run(command, "--help")
    assert done.returncode == 0
    assert f"usage: blockbax-async {command}" in done.stdout
    assert "--base-url" in done.stdout or command == "emulator"
    if command == "emulator":
        assert "(default: 8080)" in done.stdout


def test_version() -> None:
    done = run("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"blockbax-async {__version__}")


def test_the_emulator_prints_lines_a_shell_can_paste() -> None:
    process = subprocess.Popen(
        [*COMMAND, "emulator", "--port", "0", "--seed-subjects", "2"],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(None),
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(4)]
    env = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in banner[1:])
    done = run("export", "subjects", env=env)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    process.stdout.close()
    assert banner[0].startswith("# Blockbax emulator on http://127.0.0.1:")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2


def test_print_env_is_for_eval() -> None:
    done = run("emulator", "--port", "8181", "--api-key", "my key", "--print-env")
    assert done.stdout.splitlines() == [
        "export BLOCKBAX_BASE_URL=http://127.0.0.1:8181",
        "export BLOCKBAX_PROJECT_ID=715b6935-e3d8-48b1-86a3-a6e2a268e1f0",
        "export BLOCKBAX_ACCESS_TOKEN='my key'",
    ]


def test_the_demo_runs_twice_against_one_server(served: Emulator) -> None:
    env = env_of(served)
    first = run("demo", "--subjects", "5", "--measurements", "2000", env=env)
    second = run("demo", "--subjects", "5", "--measurements", "2000", env=env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "5 subjects in" in first.stdout
    assert "5 subjects, 5 of them from an earlier run" in second.stdout
    for done in (first, second):
        counts = dict(re.findall(r"^(\S.*?)\s{2,}([\d,]+)  ", done.stdout, re.M))
        assert counts["subjects of the demo type"] == "5"
        assert counts["measurements accepted"] == "2,000"
        assert counts["series of pump-0 read back"] == "200"


def test_export_subjects_as_csv(served: Emulator) -> None:
    seed_project(served)
    done = run("export", "subjects", "--format", "csv", env=env_of(served))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert sorted(row["externalId"] for row in rows) == ["pump-0", "pump-1", "pump-2"]
    assert done.stderr == "exported 3 subjects\n"


def _store(emulator: Emulator, ingestion_id: str, *numbers: float) -> None:
    emulator.state.measurements[ingestion_id] = [
        {"date": 1767225600000 + n, "number": number} for n, number in enumerate(numbers)
    ]


@pytest.mark.parametrize(
    "selector",
    [
        ["--ingestion-id", "pump-1$t"],
        ["--subject", "pump-1", "--metric", "t"],
    ],
)
def test_export_measurements_by_ingestion_id_or_external_ids(
    served: Emulator, selector: list[str]
) -> None:
    seed_project(served)
    _store(served, "pump-1$t", 1.5, 2.5)
    dates = ["--from-date", "2026-01-01T00:00:00Z", "--to-date", "2026-01-02T00:00:00Z"]
    done = run("export", "measurements", *selector, *dates, env=env_of(served))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["number"] for line in done.stdout.splitlines()] == [1.5, 2.5]


@pytest.mark.parametrize(
    ("selector", "said"),
    [
        (["--ingestion-id", "pump-0$t"], "no measurements match the series and dates given"),
        (["--ingestion-id", "ghost$t"], "--ingestion-id ghost$t: no subject has it"),
        (["--subject", "ghost"], "--subject ghost: no subject has this ID or external ID"),
    ],
)
def test_export_measurements_exits_1_when_nothing_matches(
    served: Emulator, selector: list[str], said: str
) -> None:
    seed_project(served)
    done = run("export", "measurements", *selector, env=env_of(served))
    assert done.returncode == 1
    assert done.stderr == f"blockbax-async: error: {said}\n"


def test_export_into_a_closed_pipe_ends_quietly(served: Emulator) -> None:
    seed_project(served, subjects=600)  # more than a pipe's buffer holds
    process = subprocess.Popen(
        [*COMMAND, "export", "subjects"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(env_of(served)),
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"{")
    process.stdout.close()  # as `| head -1` does
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""
    process.stderr.close()


def test_missing_credentials_are_named_by_option_and_variable() -> None:
    done = run("export", "subjects", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 1
    assert done.stderr == (
        "blockbax-async: error: --project-id: not given, and BLOCKBAX_PROJECT_ID is not set\n"
    )


def test_the_emulators_fault_options_reach_its_faults() -> None:
    args = parser().parse_args(
        ["emulator", "--error-rate", "0.1", "--latency", "0.02", "--fixed-latency", "--seed", "7"]
    )
    faults = emulator_of(args).faults
    assert (faults.error_rate, faults.latency, faults.fixed_latency, faults.seed) == (
        0.1, 0.02, True, 7,
    )  # fmt: skip

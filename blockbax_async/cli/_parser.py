"""The options of every command, with their defaults shown in `--help`."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import __version__
from ..emulator import DEFAULT_API_KEY, DEFAULT_PROJECT_ID
from ._bridge import add_bridge_parser
from ._files import DELIMITERS

__all__ = ["RESOURCES", "parser"]

RESOURCES = {
    "property-types": "property_types",
    "subject-types": "subject_types",
    "subjects": "subjects",
    "metrics": "metrics",
    "event-triggers": "event_triggers",
    "webhooks": "webhooks",
    "events": "events",
    "alarms": "alarms",
}


class _Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Descriptions as written, and each option's default (when it has a telling one)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default is None or default is False or default == [] or not action.option_strings:
            return action.help
        return super()._get_help_string(action)


INGEST = """\
Send measurements from a file (or stdin: -), plain or gzipped, checked against the project
first: each bad row is named by its line (the CSV header is line 1) and not sent.

CSV: the header ingestion_id,date,value; columns split by , ; tab or | (told by the header).
  value   a number or a text, read by the data type of the ID's metric (21.5, 21,5 with ;)
  text    a text column, for texts that look like numbers
  lat,lon a location (alt optional)
  date    ISO 8601 with an offset (2026-01-01T00:00:00Z or +01:00), epoch milliseconds,
          or empty for now
JSON Lines: one object a line with ingestion_id, date and one of number, location
  ({"lat": .., "lon": ..}), text or value.

Exit status: 0 all delivered, 1 something refused or not delivered (or an error), 130 Ctrl-C.
"""


def _credentials(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("credentials")
    group.add_argument(
        "--base-url",
        help="server root (default: $BLOCKBAX_BASE_URL, else https://api.blockbax.com)",
    )
    group.add_argument("--project-id", help="the project's ID (default: $BLOCKBAX_PROJECT_ID)")
    group.add_argument(
        "--access-token", help="an API key of the project (default: $BLOCKBAX_ACCESS_TOKEN)"
    )


def _emulator(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emulator = commands.add_parser(
        "emulator",
        help="serve the bundled Blockbax API emulator",
        description="Serve a local Blockbax API. It prints `export BLOCKBAX_...=` lines to "
        "paste into a shell; `--print-env` prints only those (for eval) and exits.",
        formatter_class=_Help,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on")
    emulator.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    emulator.add_argument("--project-id", default=DEFAULT_PROJECT_ID, help="the project served")
    emulator.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key it accepts")
    emulator.add_argument("--rate-limit", type=int, default=5000, help="requests per period")
    emulator.add_argument("--rate-period", type=float, default=60.0, help="seconds per period")
    emulator.add_argument("--error-rate", type=float, default=0.0, help="share answered 5xx")
    emulator.add_argument("--drop-rate", type=float, default=0.0, help="share dropped")
    emulator.add_argument("--latency", type=float, default=0.0, help="added latency (s, max)")
    emulator.add_argument(
        "--fixed-latency",
        action="store_true",
        help="add exactly --latency to every request (a network's round trip), not up to it",
    )
    emulator.add_argument("--seed", type=int, default=0, help="seed of the fault modes")
    emulator.add_argument(
        "--seed-subjects",
        type=int,
        default=0,
        metavar="N",
        help="start with N subjects whose ingestion IDs are subject-<n>$metric-<m>",
    )
    emulator.add_argument(
        "--seed-metrics", type=int, default=1, metavar="M", help="number metrics per subject"
    )
    emulator.add_argument(
        "--print-env",
        action="store_true",
        help="print the export lines for an emulator started with these options, and exit: "
        'eval "$(blockbax-async emulator --print-env)"',
    )


def _demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="build a project, ingest, query back and summarize",
        description="Start an emulator in-process (unless --base-url or BLOCKBAX_BASE_URL is "
        "given), build a small project (or reuse the one an earlier run built), ingest "
        "measurements, query some back and print a summary.",
        formatter_class=_Help,
    )
    demo.add_argument("--subjects", type=int, default=300, help="subjects to create")
    demo.add_argument("--measurements", type=int, default=300_000, help="measurements to send")
    _credentials(demo)


def _ingest(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = commands.add_parser(
        "ingest",
        help="send measurements from a CSV or JSON Lines file",
        description=INGEST,
        formatter_class=_Help,
    )
    ingest.add_argument("file", help="CSV (ingestion_id,date,value) or JSON Lines; - for stdin")
    ingest.add_argument("--format", choices=["csv", "jsonl"], help="default: by the file's name")
    ingest.add_argument(
        "--delimiter",
        choices=list(DELIMITERS),
        metavar="D",
        help="CSV column separator: , ; tab or | (default: told by the header)",
    )
    ingest.add_argument(
        "--create-subjects",
        action="store_true",
        help="create the subjects missing for IDs <subject external ID>$<metric external ID>",
    )
    ingest.add_argument(
        "--errors-file",
        type=Path,
        metavar="F",
        help="write the refused rows to F with their line and reason, to fix and send again",
    )
    ingest.add_argument(
        "--dry-run", action="store_true", help="read and check every row; send nothing"
    )
    _credentials(ingest)


def _export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write resources or measurement series as CSV or JSON Lines",
        description="Write every item of a resource, or measurement series, to a file or "
        "stdout. Measurements: name series by --ingestion-id, or by --subject and --metric "
        "(IDs or external IDs); without dates, the latest value of each series. The exit "
        "status is 1 when nothing matches.",
        formatter_class=_Help,
    )
    export.add_argument("resource", choices=[*RESOURCES, "measurements"], help="what to export")
    export.add_argument("--format", choices=["csv", "jsonl"], default="jsonl", help="file format")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    export.add_argument(
        "--ingestion-id", action="append", default=[], metavar="ID", help="a series (repeatable)"
    )
    export.add_argument(
        "--subject",
        "--subject-id",
        action="append",
        default=[],
        metavar="S",
        help="a subject, by ID or external ID (repeatable)",
    )
    export.add_argument(
        "--metric",
        "--metric-id",
        action="append",
        default=[],
        metavar="M",
        help="a metric, by ID or external ID (repeatable)",
    )
    export.add_argument("--from-date", help="from (ISO 8601 with an offset, inclusive)")
    export.add_argument("--to-date", help="to (ISO 8601 with an offset, exclusive)")
    _credentials(export)


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    top = argparse.ArgumentParser(
        prog="blockbax-async",
        description="Blockbax from the command line, and a local emulator of its API.",
        formatter_class=_Help,
    )
    top.add_argument("--version", action="version", version=f"blockbax-async {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_emulator, _demo, _ingest, _export, add_bridge_parser):
        add(commands)
    return top

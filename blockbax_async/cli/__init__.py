"""The command line: `emulator`, `demo`, `ingest`, `export` and `bridge`.

Credentials come from `--base-url`, `--project-id` and `--access-token`, or from
`BLOCKBAX_BASE_URL`, `BLOCKBAX_PROJECT_ID` and `BLOCKBAX_ACCESS_TOKEN`. An error prints
as one line on stderr and exits with status 1; Ctrl-C exits with 130, and a closed pipe
(`| head`) ends the command quietly. Needs the `cli` extra (rich).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ..errors import BlockbaxError
from ._bridge import run_bridge
from ._connect import DEFAULT_BASE_URL, connected
from ._demo import demo
from ._emulator import serve
from ._export import export
from ._ingest import MAX_QUEUED, ingest
from ._messages import fatal_cause
from ._parser import parser

__all__ = ["main"]

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


async def _ingest(args: argparse.Namespace) -> int:
    # close_timeout: how long the final flush may retry transient failures (5xx, drops)
    options = {"max_queued": MAX_QUEUED, "close_timeout": 60.0}
    async with connected(args, ingest=options) as client:
        return await ingest(args, client)


COMMANDS: dict[str, Command] = {
    "emulator": serve,
    "demo": demo,
    "ingest": _ingest,
    "export": export,
    "bridge": run_bridge,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    top = parser()
    args, unknown = top.parse_known_args(argv)
    if unknown and not getattr(args, "any_options", False):
        top.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return asyncio.run(COMMANDS[args.command](args))
    except KeyboardInterrupt:
        print("blockbax-async: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout was closed by its reader (| head): say nothing, and keep the interpreter
        # from failing again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (BlockbaxError, OSError) as exc:
        print(f"blockbax-async: error: {_one_line(exc, args)}", file=sys.stderr)
        return 1


def _one_line(error: BaseException, args: argparse.Namespace) -> str:
    base_url = getattr(args, "base_url", None) or os.environ.get("BLOCKBAX_BASE_URL")
    project_id = getattr(args, "project_id", None) or os.environ.get("BLOCKBAX_PROJECT_ID")
    cause = fatal_cause(error, base_url or DEFAULT_BASE_URL, project_id or "")
    return " ".join((cause or str(error) or type(error).__name__).split())

"""Command line: ``blockbax-async`` or ``python -m blockbax_async``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from .errors import BlockbaxError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from .emulator import DEFAULT_API_KEY, DEFAULT_PROJECT_ID

    parser = argparse.ArgumentParser(
        prog="blockbax-async", description="Blockbax from the command line, and a local emulator."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    emulator = commands.add_parser("emulator", help="serve the bundled Blockbax API emulator")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on")
    emulator.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    emulator.add_argument("--project-id", default=DEFAULT_PROJECT_ID, help="the project served")
    emulator.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key it accepts")
    emulator.add_argument("--rate-limit", type=int, default=5000, help="requests per period")
    emulator.add_argument("--rate-period", type=float, default=60.0, help="seconds per period")
    emulator.add_argument("--error-rate", type=float, default=0.0, help="share answered 5xx")
    emulator.add_argument(
        "--drop-rate", type=float, default=0.0, help="share of dropped connections"
    )
    emulator.add_argument("--latency", type=float, default=0.0, help="added latency, up to seconds")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the fault modes")

    demo = commands.add_parser("demo", help="run a demo against an emulator started in-process")
    demo.add_argument("--subjects", type=int, default=200, help="subjects to create")
    demo.add_argument("--measurements", type=int, default=200_000, help="measurements to ingest")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    from .emulator import Emulator, Faults, RateLimit

    emulator = Emulator(
        host=args.host,
        port=args.port,
        project_id=args.project_id,
        api_key=args.api_key,
        rate_limit=RateLimit(args.rate_limit, args.rate_period),
        faults=Faults(args.error_rate, args.drop_rate, 0.0, args.latency, args.seed),
        record=False,
    )
    await emulator.start()
    print(f"Blockbax emulator on {emulator.base_url}", flush=True)
    print(f"  BLOCKBAX_BASE_URL={emulator.base_url}", flush=True)
    print(f"  BLOCKBAX_PROJECT_ID={emulator.project_id}", flush=True)
    print(f"  BLOCKBAX_ACCESS_TOKEN={emulator.api_key}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors print as one line and exit with status 1."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "emulator":
            asyncio.run(_serve(args))
        elif args.command == "demo":
            from ._demo import run_demo

            asyncio.run(run_demo(subjects=args.subjects, measurements=args.measurements))
    except KeyboardInterrupt:
        return 130
    except (BlockbaxError, OSError) as exc:
        print(f"blockbax-async: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

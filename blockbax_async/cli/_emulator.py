"""`emulator`: serve the bundled emulator, and tell a shell how to point clients at it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex

from ..emulator import Emulator, Faults, RateLimit, seed

__all__ = ["emulator_of", "env_lines", "quiet_disconnects", "serve"]


def env_lines(base_url: str, project_id: str, api_key: str) -> list[str]:
    """`export BLOCKBAX_...=` lines a POSIX shell can run (values quoted as needed)."""
    return [
        f"export {name}={shlex.quote(value)}"
        for name, value in (
            ("BLOCKBAX_BASE_URL", base_url),
            ("BLOCKBAX_PROJECT_ID", project_id),
            ("BLOCKBAX_ACCESS_TOKEN", api_key),
        )
    ]


def quiet_disconnects(record: logging.LogRecord) -> bool:
    """Whether to log a server record: not a client going away mid-request (an interrupted
    upload), which aiohttp logs with a traceback."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, ConnectionError)


def emulator_of(args: argparse.Namespace) -> Emulator:
    """The emulator the `emulator` command serves, from its options."""
    emulator = Emulator(
        host=args.host,
        port=args.port,
        project_id=args.project_id,
        api_key=args.api_key,
        rate_limit=RateLimit(args.rate_limit, args.rate_period),
        faults=Faults(
            error_rate=args.error_rate,
            drop_rate=args.drop_rate,
            latency=args.latency,
            fixed_latency=args.fixed_latency,
            seed=args.seed,
        ),
        record=False,
    )
    if args.seed_subjects:
        subject_type = emulator.state.insert("subjectTypes", {"name": "Seeded"})
        for m in range(args.seed_metrics):
            emulator.state.insert(
                "metrics",
                {
                    "subjectTypeId": subject_type["id"],
                    "name": f"metric-{m}",
                    "externalId": f"metric-{m}",
                    "dataType": "NUMBER",
                    "type": "INGESTED",
                    "mappingLevel": "OWN",
                },
            )
        seed.subjects(emulator.state, args.seed_subjects, subject_type_id=subject_type["id"])
    return emulator


async def serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; with `--print-env`, print the export lines and exit."""
    if args.print_env:
        base_url = f"http://{args.host}:{args.port}"
        print("\n".join(env_lines(base_url, args.project_id, args.api_key)))
        return 0
    logging.getLogger("aiohttp.server").addFilter(quiet_disconnects)
    emulator = emulator_of(args)
    await emulator.start()
    try:
        print(f"# Blockbax emulator on {emulator.base_url} (Ctrl-C stops it); in a shell:")
        print("\n".join(env_lines(emulator.base_url, emulator.project_id, emulator.api_key)))
        print(flush=True)
        await asyncio.Event().wait()
    finally:
        await emulator.stop()
    return 0

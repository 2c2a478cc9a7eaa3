"""The `bridge` command: NATS JetStream into Blockbax until SIGTERM or Ctrl-C.

It prints its figures to stderr every `--stats-interval` seconds and once at the end, and
exits 0 when everything it took was delivered and acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .._client import AsyncClient
from ..ingest import IngestSettings
from ._jetstream import JetStreamSettings, JetStreamSource
from ._loop import Bridge, BridgeStats

__all__ = ["add_bridge_parser", "run_bridge"]

logger = logging.getLogger("blockbax_async.bridge")

_DESCRIPTION = """\
Read measurement messages from a NATS JetStream stream and deliver them to Blockbax,
acknowledging each message only once the API answered for every measurement in it.

A message is one JSON object {"ingestion_id": ..., "date": <ISO 8601 or epoch ms>,
"number" | "text" | "location": ...} or an array of them. Messages that can never be
delivered go to the dead-letter subject with the reason. Start the same command on
several hosts (same --consumer) to share the work; order holds per NATS subject.
SIGTERM: stop fetching, deliver and acknowledge what was fetched, exit 0. With --spool,
what was fetched and not yet delivered also survives a crash of this host's bridge: the
next bridge started on that directory sends it first (JetStream redelivers it as well).
"""


def add_bridge_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `bridge` command (its options and the credentials)."""
    bridge = commands.add_parser(
        "bridge",
        help="deliver measurements from NATS JetStream, acknowledging after delivery",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bridge.add_argument("--nats", required=True, metavar="URL", help="e.g. nats://127.0.0.1:4222")
    bridge.add_argument("--stream", required=True, help="the stream (created when missing)")
    bridge.add_argument("--subject", required=True, help="the subjects it holds, e.g. 'readings.>'")
    bridge.add_argument("--consumer", required=True, help="the name the bridges share")
    bridge.add_argument("--dead-letter", metavar="SUBJECT", help="default: <stream>.dead")
    bridge.add_argument("--partitions", type=int, default=12, help="for a new stream")
    bridge.add_argument("--max-ack-pending", type=int, default=1000, help="per partition")
    bridge.add_argument("--ack-wait", type=float, default=10.0, help="seconds")
    bridge.add_argument("--pin-timeout", type=float, default=30.0, help="seconds")
    bridge.add_argument("--heartbeat", type=float, default=1.0, help="seconds")
    bridge.add_argument("--stop-timeout", type=float, default=30.0, help="seconds")
    bridge.add_argument("--stats-interval", type=float, default=60.0, help="seconds (0: off)")
    bridge.add_argument(
        "--spool", metavar="DIR", help="journal what is queued on disk until Blockbax answered"
    )
    group = bridge.add_argument_group("credentials")
    group.add_argument("--base-url", help="server root (default: $BLOCKBAX_BASE_URL)")
    group.add_argument("--project-id", help="the project's ID (default: $BLOCKBAX_PROJECT_ID)")
    group.add_argument("--access-token", help="an API key (default: $BLOCKBAX_ACCESS_TOKEN)")


def settings_of(args: argparse.Namespace) -> JetStreamSettings:
    """The source's settings from the command's options."""
    return JetStreamSettings(
        url=args.nats,
        stream=args.stream,
        subject=args.subject,
        consumer=args.consumer,
        dead_letter=args.dead_letter,
        partitions=args.partitions,
        max_ack_pending=args.max_ack_pending,
        ack_wait=args.ack_wait,
        pin_timeout=args.pin_timeout,
        heartbeat=args.heartbeat,
    )


def describe(stats: BridgeStats) -> str:
    """One line of figures."""
    return (
        f"bridge: received {stats.received}, acknowledged {stats.acknowledged}, "
        f"dead-lettered {stats.dead_lettered}, unacknowledged {stats.unacknowledged}, "
        f"lag {stats.lag}, partitions {stats.partitions}"
    )


def _log_to_stderr() -> None:
    """The bridge's own lines (partitions taken and handed over, dead letters) on stderr."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


async def run_bridge(args: argparse.Namespace) -> int:
    """Run the command; 0 when it stopped with everything settled."""
    _log_to_stderr()
    source = JetStreamSource(settings_of(args))
    ingest = IngestSettings(spool=args.spool) if args.spool is not None else None
    client = AsyncClient(args.project_id, args.access_token, base_url=args.base_url, ingest=ingest)
    async with client:
        if recovered := len(client.measurements):
            logger.info("bridge: %d measurements from the spool go first", recovered)
        bridge = Bridge(client, source, stop_timeout=args.stop_timeout)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, bridge.stop)
        reporter = asyncio.create_task(_report(bridge, args.stats_interval))
        try:
            settled = await bridge.run()
        finally:
            reporter.cancel()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        print(describe(bridge.stats), file=sys.stderr, flush=True)
    return 0 if settled else 1


async def _report(bridge: Bridge, interval: float) -> None:
    if interval <= 0:
        return
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            await asyncio.sleep(interval)
            print(describe(bridge.stats), file=sys.stderr, flush=True)

"""`bridge`: NATS JetStream into Blockbax, from `blockbax_async.bridge` (the `nats`
extra); without the extra the command is still listed and says what to install."""

from __future__ import annotations

import argparse

from ..errors import ValidationError

__all__ = ["add_bridge_parser", "run_bridge"]

_MISSING = "bridge: needs the nats extra: pip install 'blockbax-async[nats]'"

try:
    from ..bridge._cli import add_bridge_parser, run_bridge
except ModuleNotFoundError as missing:
    if not (missing.name or "").startswith("nats"):
        raise

    def add_bridge_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """List `bridge`, taking any options, so that running it names the extra."""
        bridge = commands.add_parser("bridge", help=f"NATS JetStream into Blockbax ({_MISSING})")
        bridge.set_defaults(any_options=True)

    async def run_bridge(args: argparse.Namespace) -> int:
        """Say which extra the command needs."""
        raise ValidationError(_MISSING)

"""`python -m blockbax_async.bridge`: the `bridge` command alone."""

import argparse
import asyncio
import sys

from ..errors import BlockbaxError
from ._cli import add_bridge_parser, run_bridge


def main() -> int:
    """Parse the bridge's options and run it; errors print as one line and exit 1."""
    top = argparse.ArgumentParser(prog="python -m blockbax_async.bridge")
    add_bridge_parser(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(["bridge", *sys.argv[1:]])
    try:
        return asyncio.run(run_bridge(args))
    except (BlockbaxError, OSError) as exc:
        print(f"blockbax-async bridge: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

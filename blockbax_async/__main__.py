"""`python -m blockbax_async` and the `blockbax-async` script: the command line (see
`blockbax-async --help`), which needs the `cli` extra."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

_main: Callable[[Sequence[str] | None], int] | None
try:
    from .cli import main as _main
except ModuleNotFoundError as missing:  # the cli extra is not installed
    if missing.name != "rich":
        raise
    _main = None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line, or say which extra it needs."""
    if _main is None:
        print(
            "blockbax-async: the command line needs rich: pip install 'blockbax-async[cli]'",
            file=sys.stderr,
        )
        return 1
    return _main(argv)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m blockbax_async``: the command line (see ``blockbax-async --help``)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())

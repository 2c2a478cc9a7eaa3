"""The `BLOCKBAX_LOG` switch: log to stderr at that level, with no logging set-up.

Without the variable the package only logs through the stdlib logger `blockbax_async`
(with a `NullHandler`), so nothing shows until the program configures logging. With
`BLOCKBAX_LOG=debug|info|warning` the logger gets a stderr handler at that level and stops
propagating, so that each record shows once even where the program also logs to stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import TextIO

__all__ = ["LEVELS", "configure_from_env", "level_of"]

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_of(value: str | None) -> int | None:
    """The logging level `BLOCKBAX_LOG` names (any case, spaces ignored); `None` when
    unset or empty; `WARNING` for a name it does not know (told as a warning)."""
    if value is None or not value.strip():
        return None
    return LEVELS.get(value.strip().lower(), logging.WARNING)


def configure_from_env(
    environ: Mapping[str, str], stream: TextIO | None = None
) -> logging.Handler | None:
    """Act on `environ["BLOCKBAX_LOG"]`: add a stderr handler (`stream` for tests) to the
    `blockbax_async` logger; returns it, or `None` when the variable is not set."""
    value = environ.get("BLOCKBAX_LOG")
    level = level_of(value)
    if level is None:
        return None
    logger = logging.getLogger("blockbax_async")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    if (value or "").strip().lower() not in LEVELS:
        logger.warning("BLOCKBAX_LOG=%r is not debug, info or warning: logging warnings", value)
    return handler

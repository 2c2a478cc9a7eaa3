"""What the command line says: fatal failures named in one line, and the SDK's messages
(written for Python callers) said in terms of files and options."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from ..errors import (
    AuthenticationError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    TimeoutError,
)

__all__ = ["cli_speak", "fatal_cause", "host_of", "is_fatal"]

_NO_OFFSET = "no UTC offset: add Z or +01:00"
# (pattern, replacement): Python advice in the SDK's messages, and what to do in a file instead.
_PHRASES = [
    (r"naive; give a time zone \(e\.g\. datetime\.now\(timezone\.utc\)\)", _NO_OFFSET),
    (r"naive; add an offset", _NO_OFFSET),
    (r"; round it, e\.g\. round\(x, 8\)", " (the API keeps 8): round it"),
    (r"give milliseconds \(x1000\)\..*", "write milliseconds (append 000)"),
    (
        r"give an aware datetime, epoch milliseconds \(int\) or an ISO 8601 string",
        "write ISO 8601 with an offset (2026-01-01T00:00:00Z) or epoch milliseconds",
    ),
    (r"give a Location or a mapping.*", "give lat and lon"),
    (r": not a str\b", ": not a text"),
    (r"give a non-empty str", "fill it in"),
]  # fmt: skip
_COMPILED = [(re.compile(pattern), new) for pattern, new in _PHRASES]


def cli_speak(message: str) -> str:
    """`message` with its Python advice (`datetime.now(timezone.utc)`, `round(x, 8)`)
    replaced by what to write in a file."""
    for pattern, new in _COMPILED:
        message = pattern.sub(new, message)
    return message


def host_of(base_url: str) -> str:
    """`host:port` of a base URL, as people name a server."""
    parts = urlsplit(base_url)
    return parts.netloc or base_url


def fatal_cause(error: BaseException, base_url: str, project_id: str) -> str | None:
    """One line naming why nothing more can be sent, or `None` when `error` is not fatal
    (a refused batch, a transient failure that retries may overcome)."""
    host = host_of(base_url)
    if isinstance(error, AuthenticationError):
        return (
            f"authentication failed: {host} refused the access token (HTTP 401); "
            "check --access-token or BLOCKBAX_ACCESS_TOKEN"
        )
    if isinstance(error, PermissionDeniedError):
        return (
            f"permission denied: the access token may not use project {project_id} on {host} "
            "(HTTP 403); check --project-id and the API key's permissions"
        )
    if isinstance(error, NotFoundError):
        return (
            f"project {project_id} not found on {host} (HTTP 404); "
            "check --project-id or BLOCKBAX_PROJECT_ID"
        )
    if isinstance(error, ConnectError):
        return f"cannot reach {host}: {_reason(error)}; check --base-url or BLOCKBAX_BASE_URL"
    if isinstance(error, TimeoutError):
        return f"no answer from {host} in time: {_reason(error)}"
    return None


def is_fatal(error: BaseException) -> bool:
    """Whether `error` means that nothing more can be sent (see `fatal_cause`)."""
    return fatal_cause(error, "", "") is not None


def _reason(error: BaseException) -> str:
    """What the system said (`connection refused`), found down the chain of causes."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno:
            said = os.strerror(seen.errno) if seen.errno > 0 else seen.strerror
            if said:
                return said[:1].lower() + said[1:]
        seen = seen.__cause__ or seen.__context__
    return str(error).strip() or type(error).__name__

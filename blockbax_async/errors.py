"""Errors raised by blockbax_async.

The class tree::

    BlockbaxError
    ├── ValidationError (also ValueError)   bad input, caught before anything is sent
    ├── ClientStateError                    the client was used after close or from another loop
    ├── QueueFullError                      the measurement queue is at its bound
    ├── TransportError                      no answer came: connection failure or timeout
    │   ├── ConnectError                    no connection could be opened: nothing was sent
    │   └── TimeoutError                    no answer in time
    └── APIError(status, message, body)     the server answered with an error
        ├── ClientError                     4xx: the request was wrong
        │   ├── AuthenticationError         401
        │   ├── PermissionDeniedError       403
        │   ├── NotFoundError               404
        │   └── RateLimitError              429
        └── ServerError                     5xx: the platform failed
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BlockbaxError",
    "ClientStateError",
    "ClientError",
    "ConnectError",
    "NotFoundError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "error_for_status",
]


class BlockbaxError(Exception):
    """Base class of every error this package raises."""


class ValidationError(BlockbaxError, ValueError):
    """Input was rejected before anything was sent; the message names the field and value."""


class ClientStateError(BlockbaxError, RuntimeError):
    """The client was closed, or is used from an event loop other than its own."""


class QueueFullError(BlockbaxError):
    """The measurement queue holds its maximum; flush, or use ``await measurements.put()``."""


class TransportError(BlockbaxError):
    """No answer came from the server: the connection failed or the request timed out.

    ``outcome_unknown`` is true when the request was a create that may have been stored
    (sent, then no answer): it was not sent again, so that it leaves no duplicate.
    """

    outcome_unknown: bool = False


class ConnectError(TransportError):
    """No connection to the server could be opened: nothing was sent."""


class TimeoutError(TransportError):
    """No answer came within the timeout (or the call's retry deadline)."""


class APIError(BlockbaxError):
    """The server answered with an error status, or with a body that cannot be understood.

    ``status`` is the HTTP status, ``message`` the server's message (or a description of the
    fault), ``body`` the parsed JSON body (or the raw text when it was not JSON), and
    ``details`` the server's detailed messages when it gave any.
    """

    def __init__(
        self,
        status: int,
        message: str,
        body: Any = None,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.body = body
        self.method = method
        self.path = path
        super().__init__(status, message)

    @property
    def details(self) -> list[Any]:
        """The server's detail list (``details`` or ``detailedMessages``), empty when absent."""
        if isinstance(self.body, dict):
            for key in ("details", "detailedMessages", "errors"):
                value = self.body.get(key)
                if isinstance(value, list):
                    return value
        return []

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        details = f"; details: {self.details}" if self.details else ""
        return f"HTTP {self.status}{where}: {self.message}{details}"


class ClientError(APIError):
    """A 4xx answer: the request was wrong and is not retried (but for 429)."""


class ServerError(APIError):
    """A 5xx answer: the platform failed."""


class AuthenticationError(ClientError):
    """401: the access token is missing, wrong or revoked."""


class PermissionDeniedError(ClientError):
    """403: the access token may not do this."""


class NotFoundError(ClientError):
    """404: no such resource."""


class RateLimitError(ClientError):
    """429: the rate limit was exceeded and retries did not get past it.

    ``retry_after`` is the wait in seconds the server asked for, when it said.
    """

    retry_after: float | None = None


_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """The error class for an HTTP status: exact matches first, then 4xx/5xx families; any
    other status (a 3xx redirect, which is never followed) is a plain :class:`APIError`."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 400 <= status < 500:
        return ClientError
    if status >= 500:
        return ServerError
    return APIError

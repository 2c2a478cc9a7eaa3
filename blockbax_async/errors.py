"""Errors raised by blockbax_async.

The class tree:

```text
BlockbaxError
├── ValidationError (also ValueError)   bad input, caught before anything is sent
├── ClientStateError                    the client was used after close or from another loop
├── QueueFullError                      the measurement queue is at its bound
├── TransportError                      no answer came: connection failure or timeout
│   ├── ConnectError                    no connection could be opened: nothing was sent
│   └── TimeoutError                    no answer in time
└── APIError(status, message, body)     the server answered with an error
    ├── ClientError                     4xx: the request was wrong
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── ConflictError               409
    │   ├── UnprocessableEntityError    422
    │   └── RateLimitError              429
    └── ServerError                     5xx: the platform failed
        └── InternalServerError         500
```
"""

from __future__ import annotations

import datetime
from typing import Any

from ._response import Response

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BlockbaxError",
    "ClientStateError",
    "ClientError",
    "ConflictError",
    "ConnectError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "TransportError",
    "UnprocessableEntityError",
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
    """The measurement queue holds its maximum; flush, or use `await measurements.put()`."""


class TransportError(BlockbaxError):
    """No answer came from the server: the connection failed or the request timed out.

    `outcome_unknown` is true when the request was a create that may have been stored
    (sent, then no answer): it was not sent again, so that it leaves no duplicate.
    """

    outcome_unknown: bool = False


class ConnectError(TransportError):
    """No connection to the server could be opened: nothing was sent."""


class TimeoutError(TransportError):
    """No answer came within the timeout (or the call's retry deadline)."""


class APIError(BlockbaxError):
    """The server answered with an error status, or with a body that cannot be understood.

    `status` is the HTTP status, `message` the server's message (or a description of the
    fault), `body` the parsed JSON body (or the raw text when it was not JSON), and
    `details` the server's detailed messages when it gave any. `response` is the answer
    itself (`status_code`, `headers`, `content`), `None` when nothing was sent
    (a rate-limit wait that would outlast the call). `url` is the request's full URL
    (without the access token, which goes in a header).
    """

    def __init__(
        self,
        status: int,
        message: str,
        body: Any = None,
        *,
        method: str | None = None,
        path: str | None = None,
        url: str | None = None,
        response: Response | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.body = body
        self.method = method
        self.path = path
        self.url = url
        self.response = response
        super().__init__(status, message)

    @property
    def details(self) -> list[Any]:
        """The server's detail list (`details` or `detailedMessages`), empty when absent."""
        if isinstance(self.body, dict):
            for key in ("details", "detailedMessages", "errors"):
                value = self.body.get(key)
                if isinstance(value, list):
                    return value
        return []

    def __str__(self) -> str:
        target = self.path or self.url
        where = f" ({self.method} {target})" if self.method and target else ""
        details = f"; details: {self.details}" if self.details else ""
        return f"HTTP {self.status}{where}: {self.message}{details}"


class ClientError(APIError):
    """A 4xx answer: the request was wrong and is not retried (but for 429)."""


class ServerError(APIError):
    """A 5xx answer: the platform failed."""


class BadRequestError(ClientError):
    """400: the server refused the request as malformed or invalid; `details` says why."""


class AuthenticationError(ClientError):
    """401: the access token is missing, wrong or revoked."""


class PermissionDeniedError(ClientError):
    """403: the access token may not do this."""


class NotFoundError(ClientError):
    """404: no such resource."""


class ConflictError(ClientError):
    """409: the request conflicts with what is stored (an external ID already taken)."""


class UnprocessableEntityError(ClientError):
    """422: the request was understood but its content refused."""


class RateLimitError(ClientError):
    """429: the rate limit was exceeded and retries did not get past it.

    `retry_after` is the wait in seconds the server asked for, when it said. `limit`,
    `remaining` and `reset_time_remaining` (a `datetime.timedelta`) are what the
    answer's `X-RateLimit-*` headers said, as in the official SDK; `None` when absent.
    """

    retry_after: float | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_time_remaining: datetime.timedelta | None = None


class InternalServerError(ServerError):
    """500: the platform failed while handling the request (see `docs/errors.md` for
    when it is retried)."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
}


def error_for_status(status: int) -> type[APIError]:
    """The error class for an HTTP status: exact matches first, then 4xx/5xx families; any
    other status (a 3xx redirect, which is never followed) is a plain
    [`APIError`][blockbax_async.errors.APIError]."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 400 <= status < 500:
        return ClientError
    if status >= 500:
        return ServerError
    return APIError

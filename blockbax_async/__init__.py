"""An asyncio SDK for the Blockbax IoT platform; a blocking layer lives in `.sync`."""

import logging
import os

from ._client import AsyncClient
from ._config import ClientConfig
from ._hooks import Attempt, Hooks, Operation
from ._logging import configure_from_env
from ._pagination import CursorPaginator, Page, Paginator
from ._response import RawResponse, Response
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BlockbaxError,
    ClientError,
    ClientStateError,
    ConflictError,
    ConnectError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    QueueFullError,
    RateLimitError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
    ValidationError,
)
from .ingest import (
    BatchFailure,
    FlushResult,
    IngestSettings,
    IngestStats,
    QueuedMeasurement,
    Rejection,
    RejectReason,
)

__all__ = [
    "APIError",
    "AsyncClient",
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "BatchFailure",
    "BlockbaxError",
    "ClientConfig",
    "ClientError",
    "ClientStateError",
    "ConflictError",
    "ConnectError",
    "CursorPaginator",
    "FlushResult",
    "Hooks",
    "IngestSettings",
    "IngestStats",
    "InternalServerError",
    "NotFoundError",
    "Operation",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "QueuedMeasurement",
    "QueueFullError",
    "RateLimitError",
    "RawResponse",
    "RejectReason",
    "Rejection",
    "Response",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "__version__",
]

logging.getLogger("blockbax_async").addHandler(logging.NullHandler())
configure_from_env(os.environ)

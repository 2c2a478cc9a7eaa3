"""An asyncio SDK for the Blockbax IoT platform; a blocking layer lives in ``.sync``."""

import logging

from ._batches import QueuedMeasurement, Rejection, RejectReason
from ._client import AsyncClient
from ._config import ClientConfig
from ._ingest import BatchFailure, FlushResult, IngestSettings, IngestStats
from ._pagination import CursorPaginator, Page, Paginator
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    BlockbaxError,
    ClientError,
    ClientStateError,
    NotFoundError,
    PermissionDeniedError,
    QueueFullError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)

__all__ = [
    "APIError",
    "AsyncClient",
    "AuthenticationError",
    "BatchFailure",
    "BlockbaxError",
    "ClientConfig",
    "ClientError",
    "ClientStateError",
    "CursorPaginator",
    "FlushResult",
    "IngestSettings",
    "IngestStats",
    "NotFoundError",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "QueuedMeasurement",
    "QueueFullError",
    "RateLimitError",
    "RejectReason",
    "Rejection",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "ValidationError",
    "__version__",
]

logging.getLogger("blockbax_async").addHandler(logging.NullHandler())

"""The public surface, pinned: other code relies on these names (DESIGN.md)."""

from __future__ import annotations

import blockbax_async
from blockbax_async import AsyncClient, errors, sync

EXPORTED = {
    "APIError", "AsyncClient", "Attempt", "AuthenticationError", "BadRequestError",
    "BatchFailure", "BlockbaxError", "ClientConfig", "ClientError", "ClientStateError",
    "ConflictError", "ConnectError", "CursorPaginator", "FlushResult", "Hooks",
    "IngestSettings", "IngestStats", "InternalServerError", "NotFoundError", "Operation", "Page",
    "Paginator", "PermissionDeniedError", "QueueFullError", "QueuedMeasurement",
    "RateLimitError", "RawResponse", "RejectReason", "Rejection", "Response", "RetryPolicy",
    "ServerError", "TransportError", "UnprocessableEntityError", "ValidationError",
    "__version__",
}  # fmt: skip

NAMESPACES = {
    "project", "property_types", "subject_types", "subjects", "metrics", "event_triggers",
    "webhooks", "events", "alarms", "measurements",
}  # fmt: skip


def test_exported_members() -> None:
    assert set(blockbax_async.__all__) == EXPORTED
    for name in EXPORTED:
        assert getattr(blockbax_async, name) is not None


def test_namespaces_of_both_clients() -> None:
    client = AsyncClient("p", "t")
    assert NAMESPACES <= set(vars(client))
    assert {"Client", "HttpClient"} <= set(sync.__all__)


def test_error_tree() -> None:
    assert issubclass(errors.ValidationError, ValueError)
    for cls in (errors.BadRequestError, errors.AuthenticationError, errors.PermissionDeniedError,
                errors.NotFoundError, errors.ConflictError, errors.UnprocessableEntityError,
                errors.RateLimitError):  # fmt: skip
        assert issubclass(cls, errors.ClientError)
    assert issubclass(errors.InternalServerError, errors.ServerError)
    assert issubclass(errors.ConnectError, errors.TransportError)
    assert issubclass(errors.TimeoutError, errors.TransportError)
    assert issubclass(errors.ClientError, errors.APIError)
    assert issubclass(errors.ServerError, errors.APIError)
    assert not issubclass(errors.TransportError, errors.APIError)

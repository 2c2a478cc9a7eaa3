"""Client options: one frozen class, the access token kept out of ``repr``."""

from __future__ import annotations

import ssl as _ssl

import attrs

from ._retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "ClientConfig"]

DEFAULT_BASE_URL = "https://api.blockbax.com"


def _root(url: str) -> str:
    return str(url).rstrip("/")


@attrs.frozen
class ClientConfig:
    """Everything an :class:`~blockbax_async.AsyncClient` is configured with.

    ``timeout`` bounds one attempt of a request (seconds, connect included);
    ``connect_timeout`` bounds opening a connection; ``rate_limit`` turns the pacing
    limiter on or off; ``ssl`` is ``True`` (verify with the system's CAs), an
    :class:`ssl.SSLContext`, or ``False`` to skip verification (never in production).
    """

    project_id: str
    access_token: str = attrs.field(repr=False)
    base_url: str = attrs.field(default=DEFAULT_BASE_URL, converter=_root)
    timeout: float = 30.0
    connect_timeout: float = 10.0
    retry: RetryPolicy = attrs.Factory(RetryPolicy)
    rate_limit: bool = True
    ssl: _ssl.SSLContext | bool = True
    connection_limit: int = 100

    @property
    def api_root(self) -> str:
        """The URL every request path is appended to."""
        return f"{self.base_url}/v1/projects/{self.project_id}"

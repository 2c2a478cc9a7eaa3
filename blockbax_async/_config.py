"""Client options: one frozen class, the access token kept out of `repr`.

Each option is checked where it is declared (an attrs validator), so that a wrong type or
range raises [`ValidationError`][blockbax_async.errors.ValidationError] naming the option and value.
"""

from __future__ import annotations

import ipaddress
import ssl as _ssl
import uuid
from typing import Any
from urllib.parse import urlsplit

import attrs

from ._checks import (
    check_bool,
    check_instance,
    check_int,
    check_number,
    check_str,
    check_url,
    validator,
)
from ._retry import RetryPolicy
from .errors import ValidationError

__all__ = ["DEFAULT_BASE_URL", "ClientConfig", "check_base_url", "is_loopback"]

DEFAULT_BASE_URL = "https://api.blockbax.com"


def _root(url: Any) -> Any:
    return url.rstrip("/") if isinstance(url, str) else url  # other types: the check says so


def _project_id(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def check_project_id(field: str, value: Any) -> str:
    """A project id: a non-empty `str` that fits in a URL path as it is."""
    project_id = check_str(field, value)
    if not project_id or not all(c.isalnum() or c in "-_" for c in project_id):
        raise ValidationError(f"{field}: {project_id!r} is not a project id")
    return project_id


def check_base_url(field: str, value: Any) -> str:
    """The server root: `http(s)://host[:port][/prefix]`, without the API's
    `/v1/projects/...` (the client appends it), a query or a fragment."""
    url = check_str(field, value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        hint = f"; did you mean 'https://{url}'?" if "://" not in url and url else ""
        raise ValidationError(f"{field}: {url!r} is not an http(s):// URL{hint}")
    if "/v1/" in f"{parts.path}/" or parts.path.rstrip("/").endswith("/v1"):
        root = f"{parts.scheme}://{parts.netloc}{parts.path.split('/v1', 1)[0]}"
        raise ValidationError(
            f"{field}: {url!r} holds the API path; give the server root ({root!r}) and pass "
            "project_id: the client appends /v1/projects/{project_id} itself"
        )
    if parts.query or parts.fragment:
        raise ValidationError(f"{field}: {url!r}: a server root has no query or fragment")
    return check_url(field, url)


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine (`localhost`, `127.0.0.0/8`, `::1`)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_token(field: str, value: Any) -> str:
    """An access token: a non-empty printable ASCII `str`. The message never shows it."""
    if not isinstance(value, str):
        raise ValidationError(f"{field}: a {type(value).__name__} is not a string")
    if not value or not value.isascii() or not value.isprintable() or " " in value:
        raise ValidationError(f"{field}: not a token (empty, or holding spaces or non-ASCII)")
    return value


@attrs.frozen
class ClientConfig:
    """Everything an [`AsyncClient`][blockbax_async.AsyncClient] is configured with.

    `timeout` bounds one attempt of a request (seconds, connect included);
    `connect_timeout` bounds opening a connection; `rate_limit` turns the pacing
    limiter on or off; `ssl` is `True` (verify with the system's CAs), an
    `ssl.SSLContext`, or `False` to skip verification (never in production).
    """

    project_id: str = attrs.field(converter=_project_id, validator=validator(check_project_id))
    access_token: str = attrs.field(repr=False, validator=validator(check_token))
    base_url: str = attrs.field(
        default=DEFAULT_BASE_URL, converter=_root, validator=validator(check_base_url)
    )
    timeout: float = attrs.field(default=30.0, validator=validator(check_number, above=0))
    connect_timeout: float = attrs.field(default=10.0, validator=validator(check_number, above=0))
    retry: RetryPolicy = attrs.field(
        factory=RetryPolicy,
        validator=validator(check_instance, types=RetryPolicy, what="a RetryPolicy"),
    )
    rate_limit: bool = attrs.field(default=True, validator=validator(check_bool))
    ssl: _ssl.SSLContext | bool = attrs.field(
        default=True,
        validator=validator(
            check_instance, types=(_ssl.SSLContext, bool), what="an ssl.SSLContext, True or False"
        ),
    )
    connection_limit: int = attrs.field(default=100, validator=validator(check_int, minimum=1))

    @property
    def api_root(self) -> str:
        """The URL every request path is appended to."""
        return f"{self.base_url}/v1/projects/{self.project_id}"

"""Credentials from options or the environment, and a client that has shown it can reach
the project before a command starts its work."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import attrs

from .. import AsyncClient
from ..errors import ValidationError

__all__ = ["DEFAULT_BASE_URL", "Credentials", "connected", "credentials"]

DEFAULT_BASE_URL = "https://api.blockbax.com"
_OPTIONS = (
    ("base_url", "--base-url", "BLOCKBAX_BASE_URL"),
    ("project_id", "--project-id", "BLOCKBAX_PROJECT_ID"),
    ("access_token", "--access-token", "BLOCKBAX_ACCESS_TOKEN"),
)


@attrs.frozen
class Credentials:
    """Where and as whom to connect (the token kept out of `repr`)."""

    base_url: str
    project_id: str
    access_token: str = attrs.field(repr=False)

    def client(self, **options: Any) -> AsyncClient:
        """A client with these credentials and `options`."""
        return AsyncClient(self.project_id, self.access_token, base_url=self.base_url, **options)


def credentials(args: argparse.Namespace) -> Credentials:
    """`base_url`, `project_id` and `access_token` from the options, else from the
    environment; a missing one is named by its option and variable."""
    found = {}
    for field, option, variable in _OPTIONS:
        value = getattr(args, field, None) or os.environ.get(variable)
        if field == "base_url":
            value = value or DEFAULT_BASE_URL
        if not value:
            raise ValidationError(f"{option}: not given, and {variable} is not set")
        found[field] = value
    return Credentials(**found)


@contextlib.asynccontextmanager
async def connected(args: argparse.Namespace, **options: Any) -> AsyncIterator[AsyncClient]:
    """A client on the project of `args`, after one quick request has shown that the
    server answers and takes the token (so that a fatal failure is told before any work)."""
    given = credentials(args)
    async with given.client(max_retries=1, retry_deadline=10.0) as probe:
        await probe.project.get()
    async with given.client(**options) as client:
        yield client

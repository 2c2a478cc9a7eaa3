"""The project the client is bound to."""

from __future__ import annotations

from ..models import Project
from ._base import Resource

__all__ = ["ProjectResource"]


class ProjectResource(Resource):
    """``client.project``: read the project."""

    async def get(self) -> Project:
        """The project's name, description, time zone and dates."""
        return await self._call("GET", "", Project)

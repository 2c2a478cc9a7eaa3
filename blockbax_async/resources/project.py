"""The project the client is bound to."""

from __future__ import annotations

from ..models import Project
from ._base import Resource
from ._raw import RawNamespace, raw

__all__ = ["ProjectResource", "ProjectWithRawResponse"]


class ProjectResource(Resource):
    """`client.project`: read the project."""

    @property
    def with_raw_response(self) -> ProjectWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return ProjectWithRawResponse(self)

    async def get(self) -> Project:
        """The project's name, description, time zone and dates."""
        return await self._call("GET", "", Project)


class ProjectWithRawResponse(RawNamespace[ProjectResource]):
    """`client.project.with_raw_response`."""

    get = raw(ProjectResource.get)

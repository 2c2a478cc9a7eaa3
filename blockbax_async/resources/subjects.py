"""Subjects: `/subjects`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, overload

from .._pagination import Paginator
from .._vocabulary import SUBJECT_IDS_MODES
from ..models import IngestionId, Subject, SubjectProperty
from ..types import SubjectIdsMode
from ._base import (
    CrudResource,
    Id,
    Ids,
    PropertyValueIds,
    check_ids,
    check_str,
    one_of,
    optional,
    optional_id,
    property_value_expression,
    required,
    required_id,
)
from ._raw import RawNamespace, raw, raw_page

__all__ = ["SubjectsResource", "SubjectsWithRawResponse"]


class SubjectsResource(CrudResource[Subject]):
    """`client.subjects`: get, list, create, update and delete subjects."""

    path = "/subjects"
    model = Subject
    unique_key: ClassVar[Mapping[str, str]] = {"external_id": "externalId"}
    required_fields = (
        "name",
        "subject_type_id",
        "external_id",
        "ingestion_ids[].metric_id",
        "properties[].type_id",
    )

    def list(
        self,
        *,
        name: str | None = None,
        external_id: str | None = None,
        subject_ids: Ids = None,
        subject_ids_mode: SubjectIdsMode | None = None,
        subject_type_ids: Ids = None,
        property_value_ids: PropertyValueIds = None,
        limit: int | None = None,
        page_size: int = 200,
    ) -> Paginator[Subject]:
        """Subjects matching every filter given.

        `subject_ids_mode` says how `subject_ids` apply: `SELF` (those subjects, the
        default), `CHILDREN` (their direct children) or `ALL` (them and everything below
        them). `property_value_ids` is a list of what must all hold, each an id or a list of
        alternatives: `[[a, b], c]` is (a or b) and c.
        """
        params = {
            "name": optional(check_str, "name", name),
            "externalId": optional(check_str, "external_id", external_id),
            "subjectIds": check_ids("subject_ids", subject_ids),
            "subjectIdsMode": one_of("subject_ids_mode", subject_ids_mode, SUBJECT_IDS_MODES),
            "subjectTypeIds": check_ids("subject_type_ids", subject_type_ids),
            "propertyValueIds": property_value_expression("property_value_ids", property_value_ids),
        }
        return self._search(params, limit, page_size)

    @property
    def with_raw_response(self) -> SubjectsWithRawResponse:
        """The same calls, answering with the HTTP response (`.parse()` for the model)."""
        return SubjectsWithRawResponse(self)

    @overload
    async def create(self, item: Subject | Mapping[str, Any]) -> Subject: ...
    @overload
    async def create(
        self,
        *,
        name: str,
        subject_type_id: Id | None,
        external_id: str,
        parent_subject_id: Id | None = None,
        ingestion_ids: Sequence[IngestionId | Mapping[str, Any]] | Mapping[Id, str] = (),
        properties: Sequence[SubjectProperty | Mapping[str, Any]] = (),
    ) -> Subject: ...
    async def create(
        self,
        item: Subject | Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        subject_type_id: Id | None = None,
        external_id: str | None = None,
        parent_subject_id: Id | None = None,
        ingestion_ids: Sequence[IngestionId | Mapping[str, Any]] | Mapping[Id, str] = (),
        properties: Sequence[SubjectProperty | Mapping[str, Any]] = (),
    ) -> Subject:
        """Create a subject from a model or from keywords; returns the stored one.

        The server derives the ingestion ID (`<subject external id>$<metric external id>`)
        of every metric not named in `ingestion_ids`; a mapping ``{metric_id:
        ingestion_id}` gives custom ones. `properties` and `ingestion_ids`` take models
        or mappings (`[{"type_id": ..., "text": "HQ"}]`).
        """
        if item is None:
            if isinstance(ingestion_ids, Mapping):
                ingestion_ids = [
                    {
                        "metric_id": optional_id("ingestion_ids", metric),
                        "derive_ingestion_id": False,
                        "ingestion_id": given,
                    }
                    for metric, given in ingestion_ids.items()
                ]
            item = self._from_keywords(
                name=required("name", name),
                subject_type_id=required_id("subject_type_id", subject_type_id),
                external_id=required("external_id", external_id),
                parent_subject_id=optional_id("parent_subject_id", parent_subject_id),
                ingestion_ids=ingestion_ids,
                properties=properties,
            )
        return await self._create(self._input(item))

    def _check(self, item: Subject, *, creating: bool) -> None:
        super()._check(item, creating=creating)
        for index, entry in enumerate(item.ingestion_ids):
            if not entry.derive_ingestion_id:
                required(f"ingestion_ids[{index}].ingestion_id", entry.ingestion_id)


class SubjectsWithRawResponse(RawNamespace[SubjectsResource]):
    """`client.subjects.with_raw_response`."""

    get = raw(SubjectsResource.get)
    list = raw_page(SubjectsResource.list)
    create = raw(SubjectsResource.create)
    update = raw(SubjectsResource.update)
    delete = raw(SubjectsResource.delete)

"""What the project holds, learnt once per command: the metric (and so the data type) behind
each ingestion ID, to check rows before they are sent and to find series by external ID."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import attrs

from .. import AsyncClient
from ..errors import ValidationError
from ..ingest._values import check_value, to_epoch_ms
from ..models import Metric, Subject
from ._files import BadRow, Record
from ._messages import cli_speak

__all__ = ["UNKNOWN", "WRONG_TYPE", "Catalog", "Target", "checked", "measurement"]

UNKNOWN = "unknown ingestion ID"
WRONG_TYPE = "wrong type for the metric"
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


@attrs.frozen
class Target:
    """The metric behind an ingestion ID: its `data_type` (`None`: not known here, the
    server checks) and a `name` to show."""

    data_type: str | None
    name: str


@attrs.define
class Catalog:
    """Subjects and metrics of the project, with ingestion IDs and metric external IDs as
    keys."""

    subjects: list[Subject]
    metrics: list[Metric]
    targets: dict[str, Target] = attrs.field(init=False)
    by_external_id: dict[str, list[Metric]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str | None, Metric] = {metric.id: metric for metric in self.metrics}
        self.by_external_id = {}
        for metric in self.metrics:
            if metric.external_id:
                self.by_external_id.setdefault(metric.external_id, []).append(metric)
        self.targets = {}
        for subject in self.subjects:
            for entry in subject.ingestion_ids:
                found = by_id.get(entry.metric_id)
                if found is None or found.type != "INGESTED":
                    continue
                ingestion_id = entry.ingestion_id or f"{subject.external_id}${found.external_id}"
                self.targets[ingestion_id] = Target(found.data_type, found.name)

    @classmethod
    async def load(cls, client: AsyncClient) -> Catalog:
        """Every subject and metric of the project behind `client`."""
        subjects, metrics = await asyncio.gather(
            client.subjects.list().collect(),
            client.metrics.list().collect(),
        )
        return cls(subjects, metrics)

    def target(self, ingestion_id: str, create_subjects: bool) -> Target | str:
        """The metric behind `ingestion_id`, or why it cannot take measurements. With
        `create_subjects`, an unknown `<subject>$<metric external ID>` is let through
        when the metric exists (the subject is created when the server names it)."""
        found = self.targets.get(ingestion_id)
        if found is not None:
            return found
        if not create_subjects:
            return "no subject has this ingestion ID"
        subject, _, metric = ingestion_id.partition("$")
        metrics = self.by_external_id.get(metric, []) if subject else []
        if not metrics:
            return f"no metric has the external ID {metric!r}, so no subject can be made for it"
        types = {m.data_type for m in metrics}
        return Target(types.pop() if len(types) == 1 else None, metrics[0].name)

    def subject_ids(self, key: str) -> list[str]:
        """Ids of the subjects whose id or external ID is `key`."""
        return [s.id or "" for s in self.subjects if key in (s.id, s.external_id)]

    def metric_ids(self, key: str) -> list[str]:
        """Ids of the metrics whose id or external ID is `key`."""
        return [m.id or "" for m in self.metrics if key in (m.id, m.external_id)]

    def series_of(self, ingestion_id: str) -> tuple[str, str] | None:
        """`(subject id, metric id)` of an ingestion ID, when a subject has it."""
        by_id = {metric.id: metric for metric in self.metrics}
        for subject in self.subjects:
            for entry in subject.ingestion_ids:
                metric = by_id.get(entry.metric_id)
                derived = f"{subject.external_id}${metric.external_id if metric else ''}"
                if ingestion_id in (entry.ingestion_id, derived):
                    return subject.id or "", entry.metric_id
        return None


def measurement(record: Record, target: Target, delimiter: str | None) -> dict[str, Any] | BadRow:
    """The keywords of `measurements.put()` for `record`, read by the data type of its
    metric, or the row refused with a reason."""
    kind, value, data_type = record.kind, record.value, target.data_type
    if kind == "value" and isinstance(record.raw, list):  # a CSV cell: read by the data type
        number = _number(value, delimiter) if data_type != "TEXT" else None
        kind, value = ("text", value) if number is None else ("number", number)
    elif kind == "value":
        kind = _json_kind(value)
    expected = {"number": "NUMBER", "text": "TEXT", "location": "LOCATION"}.get(kind)
    if expected is None:
        return _bad(record, "bad value", f"value: {value!r} is not a number, text or location")
    if data_type is not None and expected != data_type:
        shown = value if kind != "text" else repr(value)
        message = (
            f"{expected.lower()} {shown} for {record.ingestion_id!r}, "
            f"whose metric {target.name!r} takes {data_type}"
        )
        return _bad(record, WRONG_TYPE, message)
    return {kind: value, "date": record.date}


def _number(text: str, delimiter: str | None) -> float | None:
    """`text` as a number, `21,5` too in files whose columns are not split by commas."""
    if delimiter != "," and _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "location"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return "unknown"


def _bad(record: Record, reason: str, message: str) -> BadRow:
    return BadRow(record.line, reason, message, record.raw, record.ingestion_id)


def checked(record: Record, values: dict[str, Any]) -> dict[str, Any] | BadRow:
    """`values` when the SDK's checks (those of `measurements.put()`) pass, else the row
    refused with their message said for a file; run in `--dry-run` too."""
    try:
        if values["date"] is not None:
            to_epoch_ms(values["date"], record.ingestion_id)
        check_value(
            record.ingestion_id, values.get("number"), values.get("location"), values.get("text")
        )
    except ValidationError as error:
        message = cli_speak(str(error))
        reason = "bad date" if message.startswith("date") else "bad value"
        return _bad(record, reason, message)
    return values

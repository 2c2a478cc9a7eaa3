"""The refusal report of `ingest`: refused measurements grouped by reason, each group with
its count, at most ten ingestion IDs (or lines) and what to do about it."""

from __future__ import annotations

from itertools import islice

import attrs

from .. import FlushResult, RejectReason
from ._catalog import UNKNOWN, WRONG_TYPE
from ._files import BadRow

__all__ = ["EXAMPLES", "Group", "Refusals"]

EXAMPLES = 10
BATCH_REFUSED = "batch refused by the server"
NOT_DELIVERED = "not delivered"

_FIX_ROWS = "--errors-file F writes these rows with their line and reason, to fix and send again"
HINTS = {
    UNKNOWN: "create the subjects first, or run again with --create-subjects "
    "(for IDs <subject external ID>$<metric external ID>); "
    "`blockbax-async export subjects` lists the subjects and their ingestion IDs",
    WRONG_TYPE: "`blockbax-async export metrics` lists each metric's data type",
    "bad date": "write ISO 8601 with an offset (2026-01-01T00:00:00Z) or epoch milliseconds",
    "bad value": _FIX_ROWS,
    "no value": _FIX_ROWS,
    "no ingestion ID": _FIX_ROWS,
    "unreadable line": _FIX_ROWS,
    "unreadable header": "the first line must name the columns: ingestion_id,date,value",
    "value refused by the server": "`blockbax-async export metrics` lists each metric's data type",
    "not confirmed by the server": "the server did not say what became of these; send them again",
    BATCH_REFUSED: "the server refused whole batches; --errors-file F writes their measurements",
    NOT_DELIVERED: "sending the file again is safe: the API keeps one value per ID and date",
}
_SERVER_REASONS = {
    RejectReason.UNKNOWN_INGESTION_ID: UNKNOWN,
    RejectReason.INVALID_VALUE: "value refused by the server",
    RejectReason.OTHER: "not confirmed by the server",
}


@attrs.frozen
class Group:
    """One reason: how many measurements, up to `EXAMPLES` ingestion IDs (or lines),
    how many more there are, and a hint."""

    reason: str
    count: int
    examples: list[str]
    more: int
    hint: str


@attrs.define
class _Tally:
    count: int = 0
    keys: dict[str, None] = attrs.Factory(dict)


@attrs.define
class Refusals:
    """Refused measurements as they come (rows, server rejections, failed batches)."""

    by_reason: dict[str, _Tally] = attrs.Factory(dict)
    truncated: dict[str, None] = attrs.Factory(dict)

    def add(self, reason: str, key: str, count: int = 1) -> None:
        """Count `count` measurements refused for `reason`, of `key` (an ingestion ID,
        or `line N` for a row without one)."""
        tally = self.by_reason.setdefault(reason, _Tally())
        tally.count += count
        tally.keys.setdefault(key, None)

    def add_row(self, row: BadRow) -> None:
        """A row refused before sending."""
        self.add(row.reason, row.ingestion_id or f"line {row.line}")

    def add_result(self, result: FlushResult) -> None:
        """What the server refused in one flush: 207 rejections and refused batches.
        Truncated values were stored: they are noted, not counted as refused."""
        for rejection in result.rejected.values():
            if rejection.reason is RejectReason.TRUNCATED:
                self.truncated.setdefault(rejection.ingestion_id, None)
            else:
                reason = _SERVER_REASONS[rejection.reason]
                self.add(reason, rejection.ingestion_id, rejection.sent)
        for failure in result.failures:
            if not failure.kept:
                for index, ingestion_id in enumerate(failure.ingestion_ids):
                    self.add(BATCH_REFUSED, ingestion_id, failure.count if index == 0 else 0)

    @property
    def total(self) -> int:
        """Refused measurements in all."""
        return sum(tally.count for tally in self.by_reason.values())

    def groups(self) -> list[Group]:
        """The reasons, most measurements first."""
        return sorted(
            (_group(reason, tally) for reason, tally in self.by_reason.items()),
            key=lambda group: (-group.count, group.reason),
        )


def _group(reason: str, tally: _Tally) -> Group:
    examples = list(islice(tally.keys, EXAMPLES))
    return Group(reason, tally.count, examples, len(tally.keys) - len(examples), HINTS[reason])

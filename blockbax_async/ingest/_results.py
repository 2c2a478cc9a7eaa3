"""What ingestion reports: a flush's [`FlushResult`][blockbax_async.FlushResult], its failed
batches, and the counters of [`IngestStats`][blockbax_async.IngestStats]."""

from __future__ import annotations

import attrs

from ..errors import BlockbaxError
from ._batches import SEVERITY, QueuedMeasurement, Rejection, RejectReason

__all__ = ["MAX_FAILURES_KEPT", "BatchFailure", "FlushResult", "IngestStats"]

MAX_FAILURES_KEPT = 100


@attrs.define
class BatchFailure:
    """A batch that failed after its retries.

    `kept`: the measurements are still queued, at the front of their lane, and the next
    flush sends them again (network failures, 5xx, 401/403). Otherwise the server refused
    the batch itself (400, 413, 422), or its body could not be built (a `ValidationError`):
    the measurements were taken out of the queue and are handed back in `measurements`, so
    that one bad batch cannot block its lane.
    """

    error: BlockbaxError
    count: int
    ingestion_ids: list[str]
    kept: bool
    measurements: list[QueuedMeasurement] = attrs.Factory(list)


@attrs.define
class FlushResult:
    """What a flush did.

    `accepted` counts the measurements the server ingested, each once also when its batch
    was sent again; `requests` and `retries` count POSTs; `rejected` maps ingestion
    IDs the server named in 207 answers to their [`Rejection`][blockbax_async.Rejection];
    `failures` lists batches that failed after their retries (the first 100) and `undelivered`
    counts their measurements; `pending` is what was still queued when the flush ended (failed
    batches included); `timed_out` tells that the flush was cut short by its timeout;
    `created_subjects` names the subjects made with `create_subjects`;
    `unconfirmed` counts measurements the server's answers neither counted as ingested
    nor named (their IDs are in `rejected` with reason `OTHER`).
    """

    accepted: int = 0
    requests: int = 0
    retries: int = 0
    rejected: dict[str, Rejection] = attrs.Factory(dict)
    failures: list[BatchFailure] = attrs.Factory(list)
    pending: int = 0
    timed_out: bool = False
    created_subjects: list[str] = attrs.Factory(list)
    undelivered: int = 0
    unconfirmed: int = 0

    @property
    def ok(self) -> bool:
        """No batch failed, nothing was rejected or left unconfirmed, and the flush was not
        cut short."""
        return not (self.failures or self.rejected or self.timed_out or self.unconfirmed)

    def rejected_ids(self, reason: RejectReason | None = None) -> list[str]:
        """The rejected ingestion IDs, all or those of one `reason`."""
        return [i for i, r in self.rejected.items() if reason is None or r.reason is reason]

    def raise_for_failures(self) -> None:
        """Raise the error of the first failed batch, if any batch failed."""
        if self.failures:
            raise self.failures[0].error

    def _reject(self, rejection: Rejection) -> None:
        old = self.rejected.get(rejection.ingestion_id)
        if old is not None:
            if SEVERITY[old.reason] > SEVERITY[rejection.reason]:
                rejection = attrs.evolve(old, sent=old.sent + rejection.sent)
            else:
                rejection = attrs.evolve(rejection, sent=old.sent + rejection.sent)
        self.rejected[rejection.ingestion_id] = rejection

    def _fail(self, failure: BatchFailure) -> None:
        self.undelivered += failure.count
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(failure)

    def _then(self, later: FlushResult) -> None:
        """Add a later flush of what this one left queued: a batch this one kept counts as
        failed only when the later flush failed it again."""
        kept = sum(f.count for f in self.failures if f.kept)
        failures = [f for f in self.failures if not f.kept] + later.failures
        self.failures = failures[:MAX_FAILURES_KEPT]
        self.undelivered += later.undelivered - kept
        for rejection in later.rejected.values():
            self._reject(rejection)
        self.accepted += later.accepted
        self.requests += later.requests
        self.retries += later.retries
        self.unconfirmed += later.unconfirmed
        self.created_subjects += later.created_subjects
        self.pending, self.timed_out = later.pending, later.timed_out


@attrs.frozen
class IngestStats:
    """Counters to export (the loss ledger).

    Now: `queued` and `in_flight`, the measurements waiting and being sent, and
    `oldest_pending_age`, the seconds since the oldest of them was queued (0.0 when none;
    to within the time it took to queue a batch). Since the client was made, by outcome:
    `sent` (ingested by the server, `truncated` ones included), `truncated` (stored,
    rounded or cut), `refused_unknown_id`, `refused_invalid_value` and `refused_other`
    (sent, not ingested: by the reason the server gave), `refused_at_queue` (refused by
    `queue()`, `put()` or `queue_many()` before anything was sent) and `handed_back`
    (in batches the server refused as a whole, or whose body could not be built, handed back
    in `measurements`). And `rejected` (sent, not ingested, all reasons),
    `retried` (POSTs sent again), `requests` and `failed_batches`.
    """

    queued: int
    in_flight: int
    sent: int
    rejected: int
    retried: int
    requests: int
    failed_batches: int
    truncated: int = 0
    refused_unknown_id: int = 0
    refused_invalid_value: int = 0
    refused_other: int = 0
    refused_at_queue: int = 0
    handed_back: int = 0
    oldest_pending_age: float = 0.0

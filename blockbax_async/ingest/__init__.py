"""Measurement ingestion: a compact queue sharded over lanes, sent in batches of at most 500,
with delivery receipts, an optional store-and-forward spool on disk, and a loss ledger.

One module per concern: `_values` (what the API takes), `_batches` (batches and answers,
pure), `_lanes` (a lane and its seqs), `_queue` (the one check and admission),
`_sender` (flushing), `_background` (background mode, `put()`), `_receipts`,
`_spool`, `_subjects` (auto-creation), `_results` and `_settings`; `_ingestor`
puts them together as `client.measurements`.
"""

from ._batches import QueuedMeasurement as QueuedMeasurement
from ._batches import Rejection as Rejection
from ._batches import RejectReason as RejectReason
from ._ingestor import Ingestor as Ingestor
from ._receipts import Receipt as Receipt
from ._receipts import Refusal as Refusal
from ._results import BatchFailure as BatchFailure
from ._results import FlushResult as FlushResult
from ._results import IngestStats as IngestStats
from ._settings import IngestSettings as IngestSettings

__all__ = [
    "BatchFailure",
    "FlushResult",
    "IngestSettings",
    "IngestStats",
    "Ingestor",
    "QueuedMeasurement",
    "Receipt",
    "Refusal",
    "RejectReason",
    "Rejection",
]

"""What the bridge needs from a log: deliveries in order per key, and ways to settle them.

A source hands out `Delivery` objects whose order the bridge keeps per `key` (the
NATS subject; a Kafka adapter would use the partition). It owns everything specific to its log:
connecting, sharing the work between bridges, redelivery, dead-letter publishing. The bridge
owns parsing, queueing, receipts and when to settle. A Kafka consumer-group adapter is a module
beside `_jetstream.py` implementing `Source`: the group coordinator assigns partitions,
`ack` marks an offset done (the adapter commits the contiguous prefix), `dead_letter`
produces to a dead-letter topic and then counts as done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..errors import BlockbaxError

__all__ = ["BridgeError", "Delivery", "Source", "SourceStats"]


class BridgeError(BlockbaxError):
    """The log refused or failed what the bridge needs (connecting, setting up, publishing)."""


class Delivery(Protocol):
    """One message of the log, delivered to this bridge and not settled yet."""

    @property
    def data(self) -> bytes:
        """The message body."""

    @property
    def key(self) -> str:
        """What order is kept by: deliveries of one key are handed out in the log's order."""

    @property
    def stored_ms(self) -> int:
        """When the log stored the message (epoch milliseconds): the date of a measurement
        that has none, the same at every redelivery."""

    async def ack(self) -> None:
        """Done: the log must not deliver it again."""

    async def dead_letter(self, reason: str) -> None:
        """Never deliverable: park it with `reason` where people can look, then settle it."""


class SourceStats(Protocol):
    """The figures a source keeps."""

    @property
    def lag(self) -> int:
        """Messages in the log not yet delivered to this bridge's group (as last seen)."""

    @property
    def owned(self) -> int:
        """Partitions (or whatever unit of sharing) this bridge holds now."""


class Source(Protocol):
    """A log to bridge from; see the module docstring."""

    async def start(self) -> None:
        """Connect, make sure the log's structures exist, and begin taking deliveries."""

    async def get(self, timeout: float) -> Sequence[Delivery]:
        """The deliveries that arrived, waiting at most `timeout` seconds for the first
        (an empty list then). Order per key is the log's order."""

    async def stop_fetching(self) -> None:
        """Ask for nothing more, and return once nothing more can arrive: what did arrive
        is then what `get` still returns."""

    async def close(self) -> None:
        """Hand back what this bridge held (to the others in its group) and disconnect."""

    @property
    def stats(self) -> SourceStats:
        """The source's figures."""

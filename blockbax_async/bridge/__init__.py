"""Bridges from a log into Blockbax, acknowledging each message only after delivery.

`Bridge` runs the loop over any `Source`; `JetStreamSource` reads NATS
JetStream (the `nats` extra: `pip install blockbax-async[nats]`). See `docs/bridge.md`.
"""

from ._jetstream import JetStreamSettings, JetStreamSource, JetStreamStats
from ._loop import Bridge, BridgeStats
from ._messages import BadMessage, Measurement, parse_message
from ._source import BridgeError, Delivery, Source, SourceStats

__all__ = [
    "Bridge",
    "BridgeStats",
    "BridgeError",
    "JetStreamSettings",
    "JetStreamSource",
    "JetStreamStats",
    "Source",
    "SourceStats",
    "Delivery",
    "BadMessage",
    "Measurement",
    "parse_message",
]

"""The bridge loop against a scripted source and queue: when it settles, and how."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest

from blockbax_async.bridge import Bridge, JetStreamSettings, Measurement
from blockbax_async.bridge._loop import refusal
from blockbax_async.errors import ValidationError
from blockbax_async.ingest import Refusal, RejectReason

UNKNOWN = RejectReason.UNKNOWN_INGESTION_ID


@attrs.define(eq=False)
class Delivery:
    data: bytes
    key: str = "readings.a"
    stored_ms: int = 1_700_000_000_000
    outcome: list[str] = attrs.Factory(list)

    async def ack(self) -> None:
        self.outcome.append("ack")

    async def dead_letter(self, reason: str) -> None:
        self.outcome.append(f"dead: {reason}")


@attrs.frozen
class Stats:
    lag: int = 0
    owned: int = 1


@attrs.define
class Source:
    batches: list[list[Delivery]]
    stats: Stats = Stats()
    closed: bool = False

    async def start(self) -> None:
        pass

    async def get(self, timeout: float) -> list[Delivery]:
        await asyncio.sleep(0)
        return self.batches.pop(0) if self.batches else []

    async def stop_fetching(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True


@attrs.define
class Receipt:
    done: asyncio.Event = attrs.Factory(asyncio.Event)
    refused: list[Refusal] = attrs.Factory(list)

    async def wait(self, timeout: float | None = None) -> bool:
        await self.done.wait()
        return True


@attrs.define
class Measurements:
    running: bool = True
    queued: list[tuple[str, Any, Any]] = attrs.Factory(list)
    receipts: list[Receipt] = attrs.Factory(list)

    def queue_many(self, ids: list[str], dates: list[Any], values: list[Any]) -> int:
        if any(v == "refuse" for v in values):
            raise ValidationError("value: refused before sending")
        self.queued += zip(ids, dates, values, strict=True)
        return len(ids)

    def checkpoint(self) -> Receipt:
        self.receipts.append(Receipt())
        return self.receipts[-1]


@attrs.define
class Client:
    measurements: Measurements = attrs.Factory(Measurements)


def message(ingestion_id: str = "a$m", value: object = 1) -> bytes:
    key = "text" if isinstance(value, str) else "number"
    return f'{{"ingestion_id": "{ingestion_id}", "{key}": {value!r}}}'.replace("'", '"').encode()


async def until(condition: Any) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("not within 5 s")


async def test_acknowledges_only_once_the_receipt_is_done() -> None:
    first, second = Delivery(message()), Delivery(message(value=2))
    client = Client()
    bridge = Bridge(client, Source([[first, second]]))
    task = asyncio.create_task(bridge.run())
    await until(lambda: len(client.measurements.receipts) == 2)
    await asyncio.sleep(0.05)
    assert first.outcome == second.outcome == []
    assert bridge.stats.unacknowledged == 2
    client.measurements.receipts[0].done.set()
    await until(lambda: first.outcome == ["ack"])
    assert second.outcome == []
    client.measurements.receipts[1].done.set()
    await until(lambda: second.outcome == ["ack"])
    bridge.stop()
    assert await task is True
    assert bridge.stats.acknowledged == 2 and bridge.stats.unacknowledged == 0


async def test_bad_messages_are_dead_lettered_with_the_reason_and_nothing_queued() -> None:
    bad_json, refused_early = Delivery(b"{oops"), Delivery(message(value="refuse"))
    client = Client()
    bridge = Bridge(client, Source([[bad_json, refused_early]]))
    task = asyncio.create_task(bridge.run())
    await until(lambda: bridge.stats.dead_lettered == 2)
    assert bad_json.outcome[0].startswith("dead: not JSON")
    assert refused_early.outcome == ["dead: value: refused before sending"]
    assert client.measurements.queued == [] and client.measurements.receipts == []
    bridge.stop()
    assert await task is True


async def test_a_message_the_api_refuses_is_dead_lettered_after_its_receipt() -> None:
    good, bad = Delivery(message("a$m")), Delivery(message("unknown$m"))
    client = Client()
    bridge = Bridge(client, Source([[good, bad]]))
    task = asyncio.create_task(bridge.run())
    await until(lambda: len(client.measurements.receipts) == 2)
    for receipt in client.measurements.receipts:
        receipt.refused.append(Refusal("unknown$m", None, 1, UNKNOWN, "unknown ID"))
        receipt.done.set()
    await until(lambda: bridge.stats.dead_lettered == 1)
    assert good.outcome == ["ack"]
    assert bad.outcome == [f"dead: refused: unknown$m: {UNKNOWN.value} (unknown ID)"]
    bridge.stop()
    assert await task is True


async def test_stop_delivers_what_was_fetched_and_gives_up_after_stop_timeout() -> None:
    held = Delivery(message())
    client = Client()
    source = Source([[held]])
    bridge = Bridge(client, source, stop_timeout=0.2)
    task = asyncio.create_task(bridge.run())
    await until(lambda: client.measurements.receipts)
    bridge.stop()
    assert await task is False  # the receipt never finished: the log redelivers it
    assert held.outcome == [] and source.closed


def test_refusal_matches_the_message_by_ingestion_id() -> None:
    items = [Measurement("a", 1, 1.0), Measurement("b", 1, 2.0)]
    refused = [
        Refusal("c", 1, 1.0, RejectReason.INVALID_VALUE, "no"),
        Refusal("b", 1, 2.0, RejectReason.INVALID_VALUE, "no"),
        Refusal("a", 1, 1.0, RejectReason.TRUNCATED, "rounded"),
    ]
    assert refusal(refused, items) == f"refused: b: {RejectReason.INVALID_VALUE.value} (no)"
    assert refusal([refused[0], refused[2]], items) is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stream": "A.B"}, "stream: 'A.B' is not a NATS name"),
        ({"subject": "readings..x"}, "subject: 'readings..x' is not a NATS subject"),
        ({"subject": "a.>.b"}, "is not a NATS subject"),
        ({"dead_letter": "readings.dead"}, "dead_letter: 'readings.dead' must be one subject"),
        ({"dead_letter": "dead.*"}, "must be one subject"),
        ({"pin_timeout": 5.0, "ack_wait": 3.0}, "pin_timeout: 5.0 is below twice ack_wait"),
        ({"partitions": 0}, "partitions: 0 is below 1"),
        ({"max_ack_pending": "9"}, "max_ack_pending: '9' is not a whole number"),
    ],
)
def test_settings_are_checked(options: dict[str, Any], message: str) -> None:
    given = {"url": "nats://127.0.0.1:4222", "stream": "R", "subject": "readings.>"}
    with pytest.raises(ValidationError, match=message.replace("*", r"\*").replace(".", r"\.")):
        JetStreamSettings(**{**given, "consumer": "c", **options})


def test_the_dead_letter_subject_defaults_to_the_stream_dot_dead() -> None:
    settings = JetStreamSettings("nats://x", "READINGS", "readings.>", "blockbax")
    assert settings.dead_letter_subject == "READINGS.dead"

"""One partition's pull against a scripted intake: what each status does, the batch count,
the pin, redeliveries sorted. Pinpoint: the JetStream tests run the same code for real."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from nats.aio.msg import Msg

from blockbax_async.bridge import JetStreamSettings
from blockbax_async.bridge._jetstream import _Partition

INBOX = "_INBOX.test"


class Nats:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    async def publish(self, subject: str, data: bytes, reply: str = "") -> None:
        assert subject == "$JS.API.CONSUMER.MSG.NEXT.READINGS.blockbax" and reply == INBOX
        self.requests.append(orjson.loads(data))


class Source:
    def __init__(self) -> None:
        self.settings = JetStreamSettings(
            url="nats://x", stream="READINGS", subject="readings.>", consumer="blockbax",
            fetch_batch=3,
        )  # fmt: skip
        self.nc = Nats()
        self.partitions = 1
        self.out: list[int] = []

    def hand_out(self, delivery: Any) -> None:
        self.out.append(delivery.sequence)


def message(sequence: int, delivered: int = 1, pin: str | None = None) -> Msg:
    reply = f"$JS.ACK.READINGS.blockbax.{delivered}.{sequence}.{sequence}.1700000000000000000.0"
    headers = {"Nats-Pin-Id": pin} if pin else None
    return Msg(None, subject="readings.a", reply=reply, data=b"{}", headers=headers)  # type: ignore[arg-type]


def status(code: str) -> Msg:
    return Msg(None, subject=INBOX, headers={"Status": code})  # type: ignore[arg-type]


def partition() -> tuple[_Partition, Source]:
    source = Source()
    return _Partition(source, 0, "blockbax"), source  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arrivals", "handed_out", "left"),
    [
        ([message(1), message(2), message(3), message(4)], [1, 2, 3], 1),  # a full batch
        ([status("100"), message(1), status("408"), message(2)], [1], 1),  # heartbeat, expiry
        ([message(1), status("404")], [1], 0),
        ([message(5, 2), message(4, 2), status("408")], [4, 5], 0),  # redeliveries, sorted
        ([message(5, 2), message(4, 2), message(6)], [4, 5, 6], 0),  # sorted before a new one
    ],
)
async def test_one_pull(arrivals: list[Msg], handed_out: list[int], left: int) -> None:
    part, source = partition()
    for msg in arrivals:
        await part._arrive(msg)
    await part._pull(INBOX)
    assert source.out == handed_out
    assert len(part.intake) == left
    assert source.nc.requests[0]["batch"] == 3 and "id" not in source.nc.requests[0]


async def test_a_pull_waits_for_arrivals_and_keeps_the_pin_until_423() -> None:
    part, source = partition()

    async def arrive(*msgs: Msg) -> None:
        for msg in msgs:
            await asyncio.sleep(0.01)
            await part._arrive(msg)

    later = asyncio.create_task(arrive(message(1, pin="p1"), status("408")))
    await part._pull(INBOX)
    await later
    assert source.out == [1] and part.pin == "p1"
    await part._arrive(status("423"))
    await part._pull(INBOX)
    assert source.nc.requests[1]["id"] == "p1"
    assert part.pin is None
    assert part.held.keys() == {1}

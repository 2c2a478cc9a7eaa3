"""NATS JetStream as a bridge's source: partitions, pinned consumers, redelivery in order.

The stream stores each subject under a partition prefix (see `_partitions`); each partition
has one durable pull consumer with the `pinned_client` priority policy, so the server lets
one bridge at a time take its messages. Bridges say they are alive on a core NATS subject and
split the partitions round robin over the members they hear; a bridge hands a partition over
only after every message it took from it is settled, then unpins it. A bridge that dies stops
pulling and renewing: its messages are redelivered after `ack_wait`, before the pin moves
(`pin_timeout` is at least twice `ack_wait`), and the next bridge gets those redeliveries
first, which this source sorts back into stream order before handing them out.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable
from typing import Any

import attrs
import nats
import nats.errors
import nats.js.errors
import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig, SubjectTransform

from .._checks import check_int, check_number, check_str, validator
from ..errors import ValidationError
from ..ingest._receipts import wait_event
from ._partitions import (
    assign,
    consumer_name,
    filter_subject,
    matches,
    original_subject,
    partitions_of,
    transform,
)
from ._source import BridgeError

__all__ = ["JetStreamSettings", "JetStreamSource"]

logger = logging.getLogger("blockbax_async.bridge")

GROUP = "blockbax"
_NS = 1_000_000_000


def _check_name(field: str, value: Any) -> str:
    name = check_str(field, value)
    if not name or any(c in name for c in ".*> \t\r\n"):
        raise ValidationError(f"{field}: {name!r} is not a NATS name (no . * > or spaces)")
    return name


def _check_subject(field: str, value: Any) -> str:
    subject = check_str(field, value)
    tokens = subject.split(".")
    if not subject or "" in tokens or any(c in subject for c in " \t\r\n") or (">" in tokens[:-1]):
        raise ValidationError(f"{field}: {subject!r} is not a NATS subject")
    return subject


@attrs.frozen
class JetStreamSettings:
    """Where a bridge reads and how it shares the work.

    `partitions` is used when the bridge creates the stream (an existing stream keeps the
    split it has; one without a partition transform counts as one partition).
    `max_ack_pending` bounds the unacknowledged messages per partition: the back-pressure
    of a stalled API. `ack_wait` is how long a message may go without word from its bridge
    before it is redelivered; `pin_timeout` how long a partition stays with a bridge that
    stopped pulling (at least twice `ack_wait`, so that its messages are redelivered
    before newer ones go to the next bridge); `heartbeat` how often bridges tell each other
    they are alive (a member unheard for three heartbeats is gone).
    """

    url: str = attrs.field(validator=validator(check_str))
    stream: str = attrs.field(validator=validator(_check_name))
    subject: str = attrs.field(validator=validator(_check_subject))
    consumer: str = attrs.field(validator=validator(_check_name))
    dead_letter: str | None = attrs.field(default=None)
    partitions: int = attrs.field(default=12, validator=validator(check_int, minimum=1))
    max_ack_pending: int = attrs.field(default=1000, validator=validator(check_int, minimum=1))
    ack_wait: float = attrs.field(default=10.0, validator=validator(check_number, above=0))
    pin_timeout: float = attrs.field(default=30.0, validator=validator(check_number, above=0))
    heartbeat: float = attrs.field(default=1.0, validator=validator(check_number, above=0))
    fetch_batch: int = attrs.field(default=256, validator=validator(check_int, minimum=1))

    def __attrs_post_init__(self) -> None:
        dead = self.dead_letter_subject
        _check_subject("dead_letter", dead)
        if "*" in dead or ">" in dead or matches(self.subject, dead):
            raise ValidationError(
                f"dead_letter: {dead!r} must be one subject outside {self.subject!r}"
            )
        if self.pin_timeout < 2 * self.ack_wait:
            raise ValidationError(
                f"pin_timeout: {self.pin_timeout!r} is below twice ack_wait ({self.ack_wait!r})"
            )

    @property
    def dead_letter_subject(self) -> str:
        """Where undeliverable messages go: `dead_letter`, else `<stream>.dead`."""
        return self.dead_letter if self.dead_letter is not None else f"{self.stream}.dead"


@attrs.define(eq=False)
class _Delivery:
    """One JetStream message held by this bridge."""

    msg: Msg
    key: str
    stored_ms: int
    sequence: int
    partition: _Partition
    renewed: float

    @property
    def data(self) -> bytes:
        return self.msg.data

    async def ack(self) -> None:
        await self.partition.settle(self, self.msg.ack())

    async def dead_letter(self, reason: str) -> None:
        source = self.partition.source
        headers = {
            "Blockbax-Reason": " ".join(reason.split())[:1000],
            "Blockbax-Subject": self.key,
            "Blockbax-Stream-Sequence": str(self.sequence),
        }
        try:
            await source.js.publish(source.settings.dead_letter_subject, self.data, headers=headers)
        except nats.errors.Error as exc:
            raise BridgeError(f"dead-letter publish failed: {exc}") from exc
        source.dead_lettered += 1
        await self.partition.settle(self, self.msg.term())


class _Partition:
    """One partition's consumer: pulls while wanted, then hands the partition over."""

    def __init__(self, source: JetStreamSource, index: int, name: str) -> None:
        self.source, self.index, self.name = source, index, name
        self.pin: str | None = None
        self.wanted = True
        self.held: dict[int, _Delivery] = {}
        self.redelivered: list[_Delivery] = []
        self.pending = 0
        self.settled = asyncio.Event()
        self.settled.set()
        self.pulled = asyncio.Event()
        self.intake: collections.deque[Msg] = collections.deque()
        self.arrived = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Pull while wanted; then wait until what was taken is settled, and unpin."""
        nc = self.source.nc
        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox, cb=self._arrive)
        try:
            while self.wanted:
                await self._pull(inbox)
            self._hand_out_redelivered()
        finally:
            self.pulled.set()
            await sub.unsubscribe()
        await self.settled.wait()
        if self.pin is not None:
            await self.source.unpin(self.name)
            logger.info("bridge: partition %d handed over", self.index)

    async def _arrive(self, msg: Msg) -> None:
        """The inbox's callback: a deque and an event cost less per message than
        `next_msg` (a task, a timer and a uuid each)."""
        self.intake.append(msg)
        self.arrived.set()

    async def _pull(self, inbox: str) -> None:
        source = self.source
        settings = source.settings
        expires = min(1.0, settings.ack_wait / 2)
        request: dict[str, Any] = {
            "batch": settings.fetch_batch,
            "expires": int(expires * _NS),
            "group": GROUP,
        }
        if self.pin is not None:
            request["id"] = self.pin
        await source.nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{settings.stream}.{self.name}",
            orjson.dumps(request),
            reply=inbox,
        )
        intake = self.intake
        got = 0
        while got < settings.fetch_batch:
            if not intake:
                self.arrived.clear()
                await wait_event(self.arrived, expires + 5.0)
                if not intake:
                    break
            msg = intake.popleft()
            headers = msg.headers
            status = headers.get("Status") if headers else None
            if status is None:
                got += 1
                self._take(msg)
                continue
            if status == "100":
                continue
            if status == "423":  # the pin moved on: pull without it, as a stand-by
                if self.held:
                    logger.warning("bridge: lost partition %d while holding messages", self.index)
                self.pin = None
            elif status not in ("404", "408"):
                logger.debug("bridge: partition %d pull: %s %s", self.index, status,
                             (headers or {}).get("Description"))  # fmt: skip
                await asyncio.sleep(expires)
            break
        if got < settings.fetch_batch:
            self._hand_out_redelivered()

    def _take(self, msg: Msg) -> None:
        meta = msg.metadata
        sequence = meta.sequence.stream
        self.pending = meta.num_pending
        pin = msg.headers.get("Nats-Pin-Id") if msg.headers else None
        if pin is not None and pin != self.pin:
            self.pin = pin
            logger.info("bridge: took partition %d", self.index)
        if sequence in self.held:  # a redelivery of one still being delivered: keep that one
            return
        delivery = _Delivery(
            msg,
            original_subject(msg.subject, self.source.partitions),
            int(meta.timestamp.timestamp() * 1000),
            sequence,
            self,
            time.monotonic(),
        )
        self.held[sequence] = delivery
        self.settled.clear()
        if meta.num_delivered > 1:
            self.redelivered.append(delivery)
        else:
            self._hand_out_redelivered()
            self.source.hand_out(delivery)

    def _hand_out_redelivered(self) -> None:
        """Redeliveries come in the server's order, not the stream's: they wait until the
        last of them arrived (a fresh message, or a pull that came back short)."""
        for delivery in sorted(self.redelivered, key=lambda d: d.sequence):
            self.source.hand_out(delivery)
        self.redelivered.clear()

    async def settle(self, delivery: _Delivery, reply: Any) -> None:
        try:
            await reply
        except nats.errors.Error as exc:
            raise BridgeError(f"acknowledging failed: {exc}") from exc
        self.held.pop(delivery.sequence, None)
        if not self.held:
            self.settled.set()


@attrs.frozen
class JetStreamStats:
    """`lag`: messages of the stream not yet delivered to any bridge of the consumer
    group (as of the last look); `owned`: partitions this bridge holds."""

    lag: int
    owned: int


class JetStreamSource:
    """Deliveries from a JetStream stream, shared with the other bridges of `consumer`."""

    def __init__(self, settings: JetStreamSettings) -> None:
        self.settings = settings
        self.member = uuid.uuid4().hex
        self.ready: collections.deque[_Delivery] = collections.deque()
        self._arrived = asyncio.Event()
        self.partitions = 1
        self.dead_lettered = 0
        self._nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self._seen: dict[str, float] = {}
        self._owned: dict[int, _Partition] = {}
        self._lag = 0
        self._fetching = False
        self._joined = False
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def nc(self) -> NATS:
        assert self._nc is not None, "start() first"
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        assert self._js is not None, "start() first"
        return self._js

    @property
    def stats(self) -> JetStreamStats:
        return JetStreamStats(lag=self._lag, owned=len(self._owned))

    async def start(self) -> None:
        settings = self.settings
        try:
            self._nc = await nats.connect(
                settings.url, name=f"blockbax-bridge {settings.consumer}", connect_timeout=5,
                max_reconnect_attempts=-1, allow_reconnect=True,
            )  # fmt: skip
        except (nats.errors.Error, OSError) as exc:
            raise BridgeError(f"cannot connect to NATS at {settings.url}: {exc}") from exc
        self._js = self._nc.jetstream()
        try:
            self.partitions = await self._ensure_stream()
            await self._ensure_dead_letter_stream()
            for partition in range(self.partitions):
                await self._ensure_consumer(partition)
            await self.nc.subscribe(self._members_subject, cb=self._heard)
        except (nats.errors.Error, OSError) as exc:
            raise BridgeError(f"setting up stream {settings.stream}: {exc}") from exc
        self._fetching = True
        await self._announce()
        self._tasks = [asyncio.create_task(t) for t in (self._heartbeats(), self._renewals())]

    def hand_out(self, delivery: _Delivery) -> None:
        self.ready.append(delivery)
        self._arrived.set()

    async def get(self, timeout: float) -> list[_Delivery]:
        if not self.ready and timeout > 0:
            self._arrived.clear()
            await wait_event(self._arrived, timeout)
        out = list(self.ready)
        self.ready.clear()
        return out

    async def stop_fetching(self) -> None:
        self._fetching = False
        for partition in self._owned.values():
            partition.wanted = False
        await asyncio.gather(*(p.pulled.wait() for p in self._owned.values()))

    async def close(self) -> None:
        if self._nc is None:
            return
        await self.stop_fetching()
        with contextlib.suppress(nats.errors.Error):
            said = orjson.dumps({"id": self.member, "leaving": True})
            await self.nc.publish(self._members_subject, said)
        for task in self._tasks:
            task.cancel()
        partitions = [p.task for p in self._owned.values() if p.task is not None]
        _, late = await asyncio.wait(partitions, timeout=5.0) if partitions else ((), ())
        for task in late:
            task.cancel()
        with contextlib.suppress(nats.errors.Error):
            await self.nc.flush(timeout=5)
        await self.nc.close()

    @property
    def _members_subject(self) -> str:
        return f"_blockbax.bridge.{self.settings.stream}.{self.settings.consumer}"

    async def _ensure_stream(self) -> int:
        settings = self.settings
        try:
            info = await self.js.stream_info(settings.stream)
        except nats.js.errors.NotFoundError:
            src, dest = transform(settings.subject, settings.partitions)
            config = StreamConfig(
                name=settings.stream,
                subjects=[settings.subject],
                storage=StorageType.FILE,
                subject_transform=(
                    SubjectTransform(src=src, dest=dest) if settings.partitions > 1 else None
                ),
            )
            await self.js.add_stream(config)
            logger.info("bridge: created stream %s", settings.stream)
            return settings.partitions
        config = info.config
        if settings.subject not in (config.subjects or []):
            raise BridgeError(
                f"stream {settings.stream} does not capture {settings.subject!r} "
                f"(its subjects: {config.subjects})"
            )
        given = config.subject_transform
        try:
            return partitions_of(settings.subject, given.dest if given else None)
        except ValueError as exc:
            raise BridgeError(f"stream {settings.stream}: {exc}") from None

    async def _ensure_dead_letter_stream(self) -> None:
        subject = self.settings.dead_letter_subject
        try:
            await self.js.find_stream_name_by_subject(subject)
        except nats.js.errors.NotFoundError:
            name = f"{self.settings.stream}_DEAD"
            await self.js.add_stream(StreamConfig(name=name, subjects=[subject]))
            logger.info("bridge: created stream %s for dead letters on %s", name, subject)

    async def _ensure_consumer(self, partition: int) -> None:
        settings = self.settings
        name = consumer_name(settings.consumer, self.partitions, partition)
        config = {
            "durable_name": name,
            "filter_subject": filter_subject(settings.subject, self.partitions, partition),
            "ack_policy": "explicit",
            "ack_wait": int(settings.ack_wait * _NS),
            "max_ack_pending": settings.max_ack_pending,
            "max_deliver": -1,
            "priority_groups": [GROUP],
            "priority_policy": "pinned_client",
            "priority_timeout": int(settings.pin_timeout * _NS),
        }
        body = {"stream_name": settings.stream, "config": config}
        await self._api(f"CONSUMER.CREATE.{settings.stream}.{name}", body, what=f"consumer {name}")

    async def unpin(self, name: str) -> None:
        """Let the server pin the partition's next bridge now."""
        with contextlib.suppress(BridgeError):
            stream = self.settings.stream
            await self._api(f"CONSUMER.UNPIN.{stream}.{name}", {"group": GROUP}, what="unpin")

    async def _api(self, path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
        try:
            reply = await self.nc.request(f"$JS.API.{path}", orjson.dumps(body), timeout=5)
        except nats.errors.Error as exc:
            raise BridgeError(f"{what}: {exc}") from exc
        answer: dict[str, Any] = orjson.loads(reply.data)
        error = answer.get("error")
        if error:
            raise BridgeError(f"{what}: {error.get('description', error)}")
        return answer

    async def _heard(self, msg: Msg) -> None:
        try:
            said = orjson.loads(msg.data)
            member = said["id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return
        known = member in self._seen
        if said.get("leaving"):
            self._seen.pop(member, None)
        else:
            self._seen[member] = time.monotonic()
        if known != (member in self._seen):
            self._rebalance()

    async def _announce(self) -> None:
        await self.nc.publish(self._members_subject, orjson.dumps({"id": self.member}))

    async def _heartbeats(self) -> None:
        interval = self.settings.heartbeat
        await asyncio.sleep(interval * 1.5)  # hear the others before taking anything
        self._joined = True
        beats = 0
        while True:
            now = time.monotonic()
            gone = [m for m, seen in self._seen.items() if now - seen > 3 * interval]
            for member in gone:
                del self._seen[member]
            self._rebalance()
            if beats % 5 == 0:
                await self._refresh_lag()
            beats += 1
            await self._announce()
            await asyncio.sleep(interval)

    def _rebalance(self) -> None:
        if not (self._joined and self._fetching):
            return
        wanted = assign(self._seen, self.partitions, self.member)
        for index, partition in self._owned.items():
            if index not in wanted:
                partition.wanted = False
        for index in wanted:
            held = self._owned.get(index)
            if held is None:
                self._claim(index)
            elif not held.pulled.is_set():
                held.wanted = True
            # else: still handing over; claimed again once that is done

    def _claim(self, index: int) -> None:
        name = consumer_name(self.settings.consumer, self.partitions, index)
        partition = _Partition(self, index, name)
        partition.task = asyncio.create_task(self._run_partition(partition))
        self._owned[index] = partition

    async def _run_partition(self, partition: _Partition) -> None:
        try:
            await partition.run()
        except (nats.errors.Error, BridgeError) as exc:
            logger.warning("bridge: partition %d: %s", partition.index, exc)
        finally:
            if self._owned.get(partition.index) is partition:
                del self._owned[partition.index]

    async def _renewals(self) -> None:
        """Tell the server that held messages are still being delivered (`+WPI`)."""
        interval = self.settings.ack_wait / 3
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for delivery in _held(self._owned.values()):
                if now - delivery.renewed >= interval:
                    delivery.renewed = now
                    with contextlib.suppress(nats.errors.Error):
                        await delivery.msg.in_progress()

    async def _refresh_lag(self) -> None:
        lag = 0
        for partition in range(self.partitions):
            name = consumer_name(self.settings.consumer, self.partitions, partition)
            try:
                info = await self.js.consumer_info(self.settings.stream, name)
            except nats.errors.Error:
                return
            lag += info.num_pending or 0
        self._lag = lag


def _held(partitions: Iterable[_Partition]) -> list[_Delivery]:
    return [d for p in partitions for d in p.held.values()]

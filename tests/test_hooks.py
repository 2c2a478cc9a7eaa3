"""Hooks see every attempt: sent, answered, failed, retried (with its delay), in order."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from blockbax_async import AsyncClient, Attempt, Hooks, Operation, Response
from blockbax_async.emulator import Emulator, Faults
from blockbax_async.errors import BlockbaxError, ConnectError, TransportError

from .conftest import ClientFactory


class Recorder(Hooks):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_request(self, attempt: Attempt) -> None:
        self.events.append(("request", attempt.method, attempt.path, attempt.number))

    def on_response(self, attempt: Attempt, response: Response) -> None:
        self.events.append(("response", attempt.number, response.status_code))

    def on_error(self, attempt: Attempt, error: TransportError) -> None:
        self.events.append(("error", attempt.number, type(error).__name__))

    def on_retry(self, attempt: Attempt, error: BlockbaxError, delay: float) -> None:
        self.events.append(("retry", attempt.number, delay > 0))

    @contextlib.contextmanager
    def operation(self, operation: Operation) -> Iterator[None]:
        self.events.append(("enter", operation.name, dict(operation.attributes)))
        yield
        self.events.append(("exit", operation.name, dict(operation.attributes)))


async def test_hooks_see_each_attempt_in_order(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    recorder = Recorder()
    emulator.faults = Faults(error_rate=1.0)
    async with make_client(hooks=[recorder], max_retries=1) as client:
        with pytest.raises(BlockbaxError):
            await client.subjects.get("s-1")
        emulator.faults = Faults()
        assert recorder.events[:3] == [
            ("request", "GET", "/subjects/s-1", 1),
            ("response", 1, emulator.requests[0].status),
            ("retry", 1, True),
        ]
        assert recorder.events[3:] == [
            ("request", "GET", "/subjects/s-1", 2),
            ("response", 2, emulator.requests[1].status),
        ]
        recorder.events.clear()
        await client.project.get()
    assert recorder.events == [("request", "GET", "", 1), ("response", 1, 200)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_hooks_see_failures_without_an_answer() -> None:
    recorder = Recorder()
    url = f"http://127.0.0.1:{_closed_port()}"
    async with AsyncClient(
        "p", "t", base_url=url, hooks=[recorder], max_retries=1, backoff_base=0.01
    ) as client:
        with pytest.raises(ConnectError):
            await client.project.get()
    assert recorder.events == [
        ("request", "GET", "", 1),
        ("error", 1, "ConnectError"),
        ("retry", 1, True),
        ("request", "GET", "", 2),
        ("error", 2, "ConnectError"),
    ]


class Broken(Hooks):
    def on_request(self, attempt: Attempt) -> None:
        raise RuntimeError("a bug in a hook")

    def operation(self, operation: Operation) -> contextlib.AbstractContextManager[None]:
        raise RuntimeError("another bug")


async def test_a_hook_that_raises_is_logged_and_ignored(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    client.transport.hooks[:] = [Broken(), recorder]
    with client.transport.operation("work", {"size": 3}) as work:
        work.set("done", 2)
        project = await client.project.get()
    assert project.id == client.config.project_id
    assert "hook Broken.on_request raised" in caplog.text
    assert "hook Broken.operation raised" in caplog.text
    assert recorder.events == [
        ("enter", "work", {"size": 3}),
        ("request", "GET", "", 1),
        ("response", 1, 200),
        ("exit", "work", {"size": 3, "done": 2}),
    ]


async def test_the_transports_on_retry_is_told_after_the_hooks(
    emulator: Emulator, make_client: ClientFactory
) -> None:
    recorder, told = Recorder(), []
    emulator.faults = Faults(error_rate=1.0)
    async with make_client(hooks=[recorder]) as client:
        with pytest.raises(BlockbaxError):
            await client.transport.request(
                "GET", "", max_retries=2, on_retry=lambda e, d: told.append(len(recorder.events))
            )
    retries = [i for i, event in enumerate(recorder.events) if event[0] == "retry"]
    assert told == [i + 1 for i in retries] and len(told) == 2

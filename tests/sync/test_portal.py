"""Who drives the client's event loop: the calling thread, or the portal's own thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from blockbax_async import sync
from blockbax_async.emulator import Emulator
from blockbax_async.errors import ClientStateError

from .test_client import seed_subjects


@pytest.fixture
def client(served: Emulator) -> Iterator[sync.Client]:
    with sync.Client(served.project_id, served.api_key, base_url=served.base_url) as c:
        yield c


def _driver(client: sync.Client) -> int:
    """The thread the loop ran a call in."""
    return client._portal.call_sync(threading.get_ident)


def _until(done: Callable[[], bool]) -> bool:
    for _ in range(500):  # at most about 5 seconds
        if done():
            return True
        threading.Event().wait(0.01)
    return False


def _back_in_this_thread(client: sync.Client) -> bool:
    """Whether, once the portal's thread has let go of the idle loop, this thread drives."""
    return _until(lambda: client._portal._driver == "idle") and (
        _driver(client) == threading.get_ident()
    )


def test_a_plain_thread_drives_the_loop_itself(client: sync.Client) -> None:
    for _ in range(3):
        assert client.project.get().name == "Emulated project"
        assert _driver(client) == threading.get_ident()
    assert client._portal._thread is None  # no hand-off, so no thread was ever needed


def test_inside_a_running_loop_the_portal_thread_drives(client: sync.Client) -> None:
    async def cell() -> tuple[str, int]:  # a notebook cell: a loop runs in this thread
        return client.project.get().name, _driver(client)

    name, driver = asyncio.run(cell())
    assert name == "Emulated project"
    assert driver not in (threading.get_ident(), None)
    assert _back_in_this_thread(client)


def test_background_sending_keeps_the_portal_thread_driving(
    served: Emulator, client: sync.Client
) -> None:
    (ingestion_id,) = seed_subjects(served, 1)
    client.measurements.start(flush_interval=0.01)
    assert _driver(client) != threading.get_ident()  # the sender outlives the call
    client.measurements.queue(ingestion_id, number=1.0, date=1)
    receipt = client.measurements.checkpoint()
    assert receipt.wait(timeout=5) and receipt.accepted == 1  # sent without a flush
    client.measurements.stop()
    assert _back_in_this_thread(client)


def test_threads_share_the_loop_of_whoever_drives_it(client: sync.Client) -> None:
    with ThreadPoolExecutor(4) as pool:
        names = list(pool.map(lambda _: client.project.get().name, range(40)))
    assert names == ["Emulated project"] * 40
    assert _back_in_this_thread(client)


def test_closing_ends_a_call_that_another_thread_drives(served: Emulator) -> None:
    client = sync.Client(served.project_id, served.api_key, base_url=served.base_url)
    failed: list[BaseException] = []

    def wait_long() -> None:
        try:
            client._portal.call(asyncio.sleep, 30)
        except ClientStateError as error:
            failed.append(error)

    caller = threading.Thread(target=wait_long)
    caller.start()
    assert _until(lambda: client._portal._driver == "caller")
    client.close()
    caller.join(timeout=10)
    assert [str(e) for e in failed] == ["the client was closed while the call ran"]
    assert client._portal.loop.is_closed()


def test_closing_ends_a_call_handed_to_the_portal_thread(served: Emulator) -> None:
    client = sync.Client(served.project_id, served.api_key, base_url=served.base_url)
    failed: list[BaseException] = []

    async def cell() -> None:
        try:
            client._portal.call(asyncio.sleep, 30)
        except ClientStateError as error:
            failed.append(error)

    caller = threading.Thread(target=asyncio.run, args=(cell(),))
    caller.start()
    assert _until(lambda: bool(client._portal._handed))
    client.close()
    caller.join(timeout=10)
    assert [str(e) for e in failed] == ["the client was closed while the call ran"]
    assert client._portal.loop.is_closed()
    with pytest.raises(ClientStateError, match="closed"):
        client.project.get()

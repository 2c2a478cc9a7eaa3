"""The portal: runs the calls of a blocking client in the client's event loop.

A blocking call from a thread without a running loop drives the loop itself, in its own
thread, for as long as the call takes (`run_until_complete`): no thread hand-off, so a
blocking GET costs about what the awaited one does. Only one thread can run a loop at a time,
so the portal's lock says who does. A call made while another thread drives the loop, or from
inside a running loop (a Jupyter cell), is handed to the loop instead and waits on a lock; so
is everything while tasks outlive their call (background sending). Then the portal's own
thread drives the loop, until no call and no task is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from ..errors import ClientStateError

__all__ = ["Portal"]

P = ParamSpec("P")
R = TypeVar("R")

IDLE, CALLER, THREAD = "idle", "caller", "thread"  # who drives the loop
SETTLE_AFTER = 0.5  # seconds parked after which a call first lets the loop take in its I/O
LINGER = 0.05  # seconds the thread keeps driving once idle: the next handed call is quicker
SHUTDOWN_WAIT = 5.0  # seconds that closing waits for cancelled tasks, and for the thread

_live: weakref.WeakSet[Portal] = weakref.WeakSet()


def _forked() -> None:
    # In the child: no loop thread, the loop's selector shared with the parent, and locks
    # perhaps held by threads that are gone.
    for portal in list(_live):
        portal.forked = True
        portal._lock = threading.Lock()
        portal._turn = threading.Condition(portal._lock)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


async def _invoke(fn: Callable[..., Any], args: Any, kwargs: Any, settle: bool) -> Any:
    if settle:  # the loop was parked: take in what arrived meanwhile (a connection closed)
        await asyncio.sleep(0)
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


async def _stopping(loop: asyncio.AbstractEventLoop, call: Awaitable[R]) -> R:
    # Stopping from inside the call ends `run_forever` with this very loop iteration (a done
    # callback, as `run_until_complete` has, would take one more).
    try:
        return await call
    finally:
        loop.stop()


def _busy(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether a task is left in `loop` (one that outlived its call, a background sender)."""
    return bool(asyncio.all_tasks(loop))


class _Call:
    """A call handed to the loop; the caller blocks on `done` until it ends."""

    __slots__ = ("args", "done", "error", "finished", "fn", "kwargs", "result", "task")

    def __init__(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.done = threading.Lock()
        self.done.acquire()
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[Any] | None = None

    def finish(self, result: Any, error: BaseException | None) -> None:
        self.result, self.error, self.finished = result, error, True
        self.done.release()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


class Portal:
    """The event loop of one blocking client, and who drives it.

    `call()` and `call_sync()` run a function in the loop and return its result; `soon()`
    schedules one without waiting. A forked child's copy refuses (the loop's selector and
    connections belong to the parent).
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)  # tells the thread that it drives
        self._driver = IDLE
        self._handed: set[_Call] = set()
        self._thread: threading.Thread | None = None
        self._ending = False  # shutting down: the loop runs until its tasks are cancelled
        self._watching: asyncio.Handle | None = None
        self._active_at = 0.0  # when the thread last had work
        self._shut = threading.Event()
        self._parked_at = 0.0
        self.closed = False
        self.forked = False
        _live.add(self)

    def check(self) -> None:
        """Raise [`ClientStateError`][blockbax_async.errors.ClientStateError] when calls
        cannot be made from here."""
        if self.forked:
            raise ClientStateError(
                f"this client was made in process {self._pid}, before a fork; "
                "make a new client in this process"
            )
        if self.closed:
            raise ClientStateError("the client is closed")
        if asyncio._get_running_loop() is self.loop:
            raise ClientStateError(
                "a blocking call from the client's own event loop; use the async client there"
            )

    def call(self, fn: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Await `fn(*args, **kwargs)` in the loop and return its result."""
        return self._run(fn, args, kwargs)  # type: ignore[no-any-return]

    def call_sync(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the plain function `fn(*args, **kwargs)` in the loop."""
        return self._run(fn, args, kwargs)  # type: ignore[no-any-return]

    def soon(self, fn: Callable[[], object]) -> None:
        """Run `fn()` in the loop, without waiting: when it next runs (the next call, or at
        once while the thread drives it)."""
        self.loop.call_soon_threadsafe(fn)

    def _run(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        running = asyncio._get_running_loop()
        if running is not None or self.closed or self.forked:
            self.check()
        with self._lock:
            if self.closed:
                raise ClientStateError("the client is closed")
            if running is None and self._driver is IDLE:
                self._driver = CALLER
                call = None
            else:
                call = _Call(fn, args, kwargs)
                self._handed.add(call)
                if self._driver is IDLE:
                    self._give_to_thread()
        if call is None:
            return self._drive(fn, args, kwargs)
        return self._wait(call)

    def _drive(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        """Run the loop in this thread until the call is done."""
        loop = self.loop
        settle = time.monotonic() - self._parked_at > SETTLE_AFTER
        task = loop.create_task(_stopping(loop, _invoke(fn, args, kwargs, settle)))
        try:
            while not task.done():
                loop.run_forever()
            if task.cancelled():  # only closing cancels a call
                raise ClientStateError("the client was closed while the call ran")
            return task.result()
        except BaseException:  # e.g. KeyboardInterrupt while waiting: stop the call too
            task.cancel()
            raise
        finally:
            with self._lock:
                if self._handed or self.closed or _busy(self.loop):
                    self._give_to_thread()
                else:
                    self._driver = IDLE
                    self._parked_at = time.monotonic()

    def _wait(self, call: _Call) -> Any:
        """Hand the call to the loop, driven elsewhere, and wait for its end."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the call is stranded
            self.loop.call_soon_threadsafe(self._start, call)
        try:
            call.done.acquire()
        except BaseException:  # e.g. KeyboardInterrupt: stop the call too
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(call.cancel)
            raise
        if call.error is not None:
            raise call.error
        return call.result

    def _start(self, call: _Call) -> None:
        """In the loop: start a handed call."""
        if self.closed:
            self._finish(call, None, ClientStateError("the client was closed before the call ran"))
            return
        call.task = self.loop.create_task(_invoke(call.fn, call.args, call.kwargs, False))
        call.task.add_done_callback(lambda task: self._ended(call, task))

    def _ended(self, call: _Call, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self._finish(call, None, ClientStateError("the client was closed while the call ran"))
        elif (error := task.exception()) is not None:
            self._finish(call, None, error)
        else:
            self._finish(call, task.result(), None)

    def _finish(self, call: _Call, result: Any, error: BaseException | None) -> None:
        with self._lock:
            if call not in self._handed:
                return
            self._handed.discard(call)
            self._active_at = time.monotonic()
            last = not self._handed and self._driver is THREAD
        call.finish(result, error)
        if last and self.closed:
            self._park_if_idle()

    def _give_to_thread(self) -> None:
        """Under the lock: let the portal's thread drive the loop (starting it once)."""
        self._driver = THREAD
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="blockbax-sync", daemon=True)
            self._thread.start()
        self._turn.notify()

    def _serve(self) -> None:
        """The portal's thread: drive the loop whenever it is handed over."""
        loop = self.loop
        while True:
            with self._lock:
                while self._driver is not THREAD and not self._shut.is_set():
                    self._turn.wait()
                closed, shut = self.closed, self._shut.is_set()
            if shut:
                return
            if closed:
                self._shutdown()
                return
            self._active_at = time.monotonic()
            self._watching = loop.call_soon(self._watch)
            loop.run_forever()
            self._watching.cancel()
            with self._lock:
                if not (self._handed or self.closed or _busy(loop)):
                    self._driver = IDLE
                    self._parked_at = time.monotonic()

    def _watch(self) -> None:
        """In the loop, while the thread drives: stop it once idle for `LINGER` seconds."""
        if not self._park_if_idle(LINGER):
            wait = max(0.001, self._active_at + LINGER - time.monotonic())
            self._watching = self.loop.call_later(wait, self._watch)

    def _park_if_idle(self, linger: float = 0.0) -> bool:
        """Stop the loop when the thread drives it and nothing is left to do (for `linger`
        seconds, unless closed); returns whether it stopped."""
        now = time.monotonic()
        with self._lock:
            if self._driver is not THREAD or self._ending:
                return False
            if self._handed or (not self.closed and _busy(self.loop)):
                self._active_at = now
                return False
            if not self.closed and now - self._active_at < linger:
                return False
        self.loop.stop()
        return True

    def _cancel_all(self) -> None:
        """In the loop: cancel every task (closing), unless shutting down has begun."""
        if self._ending:
            return
        for task in asyncio.all_tasks(self.loop):
            task.cancel()
        self._park_if_idle()

    def _shutdown(self) -> None:
        """Cancel what is left, then close the loop (by the thread that holds it)."""
        loop = self.loop
        with self._lock:
            self._ending = True
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.wait(tasks, timeout=SHUTDOWN_WAIT))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(_bounded(loop.shutdown_default_executor()))
        finally:
            loop.close()
            with self._lock:
                self._shut.set()
                self._turn.notify()  # a parked thread ends

    def close(self) -> None:
        """Cancel what still runs and close the loop; calls still waiting get a
        [`ClientStateError`][blockbax_async.errors.ClientStateError]."""
        with self._lock:
            if self.closed or self.forked:
                self.closed = True
                return
            self.closed = True
            here = self._driver is IDLE and asyncio._get_running_loop() is None
            if here:
                self._driver = CALLER
            elif self._driver is IDLE:
                self._give_to_thread()
        if here:
            self._shutdown()
        else:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._cancel_all)
            self._shut.wait(SHUTDOWN_WAIT * 2)
        with self._lock:
            stranded, self._handed = self._handed, set()
        for call in stranded:
            call.finish(None, ClientStateError("the client was closed before the call ran"))


async def _bounded(awaitable: Awaitable[None]) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(awaitable, SHUTDOWN_WAIT)

"""Long polls of the logs other services follow (the ledger, the seal log): a read that waits, in the event
loop, for the next write instead of asking the store again and again. Writes happen on worker threads, so
the "something was saved" signal is thread-safe."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
OTHER_WRITERS_SECONDS = 0.5  # a wait is cut this short, so that another process's writes are seen too


class SavedSignal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        """Wake every waiter (from any thread)."""
        with self._lock:
            waiting, self._waiting = self._waiting, set()
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits any more
                loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float) -> None:
        """Return after the next save, or after `timeout` seconds."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiting.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter[1].wait(), timeout)
        finally:
            with self._lock:
                self._waiting.discard(waiter)


async def long_poll(
    read: Callable[[], list[T]], next_write: Callable[[float], Awaitable[None]], wait: float
) -> list[T]:
    """`read()` (on a worker thread) until it finds something or `wait` seconds have passed; between reads,
    wait for `next_write(timeout)` of this process."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        found = await asyncio.to_thread(read)
        remaining = deadline - loop.time()
        if found or remaining <= 0:
            return found
        await next_write(min(remaining, OTHER_WRITERS_SECONDS))

"""A thread-safe "something was saved" signal that request handlers can wait on: a service saves from
worker threads, and a long poll waits in the event loop for the next save instead of asking the store
again and again."""

from __future__ import annotations

import asyncio
import contextlib
import threading


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

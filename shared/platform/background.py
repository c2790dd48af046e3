"""Work a service does beside its requests (judging, delivering, finishing closes): a loop on the event
loop that runs each round in a thread. A thread cannot be cancelled, so a cancelled loop waits for the
round in flight to end: the service closes its stores right after, and closing a SQLite connection
while a thread still reads through it crashes the process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

import structlog

log = structlog.get_logger("background")
T = TypeVar("T")


async def to_thread_to_the_end(work: Callable[[], T]) -> T:
    """`asyncio.to_thread(work)`, except that cancelling the caller waits for `work` to return first."""
    running = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])
        raise


async def keep_doing(name: str, work: Callable[[], bool | None], poll_seconds: float) -> None:
    """Run `work` in a thread every poll, for ever, or again at once when it says True (it waited for news
    itself, by long poll); a failure (a database hiccup, an upstream away) is retried after a poll, and
    logged when it first happens or changes."""
    last_error = None
    while True:
        again_at_once = False
        try:
            again_at_once = await to_thread_to_the_end(work) is True
            last_error = None
        except Exception as error:
            described = f"{type(error).__name__}: {error}"
            if described != last_error:
                log.warning(f"{name} failed; trying again", error=described)
            last_error = described
        if not again_at_once:
            await asyncio.sleep(poll_seconds)


async def stop(tasks: list[asyncio.Task]) -> None:
    """Cancel the loops and wait until each has ended, its round in flight included."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task

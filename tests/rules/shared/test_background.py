"""A service's background loops end with their round in flight: the stores close right after them."""

from __future__ import annotations

import asyncio
import threading

from shared.platform.background import keep_doing, stop


def test_stopping_a_loop_waits_for_the_round_its_thread_is_in():
    started, release = threading.Event(), threading.Event()
    rounds_ended = []

    def round_of_work() -> None:
        started.set()
        release.wait(5)
        rounds_ended.append(True)

    async def scenario() -> list[bool]:
        loop = asyncio.create_task(keep_doing("working", round_of_work, poll_seconds=0.01))
        await asyncio.to_thread(started.wait, 5)
        asyncio.get_running_loop().call_later(0.2, release.set)
        await stop([loop])
        return list(rounds_ended)  # what had ended when stop returned, before anything could close

    assert asyncio.run(scenario()) == [True]
    assert rounds_ended == [True]  # and no round began after the stop


def test_a_failing_round_is_tried_again_and_stop_ends_the_loop():
    attempts = []

    def failing() -> None:
        attempts.append(len(attempts))
        raise ConnectionError("database away")

    async def scenario() -> None:
        loop = asyncio.create_task(keep_doing("failing", failing, poll_seconds=0.01))
        while len(attempts) < 3:
            await asyncio.sleep(0.01)
        await stop([loop])
        assert loop.cancelled()

    asyncio.run(scenario())
    assert len(attempts) >= 3

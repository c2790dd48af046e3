"""The answer cache: one computation per key however many readers ask at once, failures not kept, a reader
that goes away not taking the answer with it, and the least recently asked answer dropped first."""

from __future__ import annotations

import asyncio

import pytest

from shared.platform.answer_cache import AnswerCache


class Counted:
    """An answer that says how many times it was computed, after waiting for `release`."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> dict:
        self.calls += 1
        await self.release.wait()
        return {"computed": self.calls}


def test_readers_asking_at_once_share_one_computation():
    async def scenario() -> None:
        cache, compute = AnswerCache(), Counted()
        readers = [asyncio.ensure_future(cache.answer("k", compute)) for _ in range(20)]
        await asyncio.sleep(0)
        compute.release.set()
        answers = await asyncio.gather(*readers)
        assert compute.calls == 1 and {a.content for a in answers} == {b'{"computed":1}'}
        assert (await cache.answer("k", compute)).content == b'{"computed":1}' and compute.calls == 1

    asyncio.run(scenario())


def test_a_failure_reaches_every_waiting_reader_and_is_not_kept():
    async def scenario() -> None:
        cache, attempts = AnswerCache(), []

        async def failing() -> dict:
            attempts.append(1)
            await asyncio.sleep(0.01)
            raise LookupError("no such goal")

        results = await asyncio.gather(*(cache.answer("k", failing) for _ in range(3)), return_exceptions=True)
        assert all(isinstance(r, LookupError) for r in results) and len(attempts) == 1
        with pytest.raises(LookupError):
            await cache.answer("k", failing)
        assert len(attempts) == 2

    asyncio.run(scenario())


def test_a_reader_that_goes_away_leaves_the_answer_to_the_others():
    async def scenario() -> None:
        cache, compute = AnswerCache(), Counted()
        leaving = asyncio.ensure_future(cache.answer("k", compute))
        staying = asyncio.ensure_future(cache.answer("k", compute))
        await asyncio.sleep(0)
        leaving.cancel()
        compute.release.set()
        assert (await staying).content == b'{"computed":1}' and leaving.cancelled()

    asyncio.run(scenario())


def test_the_least_recently_asked_answer_is_dropped_first_to_keep_within_its_bytes():
    async def scenario() -> None:
        cache, computed = AnswerCache(bytes_kept=30), []  # each answer below is 11 bytes: two fit

        def answer_for(key: str):
            async def compute() -> dict:
                computed.append(key)
                return {"key": key}

            return compute

        for key in ("a", "b", "a", "c", "a", "b"):
            await cache.answer(key, answer_for(key))
        assert computed == ["a", "b", "c", "b"]  # "a", asked again, outlived "b"
        assert (await cache.answer("big", answer_for("x" * 40))).content == b'{"key":"' + b"x" * 40 + b'"}'
        await cache.answer("big", answer_for("x" * 40))
        assert computed[-2:] == ["x" * 40, "x" * 40]  # larger than all it may keep: answered, never kept

    asyncio.run(scenario())

"""Answers of figure reads kept encoded, by everything they are a pure function of.

A figure as known at a ledger position never changes (replay rests on it), so the answer to a read is fixed
by the route, its parameters, the caller's scope, the business day and the position it answers as known at.
Dashboards ask the same few of them over and over between two commits; this keeps the latest answers'
bytes, and readers asking for one that is being computed wait for it rather than each computing it again.
A key must name all of those: a key that leaves one out serves one caller's figures to another."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from fastapi import Request, Response

from shared.platform.responses import Encoded

BYTES_KEPT = 32_000_000  # a few of the largest answers (every rep's scores for a month at a million events: 5 MB)


class AnswerCache:
    """The latest answers by key, up to `bytes_kept` of them, least recently asked for dropped first. Used from
    one event loop."""

    def __init__(self, bytes_kept: int = BYTES_KEPT):
        self.bytes_kept = bytes_kept
        self._bytes = 0
        self._kept: OrderedDict[Hashable, Encoded] = OrderedDict()
        self._computing: dict[Hashable, asyncio.Task[Encoded]] = {}

    async def respond(self, request: Request, compute: Callable[[], Awaitable[Any]], *facts: Hashable) -> Response:
        """The answer to `request`, kept by its path and query and `facts`: whatever else it depends on (the
        caller, the position it answers as known at, the business day when the query leaves it out)."""
        encoded = await self.answer((request.url.path, request.url.query, *facts), compute)
        return encoded.response(request)

    async def answer(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Encoded:
        """The answer kept under `key`, else `compute()`'s body encoded and kept. The computation is a task of
        its own, so a reader that goes away leaves it to the others; a failure reaches every reader waiting
        for it and is not kept."""
        if (kept := self._kept.get(key)) is not None:
            self._kept.move_to_end(key)
            return kept
        computing = self._computing.get(key)
        if computing is None:
            computing = asyncio.ensure_future(self._keep(key, compute))
            computing.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._computing[key] = computing
        return await asyncio.shield(computing)

    async def _keep(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Encoded:
        try:
            encoded = Encoded.of(await compute())
        finally:
            del self._computing[key]
        self._kept[key] = encoded
        self._bytes += len(encoded.content)
        while self._bytes > self.bytes_kept:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped.content)
        return encoded

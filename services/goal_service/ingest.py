"""Group commit: concurrent requests queue their submissions, and one writer records whatever has queued
in a single transaction, so many requests share one commit and one position allocation. Followers of
the ledger are woken after each commit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from eventsourcing.persistence import PersistenceError

from services.goal_service.application import LedgerApplication
from services.goal_service.domain.ledger import Submission, SubmissionOutcome
from shared.platform.errors import Unavailable

MAX_SUBMISSIONS_PER_COMMIT = 2000

log = structlog.get_logger("ingest")

Pending = tuple[Submission, asyncio.Future[SubmissionOutcome]]


class GroupCommitWriter:
    def __init__(self, app: LedgerApplication, on_commit: Callable[[], None] = lambda: None):
        self.app = app
        self.on_commit = on_commit  # e.g. wake this process's projections
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._committed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ledger-writer")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def submit(self, submissions: list[Submission]) -> list[SubmissionOutcome]:
        loop = asyncio.get_running_loop()
        futures = []
        for submission in submissions:
            future: asyncio.Future[SubmissionOutcome] = loop.create_future()
            self._queue.put_nowait((submission, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def wait_for_commit(self, timeout: float) -> None:
        """Return after the next commit, or after `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._committed.wait(), timeout)

    async def _run(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < MAX_SUBMISSIONS_PER_COMMIT and not self._queue.empty():
                group.append(self._queue.get_nowait())
            try:
                outcomes = await asyncio.to_thread(self.app.record, [s for s, _ in group])
            except Exception as error:
                log.error("ledger write failed", error=str(error), submissions=len(group))
                failure = (
                    error
                    if isinstance(error, Unavailable)
                    else Unavailable(
                        "the ledger database did not accept the write; retry"
                        if isinstance(error, PersistenceError)
                        else "the ledger write failed; retry"
                    )
                )
                for _, future in group:
                    if not future.done():
                        future.set_exception(failure)
                continue
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if not future.done():  # the caller may have gone away; its events are recorded anyway
                    future.set_result(outcome)
            committed, self._committed = self._committed, asyncio.Event()
            committed.set()
            self.on_commit()

"""Projections: a read model kept by following a position-ordered, hash-chained log, page by page. Each
page's rows and the tracking row that records how far the projection has come are written in one
transaction, so a crash at any point neither loses nor repeats an entry, and the follower resumes from
its tracking row. A page must continue the chain from the tracked hash, so a rewritten ledger stops the
projection instead of being absorbed.

eventsourcing's own runner tracks an application's notification ids in the library's recorders; our read
models are SQLAlchemy tables, and we follow the ledger's gapless positions either from our own store or
over HTTP, so the tracking row lives in the read model's own transaction, here.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import BigInteger, Column, Engine, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.canonical import GENESIS_HASH, timestamp_now
from shared.chain import ChainBreak, ChainedEntry, ChainHead, verify_chain

log = structlog.get_logger("projection")

ReadPage = Callable[[int, int], Sequence[ChainedEntry]]  # (after, limit) -> entries in position order


# Ledger positions outgrow 32 bits in time; SQLite's INTEGER is 64 bits already (and must stay INTEGER for
# its row ids to autoincrement).
Position = BigInteger().with_variant(Integer, "sqlite")


def tracking_table(metadata: MetaData) -> Table:
    return Table(
        "projection_tracking",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("position", Position, nullable=False),
        Column("hash", String(64), nullable=False),
        Column("updated_at", String(32), nullable=False),  # when the position last moved: stalled or idle
    )


class Projection(Protocol):
    name: str

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        """Write what these entries change; called inside the page's transaction."""

    def reset(self, session: Session) -> None:
        """Delete every row this projection wrote, for a rebuild from position zero."""


class LedgerTampered(Exception):
    pass


class TrackingMoved(Exception):
    """Another runner (or a rebuild) moved this projection first; its page was rolled back."""


@dataclass(frozen=True)
class Tracked:
    position: int
    hash: str
    updated_at: str | None


class ProjectionRunner:
    def __init__(
        self, projection: Projection, engine: Engine, tracking: Table, read_page: ReadPage, *, page_size: int = 500
    ):
        self.projection = projection
        self.engine = engine
        self.tracking = tracking
        self.read_page = read_page
        self.page_size = page_size
        self.error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tracked(self) -> Tracked:
        with self.engine.connect() as connection:
            row = connection.execute(select(self.tracking).where(self.tracking.c.name == self.projection.name)).first()
        return Tracked(row.position, row.hash, row.updated_at) if row else Tracked(0, GENESIS_HASH, None)

    def run_once(self) -> int:
        """Project the next page; how many entries it held."""
        start = self.tracked()
        entries = self.read_page(start.position, self.page_size)
        if not entries:
            return 0
        reached = verify_chain(entries, ChainHead(start.position, start.hash))
        if isinstance(reached, ChainBreak):
            raise LedgerTampered(f"ledger entry {reached.position}: {reached.reason}")
        moved_at = timestamp_now()
        with Session(self.engine) as session, session.begin():
            # Tracking first: a second runner on the same page waits here, then finds it moved, before it
            # writes a row of its own.
            self._move_tracking(session, start, reached, moved_at)
            self.projection.apply(session, entries)
        return len(entries)

    def _move_tracking(self, session: Session, start: Tracked, reached: ChainHead, moved_at: str) -> None:
        values = {"position": reached.position, "hash": reached.hash, "updated_at": moved_at}
        if start.updated_at is None:
            try:  # another runner may have made the row first; the whole page is then rolled back
                session.execute(insert(self.tracking).values(name=self.projection.name, **values))
            except IntegrityError:
                raise TrackingMoved(self.projection.name) from None
            return
        # Only from where this page started: a rebuild (or another runner) that moved it first wins.
        moved = session.execute(
            update(self.tracking)
            .where(self.tracking.c.name == self.projection.name, self.tracking.c.position == start.position)
            .values(**values)
        )
        if moved.rowcount != 1:
            raise TrackingMoved(self.projection.name)

    def catch_up(self) -> int:
        """Project until the log is exhausted; a page another runner projected first is skipped."""
        total = 0
        while True:
            try:
                count = self.run_once()
            except TrackingMoved:
                continue
            if not count:
                return total
            total += count

    def rebuild(self) -> int:
        """Forget everything and project the whole log again."""
        with Session(self.engine) as session, session.begin():
            self.projection.reset(session)
            session.execute(self.tracking.delete().where(self.tracking.c.name == self.projection.name))
        return self.catch_up()

    def poke(self) -> None:
        """New entries were committed: look now rather than at the next poll."""
        self._wake.set()

    def start(self, poll_seconds: float = 0.5) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    if self.run_once():
                        self.error = None
                        continue
                except TrackingMoved:
                    continue
                except LedgerTampered as error:
                    self.error = str(error)
                    log.error(
                        "projection stopped: ledger does not chain", projection=self.projection.name, error=self.error
                    )
                    return
                except Exception as error:  # a database hiccup: report it, retry at the next poll
                    self.error = f"{type(error).__name__}: {error}"
                    log.warning("projection page failed", projection=self.projection.name, error=self.error)
                self._wake.wait(poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name=f"projection-{self.projection.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(10)


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag: int
    updated_at: str | None
    error: str | None


class Projections:
    """A service's projections over one log: started, stopped, woken and reported on together."""

    def __init__(self, engine: Engine, runners: list[ProjectionRunner], head: Callable[[], int]):
        self.engine = engine
        self.runners = {runner.projection.name: runner for runner in runners}
        self.head = head

    def start(self) -> None:
        for runner in self.runners.values():
            runner.start()

    def stop(self) -> None:
        for runner in self.runners.values():
            runner.stop()
        self.engine.dispose()

    def poke(self) -> None:
        for runner in self.runners.values():
            runner.poke()

    def held(self, names: tuple[str, ...] | None = None) -> int:
        """The furthest position every named projection (all by default) holds."""
        return min(self.runners[name].tracked().position for name in names or tuple(self.runners))

    async def reach(self, position: int, seconds: float, names: tuple[str, ...] | None = None) -> int:
        """Wake the named projections and wait, up to `seconds`, until they all hold `position`; the
        furthest position they hold then, which is below `position` only when time ran out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (held := await asyncio.to_thread(self.held, names)) < position and loop.time() < deadline:
            self.poke()
            await asyncio.sleep(0.01)
        return held

    def status(self) -> list[ProjectionStatus]:
        head = self.head()
        found = []
        for name, runner in self.runners.items():
            tracked = runner.tracked()
            found.append(
                ProjectionStatus(
                    name, tracked.position, head, head - tracked.position, tracked.updated_at, runner.error
                )
            )
        return found

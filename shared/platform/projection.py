"""Projections: a read model kept by following a position-ordered, hash-chained log, page by page. Each
page's rows and the tracking row that records how far the projection has come are written in one
transaction, so a crash at any point neither loses nor repeats an entry, and the follower resumes from
its tracking row. A page must continue the chain from the tracked hash, so a rewritten ledger stops the
projection instead of being absorbed.

eventsourcing's own runner tracks an application's notification ids in the library's recorders; our read
models are SQLAlchemy tables, and we follow the ledger's gapless positions either from our own store or
over HTTP, so the tracking row lives in the read model's own transaction, here.

No single entry stops a projection silently: one that cannot be applied is found, reported as poisoned,
and passed over only by an operator's recorded decision (shared/poison.py says how).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, cast

import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    CursorResult,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from shared.platform.canonical import GENESIS_HASH, timestamp_now
from shared.platform.chain import ChainBreak, ChainedEntry, ChainHead, verify_chain
from shared.platform.errors import Conflict, NotFound
from shared.platform.lease import ProjectionLease
from shared.platform.poison import (
    POISON_STRIKES,
    POISONED_RETRY_SECONDS,
    FailingEntry,
    PassedOver,
    describe,
    is_transient,
    with_decisions,
)

log = structlog.get_logger("projection")

ReadPage = Callable[[int, int], Sequence[ChainedEntry]]  # (after, limit) -> entries in position order


# How long a runner that has caught up lets new commits gather before it projects them, unless a reader is
# waiting (`hurry`): well inside the half second a figure may lag the ledger.
GATHER_SECONDS = 0.1
# How often a runner looks for entries nobody told it about (a commit in another process it did not hear of).
POLL_SECONDS = 0.5

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


def skips_table(metadata: MetaData) -> Table:
    """Operators' decisions to pass over one entry in one projection (shared/poison.py); never deleted."""
    return Table(
        "projection_skips",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("position", Position, primary_key=True, autoincrement=False),
        Column("hash", String(64), nullable=False),
        Column("reason", Text, nullable=False),
        Column("actor", String(256), nullable=False),
        Column("failure", Text),
        Column("decided_at", String(32), nullable=False),
    )


class Projection(Protocol):
    name: str

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        """Write what these entries change; called inside the page's transaction. An entry an operator
        passed over arrives as a placeholder of type shared.platform.poison.PASSED_OVER (position and hash only)."""

    def reset(self, session: Session) -> None:
        """Delete every row this projection wrote, for a rebuild from position zero."""


class LedgerTampered(Exception):
    pass


class TrackingMoved(Exception):
    """Another runner (or a rebuild) moved this projection first; its page was rolled back."""


class EntryFailed(Exception):
    """One entry failed on its own (a strike against it; see `ProjectionRunner.failing`)."""


@dataclass(frozen=True)
class Tracked:
    position: int
    hash: str
    updated_at: str | None


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        engine: Engine,
        tracking: Table,
        read_page: ReadPage,
        *,
        page_size: int = 500,
        skips: Table | None = None,
        gather_seconds: float = GATHER_SECONDS,
        after_page: Callable[[], None] = lambda: None,
    ):
        self.projection = projection
        self.engine = engine
        self.tracking = tracking
        self.skips = skips  # without it, no entry can be passed over
        self.read_page = read_page
        self.page_size = page_size
        self.error: str | None = None
        self.failing: FailingEntry | None = None
        self._retry_poison_at = 0.0
        self.gather_seconds = gather_seconds
        self.after_page = after_page  # e.g. wake a projection that reads what this one writes
        self._wake = threading.Event()
        self._hurry = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.committed = 0  # the position of this runner's last page, a hint for `Projections.reach`

    def tracked(self) -> Tracked:
        with self.engine.connect() as connection:
            row = connection.execute(select(self.tracking).where(self.tracking.c.name == self.projection.name)).first()
        return Tracked(row.position, row.hash, row.updated_at) if row else Tracked(0, GENESIS_HASH, None)

    @property
    def poisoned(self) -> FailingEntry | None:
        return self.failing if self.failing is not None and self.failing.poisoned else None

    def run_once(self) -> int:
        """Project the next page; how many entries it held. A page that fails is projected entry by entry,
        so that every entry before a bad one is kept and the bad one is found (EntryFailed)."""
        start = self.tracked()
        self.committed = start.position
        if self._waiting_on_poison(start):
            return 0
        entries = self.read_page(start.position, self.page_size)
        if not entries:
            return 0
        reached = verify_chain(entries, ChainHead(start.position, start.hash))
        if isinstance(reached, ChainBreak):
            raise LedgerTampered(f"ledger entry {reached.position}: {reached.reason}")
        try:
            self._project(start, reached, entries)
        except TrackingMoved:
            raise
        except Exception as error:
            if is_transient(error):
                raise
            return self._project_one_by_one(start, entries)
        self.failing = None
        return len(entries)

    def _project(self, start: Tracked, reached: ChainHead, entries: Sequence[ChainedEntry]) -> None:
        with Session(self.engine) as session, session.begin():
            # Tracking first: a second runner on the same page waits here, then finds it moved, before it
            # writes a row of its own.
            self._move_tracking(session, start, reached, timestamp_now())
            self.projection.apply(session, with_decisions(entries, self._decisions(session, entries)))
        self.committed = reached.position
        self.after_page()

    def _project_one_by_one(self, start: Tracked, entries: Sequence[ChainedEntry]) -> int:
        done, at = 0, start
        for item in entries:
            try:
                self._project(at, ChainHead(item.position, item.hash), [item])
            except TrackingMoved:
                raise
            except Exception as error:
                if is_transient(error) or not self._database_answers():
                    raise
                self._strike(item, error)
                if done:
                    return done
                raise EntryFailed(f"entry {item.position} fails on its own: {describe(error)}") from error
            done += 1
            at = Tracked(item.position, item.hash, "moved")
        return done  # every entry went in alone: what failed the page was not one of them

    def _database_answers(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(self.tracking.c.position).limit(1))
        except Exception:
            return False
        return True

    def _strike(self, item: ChainedEntry, error: BaseException) -> None:
        earlier = self.failing
        again = earlier is not None and (earlier.position, earlier.hash) == (item.position, item.hash)
        self.failing = FailingEntry(
            item.position,
            item.hash,
            describe(error),
            earlier.strikes + 1 if earlier and again else 1,
            earlier.since if earlier and again else timestamp_now(),
        )
        if self.failing.poisoned:
            self._retry_poison_at = time.monotonic() + POISONED_RETRY_SECONDS
        if self.failing.strikes == POISON_STRIKES:
            log.error(
                "projection stopped at a poisoned entry; an operator may pass over it (perfledger projections skip)",
                projection=self.projection.name,
                position=item.position,
                reason=self.failing.reason,
            )

    def _waiting_on_poison(self, start: Tracked) -> bool:
        """Whether to leave a poisoned entry alone this time: until its retry is due, unless an operator has
        decided to pass over it."""
        poisoned = self.poisoned
        if poisoned is None or poisoned.position != start.position + 1 or time.monotonic() >= self._retry_poison_at:
            return False
        return poisoned.position not in {d.position for d in self.passed_over()}

    def _decisions(self, session: Session, entries: Sequence[ChainedEntry]) -> dict[int, str]:
        if self.skips is None:
            return {}
        c = self.skips.c
        rows = session.execute(
            select(c.position, c.hash).where(
                c.name == self.projection.name, c.position.between(entries[0].position, entries[-1].position)
            )
        )
        return {row.position: row.hash for row in rows}

    def passed_over(self) -> list[PassedOver]:
        """Every decision to pass over an entry in this projection, in position order."""
        if self.skips is None:
            return []
        c = self.skips.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(c.position, c.hash, c.reason, c.actor, c.failure, c.decided_at)
                .where(c.name == self.projection.name)
                .order_by(c.position)
            ).all()
        return [PassedOver(*row) for row in rows]

    def pass_over(self, position: int, *, reason: str, actor: str) -> tuple[PassedOver, bool]:
        """Record the decision to pass over the entry this projection cannot apply, and go on; the decision,
        and whether it is new (deciding again about the same entry changes nothing)."""
        if self.skips is None:
            raise Conflict(f"projection {self.projection.name} keeps no decisions to pass over entries")
        for earlier in self.passed_over():
            if earlier.position == position:
                return earlier, False
        failing = self.failing
        if failing is None or failing.position != position:
            at = self.tracked().position
            raise Conflict(
                f"entry {position} is not failing in projection {self.projection.name} (it holds up to {at}"
                + (f"; entry {failing.position} is failing)" if failing else "; nothing is failing)"),
            )
        decision = PassedOver(position, failing.hash, reason, actor, failing.reason, timestamp_now())
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(self.skips).values(name=self.projection.name, **asdict(decision)))
        except IntegrityError:  # another process decided first: its decision stands
            return next(d for d in self.passed_over() if d.position == position), False
        log.warning("entry passed over", projection=self.projection.name, position=position, actor=actor)
        self.poke()
        return decision, True

    def _move_tracking(self, session: Session, start: Tracked, reached: ChainHead, moved_at: str) -> None:
        values = {"position": reached.position, "hash": reached.hash, "updated_at": moved_at}
        if start.updated_at is None:
            try:  # another runner may have made the row first; the whole page is then rolled back
                session.execute(insert(self.tracking).values(name=self.projection.name, **values))
            except IntegrityError:
                raise TrackingMoved(self.projection.name) from None
            return
        # Only from where this page started: a rebuild (or another runner) that moved it first wins.
        moved = cast(  # an UPDATE's result is a cursor's, which counts the rows it matched
            CursorResult[Any],
            session.execute(
                update(self.tracking)
                .where(self.tracking.c.name == self.projection.name, self.tracking.c.position == start.position)
                .values(**values)
            ),
        )
        if moved.rowcount != 1:
            raise TrackingMoved(self.projection.name)

    def catch_up(self) -> int:
        """Project until the log is exhausted or a poisoned entry stops it (see `poisoned`); a page another
        runner projected first is skipped. A transient failure is raised."""
        total = 0
        while True:
            try:
                count = self.run_once()
            except TrackingMoved:
                continue
            except EntryFailed:
                if self.poisoned:
                    return total
                continue
            if not count:
                return total
            total += count

    def rebuild(self) -> int:
        """Forget everything and project the whole log again; decisions to pass over entries are kept."""
        with Session(self.engine) as session, session.begin():
            self.projection.reset(session)
            session.execute(self.tracking.delete().where(self.tracking.c.name == self.projection.name))
        return self.catch_up()

    def poke(self) -> None:
        """New entries were committed: look soon rather than at the next poll."""
        self._wake.set()

    def hurry(self) -> None:
        """A reader waits for this projection: project what is there now, without gathering more."""
        self._hurry.set()
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()  # a runner stood down by its lease may lead again

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    count = self.run_once()
                    if count:
                        self.error = None
                    if count >= self.page_size:  # behind: the next page is there already
                        continue
                except TrackingMoved:
                    continue
                except LedgerTampered as error:
                    self.error = str(error)
                    log.error(
                        "projection stopped: ledger does not chain", projection=self.projection.name, error=self.error
                    )
                    return
                except EntryFailed as error:  # counted against the entry; poisoned after a few in a row
                    self.error = str(error)
                    count = 0
                except Exception as error:  # a database hiccup: report it, retry at the next poll
                    if self._stop.is_set():  # the read was cut short by stopping
                        return
                    self.error = describe(error)
                    detail = f"{type(error).__name__}: {error}"[:2000]  # the log is the operator's: all of it
                    log.warning("projection page failed", projection=self.projection.name, error=detail)
                    count = 0
                if not count:
                    self._wake.wait(POLL_SECONDS)
                    self._wake.clear()
                # Let the commits of the next moment join the next page: under a steady stream pages grow, and
                # what each page costs (a transaction, its tracking row, a flush) is paid once for many entries.
                self._hurry.wait(self.gather_seconds)
                self._hurry.clear()

        self._thread = threading.Thread(target=loop, name=f"projection-{self.projection.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.request_stop()
        if self._thread:
            self._thread.join(10)

    def request_stop(self) -> None:
        self._stop.set()
        self.hurry()


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag: int
    updated_at: str | None
    error: str | None
    poisoned: FailingEntry | None = None
    passed_over: list[PassedOver] = field(default_factory=list)


class Projections:
    """A service's projections over one log: started, stopped, woken and reported on together."""

    def __init__(
        self,
        engine: Engine,
        runners: list[ProjectionRunner],
        head: Callable[[], int],
        interrupt: Callable[[], None] = lambda: None,
        replica: Engine | None = None,
    ):
        self.engine = engine
        self.replica = replica  # a read-only copy of `engine`'s database, for reads it holds (reader)
        self.runners = {runner.projection.name: runner for runner in runners}
        self.head = head
        self.interrupt = interrupt  # cuts a runner's wait on its log short, so stopping is prompt
        self.lease: ProjectionLease | None = None
        self._running = False

    def start(self) -> None:
        """Run the projections; on PostgreSQL, only while this process holds their lease (lease.py)."""
        if self.engine.dialect.name == "postgresql":
            self.lease = ProjectionLease(self.engine, ",".join(sorted(self.runners)), self._run, self._halt)
            self.lease.start()
        else:
            self._run()

    @property
    def leading(self) -> bool:
        return self.lease.leading if self.lease else self._running

    def stop(self) -> None:
        for runner in self.runners.values():
            runner.request_stop()
        self.interrupt()  # for good: the follower's long poll ends now
        if self.lease:
            self.lease.stop()
        self._halt()
        self.engine.dispose()
        if self.replica is not None:
            self.replica.dispose()

    def _run(self) -> None:
        for runner in self.runners.values():
            runner.start()
        self._running = True

    def _halt(self) -> None:
        for runner in self.runners.values():
            runner.request_stop()
        for runner in self.runners.values():
            runner.stop()
        self._running = False

    def poke(self) -> None:
        for runner in self.runners.values():
            runner.poke()

    def reader(self, position: int, names: tuple[str, ...]) -> Engine:
        """Where to read what the named projections hold at `position`: the replica once it holds it there too
        (it follows the primary with some delay), else the primary."""
        if self.replica is None:
            return self.engine
        tracking = next(iter(self.runners.values())).tracking
        try:
            with self.replica.connect() as connection:
                held = connection.execute(
                    select(func.min(tracking.c.position)).where(tracking.c.name.in_(names))
                ).scalar()
        except SQLAlchemyError as error:  # down, or not yet a copy: the primary answers meanwhile
            log.warning("the read replica cannot be read", error=f"{type(error).__name__}: {error}")
            return self.engine
        return self.replica if held is not None and held >= position else self.engine

    def held(self, names: tuple[str, ...] | None = None) -> int:
        """The furthest position every named projection (all by default) holds, read in one statement."""
        names = names or tuple(self.runners)
        tracking = self.runners[names[0]].tracking
        with self.engine.connect() as connection:
            rows = connection.execute(select(tracking.c.name, tracking.c.position).where(tracking.c.name.in_(names)))
            positions = {name: position for name, position in rows}
        return min(positions.get(name, 0) for name in names)

    async def reach(self, position: int, seconds: float, names: tuple[str, ...] | None = None) -> int:
        """Wake the named projections and wait, up to `seconds`, until they all hold `position`; the
        furthest position they hold then, which is below `position` only when time ran out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        held = await asyncio.to_thread(self.held, names)
        asked = loop.time()
        while held < position and loop.time() < deadline:
            for name in names or tuple(self.runners):
                self.runners[name].hurry()
            await asyncio.sleep(0.005)
            # The runners' own hint says when to ask the database again; now and then it is asked anyway,
            # since another process (a rebuild) may move a projection too.
            hint = min(self.runners[name].committed for name in names or tuple(self.runners))
            if hint >= position or loop.time() - asked > 0.2:
                held = await asyncio.to_thread(self.held, names)
                asked = loop.time()
        return held

    def status(self) -> list[ProjectionStatus]:
        head = self.head()
        found = []
        for name, runner in self.runners.items():
            tracked = runner.tracked()
            found.append(
                ProjectionStatus(
                    name,
                    tracked.position,
                    head,
                    head - tracked.position,
                    tracked.updated_at,
                    runner.error,
                    runner.poisoned,
                    runner.passed_over(),
                )
            )
        return found

    def runner(self, name: str) -> ProjectionRunner:
        if name not in self.runners:
            raise NotFound(f"no projection {name}; this service has {', '.join(self.runners)}")
        return self.runners[name]

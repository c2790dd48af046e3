"""What goal_service's queries read, as known at a ledger position: the rules (organisation, goals, working-day
calendar) folded from the rule projection and the credited contributions from the credit projection. An
answer names the position it reflects, which is never past what the projections hold."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from services.goal_service.application import LedgerApplication
from shared.kernel.goals import Goals
from shared.kernel.ledger_views.queries import load_credits, read_day_sums
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.metrics.asks import Ask
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation
from shared.kernel.workdays import WorkingCalendar
from shared.platform.projection import Projections

T = TypeVar("T")
FRESHNESS_WAIT_SECONDS = 2.0  # how long a figure waits for the projections to reach the position asked for
# What a figure waits for: not the unit sums, which only speed up what the rest can answer on their own.
FIGURES_WAIT_FOR = ("credit", "rules", "crm_records")


@dataclass(frozen=True)
class Rules:
    """The rules as known at `position`."""

    position: int
    organisation: Organisation
    goals: Goals
    calendar: WorkingCalendar


class LedgerReads:
    def __init__(self, ledger: LedgerApplication, projections: Projections, rulebook: RuleBook, zone: ZoneInfo):
        self.ledger = ledger
        self.projections = projections
        self.rulebook = rulebook
        self.zone = zone

    def today(self) -> date:
        """The company's current business day."""
        return datetime.now(self.zone).date()

    async def head(self) -> int:
        return await asyncio.to_thread(self.ledger.head_position)

    async def rules_position(self, known_at: int | None) -> int:
        """The position a rule read answers as known at: the one asked for, but never past what the rule
        projection holds, so an answer names the position it really reflects."""
        projected = await asyncio.to_thread(self.projections.held, ("rules",))
        return projected if known_at is None else min(known_at, projected)

    async def figures_position(self, known_at: int | None) -> int:
        """The position a figure answers as known at: the one asked for (by default the ledger head), once
        every projection holds it; after a short wait for them, the furthest they all hold."""
        wanted = known_at if known_at is not None else await self.head()
        return min(await self.projections.reach(wanted, FRESHNESS_WAIT_SECONDS, FIGURES_WAIT_FOR), wanted)

    async def rules(self, position: int) -> Rules:
        organisation, goals, calendar = await asyncio.gather(
            asyncio.to_thread(self.rulebook.organisation, position),
            asyncio.to_thread(self.rulebook.goals, position),
            asyncio.to_thread(self.rulebook.calendar, position),
        )
        return Rules(position, organisation, goals, calendar)

    async def rules_known_at(self, known_at: int | None) -> Rules:
        return await self.rules(await self.rules_position(known_at))

    async def organisation(self, position: int) -> Organisation:
        return await asyncio.to_thread(self.rulebook.organisation, position)

    async def calendar(self, position: int) -> WorkingCalendar:
        return await asyncio.to_thread(self.rulebook.calendar, position)

    async def credits(self, measures: Iterable[str], start: str, end: str, position: int) -> list[Credit]:
        """Contributions to `measures` that occurred in [start, end) (canonical UTC timestamps), as known at
        `position` (`shared.kernel.ledger_views.queries.load_credits`)."""
        return await asyncio.to_thread(
            self._on_reader, position, load_credits, set(measures), start, end, position, self.zone
        )

    async def day_sums(self, asks: Sequence[Ask], position: int) -> list[list[Credit]]:
        """What each ask sums of the credits as known at `position`, read together from the day sums
        (`shared.kernel.ledger_views.queries.read_day_sums`)."""
        return await asyncio.to_thread(
            self._on_reader, position, read_day_sums, "credit", asks, position, self.zone, "units"
        )

    def _on_reader(self, position: int, read: Callable[..., T], *args: Any) -> T:
        """`read(engine, *args)` on the database that holds the credit projection at `position` (a replica when
        it does, `Projections.reader`): chosen in the same worker thread as the read, not a hop of its own."""
        return read(self.projections.reader(position, ("credit",)), *args)

"""The working-day calendar as the API offers it: HR publishes each year (or seeds it from chinese-calendar,
for the years that package knows); each publication is a new version, and any version stays readable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from typing import Any

from services.goal_service.domain.ledger import RecordedEvent
from services.goal_service.reads import LedgerReads
from services.goal_service.rule_changes import RuleChanges
from shared.kernel.workdays import CalendarYear, seed_year
from shared.platform.auth import Principal
from shared.platform.errors import InvalidInput, NotFound


class CalendarNotPublished(NotFound):
    def __init__(self, year: int, position: int):
        super().__init__(f"no calendar is published for {year} as known at position {position}")


class SeedUnknown(InvalidInput):
    """chinese-calendar does not know the year: HR publishes it."""


@dataclass(frozen=True)
class PublishedYear:
    year: CalendarYear
    known_at: int
    working_days: int


class CalendarService:
    def __init__(self, reads: LedgerReads, changes: RuleChanges):
        self.reads = reads
        self.changes = changes

    async def publish(self, principal: Principal, year: int, body: Mapping[str, Any]) -> RecordedEvent:
        """HR's calendar for a year: `holidays`, make-up `workdays` and a `reason`; its position is the version."""
        change = {**body, "year": year, "source": "hr"}
        return await self.changes.record("calendar.year.published", change, principal=principal)

    async def seed(self, principal: Principal, year: int) -> RecordedEvent:
        """Publish a year from the chinese-calendar package, when it knows the year."""
        try:
            holidays, workdays = seed_year(year)
        except LookupError as error:
            raise SeedUnknown(str(error)) from None
        change = {
            "year": year,
            "holidays": [d.isoformat() for d in holidays],
            "workdays": [d.isoformat() for d in workdays],
            "source": f"chinese-calendar {version('chinese-calendar')}",
            "reason": "seeded from chinese-calendar",
        }
        return await self.changes.record("calendar.year.published", change, principal=principal)

    async def year(self, year: int, known_at: int | None) -> PublishedYear:
        position = await self.reads.rules_position(known_at)
        calendar = await self.reads.calendar(position)
        published = calendar.years.get(year)
        if published is None:
            raise CalendarNotPublished(year, position)
        return PublishedYear(published, position, calendar.working_days(date(year, 1, 1), date(year, 12, 31)))

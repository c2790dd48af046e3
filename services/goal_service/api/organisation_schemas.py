"""Response bodies of goal_service's organisation and calendar routes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from services.goal_service.calendars import PublishedYear
from services.goal_service.organisation import ImportOutcome, RepHistory, RepsOnDay, UnitsOnDay
from shared.kernel.events.organisation import UnitKind


class RejectedRow(BaseModel):
    line: int
    reason: str


class OrganisationImportOut(BaseModel):
    lines: int
    changes: int = Field(description="The changes recorded, one ledger entry each.")
    unchanged: int = Field(description="Rows that already held.")
    rejected: list[RejectedRow]

    @classmethod
    def of(cls, outcome: ImportOutcome) -> OrganisationImportOut:
        return cls(
            lines=outcome.lines,
            changes=len(outcome.recorded),
            unchanged=outcome.plan.unchanged,
            rejected=[RejectedRow(line=line, reason=reason) for line, reason in outcome.plan.rejected],
        )


class UnitOut(BaseModel):
    unit_id: str
    kind: UnitKind
    name: str | None
    parent_id: str | None


class UnitsOut(BaseModel):
    as_of: date
    known_at: int
    units: list[UnitOut]

    @classmethod
    def of(cls, found: UnitsOnDay) -> UnitsOut:
        units = [UnitOut(unit_id=u.unit_id, kind=u.kind, name=u.name, parent_id=u.parent_id) for u in found.units]
        return cls(as_of=found.as_of, known_at=found.known_at, units=units)


class RepOut(BaseModel):
    rep_id: str
    name: str
    unit_id: str = Field(description="The team the rep belonged to that day.")


class RepsOut(BaseModel):
    as_of: date
    known_at: int
    reps: list[RepOut]

    @classmethod
    def of(cls, found: RepsOnDay) -> RepsOut:
        reps = [RepOut(rep_id=r.rep_id, name=r.name, unit_id=r.unit_id) for r in found.reps]
        return cls(as_of=found.as_of, known_at=found.known_at, reps=reps)


class MembershipOut(BaseModel):
    unit_id: str | None
    valid_from: date
    valid_to: date | None = Field(description="The first day it no longer held; null while it still does.")


class RepHistoryOut(BaseModel):
    rep_id: str
    name: str
    known_at: int
    memberships: list[MembershipOut]

    @classmethod
    def of(cls, found: RepHistory) -> RepHistoryOut:
        return cls(
            rep_id=found.rep_id,
            name=found.name,
            known_at=found.known_at,
            memberships=[
                MembershipOut(unit_id=s.value, valid_from=s.valid_from, valid_to=s.valid_to) for s in found.memberships
            ],
        )


class CalendarYearOut(BaseModel):
    year: int
    version: int = Field(description="The ledger position that published this year.")
    known_at: int
    holidays: list[date] = Field(description="Days off that would be working days.")
    workdays: list[date] = Field(description="Make-up working days (调休) that would be weekend days.")
    working_days: int

    @classmethod
    def of(cls, found: PublishedYear) -> CalendarYearOut:
        published = found.year
        return cls(
            year=published.year,
            version=published.version,
            known_at=found.known_at,
            holidays=sorted(published.holidays),
            workdays=sorted(published.workdays),
            working_days=found.working_days,
        )

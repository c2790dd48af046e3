"""The organisation as the API offers it: changes by HR and admins (each one a ledger entry, checked by the
organisation itself), a CSV import of the whole tree, and reads as of a business day and as known at a
ledger position, scoped to what the caller may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.goal_service.domain.ledger import RecordedEvent
from services.goal_service.domain.organisation_import import ImportPlan, read_rows
from services.goal_service.reads import LedgerReads
from services.goal_service.rule_changes import RuleChanges
from shared.kernel.events.organisation import UnitKind
from shared.kernel.organisation import Segment
from shared.kernel.scope import may_see
from shared.platform.auth import Principal
from shared.platform.errors import NotFound


class RepNotVisible(NotFound):
    def __init__(self, rep_id: str):
        super().__init__(f"no rep {rep_id} is visible to you")


@dataclass(frozen=True)
class ImportOutcome:
    lines: int
    plan: ImportPlan
    recorded: list[RecordedEvent]


@dataclass(frozen=True)
class UnitOnDay:
    unit_id: str
    kind: UnitKind
    name: str | None
    parent_id: str | None


@dataclass(frozen=True)
class RepOnDay:
    rep_id: str
    name: str
    unit_id: str  # the team the rep belonged to that day


@dataclass(frozen=True)
class UnitsOnDay:
    as_of: date
    known_at: int
    units: list[UnitOnDay]  # in unit id order


@dataclass(frozen=True)
class RepsOnDay:
    as_of: date
    known_at: int
    reps: list[RepOnDay]  # in rep id order


@dataclass(frozen=True)
class RepHistory:
    rep_id: str
    name: str
    known_at: int
    memberships: list[Segment]  # the teams the rep belonged to, each from its first day to the day after its last


class OrganisationService:
    def __init__(self, reads: LedgerReads, changes: RuleChanges):
        self.reads = reads
        self.changes = changes

    async def change(
        self, principal: Principal, kind: str, body: Mapping[str, Any], idempotency_key: str | None
    ) -> RecordedEvent:
        """Record an `org.*` change (`body` without its actor) once the organisation accepts it."""
        return await self.changes.record(kind, body, principal=principal, idempotency_key=idempotency_key)

    async def import_csv(self, principal: Principal, text: str) -> ImportOutcome:
        """Bring the organisation to what a CSV says (domain/organisation_import.py)."""
        rows = read_rows(text)
        plan, recorded = await self.changes.import_organisation(rows, principal=principal)
        return ImportOutcome(len(rows), plan, recorded)

    async def units(self, principal: Principal, as_of: date | None, known_at: int | None) -> UnitsOnDay:
        """Every unit on a day that the caller may see, with its name and parent on that day."""
        position = await self.reads.rules_position(known_at)
        organisation = await self.reads.organisation(position)
        day = as_of or self.reads.today()
        units = [
            UnitOnDay(u.unit_id, u.kind, u.names.at(day), u.parents.at(day))
            for u in organisation.units.values()
            if organisation.exists(u.unit_id, day) and may_see(principal, organisation, "unit", u.unit_id, (day,))
        ]
        return UnitsOnDay(day, position, sorted(units, key=lambda u: u.unit_id))

    async def reps(
        self, principal: Principal, as_of: date | None, known_at: int | None, unit_id: str | None = None
    ) -> RepsOnDay:
        """The reps employed on a day that the caller may see, with the team each belonged to that day; with
        `unit_id`, only those in that unit's subtree."""
        position = await self.reads.rules_position(known_at)
        organisation = await self.reads.organisation(position)
        day = as_of or self.reads.today()
        reps = []
        for rep in organisation.reps.values():
            team = rep.units.at(day)
            if team is None or not may_see(principal, organisation, "rep", rep.rep_id, (day,)):
                continue
            if unit_id is None or organisation.within(team, unit_id, day):
                reps.append(RepOnDay(rep.rep_id, rep.name, team))
        return RepsOnDay(day, position, sorted(reps, key=lambda r: r.rep_id))

    async def rep_history(self, principal: Principal, rep_id: str, known_at: int | None) -> RepHistory:
        position = await self.reads.rules_position(known_at)
        organisation = await self.reads.organisation(position)
        rep = organisation.reps.get(rep_id)
        segments = rep.units.segments() if rep is not None else []
        if rep is None or not may_see(principal, organisation, "rep", rep_id, tuple(s.valid_from for s in segments)):
            raise RepNotVisible(rep_id)
        return RepHistory(rep_id, rep.name, position, [s for s in segments if s.value is not None])

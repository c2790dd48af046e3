"""The organisation: company → regions / product lines / teams → reps, effective-dated. It is a pure fold
over the organisation entries of the ledger in position order, so "the organisation as known at position
k" is the fold of the entries up to k, and "as of day d" reads each timeline at d. A change recorded late
with a past effective date takes its place in the timeline: an activity is credited to the team its rep
belonged to on the day it occurred, whenever either was recorded."""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared.kernel.events.organisation import UnitKind
from shared.platform.errors import Conflict, FieldError, InvalidInput

LEAF = UnitKind.TEAM  # reps belong to teams; teams hold no units


@dataclass(frozen=True)
class Segment:
    valid_from: date
    valid_to: date | None  # the first day it no longer holds; None while it still does
    value: str | None


@dataclass
class Timeline:
    """Values that hold from a day on; changes on the same day apply in ledger order."""

    changes: list[tuple[date, int, str | None]] = field(default_factory=list)

    def add(self, effective_from: date, position: int, value: str | None) -> None:
        insort(self.changes, (effective_from, position, value))

    def at(self, day: date) -> str | None:
        found = None
        for effective_from, _, value in self.changes:
            if effective_from > day:
                break
            found = value
        return found

    @property
    def starts(self) -> date:
        return self.changes[0][0]

    def segments(self) -> list[Segment]:
        by_day: dict[date, str | None] = {}
        for effective_from, _, value in self.changes:
            by_day[effective_from] = value  # the last change of a day wins
        days = sorted(by_day)
        return [Segment(day, days[i + 1] if i + 1 < len(days) else None, by_day[day]) for i, day in enumerate(days)]


@dataclass
class Unit:
    unit_id: str
    kind: UnitKind
    names: Timeline
    parents: Timeline


@dataclass(frozen=True)
class Member:
    """A rep counted for a unit on the days first..last."""

    rep_id: str
    first: date
    last: date


@dataclass
class Rep:
    rep_id: str
    name: str
    units: Timeline  # None from the day the rep left


class OrganisationChangeRefused(InvalidInput):
    """A change that does not fit the organisation on its effective day, naming the field that does not."""

    def __init__(self, pointer: str, detail: str):
        super().__init__(detail, errors=[FieldError(pointer, detail)])


class UnitExists(Conflict):
    """A unit id, or the company, that is taken already."""


class RepAlreadyEmployed(Conflict):
    def __init__(self, rep_id: str):
        super().__init__(f"rep {rep_id} is already employed; move them instead")


@dataclass
class Organisation:
    units: dict[str, Unit] = field(default_factory=dict)
    reps: dict[str, Rep] = field(default_factory=dict)
    position: int = 0  # the last entry folded in
    _members: dict[tuple[str, date, date], tuple[Member, ...]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def fold(cls, entries: Iterable[Mapping[str, Any]]) -> Organisation:
        organisation = cls()
        for entry in entries:
            organisation.apply(entry)
        return organisation

    def apply(self, entry: Mapping[str, Any]) -> None:
        """Fold one recorded entry in; entries were checked before they were recorded."""
        kind, data, position = entry["type"], entry["data"], entry["position"]
        if not kind.startswith("org."):
            return
        self._members.clear()
        day = date.fromisoformat(data["effective_from"])
        match kind:
            case "org.unit.created":
                unit = Unit(data["unit_id"], UnitKind(data["kind"]), Timeline(), Timeline())
                unit.names.add(day, position, data["name"])
                unit.parents.add(day, position, data.get("parent_id"))
                self.units[unit.unit_id] = unit
            case "org.unit.renamed":
                self.units[data["unit_id"]].names.add(day, position, data["name"])
            case "org.unit.moved":
                self.units[data["unit_id"]].parents.add(day, position, data["parent_id"])
            case "org.rep.hired":
                rep = self.reps.setdefault(data["rep_id"], Rep(data["rep_id"], data["name"], Timeline()))
                rep.name = data["name"]
                rep.units.add(day, position, data["unit_id"])
            case "org.rep.moved":
                self.reps[data["rep_id"]].units.add(day, position, data["unit_id"])
            case "org.rep.left":
                self.reps[data["rep_id"]].units.add(day, position, None)
        self.position = position

    # --- reading ---------------------------------------------------------------------------------------

    def unit_of(self, rep_id: str, day: date) -> str | None:
        rep = self.reps.get(rep_id)
        return rep.units.at(day) if rep else None

    def exists(self, unit_id: str, day: date) -> bool:
        unit = self.units.get(unit_id)
        return unit is not None and unit.parents.starts <= day

    def ancestry(self, unit_id: str, day: date) -> list[str]:
        """The unit and the units above it on that day, nearest first."""
        chain: list[str] = []
        current: str | None = unit_id
        while current is not None and current not in chain and current in self.units:
            chain.append(current)
            current = self.units[current].parents.at(day)
        return chain

    def within(self, unit_id: str | None, root: str, day: date) -> bool:
        return unit_id is not None and root in self.ancestry(unit_id, day)

    def moves(self) -> tuple[date, ...]:
        """Every day on which some rep or unit moves: between two of them, who is in which unit stays put, so
        credits summed over such a span count for the units of its first day."""
        units = {d for u in self.units.values() for d, _, _ in u.parents.changes}
        return tuple(sorted(units | {d for r in self.reps.values() for d, _, _ in r.units.changes}))

    def members_within(self, root: str, first: date, last: date) -> tuple[Member, ...]:
        """Who counts for `root` from first to last, and on which days: each rep on the days they were in a
        unit then within it, as `within(unit_of(rep, day), root, day)` says day by day. The units above a
        unit change only on the days some unit moves, and a rep's unit on the days they move, so it is
        enough to ask on those days. Cached: an organisation is not changed once folded."""
        key = (root, first, last)
        if key not in self._members:
            self._members[key] = self._members_within(root, first, last)
        return self._members[key]

    def _members_within(self, root: str, first: date, last: date) -> tuple[Member, ...]:
        moves = sorted({first} | {d for u in self.units.values() for d, _, _ in u.parents.changes if first < d <= last})
        inside = [{u for u in self.units if self.within(u, root, day)} for day in moves]
        found = []
        for rep in sorted(self.reps.values(), key=lambda r: r.rep_id):
            days = sorted(set(moves) | {d for d, _, _ in rep.units.changes if first < d <= last})
            start: date | None = None
            for day in days:
                counted = rep.units.at(day) in inside[bisect_right(moves, day) - 1]
                if counted and start is None:
                    start = day
                elif not counted and start is not None:
                    found.append(Member(rep.rep_id, start, day - timedelta(days=1)))
                    start = None
            if start is not None:
                found.append(Member(rep.rep_id, start, last))
        return tuple(found)

    def company_id(self) -> str | None:
        return next((u.unit_id for u in self.units.values() if u.kind is UnitKind.COMPANY), None)

    # --- checking a change before it is recorded ----------------------------------------------------------

    def check(self, kind: str, data: Mapping[str, Any]) -> None:
        """Refuse a change that does not fit, naming the field (OrganisationChangeRefused), or the unit or rep
        that exists already (UnitExists, RepAlreadyEmployed)."""
        day = date.fromisoformat(str(data["effective_from"]))
        match kind:
            case "org.unit.created":
                self._check_new_unit(data, day)
            case "org.unit.renamed":
                self._known_unit(data["unit_id"], day)
            case "org.unit.moved":
                self._check_move(data["unit_id"], data["parent_id"], day)
            case "org.rep.hired":
                rep = self.reps.get(data["rep_id"])
                if rep is not None and rep.units.at(rep.units.changes[-1][0]) is not None:
                    raise RepAlreadyEmployed(data["rep_id"])
                if rep is not None and day <= rep.units.changes[-1][0]:
                    raise OrganisationChangeRefused("/effective_from", "a re-hire must come after the day the rep left")
                self._team(data["unit_id"], day, "/unit_id")
            case "org.rep.moved" | "org.rep.left":
                rep = self._known_rep(data["rep_id"], day)
                if rep.units.at(day) is None:
                    raise OrganisationChangeRefused("/effective_from", f"rep {rep.rep_id} is not employed on {day}")
                if kind == "org.rep.moved":
                    self._team(data["unit_id"], day, "/unit_id")

    def _check_new_unit(self, data: Mapping[str, Any], day: date) -> None:
        if data["unit_id"] in self.units:
            raise UnitExists(f"unit {data['unit_id']} already exists")
        parent_id = data.get("parent_id")
        if UnitKind(data["kind"]) is UnitKind.COMPANY:
            if parent_id is not None:
                raise OrganisationChangeRefused("/parent_id", "the company is the root: it has no parent")
            if self.company_id() is not None:
                raise UnitExists(f"the company already exists as {self.company_id()}")
            return
        if parent_id is None:
            raise OrganisationChangeRefused("/parent_id", "every unit but the company has a parent")
        self._parent(parent_id, day)

    def _check_move(self, unit_id: str, parent_id: str, day: date) -> None:
        unit = self._known_unit(unit_id, day)
        if unit.kind is UnitKind.COMPANY:
            raise OrganisationChangeRefused("/unit_id", "the company cannot move")
        self._parent(parent_id, day)
        later_days = {day} | {d for u in self.units.values() for d, _, _ in u.parents.changes if d > day}
        for when in later_days:
            if unit_id in self.ancestry(parent_id, when):
                raise OrganisationChangeRefused(
                    "/parent_id", f"{parent_id} is inside {unit_id} on {when}: the move makes a circle"
                )

    def _parent(self, parent_id: str, day: date) -> None:
        if not self.exists(parent_id, day):
            raise OrganisationChangeRefused("/parent_id", f"no unit {parent_id} exists on {day}")
        if self.units[parent_id].kind is LEAF:
            raise OrganisationChangeRefused("/parent_id", f"{parent_id} is a team; teams hold reps, not units")

    def _team(self, unit_id: str, day: date, pointer: str) -> None:
        if not self.exists(unit_id, day):
            raise OrganisationChangeRefused(pointer, f"no unit {unit_id} exists on {day}")
        if self.units[unit_id].kind is not LEAF:
            raise OrganisationChangeRefused(pointer, f"{unit_id} is a {self.units[unit_id].kind}; reps belong to teams")

    def _known_unit(self, unit_id: str, day: date) -> Unit:
        if not self.exists(unit_id, day):
            raise OrganisationChangeRefused("/unit_id", f"no unit {unit_id} exists on {day}")
        return self.units[unit_id]

    def _known_rep(self, rep_id: str, day: date) -> Rep:
        rep = self.reps.get(rep_id)
        if rep is None:
            raise OrganisationChangeRefused("/rep_id", f"no rep {rep_id} is known")
        if day < rep.units.starts:
            raise OrganisationChangeRefused(
                "/effective_from", f"rep {rep_id} was hired on {rep.units.starts}, after {day}"
            )
        return rep

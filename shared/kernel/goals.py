"""Goals as a pure fold over the goal entries of the ledger: each goal's versions (every change a new one,
with who and why), its owner's commitments, and the checks a new goal or a change must pass. Allocation
splits a parent's target among children exactly: shares are rounded down to the metric's quantum and the
quanta left over go to the largest remainders, so the children always add up to the parent."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.kernel.metrics.catalogue import Unit, metric_named
from shared.kernel.money import MINOR_UNITS
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period, parse_period
from shared.platform.errors import Conflict, FieldError, InvalidInput


@dataclass(frozen=True)
class GoalVersion:
    version: int  # the ledger position that made it
    recorded_at: str
    actor: str
    reason: str | None
    basis: str
    target: Decimal
    description: str
    sub_targets: tuple[Mapping[str, Any], ...]
    status: str


@dataclass(frozen=True)
class Commitment:
    position: int
    recorded_at: str
    actor: str
    value: Decimal


@dataclass
class Goal:
    goal_id: str
    metric: str
    owner_kind: str
    owner_id: str
    period: Period
    currency: str | None
    parent_goal_id: str | None
    allocation: Mapping[str, str] | None
    versions: list[GoalVersion] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def current(self) -> GoalVersion:
        return self.versions[-1]

    def as_recorded_by(self, moment: str) -> GoalVersion | None:
        """The version in force at a moment (a canonical UTC timestamp), None before the goal was set."""
        found = None
        for version in self.versions:
            if version.recorded_at > moment:
                break
            found = version
        return found

    @property
    def additive(self) -> bool:
        """Whether children's targets add up to this one (not so for rates)."""
        return metric_named(self.metric).unit is not Unit.RATIO


def _invalid(pointer: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, errors=[FieldError(pointer, detail)])


@dataclass
class Goals:
    goals: dict[str, Goal] = field(default_factory=dict)

    @classmethod
    def fold(cls, entries: Iterable[Mapping[str, Any]]) -> Goals:
        goals = cls()
        for entry in entries:
            goals.apply(entry)
        return goals

    def apply(self, entry: Mapping[str, Any]) -> None:
        kind, data, position = entry["type"], entry["data"], entry["position"]
        recorded_at, actor = entry["recorded_at"], data.get("actor", "")
        if kind == "goal.set":
            goal = Goal(
                data["goal_id"],
                data["metric"],
                data["owner"]["kind"],
                data["owner"]["id"],
                parse_period(data["period"]),
                data.get("currency"),
                data.get("parent_goal_id"),
                data.get("allocation"),
            )
            goal.versions.append(
                GoalVersion(
                    position,
                    recorded_at,
                    actor,
                    data.get("reason"),
                    data.get("basis", "set"),
                    Decimal(data["target"]),
                    data["description"],
                    tuple(data.get("sub_targets", ())),
                    "active",
                )
            )
            self.goals[goal.goal_id] = goal
        elif kind == "goal.revised":
            goal = self.goals[data["goal_id"]]
            changed = {key: data[key] for key in ("basis", "description", "status") if key in data}
            if "target" in data:
                changed["target"] = Decimal(data["target"])
            if "sub_targets" in data:
                changed["sub_targets"] = tuple(data["sub_targets"])
            goal.versions.append(
                dataclasses.replace(
                    goal.current,
                    version=position,
                    recorded_at=recorded_at,
                    actor=actor,
                    reason=data.get("reason"),
                    **changed,
                )
            )
        elif kind == "goal.committed":
            self.goals[data["goal_id"]].commitments.append(
                Commitment(position, recorded_at, actor, Decimal(data["value"]))
            )

    def children(self, goal_id: str) -> list[Goal]:
        return sorted((g for g in self.goals.values() if g.parent_goal_id == goal_id), key=lambda g: g.goal_id)

    # --- checks ------------------------------------------------------------------------------------------

    def check_new(self, data: Mapping[str, Any], organisation: Organisation) -> None:
        if data["goal_id"] in self.goals:
            raise Conflict(f"goal {data['goal_id']} already exists; revise it instead")
        period = parse_period(data["period"])
        check_owner(organisation, data["owner"]["kind"], data["owner"]["id"], period)
        parent_id = data.get("parent_goal_id")
        if parent_id is None:
            return
        parent = self.goals.get(parent_id)
        if parent is None:
            raise _invalid("/parent_goal_id", f"no goal {parent_id}")
        if parent.metric != data["metric"]:
            raise _invalid("/metric", f"the parent goal is on {parent.metric}")
        if not (parent.period.first_day <= period.first_day and period.last_day <= parent.period.last_day):
            raise _invalid("/period", f"a child's period lies within its parent's, {parent.period}")
        if not owns_within(organisation, parent, data["owner"]["kind"], data["owner"]["id"], period):
            raise _invalid("/owner", f"the owner is not within {parent.owner_kind} {parent.owner_id}")

    def existing(self, goal_id: str) -> Goal:
        goal = self.goals.get(goal_id)
        if goal is None:
            raise _invalid("/goal_id", f"no goal {goal_id}")
        return goal

    def check_revision(self, data: Mapping[str, Any]) -> None:
        if self.existing(data["goal_id"]).current.status == "cancelled":
            raise Conflict(f"goal {data['goal_id']} is cancelled; set a new goal instead")

    def consistency(self, goal_id: str) -> dict[str, Any]:
        """Where the children's current targets do not add up to the parent's, and by how much."""
        goal = self.existing(goal_id)
        children = [c for c in self.children(goal_id) if c.current.status != "cancelled"]
        report: dict[str, Any] = {
            "goal_id": goal_id,
            "target": goal.current.target,
            "children": [
                {
                    "goal_id": c.goal_id,
                    "owner": {"kind": c.owner_kind, "id": c.owner_id},
                    "target": c.current.target,
                    "basis": c.current.basis,
                    "committed": c.commitments[-1].value if c.commitments else None,
                }
                for c in children
            ],
        }
        if not goal.additive:
            report["consistent"] = None  # a rate's children each carry their own rate
            return report
        total = sum((c.current.target for c in children), Decimal(0))
        report |= {
            "children_total": total,
            "difference": total - goal.current.target,
            "consistent": total == goal.current.target,
        }
        return report


def check_owner(organisation: Organisation, kind: str, owner_id: str, period: Period) -> None:
    if kind == "company":
        if owner_id != organisation.company_id():
            raise _invalid("/owner/id", f"the company is {organisation.company_id()}")
    elif kind == "unit":
        if not organisation.exists(owner_id, period.last_day):
            raise _invalid("/owner/id", f"no unit {owner_id} exists in {period}")
    elif (
        organisation.unit_of(owner_id, period.first_day) is None
        and organisation.unit_of(owner_id, period.last_day) is None
    ):
        raise _invalid("/owner/id", f"rep {owner_id} is not employed in {period}")


def owns_within(organisation: Organisation, parent: Goal, kind: str, owner_id: str, period: Period) -> bool:
    """Whether an owner sits under a parent goal's owner (during the period, at its start or end)."""
    if parent.owner_kind == "rep":
        return False
    root = parent.owner_id
    days = (period.first_day, period.last_day)
    if kind == "unit":
        return any(organisation.within(owner_id, root, day) for day in days) and owner_id != root
    if kind == "rep":
        return any(organisation.within(organisation.unit_of(owner_id, day), root, day) for day in days)
    return False


def quantum(metric: str, currency: str | None) -> Decimal:
    if metric_named(metric).unit is Unit.MONEY:
        return Decimal(1).scaleb(-MINOR_UNITS.get(currency or "", 2))
    return Decimal(1)

"""Goals as a pure fold over the goal entries of the ledger: each goal's versions (every change a new one,
with who and why), its owner's commitments, and the checks a change must pass before it is recorded (the
goal refuses a change that does not fit, naming why in the domain's words). Allocation splits a parent's
target among children exactly: shares are rounded down to the metric's quantum and the quanta left over go
to the largest remainders, so the children always add up to the parent."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.kernel.events.goals import Basis, GoalStatus, OwnerKind
from shared.kernel.metrics.catalogue import Unit, metric_named
from shared.kernel.money import MINOR_UNITS
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period, parse_period
from shared.platform.errors import Conflict, FieldError, InvalidInput

# --- what a goal refuses -----------------------------------------------------------------------------------


class GoalExists(Conflict):
    def __init__(self, goal_id: str):
        super().__init__(f"goal {goal_id} already exists; revise it instead")


class GoalCancelled(Conflict):
    """A cancelled goal is over: it takes no revision and no commitment."""

    def __init__(self, goal_id: str):
        super().__init__(f"goal {goal_id} is cancelled; set a new goal instead")


class GoalRefused(InvalidInput):
    """A goal change that does not fit the goals or the organisation, naming the field that does not."""

    def __init__(self, pointer: str, detail: str):
        super().__init__(detail, errors=[FieldError(pointer, detail)])


class UnknownGoal(GoalRefused):
    def __init__(self, goal_id: str, pointer: str = "/goal_id"):
        super().__init__(pointer, f"no goal {goal_id}")


class OwnerUnknown(GoalRefused):
    """The owner named is not the company, or no unit or rep of the organisation in the goal's period."""


class OutsideParent(GoalRefused):
    """A child goal that does not fit within its parent: another metric, period or owner."""


# --- the fold ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """Part of a measure: all of it, or the part for one product or region."""

    measure: str
    product: str | None = None
    region: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Slice:
        return cls(data["measure"], data.get("product"), data.get("region"))


@dataclass(frozen=True)
class SubTarget:
    """e.g. "product A at least 60% of revenue": part / whole >= at_least_percent."""

    description: str
    part: Slice
    whole: Slice
    at_least_percent: Decimal

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SubTarget:
        return cls(
            data["description"], Slice.of(data["part"]), Slice.of(data["whole"]), Decimal(data["at_least_percent"])
        )


@dataclass(frozen=True)
class GoalVersion:
    version: int  # the ledger position that made it
    recorded_at: str
    actor: str
    reason: str | None
    basis: Basis
    target: Decimal
    description: str
    sub_targets: tuple[SubTarget, ...]
    status: GoalStatus


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
    owner_kind: OwnerKind
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

    def commitments_known_to(self, version: GoalVersion) -> list[Commitment]:
        """The commitments made by the time of a version: all of them for the current one."""
        if version is self.current:
            return list(self.commitments)
        return [c for c in self.commitments if c.position <= version.version]

    def check_change(self) -> None:
        """A revision or a commitment: refused once the goal is cancelled."""
        if self.current.status is GoalStatus.CANCELLED:
            raise GoalCancelled(self.goal_id)


@dataclass(frozen=True)
class ChildTarget:
    goal_id: str
    owner_kind: OwnerKind
    owner_id: str
    target: Decimal
    basis: Basis
    committed: Decimal | None  # the owner's latest commitment


@dataclass(frozen=True)
class Consistency:
    """Where the children's current targets do not add up to the parent's, and by how much. A rate's children
    each carry their own rate, so for a rate nothing adds up: `consistent` is None, and there is no total."""

    goal_id: str
    target: Decimal
    children: list[ChildTarget]
    consistent: bool | None
    children_total: Decimal | None = None
    difference: Decimal | None = None  # children_total - target


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
                OwnerKind(data["owner"]["kind"]),
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
                    Basis(data.get("basis", Basis.SET)),
                    Decimal(data["target"]),
                    data["description"],
                    tuple(SubTarget.of(sub) for sub in data.get("sub_targets", ())),
                    GoalStatus.ACTIVE,
                )
            )
            self.goals[goal.goal_id] = goal
        elif kind == "goal.revised":
            goal = self.goals[data["goal_id"]]
            changed: dict[str, Any] = {}
            if "basis" in data:
                changed["basis"] = Basis(data["basis"])
            if "description" in data:
                changed["description"] = data["description"]
            if "status" in data:
                changed["status"] = GoalStatus(data["status"])
            if "target" in data:
                changed["target"] = Decimal(data["target"])
            if "sub_targets" in data:
                changed["sub_targets"] = tuple(SubTarget.of(sub) for sub in data["sub_targets"])
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

    def check(self, kind: str, data: Mapping[str, Any], organisation: Organisation) -> None:
        """Refuse a goal change (`goal.set`, `goal.revised`, `goal.committed`) that does not fit the goals
        and the organisation as they stand."""
        if kind == "goal.set":
            self.check_new(data, organisation)
        else:
            self.existing(data["goal_id"]).check_change()

    def check_new(self, data: Mapping[str, Any], organisation: Organisation) -> None:
        if data["goal_id"] in self.goals:
            raise GoalExists(data["goal_id"])
        period = parse_period(data["period"])
        check_owner(organisation, data["owner"]["kind"], data["owner"]["id"], period)
        parent_id = data.get("parent_goal_id")
        if parent_id is None:
            return
        parent = self.goals.get(parent_id)
        if parent is None:
            raise UnknownGoal(parent_id, "/parent_goal_id")
        if parent.metric != data["metric"]:
            raise OutsideParent("/metric", f"the parent goal is on {parent.metric}")
        if not (parent.period.first_day <= period.first_day and period.last_day <= parent.period.last_day):
            raise OutsideParent("/period", f"a child's period lies within its parent's, {parent.period}")
        if not owns_within(organisation, parent, data["owner"]["kind"], data["owner"]["id"], period):
            raise OutsideParent("/owner", f"the owner is not within {parent.owner_kind} {parent.owner_id}")

    def existing(self, goal_id: str) -> Goal:
        goal = self.goals.get(goal_id)
        if goal is None:
            raise UnknownGoal(goal_id)
        return goal

    def consistency(self, goal_id: str) -> Consistency:
        goal = self.existing(goal_id)
        children = [
            ChildTarget(
                c.goal_id,
                c.owner_kind,
                c.owner_id,
                c.current.target,
                c.current.basis,
                c.commitments[-1].value if c.commitments else None,
            )
            for c in self.children(goal_id)
            if c.current.status is not GoalStatus.CANCELLED
        ]
        target = goal.current.target
        if not goal.additive:
            return Consistency(goal_id, target, children, consistent=None)
        total = sum((c.target for c in children), Decimal(0))
        return Consistency(
            goal_id, target, children, consistent=total == target, children_total=total, difference=total - target
        )


def check_owner(organisation: Organisation, kind: str, owner_id: str, period: Period) -> None:
    if kind == "company":
        if owner_id != organisation.company_id():
            raise OwnerUnknown("/owner/id", f"the company is {organisation.company_id()}")
    elif kind == "unit":
        if not organisation.exists(owner_id, period.last_day):
            raise OwnerUnknown("/owner/id", f"no unit {owner_id} exists in {period}")
    elif (
        organisation.unit_of(owner_id, period.first_day) is None
        and organisation.unit_of(owner_id, period.last_day) is None
    ):
        raise OwnerUnknown("/owner/id", f"rep {owner_id} is not employed in {period}")


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

"""The data schemas of goal events (version 1). A goal is a target for one metric, one owner (the company,
a unit or a rep) and one period; every change is a new version with who and why, and a decomposition
records how each child's target was allocated."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from shared.kernel.events.activities import Identifier, Ref, Schema, Text
from shared.kernel.events.organisation import RuleChange
from shared.kernel.metrics.catalogue import METRICS, counts_money
from shared.kernel.money import CurrencyCode
from shared.kernel.periods import parse_period

Target = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, decimal_places=4)]


class OwnerKind(StrEnum):
    COMPANY = "company"
    UNIT = "unit"
    REP = "rep"


class Owner(Schema):
    kind: OwnerKind
    id: Ref


class GoalStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class Basis(StrEnum):
    SET = "set"  # set directly
    TOP_DOWN = "top_down"  # allocated from the parent
    BOTTOM_UP = "bottom_up"  # from the owner's commitment
    CONSENSUS = "consensus"  # agreed between both


class Slice(Schema):
    """Part of a measure: all of it, or the part for one product or region."""

    measure: Ref
    product: Ref | None = None
    region: Ref | None = None


class SubTarget(Schema):
    """e.g. "product A at least 60% of revenue": part / whole ≥ at_least_percent."""

    description: Text
    part: Slice
    whole: Slice
    at_least_percent: Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]


class GoalTerms(Schema):
    description: Text = Field(description="The SMART statement of the goal.")
    sub_targets: list[SubTarget] = Field(default_factory=list)


class GoalSet(RuleChange, GoalTerms):
    goal_id: Identifier
    metric: str
    owner: Owner
    period: str
    target: Target
    currency: CurrencyCode | None = None
    parent_goal_id: Ref | None = None
    basis: Basis = Basis.SET
    allocation: dict[Ref, Ref] | None = Field(None, description="How a top-down target was computed.")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown metric; metrics are {', '.join(sorted(METRICS))}")
        return metric

    @field_validator("period")
    @classmethod
    def _real_period(cls, period: str) -> str:
        return parse_period(period).key

    @model_validator(mode="after")
    def _currency_for_money(self) -> Self:
        if counts_money(self.metric) != (self.currency is not None):
            raise ValueError("metrics counted in money need a currency; other metrics take none")
        return self


class GoalRevised(RuleChange):
    goal_id: Ref
    target: Target | None = None
    description: Text | None = None
    sub_targets: list[SubTarget] | None = None
    status: GoalStatus | None = None
    basis: Basis | None = None
    reason: Text  # a revision always says why

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if all(getattr(self, f) is None for f in ("target", "description", "sub_targets", "status")):
            raise ValueError("a revision changes at least one of target, description, sub_targets, status")
        return self


class GoalCommitted(RuleChange):
    """The owner's own figure for the goal (bottom-up), recorded beside the goal; it changes no version."""

    goal_id: Ref
    value: Target


GOAL_SCHEMAS: dict[str, type[RuleChange]] = {
    "goal.set": GoalSet,
    "goal.revised": GoalRevised,
    "goal.committed": GoalCommitted,
}


class AllocationMethod(StrEnum):
    """How a decomposition split a parent's target among its children."""

    EVEN = "even"
    WEIGHTS = "weights"  # by the weight given for each child
    HISTORY = "history"  # by each child's actual of the metric over a past period

"""Decomposing a goal (企业级→团队级→个人级): the parent's current target allocated to child goals for units or
reps under its owner, evenly, by weights, or by each child's actual over a past period. The children add up
to the parent exactly (`shared.kernel.money.allocate`) and each records how it was allocated; a rate is not
split: each child carries the parent's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.kernel.events.goals import AllocationMethod, Basis, OwnerKind
from shared.kernel.goals import Goal, quantum
from shared.kernel.metrics.figures import Credit, metric_value, owned, totals
from shared.kernel.money import allocate
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period, parse_period
from shared.platform.errors import FieldError, InvalidInput

GoalChange = tuple[str, dict[str, Any]]  # a rule change to record: its kind and its data


class DecompositionRefused(InvalidInput):
    """A decomposition that cannot split the parent's target as asked, naming the fields at fault."""


class HistoryPeriodInvalid(DecompositionRefused):
    def __init__(self, detail: str):
        super().__init__(detail, errors=[FieldError("/history_period", detail)])


class NothingToSplitBy(DecompositionRefused):
    def __init__(self, metric: str, then: Period):
        super().__init__(
            f"the children had no {metric} in {then}; split evenly or by weights",
            errors=[FieldError("/history_period", "nothing to split by")],
        )


class WeightMissing(DecompositionRefused):
    def __init__(self, missing: Sequence[int]):
        super().__init__(
            "the weights method needs a weight for every child",
            errors=[FieldError(f"/children/{i}/weight", "required") for i in missing],
        )


class WeightsSplitNothing(DecompositionRefused):
    def __init__(self, children: int):
        super().__init__(
            "the weights are all zero, so they split nothing",
            errors=[FieldError(f"/children/{i}/weight", "all weights are zero") for i in range(children)],
        )


class ChildGoalIdsRepeat(DecompositionRefused):
    def __init__(self) -> None:
        super().__init__("child goal ids repeat", errors=[FieldError("/children", "each child needs its own goal_id")])


@dataclass(frozen=True)
class ChildGoal:
    """A unit or rep the parent's target is allocated to; its goal id by default `<parent>.<n>`."""

    owner_kind: OwnerKind
    owner_id: str
    goal_id: str | None = None
    weight: Decimal | None = None  # for the weights method


def history_period(text: str | None) -> Period:
    try:
        return parse_period(text or "")
    except ValueError as error:
        raise HistoryPeriodInvalid(str(error)) from None


def weights_from_history(
    goal: Goal, children: Sequence[ChildGoal], credits: list[Credit], organisation: Organisation, then: Period
) -> list[Decimal]:
    """Each child's actual of the goal's metric in `then`, from the credits that occurred in it."""
    weights = [
        metric_value(
            goal.metric, totals(owned(credits, organisation, c.owner_kind, c.owner_id), goal.currency, then.first_day)
        )
        or Decimal(0)
        for c in children
    ]
    if not any(weights):
        raise NothingToSplitBy(goal.metric, then)
    return weights


def decompose(
    goal: Goal,
    method: AllocationMethod,
    children: Sequence[ChildGoal],
    *,
    history_weights: Sequence[Decimal] | None = None,
    history_period: str | None = None,
    reason: str | None = None,
) -> list[GoalChange]:
    """The child goals to set, all or none. For the history method, `history_weights` are
    `weights_from_history` over `history_period`."""
    weights: list[Decimal | None]
    if method is AllocationMethod.HISTORY:
        weights = list(history_weights or ())
    elif method is AllocationMethod.EVEN:
        weights = [Decimal(1)] * len(children)
    else:
        weights = [child.weight for child in children]
    given = [w for w in weights if w is not None]
    if len(given) < len(weights):
        raise WeightMissing([i for i, w in enumerate(weights) if w is None])
    if goal.additive and not any(given):
        raise WeightsSplitNothing(len(given))
    target = goal.current.target
    targets = allocate(target, given, quantum(goal.metric, goal.currency)) if goal.additive else [target] * len(given)
    changes: list[GoalChange] = []
    for index, (child, weight, child_target) in enumerate(zip(children, given, targets, strict=True)):
        allocation = {
            "method": method.value,
            "weight": str(weight),
            "of_target": str(target),
            "of_version": str(goal.current.version),
            **({"history_period": history_period} if method is AllocationMethod.HISTORY and history_period else {}),
        }
        data = {
            "goal_id": child.goal_id or f"{goal.goal_id}.{index + 1}",
            "metric": goal.metric,
            "owner": {"kind": child.owner_kind.value, "id": child.owner_id},
            "period": goal.period.key,
            "target": str(child_target),
            "currency": goal.currency,
            "parent_goal_id": goal.goal_id,
            "basis": Basis.TOP_DOWN.value,
            "description": f"{goal.current.description} ({child.owner_kind} {child.owner_id})",
            "allocation": allocation,
            **({"reason": reason} if reason else {}),
        }
        changes.append(("goal.set", data))
    ids = [data["goal_id"] for _, data in changes]
    if len(set(ids)) != len(ids):
        raise ChildGoalIdsRepeat()
    return changes

"""The consensus version of a goal (bottom-up meets top-down): the target its owner and their manager agree
on, by default the owner's latest commitment."""

from __future__ import annotations

from decimal import Decimal

from services.goal_service.domain.decomposition import GoalChange
from shared.kernel.events.goals import Basis
from shared.kernel.goals import Goal
from shared.platform.errors import FieldError, InvalidInput


class NoCommitmentToAgree(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "there is no commitment to agree on; give a target",
            errors=[FieldError("/target", "required while the owner has made no commitment")],
        )


def agreement(goal: Goal, reason: str, target: Decimal | None = None) -> GoalChange:
    """The revision that records the agreed target: the one given, else the owner's latest commitment."""
    if target is None:
        if not goal.commitments:
            raise NoCommitmentToAgree()
        target = goal.commitments[-1].value
    return "goal.revised", {
        "goal_id": goal.goal_id,
        "target": str(target),
        "basis": Basis.CONSENSUS.value,
        "reason": reason,
    }

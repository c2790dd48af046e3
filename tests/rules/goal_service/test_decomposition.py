"""Decomposing a goal by hand (domain/decomposition.py, domain/agreement.py): the children add up to the
parent exactly and record how, a rate is carried rather than split, and what cannot be split is refused
naming the fields at fault."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from services.goal_service.domain.agreement import NoCommitmentToAgree, agreement
from services.goal_service.domain.decomposition import (
    ChildGoal,
    ChildGoalIdsRepeat,
    NothingToSplitBy,
    WeightMissing,
    WeightsSplitNothing,
    decompose,
    history_period,
    weights_from_history,
)
from shared.kernel.events.goals import AllocationMethod, OwnerKind
from shared.kernel.goals import Goal, Goals
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation
from tests.rules.goal_service.test_organisation import TREE

ORG = Organisation.fold(TREE)  # acme > east > team-a (r-1), team-b; acme > west > team-c
EAST, WEST = ChildGoal(OwnerKind.UNIT, "east"), ChildGoal(OwnerKind.UNIT, "west")


def parent(metric: str = "revenue_won", target: str = "100.00", commitments: tuple[str, ...] = ()) -> Goal:
    data = {"goal_id": "q4", "metric": metric, "owner": {"kind": "company", "id": "acme"}, "period": "2026-Q4"}
    data |= {"target": target, "description": "Q4", **({"currency": "CNY"} if metric == "revenue_won" else {})}
    entries = [{"type": "goal.set", "position": 10, "recorded_at": "2026-10-01T00:00:00Z", "data": data}]
    entries += [
        {"type": "goal.committed", "position": 11 + i, "recorded_at": "2026-10-02T00:00:00Z",
         "data": {"goal_id": "q4", "value": value}}
        for i, value in enumerate(commitments)
    ]  # fmt: skip
    return Goals.fold(entries).goals["q4"]


def test_an_even_split_adds_up_to_the_parent_to_the_fen_and_records_how():
    changes = decompose(parent(), AllocationMethod.EVEN, [EAST, WEST, ChildGoal(OwnerKind.UNIT, "team-c")])
    assert [(kind, data["goal_id"], data["target"]) for kind, data in changes] == [
        ("goal.set", "q4.1", "33.34"),
        ("goal.set", "q4.2", "33.33"),
        ("goal.set", "q4.3", "33.33"),
    ]
    first = changes[0][1]
    assert first["allocation"] == {"method": "even", "weight": "1", "of_target": "100.00", "of_version": "10"}
    assert (first["basis"], first["parent_goal_id"], first["description"]) == ("top_down", "q4", "Q4 (unit east)")


def test_a_rate_is_carried_by_each_child_not_split():
    weighted = [ChildGoal(OwnerKind.UNIT, "east", weight=D(3)), ChildGoal(OwnerKind.UNIT, "west", weight=D(0))]
    changes = decompose(parent("win_rate", "0.3"), AllocationMethod.WEIGHTS, weighted)
    assert [data["target"] for _, data in changes] == ["0.3", "0.3"]  # a zero weight splits nothing off a rate


def test_weights_missing_or_all_zero_or_repeated_ids_are_refused_naming_the_fields():
    with pytest.raises(WeightMissing) as missing:
        decompose(parent(), AllocationMethod.WEIGHTS, [ChildGoal(OwnerKind.UNIT, "east", weight=D(1)), WEST])
    assert [e.pointer for e in missing.value.errors] == ["/children/1/weight"]
    zero = [ChildGoal(OwnerKind.UNIT, u, weight=D(0)) for u in ("east", "west")]
    with pytest.raises(WeightsSplitNothing) as nothing:
        decompose(parent(), AllocationMethod.WEIGHTS, zero)
    assert [e.pointer for e in nothing.value.errors] == ["/children/0/weight", "/children/1/weight"]
    twins = [ChildGoal(OwnerKind.UNIT, "east", "same"), ChildGoal(OwnerKind.UNIT, "west", "same")]
    with pytest.raises(ChildGoalIdsRepeat):
        decompose(parent(), AllocationMethod.EVEN, twins)


def test_history_weights_are_each_child_s_actual_then():
    # Q3: r-1 (team-a, east) won 300; west nobody: the east child takes it all
    then = history_period("2026-Q3")
    credits = [Credit("revenue_won", "r-1", date(2026, 8, 1), D(300), "CNY", None, None, 5)]
    weights = weights_from_history(parent(), [EAST, WEST], credits, ORG, then)
    assert weights == [D(300), D(0)]
    split = {"history_weights": weights, "history_period": "2026-Q3"}
    changes = decompose(parent(), AllocationMethod.HISTORY, [EAST, WEST], **split)
    assert [data["target"] for _, data in changes] == ["100.00", "0.00"]
    assert changes[0][1]["allocation"]["history_period"] == "2026-Q3"
    with pytest.raises(NothingToSplitBy):
        weights_from_history(parent(), [WEST], credits, ORG, then)


def test_the_agreed_target_is_the_latest_commitment_unless_one_is_given():
    assert agreement(parent(commitments=("90", "95")), "1:1")[1] == {
        "goal_id": "q4", "target": "95", "basis": "consensus", "reason": "1:1"
    }  # fmt: skip
    assert agreement(parent(), "1:1", D("80"))[1]["target"] == "80"
    with pytest.raises(NoCommitmentToAgree):
        agreement(parent(), "1:1")

"""Goals by hand: versions and the version in force at a moment, the checks on owners and parents, exact
allocation, and the consistency report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.kernel.events.goals import GoalStatus
from shared.kernel.goals import GoalCancelled, GoalExists, Goals, OutsideParent, OwnerUnknown, UnknownGoal, quantum
from shared.kernel.money import allocate
from shared.kernel.organisation import Organisation
from shared.platform.errors import Conflict, InvalidInput
from tests.rules.goal_service.test_organisation import TREE

ORG = Organisation.fold(TREE)  # acme > east > team-a (r-1), team-b; acme > west > team-c


def goal_entry(position: int, recorded_at: str = "2026-10-01T00:00:00.000000Z", **data) -> dict:
    base = {
        "goal_id": "g-co",
        "metric": "revenue_won",
        "owner": {"kind": "company", "id": "acme"},
        "period": "2026-Q4",
        "target": "3000000",
        "currency": "CNY",
        "description": "Q4 revenue",
        "actor": "hr",
    }
    return {"position": position, "type": "goal.set", "recorded_at": recorded_at, "data": base | data}


def revision(position: int, recorded_at: str, **data) -> dict:
    return {
        "position": position,
        "type": "goal.revised",
        "recorded_at": recorded_at,
        "data": {"goal_id": "g-co", "actor": "hr", "reason": "market", **data},
    }


def test_every_change_is_a_version_and_the_version_in_force_follows_recording_time():
    goals = Goals.fold(
        [
            goal_entry(10),
            revision(20, "2026-11-01T00:00:00.000000Z", target="3300000"),
            revision(30, "2026-11-15T00:00:00.000000Z", status="paused"),
        ]
    )
    goal = goals.goals["g-co"]
    assert [(v.version, v.target, v.status) for v in goal.versions] == [
        (10, 3000000, "active"),
        (20, 3300000, "active"),
        (30, 3300000, "paused"),
    ]
    assert goal.as_recorded_by("2026-10-31T23:59:59.000000Z").version == 10
    assert goal.as_recorded_by("2026-11-01T00:00:00.000000Z").version == 20
    assert goal.as_recorded_by("2026-09-30T00:00:00.000000Z") is None


@pytest.mark.parametrize(
    ("data", "error", "pointer_or_text"),
    [
        ({"goal_id": "g-co"}, GoalExists, "already exists"),
        ({"goal_id": "g-x", "owner": {"kind": "company", "id": "other"}}, OwnerUnknown, "/owner/id"),
        ({"goal_id": "g-x", "owner": {"kind": "unit", "id": "mars"}}, OwnerUnknown, "/owner/id"),
        ({"goal_id": "g-x", "owner": {"kind": "rep", "id": "r-9"}}, OwnerUnknown, "/owner/id"),
        (
            {"goal_id": "g-x", "owner": {"kind": "unit", "id": "east"}, "parent_goal_id": "g-none"},
            UnknownGoal,
            "/parent_goal_id",
        ),
        (
            {
                "goal_id": "g-x",
                "owner": {"kind": "unit", "id": "east"},
                "parent_goal_id": "g-co",
                "metric": "visits",
                "currency": None,
            },
            OutsideParent,
            "/metric",
        ),
        (
            {"goal_id": "g-x", "owner": {"kind": "unit", "id": "east"}, "parent_goal_id": "g-co", "period": "2027-Q1"},
            OutsideParent,
            "/period",
        ),
    ],
)
def test_new_goals_that_do_not_fit_are_refused(data, error, pointer_or_text):
    goals = Goals.fold([goal_entry(10)])
    with pytest.raises(error) as raised:
        goals.check("goal.set", goal_entry(11, **data)["data"], ORG)
    assert pointer_or_text in (raised.value.detail + " ".join(e.pointer for e in raised.value.errors))
    # each is one of the kinds the one problem mapping answers: 409 for a goal that exists, 422 otherwise
    assert isinstance(raised.value, Conflict if error is GoalExists else InvalidInput)


def test_a_cancelled_goal_refuses_revisions_and_commitments_and_an_unknown_one_names_the_goal():
    goals = Goals.fold([goal_entry(10), revision(11, "2026-10-02T00:00:00.000000Z", status="cancelled")])
    assert goals.goals["g-co"].current.status is GoalStatus.CANCELLED
    for kind in ("goal.revised", "goal.committed"):
        with pytest.raises(GoalCancelled, match="g-co is cancelled; set a new goal instead"):
            goals.check(kind, {"goal_id": "g-co"}, ORG)
    with pytest.raises(UnknownGoal) as unknown:
        goals.check("goal.revised", {"goal_id": "g-none"}, ORG)
    assert [(e.pointer, e.detail) for e in unknown.value.errors] == [("/goal_id", "no goal g-none")]


def test_a_child_must_sit_under_its_parents_owner():
    goals = Goals.fold([goal_entry(10, goal_id="g-east", owner={"kind": "unit", "id": "east"})])
    child = goal_entry(11, goal_id="g-c", owner={"kind": "unit", "id": "team-c"}, parent_goal_id="g-east")["data"]
    with pytest.raises(InvalidInput, match="not within unit east"):
        goals.check("goal.set", child, ORG)
    goals.check("goal.set", {**child, "owner": {"kind": "rep", "id": "r-1"}}, ORG)


@pytest.mark.parametrize(
    ("total", "weights", "step", "shares"),
    [
        (Decimal("100.00"), [1, 1, 1], Decimal("0.01"), ["33.34", "33.33", "33.33"]),
        (Decimal("3000000"), [5, 3, 2], Decimal("0.01"), ["1500000.00", "900000.00", "600000.00"]),
        (Decimal("10"), [1, 1, 1], Decimal(1), ["4", "3", "3"]),
        (Decimal("10"), [1, 2, 2], Decimal(1), ["2", "4", "4"]),
        (Decimal("7"), [0, 1], Decimal(1), ["0", "7"]),
    ],
)
def test_allocation_is_exact_with_the_largest_remainders_rounded_up(total, weights, step, shares):
    allocated = allocate(total, [Decimal(w) for w in weights], step)
    assert [str(a) for a in allocated] == shares  # written to the step, e.g. 2 places for CNY
    assert sum(allocated) == total


def test_quantum_is_the_currency_minor_unit_or_one():
    assert quantum("revenue_won", "CNY") == Decimal("0.01")
    assert quantum("revenue_won", "JPY") == Decimal(1)
    assert quantum("visits", None) == Decimal(1)


def test_the_consistency_report_shows_how_far_children_are_from_the_parent():
    goals = Goals.fold(
        [
            goal_entry(10),
            goal_entry(
                11,
                goal_id="g-east",
                owner={"kind": "unit", "id": "east"},
                parent_goal_id="g-co",
                target="2000000",
                basis="top_down",
            ),
            goal_entry(
                12,
                goal_id="g-west",
                owner={"kind": "unit", "id": "west"},
                parent_goal_id="g-co",
                target="900000",
                basis="top_down",
            ),
            {
                "position": 13,
                "type": "goal.committed",
                "recorded_at": "2026-10-02T00:00:00.000000Z",
                "data": {"goal_id": "g-west", "value": "1000000", "actor": "manager:west"},
            },
        ]
    )
    report = goals.consistency("g-co")
    assert (report.children_total, report.difference, report.consistent) == (2900000, -100000, False)
    assert [c.committed for c in report.children] == [None, 1000000]

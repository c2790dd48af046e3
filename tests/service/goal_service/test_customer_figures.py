"""The customer base and the seeds' churn rate over HTTP, worked by hand. Acme (East: team-a with r-1,
team-b with r-2; West: team-w). In Q3 r-1 wins c-1 (5 July) and c-2 (5 August) in team-a, r-2 wins c-3
and c-4 (1 and 2 September) in team-b. On 1 October r-1 moves to team-w. In Q4 r-2 logs the churn of c-1
(20 October), r-1 wins c-5 (25 October, now in team-w), and c-9, never won here, churns (2 November).

- Q4 company churn: 1 lost (c-1) over 4 at the start = 0.25.
- East's customer base at the end of Q4: c-1 was lost from team-a, where r-1 won it, though r-1 had moved
  to West by then; team-a keeps c-2, team-b c-3 and c-4: 3. West holds c-5: 1. At the end of Q3 East held
  4, so Q4 against the whole of Q3: (3 - 4) / 4 = -0.25.
- By rep: r-1 holds c-2 and c-5 (2) and lost 1 of the 2 held at the start (0.5); r-2 holds 2, lost 0 (0)."""

from __future__ import annotations

from tests.scenarios.goal import HR, ORG_CSV, import_csv
from tests.support import cloudevent, signed_post


def happened(type_: str, id_: str, rep: str, customer: str, day: str) -> dict:
    data = {"rep_id": rep, "customer_id": customer}
    if type_ == "deal.won":
        data |= {"deal_id": id_, "amount": "1000.00", "currency": "CNY"}
    return cloudevent(type_, data, id_=id_, time_=f"{day}T10:00:00+08:00")


def goal_on(goal, goal_id: str, metric: str, owner: dict, target: str):
    body = {"goal_id": goal_id, "metric": metric, "owner": owner, "period": "2026-Q4", "target": target,
            "description": f"{metric} Q4"}  # fmt: skip
    return goal.post("/v1/goals", json=body, headers=HR)


def test_customer_base_and_churn_by_the_seeds_for_the_company_teams_and_reps(goal):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    moved = goal.post("/v1/org/reps/r-1/moves", json={"unit_id": "team-w", "effective_from": "2026-10-01"}, headers=HR)
    assert moved.status_code == 201, moved.text
    assert goal_on(goal, "churn", "customer_churn_rate", {"kind": "company", "id": "acme"}, "0.1").status_code == 201
    assert goal_on(goal, "east-base", "customer_base", {"kind": "unit", "id": "east"}, "5").status_code == 201
    assert goal_on(goal, "west-base", "customer_base", {"kind": "unit", "id": "west"}, "2").status_code == 201
    # the renewal-based rate's old name is no name for a new goal
    assert goal_on(goal, "old", "churn_rate", {"kind": "company", "id": "acme"}, "0.1").status_code == 422
    recorded = signed_post(
        goal,
        [
            happened("deal.won", "d-1", "r-1", "c-1", "2026-07-05"),
            happened("deal.won", "d-2", "r-1", "c-2", "2026-08-05"),
            happened("deal.won", "d-3", "r-2", "c-3", "2026-09-01"),
            happened("deal.won", "d-4", "r-2", "c-4", "2026-09-02"),
            happened("customer.churned", "x-1", "r-2", "c-1", "2026-10-20"),
            happened("deal.won", "d-5", "r-1", "c-5", "2026-10-25"),
            happened("customer.churned", "x-9", "r-2", "c-9", "2026-11-02"),
        ],
    )
    assert recorded.status_code == 201, recorded.text

    def progress(goal_id: str) -> dict:
        found = goal.get(f"/v1/goals/{goal_id}/progress", params={"as_of": "2026-12-31"}, headers=HR)
        assert found.status_code == 200, found.text
        return found.json()

    churn = progress("churn")
    assert (churn["actual"], churn["target"], churn["completion"]) == ("0.2500", "0.1000", "2.5000")
    east = progress("east-base")
    assert (east["actual"], east["target"], east["completion"], east["forecast"]) == (3, 5, "0.6000", 3)
    assert (east["growth"]["basis"], east["growth"]["previous_period"]["actual"]) == ("whole_period", 4)
    assert east["growth"]["previous_period"]["change"] == "-0.2500"
    assert progress("west-base")["actual"] == 1

    def board(metric: str) -> list[tuple]:
        found = goal.get(f"/v1/leaderboards/{metric}", params={"period": "2026-Q4", "as_of": "2026-12-31"}, headers=HR)
        assert found.status_code == 200, found.text
        return [(r["rep_id"], r["value"]) for r in found.json()["ranking"]]

    assert board("customer_base") == [("r-1", 2), ("r-2", 2)]
    assert board("customer_churn_rate") == [("r-1", "0.5000"), ("r-2", "0.0000")]
    assert board("customers_lost") == [("r-1", 1)]
    assert board("customers_churned") == [("r-2", 2)]  # the churn events as logged, c-9 included

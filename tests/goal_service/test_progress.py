"""Goal progress end to end over HTTP, every figure worked by hand. The company's Q4 2026 revenue goal is
3,000,000 CNY, split evenly to East and West and East's half to reps r-1 and r-2. Q4 2026 has 62 working
days in China (October 18, November 21, December 23); by 31 October 18 have passed."""

from __future__ import annotations

from tests.goal_service.scenario import deal
from tests.support import SOURCE, auth, cloudevent, signed_post

HR = auth("t-hr")


def figures(goal, goal_id: str, token: str = "t-hr", **params) -> dict:
    response = goal.get(f"/v1/goals/{goal_id}/progress", params={"as_of": "2026-10-31", **params}, headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()


def head(goal) -> int:
    return goal.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"]


def test_company_progress_by_hand(quarter):
    q4 = figures(quarter, "q4")
    assert (q4["actual"], q4["target"]) == ("1100000.00", "3000000")
    assert q4["completion"] == "0.3667"  # 1.1M / 3M
    assert q4["working_days"]["total"] == 62 and q4["working_days"]["elapsed"] == 18
    assert q4["pace"] == "1.2630"  # 1.1M x 62 / (3M x 18) = 1.26296...
    assert q4["forecast"] == "3788888.89"  # 1.1M x 62 / 18
    (product_a,) = q4["sub_targets"]
    assert (product_a["percent"], product_a["met"]) == ("63.6364", True)  # 700k of 1.1M
    assert q4["known_at"] == head(quarter)
    assert set(q4["working_days"]["calendar_versions"]) == {"2026"}


def test_the_roll_up_and_drill_down_add_up(quarter):
    q4 = figures(quarter, "q4", children="true", drill="rep")
    assert {c["goal_id"]: c["actual"] for c in q4["children"]} == {"east": "1100000.00", "west": "0"}
    assert q4["drill_down"]["rep"] == {"r-1": "700000.00", "r-2": "400000.00"}
    assert figures(quarter, "q4", drill="product")["drill_down"]["product"] == {"A": "700000.00", "B": "400000.00"}
    r1 = figures(quarter, "r-1")
    assert (r1["target"], r1["completion"]) == ("750000.00", "0.9333")  # 700k / 750k


def test_growth_compares_the_period_so_far_with_the_same_days_of_earlier_periods(quarter):
    # A Q3 deal on 10 July (within the first 31 days of Q3) and one on 15 August (after them).
    signed_post(
        quarter,
        [
            deal("q3a", "r-1", "500000.00", "2026-07-10", "A"),
            deal("q3b", "r-1", "999.00", "2026-08-15", "A"),
            deal("y1", "r-1", "1000000.00", "2025-10-05", "A"),
        ],
    )
    growth = figures(quarter, "q4")["growth"]  # Q4 so far: 1 October to 31 October, 1.1M
    assert growth["previous_period"] == {
        "period": "2026-Q3",
        "through": "2026-07-31",
        "actual": "500000.00",
        "change": "1.2000",
    }  # (1.1M - 500k) / 500k
    assert growth["a_year_before"] == {
        "period": "2025-Q4",
        "through": "2025-10-31",
        "actual": "1000000.00",
        "change": "0.1000",
    }


def test_trend_compares_the_last_seven_days_with_the_seven_before(quarter):
    trend = figures(quarter, "q4", as_of="2026-10-20")["trend"]
    assert trend == {"last_7_days": "100000.00", "previous_7_days": "1000000.00", "change": "-0.9000"}


def test_a_late_team_move_changes_as_of_figures_but_not_what_was_known_before_it(quarter):
    before = head(quarter)
    moved = quarter.post(
        "/v1/org/reps/r-2/moves", json={"unit_id": "team-w", "effective_from": "2026-10-01"}, headers=HR
    )
    assert moved.status_code == 201
    now = {c["goal_id"]: c["actual"] for c in figures(quarter, "q4", children="true")["children"]}
    then = {c["goal_id"]: c["actual"] for c in figures(quarter, "q4", children="true", known_at=before)["children"]}
    assert now == {"east": "700000.00", "west": "400000.00"}
    assert then == {"east": "1100000.00", "west": "0"}


def test_a_late_activity_and_a_void_move_as_of_answers_and_leave_known_at_answers_alone(quarter):
    before = head(quarter)
    signed_post(quarter, deal("d4", "r-2", "50000.00", "2026-10-15", "B"))  # occurred earlier, recorded now
    signed_post(quarter, cloudevent("activity.voided", {"target": {"source": SOURCE, "id": "d3"}, "reason": "test"}))
    assert figures(quarter, "q4")["actual"] == "1050000.00"  # 1.1M + 50k - 100k
    assert figures(quarter, "q4", known_at=before)["actual"] == "1100000.00"
    assert figures(quarter, "q4", as_of="2026-10-14")["actual"] == "1000000.00"  # before d3 and d4 occurred


def test_leaderboards_rank_reps_and_stay_within_scope(quarter):
    board = quarter.get(
        "/v1/leaderboards/revenue_won", params={"period": "2026-Q4", "as_of": "2026-10-31"}, headers=HR
    ).json()
    assert [(r["rank"], r["rep_id"], r["value"]) for r in board["ranking"]] == [
        (1, "r-1", "700000.00"),
        (2, "r-2", "400000.00"),
    ]
    mine = quarter.get(
        "/v1/leaderboards/revenue_won", params={"period": "2026-Q4", "as_of": "2026-10-31"}, headers=auth("t-rep")
    ).json()
    assert [r["rep_id"] for r in mine["ranking"]] == ["r-1"] and mine["unit_id"] == "team-a"
    assert quarter.get("/v1/leaderboards/happiness", params={"period": "2026-Q4"}, headers=HR).status_code == 422


def test_progress_is_scoped_like_goals(quarter):
    assert figures(quarter, "r-1", token="t-rep")["actual"] == "700000.00"
    assert quarter.get("/v1/goals/r-2/progress", headers=auth("t-rep")).status_code == 404
    assert quarter.get("/v1/goals/q4/progress", headers=auth("t-east")).status_code == 404
    assert figures(quarter, "east", token="t-east")["actual"] == "1100000.00"


def test_a_goal_can_be_split_by_each_childs_share_of_a_past_period(quarter):
    # In Q4 so far r-1 sold 700k and r-2 400k: a January goal of 110,000 splits 70,000 / 40,000.
    quarter.post(
        "/v1/goals",
        json={
            "goal_id": "jan",
            "metric": "revenue_won",
            "owner": {"kind": "unit", "id": "east"},
            "period": "2027-01",
            "target": "110000",
            "currency": "CNY",
            "description": "January",
        },
        headers=HR,
    )
    split = quarter.post(
        "/v1/goals/jan/decomposition",
        json={
            "method": "history",
            "history_period": "2026-Q4",
            "children": [{"owner": {"kind": "rep", "id": "r-1"}}, {"owner": {"kind": "rep", "id": "r-2"}}],
        },
        headers=HR,
    )
    assert split.status_code == 200, split.text
    assert [c["target"] for c in split.json()["children"]] == ["70000.00", "40000.00"]
    child = quarter.get("/v1/goals/jan.1", headers=HR).json()
    assert child["allocation"]["history_period"] == "2026-Q4" and child["allocation"]["weight"] == "700000.00"
    empty = quarter.post(
        "/v1/goals/jan/decomposition",
        json={"method": "history", "history_period": "2026-Q1", "children": [{"owner": {"kind": "rep", "id": "r-1"}}]},
        headers=HR,
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["pointer"] == "/history_period"


def test_progress_is_listed_per_owner_period_and_metric_and_paged(quarter):
    reps = quarter.get(
        "/v1/progress", params={"owner_kind": "rep", "period": "2026-Q4", "as_of": "2026-10-31", "limit": 1}, headers=HR
    ).json()
    assert [(p["goal_id"], p["actual"]) for p in reps["progress"]] == [("r-1", "700000.00")]
    assert reps["next_offset"] == 1
    rest = quarter.get(
        "/v1/progress",
        params={"owner_kind": "rep", "period": "2026-Q4", "as_of": "2026-10-31", "offset": 1},
        headers=HR,
    ).json()
    assert [(p["goal_id"], p["actual"]) for p in rest["progress"]] == [("r-2", "400000.00")]
    mine = quarter.get("/v1/progress", params={"metric": "revenue_won"}, headers=auth("t-rep")).json()["progress"]
    assert [p["goal_id"] for p in mine] == ["r-1"]

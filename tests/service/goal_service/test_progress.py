"""Goal progress end to end over HTTP, every figure worked by hand. The company's Q4 2026 revenue goal is
3,000,000 CNY, split evenly to East and West and East's half to reps r-1 and r-2. Q4 2026 has 62 working
days in China (October 18, November 21, December 23); by 31 October 18 have passed."""

from __future__ import annotations

from tests.scenarios.goal import deal
from tests.support import SOURCE, auth, cloudevent, signed_post

HR = auth("t-hr")


def figures(goal, goal_id: str, token: str = "t-hr", **params) -> dict:
    response = goal.get(f"/v1/goals/{goal_id}/progress", params={"as_of": "2026-10-31", **params}, headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()


def publish_2027(goal) -> None:
    """HR publishes 2027 (chinese-calendar stops at 2026): New Year's Day off, nothing else."""
    body = {"holidays": ["2027-01-01"], "workdays": [], "reason": "HR's 2027 calendar"}
    assert goal.put("/v1/calendars/2027", json=body, headers=HR).status_code == 201


def head(goal) -> int:
    return goal.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"]


def test_company_progress_by_hand(quarter):
    q4 = figures(quarter, "q4")
    # money is written to the fen whatever was typed: the target "3000000" reads "3000000.00" beside the actual
    assert (q4["actual"], q4["target"]) == ("1100000.00", "3000000.00")
    assert q4["completion"] == "0.3667"  # 1.1M / 3M
    assert q4["working_days"]["total"] == 62 and q4["working_days"]["elapsed"] == 18
    assert q4["pace"] == "1.2630"  # 1.1M x 62 / (3M x 18) = 1.26296...
    assert q4["forecast"] == "3788888.89"  # 1.1M x 62 / 18
    (product_a,) = q4["sub_targets"]
    assert (product_a["percent"], product_a["met"]) == ("63.6364", True)  # 700k of 1.1M
    assert q4["known_at"] == head(quarter)
    assert set(q4["working_days"]["calendar_versions"]) == {"2026"}
    # before Q4's first working day (1-7 October are holidays) there is no pace and no forecast: null, as the
    # warning rules read it too (shared/kernel/pace.py), never a pace of 0
    early = figures(quarter, "q4", as_of="2026-10-07")
    assert (early["working_days"]["elapsed"], early["completion"]) == (0, "0.0000")
    assert (early["pace"], early["forecast"]) == (None, None)


def test_the_roll_up_and_drill_down_add_up(quarter):
    q4 = figures(quarter, "q4", children="true", drill="rep")
    assert {c["goal_id"]: c["actual"] for c in q4["children"]} == {"east": "1100000.00", "west": "0.00"}
    assert q4["drill_down"]["rep"] == {"r-1": "700000.00", "r-2": "400000.00"}
    assert figures(quarter, "q4", drill="product")["drill_down"]["product"] == {"A": "700000.00", "B": "400000.00"}
    r1 = figures(quarter, "r-1")
    assert (r1["target"], r1["completion"]) == ("750000.00", "0.9333")  # 700k / 750k


def test_growth_of_a_period_in_progress_compares_the_same_first_days_and_says_so(quarter):
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
    assert growth["basis"] == "same_days"
    assert growth["this"] == {
        "period": "2026-Q4",
        "from": "2026-10-01",
        "through": "2026-10-31",
        "actual": "1100000.00",
    }
    assert growth["previous_period"] == {
        "basis": "same_days",
        "period": "2026-Q3",
        "from": "2026-07-01",
        "through": "2026-07-31",
        "actual": "500000.00",
        "change": "1.2000",
    }  # (1.1M - 500k) / 500k
    assert growth["a_year_before"] == {
        "basis": "same_days",
        "period": "2025-Q4",
        "from": "2025-10-01",
        "through": "2025-10-31",
        "actual": "1000000.00",
        "change": "0.1000",
    }


def test_growth_of_a_complete_period_compares_the_whole_earlier_periods(quarter):
    # Q4 is 92 days, Q3 92, Q4 2025 92: once Q4 is over, all of Q3 and all of Q4 2025 count, the late
    # August deal and the 31 December 2025 one too (a same-days comparison would cut neither here, so take
    # Q1 2027 below for the case where it would).
    signed_post(
        quarter,
        [
            deal("q3a", "r-1", "500000.00", "2026-07-10", "A"),
            deal("q3b", "r-1", "500000.00", "2026-09-30", "A"),
            deal("y1", "r-1", "1000000.00", "2025-12-31", "A"),
        ],
    )
    growth = figures(quarter, "q4", as_of="2027-01-15")["growth"]  # Q4 complete: 1.1M
    assert growth["basis"] == "whole_period"
    assert growth["this"] == {
        "period": "2026-Q4",
        "from": "2026-10-01",
        "through": "2026-12-31",
        "actual": "1100000.00",
    }
    assert growth["previous_period"] == {
        "basis": "whole_period",
        "period": "2026-Q3",
        "from": "2026-07-01",
        "through": "2026-09-30",
        "actual": "1000000.00",
        "change": "0.1000",
    }  # (1.1M - 1M) / 1M
    assert growth["a_year_before"]["through"] == "2025-12-31" and growth["a_year_before"]["change"] == "0.1000"


def test_q1_complete_is_compared_with_all_of_the_previous_q4_not_its_first_90_days(quarter):
    # Q1 2027 has 90 days, Q4 2026 92: a deal on 31 December counts against Q1 only in the whole-period view.
    publish_2027(quarter)
    created = quarter.post(
        "/v1/goals",
        json={
            "goal_id": "q1",
            "metric": "revenue_won",
            "owner": {"kind": "company", "id": "acme"},
            "period": "2027-Q1",
            "target": "1000000",
            "currency": "CNY",
            "description": "Q1 2027",
        },
        headers=HR,
    )
    assert created.status_code == 201, created.text
    signed_post(
        quarter,
        [deal("late", "r-1", "900000.00", "2026-12-31", "A"), deal("jan", "r-1", "400000.00", "2027-01-05", "A")],
    )
    # Q4 2026 in all: 1.1M (October) + 900k (31 December) = 2M; Q1 2027: 400k -> (400k - 2M) / 2M = -0.8
    whole = figures(quarter, "q1", as_of="2027-03-31")["growth"]["previous_period"]
    assert (whole["basis"], whole["through"], whole["actual"], whole["change"]) == (
        "whole_period",
        "2026-12-31",
        "2000000.00",
        "-0.8000",
    )
    # before Q1 begins there is nothing to compare, and the answer says so
    assert figures(quarter, "q1", as_of="2026-12-31")["growth"] == {
        "basis": "not_started",
        "this": None,
        "previous_period": None,
        "a_year_before": None,
    }
    # in progress on 30 March (day 89 of 90): Q4's first 89 days end on 28 December, before the late deal
    so_far = figures(quarter, "q1", as_of="2027-03-30")["growth"]["previous_period"]
    assert (so_far["basis"], so_far["through"], so_far["actual"], so_far["change"]) == (
        "same_days",
        "2026-12-28",
        "1100000.00",
        "-0.6364",
    )  # (400k - 1.1M) / 1.1M = -0.63636...


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
    assert then == {"east": "1100000.00", "west": "0.00"}


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


def test_a_rep_sees_the_top_three_their_own_line_and_the_teams_figure_not_each_teammates(quarter):
    for n, amount in ((3, "900000"), (4, "800000"), (5, "750000"), (6, "720000")):
        rep = {"rep_id": f"r-{n}", "name": f"rep {n}", "unit_id": "team-a", "effective_from": "2026-01-01"}
        assert quarter.post("/v1/org/reps", json=rep, headers=HR).status_code == 201
        assert signed_post(quarter, deal(f"t{n}", f"r-{n}", amount, "2026-10-20", "A")).status_code == 201
    params = {"period": "2026-Q4", "as_of": "2026-10-31"}
    mine = quarter.get("/v1/leaderboards/revenue_won", params=params, headers=auth("t-rep")).json()
    assert [(r["rank"], r["rep_id"], r["value"]) for r in mine["ranking"]] == [
        (1, "r-3", "900000.00"),
        (2, "r-4", "800000.00"),
        (3, "r-5", "750000.00"),
        (5, "r-1", "700000.00"),  # r-6, fourth, is no business of r-1's
    ]
    assert (mine["ranked"], mine["figure"], mine["unit_id"]) == (5, "3870000.00", "team-a")
    everyone = quarter.get("/v1/leaderboards/revenue_won", params=params, headers=HR).json()
    assert [r["rep_id"] for r in everyone["ranking"]] == ["r-3", "r-4", "r-5", "r-6", "r-1", "r-2"]
    assert everyone["ranked"] == 6


def test_an_answer_kept_for_the_next_caller_moves_with_the_ledger(quarter):
    url, params = "/v1/goals/q4/progress", {"as_of": "2026-10-31", "children": "true"}
    first = quarter.get(url, params=params, headers=HR)
    again = quarter.get(url, params=params, headers={**HR, "if-none-match": first.headers["etag"]})
    assert again.status_code == 304  # the same position: the same bytes
    signed_post(quarter, [deal("late", "r-2", "100.00", "2026-10-20", "B")])
    moved = quarter.get(url, params=params, headers=HR).json()
    assert moved["actual"] == "1100100.00" and moved["known_at"] == head(quarter) > first.json()["known_at"]
    then = {**params, "known_at": first.json()["known_at"]}
    assert quarter.get(url, params=then, headers=HR).content == first.content


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


def test_a_goal_in_a_year_without_a_calendar_spoils_only_its_own_line(quarter):
    # rep goals: r-1 and r-2 in Q4 2026 (calendar seeded), r-1 in January 2027 (no calendar published yet)
    jan = {
        "goal_id": "r-1-jan",
        "metric": "revenue_won",
        "owner": {"kind": "rep", "id": "r-1"},
        "period": "2027-01",
        "target": "50000",
        "currency": "CNY",
        "description": "January",
    }
    assert quarter.post("/v1/goals", json=jan, headers=HR).status_code == 201
    listed = quarter.get("/v1/progress", params={"owner_kind": "rep", "as_of": "2026-10-31"}, headers=HR)
    assert listed.status_code == 200, listed.text
    lines = {line["goal_id"]: line for line in listed.json()["progress"]}
    assert (lines["r-1"]["actual"], lines["r-2"]["actual"]) == ("700000.00", "400000.00")
    problem = lines["r-1-jan"]["problem"]
    assert (problem["status"], problem["title"]) == (409, "Conflict")
    assert "2027" in problem["detail"] and "PUT /v1/calendars/2027" in problem["detail"]
    assert "actual" not in lines["r-1-jan"] and lines["r-1-jan"]["period"] == "2027-01"
    # the goal alone is a problem answer; once HR publishes 2027 its line has figures
    alone = quarter.get("/v1/goals/r-1-jan/progress", params={"as_of": "2027-01-05"}, headers=HR)
    assert alone.status_code == 409 and alone.headers["content-type"] == "application/problem+json"
    publish_2027(quarter)
    again = {
        line["goal_id"]: line
        for line in quarter.get("/v1/progress", params={"owner_kind": "rep"}, headers=HR).json()["progress"]
    }
    assert again["r-1-jan"]["target"] == "50000.00" and "problem" not in again["r-1-jan"]

"""Goals over HTTP: HR sets the company's quarter goal, decomposes it to regions and a manager on to reps;
reps commit, the manager agrees; every version stays readable and the consistency report shows gaps."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support import auth

HR = auth("t-hr")


def test_a_goal_answers_with_exact_decimals_and_its_version(company_goal):
    goal = company_goal.get("/v1/goals/q4", headers=HR).json()
    assert goal["target"] == "3000000.00" and goal["currency"] == "CNY" and goal["basis"] == "set"
    assert goal["actor"] == "wang.fang" and goal["sub_targets"][0]["at_least_percent"] == "60"


def test_decomposition_splits_exactly_and_records_how(company_goal):
    response = company_goal.post(
        "/v1/goals/q4/decomposition",
        json={
            "method": "weights",
            "children": [
                {"owner": {"kind": "unit", "id": "east"}, "weight": "2", "goal_id": "q4-east"},
                {"owner": {"kind": "unit", "id": "west"}, "weight": "1", "goal_id": "q4-west"},
            ],
        },
        headers=HR,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert [c["target"] for c in report["children"]] == ["2000000.00", "1000000.00"]
    assert report["consistent"] is True and report["difference"] == "0.00"
    east = company_goal.get("/v1/goals/q4-east", headers=HR).json()
    parent_version = str(company_goal.get("/v1/goals/q4", headers=HR).json()["version"])
    assert east["allocation"] == {
        "method": "weights",
        "weight": "2",
        "of_target": "3000000",
        "of_version": parent_version,
    }
    assert east["basis"] == "top_down" and east["parent_goal_id"] == "q4"


@pytest.mark.parametrize(
    ("east", "west", "pointers", "says"),
    [
        ("0", "0", ["/children/0/weight", "/children/1/weight"], "all weights are zero"),
        ("-1", "1", ["/children/0/weight"], "greater than or equal to 0"),
        ("1e999999", "1", ["/children/0/weight"], "less than 1000000000000000"),
        ("NaN", "1", ["/children/0/weight"], "finite number"),
        ("1", "Infinity", ["/children/1/weight"], "finite number"),
        ("1", "0.0000001", ["/children/1/weight"], "no more than 6 decimal places"),
    ],
)
def test_weights_that_split_nothing_or_overflow_are_422_naming_the_weight(company_goal, east, west, pointers, says):
    response = company_goal.post(
        "/v1/goals/q4/decomposition",
        json={
            "method": "weights",
            "children": [
                {"owner": {"kind": "unit", "id": "east"}, "weight": east},
                {"owner": {"kind": "unit", "id": "west"}, "weight": west},
            ],
        },
        headers=HR,
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == pointers
    assert says in response.json()["errors"][0]["detail"]
    assert company_goal.get("/v1/goals/q4/consistency", headers=HR).json()["children"] == []


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"goal_id": "q4-\u0000"}, "/goal_id"),
        ({"goal_id": "../x"}, "/goal_id"),  # recorded, it could never be addressed again
        ({"goal_id": ".."}, "/goal_id"),
        ({"description": "Q4\u0000"}, "/description"),
        ({"owner": {"kind": "rep", "id": "r-1\u0007"}}, "/owner/id"),
        ({"target": "1e999999"}, "/target"),
        ({"period": "9999-12"}, "/period"),
    ],
)
def test_a_goal_with_controls_or_unbounded_figures_is_422_naming_the_field(company_goal, change, pointer):
    body = {
        "metric": "visits",
        "owner": {"kind": "rep", "id": "r-1"},
        "period": "2026-Q4",
        "target": "10",
        "description": "x",
    } | change
    response = company_goal.post("/v1/goals", json=body, headers=HR)
    assert response.status_code == 422, response.text
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


def test_a_manager_decomposes_their_region_to_reps_who_commit_and_then_agree(company_goal):
    company_goal.post(
        "/v1/goals/q4/decomposition",
        json={
            "method": "even",
            "children": [
                {"owner": {"kind": "unit", "id": "east"}, "goal_id": "q4-east"},
                {"owner": {"kind": "unit", "id": "west"}, "goal_id": "q4-west"},
            ],
        },
        headers=HR,
    )
    east = auth("t-east")  # manager of east
    split = company_goal.post(
        "/v1/goals/q4-east/decomposition",
        json={
            "method": "even",
            "children": [
                {"owner": {"kind": "rep", "id": "r-1"}, "goal_id": "q4-r1"},
                {"owner": {"kind": "rep", "id": "r-2"}, "goal_id": "q4-r2"},
            ],
        },
        headers=east,
    )
    assert [c["target"] for c in split.json()["children"]] == ["750000.00", "750000.00"]
    assert (
        company_goal.post(
            "/v1/goals/q4-west/decomposition",
            json={"method": "even", "children": [{"owner": {"kind": "unit", "id": "team-w"}}]},
            headers=east,
        ).status_code
        == 404
    )  # west is not east's
    committed = company_goal.post("/v1/goals/q4-r1/commitments", json={"value": "800000"}, headers=auth("t-rep"))
    assert committed.status_code == 201
    assert (
        company_goal.post("/v1/goals/q4-r2/commitments", json={"value": "1"}, headers=auth("t-rep")).status_code == 404
    )
    agreed = company_goal.post("/v1/goals/q4-r1/agreement", json={"reason": "agreed 1:1"}, headers=east)
    assert agreed.status_code == 201
    assert (agreed.json()["target"], agreed.json()["basis"]) == ("800000.00", "consensus")
    report = company_goal.get("/v1/goals/q4-east/consistency", headers=east).json()
    assert (report["children_total"], report["difference"], report["consistent"]) == ("1550000.00", "50000.00", False)


def test_versions_stay_readable_and_the_goal_as_it_stood_on_a_day(company_goal):
    revised = company_goal.post(
        "/v1/goals/q4/revisions", json={"target": "3300000", "reason": "new product line"}, headers=HR
    )
    assert revised.status_code == 201 and revised.json()["target"] == "3300000.00"
    versions = company_goal.get("/v1/goals/q4/versions", headers=HR).json()["versions"]
    assert [(v["target"], v["reason"]) for v in versions] == [("3000000.00", None), ("3300000.00", "new product line")]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # `on` is a day in the company's zone
    assert company_goal.get("/v1/goals/q4", params={"on": today}, headers=HR).json()["target"] == "3300000.00"
    assert company_goal.get("/v1/goals/q4", params={"on": "2020-01-01"}, headers=HR).status_code == 404
    first = versions[0]["version"]
    assert company_goal.get("/v1/goals/q4", params={"known_at": first}, headers=HR).json()["target"] == "3000000.00"
    no_reason = company_goal.post("/v1/goals/q4/revisions", json={"target": "1"}, headers=HR)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["pointer"] == "/reason"


def test_goals_refused_for_what_does_not_fit_and_outside_scope(company_goal):
    bad_metric = company_goal.post(
        "/v1/goals",
        json={
            "metric": "happiness",
            "owner": {"kind": "rep", "id": "r-1"},
            "period": "2026-Q4",
            "target": "1",
            "description": "x",
        },
        headers=HR,
    )
    assert bad_metric.status_code == 422 and bad_metric.json()["errors"][0]["pointer"] == "/metric"
    no_currency = company_goal.post(
        "/v1/goals",
        json={
            "metric": "revenue_won",
            "owner": {"kind": "rep", "id": "r-1"},
            "period": "2026-Q4",
            "target": "1",
            "description": "x",
        },
        headers=HR,
    )
    assert no_currency.status_code == 422
    bad_period = company_goal.post(
        "/v1/goals",
        json={
            "metric": "visits",
            "owner": {"kind": "rep", "id": "r-1"},
            "period": "Q9",
            "target": "1",
            "description": "x",
        },
        headers=HR,
    )
    assert bad_period.status_code == 422 and bad_period.json()["errors"][0]["pointer"] == "/period"
    outside = company_goal.post(
        "/v1/goals",
        json={
            "metric": "visits",
            "owner": {"kind": "unit", "id": "west"},
            "period": "2026-Q4",
            "target": "10",
            "description": "x",
        },
        headers=auth("t-east"),
    )
    assert outside.status_code == 403
    assert company_goal.get("/v1/goals/q4", headers=auth("t-rep")).status_code == 404


def test_goal_lists_are_scoped_paged_and_carry_an_etag(company_goal):
    company_goal.post(
        "/v1/goals/q4/decomposition",
        json={
            "method": "even",
            "children": [{"owner": {"kind": "rep", "id": "r-1"}}, {"owner": {"kind": "rep", "id": "r-2"}}],
        },
        headers=HR,
    )
    everything = company_goal.get("/v1/goals", params={"limit": 2}, headers=HR)
    assert [g["goal_id"] for g in everything.json()["goals"]] == ["q4", "q4.1"]
    assert everything.json()["next_offset"] == 2
    mine = company_goal.get("/v1/goals", headers=auth("t-rep")).json()["goals"]
    assert [g["goal_id"] for g in mine] == ["q4.1"]
    etag = everything.headers["etag"]
    again = company_goal.get("/v1/goals", params={"limit": 2}, headers=HR | {"if-none-match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "body", "pointer"),
    [
        ("/v1/org/units", {"unit_id": "east/a", "name": "n", "kind": "team", "parent_id": "acme"}, "/unit_id"),
        ("/v1/org/reps", {"rep_id": "r\\9", "name": "n", "unit_id": "team-a"}, "/rep_id"),
    ],
)
def test_an_organisation_id_no_path_can_address_is_refused_when_created(company_goal, path, body, pointer):
    response = company_goal.post(path, json=body | {"effective_from": "2026-01-01"}, headers=HR)
    assert response.status_code == 422, response.text
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert "one path segment" in response.text

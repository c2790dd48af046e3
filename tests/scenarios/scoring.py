"""The company the scoring tests share (Acme: East with teams A and B, West with team W) and its rules:
a sales scorecard, the tiered commission plan from the design notes and a 5% team bonus pool."""

from __future__ import annotations

import time

from tests.scenarios.goal import ORG_CSV, import_csv
from tests.support import auth, cloudevent, signed_post

HR = auth("t-hr")

SCORECARD = {
    "effective_from": "2026-01-01",
    "reason": "FY2026 sales scorecard",
    "definition": {
        "name": "Sales reps",
        "applies_to": "acme",
        "currency": "CNY",
        "kpis": [
            {
                "key": "revenue",
                "name": "销售额完成率",
                "group": "result",
                "weight": "60",
                "metric": "revenue_won",
                "target": "1000000",
                "curve": {"kind": "linear", "cap": "1.2", "gate": "0.6"},
            },
            {
                "key": "visits",
                "name": "拜访量",
                "group": "process",
                "weight": "40",
                "metric": "visits",
                "target": "10",
            },
        ],
    },
}

PLAN = {
    "effective_from": "2026-01-01",
    "definition": {
        "name": "阶梯提成",
        "applies_to": "acme",
        "currency": "CNY",
        "basis": "revenue_won",
        "tiers": [
            {"up_to": "1000000", "rate": "0.01"},
            {"up_to": "3000000", "rate": "0.015"},
            {"up_to": None, "rate": "0.02"},
        ],
    },
}

POOL = {
    "effective_from": "2026-01-01",
    "definition": {
        "name": "Team pool",
        "applies_to": "acme",
        "currency": "CNY",
        "percent_of_team_revenue": "5",
        "split": "rank_weights",
        "rank_weights": ["60", "40"],
    },
}


def deal(id_: str, rep: str, amount: str, day: str) -> dict:
    data = {"rep_id": rep, "customer_id": f"c-{id_}", "deal_id": id_, "amount": amount, "currency": "CNY"}
    return cloudevent("deal.won", data, id_=id_, time_=f"{day}T10:00:00+08:00")


def visits(rep: str, count: int, day: str) -> list[dict]:
    return [
        cloudevent(
            "visit.completed",
            {"rep_id": rep, "customer_id": f"c-{i}"},
            id_=f"v-{rep}-{day}-{i}",
            time_=f"{day}T09:00:00+08:00",
        )
        for i in range(count)
    ]


def define_rules(scoring) -> None:
    for path, body in (("scorecards/sales", SCORECARD), ("commission-plans/tiers", PLAN), ("bonus-pools/team", POOL)):
        response = scoring.put(f"/v1/{path}", json=body, headers=HR)
        assert response.status_code == 201, response.text


def setup_company(goal, scoring) -> None:
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    define_rules(scoring)


def record(goal, events: list[dict]) -> int:
    response = signed_post(goal, events)
    assert response.status_code in (200, 201), response.text
    return goal.get("/v1/ledger/head", headers=auth("t-service")).json()["position"]


def caught_up(scoring, position: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = scoring.get("/v1/projections", headers=auth("t-admin")).json()
        if status[0]["position"] >= position:
            return
        time.sleep(0.05)
    raise AssertionError(f"scoring_service did not reach position {position}: {status}")


def publish_calendars(goal) -> None:
    """The 2026 calendar (chinese-calendar's) and, so that a window opened late in December has one to count
    on, a 2027 of week-ends alone: an appeal window is counted on the calendar, never guessed."""
    assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    body = {"holidays": [], "workdays": [], "reason": "tests: week-ends only"}
    assert goal.put("/v1/calendars/2027", json=body, headers=HR).status_code == 201


def public_keys(goal, scoring) -> tuple[str, str]:
    """What an auditor pins to verify a bundle offline: scoring_service's seal key, goal_service's checkpoint key."""
    seal = scoring.get("/v1/seal-keys").json()["keys"][0]["public_key"]
    checkpoint = goal.get("/v1/ledger/checkpoints", params={"limit": 0}, headers=auth("t-auditor")).json()["keys"][0]
    return seal, checkpoint["public_key"]

"""A realistic fortnight at Acme (team A: r-1, r-2, r-3; team B: r-4), 12 to 25 October 2026, with the
warning rules HR sets, and the warnings it must raise (worked out by hand in the test that uses it).

- r-1: weekly goals of 100,000. W42: 60,000 on the 13th, 50,000 on the 15th. W43: 30,000 on Monday the
  19th (pace at Tuesday's close: 30,000 x 5 / (100,000 x 2) = 0.75, under 0.8: warned), 60,000 on the 21st
  (pace 90,000 x 5 / (100,000 x 3) = 1.5: cleared). October goal 240,000 over 18 working days: on the 13th
  (5 days in) the forecast is 60,000 x 18 / 5 = 216,000, a miss; on the 15th (7 days) 110,000 x 18 / 7 =
  282,857.14: cleared; on the 16th 247,500 and on the 19th 280,000 stay clear.
- r-2: weekly goals of 100,000; nothing won by Tuesday of W42 (pace 0: warned), 20,000 by Sunday
  (completion 0.2: still open). 4 leads a week converting 1 then 0, against team-A means of 0.4167 both
  weeks: two weeks below, warned on Sunday the 25th; activity on par, so coaching (a capability gap).
- r-3: visits on the 12th and 13th, then none until the 19th: 3 working days without on the 16th
  (warned, a resource gap), cleared on the 19th.
- r-4: a 150,000 deal on the 14th voided on the 22nd: a large voided deal.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from services.alert_service.api.schemas import BusinessClockOut, WarningRuleOut, WarningsOut
from tests.scenarios.goal import import_csv
from tests.support import SOURCE, auth, cloudevent, signed_post

HR = auth("t-hr")
ADMIN = auth("t-admin")

ORG_CSV = """kind,id,name,parent,effective_from
company,acme,Acme 股份,,2026-01-01
region,east,华东,acme,2026-01-01
team,team-a,East A,east,2026-01-01
team,team-b,East B,east,2026-01-01
rep,r-1,李雷,team-a,2026-01-01
rep,r-2,韩梅梅,team-a,2026-01-01
rep,r-3,王芳,team-a,2026-01-01
rep,r-4,赵强,team-b,2026-01-01
"""

RULES = {
    "weekly": {"kind": "weekly_goal_completion", "metric": "revenue_won", "threshold": "0.8"},
    "conversion": {"kind": "lead_conversion_below_team_mean", "weeks": 2},
    "no-visits": {"kind": "no_visits", "working_days": 3},
    "collection": {"kind": "collection_rate_below", "threshold": "0.7"},
    "voided": {"kind": "large_deal_voided", "min_amount": "100000"},
    "forecast": {"kind": "forecast_miss", "period": "month", "min_elapsed_working_days": 5},
}

FIRST = date(2026, 10, 12)


def at(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+08:00"


def deal(id_: str, rep: str, amount: str, day: date) -> dict:
    data = {"rep_id": rep, "customer_id": f"c-{id_}", "deal_id": id_, "amount": amount, "currency": "CNY"}
    return cloudevent("deal.won", data, id_=id_, time_=at(day))


def visit(rep: str, day: date, n: int = 0) -> dict:
    return cloudevent(
        "visit.completed", {"rep_id": rep, "customer_id": f"c-{rep}-{n}"}, id_=f"v-{rep}-{day}-{n}", time_=at(day, 9)
    )


def leads(rep: str, day: date, created: int, converted: int) -> list[dict]:
    made = [
        cloudevent(
            "lead.created",
            {"rep_id": rep, "lead_id": f"l-{rep}-{day}-{i}"},
            id_=f"lc-{rep}-{day}-{i}",
            time_=at(day, 11),
        )
        for i in range(created)
    ]
    won = [
        cloudevent(
            "lead.converted",
            {"rep_id": rep, "lead_id": f"l-{rep}-{day}-{i}"},
            id_=f"lv-{rep}-{day}-{i}",
            time_=at(day, 15),
        )
        for i in range(converted)
    ]
    return made + won


def void(target_id: str, day: date) -> dict:
    data = {"target": {"source": SOURCE, "id": target_id}, "reason": "customer cancelled"}
    return cloudevent("activity.voided", data, id_=f"void-{target_id}", time_=at(day, 16))


DEALS = {
    date(2026, 10, 13): [deal("d-1", "r-1", "60000", date(2026, 10, 13))],
    date(2026, 10, 14): [
        deal("d-2", "r-2", "20000", date(2026, 10, 14)),
        deal("d-4", "r-4", "150000", date(2026, 10, 14)),
    ],
    date(2026, 10, 15): [deal("d-3", "r-1", "50000", date(2026, 10, 15))],
    date(2026, 10, 19): [
        deal("d-5", "r-2", "90000", date(2026, 10, 19)),
        deal("d-6", "r-1", "30000", date(2026, 10, 19)),
    ],
    date(2026, 10, 21): [deal("d-7", "r-1", "60000", date(2026, 10, 21))],
}
CONVERSIONS = {"r-1": (2, 2), "r-2": (1, 0), "r-3": (2, 3)}  # leads converted in W42, W43 (of 4 a week)


def day_of_activity(day: date) -> list[dict]:
    """What the CRM sends about one day of the fortnight."""
    events: list[dict] = []
    working = day.weekday() < 5
    for rep in ("r-1", "r-2", "r-4"):
        if working:
            events += [visit(rep, day, n) for n in range(2)]
    if working and (day <= date(2026, 10, 13) or day >= date(2026, 10, 19)):
        events += [visit("r-3", day, n) for n in range(2)]
    if day.weekday() == 1:  # each Tuesday: the week's leads
        week_index = 0 if day < date(2026, 10, 19) else 1
        for rep, converted in CONVERSIONS.items():
            events += leads(rep, day, 4, converted[week_index])
    events += DEALS.get(day, [])
    if day == date(2026, 10, 22):
        events.append(void("d-4", day))
    return events


def fortnight() -> list[list[dict]]:
    """Each day's batch, 12 to 25 October, then one call on Monday the 26th that closes Sunday."""
    days = [FIRST + timedelta(days=n) for n in range(14)]
    batches = [day_of_activity(d) for d in days]
    closing = cloudevent(
        "call.logged", {"rep_id": "r-4", "customer_id": "c-x"}, id_="call-26", time_=at(date(2026, 10, 26))
    )
    return [b for b in batches if b] + [[closing]]


def goal(goal_id: str, rep: str, period: str, target: str) -> dict:
    return {
        "goal_id": goal_id,
        "metric": "revenue_won",
        "owner": {"kind": "rep", "id": rep},
        "period": period,
        "target": target,
        "currency": "CNY",
        "description": f"{rep} {period}",
    }


def setup_company(goal_client, alert_client) -> None:
    assert import_csv(goal_client, ORG_CSV).json()["rejected"] == []
    assert goal_client.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    for body in (
        goal("w42-r1", "r-1", "2026-W42", "100000"),
        goal("w43-r1", "r-1", "2026-W43", "100000"),
        goal("w42-r2", "r-2", "2026-W42", "100000"),
        goal("w43-r2", "r-2", "2026-W43", "100000"),
        goal("oct-r1", "r-1", "2026-10", "240000"),
    ):
        response = goal_client.post("/v1/goals", json=body, headers=HR)
        assert response.status_code == 201, response.text
    for rule_id, definition in RULES.items():
        body = {"effective_from": "2026-01-01", "reason": "sales warnings 2026", "definition": definition}
        response = alert_client.put(f"/v1/warning-rules/{rule_id}", json=body, headers=HR)
        assert response.status_code == 201, response.text
        WarningRuleOut.model_validate_json(response.content)  # the answer is what the OpenAPI document says


def record(goal_client, events: list[dict]) -> int:
    response = signed_post(goal_client, events)
    assert response.status_code in (200, 201), response.text
    return goal_client.get("/v1/ledger/head", headers=auth("t-service")).json()["position"]


def judged(alert_client, position: int, seconds: float = 60) -> None:
    """Wait until alert_service has judged the ledger up to a position."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = alert_client.get("/v1/business-clock", headers=ADMIN)
        BusinessClockOut.model_validate_json(answer.content)  # the answer is what the OpenAPI document says
        clock = answer.json()
        if clock["position"] >= position:
            return
        time.sleep(0.05)
    raise AssertionError(f"alert_service did not judge up to {position}: {clock}")


def warnings(alert_client, token: str = "t-admin", **query: str) -> list[dict]:
    """The first page of the list."""
    response = alert_client.get("/v1/warnings", params=query, headers=auth(token))
    assert response.status_code == 200, response.text
    WarningsOut.model_validate_json(response.content)  # the answer is what the OpenAPI document says
    return response.json()["warnings"]
